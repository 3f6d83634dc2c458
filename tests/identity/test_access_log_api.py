"""GET /api/v1/me/access-log: an applicant sees who (by role and unit) opened their file — and only theirs."""

import pytest
from django.urls import reverse

from identity.models import StaffAccessLog

pytestmark = pytest.mark.django_db


def _log(staff, applicant, reason="Reviewing the application"):
    return StaffAccessLog.objects.create(
        staff=staff,
        role=staff.role,
        unit=staff.unit,
        applicant=applicant,
        object_type="application",
        object_id="1",
        reason=reason,
    )


def test_applicant_sees_entries_about_them_newest_first_without_staff_names(
    applicant, other_applicant, case_officer, applicant_api, django_assert_num_queries
):
    _log(case_officer, applicant, "Opened the case file")
    _log(case_officer, applicant, "Downloaded a document")
    _log(case_officer, other_applicant, "Someone else's file")

    with django_assert_num_queries(3):  # user by token, count, page
        response = applicant_api.get(reverse("api-me-access-log"))
    assert response.status_code == 200
    results = response.json()["results"]
    assert [row["reason"] for row in results] == ["Downloaded a document", "Opened the case file"]
    assert results[0]["role"] == "Case officer"
    assert results[0]["unit"] == case_officer.unit.name
    assert case_officer.email not in response.content.decode()
    assert case_officer.last_name not in response.content.decode()


def test_another_applicant_sees_nothing_of_mine(applicant, case_officer, other_applicant_api):
    _log(case_officer, applicant)
    response = other_applicant_api.get(reverse("api-me-access-log"))
    assert response.status_code == 200
    assert response.json()["results"] == []


def test_anonymous_gets_401(api_client):
    response = api_client.get(reverse("api-me-access-log"))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


class TestAccessLogPage:
    url = "/account/access-log/"

    def test_applicant_sees_their_entries_only(self, client, applicant, other_applicant, case_officer):
        _log(case_officer, applicant, "Opened the case file")
        _log(case_officer, other_applicant, "Someone else's file")
        client.force_login(applicant)
        response = client.get(self.url)
        assert response.status_code == 200
        html = response.content.decode()
        assert "Opened the case file" in html
        assert "Someone else&#x27;s file" not in html and "Someone else's file" not in html
        assert case_officer.unit.name in html
        assert case_officer.email not in html

    def test_empty_log_says_so(self, client, other_applicant):
        client.force_login(other_applicant)
        assert "Nobody at the Office has opened your file yet." in client.get(self.url).content.decode()

    def test_anonymous_is_sent_to_sign_in(self, client):
        response = client.get(self.url)
        assert response.status_code == 302
        assert "/login/" in response["Location"]

    def test_staff_have_no_such_page(self, staff_client_for, case_officer):
        assert staff_client_for(case_officer).get(self.url).status_code == 403

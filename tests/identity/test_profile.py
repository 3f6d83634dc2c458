"""The applicant's own profile page."""

from __future__ import annotations

import datetime as dt

import pytest

from identity.models import ApplicantProfile
from tests.factories import ApplicantProfileFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/account/profile/"

VALID = {
    "first_name": "Olena",
    "last_name": "Kovalenko",
    "date_of_birth": "1991-02-03",
    "nationality": "UA",
    "passport_number": "fe 765432",
    "passport_valid_until": "2031-01-01",
    "phone": "+371  20 000 001",
    "preferred_language": "ru",
}


def test_needs_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_shows_labelled_fields(client, applicant_with_profile):
    client.force_login(applicant_with_profile)
    html = client.get(URL).content.decode()
    for name in (
        "first_name",
        "date_of_birth",
        "nationality",
        "passport_number",
        "phone",
        "preferred_language",
    ):
        assert f'for="id_{name}"' in html
    assert '<option value="UA" selected>' in html


def test_saves_own_profile_only(client, applicant_with_profile):
    other = ApplicantProfileFactory(user=UserFactory(applicant=True), first_name="Untouched")
    client.force_login(applicant_with_profile)
    response = client.post(URL, VALID)
    assert response.status_code == 302
    profile = ApplicantProfile.objects.get(user=applicant_with_profile)
    assert profile.last_name == "Kovalenko"
    assert profile.date_of_birth == dt.date(1991, 2, 3)
    assert profile.nationality == "UA"
    assert profile.passport_number == "FE 765432"
    assert profile.phone == "+371 20 000 001"
    applicant_with_profile.refresh_from_db()
    assert applicant_with_profile.preferred_language == "ru"
    other.refresh_from_db()
    assert other.first_name == "Untouched"


def test_creates_missing_profile(client, applicant):
    client.force_login(applicant)
    assert client.post(URL, VALID).status_code == 302
    assert ApplicantProfile.objects.get(user=applicant).first_name == "Olena"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("nationality", "XX", "Select a valid choice"),
        ("nationality", "UKR", "Select a valid choice"),
        ("date_of_birth", "2999-01-01", "must be in the past"),
        ("date_of_birth", "not a date", "Enter a valid date"),
        ("phone", "call me", "in digits, starting with + and the country code"),
        ("passport_number", "FE-12/34", "letters and digits"),
        ("preferred_language", "de", "Select a valid choice"),
    ],
)
def test_invalid_input_is_a_field_error_and_saves_nothing(
    client, applicant_with_profile, field, value, message
):
    before = ApplicantProfile.objects.get(user=applicant_with_profile)
    client.force_login(applicant_with_profile)
    response = client.post(URL, {**VALID, field: value})
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert f'id="id_{field}_error"' in html
    after = ApplicantProfile.objects.get(user=applicant_with_profile)
    assert (after.last_name, after.nationality, after.phone) == (
        before.last_name,
        before.nationality,
        before.phone,
    )


def test_staff_have_no_profile_page(staff_client_for, case_officer):
    assert staff_client_for(case_officer).get(URL).status_code == 403
    assert not ApplicantProfile.objects.filter(user=case_officer).exists()

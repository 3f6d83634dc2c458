"""The applicant's list is read beside the token's user, in one query (identity.authentication's read-ahead): the
answer is the one the list gives without it, and nothing read ahead reaches anyone the token's checks refuse."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from applications.api.applications import ApplicationListApi
from tests.factories import ApplicationFactory, UserFactory
from tests.services import require_postgres

pytestmark = pytest.mark.django_db
BASE = "/api/v1/applications"


def _without_read_ahead(monkeypatch, client, *args, **kwargs):
    with monkeypatch.context() as patch:
        patch.setattr(ApplicationListApi, "read_ahead", lambda self, request, user_id: None)
        return client.get(BASE, *args, **kwargs)


@pytest.mark.parametrize("query", [{}, {"limit": 2}, {"limit": 2, "offset": 2}, {"offset": 50}])
def test_one_query_and_the_same_answer(applicant, applicant_api, monkeypatch, query):
    require_postgres()
    ApplicationFactory.create_batch(3, applicant=applicant)
    ApplicationFactory()  # someone else's
    with CaptureQueriesContext(connection) as read:
        response = applicant_api.get(BASE, query)
    assert response.status_code == 200
    # Past the end (offset 50) the page has no row to carry the total, which is then counted.
    assert len(read) == (2 if query.get("offset") == 50 else 1)
    assert "identity_user" in read[0]["sql"] and "applications_application" in read[0]["sql"]
    assert response.json() == _without_read_ahead(monkeypatch, applicant_api, query).json()


def test_an_officers_list_is_read_anew(bearer_client, monkeypatch, django_assert_num_queries):
    """An officer's list also holds their unit's counter cases: the applicant's page read ahead is not theirs, so
    it is dropped and the list read again."""
    require_postgres()
    officer = UserFactory(case_officer=True)
    counter_case = ApplicationFactory(counter_unit=officer.unit)
    client = bearer_client(officer)
    with CaptureQueriesContext(connection) as read:
        body = client.get(BASE).json()
    assert [row["id"] for row in body["results"]] == [counter_case.pk]
    assert len(read) == 2
    assert body == _without_read_ahead(monkeypatch, client).json()


@pytest.mark.parametrize("change", ["deactivated", "password changed"])
def test_a_refused_token_gets_nothing_read_ahead(applicant, applicant_api, change):
    ApplicationFactory(applicant=applicant, reference="RP-READ-AHEAD-1")
    if change == "deactivated":
        applicant.is_active = False
    else:
        applicant.set_password("a different password 1234")
    applicant.save()
    with CaptureQueriesContext(connection) as read:
        response = applicant_api.get(BASE)
    if connection.vendor == "postgresql":  # the page was read, beside the user the token names
        assert "applications_application" in read[0]["sql"]
    assert response.status_code == 401
    assert b"RP-READ-AHEAD-1" not in response.content and "results" not in response.json()


def test_writes_read_nothing_ahead(applicant_api, monkeypatch):
    asked = []
    original = ApplicationListApi.read_ahead
    monkeypatch.setattr(
        ApplicationListApi, "read_ahead", lambda *args: asked.append(args[1].method) or original(*args)
    )
    created = applicant_api.post(BASE, {"kind": "first_trp", "purpose": "studies"}, format="json")
    assert created.status_code == 201
    assert asked == ["POST"]  # asked, and answered with nothing: the POST's own reads run as they are
    applicant_api.get(BASE)
    assert asked == ["POST", "GET"]

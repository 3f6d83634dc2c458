"""A lost database (restart, fail-over, no free connection) answers 503 with Retry-After: the API's JSON error,
a page for a browser; never a 500 and never a traceback page. Any other fault stays a 500.

The outage itself, on a real PostgreSQL that is stopped and started under load, is in
tests/integration/test_faults_database.py; here the driver's error is raised where it would surface.
"""

from __future__ import annotations

import logging

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import InterfaceError, OperationalError
from django.test import Client
from rest_framework.test import APIClient

from applications import selectors_dashboard

pytestmark = pytest.mark.django_db


def _lose_database_in_the_list(monkeypatch, error: Exception) -> None:
    def unreachable(*, user):
        raise error

    monkeypatch.setattr(selectors_dashboard, "list_applications", unreachable)


@pytest.mark.parametrize(
    "error", [OperationalError("server closed the connection"), InterfaceError("closed")]
)
def test_api_answers_503_json_when_the_database_is_lost_in_the_view(
    applicant_api, monkeypatch, caplog, error
):
    _lose_database_in_the_list(monkeypatch, error)
    with caplog.at_level(logging.WARNING):
        response = applicant_api.get("/api/v1/applications")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response["Cache-Control"].startswith("no-store") or "no-store" in response["Cache-Control"]
    body = response.json()
    assert body["error"]["code"] == "service_unavailable"
    assert body["error"]["message"]
    assert body["error"]["details"] == {}
    assert any("database.unavailable" in record.getMessage() for record in caplog.records)


def test_page_answers_503_page_when_the_session_cannot_be_loaded(applicant, monkeypatch):
    """The session is read inside a middleware, before any view: handler500 turns that into the 503 page."""
    client = Client(raise_request_exception=False)
    client.force_login(applicant)

    def unreachable(self):
        raise OperationalError("connection refused")

    monkeypatch.setattr(SessionStore, "load", unreachable)
    response = client.get("/applications/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    html = response.content.decode()
    assert "<h1>The service is briefly unavailable</h1>" in html
    assert "Error code 503" in html
    assert "Traceback" not in html


def test_api_answers_503_when_authentication_loses_the_database(applicant, monkeypatch):
    """A session-authenticated API call fails in the same middleware: still the JSON body, not a page."""
    client = APIClient(raise_request_exception=False)
    client.force_login(applicant)

    def unreachable(self):
        raise OperationalError("connection refused")

    monkeypatch.setattr(SessionStore, "load", unreachable)
    response = client.get("/api/v1/applications")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "service_unavailable"


def test_any_other_fault_is_still_a_500(applicant_api, monkeypatch):
    _lose_database_in_the_list(monkeypatch, RuntimeError("a bug"))
    applicant_api.raise_request_exception = False
    response = applicant_api.get("/api/v1/applications")
    assert response.status_code == 500

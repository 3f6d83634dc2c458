"""The PostgreSQL backend's health check (``eservice.postgresql``) reads the socket instead of sending ``SELECT 1``:
a kept connection with nothing to read is taken as it is, with no query; one the server has ended (a terminated
backend, as a restart ends them all) is replaced before the request's first query, and the request is answered."""

from __future__ import annotations

import psycopg
import pytest
from django.db import connection, connections

from identity.services.api_tokens import issue_access_token
from tests.factories import ApplicationFactory, UserFactory
from tests.services import require_postgres

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def checks(monkeypatch) -> list[bool]:
    """Each ``SELECT 1`` health check Django runs, with its answer."""
    require_postgres()
    from eservice.postgresql.base import DatabaseWrapper

    assert isinstance(connections["default"], DatabaseWrapper) and connection.health_check_enabled
    seen: list[bool] = []
    is_usable = DatabaseWrapper.is_usable
    monkeypatch.setattr(DatabaseWrapper, "is_usable", lambda self: seen.append(is_usable(self)) or seen[-1])
    return seen


@pytest.fixture
def token() -> str:
    applicant = UserFactory(applicant=True)
    ApplicationFactory(applicant=applicant, complete=True)
    return issue_access_token(user=applicant)


def _request(client, token: str) -> tuple[int, int]:
    """What a request does: Django's start-of-request check, then the real list URL with a token. The status
    and the server process that answered its queries."""
    connection.close_if_unusable_or_obsolete()  # request_started: the kept connection is due for its check
    response = client.get("/api/v1/applications", HTTP_AUTHORIZATION=f"Bearer {token}")
    return response.status_code, connection.connection.info.backend_pid


def test_a_quiet_kept_connection_is_used_without_a_query(client, token, checks):
    # A connection of its own: one kept from earlier tests may be past CONN_MAX_AGE, and replaced for that.
    connection.close()
    connection.ensure_connection()
    before = connection.connection.info.backend_pid
    assert _request(client, token) == (200, before)
    assert _request(client, token) == (200, before)
    assert checks == []  # no SELECT 1


def test_a_connection_the_server_ended_is_replaced_before_the_request_reads(client, token, checks):
    ended = connection.connection.info.backend_pid
    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"], port=settings["PORT"] or 5432, user=settings["USER"], dbname=settings["NAME"]
    ) as admin:
        # As a restart or a fail-over does to every session; returns once the backend has gone.
        assert admin.execute("SELECT pg_terminate_backend(%s, 5000)", [ended]).fetchone() == (True,)
    status, pid = _request(client, token)
    assert status == 200  # not a 503: the dead connection was noticed before the request's first query
    assert pid != ended
    assert checks == [
        False
    ]  # the socket had the server's goodbye: Django's own check ran, failed, and closed

"""Client errors (400, 403, 404, 405, CSRF failure) get a styled, translated page, logged without a traceback,
in DEBUG too; staff get staff navigation and a clear 403 on applicants' pages."""

from __future__ import annotations

import logging
import re

import pytest
from django.test import Client

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _nav_links(html: str) -> list[str]:
    nav = re.search(r'<nav class="wrap main-nav".*?</nav>', html, re.S).group(0)
    return [re.sub(r"\s+", " ", text).strip() for text in re.findall(r"<a [^>]*>(.*?)</a>", nav, re.S)]


def _assert_styled(response, status: int, heading: str) -> str:
    assert response.status_code == status
    html = response.content.decode()
    assert "/static/css/site.css" in html and 'class="site-header"' in html
    assert re.search(rf"<h1>{re.escape(heading)}</h1>", html), html[:2000]
    assert f"Error code {status}" in html
    return html


def _tracebacks(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.exc_info or "Traceback" in record.getMessage()]


def _apply_filters(caplog) -> None:
    """caplog's handler sits beside ours: run the configured filter over what it caught, as the console does."""
    from eservice.logfilters import ClientErrorLogFilter

    for record in caplog.records:
        ClientErrorLogFilter().filter(record)


@pytest.mark.parametrize("debug", [False, True])
def test_unknown_address_is_a_styled_404_without_traceback(client, settings, caplog, debug):
    settings.DEBUG = debug
    with caplog.at_level(logging.WARNING):
        response = client.get("/no-such-page/")
    html = _assert_styled(response, 404, "We could not find this page")
    assert "Which residence permit do I need?" in html
    assert any("Not Found" in r.getMessage() or "client_error" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("debug", [False, True])
def test_someone_elses_application_is_a_styled_404_in_debug_too(client, applicant, settings, debug):
    settings.DEBUG = debug
    client.force_login(applicant)
    _assert_styled(client.get("/applications/999999/"), 404, "We could not find this page")


def test_404_is_translated(client, translated):
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="lv")
    assert response.status_code == 404
    html = response.content.decode()
    assert '<html lang="lv">' in html and "site.css" in html


@pytest.mark.parametrize("debug", [False, True])
def test_staff_on_my_applications_get_a_styled_403_saying_why(
    staff_client_for, case_officer, settings, caplog, debug
):
    settings.DEBUG = debug
    client = staff_client_for(case_officer)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get("/applications/")
    html = _assert_styled(response, 403, "You cannot open this page")
    assert "not available to staff accounts" in html
    assert "Start a new application" not in html
    request_records = [r for r in caplog.records if r.name == "django.request"]
    assert request_records, "the 403 is still logged"
    assert not _tracebacks(caplog), "a 4xx carries no traceback"


def test_staff_cannot_start_an_application_and_see_why(staff_client_for, case_officer):
    client = staff_client_for(case_officer)
    response = client.post("/applications/new/", {"kind": "first-trp", "purpose": "employment"})
    assert "not available to staff accounts" in _assert_styled(response, 403, "You cannot open this page")


def test_staff_navigation_has_no_applicant_sections(staff_client_for, case_officer):
    client = staff_client_for(case_officer)
    links = _nav_links(client.get("/").content.decode())
    assert "My applications" not in links and "Profile" not in links
    assert "Account security" in links and "Administration" not in links


def test_administrator_navigation_adds_administration(staff_client_for):
    admin = UserFactory(administrator=True)
    links = _nav_links(staff_client_for(admin).get("/").content.decode())
    assert "Account security" in links and "Administration" in links and "My applications" not in links


@pytest.mark.parametrize("debug", [False, True])
def test_wrong_method_is_a_styled_405(client, applicant, settings, debug):
    settings.DEBUG = debug
    client.force_login(applicant)
    response = client.get("/applications/1/submit/")  # POST only
    _assert_styled(response, 405, "This action is not possible here")
    assert response["Allow"]


def test_api_errors_stay_json(client):
    response = client.get("/api/v1/no-such-endpoint/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_csrf_failure_is_a_styled_403_explaining_what_to_do(applicant, caplog):
    client = Client(enforce_csrf_checks=True)
    client.force_login(applicant)
    with caplog.at_level(logging.WARNING):
        response = client.post("/applications/new/", {"kind": "first-trp", "purpose": "employment"})
    html = _assert_styled(response, 403, "You cannot open this page")
    assert "Reload the page and send the form again" in html
    _apply_filters(caplog)
    assert not _tracebacks(caplog)


@pytest.mark.parametrize("debug", [False, True])
def test_bad_request_is_a_styled_400_without_traceback(client, settings, caplog, debug):
    settings.DEBUG = debug
    settings.ALLOWED_HOSTS = ["testserver"]
    with caplog.at_level(logging.WARNING):
        response = client.get("/guide/", HTTP_HOST="evil.example")
    _assert_styled(response, 400, "The request could not be understood")
    _apply_filters(caplog)
    assert not _tracebacks(caplog)


def test_log_filter_drops_tracebacks_of_4xx_only():
    from eservice.logfilters import ClientErrorLogFilter

    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        exc_info = sys.exc_info()
    client_error = logging.LogRecord("django.request", logging.WARNING, "", 0, "Not Found", (), exc_info)
    client_error.status_code = 404
    server_error = logging.LogRecord("django.request", logging.ERROR, "", 0, "Server Error", (), exc_info)
    server_error.status_code = 500
    assert ClientErrorLogFilter().filter(client_error) and client_error.exc_info is None
    assert ClientErrorLogFilter().filter(server_error) and server_error.exc_info is not None


def test_django_records_reach_only_the_filtered_console_handler():
    """Django's default "django" handler would print a 4xx traceback in DEBUG (``make run``)."""
    assert logging.getLogger("django").handlers == []
    console = [h for h in logging.getLogger().handlers if type(h) is logging.StreamHandler]
    assert console and all(
        any(type(f).__name__ == "ClientErrorLogFilter" for f in handler.filters) for handler in console
    )

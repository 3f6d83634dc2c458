"""Hostile input gets a clear 4xx with the JSON error body, never a 500 (issue 9, section 5)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.factories import ApplicationFactory

pytestmark = pytest.mark.django_db

DEEP = "[" * 100_000


def _assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert set(error) == {"code", "message", "details"}
    if code is not None:
        assert error["code"] == code
    return error


def test_deeply_nested_json_to_the_token_endpoint_is_a_parse_error(api_client):
    response = api_client.post("/api/v1/auth/token", DEEP, content_type="application/json")
    _assert_error(response, 400, "parse_error")


def test_deeply_nested_json_to_an_authenticated_endpoint_is_a_parse_error(applicant_api):
    response = applicant_api.post("/api/v1/applications", DEEP, content_type="application/json")
    _assert_error(response, 400, "parse_error")


def test_nesting_beyond_the_bound_is_refused_below_the_recursion_limit(applicant_api):
    body = '{"first_name": ' + "[" * 40 + "]" * 40 + "}"
    response = applicant_api.post("/api/v1/applications", body, content_type="application/json")
    _assert_error(response, 400, "parse_error")


@pytest.mark.parametrize(
    "body",
    [
        b'{"email": "a@example.com", "password": "x", "otp": "' + b"1" * 5000 + b'"',  # truncated
        b'{"email": 1' + b"0" * 5000 + b"}",  # an integer beyond Python's digit limit
        b"\xff\xfe{}",  # not UTF-8
    ],
)
def test_malformed_json_is_a_parse_error(api_client, body):
    response = api_client.post("/api/v1/auth/token", body, content_type="application/json")
    _assert_error(response, 400, "parse_error")


def test_lone_surrogate_in_a_choice_field_is_refused(applicant_api, applicant):
    application = ApplicationFactory(applicant=applicant)
    response = applicant_api.patch(
        f"/api/v1/applications/{application.pk}",
        '{"family_member_relationship": "\\ud800"}',
        content_type="application/json",
    )
    _assert_error(response, 400, "parse_error")


def test_lone_surrogate_in_a_text_field_is_refused(applicant_api, applicant):
    application = ApplicationFactory(applicant=applicant)
    response = applicant_api.patch(
        f"/api/v1/applications/{application.pk}",
        '{"first_name": "Anna\\udfff"}',
        content_type="application/json",
    )
    _assert_error(response, 400, "parse_error")
    application.refresh_from_db()
    assert "\udfff" not in application.first_name


def test_a_surrogate_pair_is_an_ordinary_character(applicant_api, applicant):
    application = ApplicationFactory(applicant=applicant)
    response = applicant_api.patch(
        f"/api/v1/applications/{application.pk}",
        '{"purpose_description": "Study \\ud83d\\ude00"}',
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["purpose_description"] == "Study \U0001f600"


@pytest.mark.parametrize(
    "query",
    [
        "limit=99999999999999999999999",
        "offset=99999999999999999999999",
        "limit=99999999999999999999999&offset=99999999999999999999999",
        "limit=" + "9" * 5000,
    ],
)
def test_huge_limit_or_offset_is_clamped(applicant_api, applicant, query):
    ApplicationFactory(applicant=applicant)
    response = applicant_api.get(f"/api/v1/applications?{query}")
    assert response.status_code == 200, response.content[:500]
    body = response.json()
    assert body["count"] == 1
    assert len(body["results"]) <= 1


def test_huge_limit_is_capped_at_the_maximum_page(applicant_api, applicant, monkeypatch):
    from eservice.pagination import ApiPagination

    monkeypatch.setattr(ApiPagination, "max_limit", 2)
    ApplicationFactory.create_batch(3, applicant=applicant)
    response = applicant_api.get("/api/v1/applications?limit=99999999999999999999999")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3 and len(body["results"]) == 2
    assert "limit=2" in body["next"] and "offset=2" in body["next"]


def test_huge_limit_on_the_access_log_is_clamped(applicant_api):
    response = applicant_api.get("/api/v1/me/access-log?limit=99999999999999999999999")
    assert response.status_code == 200, response.content[:500]
    assert response.json()["results"] == []


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/applications/abc",
        "/api/v1/applications/1.5/submit",
        "/api/v1/applications/-1/timeline",
        "/api/v1/no-such-thing",
        "/api/nothing-here",
        "/api/v1/catalogue/kinds/a%0Ab",  # a newline in a path segment
    ],
)
def test_unmatched_api_paths_answer_json_404(applicant_api, path):
    for method in ("get", "post", "delete"):
        response = getattr(applicant_api, method)(path)
        _assert_error(response, 404, "not_found")


def test_unmatched_api_path_is_json_404_without_a_token(api_client):
    _assert_error(api_client.get("/api/v1/applications/abc"), 404, "not_found")


@pytest.mark.parametrize("number", ["99999999999999999999999", "9223372036854775808", "0"])
def test_out_of_range_ids_are_404(applicant_api, number):
    for suffix in ("", "/timeline", "/payments"):
        response = applicant_api.get(f"/api/v1/applications/{number}{suffix}")
        _assert_error(response, 404)
    _assert_error(applicant_api.post(f"/api/v1/applications/{number}/submit"), 404)
    _assert_error(applicant_api.delete(f"/api/v1/applications/{number}/documents/{number}"), 404)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/catalogue/fees?kind=%00a&speed=standard",
        "/api/v1/catalogue/requirements?kind=first_trp&purpose=stu%00dies",
        "/api/v1/catalogue/legal-grounds?kind=%00",
        "/api/v1/applications?limit=1&%00=1",
    ],
)
def test_nul_character_in_a_query_parameter_is_a_400(applicant_api, url):
    """PostgreSQL refuses NUL in text: such a value reaching a lookup was a 500 there."""
    _assert_error(applicant_api.get(url), 400, "invalid_parameter")


def test_nul_character_in_a_page_query_is_a_400(client):
    response = client.get("/?next=%00")
    assert response.status_code == 400


def test_nul_character_in_a_json_string_is_a_parse_error(applicant_api, applicant):
    application = ApplicationFactory(applicant=applicant)
    response = applicant_api.patch(
        f"/api/v1/applications/{application.pk}",
        '{"family_member_relationship": "spouse\\u0000"}',
        content_type="application/json",
    )
    _assert_error(response, 400, "parse_error")


@given(st.text(alphabet="%0a=&+\x00;2", max_size=12))
@settings(max_examples=300, deadline=None)
def test_the_nul_guard_reads_the_raw_query_string_as_parsing_would(query):
    """The guard decides from the raw query string when it holds no "%00" nor a NUL: the same as parsing it."""
    from django.test import RequestFactory

    from eservice.request_guards import QueryStringGuardMiddleware

    request = RequestFactory().get("/", QUERY_STRING=query)
    request.META["QUERY_STRING"] = query
    parsed = any("\x00" in k or any("\x00" in v for v in vs) for k, vs in request.GET.lists())
    assert QueryStringGuardMiddleware._has_nul(request) is parsed

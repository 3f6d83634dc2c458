"""Pages and API answers with personal data are never kept by shared caches: Cache-Control private, no-store
(and Vary: Authorization on the API). Checked on the real pages and endpoints."""

from __future__ import annotations

import pytest

from tests.factories import ApplicationFactory

pytestmark = pytest.mark.django_db


def _is_private(response) -> bool:
    directives = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    return {"private", "no-store"} <= directives


@pytest.fixture
def signed_in(client, applicant):
    client.force_login(applicant)
    return client


def test_applicant_pages_are_private(signed_in, applicant):
    draft = ApplicationFactory(applicant=applicant)
    awaiting = ApplicationFactory(applicant=applicant, awaiting_payment=True)
    for url in (
        "/applications/",
        f"/applications/{draft.pk}/",
        f"/applications/{draft.pk}/step/personal/",
        f"/applications/{awaiting.pk}/pay/",
    ):
        response = signed_in.get(url)
        assert response.status_code == 200, url
        assert _is_private(response), (url, response.get("Cache-Control"))


def test_api_answers_are_private_and_vary_on_the_token(applicant_api, applicant, api_client):
    application = ApplicationFactory(applicant=applicant)
    for url in ("/api/v1/applications", f"/api/v1/applications/{application.pk}"):
        response = applicant_api.get(url)
        assert response.status_code == 200, url
        assert _is_private(response), url
        assert "Authorization" in response["Vary"]
    # Errors too, and answers to callers without a token.
    refused = api_client.get("/api/v1/applications")
    assert refused.status_code == 401
    assert _is_private(refused) and "Authorization" in refused["Vary"]


def test_public_key_set_stays_publicly_cacheable(api_client):
    response = api_client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    assert "public" in response["Cache-Control"] and "no-store" not in response["Cache-Control"]


def test_public_pages_for_visitors_keep_their_caching(client):
    response = client.get("/guide/")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


def test_a_visitor_without_a_session_is_not_read_one(client, applicant):
    """A visitor with no session cookie: the session is not even read (so the answer does not vary on the
    cookie); signed in, the same page is private."""
    visitor = client.get("/.well-known/jwks.json")
    assert visitor.status_code == 200 and "Cookie" not in visitor.get("Vary", "")
    client.force_login(applicant)
    signed_in = client.get("/healthz")
    assert signed_in.status_code == 200 and _is_private(signed_in)

"""The API's content negotiation picks what DRF's would, for every Accept header and format a client may send."""

import pytest
from django.http import Http404
from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer, StaticHTMLRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from eservice.negotiation import ApiContentNegotiation

ACCEPTS = [
    None,
    "*/*",
    "application/json",
    "application/json; indent=4",
    "text/html",
    "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "application/*",
    "image/png",
    "",
]
RENDERER_LISTS = [[JSONRenderer()], [BrowsableAPIRenderer(), JSONRenderer()], [StaticHTMLRenderer()]]


def _pick(negotiation, accept, query, renderers, suffix):
    headers = {} if accept is None else {"HTTP_ACCEPT": accept}
    request = Request(APIRequestFactory().get(f"/api/v1/applications{query}", **headers))
    try:
        renderer, media_type = negotiation.select_renderer(request, renderers, suffix)
    except (NotAcceptable, Http404) as refused:
        return type(refused).__name__
    return type(renderer), media_type


@pytest.mark.parametrize("accept", ACCEPTS)
@pytest.mark.parametrize("query", ["", "?format=json", "?format=api", "?limit=5"])
@pytest.mark.parametrize("renderers", RENDERER_LISTS, ids=["json", "api+json", "html"])
@pytest.mark.parametrize("suffix", [None, "json"])
def test_same_pick_as_drf(accept, query, renderers, suffix):
    expected = _pick(DefaultContentNegotiation(), accept, query, renderers, suffix)
    assert _pick(ApiContentNegotiation(), accept, query, renderers, suffix) == expected


@pytest.mark.django_db
def test_the_api_uses_it(client):
    """Through a real URL: an unacceptable Accept is still DRF's 406, a plain one the JSON answer."""
    assert client.get("/api/v1/catalogue/kinds", HTTP_ACCEPT="image/png").status_code == 406
    response = client.get("/api/v1/catalogue/kinds")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"

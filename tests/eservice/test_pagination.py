"""The API's page links are exactly the ones DRF's LimitOffsetPagination writes, for any query the client sent."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from eservice.pagination import ApiPagination

QUERIES = [
    "",
    "limit=50",
    "offset=50",
    "limit=10&offset=30",
    "offset=30&limit=10&state=draft",
    "state=draft&state=submitted&kind=",
    "flag&limit=5",
    "q=%C5%A1%C4%AB+b%26c&offset=7",
    "q=%FF%FE&limit=3",
    "offset=&limit=",
    "a=1;b=2",
]


def _links(paginator_class: type, query: str, *, count: int) -> tuple[str | None, str | None]:
    request = Request(
        APIRequestFactory().get(f"/api/v1/applications?{query}" if query else "/api/v1/applications")
    )
    paginator = paginator_class()
    paginator.request = request
    paginator.limit = paginator.get_limit(request)
    paginator.offset = paginator.get_offset(request)
    paginator.count = count
    return paginator.get_next_link(), paginator.get_previous_link()


class _DrfPagination(LimitOffsetPagination):
    max_limit = ApiPagination.max_limit


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("count", [0, 5, 37, 100, 1000])
def test_links_are_drfs(query, count):
    assert _links(ApiPagination, query, count=count) == _links(_DrfPagination, query, count=count)


@settings(max_examples=200, deadline=None)
@given(
    params=st.lists(
        st.tuples(
            st.sampled_from(["limit", "offset", "state", "q", "ä", "a b"]),
            st.one_of(st.integers(-5, 500).map(str), st.text(max_size=6)),
        ),
        max_size=5,
    ),
    count=st.integers(0, 600),
)
def test_links_are_drfs_for_any_query(params, count):
    from urllib.parse import urlencode

    query = urlencode(params)
    assert _links(ApiPagination, query, count=count) == _links(_DrfPagination, query, count=count)


def test_link_base_is_per_request():
    """A paginator asked again for another request does not reuse the first request's URL."""
    paginator = ApiPagination()
    for query, expected in (("state=draft", "state=draft"), ("state=granted", "state=granted")):
        request = Request(APIRequestFactory().get(f"/api/v1/applications?{query}"))
        paginator.request = request
        paginator.limit, paginator.offset, paginator.count = 10, 0, 100
        assert expected in paginator.get_next_link()

"""The API's routes are tried busiest first (eservice/urls.py): that order must not change what any path means."""

import re

from django.urls import URLPattern, URLResolver, resolve

from eservice import urls

SAMPLES = {
    "int": "7",
    "slug": "some-slug",
    "uuid": "6f1c2b8e-3d4a-4e5f-9a0b-1c2d3e4f5a6b",
    "str": "x",
    "path": "x/y",
}


def _routes(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern


def _sample(route: str) -> str:
    return "/api/v1/" + re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLES[m.group(1) or "str"], route)


def test_each_api_path_matches_one_route_only():
    routes = list(_routes(urls.api_v1))
    assert len(routes) > 40
    for route, pattern in routes:
        path = _sample(route)
        matching = [other for other, candidate in routes if candidate.pattern.match(path[len("/api/v1/") :])]
        assert matching == [route], (path, matching)
        assert resolve(path).func is pattern.callback


def test_the_two_busiest_routes_are_tried_first():
    assert str(urls.urlpatterns[0].pattern) == "api/v1/"
    assert [str(pattern.pattern) for pattern in urls.api_v1[:2]] == ["applications", "backoffice/cases"]
    assert resolve("/api/v1/applications").url_name == "applications"
    assert resolve("/api/v1/backoffice/cases").url_name == "backoffice-cases"

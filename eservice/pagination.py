"""The API's one pagination: ``?limit=&offset=``, with a page size that cannot be pushed past a bound."""

from __future__ import annotations

from rest_framework.pagination import LimitOffsetPagination


class ApiPagination(LimitOffsetPagination):
    """Limit/offset paging. A limit above ``max_limit`` (even ``?limit=99999999999999999999999``) is clamped
    to it, so no query ever gets a number the database cannot hold; an offset past the end is an empty page."""

    max_limit = 200

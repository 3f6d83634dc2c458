"""The API's one pagination: ``?limit=&offset=``, with a page size that cannot be pushed past a bound."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any
from urllib import parse

from django.db.models import QuerySet
from django.http import HttpResponse
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request

from eservice import json_rows
from eservice.json_rows import Column, PageQuery, Statement, json_page

MAX_SQL_OFFSET = 2**62  # OFFSET and LIMIT are bigint in SQL


@lru_cache(maxsize=1024)
def _link(uri: str, limit_param: str, offset_param: str, limit: int, offset: int | None) -> str:
    """``uri`` with its limit and offset set as DRF sets them: the same few links are asked for by every client
    of a list, and reading the URL and writing its query again cost a tenth of a page of 50."""
    split = parse.urlsplit(uri)
    query = parse.parse_qs(split.query, keep_blank_values=True)
    query.pop(offset_param, None)
    query[limit_param] = [str(limit)]
    if offset is not None:
        query[offset_param] = [str(offset)]
    return split._replace(query=parse.urlencode(sorted(query.items()), doseq=True)).geturl()


class ApiPagination(LimitOffsetPagination):
    """Limit/offset paging. A limit above ``max_limit`` (even ``?limit=99999999999999999999999``) is clamped
    to it, so no query ever gets a number the database cannot hold; an offset past the end is an empty page."""

    max_limit = 200

    def get_next_link(self) -> str | None:
        if self.offset + self.limit >= self.count:
            return None
        return self._page_link(self.offset + self.limit)

    def get_previous_link(self) -> str | None:
        if self.offset <= 0:
            return None
        return self._page_link(self.offset - self.limit if self.offset > self.limit else None)

    def _page_link(self, offset: int | None) -> str:
        """The link DRF writes (``replace_query_param`` on the request's absolute URL, for the limit and then
        the offset; no offset on a link back to the start), kept for the URL it is made from (_link)."""
        request, uri = getattr(self, "_link_base", (None, None))
        if request is not self.request:
            uri = self.request.build_absolute_uri()
            self._link_base = (self.request, uri)
        return _link(uri, self.limit_query_param, self.offset_query_param, self.limit, offset)

    def json_page_response(
        self,
        source: QuerySet | Statement,
        columns: list[Column],
        request: Request,
        finish: Callable[[list[list[Any]], Any], Sequence[Any]] | None = None,
        total_by_window: bool = True,
        total: int | None = None,
        ahead: tuple[PageQuery, tuple] | None = None,
    ) -> HttpResponse:
        """The paginated answer (``count``, ``next``, ``previous``, ``results``) with the rows built as JSON by
        the database (``eservice.json_rows``), in one query; the same document ``get_paginated_response``
        gives for the same rows (``source``: a queryset or a ``json_rows.Statement``). ``finish`` gives the values
        of the FILLED columns, which only Python can work out (it gets their inputs, as ``json_rows.fill``
        gives them, and the page's ``aside``: json_rows.PAGE_ASIDE);
        ``total_by_window=False`` for a long list; ``total`` when the caller knows it already, ``ahead`` when it
        read the page already (``json_page``)."""
        self.request = request
        self.limit = self.get_limit(request)
        self.offset = self.get_offset(request)
        if self.offset + self.limit > MAX_SQL_OFFSET:  # past any real table: no page, and no bigint overflow
            self.count, results, aside = json_rows.count(source) if total is None else total, "[]", None
        else:
            self.count, results, aside = json_page(
                source,
                columns,
                offset=self.offset,
                limit=self.limit,
                total_by_window=total_by_window,
                total=total,
                ahead=ahead,
            )
        if finish is not None:  # only the FILLED columns' slots are read and written, not the whole page
            results = json_rows.fill(results, lambda inputs: finish(inputs, aside))
        links = {"next": self.get_next_link(), "previous": self.get_previous_link()}
        envelope = json.dumps({"count": self.count, **links}, ensure_ascii=False)
        return HttpResponse(f'{envelope[:-1]},"results":{results}}}', content_type="application/json")

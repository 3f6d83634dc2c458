"""A page of rows as JSON, built by PostgreSQL: the API's hottest lists (the applicant's applications).

A list answer is a few columns of 50 rows. Built in Python, most of its time goes to reading each value into a
Python object (datetimes above all), converting it to the local time zone, writing it back out as text and
encoding the JSON: about as much as the rest of the request. PostgreSQL does the same in one pass of C and
sends one text value: the rows, formatted exactly as DRF writes them (``DateTimeField``: local time, ISO 8601,
microseconds only when there are any, ``Z`` for UTC), with the page's total.

The columns are declared once (``Column``) and serve both ways: another database (SQLite, the embedded default)
builds the same rows in Python from the same declaration, and a test holds the two to the same answer.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.db import connections
from django.db.models import Count, F, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from eservice.db import prepared_cursor

PLAIN, DATETIME, DATE, LOOKUP = "plain", "datetime", "date", "lookup"
_TOTAL, _ROW = "_page_total", "_page_row"


@dataclass(frozen=True)
class Column:
    """One key of each row: ``key`` in the JSON from ``source`` (a ``values()`` name such as ``kind__code``).
    ``kind``: PLAIN as it is, DATETIME and DATE as DRF writes them, LOOKUP through ``lookup`` (value → JSON)."""

    key: str
    source: str
    kind: str = PLAIN
    lookup: Mapping[str, Any] | None = None

    @cached_property
    def lookup_json(self) -> str:
        return json.dumps(self.lookup, ensure_ascii=False)


def json_page(
    queryset: QuerySet,
    columns: Sequence[Column],
    *,
    offset: int,
    limit: int,
    total_by_window: bool = True,
    total: int | None = None,
) -> tuple[int, str]:
    """The total number of rows of ``queryset`` (ordered) and the page ``[offset, offset + limit)`` as the text
    of a JSON array of objects with ``columns``' keys.

    ``total_by_window``: the total rides on the page's rows (``count(*) OVER ()``), one query in all — right for
    a short list (an applicant's applications), since the window reads every row of the set. For a long one
    (a unit's queue: tens of thousands of open cases, read in index order) the total is a separate count, an
    index-only scan, and the page stops after its rows. A page past the end counts on its own either way.

    ``total``: the caller knows the total already (one the database keeps, such as the unit queue's counts):
    it is the answer's total, and nothing is counted."""
    if queryset.query.is_empty():  # .none(): there is no SQL to run
        return 0, "[]"
    selected = queryset.values(**{f"c{i}": F(column.source) for i, column in enumerate(columns)})
    # The row's place in the order: json_agg keeps it (row_number is computed as the rows stream past).
    windows = {_ROW: Window(RowNumber(), order_by=list(queryset.query.order_by))}
    total_by_window = total_by_window and total is None
    if total_by_window:
        windows[_TOTAL] = Window(Count("pk"))
    page = selected.annotate(**windows)[offset : offset + limit]
    connection = connections[queryset.db]
    if connection.vendor == "postgresql":
        counted, text = _page_in_postgresql(page, columns, connection, total_by_window)
    else:
        rows = list(page)
        counted = rows[0][_TOTAL] if rows and total_by_window else 0
        text = json.dumps([_row_in_python(row, columns) for row in rows], ensure_ascii=False)
    if total is not None:
        return total, text
    if not total_by_window or (counted == 0 and offset):  # past the end, no row carried the total
        counted = queryset.count()
    return counted, text


def _page_in_postgresql(
    page: QuerySet, columns: Sequence[Column], connection: Any, total_by_window: bool
) -> tuple[int, str]:
    inner, inner_params = page.query.sql_with_params()
    items, params = [], []
    for i, column in enumerate(columns):
        value, value_params = _sql_value(f"t.c{i}", column)
        items.append(f"{_literal(column.key)}, {value}")
        params += value_params
    # Keys and the zone are checked literals (_literal); values and the inner query's own are parameters.
    rows = f"json_agg(json_build_object({', '.join(items)}) ORDER BY t.{_ROW})"
    total = f"max(t.{_TOTAL})" if total_by_window else "0"
    sql = f"SELECT {total}, coalesce({rows}, '[]')::text FROM ({inner}) t"  # noqa: S608
    with prepared_cursor(connection) as cursor:  # planned once per connection, not on every page
        cursor.execute(sql, [*params, *inner_params])
        total, text = cursor.fetchone()
    return total or 0, text


def _literal(name: str) -> str:
    """A key or a time zone's name as an SQL literal; both come from code and settings, and are checked."""
    if not _NAME.fullmatch(name):
        raise ValueError(f"not a plain name: {name!r}")
    return f"'{name}'"


_NAME = re.compile(r"[A-Za-z0-9_/+-]+")


def _sql_value(ref: str, column: Column) -> tuple[str, list[Any]]:
    if column.kind == DATETIME:
        return _sql_isoformat(ref, _literal(timezone.get_current_timezone_name())), []
    if column.kind == DATE:
        return f"to_char({ref}, 'YYYY-MM-DD')", []
    if column.kind == LOOKUP:
        return f"(%s::jsonb -> ({ref})::text)", [column.lookup_json]
    return ref, []


def _sql_isoformat(ref: str, zone: str) -> str:
    """``timezone.localtime(value).isoformat()`` with ``+00:00`` written ``Z``, as DRF's DateTimeField does:
    microseconds only when there are some, the offset as ``+HH:MM``."""
    offset = f"(({ref} AT TIME ZONE {zone}) - ({ref} AT TIME ZONE 'UTC'))"
    return (
        f"CASE WHEN {ref} IS NULL THEN NULL ELSE "
        f"replace(to_char({ref} AT TIME ZONE {zone}, 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), '.000000', '') "
        f"|| CASE WHEN {offset} = interval '0' THEN 'Z' "
        f"WHEN {offset} > interval '0' THEN '+' || to_char({offset}, 'HH24:MI') "
        f"ELSE '-' || to_char(-{offset}, 'HH24:MI') END END"
    )


def _row_in_python(row: dict[str, Any], columns: Sequence[Column]) -> dict[str, Any]:
    out = {}
    for i, column in enumerate(columns):
        value = row[f"c{i}"]
        if value is not None and column.kind == DATETIME:
            value = isoformat(value)
        elif value is not None and column.kind == DATE:
            value = value.isoformat()
        elif column.kind == LOOKUP:
            value = column.lookup.get(value) if column.lookup is not None else None
        out[column.key] = value
    return out


def isoformat(value: dt.datetime) -> str:
    """A datetime as DRF's DateTimeField writes it: in the current time zone, ``Z`` for UTC."""
    text = timezone.localtime(value).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text

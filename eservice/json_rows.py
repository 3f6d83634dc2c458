"""A page of rows as JSON, built by PostgreSQL: the API's hottest lists (the applicant's applications).

A list answer is a few columns of 50 rows. Built in Python, most of its time goes to reading each value into a
Python object (datetimes above all), converting it to the local time zone, writing it back out as text and
encoding the JSON: about as much as the rest of the request. PostgreSQL does the same in one pass of C and
sends one text value: the rows, formatted exactly as DRF writes them (``DateTimeField``: local time, ISO 8601,
microseconds only when there are any, ``Z`` for UTC), with the page's total.

The columns are declared once (``Column``) and serve both ways: another database (SQLite, the embedded default)
builds the same rows in Python from the same declaration, and a test holds the two to the same answer. A value
only Python can work out (the officers' queue's working days left) is a ``FILLED`` column: the page carries its
inputs in a marked slot, and ``fill`` writes the values there without parsing the rest of the page.

A list asked for many times a second with only its values changing (the caller's id) is given as a ``Statement``:
its SQL is compiled once per process and shape, then run with each caller's values. Building and compiling the
queryset cost about as much as running it (benchmarks/REPORT.md).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import zoneinfo
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any, NamedTuple

import orjson
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.core.signals import setting_changed
from django.db import connections
from django.db.models import Count, F, OrderBy, QuerySet, Window
from django.dispatch import receiver
from django.utils import timezone

from eservice.db import prepared_cursor

PLAIN, DATETIME, DATE, LOOKUP = "plain", "datetime", "date", "lookup"
# FILLED: a value only Python can work out (the Office's working days), written by the caller (``fill``) from its
# ``inputs``, other columns' keys.
FILLED = "filled"
_TOTAL, _ASIDE, _ORDER = "_page_total", "_page_aside", "_page_order_"
# A queryset that annotates PAGE_TOTAL (a scalar subquery: a total the database keeps) carries its own total: with
# ``total_by_window`` the page reads it from its rows, in the same query, instead of counting them by a window.
PAGE_TOTAL = "page_total"
# A queryset that annotates PAGE_ASIDE (an uncorrelated scalar subquery, which PostgreSQL runs once per query)
# sends that value once beside the page's rows (``Page.aside``): what the caller needs of another table to finish
# the rows (the Office's calendar beside the officers' queue), in the same round trip.
PAGE_ASIDE = "page_aside"


class Page(NamedTuple):
    """A page as ``json_page`` gives it: the total of the rows, the page as the text of a JSON array, and the
    value the queryset annotated as ``PAGE_ASIDE`` (None without one, or on an empty page)."""

    total: int
    text: str
    aside: Any = None


@dataclass(frozen=True)
class Column:
    """One key of each row: ``key`` in the JSON from ``source`` (a ``values()`` name such as ``kind__code``).
    ``kind``: PLAIN as it is, DATETIME and DATE as DRF writes them, LOOKUP through ``lookup`` (value → JSON);
    FILLED (no ``source``) written by ``fill`` from the values of ``inputs`` (a DATE one as its ordinal,
    ``date.toordinal()``). ``hidden``: read (an input of a FILLED column) but not written into the row."""

    key: str
    source: str
    kind: str = PLAIN
    lookup: Mapping[str, Any] | None = None
    inputs: tuple[str, ...] = ()
    hidden: bool = False

    @cached_property
    def lookup_json(self) -> str:
        """The lookup as the page query's parameter: each value already written as JSON, held as a string, which
        PostgreSQL hands back as text (``->>``) instead of writing a jsonb value out again on every row."""
        written = {key: json.dumps(value, ensure_ascii=False) for key, value in (self.lookup or {}).items()}
        return json.dumps(written, ensure_ascii=False)


@dataclass(frozen=True)
class Statement:
    """A list's queryset as a function of a few values (ints, strings, dates): ``build(*values)``.

    ``json_page`` compiles it once per process for each ``key``, page and time zone, and runs that SQL with each
    call's ``values``. Whatever changes the query's shape (a filter present or not, a branch of a rule) belongs
    in ``key``, never in ``values``: the first call compiles ``build`` twice with made-up values and keeps the
    SQL only if the two differ in those values alone, in the same places; if not, every call compiles as usual.
    The test settings (``JSON_ROWS_CHECK_STATEMENTS``) also compile every call and compare."""

    key: Hashable
    build: Callable[..., QuerySet]
    values: tuple = field(default=())

    def queryset(self) -> QuerySet:
        return self.build(*self.values)


@dataclass(frozen=True)
class PageQuery:
    """The one query ``json_page`` would run for a page of a compiled ``Statement`` (``page_query``), for the
    caller to run inside another read it makes first; its row goes back to ``json_page`` as ``ahead``."""

    sql: str
    params: list[Any]
    key: tuple  # the statement, its values, the page's shape and lookups: json_page uses the row only for these


def page_query(source: Statement, columns: Sequence[Column], *, offset: int, limit: int) -> PageQuery | None:
    """What ``json_page(source, columns, offset=offset, limit=limit)`` runs when it is one compiled query with
    the total on its rows (PostgreSQL, one of the first pages); None otherwise."""
    shape = _shape(columns, offset, limit, True)
    compiled = _compiled(source, shape) if offset < _STATEMENT_PAGES * limit else None
    if compiled is None:
        return None
    return PageQuery(compiled.page.sent, compiled.page_params(source, shape), _ahead_key(source, shape))


def _ahead_key(source: Statement, shape: _Shape) -> tuple:
    return source.key, source.values, shape.key, tuple(shape.column_params)


def json_page(
    source: QuerySet | Statement,
    columns: Sequence[Column],
    *,
    offset: int,
    limit: int,
    total_by_window: bool = True,
    total: int | None = None,
    ahead: tuple[PageQuery, tuple] | None = None,
) -> Page:
    """The total number of rows of ``source`` (an ordered queryset, or a ``Statement`` that builds one) and the
    page ``[offset, offset + limit)`` as the text of a JSON array of objects with ``columns``' keys (declared
    once, never changed afterwards: what is worked out from them is kept by their identity).

    ``total_by_window``: the total rides on the page's rows (``count(*) OVER ()``), one query in all — right for
    a short list (an applicant's applications), since the window reads every row of the set. For a long one
    (a unit's queue: tens of thousands of open cases, read in index order) the total is a separate count, an
    index-only scan, and the page stops after its rows; or, when the queryset annotates ``PAGE_TOTAL`` (a total
    the database keeps), that rides on the rows instead of the window. A page past the end counts on its own
    either way.

    ``total``: the caller knows the total already (one the database keeps, such as the unit queue's counts):
    it is the answer's total, and nothing is counted.

    ``ahead``: a ``page_query`` the caller ran already, and its row: used when it is this very page (the same
    statement, values, shape and lookups), else the page is read as usual."""
    shape = _shape(columns, offset, limit, total_by_window and total is None)
    if isinstance(source, Statement) and offset < _STATEMENT_PAGES * limit:
        compiled = _compiled(source, shape)
        if compiled is not None:
            fetched = None
            if ahead is not None and ahead[0].key == _ahead_key(source, shape):
                fetched = ahead[1]
            return compiled.run(source, shape, total, fetched)
    if isinstance(source, Statement):
        source = source.queryset()
    if source.query.is_empty():  # .none(): there is no SQL to run
        return Page(0, "[]")
    connection = connections[source.db]
    if connection.vendor == "postgresql":
        sql, params = _page_sql(source, shape)
        counted, text, aside = _fetch_page(connection, sql, [*shape.column_params, *params])
    else:
        rows = list(_page(source, shape))
        counted = rows[0][_TOTAL] if rows and shape.total_by_window else 0
        aside = rows[0].get(_ASIDE) if rows else None
        text = _rows_text_in_python(rows, columns)
    if total is not None:
        return Page(total, text, aside)
    return Page(count(source) if shape.needs_count(counted) else counted, text, aside)


@dataclass(frozen=True)
class _Shape:
    """What of a page, besides its queryset, goes into its SQL text (``key``) or its parameters."""

    columns: Sequence[Column]
    offset: int
    limit: int
    total_by_window: bool
    zone: str  # the current time zone's name, written into the SQL (DATETIME columns)

    @cached_property
    def key(self) -> tuple:
        # The lookups are parameters.
        described = tuple(
            (column.key, column.source, column.kind, column.inputs, column.hidden) for column in self.columns
        )
        return described, self.offset, self.limit, self.total_by_window, self.zone

    @cached_property
    def column_params(self) -> list[str]:
        return [column.lookup_json for column in self.columns if column.kind == LOOKUP]

    def __post_init__(self) -> None:
        kinds = {column.key: column.kind for column in self.columns}
        for column in self.columns:
            # A lookup's table is a parameter, placed by column_params: it cannot be written a second time.
            if column.kind == FILLED and (
                not column.inputs or any(kinds.get(key, LOOKUP) in (LOOKUP, FILLED) for key in column.inputs)
            ):
                raise ValueError(
                    f"{column.key}: a FILLED column needs inputs: other columns, no lookup or FILLED"
                )

    def needs_count(self, total_on_rows: int) -> bool:
        # A page past the end has no row to carry the total.
        return not self.total_by_window or (total_on_rows == 0 and self.offset > 0)


def _shape(columns: Sequence[Column], offset: int, limit: int, total_by_window: bool) -> _Shape:
    """The page's shape, kept between calls with the same ``columns`` (the same object: callers declare them
    once) and in the same time zone: its key and lookups are worked out once, not on every request (two
    twentieths of a list request's time)."""
    zone = timezone.get_current_timezone_name()
    key = (id(columns), offset, limit, total_by_window, zone)
    kept = _shapes.get(key)
    if kept is not None and kept.columns is columns:  # the id of a list still alive (it is kept here)
        return kept
    if len(_shapes) >= _MAX_SHAPES:
        _shapes.clear()
    _shapes[key] = shape = _Shape(columns, offset, limit, total_by_window, zone)
    return shape


_shapes: dict[tuple, _Shape] = {}
_MAX_SHAPES = 512


def _page(queryset: QuerySet, shape: _Shape) -> QuerySet:
    values = {f"c{i}": F(column.source) for i, column in enumerate(shape.columns) if column.kind != FILLED}
    # What the page is ordered by, for the aggregate to join the rows in that order (_page_sql).
    values.update({f"{_ORDER}{i}": order.expression for i, order in enumerate(_page_order(queryset))})
    windows = {}
    if shape.total_by_window and PAGE_TOTAL in queryset.query.annotations:
        values[_TOTAL] = F(PAGE_TOTAL)
    elif shape.total_by_window:
        windows[_TOTAL] = Window(Count("pk"))
    if PAGE_ASIDE in queryset.query.annotations:
        values[_ASIDE] = F(PAGE_ASIDE)
    return queryset.values(**values).annotate(**windows)[shape.offset : shape.offset + shape.limit]


def _page_sql(queryset: QuerySet, shape: _Shape) -> tuple[str, list[Any]]:
    """The page as one PostgreSQL query; its parameters follow ``shape.column_params``.

    Each row is written as JSON text by concatenation, each value by the cheapest expression that writes it as
    ``json_build_object`` would (``to_json`` for a plain value): PostgreSQL's JSON builders look up each value's
    type and output function again for every value, which cost more than running the page's query
    (benchmarks/REPORT.md)."""
    page = _page(queryset, shape)
    inner, inner_params = page.query.sql_with_params()
    integers = _integer_columns(page, shape)
    # Joined by ||, not concat(): every part is text and none is NULL (_sql_json writes null), and concat()
    # looks up each argument's output function again on every row.
    written = [(i, column) for i, column in enumerate(shape.columns) if not column.hidden]
    members = " || ".join(
        f"'{',' if n else '{'}\"{_name(column.key)}\":' || {_sql_member(i, column, shape, integers)}"
        for n, (i, column) in enumerate(written)
    )
    # Keys and the zone are checked names (_name); values and the inner query's own are parameters. The rows
    # are joined in the page's order, sorted again by the values the page is ordered by: a sort of the page's
    # rows (PostgreSQL 16 and later skip it, the subquery being sorted by them already). Numbering the rows in
    # the subquery instead (row_number) cost three times that sort: a window keeps a copy of every row.
    by = ", ".join(
        f"t.{_ORDER}{i} {'DESC' if order.descending else 'ASC'}"
        + (" NULLS FIRST" if order.nulls_first else " NULLS LAST" if order.nulls_last else "")
        for i, order in enumerate(_page_order(queryset))
    )
    rows = f"string_agg({members} || '}}', ','{' ORDER BY ' if by else ''}{by})"
    total = f"max(t.{_TOTAL})" if shape.total_by_window else "0"
    aside = f", min(t.{_ASIDE})" if PAGE_ASIDE in queryset.query.annotations else ""
    return (
        f"SELECT {total}, '[' || coalesce({rows}, '') || ']'{aside} FROM ({inner}) t",  # noqa: S608
        list(inner_params),
    )


def _page_order(queryset: QuerySet) -> list[OrderBy]:
    """The queryset's order as OrderBy expressions, in the form Django writes it: its ``order_by()``, or the
    model's default ordering."""
    query = queryset.query
    given = query.order_by or (query.get_meta().ordering if query.default_ordering else ())
    order = []
    for entry in given:
        if isinstance(entry, str):
            if entry == "?":
                raise ValueError("a page in random order cannot be read in pages")
            name = entry.removeprefix("-")
            if _names_a_relation(query.model, name):
                # Django orders by the related model's own ordering there, which a column cannot repeat.
                raise ValueError(f"order a page by a field of {name!r}, not by the relation itself")
            entry = F(name).desc() if entry.startswith("-") else F(name).asc()
        elif not isinstance(entry, OrderBy):
            entry = entry.asc()
        order.append(entry)
    return order


def _names_a_relation(model: type, name: str) -> bool:
    """Whether Django orders by the ``order_by()`` name ``name`` in the related model's own ordering: a name
    that ends on a relation (``kind``; not ``kind__code`` or ``kind_id``) whose model has one. An annotation's
    name is no field."""
    options, field, part = model._meta, None, ""
    for part in name.split("__"):
        if options is None:
            return False
        try:
            field = options.pk if part == "pk" else options.get_field(part)
        except FieldDoesNotExist:
            return False
        options = field.related_model._meta if field.is_relation and field.related_model else None
    return bool(field is not None and options is not None and part != field.attname and options.ordering)


def count(source: QuerySet | Statement) -> int:
    """The total of ``source``'s rows: ``count()``, or the total it carries (``PAGE_TOTAL``)."""
    queryset = source.queryset() if isinstance(source, Statement) else source
    if PAGE_TOTAL not in queryset.query.annotations:
        return queryset.count()
    return next(iter(queryset.order_by().values_list(PAGE_TOTAL, flat=True)[:1]), 0)


def _count_sql(queryset: QuerySet) -> tuple[str, list[Any]]:
    """``count(queryset)`` as SQL: PostgreSQL flattens the subquery into the same index-only count (or reads the
    total the rows carry)."""
    if PAGE_TOTAL in queryset.query.annotations:  # no row: nothing to count
        inner, params = queryset.order_by().values(PAGE_TOTAL)[:1].query.sql_with_params()
        return f"SELECT coalesce(max(t.{PAGE_TOTAL}), 0) FROM ({inner}) t", list(params)  # noqa: S608
    inner, params = queryset.order_by().values("pk").query.sql_with_params()
    return f"SELECT count(*) FROM ({inner}) t", list(params)  # noqa: S608


def _fetch_page(connection: Any, sql: str, params: list[Any]) -> tuple[int, str, Any]:
    with prepared_cursor(connection) as cursor:  # planned once per connection, not on every page
        cursor.execute(sql, params)
        return _page_row(cursor.fetchone())


def _page_row(row: tuple) -> tuple[int, str, Any]:
    """The total, the rows' text and the aside (when the page has one) of the page query's one row."""
    return row[0] or 0, row[1], row[2] if len(row) > 2 else None


def _fetch_count(connection: Any, sql: str, params: list[Any]) -> int:
    with prepared_cursor(connection) as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


# ---- Statements: compiled once, run with each call's values ------------------------------------------------


@dataclass(frozen=True)
class _Bound:
    """SQL and its parameters, with ``slots`` (parameter position, index in the statement's values) to fill.

    ``sent``: the SQL as it is run, with its constants (a state, a string of the query's own) written into it
    as literals, so that the only parameters left are the statement's values (after ``leading`` placeholders
    of the caller's, such as a page's lookup tables). PostgreSQL plans a prepared statement once for all its
    executions only when that plan is as good as one made for the values: a queue's partial index, whose
    condition names the open states, cannot be proven for ``state IN ($1, $2…)``, so with the states as
    parameters every execution was planned again (about a millisecond each)."""

    sql: str
    params: tuple[Any, ...]
    slots: tuple[tuple[int, int], ...]
    leading: int = 0

    def bind(self, values: tuple) -> list[Any]:
        params = list(self.params)
        for position, index in self.slots:
            params[position] = values[index]
        return params

    @cached_property
    def sent(self) -> str:
        slotted = {position for position, _ in self.slots}
        placeholders = iter(range(-self.leading, len(self.params)))

        def write(match: re.Match) -> str:
            if match.group() == "%%":
                return "%%"
            position = next(placeholders)
            if position < 0 or position in slotted or not _inlinable(self.params[position]):
                return "%s"
            return _sql_constant(self.params[position])

        return _PLACEHOLDER.sub(write, self.sql)

    def bind_sent(self, values: tuple) -> list[Any]:
        """The parameters of ``sent`` (after the ``leading`` ones): the statement's values, and any constant
        not written into it, in the order of their places."""
        return [values[index] if index is not None else constant for index, constant in self._sent_params]

    @cached_property
    def _sent_params(self) -> tuple[tuple[int | None, Any], ...]:
        """Each parameter of ``sent``: the index of the statement's value that fills it, or None and the
        constant it holds."""
        slots = dict(self.slots)
        return tuple(
            (slots.get(position), constant)
            for position, constant in enumerate(self.params)
            if position in slots or not _inlinable(constant)
        )

    @classmethod
    def from_pair(
        cls,
        first: tuple[str, list[Any]],
        second: tuple[str, list[Any]],
        made_up: tuple[tuple, tuple],
        leading: int = 0,
    ) -> _Bound | None:
        """The SQL of one query compiled with two sets of made-up values, if the two differ only in where those
        values went (the same places in both); None when the values changed the SQL or were rewritten."""
        (sql, params), (other_sql, other_params) = first, second
        if sql != other_sql or len(params) != len(other_params):
            return None
        constants, slots = [], []
        for position, (one, other) in enumerate(zip(params, other_params, strict=True)):
            index = _index_of(one, made_up[0])
            if index is not None and _same(other, made_up[1][index]):
                constants.append(None)
                slots.append((position, index))
            elif index is None and _index_of(other, made_up[1]) is None and _same(one, other):
                constants.append(one)
            else:
                return None
        return cls(sql, tuple(constants), tuple(slots), leading)


@dataclass(frozen=True)
class _Compiled:
    alias: str
    page: _Bound
    count: _Bound

    def page_params(self, statement: Statement, shape: _Shape) -> list[Any]:
        """The parameters of ``page.sent`` for ``statement``'s values (checked against a fresh compile in tests)."""
        if settings.JSON_ROWS_CHECK_STATEMENTS:
            _check(statement, shape, self, self.page.bind(statement.values))
        return [*shape.column_params, *self.page.bind_sent(statement.values)]

    def run(
        self, statement: Statement, shape: _Shape, total: int | None, fetched: tuple | None = None
    ) -> Page:
        connection = connections[self.alias]
        if fetched is not None:  # read ahead by the caller (PageQuery), already checked
            counted, text, aside = _page_row(fetched)
        else:
            counted, text, aside = _fetch_page(connection, self.page.sent, self.page_params(statement, shape))
        if total is not None:
            return Page(total, text, aside)
        if shape.needs_count(counted):
            counted = _fetch_count(connection, self.count.sent, self.count.bind_sent(statement.values))
        return Page(counted, text, aside)


def _check(statement: Statement, shape: _Shape, compiled: _Compiled, page_params: list[Any]) -> None:
    queryset = statement.queryset()
    if _page_sql(queryset, shape) != (compiled.page.sql, page_params) or _count_sql(queryset) != (
        compiled.count.sql,
        compiled.count.bind(statement.values),
    ):
        raise AssertionError(f"statement {statement.key!r} compiles differently for {statement.values!r}")


_statements: dict[tuple, _Compiled | None] = {}
_MAX_STATEMENTS = 512  # shapes × pages asked for; past it, start again
# Only the first pages are compiled once (each page is its own SQL: Django writes LIMIT and OFFSET into it); a
# page further on, asked for rarely, is compiled as usual rather than twice with made-up values.
_STATEMENT_PAGES = 5


def _compiled(statement: Statement, shape: _Shape) -> _Compiled | None:
    key = (statement.key, tuple(type(value) for value in statement.values), shape.key)
    try:
        return _statements[key]
    except KeyError:
        pass
    if len(_statements) >= _MAX_STATEMENTS:
        _statements.clear()
    _statements[key] = compiled = _compile(statement, shape)
    return compiled


def _compile(statement: Statement, shape: _Shape) -> _Compiled | None:
    made_up = _made_up(statement.values, 1), _made_up(statement.values, 2)
    if made_up[0] is None or made_up[1] is None:
        return None
    first, second = statement.build(*made_up[0]), statement.build(*made_up[1])
    if connections[first.db].vendor != "postgresql" or first.query.is_empty():
        return None  # elsewhere the rows are built in Python from the queryset itself
    leading = len(shape.column_params)  # the lookups' placeholders come first, given by the shape
    page = _Bound.from_pair(_page_sql(first, shape), _page_sql(second, shape), made_up, leading)
    count = _Bound.from_pair(_count_sql(first), _count_sql(second), made_up)
    return _Compiled(first.db, page, count) if page and count else None


def _made_up(values: tuple, variant: int) -> tuple | None:
    """Stand-ins of the same types as ``values``, unlike any real value and unlike the other variant's."""
    made_up: list[Any] = []
    for index, value in enumerate(values):
        if isinstance(value, (bool, dt.datetime)) or index >= 28:
            return None
        if isinstance(value, int):
            made_up.append(-(variant * 10**15 + 7_919 * (index + 1)))
        elif isinstance(value, str):
            made_up.append(f"\x1f{variant}.{index} json_rows stand-in")
        elif isinstance(value, dt.date):
            made_up.append(dt.date(1000 + variant, 1, 1 + index))
        else:
            return None
    return tuple(made_up)


_PLACEHOLDER = re.compile(r"%%|%s")


def _sql_constant(value: Any) -> str:
    """A constant of the query (``_inlinable``) as an SQL literal."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(int(value))
    return f"'{str.__str__(value)}'"


def _inlinable(value: Any) -> bool:
    """A number, or a string of plain characters (a state, a separator): nothing that needs quoting rules."""
    if isinstance(value, (bool, int)):
        return True
    return isinstance(value, str) and _PLAIN_TEXT.fullmatch(value) is not None


_PLAIN_TEXT = re.compile(r"[A-Za-z0-9_ .,:/+-]*")


def _same(one: Any, other: Any) -> bool:
    return type(one) is type(other) and one == other


def _index_of(value: Any, made_up: tuple) -> int | None:
    return next((index for index, candidate in enumerate(made_up) if _same(value, candidate)), None)


@receiver(setting_changed)
def _forget_statements(**kwargs: object) -> None:
    _statements.clear()
    _shapes.clear()


def _name(name: str) -> str:
    """A key or a time zone's name, written into the SQL: both come from code and settings, and are checked."""
    if not _NAME.fullmatch(name):
        raise ValueError(f"not a plain name: {name!r}")
    return name


_NAME = re.compile(r"[A-Za-z0-9_/+-]+")


def _integer_columns(page: QuerySet, shape: _Shape) -> frozenset[int]:
    """The PLAIN columns of ``page`` (``_page``) that hold integers: written by their own output function, not
    through ``to_json``, which looks up the value's type and output function again for every value."""
    connection, selected = connections[page.db], page.query.annotations
    return frozenset(
        i
        for i, column in enumerate(shape.columns)
        if column.kind == PLAIN and selected[f"c{i}"].output_field.db_type(connection) in _INTEGER_TYPES
    )


_INTEGER_TYPES = {"smallint", "integer", "bigint"}


def _sql_member(index: int, column: Column, shape: _Shape, integers: frozenset[int]) -> str:
    """A written column's value: its JSON, or for a FILLED one its slot (``fill``): the JSON of its inputs
    between two U+001E, a character JSON text never holds unescaped; a DATE input as its ordinal
    (``date.toordinal()``), cheaper to write here and to read in Python than its ISO text."""
    if column.kind != FILLED:
        return _sql_json(f"t.c{index}", column, shape.zone, index in integers)
    where = {other.key: (i, other) for i, other in enumerate(shape.columns)}
    inputs = []
    for key in column.inputs:
        i, source = where[key]
        if source.kind == DATE:
            inputs.append(f"coalesce((t.c{i} - DATE '0001-01-01' + 1)::text, 'null')")
        else:
            inputs.append(_sql_json(f"t.c{i}", source, shape.zone, i in integers))
    joined = " || ',' || ".join(inputs)
    return f"chr(30) || {joined} || chr(30)"


def _sql_json(ref: str, column: Column, zone: str, integer: bool = False) -> str:
    """The column's value as JSON text (``null`` for NULL); a LOOKUP's table is a parameter
    (``_Shape.column_params``, in column order), read once per query (a scalar subquery), not once per row."""
    if integer:
        return f"coalesce({ref}::text, 'null')"
    if column.kind == DATETIME:
        return f"CASE WHEN {ref} IS NULL THEN 'null' ELSE '\"' || {_sql_isoformat(ref, zone)} || '\"' END"
    if column.kind == LOOKUP:
        return f"coalesce((SELECT %s::jsonb) ->> ({ref})::text, 'null')"
    # A DATE too: PostgreSQL writes a date in JSON as ISO 8601 (YYYY-MM-DD) whatever the session's DateStyle,
    # as DRF's DateField does, in half the time of to_char.
    return f"coalesce(to_json({ref})::text, 'null')"


def _sql_isoformat(ref: str, zone: str) -> str:
    """``timezone.localtime(value).isoformat()`` of a non-null ``ref`` in the time zone ``zone`` (the page's
    shape's, the current one) with ``+00:00`` written ``Z``, as DRF's DateTimeField does: microseconds only when
    there are some, the offset as ``+HH:MM``.

    The offsets the zone has had since 1970 are written out (a comparison each); any other is
    computed (``to_char``, about as costly as the rest of the value)."""
    local = f"({ref} AT TIME ZONE '{_name(zone)}')"
    offset = f"({local} - ({ref} AT TIME ZONE 'UTC'))"
    known = " ".join(
        f"WHEN interval '{seconds} seconds' THEN '{_offset_text(seconds)}'" for seconds in _zone_offsets(zone)
    )
    return (
        f"replace(to_char({local}, 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), '.000000', '') || CASE {offset} {known} "
        f"WHEN interval '0' THEN 'Z' "
        f"ELSE CASE WHEN {offset} > interval '0' THEN '+' || to_char({offset}, 'HH24:MI') "
        f"ELSE '-' || to_char(-{offset}, 'HH24:MI') END END"
    )


@lru_cache(maxsize=16)
def _zone_offsets(name: str) -> tuple[int, ...]:
    """The UTC offsets (seconds, whole minutes, not zero) the zone ``name`` has had from 1970 to 2100, sampled
    on the 1st and 15th of each month: an offset held for less than that is missed, and computed instead."""
    try:
        zone = zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return ()
    found = set()
    for year in range(1970, 2101):
        for month in range(1, 13):
            for day in (1, 15):
                offset = dt.datetime(year, month, day, 12, tzinfo=dt.UTC).astimezone(zone).utcoffset()
                if offset is not None and offset.total_seconds() % 60 == 0 and offset:
                    found.add(int(offset.total_seconds()))
    return tuple(sorted(found))


def _offset_text(seconds: int) -> str:
    sign = "+" if seconds > 0 else "-"
    hours, minutes = divmod(abs(seconds) // 60, 60)
    return f"{sign}{hours:02d}:{minutes:02d}"


def _rows_text_in_python(rows: list[dict[str, Any]], columns: Sequence[Column]) -> str:
    """What the page query writes, from rows selected by ``_page``: hidden columns left out, a FILLED one as
    its slot (``fill``)."""
    written = []
    for row in rows:
        values = _row_in_python(row, columns)
        members = []
        for column in columns:
            if column.kind == FILLED:
                given = [_input(row, columns, key, values) for key in column.inputs]
                inputs = json.dumps(given, ensure_ascii=False)[1:-1]
                members.append(f"{json.dumps(column.key)}:{_SLOT}{inputs}{_SLOT}")
            elif not column.hidden:
                members.append(
                    f"{json.dumps(column.key)}:{json.dumps(values[column.key], ensure_ascii=False)}"
                )
        written.append("{" + ",".join(members) + "}")
    return "[" + ",".join(written) + "]"


def _input(row: dict[str, Any], columns: Sequence[Column], key: str, values: dict[str, Any]) -> Any:
    """A FILLED column's input ``key`` as the page query writes it: a DATE as its ordinal."""
    index, column = next((i, column) for i, column in enumerate(columns) if column.key == key)
    value = row[f"c{index}"]
    return value.toordinal() if column.kind == DATE and value is not None else values[key]


# chr(30): JSON text escapes it inside a string, so unescaped it marks only a FILLED column's slot.
_SLOT = "\x1e"


def fill(text: str, values: Callable[[list[list[Any]]], Sequence[Any]]) -> str:
    """The page ``text`` with each FILLED column's slot replaced by its value: ``values`` gets the inputs of
    every slot in the page's order (a list of values, as ``Column.inputs`` names them) and gives one value per
    slot, written as JSON. Nothing else of the page is parsed or written again."""
    parts = text.split(_SLOT)
    slots = parts[1::2]
    if not slots:
        return text
    filled = values(orjson.loads("[[" + "],[".join(slots) + "]]"))
    if len(filled) != len(slots):
        raise ValueError(f"{len(filled)} values for {len(slots)} slots")
    parts[1::2] = [str(value) if type(value) is int else orjson.dumps(value).decode() for value in filled]
    return "".join(parts)


def _row_in_python(row: dict[str, Any], columns: Sequence[Column]) -> dict[str, Any]:
    out = {}
    for i, column in enumerate(columns):
        if column.kind == FILLED:
            continue
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

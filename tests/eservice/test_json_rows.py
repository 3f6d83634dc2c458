"""A page of rows built as JSON by PostgreSQL is the page DRF's serializer fields would write, and the page the
Python fallback (SQLite) builds from the same columns."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.models import F, Value
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework import serializers

from applications.models import Application
from eservice import json_rows
from eservice.json_rows import DATE, DATETIME, LOOKUP, Column, json_page
from tests.factories import ApplicationFactory, UserFactory
from tests.services import require_postgres

pytestmark = pytest.mark.django_db

UTC = dt.UTC
MOMENTS = [
    dt.datetime(2026, 1, 15, 10, 30, 0, tzinfo=UTC),  # winter: +02:00, no microseconds
    dt.datetime(2026, 7, 1, 21, 59, 59, 123456, tzinfo=UTC),  # summer: +03:00, the next local day
    dt.datetime(2026, 3, 29, 0, 59, 59, 5, tzinfo=UTC),  # the last second before summer time; 5 µs
    dt.datetime(2026, 10, 25, 0, 0, 0, 100000, tzinfo=UTC),  # the hour that happens twice
    dt.datetime(1999, 12, 31, 23, 59, 59, tzinfo=UTC),
]


class Reference(serializers.Serializer):
    """What DRF's own fields write for these columns: the contract the database must reproduce."""

    id = serializers.IntegerField()
    reference = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    decision_due_on = serializers.DateField(allow_null=True)


COLUMNS = [
    Column("id", "id"),
    Column("reference", "reference"),
    Column("created_at", "created_at", DATETIME),
    Column("submitted_at", "submitted_at", DATETIME),
    Column("decision_due_on", "decision_due_on", DATE),
    Column("kind", "kind__code"),
    Column("label", "state", LOOKUP, {"draft": "Melnraksts “ā”", "submitted": "Iesniegts"}),
    Column("actions", "state", LOOKUP, {"draft": ["edit", "submit"], "submitted": []}),
]


@pytest.fixture
def applications():
    applicant = UserFactory(applicant=True)
    made = []
    for i, moment in enumerate(MOMENTS):
        application = ApplicationFactory(
            applicant=applicant,
            state="submitted" if i % 2 else "draft",
            reference=f"TRP-2026-{i:06d}" if i % 2 else None,
            decision_due_on=dt.date(2026, 12, 31 - i) if i % 2 else None,
        )
        Application.objects.filter(pk=application.pk).update(
            created_at=moment, submitted_at=moment + dt.timedelta(hours=i) if i % 2 else None
        )
        made.append(application.pk)
    return Application.objects.filter(applicant=applicant).order_by("-created_at", "-id")


def expected(queryset, offset: int, limit: int) -> list[dict]:
    rows = []
    for application in queryset.select_related("kind")[offset : offset + limit]:
        row = dict(Reference(application).data)
        row["kind"] = application.kind.code
        row["label"] = COLUMNS[6].lookup.get(application.state)
        row["actions"] = COLUMNS[7].lookup.get(application.state)
        rows.append(row)
    return rows


def in_python(queryset, offset: int, limit: int) -> tuple[int, list[dict]]:
    """The fallback's answer, whatever the database: the Python builder on the same selected rows."""
    selected = queryset.values(**{f"c{i}": F(c.source) for i, c in enumerate(COLUMNS)})
    rows = [json_rows._row_in_python(row, COLUMNS) for row in selected[offset : offset + limit]]
    return queryset.count(), json.loads(json.dumps(rows))


@pytest.mark.parametrize("zone", ["Europe/Riga", "UTC", "America/St_Johns", "Asia/Kathmandu"])
@pytest.mark.parametrize(("offset", "limit"), [(0, 50), (1, 2), (4, 10)])
@pytest.mark.parametrize("by_window", [True, False])
def test_the_page_is_what_drf_writes(applications, zone, offset, limit, by_window):
    with timezone.override(ZoneInfo(zone)):
        total, text, _ = json_page(
            applications, COLUMNS, offset=offset, limit=limit, total_by_window=by_window
        )
        assert total == len(MOMENTS)
        assert json.loads(text) == expected(applications, offset, limit)
        assert in_python(applications, offset, limit) == (total, json.loads(text))


@pytest.mark.parametrize("zone", ["Europe/Riga", "America/St_Johns", "Asia/Kathmandu"])
def test_an_offset_not_written_out_is_computed_the_same(applications, zone, monkeypatch):
    require_postgres()
    # The SQL writes out the offsets the zone has had (one comparison each) and computes any other: with none
    # written out, every value takes the computed branch, and the page is still what DRF writes.
    monkeypatch.setattr(json_rows, "_zone_offsets", lambda name: ())
    with timezone.override(ZoneInfo(zone)):
        assert json.loads(json_page(applications, COLUMNS, offset=0, limit=50)[1]) == expected(
            applications, 0, 50
        )


def test_zone_offsets_are_the_zones_own():
    # +02:00 and +03:00 (and +04:00 in the 1980s)
    assert {7200, 10800} <= set(json_rows._zone_offsets("Europe/Riga"))
    assert json_rows._zone_offsets("UTC") == ()
    assert -9000 in json_rows._zone_offsets("America/St_Johns")  # -02:30
    assert json_rows._offset_text(-9000) == "-02:30"
    assert json_rows._offset_text(20700) == "+05:45"


def test_text_is_escaped_as_json(applications):
    tricky = 'a "q" \\ b\n\t ā \x01 </x>'  # fits the column (30)
    applications.filter(pk=applications[1].pk).update(reference=tricky)
    rows = json.loads(json_page(applications, COLUMNS, offset=0, limit=50)[1])
    assert tricky in [row["reference"] for row in rows]
    assert rows == expected(applications, 0, 50)


def test_utc_is_written_z_and_microseconds_only_when_there_are_some(applications):
    with timezone.override(UTC):
        rows = json.loads(json_page(applications, COLUMNS, offset=0, limit=50)[1])
    created = {row["id"]: row["created_at"] for row in rows}
    assert sorted(created.values()) == [
        "1999-12-31T23:59:59Z",
        "2026-01-15T10:30:00Z",
        "2026-03-29T00:59:59.000005Z",
        "2026-07-01T21:59:59.123456Z",
        "2026-10-25T00:00:00.100000Z",
    ]


def test_dates_are_iso_whatever_the_sessions_date_style(applications):
    """A date is written as DRF's DateField writes it (YYYY-MM-DD) even where the connection's DateStyle would
    write it otherwise (PostgreSQL's JSON output does not follow DateStyle)."""
    require_postgres()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET DateStyle = 'SQL, DMY'")
        try:
            rows = json.loads(json_page(applications, COLUMNS, offset=0, limit=50)[1])
        finally:
            cursor.execute("RESET DateStyle")
    assert sorted(row["decision_due_on"] for row in rows if row["decision_due_on"]) == [
        "2026-12-28",
        "2026-12-30",
    ]
    assert rows == expected(applications, 0, 50)


def test_a_page_past_the_end_still_counts(applications):
    assert json_page(applications, COLUMNS, offset=50, limit=10) == (len(MOMENTS), "[]", None)
    assert json_page(applications, COLUMNS, offset=50, limit=10, total_by_window=False) == (
        len(MOMENTS),
        "[]",
        None,
    )
    assert json_page(Application.objects.none().order_by("id"), COLUMNS, offset=0, limit=10) == (
        0,
        "[]",
        None,
    )


@pytest.mark.parametrize("by_window", [True, False])
@pytest.mark.parametrize("offset", [0, 50])
def test_a_known_total_is_the_answer_and_nothing_is_counted(
    applications, by_window, offset, django_assert_num_queries
):
    with django_assert_num_queries(1):  # the page only
        total, text, _ = json_page(
            applications, COLUMNS, offset=offset, limit=2, total_by_window=by_window, total=1234
        )
    assert total == 1234
    assert json.loads(text) == expected(applications, offset, 2)


def test_postgresql_builds_the_rows_in_one_query(applications, django_assert_num_queries):
    require_postgres()
    with django_assert_num_queries(1):
        total, _, _ = json_page(applications, COLUMNS, offset=0, limit=3)
    assert total == len(MOMENTS)
    with django_assert_num_queries(2):  # a long list: the page, and a count apart
        assert json_page(applications, COLUMNS, offset=0, limit=3, total_by_window=False)[0] == len(MOMENTS)


@pytest.mark.parametrize(
    "order",
    [
        (F("decision_due_on").asc(nulls_last=True), "id"),
        (F("decision_due_on").desc(nulls_first=True), "-id"),
        (F("decision_due_on").desc(nulls_last=True), "id"),
        ("-decision_due_on", "reference"),
        ("kind__code", "-submitted_at", "pk"),
        (),  # the model's default ordering
    ],
)
@pytest.mark.parametrize(("offset", "limit"), [(0, 50), (1, 3)])
def test_the_rows_come_in_the_querysets_order(applications, order, offset, limit, django_assert_num_queries):
    ordered = applications.order_by(*order) if order else applications.order_by()
    ordered.query.default_ordering = not order
    with django_assert_num_queries(1) as read:
        _, text, _ = json_page(ordered, COLUMNS, offset=offset, limit=limit)
    assert [row["id"] for row in json.loads(text)] == [a.pk for a in ordered[offset : offset + limit]]
    if connection.vendor == "postgresql":  # no window numbers the rows: the aggregate sorts them itself
        assert "ROW_NUMBER" not in read.captured_queries[0]["sql"]


def test_integers_are_written_by_their_own_output_function(applications, django_assert_num_queries):
    require_postgres()
    columns = [Column("id", "id"), Column("officer", "assigned_officer_id"), Column("reference", "reference")]
    with django_assert_num_queries(1) as read:
        _, text, _ = json_page(applications, columns, offset=0, limit=50)
    assert json.loads(text) == [{"id": a.pk, "officer": None, "reference": a.reference} for a in applications]
    sql = read.captured_queries[0]["sql"]
    assert "coalesce(t.c0::text, 'null')" in sql and "coalesce(t.c1::text, 'null')" in sql
    assert "to_json(t.c2)" in sql  # text is escaped as JSON


def test_a_page_in_random_order_or_in_a_relations_own_order_is_refused(applications):
    with pytest.raises(ValueError, match="random"):
        json_page(applications.order_by("?"), COLUMNS, offset=0, limit=5)
    for relation in ("kind", "-purpose", "applicant__unit"):  # Django would use the related model's ordering
        with pytest.raises(ValueError, match="not by the relation itself"):
            json_page(applications.order_by(relation, "id"), COLUMNS, offset=0, limit=5)
    # Its fields, its key and an annotation are columns like any other.
    # So is a relation whose model has no ordering: Django orders by its key, the column itself.
    allowed = [("kind__code", "id"), ("-kind_id", "pk"), ("applicant__email", "-id"), ("-applicant", "id")]
    named = applications.annotate(due=F("decision_due_on"))
    for ordered in [applications.order_by(*order) for order in allowed] + [named.order_by("-due", "id")]:
        _, text, _ = json_page(ordered, COLUMNS, offset=0, limit=5)
        assert [row["id"] for row in json.loads(text)] == list(ordered.values_list("id", flat=True)[:5])


def test_a_long_list_reads_only_its_page():
    """Without the window count, PostgreSQL stops after the page's rows (a LIMIT over the queue's index):
    the unit's queue at a million applications reads 50 of its tens of thousands of open cases."""
    require_postgres()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from decisions.selectors import list_queue

    officer = UserFactory(case_officer=True)
    for days in range(8):
        ApplicationFactory(
            submitted=True, unit=officer.unit, decision_due_on=timezone.localdate() + dt.timedelta(days=days)
        )
    with CaptureQueriesContext(connection) as queries:
        json_page(list_queue(officer=officer), COLUMNS[:3], offset=0, limit=2, total_by_window=False)
    with connection.cursor() as cursor:
        cursor.execute("SET enable_sort = off")  # as at scale: the queue's index, not a sort of a tiny table
        cursor.execute("SET enable_bitmapscan = off")
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + queries.captured_queries[0]["sql"])
        plan = cursor.fetchone()[0]
        cursor.execute("RESET enable_sort")
        cursor.execute("RESET enable_bitmapscan")
    assert _rows_read_from(plan[0]["Plan"], "applications_application") <= 3, plan


def _rows_read_from(node: dict, table: str) -> int:
    own = node.get("Actual Rows", 0) if node.get("Relation Name") == table else 0
    return own + sum(_rows_read_from(child, table) for child in node.get("Plans", []))


# ---- Statements: compiled once per process, run with each call's values -----------------------------------


def _of_applicant(applicant_id: int):
    return Application.objects.filter(applicant_id=applicant_id).order_by("-created_at", "-id")


@pytest.mark.parametrize("zone", ["Europe/Riga", "Asia/Kathmandu"])
@pytest.mark.parametrize(("offset", "limit", "by_window"), [(0, 50, True), (1, 2, False), (50, 10, True)])
def test_a_statement_gives_the_page_its_queryset_gives(applications, zone, offset, limit, by_window):
    applicant_id = applications.first().applicant_id
    other = UserFactory(applicant=True)
    ApplicationFactory(applicant=other)
    with timezone.override(ZoneInfo(zone)):
        for who in (applicant_id, other.pk, applicant_id):
            statement = json_rows.Statement("of applicant", _of_applicant, (who,))
            assert json_page(statement, COLUMNS, offset=offset, limit=limit, total_by_window=by_window) == (
                json_page(_of_applicant(who), COLUMNS, offset=offset, limit=limit, total_by_window=by_window)
            )


@override_settings(JSON_ROWS_CHECK_STATEMENTS=False)
def test_postgresql_compiles_a_statement_once_per_shape(applications, django_assert_num_queries):
    require_postgres()
    applicant_id = applications.first().applicant_id
    built = []

    def build(who: int):
        built.append(who)
        return _of_applicant(who)

    for _ in range(3):
        with django_assert_num_queries(2):  # the page, and the count apart: nothing else
            total, _, _ = json_page(
                json_rows.Statement("counted", build, (applicant_id,)),
                COLUMNS,
                offset=0,
                limit=2,
                total_by_window=False,
            )
        assert total == len(MOMENTS)
    assert len(built) == 2 and applicant_id not in built  # once with each set of stand-ins, never again
    json_page(json_rows.Statement("counted", build, (applicant_id,)), COLUMNS, offset=2, limit=2)
    assert len(built) == 4  # another page is another statement


def test_a_value_that_changes_the_sql_is_not_compiled_once(applications):
    """A LIKE pattern is rewritten (``%…%``), so the stand-ins are not found: every call compiles as usual."""
    require_postgres()

    def build(text: str):
        return Application.objects.filter(reference__contains=text).order_by("id")

    for text, count in (("TRP-2026", 2), ("000003", 1), ("nothing", 0)):
        assert json_page(json_rows.Statement("like", build, (text,)), COLUMNS, offset=0, limit=5)[0] == count
    assert [compiled for key, compiled in json_rows._statements.items() if key[0] == "like"] == [None]


def test_the_test_settings_catch_a_statement_whose_shape_is_in_its_values(applications):
    """A branch on a value that both stand-ins take alike would compile one shape for every value: the check
    the test suite runs with (JSON_ROWS_CHECK_STATEMENTS) compiles the real call too and refuses."""
    require_postgres()
    applicant_id = applications.first().applicant_id

    def build(who: int):
        return Application.objects.order_by("id") if who < 0 else _of_applicant(who)

    with pytest.raises(AssertionError, match="compiles differently"):
        json_page(json_rows.Statement("branchy", build, (applicant_id,)), COLUMNS, offset=0, limit=5)


@override_settings(JSON_ROWS_CHECK_STATEMENTS=False)
def test_a_page_far_on_is_compiled_as_usual(applications):
    """Each page is its own SQL; past the first few, a page is built once from the real values, not compiled
    twice with made-up ones for a cache it would rarely be read from again."""
    applicant_id = applications.first().applicant_id
    built = []

    def build(who: int):
        built.append(who)
        return _of_applicant(who)

    statement = json_rows.Statement("far", build, (applicant_id,))
    total, text, _ = json_page(
        statement, COLUMNS, offset=6, limit=1
    )  # the seventh page of one row: past the end
    assert (total, json.loads(text)) == (len(MOMENTS), [])
    assert built == [applicant_id]  # built once, from the real value
    total, text, _ = json_page(statement, COLUMNS, offset=4, limit=1)  # the fifth: one of the first pages
    assert (total, json.loads(text)) == (len(MOMENTS), expected(_of_applicant(applicant_id), 4, 1))
    assert len(built) > 2 and applicant_id not in built[1:3]  # compiled with made-up values


def _of_applicant_in_states(applicant_id: int):
    # Constants of the query's own: two states (plain text), one string with a quote and one date (parameters).
    return (
        _of_applicant(applicant_id)
        .filter(state__in=["draft", "submitted"])
        .exclude(reference="it's")
        .exclude(decision_due_on=dt.date(1900, 1, 1))
    )


@pytest.mark.parametrize("by_window", [True, False])
def test_a_statements_constants_are_written_into_its_sql(applications, by_window):
    """So that PostgreSQL can plan it once for every value (a partial index's condition is provable only
    against constants): numbers and plain strings are written in; the caller's values, and any constant
    that would need quoting rules, stay parameters; the page is the queryset's."""
    require_postgres()
    applicant_id = applications.first().applicant_id
    statement = json_rows.Statement("in states", _of_applicant_in_states, (applicant_id,))
    for offset, limit in ((0, 50), (1, 2), (50, 10)):
        assert json_page(
            statement, COLUMNS, offset=offset, limit=limit, total_by_window=by_window
        ) == json_page(
            _of_applicant_in_states(applicant_id),
            COLUMNS,
            offset=offset,
            limit=limit,
            total_by_window=by_window,
        )
    shape = json_rows._shape(COLUMNS, 0, 50, by_window)
    page = json_rows._compiled(statement, shape).page
    assert "'draft'" in page.sent and "'submitted'" in page.sent and "it''s" not in page.sent
    assert (
        page.sent.count("%s") == len(shape.column_params) + 3
    )  # the two lookups; the applicant, "it's", the date
    assert page.bind_sent((applicant_id,)) == [applicant_id, "it's", dt.date(1900, 1, 1)]


def test_only_plain_constants_are_written_in():
    assert [json_rows._sql_constant(value) for value in (7, True, "in_review", "", " ")] == [
        "7",
        "true",
        "'in_review'",
        "''",
        "' '",
    ]
    assert not any(
        json_rows._inlinable(value) for value in ("it's", "a\\b", "%s", None, dt.date(2026, 1, 1), 1.5)
    )


def test_the_unit_queue_has_nothing_left_to_bind(django_assert_num_queries):
    """The officers' queue, asked for most, is compiled per unit with everything written in: a prepared
    statement without parameters, planned once per connection (benchmarks/REPORT.md)."""
    require_postgres()
    from decisions.api.views import QUEUE_COLUMNS, _unit_queue_rows
    from identity.models import TerritorialUnit

    unit = TerritorialUnit.objects.filter(handles_residence_permits=True).first()
    statement = json_rows.Statement(("queue", unit.pk), lambda: _unit_queue_rows(unit.pk))
    json_page(statement, QUEUE_COLUMNS, offset=0, limit=50)
    page = json_rows._compiled(statement, json_rows._shape(QUEUE_COLUMNS, 0, 50, True)).page
    assert "%s" not in page.sent and "'awaiting_applicant'" in page.sent


@pytest.mark.parametrize("by_window", [True, False])
def test_the_aside_comes_once_beside_the_rows(applications, by_window, django_assert_num_queries):
    """A value the queryset annotates as PAGE_ASIDE (what the caller needs of another table to finish the rows)
    is sent once with the page, in the same query on PostgreSQL; the rows are what they are without it."""
    beside = applications.annotate(**{json_rows.PAGE_ASIDE: Value("the calendar")})
    with django_assert_num_queries(1 if by_window else 2):  # a long list counts apart
        page = json_page(beside, COLUMNS, offset=0, limit=50, total_by_window=by_window)
    assert page == (*json_page(applications, COLUMNS, offset=0, limit=50)[:2], "the calendar")
    assert json_page(beside, COLUMNS, offset=50, limit=10) == (len(MOMENTS), "[]", None)  # no row, no aside


def test_a_statement_and_its_read_ahead_bring_the_aside(applications):
    require_postgres()
    applicant_id = applications.first().applicant_id

    def build(who: int):
        return _of_applicant(who).annotate(**{json_rows.PAGE_ASIDE: Value("aside")})

    statement = json_rows.Statement("aside", build, (applicant_id,))
    assert json_page(statement, COLUMNS, offset=0, limit=50).aside == "aside"
    ahead = json_rows.page_query(statement, COLUMNS, offset=0, limit=50)
    with connection.cursor() as cursor:
        cursor.execute(ahead.sql, ahead.params)
        row = cursor.fetchone()
    with CaptureQueriesContext(connection) as read:
        page = json_page(statement, COLUMNS, offset=0, limit=50, ahead=(ahead, row))
    assert read.captured_queries == [] and page == json_page(build(applicant_id), COLUMNS, offset=0, limit=50)
    assert page.aside == "aside"


FILLED_COLUMNS = [
    Column("id", "id"),
    Column("reference", "reference"),
    Column("days", "", json_rows.FILLED, inputs=("id", "decision_due_on", "_created")),
    Column("decision_due_on", "decision_due_on", DATE),
    Column("_created", "created_at", DATETIME, hidden=True),
]


def test_a_filled_column_gets_its_inputs_and_a_hidden_one_is_not_written(applications):
    """A FILLED column is written by ``fill`` from its inputs (a hidden column among them), on PostgreSQL and
    in Python alike; a value holding U+001E (the slots' mark) is escaped as JSON text always is, and stays as
    it was."""
    tricky = "\x1e1,2\x1e"
    applications.filter(pk=applications[0].pk).update(reference=tricky)
    seen = []

    def values(inputs):
        seen.extend(inputs)
        return [{"for": row_id, "due": due} for row_id, due, _ in inputs]

    _, text, _ = json_page(applications, FILLED_COLUMNS, offset=0, limit=50)
    rows = json.loads(json_rows.fill(text, values))
    expect = expected(applications, 0, 50)
    assert [list(row) for row in rows] == [["id", "reference", "days", "decision_due_on"]] * len(MOMENTS)
    assert [row["days"] for row in rows] == [  # a DATE input comes as its ordinal
        {"for": row["id"], "due": _ordinal(row["decision_due_on"])} for row in expect
    ]
    assert rows[0]["reference"] == tricky
    assert [row[2] for row in seen] == [row["created_at"] for row in expect]  # the hidden column, as written
    assert json_rows.fill("[]", values) == "[]"
    with pytest.raises(ValueError, match="values for"):  # one value per slot, no fewer
        json_rows.fill(text, lambda inputs: inputs[1:])


def _ordinal(iso: str | None) -> int | None:
    return None if iso is None else dt.date.fromisoformat(iso).toordinal()


def test_a_filled_column_has_inputs_and_no_lookup_among_them(applications):
    label = Column("label", "state", LOOKUP, {"draft": "D"})
    for inputs in [("label",), (), ("no such column",)]:
        columns = [label, Column("x", "", json_rows.FILLED, inputs=inputs)]
        with pytest.raises(ValueError, match="inputs"):
            json_page(applications, columns, offset=0, limit=50)

"""The unit queues' counts (``QueueCount``) are kept by the database: after any write to the applications table,
however it is made, they equal a real count of the open cases by unit and state."""

from __future__ import annotations

import importlib

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count, F
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from applications.models import Application, QueueCount, State
from applications.models.application import BACK_OFFICE_STATES
from tests.factories import ApplicationFactory, TerritorialUnitFactory, UserFactory
from tests.services import require_postgres

pytestmark = pytest.mark.django_db

TRIGGERS = {
    "postgresql": {"insert", "update", "delete", "truncate"},
    "sqlite": {"insert", "enter", "leave", "delete"},
}


def real_counts() -> dict[tuple[int, str], int]:
    rows = (
        Application.objects.filter(unit__isnull=False, state__in=BACK_OFFICE_STATES)
        .values_list("unit_id", "state")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {(unit_id, state): n for unit_id, state, n in rows}


def kept_counts() -> dict[tuple[int, str], int]:
    """The counter's rows; a key whose cases all left keeps a row at 0, which counts as no row."""
    return {
        (unit_id, state): n
        for unit_id, state, n in QueueCount.objects.values_list("unit_id", "state", "n")
        if n != 0
    }


def assert_exact() -> None:
    assert kept_counts() == real_counts()


def new_application(*, state: str, unit, applicant) -> Application:
    return Application(applicant=applicant, kind_id=1, purpose_id=1, state=state, unit=unit)


def test_the_database_has_the_triggers():
    """Django's SQLite schema editor rebuilds a table for some changes and drops its triggers on the way: a
    migration that does so to the applications table must create them again (see migration 0019)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'applications_application'::regclass "
                "AND NOT tgisinternal AND tgenabled <> 'D'"
            )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'applications_application'"
            )
        names = {name for (name,) in cursor.fetchall()}
    assert names == {f"application_queue_count_{op}" for op in TRIGGERS[connection.vendor]}


def test_drafts_and_cases_without_a_unit_never_touch_the_counter():
    ApplicationFactory()  # a draft: no unit yet
    ApplicationFactory(complete=True)  # a draft with the unit chosen
    ApplicationFactory(awaiting_payment=True)
    ApplicationFactory(granted=True)
    ApplicationFactory(state=State.SUBMITTED, unit=None)

    assert not QueueCount.objects.exists()


def test_every_state_counts_exactly_when_it_is_in_the_queue():
    unit = TerritorialUnitFactory()
    for state in State.values:
        ApplicationFactory(complete=True, state=state, unit=unit)

    assert_exact()
    assert {state for (_, state) in kept_counts()} == set(BACK_OFFICE_STATES)
    assert set(kept_counts().values()) == {1}


def test_bulk_create_counts_once_per_unit_and_state():
    units = [TerritorialUnitFactory(), TerritorialUnitFactory()]
    applicant = UserFactory()
    states = [*BACK_OFFICE_STATES, State.DRAFT, State.GRANTED]
    Application.objects.bulk_create(
        new_application(state=states[i % len(states)], unit=units[i % 2], applicant=applicant)
        for i in range(120)
    )

    assert_exact()
    assert sum(kept_counts().values()) == 120 * len(BACK_OFFICE_STATES) // len(states)


def test_queryset_updates_move_cases_between_states_and_units():
    unit, other = TerritorialUnitFactory(), TerritorialUnitFactory()
    for _ in range(3):
        ApplicationFactory(submitted=True, unit=unit)
        ApplicationFactory(in_review=True, unit=unit)
        ApplicationFactory(awaiting_payment=True, unit=unit)

    Application.objects.filter(state=State.SUBMITTED).update(state=State.IN_REVIEW)
    assert_exact()
    Application.objects.filter(state=State.AWAITING_PAYMENT).update(state=State.SUBMITTED)
    assert_exact()
    Application.objects.filter(pk__in=Application.objects.filter(state=State.IN_REVIEW)[:4]).update(
        unit=other
    )
    assert_exact()
    Application.objects.update(unit=None)
    assert_exact()
    assert kept_counts() == {}


def test_a_save_that_moves_the_case_to_another_unit_moves_its_count():
    unit, other = TerritorialUnitFactory(), TerritorialUnitFactory()
    case = ApplicationFactory(in_review=True, unit=unit)

    case.unit = other
    case.save()

    assert kept_counts() == {(other.pk, State.IN_REVIEW): 1}


def test_an_update_that_moves_no_case_writes_no_count():
    """Form saves and sweeps (``last_activity_at``, notes) are most of the writes: none of them may touch a
    counter row, which every officer of the unit shares. With the rows gone, a write would bring one back."""
    unit = TerritorialUnitFactory()
    cases = [ApplicationFactory(state=state, unit=unit, complete=True) for state in BACK_OFFICE_STATES]
    QueueCount.objects.all().delete()

    Application.objects.update(first_name="Anna")
    Application.objects.update(state=F("state"), unit=F("unit"))
    cases[0].save()

    assert not QueueCount.objects.exists()


def test_deletes_take_their_cases_out():
    unit = TerritorialUnitFactory()
    cases = [ApplicationFactory(state=state, unit=unit, complete=True) for state in State.values]

    cases[2].delete()  # submitted
    assert_exact()
    Application.objects.filter(state__in=[State.IN_REVIEW, State.DRAFT]).delete()
    assert_exact()
    Application.objects.all().delete()
    assert kept_counts() == {}


class _Editor:
    """What the migration's functions use of a schema editor (SQLite's refuses to open in a test's transaction)."""

    connection = connection

    def execute(self, sql: str, params=None) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def test_the_migration_counts_the_rows_already_there_and_reverses():
    migration = importlib.import_module("applications.migrations.0019_queue_count")
    unit = TerritorialUnitFactory()
    ApplicationFactory(submitted=True, unit=unit)
    migration.uninstall(None, _Editor())
    QueueCount.objects.all().delete()
    ApplicationFactory(in_review=True, unit=unit)  # no triggers: not counted
    assert not QueueCount.objects.exists()

    migration.install(None, _Editor())

    assert kept_counts() == {(unit.pk, State.SUBMITTED): 1, (unit.pk, State.IN_REVIEW): 1}
    ApplicationFactory(in_review=True, unit=unit)
    assert_exact()


def test_generated_cases_are_counted():
    """generate_cases writes with COPY on PostgreSQL and bulk_create elsewhere."""
    call_command("generate_cases", 400, force=True, seed=5)

    assert_exact()
    assert sum(kept_counts().values()) > 0


def test_truncating_the_applications_empties_the_counts():
    require_postgres()  # SQLite has no TRUNCATE: Django's flush deletes every row there (row triggers)
    ApplicationFactory(submitted=True)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # TRUNCATE refuses pending deferred checks
        cursor.execute("TRUNCATE applications_application CASCADE")

    assert not QueueCount.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_flush_leaves_a_consistent_counter():
    """What every transactional test does when it ends (TRUNCATE on PostgreSQL, DELETE on SQLite)."""
    ApplicationFactory(in_review=True)
    ApplicationFactory(submitted=True)

    # As a transactional test's own flush: the sequences stay where they are (restarting them would hand the
    # next tests ids that the rows restored by serialized_rollback already hold).
    call_command("flush", interactive=False, inhibit_post_migrate=True, reset_sequences=False, verbosity=0)

    assert not QueueCount.objects.exists()


UNIT_SLOTS = st.sampled_from([0, 1, None])
STATES = st.sampled_from([State.DRAFT, State.AWAITING_PAYMENT, *BACK_OFFICE_STATES, State.REFUSED])
ROW = st.integers(min_value=0, max_value=50)
OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("create"), STATES, UNIT_SLOTS),
        st.tuples(st.just("bulk"), st.lists(st.tuples(STATES, UNIT_SLOTS), min_size=1, max_size=6)),
        st.tuples(st.just("state"), ROW, STATES),
        st.tuples(st.just("unit"), ROW, UNIT_SLOTS),
        st.tuples(st.just("all_to"), STATES),
        st.tuples(st.just("delete"), ROW),
    ),
    max_size=12,
)


def test_any_sequence_of_writes_keeps_the_counts_exact():
    units = [TerritorialUnitFactory(), TerritorialUnitFactory()]
    applicant = UserFactory()

    def unit_of(slot):
        return None if slot is None else units[slot]

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(OPERATIONS)
    def run(operations):
        with transaction.atomic():
            for operation in operations:
                ids = list(Application.objects.order_by("pk").values_list("pk", flat=True))
                kind, *args = operation
                if kind == "create":
                    new_application(state=args[0], unit=unit_of(args[1]), applicant=applicant).save()
                elif kind == "bulk":
                    Application.objects.bulk_create(
                        new_application(state=state, unit=unit_of(slot), applicant=applicant)
                        for state, slot in args[0]
                    )
                elif kind == "all_to":
                    Application.objects.update(state=args[0])
                elif ids and kind == "state":
                    Application.objects.filter(pk=ids[args[0] % len(ids)]).update(state=args[1])
                elif ids and kind == "unit":
                    Application.objects.filter(pk=ids[args[0] % len(ids)]).update(unit=unit_of(args[1]))
                elif ids and kind == "delete":
                    Application.objects.filter(pk=ids[args[0] % len(ids)]).delete()
                assert_exact()
            transaction.set_rollback(True)

    run()

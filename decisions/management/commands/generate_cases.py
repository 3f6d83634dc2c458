"""Made-up applications in bulk, for the back-office benchmark (benchmarks/bench_backoffice.py) and for trying
the officers' queue at a realistic size.

``manage.py generate_cases 1000000`` adds that many applications (and one applicant for every two of them)
across the units that handle residence permits, in a realistic mix of states: most long decided, a few percent
open in the back office with deadlines spread around today (some already breached). On PostgreSQL the rows go
in with COPY (about a minute per million); elsewhere with bulk_create in batches.

Like seed_demo it refuses to run unless DEBUG is on: the rows are fake people in the real tables. ``--force``
overrides that for a throwaway database (the benchmark's). Running it again adds more rows; nothing is deleted.
"""

from __future__ import annotations

import datetime as dt
import random
import time
import uuid
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, models, transaction
from django.utils import timezone

from applications.models import Application, ApplicationKind, Purpose
from identity.models import Role, TerritorialUnit, User

State = Application.State

# Share of all applications in each state: an office some years in, most cases long closed.
STATE_MIX: dict[str, float] = {
    State.DRAFT: 0.03,
    State.AWAITING_PAYMENT: 0.01,
    State.SUBMITTED: 0.015,
    State.IN_REVIEW: 0.035,
    State.AWAITING_APPLICANT: 0.01,
    State.DECISION_PENDING: 0.005,
    State.GRANTED: 0.10,
    State.REFUSED: 0.04,
    State.AWAITING_REGISTRATION: 0.01,
    State.CARD_IN_PRODUCTION: 0.01,
    State.READY_FOR_COLLECTION: 0.01,
    State.COLLECTED: 0.58,
    State.WITHDRAWN: 0.05,
    State.EXPIRED: 0.08,
    State.ANNULLED: 0.005,
}
PROCESSING_DAYS = 90  # the deadline: this many days after the fee is paid
OPEN_FOR_DAYS = 100  # open cases were paid within the last 100 days: about one in ten is past its deadline
HISTORY_DAYS = 5 * 365
FIRST_NAMES = ("Olena", "Ivan", "Aigerim", "Rahul", "Mei", "Kofi", "Ana", "Dmytro", "Fatima", "Jonas", "Li")
LAST_NAMES = ("Shevchenko", "Petrov", "Nurlanova", "Sharma", "Chen", "Mensah", "Silva", "Bondar", "Khan")
NATIONALITIES = ("UA", "BY", "RU", "KZ", "IN", "UZ", "CN", "PH", "NG", "BR", "GE", "US")


def _concrete_fields(model: type[models.Model]) -> list[models.Field]:
    return [field for field in model._meta.concrete_fields if not isinstance(field, models.AutoField)]


def _defaults(model: type[models.Model]) -> dict[str, Any]:
    return {field.attname: field.get_default() for field in _concrete_fields(model)}


def _insert(model: type[models.Model], rows: Iterator[dict[str, Any]], *, batch_size: int) -> int:
    """Insert ``rows`` (attname → value; missing fields take the model's default). COPY on PostgreSQL."""
    fields = _concrete_fields(model)
    defaults = _defaults(model)
    count = 0
    if connection.vendor == "postgresql":
        columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
        table = connection.ops.quote_name(model._meta.db_table)
        with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                values = {**defaults, **row}
                copy.write_row([values[field.attname] for field in fields])
                count += 1
        return count
    batch: list[models.Model] = []
    for row in rows:
        batch.append(model(**{**defaults, **row}))
        if len(batch) >= batch_size:
            model.objects.bulk_create(batch)
            count += len(batch)
            batch = []
    model.objects.bulk_create(batch)
    return count + len(batch)


class Command(BaseCommand):
    help = "Add N made-up applications across units and states (for benchmarks). DEBUG only unless --force."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("count", type=int, help="how many applications to add")
        parser.add_argument(
            "--force", action="store_true", help="run with DEBUG off too (a throwaway database only)"
        )
        parser.add_argument("--seed", type=int, default=11, help="random seed (the same seed, the same mix)")
        parser.add_argument("--batch-size", type=int, default=5000, help="rows per bulk_create (not COPY)")

    def handle(self, *args: object, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "generate_cases fills the database with made-up applicants and applications; it runs only "
                "with DEBUG on, or with --force on a throwaway database."
            )
        count = options["count"]
        if count < 1:
            raise CommandError("Give a positive number of applications.")
        units = list(
            TerritorialUnit.objects.filter(is_active=True, handles_residence_permits=True)
            .order_by("pk")
            .values_list("pk", "code")
        )
        kinds = list(ApplicationKind.objects.order_by("pk").values_list("pk", flat=True))
        purposes = list(Purpose.objects.order_by("pk").values_list("pk", flat=True))
        if not (units and kinds and purposes):
            raise CommandError("The units and the catalogue are missing; run `manage.py migrate` first.")
        started = time.monotonic()
        generated = self.generate(
            count=count,
            units=units,
            kinds=kinds,
            purposes=purposes,
            rng=random.Random(options["seed"]),  # noqa: S311 (made-up data, repeatable by seed)
            batch_size=options["batch_size"],
        )
        if connection.vendor == "postgresql":
            self._refresh_statistics()
        self.stdout.write(
            f"Added {generated['applicants']} applicants and {generated['applications']} applications "
            f"in {time.monotonic() - started:.0f} s."
        )

    def _refresh_statistics(self) -> None:
        """Fresh planner statistics (or it plans for the empty tables it last saw) and, outside a transaction,
        a VACUUM that sets the visibility map, so index-only scans need not visit the table, as on a database
        that autovacuum has long looked after."""
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
        with connection.cursor() as cursor:
            for model in (User, Application):
                cursor.execute(f"{command} {connection.ops.quote_name(model._meta.db_table)}")

    @transaction.atomic
    def generate(
        self,
        *,
        count: int,
        units: list[tuple[int, str]],
        kinds: list[int],
        purposes: list[int],
        rng: random.Random,
        batch_size: int,
    ) -> dict[str, int]:
        run = uuid.uuid4().hex[:8]  # makes e-mails and references unique across runs
        now = timezone.now()
        applicants = max(1, count // 2)
        applicant_ids = self._add_applicants(run=run, count=applicants, now=now, batch_size=batch_size)
        # Riga's first division takes the largest share, as in life; the others share the rest evenly.
        unit_weights = [8 if code == "riga-1" else 1 for _, code in units]
        unit_ids = [pk for pk, _ in units]
        states, weights = zip(*STATE_MIX.items(), strict=True)

        def rows() -> Iterator[dict[str, Any]]:
            for index in range(count):
                state = rng.choices(states, weights)[0]
                user_offset = index % applicants  # every applicant gets one; some get two or more
                yield self._application(
                    index=index,
                    run=run,
                    state=state,
                    applicant_id=applicant_ids[user_offset],
                    unit_id=rng.choices(unit_ids, unit_weights)[0],
                    kind_id=rng.choice(kinds),
                    purpose_id=rng.choice(purposes),
                    now=now,
                    rng=rng,
                    passport=f"G{run[:4].upper()}{user_offset:07d}",
                )

        added = _insert(Application, rows(), batch_size=batch_size)
        return {"applicants": applicants, "applications": added}

    def _add_applicants(self, *, run: str, count: int, now: dt.datetime, batch_size: int) -> list[int]:
        """Applicants with no usable password (nobody signs in as them); returns their ids."""

        def rows() -> Iterator[dict[str, Any]]:
            for index in range(count):
                yield {
                    "email": f"generated-{run}-{index}@example.invalid",
                    "password": "!",  # unusable, like set_unusable_password()
                    "role": Role.APPLICANT,
                    "first_name": FIRST_NAMES[index % len(FIRST_NAMES)],
                    "last_name": LAST_NAMES[index % len(LAST_NAMES)],
                    "date_joined": now,
                    "email_verified_at": now,
                }

        _insert(User, rows(), batch_size=batch_size)
        # COPY (and bulk_create on SQLite) return no ids: read them back by this run's e-mails.
        return list(
            User.objects.filter(email__startswith=f"generated-{run}-")
            .order_by("pk")
            .values_list("pk", flat=True)
        )

    def _application(
        self,
        *,
        index: int,
        run: str,
        state: str,
        applicant_id: int,
        unit_id: int,
        kind_id: int,
        purpose_id: int,
        now: dt.datetime,
        rng: random.Random,
        passport: str,
    ) -> dict[str, Any]:
        open_case = state in (
            State.SUBMITTED,
            State.IN_REVIEW,
            State.AWAITING_APPLICANT,
            State.DECISION_PENDING,
        )
        draft = state in (State.DRAFT, State.EXPIRED)
        if open_case:
            paid_at = now - dt.timedelta(days=rng.uniform(0, OPEN_FOR_DAYS))
        elif draft or state == State.AWAITING_PAYMENT:
            paid_at = None
        else:
            paid_at = now - dt.timedelta(days=rng.uniform(OPEN_FOR_DAYS, HISTORY_DAYS))
        created_at = (paid_at or now - dt.timedelta(days=rng.uniform(0, HISTORY_DAYS))) - dt.timedelta(
            hours=rng.uniform(1, 72)
        )
        submitted = not draft
        row: dict[str, Any] = {
            "applicant_id": applicant_id,
            "kind_id": kind_id,
            "purpose_id": purpose_id,
            "state": state,
            "reference": f"G{run}-{index:08d}" if submitted else None,
            "unit_id": unit_id if submitted else None,
            "first_name": FIRST_NAMES[applicant_id % len(FIRST_NAMES)],
            "last_name": LAST_NAMES[applicant_id % len(LAST_NAMES)],
            "date_of_birth": dt.date(1960, 1, 1) + dt.timedelta(days=applicant_id % 15000),
            "nationality": NATIONALITIES[applicant_id % len(NATIONALITIES)],
            "passport_number": passport,
            "passport_valid_until": dt.date(2031, 1, 1),
            "purpose_description": "Generated for the benchmark.",
            "address_in_latvia": "Raiņa bulvāris 19, Rīga, LV-1586",
            "created_at": created_at,
            "updated_at": paid_at or created_at,
            "last_activity_at": paid_at or created_at,
            "submitted_at": created_at + dt.timedelta(minutes=20) if submitted else None,
            "paid_at": paid_at,
            "decision_due_on": timezone.localdate(paid_at) + dt.timedelta(days=PROCESSING_DAYS)
            if paid_at
            else None,
        }
        if state == State.AWAITING_APPLICANT:
            row["review_paused_on"] = timezone.localdate(now) - dt.timedelta(days=rng.randint(0, 20))
        if not open_case and paid_at:
            row["decided_at"] = paid_at + dt.timedelta(days=rng.uniform(5, PROCESSING_DAYS))
        if state in (State.WITHDRAWN, State.EXPIRED, State.ANNULLED, State.REFUSED, State.COLLECTED):
            row["closed_at"] = row.get("decided_at") or created_at + dt.timedelta(days=30)
        return row

"""The senior officer's figures for one unit: deadlines now, and how the last 12 weeks went.

Reads only. Every figure counts in working days of the Latvian calendar (``applications.calendar``) and in dates
of Europe/Riga (the project's time zone). The query count does not grow with the number of cases: the decided
cases of the 12 weeks and the unit's open cases are loaded with only the columns the figures need, the pauses
come from the timeline in one more query, and the calendar's exceptions in one.

- Processing days of a decided case: working days from the day the fee arrived (``paid_at``) to the day of the
  decision (``decided_at``), less the working days the case stood still waiting for the applicant (each
  ``information_provided`` event carries ``paused_working_days``).
- Decided within the deadline: the decision's date is on or before ``decision_due_on`` (which the pauses
  already moved on).
- Open cases: working days left to ``decision_due_on``; while a case waits for the applicant its deadline stands
  still, so its days left are those it had on the day it paused. Past the deadline: a breach; five working days
  or fewer left: a near-breach.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils import timezone

from applications.calendar import working_days_left
from applications.models import Application, ApplicationEvent
from applications.models.application import BACK_OFFICE_STATES
from decisions.selectors import PAUSED_ON

WEEKS = 12
NEAR_BREACH_DAYS = 5
State = Application.State


@dataclass(frozen=True)
class Week:
    monday: dt.date
    decided: int
    granted: int
    refused: int
    median_days: float | None  # working days, fee to decision, pauses left out; None: nothing decided
    within_deadline: int
    share_within_deadline: float | None  # per cent, one decimal; None: nothing decided with a deadline

    @property
    def sunday(self) -> dt.date:
        return self.monday + dt.timedelta(days=6)

    @property
    def label(self) -> str:
        year, number, _weekday = self.monday.isocalendar()
        return f"{year}-W{number:02d}"


@dataclass(frozen=True)
class OpenCase:
    pk: int
    reference: str
    state: str
    state_label: str
    officer: str
    decision_due_on: dt.date
    days_left: int  # negative: working days late
    paused: bool

    @property
    def days_late(self) -> int:
        return max(-self.days_left, 0)


@dataclass
class UnitStatistics:
    today: dt.date
    weeks: list[Week]
    breaches: list[OpenCase]
    near_breaches: list[OpenCase]
    by_state: list[tuple[str, str, int]]  # (state, label, count) for every back-office state
    open_without_deadline: int = 0
    totals: dict[str, float | int | None] = field(default_factory=dict)


def _local_date(moment: dt.datetime) -> dt.date:
    return timezone.localdate(moment)


def _week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _working_day_index(dates: set[dt.date], today: dt.date) -> dict[dt.date, int]:
    """A position for each date on the working-day line (one calendar query): the working days between two of
    the dates are the difference of their positions."""
    ordered = sorted(dates | {today})
    positions = working_days_left(today=ordered[0], dates=list(ordered))
    return dict(zip(ordered, positions, strict=True))


def _share(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def unit_statistics(*, unit_id: int | None, today: dt.date | None = None) -> UnitStatistics:
    """The figures of the senior officer's page for ``unit_id``, in four queries whatever the number of cases."""
    today = today or timezone.localdate()
    first_monday = _week_start(today) - dt.timedelta(weeks=WEEKS - 1)
    since = timezone.make_aware(dt.datetime.combine(first_monday, dt.time.min))

    # Officers always have a unit (a database constraint); still, ``unit_id=None`` must not match unplaced cases.
    units_cases = (
        Application.objects.filter(unit_id=unit_id) if unit_id is not None else Application.objects.none()
    )
    decided = list(
        units_cases.filter(decided_at__gte=since)
        .order_by()
        .values_list("pk", "state", "paid_at", "decided_at", "decision_due_on")
    )
    paused: dict[int, int] = defaultdict(int)
    for application_id, data in ApplicationEvent.objects.filter(
        application__in=units_cases.filter(decided_at__gte=since).values("pk"),
        kind=ApplicationEvent.Kind.INFORMATION_PROVIDED,
    ).values_list("application_id", "data"):
        days = data.get("paused_working_days") if isinstance(data, dict) else None
        if isinstance(days, int) and days > 0:
            paused[application_id] += days

    open_cases = list(
        units_cases.filter(state__in=BACK_OFFICE_STATES)
        .annotate(paused_on=PAUSED_ON)  # the day the deadline stopped, while waiting for the applicant
        .order_by("decision_due_on", "pk")
        .values_list(
            "pk",
            "reference",
            "state",
            "decision_due_on",
            "paused_on",
            "assigned_officer__first_name",
            "assigned_officer__last_name",
        )
    )

    dates: set[dt.date] = set()
    for _pk, _state, paid_at, decided_at, _due in decided:
        dates.add(_local_date(decided_at))
        if paid_at is not None:
            dates.add(_local_date(paid_at))
    for _pk, _ref, _state, due, paused_on, _first, _last in open_cases:
        if due is not None:
            dates.add(due)
            if paused_on is not None:
                dates.add(paused_on)
    position = _working_day_index(dates, today)  # the calendar's one query

    # --- the 12 weeks ---------------------------------------------------------------------------------------
    per_week: dict[dt.date, dict[str, list]] = {
        first_monday + dt.timedelta(weeks=n): {"days": [], "outcomes": [], "on_time": []}
        for n in range(WEEKS)
    }
    for pk, state, paid_at, decided_at, due in decided:
        decided_on = _local_date(decided_at)
        bucket = per_week.get(_week_start(decided_on))
        if bucket is None:  # decided after today (a clock moved back): not part of these weeks
            continue
        bucket["outcomes"].append(state == State.REFUSED)
        if paid_at is not None:
            worked = position[decided_on] - position[_local_date(paid_at)] - paused[pk]
            bucket["days"].append(max(worked, 0))
        if due is not None:
            bucket["on_time"].append(decided_on <= due)
    weeks = []
    for monday, bucket in per_week.items():
        refused = sum(bucket["outcomes"])
        on_time = sum(bucket["on_time"])
        weeks.append(
            Week(
                monday=monday,
                decided=len(bucket["outcomes"]),
                granted=len(bucket["outcomes"]) - refused,
                refused=refused,
                median_days=round(float(statistics.median(bucket["days"])), 1) if bucket["days"] else None,
                within_deadline=on_time,
                share_within_deadline=_share(on_time, len(bucket["on_time"])),
            )
        )

    # --- open cases now -------------------------------------------------------------------------------------
    counts = dict.fromkeys(BACK_OFFICE_STATES, 0)
    breaches: list[OpenCase] = []
    near: list[OpenCase] = []
    without_deadline = 0
    for pk, reference, state, due, paused_on, first, last in open_cases:
        counts[state] = counts.get(state, 0) + 1
        if due is None:
            without_deadline += 1
            continue
        is_paused = paused_on is not None
        # While paused the deadline stands still: the days left are those of the day the case paused.
        days_left = position[due] - position[paused_on if is_paused else today]
        if days_left > NEAR_BREACH_DAYS:
            continue
        case = OpenCase(
            pk=pk,
            reference=reference or "",
            state=state,
            state_label=str(State(state).label),
            officer=f"{first or ''} {last or ''}".strip(),
            decision_due_on=due,
            days_left=days_left,
            paused=is_paused,
        )
        (breaches if days_left < 0 else near).append(case)

    decided_total = sum(w.decided for w in weeks)
    with_deadline = sum(len(bucket["on_time"]) for bucket in per_week.values())
    on_time_total = sum(w.within_deadline for w in weeks)
    every_day = [d for bucket in per_week.values() for d in bucket["days"]]
    return UnitStatistics(
        today=today,
        weeks=weeks,
        breaches=sorted(breaches, key=lambda case: (case.days_left, case.pk)),
        near_breaches=sorted(near, key=lambda case: (case.days_left, case.pk)),
        by_state=[(state, str(State(state).label), counts[state]) for state in BACK_OFFICE_STATES],
        open_without_deadline=without_deadline,
        totals={
            "decided": decided_total,
            "median_days": round(float(statistics.median(every_day)), 1) if every_day else None,
            "share_within_deadline": _share(on_time_total, with_deadline),
        },
    )


ERROR_MONTHS = 12


@dataclass(frozen=True)
class MonthCount:
    month: dt.date  # the first day of the month
    count: int


def errors_by_month(*, unit_id: int | None, today: dt.date | None = None) -> list[MonthCount]:
    """Errors the unit recorded on its cases (``CaseError``) in each of the last 12 months, this month last,
    months without any included (one query). Months are those of Europe/Riga."""
    from django.db.models import Count
    from django.db.models.functions import TruncMonth

    from decisions.models import CaseError

    today = today or timezone.localdate()
    months = []
    year, month = today.year, today.month
    for _ in range(ERROR_MONTHS):
        months.append(dt.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    months.reverse()
    since = timezone.make_aware(dt.datetime.combine(months[0], dt.time.min))
    counts: dict[dt.date, int] = {}
    if unit_id is not None:
        rows = (
            CaseError.objects.filter(unit_id=unit_id, recorded_at__gte=since)
            .annotate(month=TruncMonth("recorded_at"))
            .values("month")
            .annotate(n=Count("id"))
            .order_by()
        )
        counts = {timezone.localdate(row["month"]).replace(day=1): row["n"] for row in rows}
    return [MonthCount(month=month, count=counts.get(month, 0)) for month in months]

"""Reads of the survey: the applicant's open invitations, one invitation, and a unit's anonymous results."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.db.models import Avg, Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.surveys.models import SurveyAnswer, SurveyInvitation
from eservice.exceptions import NotFoundError
from identity.models import User

RESULT_MONTHS = 12


def list_open_invitations(*, user: User) -> list[SurveyInvitation]:
    """The caller's unanswered invitations (the dashboard asks them), newest first: one query."""
    return list(
        SurveyInvitation.objects.filter(user=user, answered_on__isnull=True)
        .select_related("application")
        .order_by("-created_at", "-id")
    )


def get_invitation(*, user: User, token: uuid.UUID | str) -> SurveyInvitation:
    """The caller's own invitation; anyone else's (or none) is "not found"."""
    invitation = (
        SurveyInvitation.objects.select_related("application", "unit").filter(token=token, user=user).first()
    )
    if invitation is None:
        raise NotFoundError(_("There is no such survey."))
    return invitation


@dataclass(frozen=True)
class MonthResult:
    month: dt.date
    answers: int
    average: float | None
    after_decision: int
    after_visit: int
    by_rating: tuple[int, ...]  # how many answers gave 1, 2, 3, 4, 5

    @property
    def label(self) -> str:
        return f"{self.month:%Y-%m}"


def _months(*, today: dt.date, count: int) -> list[dt.date]:
    first = today.replace(day=1)
    months = []
    for _step in range(count):
        months.append(first)
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return list(reversed(months))


def list_unit_results(*, unit_id: int | None, today: dt.date | None = None) -> list[MonthResult]:
    """The unit's answers per month over the last ``RESULT_MONTHS`` months, oldest first: one query."""
    months = _months(today=today or timezone.localdate(), count=RESULT_MONTHS)
    rows = (
        SurveyAnswer.objects.filter(unit_id=unit_id, month__gte=months[0])
        .values("month")
        .annotate(
            answers=Count("pk"),
            average=Avg("rating"),
            after_decision=Count("pk", filter=Q(occasion="decision")),
            after_visit=Count("pk", filter=Q(occasion="visit")),
            **{f"r{n}": Count("pk", filter=Q(rating=n)) for n in range(1, 6)},
        )
        .order_by()
    )
    by_month = {row["month"]: row for row in rows}
    results = []
    for month in months:
        row = by_month.get(month)
        results.append(
            MonthResult(
                month=month,
                answers=row["answers"] if row else 0,
                average=round(float(row["average"]), 2) if row else None,
                after_decision=row["after_decision"] if row else 0,
                after_visit=row["after_visit"] if row else 0,
                by_rating=tuple(row[f"r{n}"] for n in range(1, 6)) if row else (0, 0, 0, 0, 0),
            )
        )
    return results


def list_unit_comments(*, unit_id: int | None, limit: int = 100) -> list[SurveyAnswer]:
    """The unit's comments, newest month first; an answer carries no name, so none can be shown."""
    return list(
        SurveyAnswer.objects.filter(unit_id=unit_id)
        .exclude(comment="")
        .only("month", "occasion", "rating", "comment")
        .order_by("-month", "rating")[:limit]
    )

"""Reads of the counter: the applications made at an officer's unit, one with everything its page shows."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from applications.models import ApplicationEvent, CounterSubmission
from eservice.exceptions import NotFoundError
from identity.models import User
from workers.models import GeneratedDocument
from workers.selectors import get_generated_document

COPY_KIND = "counter-copy"


def _at_unit(officer: User):  # type: ignore[no-untyped-def]
    if not officer.is_officer or officer.unit_id is None:
        return CounterSubmission.objects.none()
    return CounterSubmission.objects.filter(unit_id=officer.unit_id)


def list_counter_submissions(*, officer: User, limit: int = 20) -> list[CounterSubmission]:
    """The latest applications made at the officer's unit, newest first: one query."""
    return list(
        _at_unit(officer)
        .select_related("application__kind", "application__purpose", "checked_by")
        .order_by("-checked_at", "-id")[:limit]
    )


def get_counter_submission(*, officer: User, application_id: int) -> CounterSubmission:
    """One application made at the officer's unit, with its payments and timeline; another unit's: not found."""
    submission = (
        _at_unit(officer)
        .select_related(
            "application__kind", "application__purpose", "application__unit", "checked_by", "claimed_by"
        )
        .prefetch_related(
            "application__payments",
            Prefetch("application__events", queryset=ApplicationEvent.objects.order_by("created_at", "id")),
        )
        .filter(application_id=application_id)
        .first()
    )
    if submission is None:
        raise NotFoundError(_("There is no such counter application at your unit."))
    return submission


def get_counter_copy(submission: CounterSubmission) -> GeneratedDocument | None:
    return get_generated_document(owner=submission, kind=COPY_KIND)

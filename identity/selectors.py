"""Reads of identity data that pages and the API share."""

from __future__ import annotations

from django.db.models import QuerySet

from identity.models import StaffAccessLog, User


def list_access_log_about(*, applicant: User) -> QuerySet[StaffAccessLog]:
    """Every time staff opened this applicant's records, newest first (with the unit: one query)."""
    return (
        StaffAccessLog.objects.filter(applicant=applicant)
        .select_related("unit")
        .order_by("-accessed_at", "-id")
    )


def list_latest_access_about(*, applicant: User, limit: int = 5) -> list[StaffAccessLog]:
    """The newest ``limit`` times staff opened this applicant's records, for the dashboard: one query."""
    return list(list_access_log_about(applicant=applicant)[:limit])

"""Reads for the my data pages and API."""

from __future__ import annotations

from django.db.models import QuerySet

from identity.models import DataExport, User


def list_exports(*, user: User) -> QuerySet[DataExport]:
    """The caller's exports, newest first, with their archives: one query."""
    return (
        DataExport.objects.filter(user=user).select_related("document").order_by("-requested_at", "-id")[:20]
    )


def get_export(*, user: User, export_uuid) -> DataExport | None:
    return DataExport.objects.select_related("document").filter(user=user, uuid=export_uuid).first()

"""Reads of case messages: a case's thread, the back office's waiting messages, an attachment to download."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.calendar import working_days_left
from applications.case_messages.models import CaseMessage, CaseMessageAttachment
from applications.models import Application
from applications.models.application import may_act_on
from applications.selectors import accessible_applications
from eservice.exceptions import NotFoundError
from identity.models import User


def _thread():
    return CaseMessage.objects.select_related("author__unit").prefetch_related(
        Prefetch("attachments", queryset=CaseMessageAttachment.objects.order_by("id"))
    )


def list_thread(*, application: Application) -> list[CaseMessage]:
    """Every message on the case, oldest first, with authors and attachments: two queries."""
    return list(_thread().filter(application=application).order_by("created_at", "id"))


def get_message(*, message_id: int) -> CaseMessage:
    return _thread().get(pk=message_id)


def list_own_thread(*, user: User, application_id: int) -> list[CaseMessage]:
    """The thread of an application the caller may act on (theirs, or one they represent); anyone else's is
    "not found"."""
    application = accessible_applications(user).filter(pk=application_id).only("pk").first()
    if application is None:
        raise NotFoundError(_("There is no such application."))
    return list_thread(application=application)


@dataclass
class WaitingMessage:
    message: CaseMessage
    application: Application
    waited_working_days: int
    waited_hours: int


def waiting_messages(*, officer: User):
    """The applicants' messages nobody has answered yet on the cases the officer may open."""
    if not officer.is_officer:
        return CaseMessage.objects.none()
    return CaseMessage.objects.filter(
        Q(application__unit_id=officer.unit_id) | Q(application__assigned_officer_id=officer.pk),
        direction=CaseMessage.Direction.FROM_APPLICANT,
        answered_at__isnull=True,
    )


def list_waiting_messages(*, officer: User, mine: bool = False, limit: int = 200) -> list[WaitingMessage]:
    """Waiting messages, oldest first, with how long each has waited (working days under the Latvian
    calendar, and hours): one query for the messages, one for the calendar."""
    queryset = waiting_messages(officer=officer)
    if mine:
        queryset = queryset.filter(application__assigned_officer_id=officer.pk)
    messages = list(
        queryset.select_related("application__kind", "application__assigned_officer").order_by(
            "created_at", "id"
        )[:limit]
    )
    now = timezone.now()
    today = timezone.localdate(now)
    sent_on = [timezone.localdate(message.created_at) for message in messages]
    left = working_days_left(today=today, dates=sent_on) if messages else []
    return [
        WaitingMessage(
            message=message,
            application=message.application,
            waited_working_days=-(days or 0),
            waited_hours=int((now - message.created_at) / dt.timedelta(hours=1)),
        )
        for message, days in zip(messages, left, strict=True)
    ]


def count_waiting_messages(*, officer: User) -> int:
    return waiting_messages(officer=officer).count()


def get_attachment_for_download(
    *, user: User, application_id: int, attachment_id: int
) -> CaseMessageAttachment:
    """An attachment its case's applicant (or their representative), or an officer who may open the case, may
    download; else "not found"."""
    attachment = (
        CaseMessageAttachment.objects.select_related("message__application")
        .filter(pk=attachment_id, message__application_id=application_id)
        .first()
    )
    if attachment is None:
        raise NotFoundError(_("There is no such file."))
    application = attachment.message.application
    if not user.is_staff_member and may_act_on(application, user):
        return attachment
    if user.is_officer and (
        (application.unit_id is not None and application.unit_id == user.unit_id)
        or application.assigned_officer_id == user.pk
    ):
        return attachment  # the caller writes the staff access log
    raise NotFoundError(_("There is no such file."))

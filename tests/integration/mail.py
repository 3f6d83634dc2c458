"""Reading the outbox's e-mails back from the SMTP sink: deliver one notification, its plain text, and the
greeting and signature lines as the recipient's language writes them."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext

from workers.models import Notification
from workers.services import send_notification


def deliver(event: str) -> Notification:
    """Send the latest outbox notification of ``event`` through the real sender (and so to the sink)."""
    notification = Notification.objects.filter(event=event).latest("id")
    assert send_notification(notification_id=notification.pk).status == Notification.Status.SENT
    return notification


def plain_text(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def signature_lines(language: str, name: str) -> tuple[str, str, str]:
    """The greeting, the "Kind regards," line and the phone label in ``language``."""
    with translation.override(language):
        return gettext("Dear %(name)s,") % {"name": name}, gettext("Kind regards,"), gettext("Phone:")

"""What other apps call: ``notify`` (e-mail through the outbox), ``store_pdf``, ``absolute_url``."""

from workers.services.documents import delete_generated_document, store_file, store_pdf
from workers.services.notifications import (
    absolute_url,
    build_message,
    notify,
    requeue_notification,
    send_notification,
    sweep_notification_outbox,
)

__all__ = [
    "absolute_url",
    "build_message",
    "delete_generated_document",
    "notify",
    "requeue_notification",
    "send_notification",
    "store_file",
    "store_pdf",
    "sweep_notification_outbox",
]

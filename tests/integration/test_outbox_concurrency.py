"""Two workers handed the same outbox row at once (a duplicate delivery) send one e-mail. PostgreSQL row locks."""

from __future__ import annotations

import threading

import pytest
from django.core import mail
from django.db import connection

from tests.factories import UserFactory
from tests.services import require_postgres
from workers.models import Notification
from workers.services import notify, send_notification

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_concurrent_duplicate_deliveries_send_one_email(settings):
    require_postgres()
    settings.EMAIL_BACKEND = "tests.workers.backends.SlowBackend"
    notification = notify(
        recipient=UserFactory(), event="verify_email", context={"verification_url": "https://e.example/v"}
    )
    start = threading.Barrier(4)
    errors: list[BaseException] = []

    def deliver() -> None:
        try:
            start.wait()
            send_notification(notification_id=notification.pk)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert len(mail.outbox) == 1
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    assert notification.attempts == 1

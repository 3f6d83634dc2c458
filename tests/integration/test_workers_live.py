"""The outbox and the PDF queue against real services: Redis, a Celery worker process, an SMTP server.

The worker is a separate process, so it must see the test's rows: these tests commit (transaction=True) and need
PostgreSQL. Run locally with, e.g.:
DATABASE_URL=postgres://postgres@127.0.0.1:5432/eservice_workers CELERY_BROKER_URL=redis://127.0.0.1:6379/12 \
REQUIRE_SERVICES=1 pytest tests/integration/test_workers_live.py
"""

from __future__ import annotations

import io
from datetime import timedelta

import pypdf
import pytest
from django.db import transaction
from django.utils import timezone

from tests.factories import UserFactory
from tests.integration.live_workers import (
    SmtpSink,
    broker,
    free_port,
    queue_length,
    wait_for,
)
from tests.workers.sample_letter import render_sample_letter_task
from workers.models import GeneratedDocument, Notification
from workers.services import notify
from workers.services.notifications import NOT_QUEUED_AFTER
from workers.tasks.email import send_notification as send_notification_task
from workers.tasks.maintenance import sweep_notification_outbox as sweep_notification_outbox_task

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

VERIFY_URL = "https://eservice.example.lv/verify-email/?token=live"


@pytest.fixture
def smtp():
    sink = SmtpSink().start()
    yield sink
    sink.stop()


def _status(notification: Notification) -> Notification:
    notification.refresh_from_db()
    return notification


def _notify_in_a_transaction(recipient) -> Notification:
    with transaction.atomic():
        return notify(recipient=recipient, event="verify_email", context={"verification_url": VERIFY_URL})


def test_worker_consumes_the_task_and_delivers_to_real_smtp(start_worker, smtp):
    worker = start_worker(smtp_url=smtp.url)
    recipient = UserFactory(preferred_language="lv")

    notification = _notify_in_a_transaction(recipient)

    wait_for(lambda: smtp.messages, timeout=60, what="the e-mail at the SMTP server")
    wait_for(lambda: _status(notification).status == Notification.Status.SENT, what="the row marked sent")
    message = smtp.messages[0]
    assert message["To"] == recipient.email
    assert message["Subject"] == "Apstipriniet savu e-pasta adresi"
    assert message["Message-ID"] == notification.message_id
    assert VERIFY_URL in message.get_body(preferencelist=("plain",)).get_content()
    assert notification.attempts == 1
    assert "workers.tasks.email.send_notification[" in worker.log


def test_broker_down_at_commit_then_the_sweep_delivers(start_worker, smtp, redis_broker):
    recipient = UserFactory(preferred_language="en")
    with broker(f"redis://127.0.0.1:{free_port()}/0"):  # nothing listens there: publishing fails
        notification = _notify_in_a_transaction(recipient)  # the caller's commit still succeeds

    assert _status(notification).status == Notification.Status.PENDING
    assert queue_length(redis_broker, "email") == 0  # the send task really never reached the broker
    worker = start_worker(smtp_url=smtp.url)
    # Older than the grace for rows the broker never took, far younger than STUCK_AFTER (10 minutes): the next
    # sweep (every minute) queues it.
    Notification.objects.filter(pk=notification.pk).update(
        created_at=timezone.now() - NOT_QUEUED_AFTER - timedelta(seconds=1)
    )

    sweep_notification_outbox_task.delay()  # what beat runs every few minutes, through the real worker

    wait_for(lambda: smtp.messages, timeout=60, what="the swept e-mail at the SMTP server")
    wait_for(lambda: _status(notification).status == Notification.Status.SENT, what="the row marked sent")
    assert len(smtp.messages) == 1
    assert smtp.messages[0]["Subject"] == "Confirm your e-mail address"
    assert "workers.tasks.maintenance.sweep_notification_outbox" in worker.log


def test_smtp_down_is_retried_and_delivered_once_it_is_up(start_worker):
    sink = SmtpSink()  # its port is chosen but nothing listens yet
    worker = start_worker(smtp_url=sink.url)
    notification = _notify_in_a_transaction(UserFactory(preferred_language="ru"))

    wait_for(lambda: _status(notification).attempts >= 2, timeout=60, what="two failed attempts")
    assert notification.status in (Notification.Status.PENDING, Notification.Status.SENDING)
    assert "ConnectionRefusedError" in notification.last_error
    sink.start()
    try:
        wait_for(
            lambda: _status(notification).status == Notification.Status.SENT, timeout=90, what="delivery"
        )
        assert len(sink.messages) == 1
        assert " ".join(sink.messages[0]["Subject"].split()) == "Подтвердите адрес электронной почты"
        assert notification.attempts >= 3
        # A late copy of the send task (a retry scheduled while SMTP was down, or the broker delivering twice)
        # and the next sweep both find the row sent: still one e-mail.
        finished = worker.log.count("succeeded in")
        send_notification_task.delay(notification.pk)
        sweep_notification_outbox_task.delay()
        wait_for(lambda: worker.log.count("succeeded in") >= finished + 2, what="the late copy and the sweep")
        assert len(sink.messages) == 1
        assert _status(notification).status == Notification.Status.SENT
    finally:
        sink.stop()


def test_pdf_is_rendered_by_a_worker_of_the_pdf_queue(start_worker, smtp):
    start_worker(smtp_url=smtp.url, queues="pdf")  # only the pdf queue: proves the task is routed there
    user = UserFactory(first_name="Олена", last_name="Шевченко", preferred_language="ru")

    render_sample_letter_task.delay(user.pk)

    document = wait_for(
        lambda: GeneratedDocument.objects.filter(owner_id=user.pk, kind="sample-letter").first(),
        timeout=90,
        what="the rendered PDF",
    )
    content = document.file.open("rb").read()
    reader = pypdf.PdfReader(io.BytesIO(content))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert len(reader.pages) == 2
    assert "Pilsonības un migrācijas lietu pārvalde" in text
    assert "Олена Шевченко" in text
    assert document.size == len(content)


def test_sweep_releases_claims_of_dead_workers_on_postgresql(redis_broker):
    """The sweep's view of the outbox is exact on PostgreSQL (row locks with SKIP LOCKED)."""
    notification = _notify_in_a_transaction(UserFactory())
    Notification.objects.filter(pk=notification.pk).update(
        status=Notification.Status.SENDING, claimed_at=timezone.now() - timedelta(hours=1)
    )
    from workers.services import sweep_notification_outbox

    assert sweep_notification_outbox() == [notification.pk]
    assert _status(notification).status == Notification.Status.PENDING

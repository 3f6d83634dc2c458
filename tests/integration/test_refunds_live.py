"""Card refunds on real processes: the applicant pays by card on the built-in test gateway and withdraws, and a
Celery worker process (on a redis-server of the test's own, sharing the test's PostgreSQL database) gives the
money back through the provider, once, however often the refund task runs.

The unit tests of refunds (tests/payments/test_receipts_and_refunds.py) run the task eagerly; here nothing is
eager and nothing is mocked: the pages are requested with Django's test client in this process, every task
goes through the broker to the worker, and the e-mail reaches a real SMTP server.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from applications.models import Application, ApplicationEvent
from payments.models import Payment, ProviderCall, TestGatewayRecord
from payments.providers.test_gateway import CARD_SUCCEEDS
from payments.tasks import refund_card_payment as refund_card_payment_task
from payments.tasks import sweep_payments as sweep_payments_task
from tests.factories import ApplicationFactory, UserFactory
from tests.integration.live_workers import (
    SmtpSink,
    WorkerProcess,
    broker,
    database_url_for_subprocess,
    wait_for,
)
from workers.models import Notification

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _payment_status(payment_id: int) -> str:
    return Payment.objects.values_list("status", flat=True).get(pk=payment_id)


def _task_runs(log: str, task: str) -> int:
    """How many times the worker finished ``task`` without an error."""
    return len(re.findall(rf"Task {re.escape(task)}\[[^\]]+\] succeeded", log))


def test_withdrawing_a_card_paid_application_refunds_the_fee_once_through_a_real_worker(
    private_redis, client, settings, tmp_path
):
    """Proven on real processes:

    - the card payment made on the test gateway's page is confirmed by the worker (the gateway's webhook task);
    - the applicant's withdrawal (the page's POST) queues ``refund_card_payment``, which the worker runs: the
      payment is ``refunded`` for its full amount, one ledger row (``ProviderCall``) and one refund in the
      gateway's books carry the key ``refund:<payment id>``, the timeline has one "refunded" line, the payment
      page says "Refunded", and the applicant gets one e-mail about the refund at the SMTP server;
    - the same task delivered again, and the payments sweep (what beat runs every 15 minutes), change nothing:
      the provider is not asked again and no second e-mail is written.
    """
    broker_url = private_redis.url(0)
    smtp = SmtpSink().start()
    applicant = UserFactory(preferred_language="en")
    application = ApplicationFactory(applicant=applicant, awaiting_payment=True)
    client.force_login(applicant)
    # The pdf queue (the receipt) is left out: its PDF is not what this test is about, and it costs seconds.
    worker = WorkerProcess(
        env={
            "DJANGO_SETTINGS_MODULE": "eservice.settings.test",
            "DATABASE_URL": database_url_for_subprocess(),
            "CELERY_BROKER_URL": broker_url,
            "EMAIL_URL": smtp.url,
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "CONN_MAX_AGE": "0",
        },
        queues="default,email",
        log_path=tmp_path / "worker.log",
    )
    try:
        with broker(broker_url):
            worker.wait_ready(timeout=120)

            # The applicant pays by card: the test gateway's page takes the test card and queues its webhook.
            response = client.post(reverse("payments:pay", args=[application.pk]), {"method": "card"})
            assert response.status_code == 302, response.content
            response = client.post(
                response["Location"], {"card_number": CARD_SUCCEEDS, "expiry": "12/30", "cvc": "123"}
            )
            assert response.status_code == 302, response.content
            payment = Payment.objects.get(application=application, method=Payment.Method.CARD)
            wait_for(
                lambda: _payment_status(payment.pk) == Payment.Status.PAID,
                timeout=120,
                what="the worker to deliver the gateway's webhook and confirm the payment",
            )
            assert Application.objects.get(pk=application.pk).state == Application.State.SUBMITTED

            # The applicant withdraws on the application's page, before any officer took it for review.
            response = client.post(
                reverse("applications:withdraw", args=[application.pk]), {"reason": "Plans changed"}
            )
            assert response.status_code == 302
            assert Application.objects.get(pk=application.pk).state == Application.State.WITHDRAWN
            wait_for(
                lambda: _payment_status(payment.pk) == Payment.Status.REFUNDED,
                timeout=120,
                what="the worker to refund the card payment",
            )
            refund_notification = wait_for(
                lambda: Notification.objects.filter(
                    recipient=applicant, event="fee_refunded", status=Notification.Status.SENT
                ).first(),
                timeout=120,
                what="the refund e-mail marked sent",
            )

            # Again: a duplicate delivery of the task (acks_late, a retry) and the sweep of pending refunds.
            refund_card_payment_task.delay(payment.pk)
            sweep_payments_task.delay()
            wait_for(
                lambda: (
                    _task_runs(worker.log, "payments.tasks.refund_card_payment") >= 2
                    and _task_runs(worker.log, "payments.tasks.sweep_payments") >= 1
                ),
                timeout=120,
                what="the repeated refund task and the sweep to finish",
            )
    finally:
        worker.stop()
        smtp.stop()
        print(f"--- worker log\n{worker.log}")

    payment.refresh_from_db()
    assert payment.status == Payment.Status.REFUNDED
    assert payment.refund_amount_cents == payment.amount_cents > 0
    assert payment.closed_at is not None

    key = f"refund:{payment.pk}"
    (call,) = ProviderCall.objects.filter(payment=payment, operation=ProviderCall.Operation.REFUND)
    assert call.idempotency_key == key
    assert call.status == ProviderCall.Status.SUCCEEDED
    assert call.attempts == 1
    (gateway_refund,) = TestGatewayRecord.objects.filter(operation="refund")
    assert gateway_refund.idempotency_key == key
    assert gateway_refund.checkout_reference == payment.provider_reference
    assert gateway_refund.amount_cents == payment.amount_cents
    assert gateway_refund.requests == 1  # the repeated task and the sweep never asked the provider again
    assert "'card_refunds': 0" in worker.log  # the sweep found no refund left pending
    assert call.provider_reference == gateway_refund.reference

    (refunded_line,) = ApplicationEvent.objects.filter(
        application=application, kind=ApplicationEvent.Kind.PAYMENT_REFUNDED
    )
    assert refunded_line.data["refund_id"] == gateway_refund.reference
    assert Notification.objects.filter(recipient=applicant, event="fee_refunded").count() == 1

    page = client.get(reverse("payments:return", args=[payment.pk])).content.decode()
    assert 'data-status="refunded"' in page
    assert "This payment was refunded or is being refunded." in page

    reference = Application.objects.get(pk=application.pk).reference
    refund_mails = [
        m for m in smtp.messages if m["Subject"] == f"State fee for application {reference} refunded"
    ]
    assert len(refund_mails) == 1
    (mail,) = refund_mails
    assert mail["To"] == applicant.email
    assert mail["Message-ID"] == refund_notification.message_id
    body = " ".join(mail.get_body(preferencelist=("plain",)).get_content().split())
    assert f"The state fee of {payment.amount_display} for your withdrawn application {reference}" in body

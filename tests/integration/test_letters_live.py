"""The decision letter through a real worker: approve → the worker renders, seals and stores the letter, then sends
its e-mail itself after the commit (no second task), exactly once even when the render task is delivered twice,
and through the outbox's retries when the SMTP server is down at first.

Needs PostgreSQL and Redis (the worker is another process, so the test commits: transaction=True).
"""

from __future__ import annotations

import pytest

from applications.models import LegalGround
from decisions.models import DecisionLetter
from decisions.services import approve_decision, draft_decision
from decisions.tasks import render_decision_letter as render_decision_letter_task
from identity.models import TerritorialUnit
from tests.factories import ApplicationFactory, UserFactory
from tests.integration.live_workers import (
    SmtpSink,
    WorkerProcess,
    wait_for,
)
from workers.models import Notification

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _approve_a_refusal() -> DecisionLetter:
    unit = TerritorialUnit.objects.get(code="riga-1")
    officer = UserFactory(case_officer=True, unit=unit)
    senior = UserFactory(senior_officer=True, unit=unit)
    case = ApplicationFactory(
        applicant=UserFactory(applicant=True, preferred_language="lv"),
        in_review=True,
        unit=unit,
        assigned_officer=officer,
    )
    draft_decision(
        application_id=case.pk,
        officer=officer,
        outcome="refuse",
        legal_ground_ids=[LegalGround.objects.get(code="il-34-false-information").pk],
        reasoning="Darba līgumu darba devējs nav parakstījis.",
    )
    decision = approve_decision(application_id=case.pk, senior=senior)  # commits: the render task is queued
    return DecisionLetter.objects.get(decision=decision)


def _letter_mail() -> Notification | None:
    return Notification.objects.filter(event="decision_issued").first()


def _with_id(sink: SmtpSink, message_id: str) -> list:
    return [message for message in sink.messages if message["Message-ID"] == message_id]


def _finished(worker: WorkerProcess, task: str) -> int:
    return sum(1 for line in worker.log.splitlines() if f"{task}[" in line and " succeeded in " in line)


def test_the_letter_mail_is_sent_once_by_the_render_task_even_when_it_runs_twice(start_worker, smtp):
    worker = start_worker(smtp_url=smtp.url, conn_max_age="60")

    letter = _approve_a_refusal()

    wait_for(
        lambda: (_letter_mail() or Notification()).status == Notification.Status.SENT,
        timeout=90,
        what="the letter's e-mail sent",
    )
    notification = _letter_mail()
    wait_for(lambda: len(smtp.messages) >= 2, what="the survey invitation too")
    render_decision_letter_task.delay(letter.pk)  # a second delivery of the same task
    wait_for(
        lambda: _finished(worker, "decisions.tasks.render_decision_letter") == 2,
        what="the second run of the render task",
    )

    letter.refresh_from_db()
    notification.refresh_from_db()
    assert letter.is_ready
    assert notification.attempts == 1
    assert len(_with_id(smtp, notification.message_id)) == 1
    assert len(smtp.messages) == 2  # the letter's e-mail and the survey invitation, nothing twice
    # Only the survey invitation went through the send task: the letter's e-mail took no second broker hop.
    assert _finished(worker, "workers.tasks.email.send_notification") == 1


def test_smtp_down_at_first_the_letter_mail_is_retried_by_the_outbox_and_sent_once(start_worker):
    sink = SmtpSink()  # its port is chosen but nothing listens yet
    worker = start_worker(smtp_url=sink.url, conn_max_age="60")

    letter = _approve_a_refusal()

    wait_for(lambda: (_letter_mail() or Notification()).attempts >= 1, timeout=90, what="the first attempt")
    notification = _letter_mail()
    wait_for(lambda: "ConnectionRefusedError" in Notification.objects.get(pk=notification.pk).last_error)
    letter.refresh_from_db()
    assert letter.is_ready  # the failed send did not undo or fail the stored letter
    sink.start()
    try:
        wait_for(
            lambda: Notification.objects.get(pk=notification.pk).status == Notification.Status.SENT,
            timeout=90,
            what="delivery by the send task's retries",
        )
        notification.refresh_from_db()
        assert notification.attempts >= 2
        assert len(_with_id(sink, notification.message_id)) == 1
        assert "notification.send_here_failed" in worker.log
        assert _finished(worker, "decisions.tasks.render_decision_letter") == 1
    finally:
        sink.stop()

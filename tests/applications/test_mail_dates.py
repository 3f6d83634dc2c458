"""Issue 10, item 13: every date in an e-mail in one format per language (the Latvian way for lv)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from applications.services import send_draft_expiry_warnings
from tests.factories import ApplicationFactory, UserFactory

pytestmark = pytest.mark.django_db

EXPECTED = {
    "lv": "{d:%d}.{d:%m}.{d:%Y}.",
    "en": "{d.day} {month} {d:%Y}",
    "ru": "{d.day} {month_ru} {d:%Y} г.",
}
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]  # fmt: skip
MONTHS_RU = ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября",
             "ноября", "декабря"]  # fmt: skip


def written(day: dt.date, language: str) -> str:
    return EXPECTED[language].format(d=day, month=MONTHS[day.month - 1], month_ru=MONTHS_RU[day.month - 1])


@pytest.mark.parametrize("language", ["lv", "en", "ru"])
def test_submission_mail_writes_the_decision_date_in_the_recipients_format(
    client, attach_all, translated, celery_eager, django_capture_on_commit_callbacks, language
):
    applicant = UserFactory(applicant=True, preferred_language=language)
    application = ApplicationFactory(applicant=applicant, complete=True)
    attach_all(application)
    client.force_login(applicant)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/applications/{application.pk}/submit/", {"declaration": "on"})
    assert response.status_code == 302
    application.refresh_from_db()
    [message] = mail.outbox
    due = written(application.decision_due_on, language)
    assert due in message.body and due in message.alternatives[0][0]
    assert application.decision_due_on.isoformat() not in message.body


@pytest.mark.parametrize("language", ["lv", "en"])
def test_expiry_warning_uses_the_same_format(
    translated, celery_eager, django_capture_on_commit_callbacks, language, settings
):
    from django.utils import timezone

    applicant = UserFactory(applicant=True, preferred_language=language)
    old = timezone.now() - dt.timedelta(days=settings.APPLICATION_DRAFT_EXPIRY_DAYS - 5)
    ApplicationFactory(applicant=applicant, last_activity_at=old)
    with django_capture_on_commit_callbacks(execute=True):
        send_draft_expiry_warnings()
    [message] = mail.outbox
    expires = timezone.localdate(old) + dt.timedelta(days=settings.APPLICATION_DRAFT_EXPIRY_DAYS)
    assert written(expires, language) in message.subject
    assert written(expires, language) in message.body

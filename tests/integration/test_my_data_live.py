"""My data and renewal invitations against real services: a Celery worker process builds the archive, and both
e-mails are read back from a real SMTP server (greeting, signature, language). Needs PostgreSQL and Redis, e.g.:
DATABASE_URL=postgres://postgres@127.0.0.1:5432/eservice_mydata CELERY_BROKER_URL=redis://127.0.0.1:6379/10 \
REQUIRE_SERVICES=1 pytest tests/integration/test_my_data_live.py
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

import pytest
from django.test import Client
from django.utils import timezone

from decisions.models import Decision
from decisions.renewals import send_renewal_invitations
from identity.models import DataExport
from identity.mydata.services import request_data_export
from tests.factories import ApplicationDocumentFactory, ApplicationFactory, UserFactory
from tests.integration.live_workers import (
    SmtpSink,
    WorkerProcess,
    broker,
    database_url_for_subprocess,
    purge_queues,
    wait_for,
)
from tests.services import require_postgres, require_redis

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def smtp():
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def worker(settings, tmp_path, smtp):
    url = require_redis()
    require_postgres()
    purge_queues(url)
    with broker(url):
        env = {
            "DJANGO_SETTINGS_MODULE": "eservice.settings.test",
            "DATABASE_URL": database_url_for_subprocess(),
            "CELERY_BROKER_URL": url,
            "EMAIL_URL": smtp.url,
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "CONN_MAX_AGE": "0",
        }
        process = WorkerProcess(env=env, queues="default,email,pdf", log_path=tmp_path / "worker.log")
        process.wait_ready()
        yield process
        process.stop()
        print(f"--- worker\n{process.log}")  # shown when a test fails


def _plain(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")


def test_the_worker_builds_the_archive_and_the_mail_reaches_smtp(worker, smtp):
    person = UserFactory(applicant=True, preferred_language="en", first_name="Anna", last_name="Bērziņa")
    document = ApplicationDocumentFactory(application=ApplicationFactory(applicant=person, submitted=True))

    export, created = request_data_export(user=person)  # commits: the worker sees the row

    assert created
    wait_for(lambda: smtp.messages, timeout=90, what="the archive's e-mail at the SMTP server")
    message = smtp.messages[0]
    body = _plain(message)
    assert message["To"] == person.email
    assert message["Subject"] == "Your copy of your data is ready"
    assert body.startswith("Dear Anna Bērziņa,")
    assert f"/account/my-data/{export.uuid}/" in body
    assert "Kind regards,\nOffice of Citizenship and Migration Affairs" in body
    assert message["Content-Language"] == "en"

    export = DataExport.objects.get(pk=export.pk)  # (a protected state field cannot be refreshed in place)
    assert export.state == DataExport.State.READY
    client = Client()
    client.force_login(person)
    response = client.get(f"/account/my-data/{export.uuid}/")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    data = json.loads(archive.read("data.json"))
    assert [d["id"] for d in data["sections"]["documents"]] == [document.pk]
    assert "build_data_export" in worker.log


def test_the_renewal_invitation_reaches_smtp_in_latvian(worker, smtp):
    holder = UserFactory(applicant=True, preferred_language="lv", first_name="Anna", last_name="Bērziņa")
    permit = ApplicationFactory(applicant=holder, granted=True, decided_at=timezone.now())
    valid_to = timezone.localdate() + dt.timedelta(days=30)
    Decision.objects.create(
        application=permit,
        outcome="grant",
        reasoning="Studies.",
        valid_from=valid_to - dt.timedelta(days=365),
        valid_to=valid_to,
        state="issued",
        drafted_by=UserFactory(case_officer=True),
        issued_at=timezone.now(),
    )

    assert send_renewal_invitations() == [permit.pk]

    wait_for(lambda: smtp.messages, timeout=90, what="the invitation at the SMTP server")
    message = smtp.messages[0]
    body = _plain(message)
    assert message["To"] == holder.email
    # Rendered in Latvian (the greeting's wording is checked with compiled catalogues in test_renewals.py; this
    # process may run without compiled .mo files): the language header, the Latvian date format, the name.
    assert message["Content-Language"] == "lv"
    assert f"{valid_to:%d.%m.%Y}." in body
    assert "Anna Bērziņa" in body.splitlines()[0]  # the greeting names the holder
    assert "/applications/renew/" in body

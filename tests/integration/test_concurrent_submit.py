"""Two submits of one application at the same moment against PostgreSQL: exactly one wins."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from applications import services
from applications.models import Application
from eservice.exceptions import ConflictError
from tests.applications.conftest import attach_all  # noqa: F401 - fixture
from tests.services import require_postgres

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_two_concurrent_submits_exactly_one_wins(applicant, attach_all, monkeypatch):  # noqa: F811
    require_postgres()
    monkeypatch.setattr("applications.tasks.render_application_summary.delay", lambda pk: None)
    monkeypatch.setattr("workers.services.notifications.enqueue_notification", lambda pk: True)
    from tests.factories import ApplicationFactory

    application = ApplicationFactory(applicant=applicant, complete=True)
    attach_all(application)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def submit() -> None:
        try:
            barrier.wait(timeout=10)
            services.submit_application(application_id=application.pk, user=applicant, declaration=True)
            outcomes.append("won")
        except ConflictError:
            outcomes.append("conflict")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["conflict", "won"]
    assert Application.objects.get(pk=application.pk).state == "awaiting_payment"
    assert application.events.filter(kind="submitted").count() == 1

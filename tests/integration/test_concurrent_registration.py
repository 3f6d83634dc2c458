"""Two officers of the unit marking the same card at the same moment, through the real API on PostgreSQL: one
wins, the other gets the 409 with the case's new state; one timeline line, one e-mail."""

from __future__ import annotations

import pytest

from applications.models import Application
from tests.factories import RegistrationFactory, TerritorialUnitFactory, UserFactory
from tests.integration.test_concurrent_backoffice import post_at_once
from tests.services import require_postgres
from workers.models import Notification

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def no_broker(monkeypatch):
    monkeypatch.setattr("workers.services.notifications.enqueue_notification", lambda pk: True)


def test_two_officers_marking_the_card_produced_at_once_one_gets_409(bearer_client):
    require_postgres()
    unit = TerritorialUnitFactory(handles_residence_permits=True)
    registration = RegistrationFactory(
        application__unit=unit, application__state="card_in_production", paid=True
    )
    first, second = UserFactory(case_officer=True, unit=unit), UserFactory(case_officer=True, unit=unit)
    url = f"/api/v1/backoffice/cases/{registration.application_id}/registration/card-produced"

    responses = post_at_once([(bearer_client(first), url, None), (bearer_client(second), url, None)])

    assert sorted(response.status_code for response in responses) == [200, 409]
    loser = next(response for response in responses if response.status_code == 409)
    assert loser.json()["error"]["details"] == {
        "state": "ready_for_collection",
        "allowed_actions": ["hand_over_card"],
    }
    application = Application.objects.get(pk=registration.application_id)
    assert application.state == Application.State.READY_FOR_COLLECTION
    assert application.events.filter(kind="card_produced").count() == 1
    assert Notification.objects.filter(event="card_ready").count() == 1

"""Two officers acting on one case at the same moment, through the real API on PostgreSQL: exactly one wins.

Each request runs in its own thread with its own database connection; a barrier releases them together, so the
second one waits for the case's row lock and then finds the case already changed (409 with the error body).
"""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from applications.models import Application
from decisions import services
from decisions.models import Decision, DecisionLetter
from tests.decisions.conftest import officer, other_senior, refusal_ground, second_officer, senior, unit  # noqa: F401
from tests.factories import ApplicationFactory
from tests.services import require_postgres

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def no_broker(monkeypatch):
    """Nothing leaves for Redis: the letter task and the outbox e-mails are recorded, not queued."""
    queued: list[tuple] = []
    monkeypatch.setattr("decisions.services.enqueue_on_commit", lambda *args, **kw: queued.append(args))
    monkeypatch.setattr("workers.services.notifications.enqueue_notification", lambda pk: True)
    return queued


def post_at_once(requests: list[tuple]) -> list:
    """POST each (client, url, data) in its own thread, all released together; the responses in order."""
    barrier = threading.Barrier(len(requests))
    responses: list = [None] * len(requests)

    def run(index: int, client, url: str, data: dict | None) -> None:
        try:
            barrier.wait(timeout=10)
            responses[index] = client.post(url, data or {}, format="json")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index, *request)) for index, request in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert all(response is not None for response in responses), "a request did not finish"
    return responses


def test_two_officers_taking_the_same_case_at_once_one_gets_409(
    bearer_client,
    officer,  # noqa: F811
    second_officer,  # noqa: F811
    unit,  # noqa: F811
    applicant,
):
    require_postgres()
    case = ApplicationFactory(applicant=applicant, submitted=True, unit=unit)
    url = f"/api/v1/backoffice/cases/{case.pk}/take"

    responses = post_at_once(
        [(bearer_client(officer), url, None), (bearer_client(second_officer), url, None)]
    )

    assert sorted(response.status_code for response in responses) == [200, 409]
    winner_index = next(i for i, response in enumerate(responses) if response.status_code == 200)
    loser = responses[1 - winner_index]
    assert loser.json()["error"]["code"] == "conflict"
    assert loser.json()["error"]["message"] == "Another officer has already taken this case."
    case.refresh_from_db()
    assert case.state == Application.State.IN_REVIEW
    assert case.assigned_officer_id == (officer, second_officer)[winner_index].pk
    assert case.events.filter(kind="taken").count() == 1


@pytest.mark.parametrize("second_action", ["approve", "return"])
def test_two_senior_officers_deciding_at_once_one_gets_409(
    bearer_client,
    no_broker,
    officer,  # noqa: F811
    senior,  # noqa: F811
    other_senior,  # noqa: F811
    unit,  # noqa: F811
    refusal_ground,  # noqa: F811
    applicant,
    second_action,
):
    require_postgres()
    case = ApplicationFactory(applicant=applicant, in_review=True, unit=unit, assigned_officer=officer)
    services.draft_decision(
        application_id=case.pk,
        officer=officer,
        outcome=Decision.Outcome.REFUSE,
        legal_ground_ids=[refusal_ground.pk],
        reasoning="The employment contract was forged.",
    )
    base = f"/api/v1/backoffice/cases/{case.pk}/decision"
    second = (
        (bearer_client(other_senior), f"{base}/approve", None)
        if second_action == "approve"
        else (bearer_client(other_senior), f"{base}/return", {"comment": "Hear the applicant first."})
    )

    responses = post_at_once([(bearer_client(senior), f"{base}/approve", None), second])

    assert sorted(response.status_code for response in responses) == [200, 409]
    loser = next(response for response in responses if response.status_code == 409)
    assert loser.json()["error"]["code"] == "conflict"
    assert loser.json()["error"]["details"]["state"] in ("refused", "in_review")
    decision = Decision.objects.get(application=case)  # still exactly one decision row
    case.refresh_from_db()
    if decision.state == Decision.State.ISSUED:
        assert case.state == Application.State.REFUSED
        assert DecisionLetter.objects.filter(decision=decision).count() == 1
        assert no_broker == [("decisions.tasks.render_decision_letter", decision.letter.pk)]
        assert case.events.filter(kind="refused").count() == 1
    else:  # the return won: nothing was issued
        assert decision.state == Decision.State.RETURNED and second_action == "return"
        assert case.state == Application.State.IN_REVIEW
        assert not DecisionLetter.objects.exists() and no_broker == []

"""The queue's totals are read from the counts the database keeps (applications.QueueCount): they follow a case
through every step of the real services, and the API's ``count`` is the number of rows a client pages through."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from applications.models import Application
from applications.models.application import BACK_OFFICE_STATES
from applications.services import review, submit_application, withdraw_application
from decisions import selectors, services
from payments.services.payments import confirm_payment, start_payment
from tests.applications.conftest import attach_all  # noqa: F401 - fixture
from tests.factories import ApplicationFactory, TerritorialUnitFactory, UserFactory

pytestmark = pytest.mark.django_db
State = Application.State
QUEUE = "/api/v1/backoffice/cases"


def counted_by_state(officer) -> dict[str, int]:
    """A real count of the rows ``list_queue`` gives, by state."""
    counts = dict.fromkeys(BACK_OFFICE_STATES, 0)
    rows = selectors.list_queue(officer=officer).values_list("state").annotate(n=Count("id")).order_by()
    counts.update(dict(rows))
    return counts


def assert_queue(officer, **expected: int) -> None:
    kept = selectors.count_queue_by_state(officer=officer)
    assert kept == counted_by_state(officer)
    assert {state: n for state, n in kept.items() if n} == expected


def test_the_counts_follow_cases_through_the_services(
    applicant,
    unit,
    officer,
    senior,
    refusal_ground,
    grant_ground,
    attach_all,  # noqa: F811
):
    draft = ApplicationFactory(applicant=applicant, complete=True, unit=unit)
    attach_all(draft)
    submit_application(application_id=draft.pk, user=applicant, declaration=True)
    assert_queue(officer)  # awaiting payment: not the Office's yet

    confirm_payment(
        payment_id=start_payment(application_id=draft.pk, user=applicant, method="card").payment.pk
    )
    assert_queue(officer, submitted=1)
    review.take_case(application_id=draft.pk, officer=officer)
    assert_queue(officer, in_review=1)
    request = services.request_information(
        application_id=draft.pk, officer=officer, message="Send the contract.", other_items="contract"
    )
    assert_queue(officer, awaiting_applicant=1)
    services.answer_information_request(application_id=draft.pk, request_id=request.pk, applicant=applicant)
    assert_queue(officer, in_review=1)
    refusal = {
        "outcome": "refuse",
        "legal_ground_ids": [refusal_ground.pk],
        "reasoning": "False information.",
    }
    services.draft_decision(application_id=draft.pk, officer=officer, **refusal)
    assert_queue(officer, decision_pending=1)
    services.return_decision(application_id=draft.pk, senior=senior, comment="Check art. 34.")
    assert_queue(officer, in_review=1)
    services.draft_decision(application_id=draft.pk, officer=officer, **refusal)
    services.approve_decision(application_id=draft.pk, senior=senior)
    assert_queue(officer)  # refused

    with transaction.atomic():  # overturned on a complaint: in review again
        review.reopen_after_complaint(
            application=Application.objects.select_for_update().get(pk=draft.pk),
            senior=senior,
            reason="Overturned.",
            data={},
        )
    assert_queue(officer, in_review=1)

    granted = ApplicationFactory(applicant=applicant, in_review=True, unit=unit, assigned_officer=officer)
    assert_queue(officer, in_review=2)
    start = timezone.localdate() + dt.timedelta(days=10)
    services.draft_decision(
        application_id=granted.pk,
        officer=officer,
        outcome="grant",
        legal_ground_ids=[grant_ground.pk],
        reasoning="All conditions are met.",
        valid_from=start,
        valid_to=start + dt.timedelta(days=365),
    )
    assert_queue(officer, in_review=1)  # granted at once

    withdrawn = ApplicationFactory(applicant=applicant, submitted=True, unit=unit)
    assert_queue(officer, submitted=1, in_review=1)
    review.take_case(application_id=withdrawn.pk, officer=officer)
    assert_queue(officer, in_review=2)
    withdraw_application(application_id=withdrawn.pk, user=applicant)
    assert_queue(officer, in_review=1)


def test_the_counts_are_the_units_own(officer, unit):
    ApplicationFactory(submitted=True, unit=unit)
    ApplicationFactory(submitted=True, unit=TerritorialUnitFactory())
    ApplicationFactory(in_review=True, unit=TerritorialUnitFactory(), assigned_officer=officer)  # "Mine" only

    assert_queue(officer, submitted=1)
    assert selectors.count_queue(officer=officer) == 1
    assert selectors.count_queue(officer=officer, state=State.IN_REVIEW) == 0


def test_nobody_but_an_officer_has_a_queue(applicant):
    assert selectors.count_queue_by_state(officer=applicant) == dict.fromkeys(BACK_OFFICE_STATES, 0)
    assert selectors.count_queue(officer=applicant) == 0


def test_the_counts_are_one_query(officer, unit, django_assert_num_queries):
    ApplicationFactory(submitted=True, unit=unit)
    with django_assert_num_queries(1):
        selectors.count_queue_by_state(officer=officer)
    with django_assert_num_queries(1):
        selectors.count_queue(officer=officer, state=State.SUBMITTED)


# --- the API ------------------------------------------------------------------------------------------------
@pytest.fixture
def officer_api(bearer_client, officer):
    return bearer_client(officer)


@pytest.fixture
def queue(unit, officer):
    """Eleven open cases of the unit in every back-office state, some the officer's, one with no deadline;
    around them cases the unit's queue must not show."""
    today = timezone.localdate()
    for n in range(11):
        ApplicationFactory(
            state=BACK_OFFICE_STATES[n % 4],
            complete=True,
            unit=unit,
            assigned_officer=officer if n % 3 == 0 else None,
            decision_due_on=None if n == 5 else today + dt.timedelta(days=n - 4),
        )
    ApplicationFactory(granted=True, unit=unit)
    ApplicationFactory(complete=True, unit=unit)  # a draft
    ApplicationFactory(submitted=True, unit=TerritorialUnitFactory())
    ApplicationFactory(in_review=True, unit=TerritorialUnitFactory(), assigned_officer=officer)


def paged_through(client, query: str) -> tuple[int, list[int]]:
    """The first page's ``count``, and every row's id, following ``next`` three rows at a time."""
    response = client.get(f"{QUEUE}?limit=3{query}")
    assert response.status_code == 200
    body = response.json()
    count, ids = body["count"], []
    while True:
        assert body["count"] == count
        ids += [row["id"] for row in body["results"]]
        if not body["next"]:
            return count, ids
        body = client.get(body["next"]).json()


@pytest.mark.parametrize(
    "query",
    [
        "",
        "&state=submitted",
        "&state=decision_pending",
        "&state=",
        "&officer=me",
        "&officer=none",
        "&state=in_review&officer=none",
        "&deadline=breached",
        "&kind=first_trp",
        "&purpose=studies",
    ],
)
def test_the_count_is_the_number_of_rows_a_client_pages_through(officer_api, queue, query):
    count, ids = paged_through(officer_api, query)

    assert count == len(ids) == len(set(ids)) > 0


def test_the_unit_queue_total_comes_from_the_kept_counts(officer_api, queue, unit, monkeypatch):
    """Whole unit or one state: the kept counts, not a count of the rows. Proven by making them disagree."""
    from applications.models import QueueCount

    QueueCount.objects.filter(unit=unit, state=State.SUBMITTED).update(n=1000)

    assert officer_api.get(QUEUE).json()["count"] == 1000 + 8
    assert officer_api.get(f"{QUEUE}?state=submitted").json()["count"] == 1000
    assert officer_api.get(f"{QUEUE}?state=in_review").json()["count"] == 3
    assert officer_api.get(f"{QUEUE}?offset=4611686018427387904").json()["count"] == 1008  # past any table
    assert officer_api.get(f"{QUEUE}?offset=500").json()["count"] == 1008  # past the rows: no row to carry it
    assert officer_api.get(f"{QUEUE}?state=submitted&officer=none").json()["count"] == 2  # counted
    assert officer_api.get(f"{QUEUE}?officer=me").json()["count"] == 5  # counted


def test_the_queue_api_makes_the_same_queries_however_long_the_queue(
    officer_api, unit, django_assert_max_num_queries
):
    ApplicationFactory(submitted=True, unit=unit, decision_due_on=timezone.localdate())
    officer_api.get(QUEUE)
    for query in ("", "?state=submitted", "?officer=none"):
        with django_assert_max_num_queries(20) as few:
            officer_api.get(f"{QUEUE}{query}")
        for _ in range(5):
            ApplicationFactory(in_review=True, unit=unit, decision_due_on=timezone.localdate())
            ApplicationFactory(submitted=True, unit=unit, decision_due_on=timezone.localdate())
        with django_assert_max_num_queries(len(few.captured_queries)):
            officer_api.get(f"{QUEUE}{query}")


def test_the_unit_queue_reads_its_total_instead_of_counting_the_cases(officer_api, queue):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert officer_api.get(QUEUE).status_code == 200
    on_cases = [q["sql"] for q in queries.captured_queries if '"applications_application"' in q["sql"]]
    assert len(on_cases) == 1 and "COUNT(" not in on_cases[0].upper()
    assert any("applications_queuecount" in q["sql"] for q in queries.captured_queries)


# --- the page -----------------------------------------------------------------------------------------------
def test_the_page_pages_one_state_by_its_kept_count(staff_client_for, officer, unit):
    from decisions import views_backoffice

    for n in range(5):
        ApplicationFactory(submitted=True, unit=unit, decision_due_on=timezone.localdate() + dt.timedelta(n))
    ApplicationFactory(in_review=True, unit=unit)
    client = staff_client_for(officer)
    url = reverse("decisions:backoffice-queue")
    page_size = views_backoffice.PAGE_SIZE
    views_backoffice.PAGE_SIZE = 2
    try:
        submitted = client.get(url, {"state": "submitted", "page": 3}).content.decode()
        everything = client.get(url, {"page": 3}).content.decode()
        unassigned = client.get(url, {"state": "submitted", "officer": "none"}).content.decode()
    finally:
        views_backoffice.PAGE_SIZE = page_size

    assert "Page 3 of 3" in submitted and "Page 4 of 4" not in everything and "Page 3 of 3" in everything
    assert "Page 1 of 3" in unassigned


def test_the_page_takes_its_totals_from_the_kept_counts(staff_client_for, officer, unit):
    """Proven by making them disagree: the pages follow the kept counts; a narrower filter counts its rows."""
    from applications.models import QueueCount
    from decisions import views_backoffice

    for n in range(3):
        ApplicationFactory(submitted=True, unit=unit, decision_due_on=timezone.localdate() + dt.timedelta(n))
    QueueCount.objects.filter(unit=unit, state=State.SUBMITTED).update(n=9)
    client = staff_client_for(officer)
    url = reverse("decisions:backoffice-queue")
    page_size = views_backoffice.PAGE_SIZE
    views_backoffice.PAGE_SIZE = 2
    try:
        everything = client.get(url).content.decode()
        submitted = client.get(url, {"state": "submitted"}).content.decode()
        unassigned = client.get(url, {"state": "submitted", "officer": "none"}).content.decode()
    finally:
        views_backoffice.PAGE_SIZE = page_size

    assert "Page 1 of 5" in everything and "Page 1 of 5" in submitted
    assert "Page 1 of 2" in unassigned


def test_other_units_officers_are_unaffected(bearer_client, queue):
    outsider = UserFactory(case_officer=True)

    assert bearer_client(outsider).get(QUEUE).json()["count"] == 0

"""Errors and apologies (issue 13, section 2): a senior officer records an error on a case; the applicant is
e-mailed the error, the correction and an apology; the timeline shows it; the unit's statistics count errors per
month; a wrong decision is replaced by a corrected one with a new letter and code, and /verify/ of the old code
says the letter was replaced."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from applications.models import ApplicationEvent
from decisions import complaints, seal, services, verification
from decisions.models import CaseError, Decision, DecisionLetter
from decisions.statistics import errors_by_month
from tests.factories import ApplicationFactory
from workers.models import Notification
from workers.services.notifications import build_message

pytestmark = pytest.mark.django_db

WRONG = "The end date of the permit was typed as 2026 instead of 2027."
FIX = "The permit is valid until 30 November 2027."
DONE = "The decision is corrected and a new letter issued; the old letter is no longer valid."


@pytest.fixture
def grant(case_in_review, officer, grant_ground) -> Decision:
    applicant = case_in_review.applicant
    applicant.preferred_language = "en"
    applicant.save(update_fields=["preferred_language"])
    decision = services.draft_decision(
        application_id=case_in_review.pk,
        officer=officer,
        outcome="grant",
        legal_ground_ids=[grant_ground.pk],
        reasoning="All requirements are met.",
        valid_from=dt.date(2026, 12, 1),
        valid_to=dt.date(2026, 11, 30) + dt.timedelta(days=1),
    )
    assert decision.state == Decision.State.ISSUED
    return decision


@pytest.fixture
def senior_client(staff_client_for, senior):
    return staff_client_for(senior)


def _record(client, application_id: int, **extra):
    return client.post(
        reverse("decisions:backoffice-action", args=[application_id, "record-error"]),
        {"what_was_wrong": WRONG, "correction": FIX, "what_is_done": DONE, **extra},
    )


def test_recording_an_error_apologises_by_mail_and_shows_on_the_timeline(
    senior_client, senior, grant, client
):
    application = grant.application
    case_page = senior_client.get(reverse("decisions:backoffice-case", args=[application.pk]))
    assert "Record an error and apologise" in case_page.content.decode()

    response = _record(senior_client, application.pk)

    assert response.status_code == 302
    case_page = senior_client.get(
        reverse("decisions:backoffice-case", args=[application.pk])
    ).content.decode()
    assert "Errors recorded" in case_page and WRONG in case_page
    record = CaseError.objects.get()
    assert (record.what_was_wrong, record.correction, record.what_is_done) == (WRONG, FIX, DONE)
    assert record.unit == application.unit and record.recorded_by == senior
    grant.refresh_from_db()
    assert grant.state == Decision.State.ISSUED  # only the mail and the record: the decision stands
    message = build_message(Notification.objects.get(event="error_apology"))
    assert "we apologise" in message.subject
    assert message.body.startswith(f"Dear {application.applicant.get_full_name()},")
    assert "we apologise for it" in message.body
    assert WRONG in message.body and FIX in message.body and DONE in message.body
    signature = message.body.split("Kind regards,")[1]
    for line in (senior.get_full_name(), senior.position, senior.unit.name, senior.work_phone):
        assert line in signature
    assert message.extra_headers["Content-Language"] == "en"

    client.force_login(application.applicant)
    page = client.get(reverse("applications:detail", args=[application.pk])).content.decode()
    assert "The Office corrected an error and apologises" in page and WRONG in page


def test_the_apology_in_latvian(senior, grant, translated):
    applicant = grant.application.applicant
    applicant.preferred_language = "lv"
    applicant.save(update_fields=["preferred_language"])
    complaints.record_case_error(
        application_id=grant.application_id,
        senior=senior,
        what_was_wrong=WRONG,
        what_is_done=DONE,
        correction=FIX,
    )
    message = build_message(Notification.objects.get(event="error_apology"))
    assert message.extra_headers["Content-Language"] == "lv"
    signature = message.body.split("Ar cieņu,")[1]
    assert senior.get_full_name() in signature and "Tālrunis" in signature


def test_a_wrong_decision_is_replaced_with_a_new_letter_and_the_old_code_says_so(
    senior_client, senior, grant, client
):
    seal._signer.cache_clear()
    old_letter = services.render_decision_letter(letter_id=grant.letter.pk)
    old_url = reverse("decisions:verify", args=[verification.display(old_letter.verification_code)])
    assert "This letter was issued by the Office" in client.get(old_url).content.decode()

    response = _record(
        senior_client,
        grant.application_id,
        correct_decision="on",
        valid_to="2027-11-30",
        reasoning="All requirements are met; the permit runs for a year.",
    )

    assert response.status_code == 302
    grant.refresh_from_db()
    new = grant.replaced_by
    assert grant.state == Decision.State.REPLACED and grant.ended_at is not None
    assert new.state == Decision.State.ISSUED and new.valid_to == dt.date(2027, 11, 30)
    assert new.valid_from == grant.valid_from and new.outcome == grant.outcome
    assert list(new.legal_grounds.all()) == list(grant.legal_grounds.all())
    assert CaseError.objects.get().corrected_decision == new
    new_letter = DecisionLetter.objects.get(decision=new)
    assert new_letter.verification_code != old_letter.verification_code
    new_letter = services.render_decision_letter(letter_id=new_letter.pk)
    assert ApplicationEvent.objects.filter(
        application=grant.application, kind=ApplicationEvent.Kind.DECISION_CORRECTED
    ).exists()

    replaced = client.get(old_url)
    html = replaced.content.decode()
    assert replaced.status_code == 200
    assert "This letter was replaced" in html and "no longer valid" in html
    assert "This letter was issued by the Office" not in html and "Genuine letter" not in html
    assert grant.ended_at.strftime("%Y") in html
    fresh = client.get(reverse("decisions:verify", args=[verification.display(new_letter.verification_code)]))
    assert "This letter was issued by the Office" in fresh.content.decode()
    message = build_message(Notification.objects.get(event="error_apology"))
    assert "new verification code" in message.body

    client.force_login(grant.application.applicant)
    letter = client.get(reverse("decisions:letter", args=[grant.application_id]))
    assert letter.status_code == 200  # the applicant's download is the corrected letter
    assert b"".join(letter.streaming_content) == new_letter.document.file.open("rb").read()


def test_a_case_officer_may_not_record_an_error(staff_client_for, officer, grant):
    response = _record(staff_client_for(officer), grant.application_id)
    assert response.status_code == 403
    assert not CaseError.objects.exists() and not Notification.objects.filter(event="error_apology").exists()


def test_a_senior_of_another_unit_gets_not_found(staff_client_for, grant):
    from tests.factories import UserFactory

    response = _record(staff_client_for(UserFactory(senior_officer=True)), grant.application_id)
    assert response.status_code == 404
    assert not CaseError.objects.exists()


def test_an_incomplete_record_is_a_form_error_and_changes_nothing(senior_client, grant):
    response = _record(senior_client, grant.application_id, correction="")
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()
    assert not CaseError.objects.exists() and not Notification.objects.filter(event="error_apology").exists()


def test_correcting_a_decision_that_is_not_there_is_a_conflict(senior, case_in_review):
    with pytest.raises(complaints.ConflictError):
        complaints.record_case_error(
            application_id=case_in_review.pk,
            senior=senior,
            what_was_wrong=WRONG,
            what_is_done=DONE,
            correction=FIX,
            corrected_decision=complaints.DecisionCorrection(reasoning="x"),
        )
    assert not CaseError.objects.exists()


def test_statistics_count_errors_per_month(staff_client_for, senior, unit, applicant):
    case = ApplicationFactory(applicant=applicant, in_review=True, unit=unit)
    other_unit_case = ApplicationFactory(in_review=True)
    for moment in (dt.datetime(2026, 9, 3, 9, tzinfo=dt.UTC), dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC)):
        with time_machine.travel(moment, tick=False):
            complaints.record_case_error(
                application_id=case.pk, senior=senior, what_was_wrong=WRONG, what_is_done=DONE, correction=FIX
            )
    with time_machine.travel(
        dt.datetime(2026, 11, 30, 22, 30, tzinfo=dt.UTC), tick=False
    ):  # 00:30 on 1 Dec in Riga
        complaints.record_case_error(
            application_id=case.pk, senior=senior, what_was_wrong=WRONG, what_is_done=DONE, correction=FIX
        )
    CaseError.objects.create(
        application=other_unit_case,
        recorded_by=senior,
        unit=other_unit_case.unit,
        what_was_wrong="x",
        what_is_done="y",
        correction="z",
    )

    rows = errors_by_month(unit_id=unit.pk, today=dt.date(2026, 12, 5))
    assert len(rows) == 12 and rows[0].month == dt.date(2026, 1, 1) and rows[-1].month == dt.date(2026, 12, 1)
    counts = {row.month: row.count for row in rows}
    assert counts[dt.date(2026, 9, 1)] == 1 and counts[dt.date(2026, 11, 1)] == 1
    assert counts[dt.date(2026, 12, 1)] == 1 and sum(counts.values()) == 3

    page = staff_client_for(senior).get(reverse("decisions:backoffice-statistics"))
    assert page.status_code == 200 and 'id="errors-by-month"' in page.content.decode()

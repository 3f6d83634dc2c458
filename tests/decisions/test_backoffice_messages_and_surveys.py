"""The back office's side of messages and of the satisfaction survey, through real URLs and sessions."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from applications.case_messages import services as message_services
from applications.models import CaseMessage, SurveyAnswer, SurveyInvitation
from applications.surveys import services as survey_services
from decisions import seal, services
from decisions.models import DecisionLetter
from tests.factories import ApplicationFactory, UserFactory
from workers.models import Notification

pytestmark = pytest.mark.django_db

RIGA = dt.timezone(dt.timedelta(hours=2))


@pytest.fixture
def officer_client(staff_client_for, officer):
    return staff_client_for(officer)


@pytest.fixture
def senior_client(staff_client_for, senior):
    return staff_client_for(senior)


# --- messages -----------------------------------------------------------------------------------------------
def test_the_case_page_shows_the_thread_and_the_officer_answers_from_it(
    officer_client, case_in_review, officer, applicant
):
    message_services.send_message(
        application_id=case_in_review.pk, user=applicant, body="Is anything missing?"
    )
    url = reverse("decisions:backoffice-case", args=[case_in_review.pk])

    page = officer_client.get(url).content.decode()
    assert "Is anything missing?" in page and "waiting for an answer" in page

    response = officer_client.post(
        reverse("decisions:backoffice-action", args=[case_in_review.pk, "reply"]),
        {"body": "Nothing is missing."},
    )
    assert response.status_code == 302
    assert not CaseMessage.objects.filter(direction="applicant", answered_at__isnull=True).exists()
    answer = CaseMessage.objects.get(direction="office")
    assert answer.author == officer and answer.body == "Nothing is missing."
    mail = Notification.objects.get(event="case_message_answered")
    assert mail.recipient == applicant and mail.actor == officer
    assert "Nothing is missing." in officer_client.get(url).content.decode()


def test_an_empty_answer_is_a_form_error_and_sends_nothing(officer_client, case_in_review, applicant):
    message_services.send_message(application_id=case_in_review.pk, user=applicant, body="Hello?")
    response = officer_client.post(
        reverse("decisions:backoffice-action", args=[case_in_review.pk, "reply"]), {"body": ""}
    )
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()
    assert not CaseMessage.objects.filter(direction="office").exists()
    assert not Notification.objects.filter(event="case_message_answered").exists()


def test_an_officer_of_another_unit_cannot_answer(staff_client_for, foreign_officer, case_in_review):
    response = staff_client_for(foreign_officer).post(
        reverse("decisions:backoffice-action", args=[case_in_review.pk, "reply"]), {"body": "Hi"}
    )
    assert response.status_code == 404
    assert not CaseMessage.objects.exists()


def test_messages_waiting_oldest_first_with_working_days_waited(officer_client, unit, officer, applicant):
    older = ApplicationFactory(applicant=applicant, in_review=True, unit=unit, assigned_officer=officer)
    newer = ApplicationFactory(applicant=applicant, submitted=True, unit=unit)
    answered = ApplicationFactory(applicant=applicant, in_review=True, unit=unit, assigned_officer=officer)
    elsewhere = ApplicationFactory(applicant=applicant, submitted=True)  # another unit
    # Friday 20 November 2026, then Wednesday 25 November: 3 and 0 working days before Wednesday afternoon.
    with time_machine.travel(dt.datetime(2026, 11, 20, 10, tzinfo=RIGA)):
        message_services.send_message(application_id=older.pk, user=applicant, body="First question")
        message_services.send_message(application_id=answered.pk, user=applicant, body="Answered one")
        message_services.answer_messages(application_id=answered.pk, officer=officer, body="Done")
        message_services.send_message(application_id=elsewhere.pk, user=applicant, body="Not ours")
    with time_machine.travel(dt.datetime(2026, 11, 25, 9, tzinfo=RIGA)):
        message_services.send_message(application_id=newer.pk, user=applicant, body="Second question")

    with time_machine.travel(dt.datetime(2026, 11, 25, 14, tzinfo=RIGA)):
        page = officer_client.get(reverse("decisions:backoffice-messages")).content.decode()
        queue = officer_client.get(reverse("decisions:backoffice-queue")).content.decode()

    rows = re.findall(r"<tr>(.*?)</tr>", page.split("<tbody>")[1], re.S)
    assert [older.reference in rows[0], newer.reference in rows[1]] == [True, True]
    assert len(rows) == 2 and "Not ours" not in page and "Answered one" not in page
    assert "3 working days" in rows[0] and "5 hours" in rows[1]
    assert "Nobody yet (the unit's queue)" in rows[1]
    assert "2 messages waiting for an answer" in queue


def test_messages_waiting_page_query_count_does_not_grow(
    officer_client, unit, applicant, django_assert_max_num_queries
):
    url = reverse("decisions:backoffice-messages")

    def write() -> None:
        case = ApplicationFactory(applicant=applicant, submitted=True, unit=unit)
        message_services.send_message(application_id=case.pk, user=applicant, body="Q")

    write()
    officer_client.get(url)
    with django_assert_max_num_queries(12) as few:
        officer_client.get(url)
    for _ in range(8):
        write()
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert officer_client.get(url).content.decode().count("<tr>") == 10  # the header and 9 rows


# --- the survey ---------------------------------------------------------------------------------------------
def test_an_issued_decision_invites_to_the_survey_once_after_its_letter_is_mailed(
    case_in_review, officer, senior, refusal_ground, translated
):
    services.draft_decision(
        application_id=case_in_review.pk,
        officer=officer,
        outcome="refuse",
        legal_ground_ids=[refusal_ground.pk],
        reasoning="The contract was not signed.",
    )
    decision = services.approve_decision(application_id=case_in_review.pk, senior=senior)
    letter = DecisionLetter.objects.get(decision=decision)
    assert not SurveyInvitation.objects.exists()  # not before the decision reaches the applicant

    seal._signer.cache_clear()
    services.render_decision_letter(letter_id=letter.pk)
    invitation = SurveyInvitation.objects.get()
    assert (invitation.user, invitation.application, invitation.unit_id, invitation.occasion) == (
        case_in_review.applicant,
        case_in_review,
        case_in_review.unit_id,
        "decision",
    )
    events = list(Notification.objects.order_by("id").values_list("event", flat=True))
    assert events.index("decision_issued") < events.index("survey_invitation")

    services.render_decision_letter(letter_id=letter.pk)  # a retried task
    assert SurveyInvitation.objects.count() == 1
    assert Notification.objects.filter(event="survey_invitation").count() == 1


def _answer(unit, *, rating: int, comment: str = "", on: dt.datetime, occasion: str = "decision") -> None:
    applicant = UserFactory(applicant=True, first_name="Namedperson")
    application = ApplicationFactory(applicant=applicant, granted=True, unit=unit)
    invitation = survey_services.invite_to_survey(application=application, occasion=occasion)
    with time_machine.travel(on):
        survey_services.answer_survey(token=invitation.token, user=applicant, rating=rating, comment=comment)


def test_seniors_see_the_units_results_per_month_as_a_chart_and_a_table_with_comments_without_names(
    senior_client, unit
):
    _answer(unit, rating=5, comment="Very helpful staff.", on=dt.datetime(2026, 10, 5, 12, tzinfo=RIGA))
    _answer(unit, rating=2, on=dt.datetime(2026, 10, 20, 12, tzinfo=RIGA), occasion="visit")
    _answer(unit, rating=4, comment="Quick answer.", on=dt.datetime(2026, 11, 3, 12, tzinfo=RIGA))
    other_unit = ApplicationFactory(granted=True).unit
    _answer(
        other_unit, rating=1, comment="Another unit's comment.", on=dt.datetime(2026, 11, 3, 12, tzinfo=RIGA)
    )

    with time_machine.travel(dt.datetime(2026, 11, 27, 12, tzinfo=RIGA)):
        page = senior_client.get(reverse("decisions:backoffice-surveys")).content.decode()
        chart = senior_client.get(reverse("decisions:backoffice-surveys-chart"))

    figure = re.search(r'<figure class="chart" id="chart-survey">(.*?)</figure>', page, re.S).group(1)
    assert 'src="/backoffice/surveys/chart.svg"' in figure
    rows = {
        cells[0]: cells[1:]
        for cells in (
            [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", figure.split("<tbody>")[1], re.S)
        )
    }
    assert len(rows) == 12
    assert rows["2026-10"] == ["2", "3.5", "1", "1", "0 / 1 / 0 / 0 / 1"]
    assert rows["2026-11"] == ["1", "4.0", "1", "0", "0 / 0 / 0 / 1 / 0"]
    assert rows["2026-09"][:2] == ["0", "—"]
    assert "Very helpful staff." in page and "Quick answer." in page
    assert "Another unit's comment." not in page
    assert "Namedperson" not in page and "Namedperson" not in chart.content.decode()

    assert chart.status_code == 200 and chart["Content-Type"].startswith("image/svg+xml")
    assert chart["Content-Security-Policy"] == "default-src 'none'; style-src 'unsafe-inline'"
    svg = chart.content.decode()
    assert "<script" not in svg and "2026-10" in svg


def test_case_officers_do_not_see_the_survey(officer_client):
    assert officer_client.get(reverse("decisions:backoffice-surveys")).status_code == 403
    assert officer_client.get(reverse("decisions:backoffice-surveys-chart")).status_code == 403


def test_survey_page_query_count_does_not_grow(senior_client, unit, django_assert_max_num_queries):
    url = reverse("decisions:backoffice-surveys")
    now = timezone.now()
    _answer(unit, rating=3, comment="ok", on=now)
    senior_client.get(url)
    with django_assert_max_num_queries(10) as few:
        senior_client.get(url)
    for rating in (1, 2, 4, 5):
        _answer(unit, rating=rating, comment=f"c{rating}", on=now)
    with django_assert_max_num_queries(len(few.captured_queries)):
        senior_client.get(url)
    assert SurveyAnswer.objects.count() == 5

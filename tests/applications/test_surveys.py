"""The satisfaction survey, the applicant's side: invited once per occasion, the invitation e-mail, the page
that only the invited account can use, and answers that keep no link to the person."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.utils import translation
from django.utils.translation import gettext

from applications.models import SurveyAnswer, SurveyInvitation
from applications.surveys import selectors, services
from eservice.exceptions import NotFoundError
from tests.factories import ApplicationFactory, TerritorialUnitFactory, UserFactory
from workers.models import Notification
from workers.services import send_notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def unit(db):
    return TerritorialUnitFactory()


@pytest.fixture
def decided(applicant, unit):
    return ApplicationFactory(applicant=applicant, granted=True, unit=unit)


@pytest.mark.parametrize("language", ["en", "lv", "ru"])
def test_the_invitation_is_mailed_in_the_applicants_language_with_greeting_and_the_offices_signature(
    applicant, decided, language, translated, settings
):
    applicant.preferred_language = language
    applicant.save(update_fields=["preferred_language"])

    invitation = services.invite_to_survey(application=decided, occasion="decision")

    notification = Notification.objects.get(event="survey_invitation", recipient=applicant)
    send_notification(notification_id=notification.pk)
    sent = mail.outbox[-1]
    assert sent.to == [applicant.email]
    assert sent.extra_headers["Content-Language"] == language
    assert f"/surveys/{invitation.token}/" in sent.body
    with translation.override(language):
        greeting = gettext("Dear %(name)s,") % {"name": applicant.get_full_name()}
        regards = gettext("Kind regards,")
        office = str(settings.OFFICE_NAME)
    assert sent.body.startswith(greeting)
    signature = sent.body.split(regards, 1)[1]
    assert office in signature and settings.OFFICE_INFO_PHONE in signature
    if language == "en":
        assert "The Office has decided on your application" in sent.body
        assert "anonymous" in sent.body


def test_the_invitation_says_visit_after_a_visit(applicant, decided):
    applicant.preferred_language = "en"
    applicant.save(update_fields=["preferred_language"])
    services.invite_to_survey(application=decided, occasion="visit")
    send_notification(notification_id=Notification.objects.get(event="survey_invitation").pk)
    assert "Thank you for visiting the Office" in mail.outbox[-1].body


def test_each_occasion_invites_once(applicant, decided):
    assert services.invite_to_survey(application=decided, occasion="decision") is not None
    assert services.invite_to_survey(application=decided, occasion="decision") is None
    assert services.invite_to_survey(application=decided, occasion="visit") is not None
    assert services.invite_to_survey(application=decided, occasion="visit") is None
    assert SurveyInvitation.objects.filter(application=decided).count() == 2
    assert Notification.objects.filter(event="survey_invitation").count() == 2


def test_an_unknown_occasion_is_a_programming_error(decided):
    with pytest.raises(ValueError):
        services.invite_to_survey(application=decided, occasion="lunch")


def test_an_answer_keeps_only_unit_occasion_and_month(applicant, decided, unit):
    invitation = services.invite_to_survey(application=decided, occasion="decision")
    with time_machine.travel(dt.datetime(2026, 11, 27, 12, tzinfo=dt.UTC)):
        services.answer_survey(token=invitation.token, user=applicant, rating=4, comment="Quick and polite.")

    answer = SurveyAnswer.objects.get()
    assert (answer.unit_id, answer.occasion, answer.month, answer.rating, answer.comment) == (
        unit.pk,
        "decision",
        dt.date(2026, 11, 1),
        4,
        "Quick and polite.",
    )
    invitation.refresh_from_db()
    assert invitation.answered_on == dt.date(2026, 11, 27)


def test_the_answer_table_has_no_link_to_a_person_or_an_application():
    fields = {field.name: field for field in SurveyAnswer._meta.get_fields()}
    assert set(fields) == {"id", "unit", "occasion", "month", "rating", "comment"}
    related = {field.related_model for field in fields.values() if field.is_relation}
    assert {model._meta.label for model in related} == {"identity.TerritorialUnit"}
    # A random key: the order of the rows does not follow the order of the invitations' answers.
    assert fields["id"].get_internal_type() == "UUIDField"


def test_answering_twice_is_refused(applicant, decided):
    invitation = services.invite_to_survey(application=decided, occasion="decision")
    services.answer_survey(token=invitation.token, user=applicant, rating=5)
    with pytest.raises(services.SurveyAnsweredError):
        services.answer_survey(token=invitation.token, user=applicant, rating=1)
    assert SurveyAnswer.objects.count() == 1


def test_another_account_cannot_answer(applicant, decided, other_applicant):
    invitation = services.invite_to_survey(application=decided, occasion="decision")
    with pytest.raises(NotFoundError):
        services.answer_survey(token=invitation.token, user=other_applicant, rating=5)
    assert not SurveyAnswer.objects.exists()


@pytest.mark.parametrize("rating", [0, 6, True, "5"])
def test_a_rating_outside_1_to_5_is_refused(applicant, decided, rating):
    invitation = services.invite_to_survey(application=decided, occasion="decision")
    with pytest.raises(services.SurveyInvalidError):
        services.answer_survey(token=invitation.token, user=applicant, rating=rating)
    assert not SurveyAnswer.objects.exists()


# --- pages --------------------------------------------------------------------------------------------------
def test_the_dashboard_offers_the_open_invitation_until_it_is_answered(client, applicant, decided):
    invitation = services.invite_to_survey(application=decided, occasion="decision")
    client.force_login(applicant)
    url = f"/surveys/{invitation.token}/"

    assert url in client.get("/applications/").content.decode()

    page = client.get(url)
    assert page.status_code == 200 and 'name="rating"' in page.content.decode()
    answered = client.post(url, {"rating": "5", "comment": "Thank you"})
    assert answered.status_code == 302 and answered["Location"] == "/applications/"
    assert SurveyAnswer.objects.get().rating == 5
    assert url not in client.get("/applications/").content.decode()

    again = client.get(url)
    assert "You have already answered this survey" in again.content.decode()
    client.post(url, {"rating": "1"})
    assert SurveyAnswer.objects.count() == 1


def test_the_page_refuses_a_missing_rating_with_a_form_error(client, applicant, decided):
    invitation = services.invite_to_survey(application=decided, occasion="decision")
    client.force_login(applicant)
    response = client.post(f"/surveys/{invitation.token}/", {"comment": "no rating"})
    assert response.status_code == 400
    assert "Choose a rating from 1 to 5." in response.content.decode()
    assert not SurveyAnswer.objects.exists()


def test_the_link_works_only_for_the_invited_account(client, decided, other_applicant, staff_client_for):
    invitation = services.invite_to_survey(application=decided, occasion="decision")
    url = f"/surveys/{invitation.token}/"
    assert client.get(url).status_code == 302  # sign in first
    client.force_login(other_applicant)
    assert client.get(url).status_code == 404
    assert client.post(url, {"rating": "5"}).status_code == 404
    assert staff_client_for(UserFactory(senior_officer=True)).get(url).status_code == 403
    assert not SurveyAnswer.objects.exists()


def test_open_invitations_read_in_one_query(applicant, unit, django_assert_num_queries):
    for _ in range(3):
        services.invite_to_survey(
            application=ApplicationFactory(applicant=applicant, granted=True, unit=unit), occasion="decision"
        )
    with django_assert_num_queries(1):
        references = [i.application.reference for i in selectors.list_open_invitations(user=applicant)]
    assert len(references) == 3

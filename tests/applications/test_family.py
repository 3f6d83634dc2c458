"""Applying for a child or a family member from one's own account, through the real pages: who the person is,
who submitted it, who sees it (one access rule), the invitation that links an adult's own account, and the mail."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from applications.models import Application, ApplicationEvent, FamilyInvitation
from applications.selectors import accessible_applications
from applications.selectors_dashboard import list_dashboard_applications
from applications.services.lifecycle import application_recipients, notify_applicant
from tests.factories import ApplicationFactory, UserFactory
from workers.models import Notification
from workers.services.notifications import send_notification

pytestmark = pytest.mark.django_db

TODAY = dt.date.today()


@pytest.fixture
def parent():
    return UserFactory(applicant=True, first_name="Andrii", last_name="Bondarenko", preferred_language="en")


def _for_person(client, **overrides) -> Application:
    data = {
        "kind": "first_trp",
        "purpose": "family",
        "processing_speed": "standard",
        "first_name": "Sofiia",
        "last_name": "Bondarenko",
        "date_of_birth": (TODAY - dt.timedelta(days=365 * 9)).isoformat(),
        "nationality": "ua",
        "relationship": "child",
    }
    data.update(overrides)
    response = client.post("/applications/new/for-someone/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return Application.objects.get(pk=int(response["Location"].split("/")[2]))


def test_a_parent_applies_for_a_minor_child(client, parent):
    client.force_login(parent)
    assert client.get("/applications/new/for-someone/").status_code == 200
    application = _for_person(client)

    assert (application.first_name, application.last_name, application.nationality) == (
        "Sofiia",
        "Bondarenko",
        "UA",
    )
    assert application.representative == parent and application.applicant == parent
    assert application.relationship_to_representative == "child" and application.is_minor
    assert ApplicationEvent.objects.filter(
        application=application, kind=ApplicationEvent.Kind.REPRESENTATIVE_STARTED, actor=parent
    ).exists()

    # The parent fills it through the ordinary steps, and sees it on their dashboard as the representative.
    response = client.post(
        f"/applications/{application.pk}/step/stay/",
        {
            "address_in_latvia": "Brīvības iela 1, Rīga",
            "stay_from": (TODAY + dt.timedelta(days=20)).isoformat(),
            "stay_to": (TODAY + dt.timedelta(days=300)).isoformat(),
        },
    )
    assert response.status_code == 302
    dashboard = client.get("/applications/").content.decode()
    assert "Sofiia Bondarenko" in dashboard and "you, as the representative" in dashboard

    # A minor stays in the representative's account: no invitation.
    response = client.post(f"/applications/{application.pk}/invite/", {"email": "sofiia@example.lv"})
    assert response.status_code == 400
    assert not FamilyInvitation.objects.exists()


def test_bad_person_data_is_a_form_error(client, parent):
    client.force_login(parent)
    response = client.post(
        "/applications/new/for-someone/",
        {
            "kind": "first_trp",
            "purpose": "family",
            "processing_speed": "standard",
            "first_name": "Sofiia",
            "last_name": "Bondarenko",
            "date_of_birth": (TODAY + dt.timedelta(days=3)).isoformat(),
            "nationality": "UA",
            "relationship": "boss",
        },
    )
    assert response.status_code == 400
    assert not Application.objects.exists()


def test_a_representative_cannot_act_for_a_person_they_do_not_represent(client, parent):
    client.force_login(parent)
    theirs = _for_person(client)
    stranger = UserFactory(applicant=True)
    strangers_own = ApplicationFactory(applicant=stranger, complete=True)

    # The parent and someone else's application (the stranger's own): 404 everywhere.
    assert client.get(f"/applications/{strangers_own.pk}/").status_code == 404
    assert (
        client.post(f"/applications/{strangers_own.pk}/step/purpose/", {"school_name": "X"}).status_code
        == 404
    )
    assert client.get(f"/applications/{strangers_own.pk}/invite/").status_code == 404
    assert client.post(f"/applications/{strangers_own.pk}/submit/", {"declaration": "on"}).status_code == 404

    # The stranger and the parent's application for the child: 404 too, nothing changed.
    client.force_login(stranger)
    assert client.get(f"/applications/{theirs.pk}/").status_code == 404
    assert client.post(f"/applications/{theirs.pk}/invite/", {"email": stranger.email}).status_code == 404
    assert client.post(f"/applications/{theirs.pk}/withdraw/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.state == Application.State.DRAFT and theirs.applicant == parent
    # Someone's own application (no representative) has no invitation page, even for its owner.
    assert client.get(f"/applications/{strangers_own.pk}/invite/").status_code == 404


def test_an_adult_family_member_accepts_the_invitation_and_both_see_the_application(client, parent):
    spouse = UserFactory(applicant=True, first_name="Oksana", last_name="Bondarenko", preferred_language="en")
    client.force_login(parent)
    application = _for_person(
        client,
        first_name="Oksana",
        date_of_birth="1990-02-03",
        relationship="spouse",
    )
    assert not application.is_minor
    response = client.post(f"/applications/{application.pk}/invite/", {"email": spouse.email.upper()})
    assert response.status_code == 302

    # The invited account is told by e-mail, addressed to them.
    invitation_mail = Notification.objects.get(recipient=spouse, event="family_invitation")
    send_notification(notification_id=invitation_mail.pk)
    message = mail.outbox[-1]
    assert message.to == [spouse.email]
    assert message.body.startswith("Dear Oksana Bondarenko,")
    assert "Andrii Bondarenko applied for you with the application" in message.body
    assert "Kind regards," in message.body and message.extra_headers["Content-Language"] == "en"

    # Someone else signed in cannot accept it (it was not sent to their address).
    intruder = UserFactory(applicant=True)
    client.force_login(intruder)
    invitation = FamilyInvitation.objects.get()
    assert client.post(f"/applications/invitations/{invitation.pk}/accept/").status_code == 404
    assert "invites you" not in client.get("/applications/invitations/").content.decode()

    client.force_login(spouse)
    assert "invites you to follow it" in client.get("/applications/invitations/").content.decode()
    response = client.post(f"/applications/invitations/{invitation.pk}/accept/")
    assert response.status_code == 302 and response["Location"] == f"/applications/{application.pk}/"
    application.refresh_from_db()
    assert application.applicant == spouse and application.representative == parent
    assert client.get(f"/applications/{application.pk}/").status_code == 200
    assert application.reference in client.get("/applications/").content.decode()
    # A second acceptance finds nothing open.
    assert client.post(f"/applications/invitations/{invitation.pk}/accept/").status_code == 404

    # The representative still sees and acts on it through the same rule.
    client.force_login(parent)
    assert client.get(f"/applications/{application.pk}/").status_code == 200
    response = client.post(f"/applications/{application.pk}/step/stay/", {"address_in_latvia": ""})
    assert response.status_code == 200  # the step again with its errors: the representative may still edit
    accepted_mail = Notification.objects.get(recipient=parent, event="family_invitation_accepted")
    send_notification(notification_id=accepted_mail.pk)
    assert mail.outbox[-1].body.startswith("Dear Andrii Bondarenko,")
    assert "Oksana Bondarenko accepted your invitation" in mail.outbox[-1].body

    # E-mails about an adult's application go to the adult only.
    assert application_recipients(application) == [spouse]


def test_mail_about_a_minor_goes_to_the_minor_and_the_representative(parent):
    child = UserFactory(applicant=True, preferred_language="en")
    application = ApplicationFactory(
        applicant=child,
        representative=parent,
        relationship_to_representative="child",
        date_of_birth=TODAY - dt.timedelta(days=365 * 16),
        submitted=True,
    )
    notify_applicant(
        application=application,
        event="status_changed",
        context={"reference": application.reference, "status_label": "In review", "url": "https://x/"},
    )
    assert set(Notification.objects.values_list("recipient", flat=True)) == {child.pk, parent.pk}


def test_the_access_rule_and_its_row_local_twin_agree(parent, django_assert_num_queries):
    from applications.models.application import may_act_on

    stranger = UserFactory(applicant=True)
    officer = UserFactory(case_officer=True)
    mine = ApplicationFactory(applicant=parent)
    for_child = ApplicationFactory(applicant=parent, representative=parent)
    linked = ApplicationFactory(applicant=stranger, representative=parent)
    counter_draft = ApplicationFactory(applicant=UserFactory(is_active=False), counter_unit=officer.unit)
    counter_paid = ApplicationFactory(
        applicant=UserFactory(is_active=False), counter_unit=officer.unit, submitted=True
    )
    others = ApplicationFactory(applicant=stranger)
    everything = [mine, for_child, linked, counter_draft, counter_paid, others]
    for user in (parent, stranger, officer):
        rule = set(accessible_applications(user).values_list("pk", flat=True))
        assert rule == {a.pk for a in everything if may_act_on(a, user)}
    assert set(accessible_applications(parent).values_list("pk", flat=True)) == {
        mine.pk,
        for_child.pk,
        linked.pk,
    }
    assert set(accessible_applications(officer).values_list("pk", flat=True)) == {counter_draft.pk}
    with django_assert_num_queries(5):  # the applications, then events, documents, payments and visits
        assert len(list_dashboard_applications(user=parent)) == 3


def test_the_case_file_does_not_take_the_representatives_own_applications_for_the_persons(parent):
    from decisions.selectors import get_case_file

    officer = UserFactory(case_officer=True)
    own = ApplicationFactory(applicant=parent, submitted=True, unit=officer.unit, passport_number="PAR12345")
    child_earlier = ApplicationFactory(
        applicant=parent,
        representative=parent,
        last_name="Bondarenko",
        date_of_birth=dt.date(2018, 5, 1),
        submitted=True,
        unit=officer.unit,
        passport_number="KID11111",
    )
    child_now = ApplicationFactory(
        applicant=parent,
        representative=parent,
        last_name="Bondarenko",
        date_of_birth=dt.date(2018, 5, 1),
        submitted=True,
        unit=officer.unit,
        passport_number="KID22222",
    )
    assert [a.pk for a in get_case_file(officer=officer, application_id=child_now.pk).earlier] == [
        child_earlier.pk
    ]
    assert child_now.pk not in [a.pk for a in get_case_file(officer=officer, application_id=own.pk).earlier]


def test_apply_for_a_person_through_the_api(bearer_client, parent):
    api = bearer_client(parent)
    body = {
        "kind": "first_trp",
        "purpose": "family",
        "first_name": "Sofiia",
        "last_name": "Bondarenko",
        "date_of_birth": "2019-03-01",
        "nationality": "UA",
        "relationship": "child",
    }
    created = api.post("/api/v1/applications/for-person", body, format="json")
    assert created.status_code == 201, created.json()
    data = created.json()
    assert (data["first_name"], data["relationship_to_representative"]) == ("Sofiia", "child")
    assert data["representative_name"] == "Andrii Bondarenko"

    bad = api.post("/api/v1/applications/for-person", {**body, "relationship": "boss"}, format="json")
    assert bad.status_code == 400 and "relationship" in bad.json()["error"]["details"]
    assert Application.objects.count() == 1

    stranger = bearer_client(UserFactory(applicant=True))
    assert stranger.get(f"/api/v1/applications/{data['id']}").status_code == 404

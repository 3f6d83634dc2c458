"""What an applicant sees after withdrawing, which documents the service made (and the e-mails linking them),
deleting a draft, and a timeline that folds repeated saves, names documents and tells payments as they went."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from applications.models import Application, ApplicationDocument, ApplicationEvent
from applications.services import record_event, render_application_summary, withdraw_application
from payments.services import (
    complete_bank_refund,
    confirm_payment,
    render_payment_receipt,
    start_payment,
)
from tests.factories import ApplicationFactory, UserFactory

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    html = response.content.decode()
    main = re.search(r"<main .*?</main>", html, re.S).group(0)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))


def _mail(event_subject: str) -> mail.EmailMessage:
    matching = [message for message in mail.outbox if event_subject in message.subject]
    assert matching, [message.subject for message in mail.outbox]
    return matching[-1]


@pytest.fixture
def applicant(db):
    """An English-speaking applicant: the mails below are read in English (lv and ru are compiled in CI)."""
    return UserFactory(applicant=True, preferred_language="en")


@pytest.fixture
def paid_card(applicant, celery_eager):
    application = ApplicationFactory(applicant=applicant, awaiting_payment=True)
    payment = start_payment(application_id=application.pk, user=applicant, method="card").payment
    confirm_payment(payment_id=payment.pk)
    return application, payment


# --- item 9: after withdrawal -------------------------------------------------------------------------------


def test_withdrawn_application_page_shows_the_closed_state_not_a_decision_date(client, applicant, paid_card):
    application, payment = paid_card
    application.refresh_from_db()
    assert application.decision_due_on is not None
    withdraw_application(application_id=application.pk, user=applicant, reason="I got a job offer elsewhere")
    client.force_login(applicant)
    text = _text(client.get(f"/applications/{application.pk}/"))
    assert "Expected decision by" not in text
    assert "You withdrew this application on" in text
    assert "Your reason: I got a job offer elsewhere" in text
    assert f"The state fee ({payment.amount_display}) is being refunded" in text
    assert "Withdraw the application" not in text


def test_withdrawal_mail_says_the_fee_is_refunded_and_a_second_mail_comes_when_it_is(
    client, applicant, celery_eager, django_capture_on_commit_callbacks
):
    application = ApplicationFactory(applicant=applicant, awaiting_payment=True)
    payment = start_payment(application_id=application.pk, user=applicant, method="bank_transfer").payment
    confirm_payment(payment_id=payment.pk)
    mail.outbox.clear()
    client.force_login(applicant)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/applications/{application.pk}/withdraw/", {"reason": ""})
    withdrawn = _mail("withdrawn")
    assert f"The state fee you paid ({payment.amount_display}) is being refunded" in withdrawn.body
    assert "We will write to you again when the refund has been sent." in withdrawn.body
    assert not [m for m in mail.outbox if "refunded" in m.subject]

    with django_capture_on_commit_callbacks(execute=True):
        complete_bank_refund(payment_id=payment.pk, user=UserFactory(administrator=True))
    refunded = _mail("refunded")
    assert application.reference in refunded.subject
    assert f"The state fee of {payment.amount_display}" in refunded.body
    assert f"/applications/{application.pk}/" in refunded.body


def test_withdrawal_mail_says_when_no_fee_was_paid(
    client, applicant, celery_eager, django_capture_on_commit_callbacks
):
    application = ApplicationFactory(applicant=applicant, awaiting_payment=True)
    client.force_login(applicant)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/applications/{application.pk}/withdraw/", {"reason": ""})
    assert "You had not paid a state fee for this application" in _mail("withdrawn").body


def test_withdrawal_mail_says_the_fee_is_kept_after_review_started(
    applicant, celery_eager, django_capture_on_commit_callbacks
):
    application = ApplicationFactory(applicant=applicant, awaiting_payment=True)
    payment = start_payment(application_id=application.pk, user=applicant, method="card").payment
    confirm_payment(payment_id=payment.pk)
    Application.objects.filter(pk=application.pk).update(state="in_review")
    with django_capture_on_commit_callbacks(execute=True):
        withdraw_application(application_id=application.pk, user=applicant)
    assert "is not refunded, because the Office had already started" in _mail("withdrawn").body


def test_step_page_of_a_withdrawn_application_says_it_is_closed(client, applicant):
    application = ApplicationFactory(applicant=applicant, withdrawn=True)
    client.force_login(applicant)
    response = client.get(f"/applications/{application.pk}/step/personal/", follow=True)
    text = _text(response)
    assert "This application is closed and can no longer be changed." in text
    assert "has been submitted" not in text


def test_a_draft_is_deleted_not_withdrawn(client, applicant, tmp_path):
    draft = ApplicationFactory(applicant=applicant)
    client.force_login(applicant)
    card = _text(client.get("/applications/"))
    assert "Delete the draft" in card and "Withdraw the application" not in card
    assert "cannot be undone" in _text(client.get(f"/applications/{draft.pk}/delete/"))
    assert (
        client.get(f"/applications/{draft.pk}/withdraw/")["Location"] == f"/applications/{draft.pk}/delete/"
    )
    response = client.post(f"/applications/{draft.pk}/delete/", follow=True)
    assert "was deleted." in _text(response)
    assert not Application.objects.filter(pk=draft.pk).exists()


def test_only_a_draft_can_be_deleted_and_only_by_its_owner(client, applicant, other_applicant):
    submitted = ApplicationFactory(applicant=applicant, submitted=True)
    draft = ApplicationFactory(applicant=applicant)
    client.force_login(applicant)
    client.post(f"/applications/{submitted.pk}/delete/")
    assert Application.objects.filter(pk=submitted.pk).exists()
    client.force_login(other_applicant)
    assert client.post(f"/applications/{draft.pk}/delete/").status_code == 404
    assert Application.objects.filter(pk=draft.pk).exists()


# --- item 8: documents the service made ---------------------------------------------------------------------


def test_application_page_lists_the_summary_and_receipt_with_download_links(client, applicant, paid_card):
    application, payment = paid_card
    client.force_login(applicant)
    render_application_summary(application_id=application.pk)
    render_payment_receipt(payment_id=payment.pk)
    html = client.get(f"/applications/{application.pk}/").content.decode()
    assert f'href="/applications/{application.pk}/summary.pdf"' in html
    assert f'href="/payments/{payment.pk}/receipt.pdf"' in html
    assert "Download: Application summary (PDF)" in html and "Download: Payment receipt (PDF)" in html
    response = client.get(f"/applications/{application.pk}/summary.pdf")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_summary_pdf_is_404_for_someone_else_and_before_it_exists(client, applicant, other_applicant):
    application = ApplicationFactory(applicant=applicant, awaiting_payment=True)
    client.force_login(applicant)
    pending = client.get(f"/applications/{application.pk}/summary.pdf")
    assert pending.status_code == 404 and "being prepared" in pending.content.decode()
    render_application_summary(application_id=application.pk)
    client.force_login(other_applicant)
    assert client.get(f"/applications/{application.pk}/summary.pdf").status_code == 404


def test_mails_link_the_documents_they_announce(
    client, applicant, celery_eager, settings, django_capture_on_commit_callbacks
):
    application = ApplicationFactory(applicant=applicant, awaiting_payment=True)
    payment = start_payment(application_id=application.pk, user=applicant, method="card").payment
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        confirm_payment(payment_id=payment.pk)
    paid = _mail("received")
    receipt_url = f"{settings.SITE_URL}/payments/{payment.pk}/receipt.pdf"
    assert receipt_url in paid.body and receipt_url in paid.alternatives[0][0]
    client.force_login(applicant)
    assert client.get(f"/payments/{payment.pk}/receipt.pdf").status_code == 200  # rendered by the worker


def test_submitted_mail_links_the_summary_pdf(
    applicant, celery_eager, settings, attach_all, django_capture_on_commit_callbacks
):
    from applications.services import submit_application

    draft = ApplicationFactory(applicant=applicant, complete=True)
    attach_all(draft)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        submit_application(application_id=draft.pk, user=applicant, declaration=True)
    submitted = _mail("submitted")
    assert f"{settings.SITE_URL}/applications/{draft.pk}/summary.pdf" in submitted.body


# --- item 12: the timeline ----------------------------------------------------------------------------------


def test_timeline_folds_saves_names_documents_and_tells_an_abandoned_card_session(client, applicant):
    application = ApplicationFactory(applicant=applicant, awaiting_payment=True)
    for _ in range(9):
        record_event(
            application=application, kind="updated", actor=applicant, data={"fields": ["first_name"]}
        )
    record_event(
        application=application,
        kind="document_added",
        actor=applicant,
        data={"document_type": "passport_copy", "filename": "my-passport.pdf", "replaced": False},
    )
    abandoned = start_payment(application_id=application.pk, user=applicant, method="card").payment
    start_payment(application_id=application.pk, user=applicant, method="card")  # the person tries again
    client.force_login(applicant)
    text = _text(client.get(f"/applications/{application.pk}/"))
    assert text.count("Application details saved") == 1
    assert "Application details saved (9 times)" in text
    assert re.search(r"Document uploaded: [^:]*Passport[^:]*\(my-passport\.pdf\)", text), text
    assert "Card payment not completed: the payment page was left without paying" in text
    assert "not completed (the payment page was left without paying)" in text  # the payments list
    assert abandoned.pk  # the first session was cancelled by the second, not by the person
    assert "Cancelled" not in text


def test_timeline_shows_the_withdrawal_reason(client, applicant):
    application = ApplicationFactory(applicant=applicant, awaiting_payment=True)
    withdraw_application(application_id=application.pk, user=applicant, reason="Plans changed")
    client.force_login(applicant)
    text = _text(client.get(f"/applications/{application.pk}/"))
    assert "Application withdrawn: Your reason: Plans changed" in text


def test_dashboard_timeline_costs_no_query_per_card(client, applicant, django_assert_max_num_queries):
    for _ in range(3):
        application = ApplicationFactory(applicant=applicant, awaiting_payment=True)
        record_event(application=application, kind="updated", actor=applicant, data={})
        record_event(application=application, kind="document_added", data={"document_type": "passport_copy"})
    client.force_login(applicant)
    client.get("/applications/")
    with django_assert_max_num_queries(12):
        client.get("/applications/")
    assert ApplicationDocument.objects.count() == 0
    assert ApplicationEvent.objects.filter(application__applicant=applicant).count() >= 6

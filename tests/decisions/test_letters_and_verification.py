"""Decision letters: rendered and sealed by the worker in the reader's language with the binding Latvian text,
e-mailed once, downloadable by their owner only, and checkable by anyone at /verify/."""

from __future__ import annotations

import hashlib
import io
import re

import pytest
from django.urls import reverse
from pypdf import PdfReader

from applications.models import ApplicationEvent
from decisions import seal, services, verification
from decisions.models import DecisionLetter
from workers.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued_refusal(case_in_review, officer, senior, refusal_ground):
    case_in_review.applicant.preferred_language = "en"
    case_in_review.applicant.save(update_fields=["preferred_language"])
    services.draft_decision(
        application_id=case_in_review.pk,
        officer=officer,
        outcome="refuse",
        legal_ground_ids=[refusal_ground.pk],
        reasoning="The employment contract submitted was not signed by the employer.",
    )
    decision = services.approve_decision(application_id=case_in_review.pk, senior=senior)
    return DecisionLetter.objects.get(decision=decision)


@pytest.fixture
def rendered(issued_refusal, translated):
    seal._signer.cache_clear()
    return services.render_decision_letter(letter_id=issued_refusal.pk)


def pdf_text(letter: DecisionLetter) -> str:
    with letter.document.file.open("rb") as handle:
        data = handle.read()
    return " ".join(" ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages).split())


def test_letter_holds_grounds_and_appeal_in_english_and_latvian(rendered, refusal_ground):
    text = pdf_text(rendered)
    assert "The Office refuses the application." in text
    assert refusal_ground.law_reference_en in text and refusal_ground.law_reference_lv in text
    assert " ".join(refusal_ground.text_lv.split()) in text  # the binding Latvian text follows
    assert "head of the Office of Citizenship and Migration Affairs" in text
    assert (
        "Kā apstrīdēt šo lēmumu" in text and "Administratīvajā rajona tiesā" in text
    )  # the binding Latvian text
    assert verification.display(rendered.verification_code) in text
    assert "Ilze Kalniņa" in text and "Prepared by Jānis Ozols" in text  # the approver signs


def test_letter_is_sealed_and_the_seal_validates(rendered):
    with rendered.document.file.open("rb") as handle:
        data = handle.read()
    check = seal.check_seal(data)
    assert check is not None and check.ok
    assert rendered.document.sha256 == hashlib.sha256(data).hexdigest()


def test_rendering_twice_stores_one_letter_and_sends_one_mail(rendered):
    again = services.render_decision_letter(letter_id=rendered.pk)
    assert again.document_id == rendered.document_id
    mails = Notification.objects.filter(event="decision_issued")
    assert mails.count() == 1
    assert (
        mails.get()
        .context["verify_url"]
        .endswith(f"/verify/{verification.display(rendered.verification_code)}/")
    )
    application = rendered.decision.application
    assert application.events.filter(kind=ApplicationEvent.Kind.LETTER_READY).count() == 1


def test_owner_downloads_the_letter_and_nobody_else(
    rendered, client, other_applicant, staff_client_for, officer
):
    application = rendered.decision.application
    url = reverse("decisions:letter", args=[application.pk])
    client.force_login(application.applicant)
    response = client.get(url)
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == rendered.document.sha256

    client.force_login(other_applicant)
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


def test_verify_page_confirms_a_genuine_letter_without_personal_data(rendered, client):
    application = rendered.decision.application
    response = client.get(
        reverse("decisions:verify", args=[verification.display(rendered.verification_code)])
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert application.reference in page and rendered.document.sha256 in page
    for private in (application.first_name, application.last_name, application.passport_number):
        assert private not in page


def test_verify_accepts_the_code_as_typed(rendered, client):
    typed = verification.display(rendered.verification_code).lower().replace("-", " ")
    response = client.get(reverse("decisions:verify-start"), {"code": typed})
    assert response.status_code == 302
    assert response["Location"].endswith(f"/verify/{verification.display(rendered.verification_code)}/")


@pytest.mark.parametrize("code", ["0000-0000-0000-0000", "not-a-code", "x" * 39, "%00"])
def test_unknown_or_malformed_codes_are_404(rendered, client, code, django_assert_num_queries):
    with django_assert_num_queries(
        2
    ):  # the same two look-ups (decision, complaint letters), malformed or unknown
        response = client.get(reverse("decisions:verify", args=[code]))
    assert response.status_code == 404
    assert "no letter with this code" in response.content.decode()


def test_uploaded_copy_is_compared_byte_for_byte(rendered, client):
    url = reverse("decisions:verify", args=[verification.display(rendered.verification_code)])
    with rendered.document.file.open("rb") as handle:
        original = handle.read()

    same = client.post(url, {"file": io.BytesIO(original)})
    different = client.post(url, {"file": io.BytesIO(original + b"\n")})
    missing = client.post(url, {})

    assert "exactly the letter" in same.content.decode()
    assert "not the letter" in different.content.decode()
    assert missing.status_code == 400


def test_verify_is_rate_limited(rendered, client, settings):
    settings.RATELIMIT_ENABLE = True
    settings.RATELIMIT_VERIFY = "3/m"
    from django.core.cache import cache

    cache.clear()
    url = reverse("decisions:verify", args=["0000-0000-0000-0000"])
    codes = [client.get(url).status_code for _ in range(5)]
    assert codes[:3] == [404, 404, 404] and codes[3:] == [429, 429]


def test_letter_download_waits_for_the_worker(issued_refusal, client):
    application = issued_refusal.decision.application
    client.force_login(application.applicant)
    response = client.get(reverse("decisions:letter", args=[application.pk]))
    assert response.status_code == 404


def test_page_title_and_verify_url_shape(rendered):
    url = services.verify_url(rendered.verification_code)
    assert re.search(r"/verify/[0-9A-Z]{4}(-[0-9A-Z]{4}){3}/$", url)

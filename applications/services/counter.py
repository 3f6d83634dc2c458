"""Applications made with the person at an Office counter (the customer service standard: "prepare a
submission made by the customer verbally in writing in the presence of the customer and issue a copy").

An officer of a unit checks the person's identity document and starts the application; it is held by an
inactive placeholder account (no password, an address under the reserved ``.invalid`` domain, the person's
language) so every ``applicant=user`` rule stays as it is and no mail goes anywhere before the person has an
account. While it is a draft or awaits the fee, the officers of that unit fill it through the applicant's own
form steps and services (``selectors.accessible_applications``). Once the fee is taken at the counter
(``payments.services.counter``) the officer issues the copy: a PDF in the person's language carrying a one-time
claim code, with which the person later moves the application into their own online account.

The claim code is HMAC(SECRET_KEY, a random salt of the row); only its SHA-256 is stored, so the table alone
gives no code, and the worker that prints the copy derives it again from the row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import re
import secrets
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from applications.models import (
    Application,
    ApplicationDocument,
    ApplicationEvent,
    ApplicationKind,
    CounterSubmission,
    Purpose,
)
from applications.services.lifecycle import (
    ApplicationFieldsError,
    application_url,
    create_draft,
    notify_applicant,
    record_event,
)
from eservice.exceptions import ConflictError, DomainError, ForbiddenError, NotFoundError
from identity.countries import is_country_code
from identity.models import Language, StaffAccessLog, TerritorialUnit, User
from workers.pdf import render_pdf
from workers.queueing import enqueue_on_commit
from workers.selectors import get_generated_document
from workers.services import absolute_url, store_pdf

logger = logging.getLogger(__name__)

Event = ApplicationEvent.Kind
COPY_KIND = "counter-copy"
PLACEHOLDER_DOMAIN = "counter.invalid"
# Letters and digits nobody confuses on paper or when typing (no 0/O, 1/I/L, U).
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
CODE_LENGTH = 12
# Claim-code guesses (the page and the API) share one rate-limit budget per client address (and per account).
CLAIM_GROUP = "applications.counter-claim"


class ClaimCodeError(DomainError):
    """The code (with the document number) matches no copy: one message for both, so neither is revealed."""

    code = "invalid_claim_code"
    default_message = _(
        "The code or the document number is not right. Check both as printed on your copy of the application."
    )


class ClaimCodeUsedError(ConflictError):
    code = "claim_code_used"
    default_message = _("This code has already been used: the application is in an online account.")


def _code_from_salt(salt: str) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), f"counter-claim:{salt}".encode(), hashlib.sha256).digest()
    number = int.from_bytes(digest, "big")
    chars = []
    for _position in range(CODE_LENGTH):
        number, index = divmod(number, len(CODE_ALPHABET))
        chars.append(CODE_ALPHABET[index])
    return "".join(chars)


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def normalise_code(text: str) -> str:
    """A code as typed: any case, with or without dashes and spaces; commonly mistyped letters mapped."""
    plain = re.sub(r"[\s\-]", "", text or "").upper().translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))
    return plain if len(plain) == CODE_LENGTH and all(char in CODE_ALPHABET for char in plain) else ""


def display_code(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def claim_code_for(submission: CounterSubmission) -> str:
    """The claim code printed on the copy (derived again from the row; nothing stores it)."""
    if not submission.claim_salt:
        raise ValueError("the copy of this counter submission was not issued")
    return _code_from_salt(submission.claim_salt)


def _normalise_number(text: str) -> str:
    return re.sub(r"\s", "", text or "").upper()


def _check_identity_document(
    *, document_type: str, document_number: str, document_country: str, document_valid_until: dt.date
) -> None:
    errors: dict[str, list[str]] = {}
    if document_type not in CounterSubmission.DocumentType.values:
        errors["document_type"] = [_("Choose the kind of identity document.")]
    if not document_number.isalnum() or len(document_number) < 5:
        errors["document_number"] = [_("Type the document number as printed, letters and digits only.")]
    if not is_country_code(document_country):
        errors["document_country"] = [_("Choose a country from the list.")]
    if document_valid_until < timezone.localdate():
        errors["document_valid_until"] = [
            _("This document has expired; it cannot prove the person's identity.")
        ]
    if errors:
        raise ApplicationFieldsError(errors)


@transaction.atomic
def start_counter_application(
    *,
    officer: User,
    unit: TerritorialUnit,
    kind: ApplicationKind,
    purpose: Purpose,
    processing_speed: str,
    first_name: str,
    last_name: str,
    date_of_birth: dt.date,
    nationality: str,
    language: str,
    document_type: str,
    document_number: str,
    document_country: str,
    document_valid_until: dt.date,
) -> Application:
    """Record the checked identity document and start a draft for the person at ``officer``'s counter.

    Only an officer of ``unit`` starts one there (``ForbiddenError`` otherwise); an expired or malformed
    document is refused (``ApplicationFieldsError``) and nothing is written.
    """
    if not officer.is_officer or officer.unit_id is None or officer.unit_id != unit.pk:
        raise ForbiddenError(_("You can start an application only at the counter of your own unit."))
    document_number = _normalise_number(document_number)
    document_country = (document_country or "").strip().upper()
    nationality = (nationality or "").strip().upper()
    _check_identity_document(
        document_type=document_type,
        document_number=document_number,
        document_country=document_country,
        document_valid_until=document_valid_until,
    )
    if language not in Language.values:
        raise ApplicationFieldsError({"language": [_("Choose the person's language.")]})
    placeholder = User.objects.create_user(
        email=f"counter-{secrets.token_hex(12)}@{PLACEHOLDER_DOMAIN}",
        password=None,  # unusable: nobody signs in as the placeholder
        is_active=False,
        email_verified_at=None,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        preferred_language=language,
    )
    person = {
        "first_name": first_name.strip(),
        "last_name": last_name.strip(),
        "date_of_birth": date_of_birth,
        "nationality": nationality,
    }
    if document_type == CounterSubmission.DocumentType.PASSPORT:  # the document checked at the counter
        person.update(passport_number=document_number, passport_valid_until=document_valid_until)
    application = create_draft(
        applicant=placeholder, kind=kind, purpose=purpose, processing_speed=processing_speed, person=person
    )
    application.counter_unit = unit
    application.unit = unit  # where the person gives biometrics; the unit step may change it
    application.save(update_fields=["counter_unit", "unit", "updated_at"])
    CounterSubmission.objects.create(
        application=application,
        unit=unit,
        document_type=document_type,
        document_number=document_number,
        document_country=document_country,
        document_valid_until=document_valid_until,
        checked_by=officer,
        checked_at=timezone.now(),
    )
    record_event(application=application, kind=Event.COUNTER_STARTED, actor=officer, data={"unit": unit.code})
    record_event(
        application=application,
        kind=Event.IDENTITY_CHECKED,
        actor=officer,
        data={
            "document_type": document_type,
            "document_country": document_country,
            "valid_until": document_valid_until.isoformat(),
        },
    )
    logger.info("counter.started application=%s unit=%s", application.pk, unit.code)
    return application


def _lock_counter(*, application_id: int, officer: User) -> CounterSubmission:
    submission = (
        CounterSubmission.objects.select_for_update(of=("self",))
        .select_related("application__kind", "application__applicant")
        .filter(application_id=application_id, unit_id=officer.unit_id)
        .first()
        if officer.is_officer and officer.unit_id is not None
        else None
    )
    if submission is None:
        raise NotFoundError(_("There is no such counter application at your unit."))
    return submission


@transaction.atomic
def issue_counter_copy(*, application_id: int, officer: User) -> CounterSubmission:
    """Issue the person's copy of the submission with its claim code, once the fee is paid. The PDF is
    rendered by the pdf worker after commit. Issuing again before the claim gives nothing new (the first copy
    and its code stand)."""
    submission = _lock_counter(application_id=application_id, officer=officer)
    application = submission.application
    if application.paid_at is None:
        raise ConflictError(
            _("The copy is issued once the application is submitted and the state fee is paid."),
            details={"state": application.state},
        )
    if submission.claimed_at is not None:
        raise ClaimCodeUsedError()
    if submission.copy_issued_at is not None:
        return submission
    submission.claim_salt = secrets.token_hex(16)
    submission.claim_digest = _digest(_code_from_salt(submission.claim_salt))
    submission.copy_issued_at = timezone.now()
    submission.save(update_fields=["claim_salt", "claim_digest", "copy_issued_at"])
    record_event(application=application, kind=Event.COPY_ISSUED, actor=officer)
    enqueue_on_commit("applications.tasks.render_counter_copy", submission.pk)
    logger.info("counter.copy_issued application=%s", application.pk)
    return submission


def render_counter_copy(*, submission_id: int) -> Any:
    """Render the person's copy once: the application as submitted, the identity check, the fee taken and the
    claim code, in Latvian and in the person's language. Idempotent."""
    submission = (
        CounterSubmission.objects.select_related(
            "application__applicant", "application__kind", "application__purpose", "application__unit", "unit"
        )
        .select_related("checked_by")
        .filter(pk=submission_id)
        .first()
    )
    if submission is None or not submission.claim_salt:
        logger.warning("counter.copy_skipped submission=%s", submission_id)
        return None
    existing = get_generated_document(owner=submission, kind=COPY_KIND)
    if existing is not None:
        return existing
    application = submission.application
    documents = list(
        ApplicationDocument.objects.filter(application=application, replaced_at__isnull=True)
        .select_related("document_type")
        .order_by("id")
    )
    language = application.applicant.preferred_language
    with translation.override(language):
        content = render_pdf(
            template_name="pdf/counter_copy.html",
            context={
                "application": application,
                "documents": documents,
                "submission": submission,
                "claim_code": display_code(claim_code_for(submission)),
                "claim_url": absolute_url(reverse("applications:claim")),
            },
            languages=["lv", language],
        )
    return store_pdf(
        owner=submission, kind=COPY_KIND, content=content, filename=f"{application.reference}-copy.pdf"
    )


@transaction.atomic
def claim_counter_application(*, user: User, code: str, document_number: str) -> Application:
    """Move a counter application into ``user``'s account: the code from the copy and the number of the
    identity document checked at the counter. A code works once, for one account."""
    if not user.is_applicant:
        raise ForbiddenError(_("Only an applicant's account can claim an application."))
    normalised = normalise_code(code)
    submission = (
        CounterSubmission.objects.select_for_update(of=("self",))
        .select_related("application")
        .filter(claim_digest=_digest(normalised or "-"))
        .first()
    )
    number_matches = submission is not None and hmac.compare_digest(
        _normalise_number(document_number).encode(), submission.document_number.encode()
    )
    if submission is None or not number_matches:
        logger.info("counter.claim_refused user=%s", user.pk)
        raise ClaimCodeError(details={"code": [str(ClaimCodeError.default_message)]})
    if submission.claimed_at is not None:
        raise ClaimCodeUsedError(details={"claimed_by_you": submission.claimed_by_id == user.pk})
    application = Application.objects.select_for_update(of=("self",)).get(pk=submission.application_id)
    placeholder_id = application.applicant_id
    application.applicant = user
    application.save(update_fields=["applicant", "updated_at"])
    submission.claimed_by = user
    submission.claimed_at = timezone.now()
    submission.save(update_fields=["claimed_by", "claimed_at"])
    # "Who looked at my file" follows the file: staff openings before the claim belong to the person.
    StaffAccessLog.objects.filter(applicant_id=placeholder_id).update(applicant=user)
    record_event(application=application, kind=Event.CLAIMED, actor=user)
    notify_applicant(
        application=application,
        event="counter_application_claimed",
        context={
            "reference": application.reference or "",
            "application_id": application.pk,
            "url": application_url(application),
        },
    )
    logger.info("counter.claimed application=%s user=%s", application.pk, user.pk)
    return application

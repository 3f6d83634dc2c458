"""Reads of the back office: issued letters by verification code, an applicant's own decision."""

from __future__ import annotations

from django.utils.translation import gettext as _

from decisions import verification
from decisions.models import Decision, DecisionLetter
from eservice.exceptions import NotFoundError
from identity.models import User

# A well-formed code no letter can have (Crockford's alphabet has no U): malformed input still costs the same
# one query as a real look-up, so timing does not tell a malformed code from an unknown one.
_NO_SUCH_CODE = "U" * verification.CODE_LENGTH


def get_letter_by_code(*, text: str) -> DecisionLetter | None:
    """The issued letter with this verification code (as typed or scanned), or None."""
    code = verification.normalise(text) or _NO_SUCH_CODE
    return (
        DecisionLetter.objects.select_related("decision__application", "document")
        .filter(verification_code=code, document__isnull=False, decision__state=Decision.State.ISSUED)
        .first()
    )


def get_issued_decision(*, user: User, application_id: int) -> Decision:
    """The issued decision on the caller's own application, with its letter; "not found" otherwise."""
    decision = (
        Decision.objects.select_related("application", "letter__document", "drafted_by", "approved_by")
        .prefetch_related("legal_grounds")
        .filter(
            application_id=application_id,
            application__applicant=user,
            state=Decision.State.ISSUED,
        )
        .first()
    )
    if decision is None:
        raise NotFoundError(_("There is no decision on this application yet."))
    return decision

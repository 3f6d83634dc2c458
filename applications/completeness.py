"""What an application still lacks before it can be submitted, and what its owner may do next.

Read-only: used by the submit service (409 with the list), the form's review step and the dashboard.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import has_transition_perm

from applications.models import Application, ApplicationDocument, DocumentRequirement, DocumentType
from applications.models.application import EDITABLE_STATES, personal_data_complete, stay_details_complete
from identity.countries import is_country_code

# The form's steps, in order; each names the fields it edits.
STEPS: list[tuple[str, tuple[str, ...]]] = [
    ("personal", Application.PERSONAL_FIELDS),
    ("purpose", ()),  # depends on the purpose: Application.purpose_fields()
    ("stay", Application.STAY_FIELDS),
    ("unit", ("unit",)),  # where to give biometrics and collect the card
    ("documents", ()),
    ("review", ()),
]
STEP_NAMES = [name for name, _fields in STEPS]

# Transitions the applicant may trigger, under the names the API and the pages use.
APPLICANT_ACTIONS = {"submit": "submit", "withdraw": "withdraw", "mark_paid": "pay"}
# Actions are always listed in this order, whichever way they were worked out.
ACTION_ORDER = ("edit", "submit", "pay", "withdraw")


def _in_order(names: list[str]) -> list[str]:
    return sorted(names, key=ACTION_ORDER.index)


def step_fields(application: Application, step: str) -> tuple[str, ...]:
    if step == "purpose":
        return application.purpose_fields()
    return dict(STEPS)[step]


def field_errors(application: Application, *, today: dt.date | None = None) -> dict[str, list[str]]:
    """Rules across fields: dates that make sense, a passport valid beyond the planned stay."""
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if application.date_of_birth and application.date_of_birth >= today:
        add("date_of_birth", _("The date of birth must be in the past."))
    if application.date_of_birth and application.date_of_birth.year < 1900:
        add("date_of_birth", _("Please check the year of birth."))
    if application.nationality and not is_country_code(application.nationality.upper()):
        add("nationality", _("Choose a country from the list."))
    if application.nationality and application.nationality.upper() == "LV":
        add("nationality", _("Citizens of Latvia do not need a residence permit."))
    if application.passport_valid_until and application.passport_valid_until <= today:
        add("passport_valid_until", _("The passport has expired."))
    if (
        application.stay_from
        and application.state == Application.State.DRAFT
        and application.stay_from < today
    ):
        add("stay_from", _("The planned stay cannot start in the past."))
    if application.stay_from and application.stay_to and application.stay_to < application.stay_from:
        add("stay_to", _("The stay cannot end before it starts."))
    if (
        application.passport_valid_until
        and application.stay_to
        and application.passport_valid_until <= application.stay_to
    ):
        message = _("The passport must be valid beyond the end of the planned stay (%(date)s).") % {
            "date": application.stay_to.isoformat()
        }
        add("passport_valid_until", message)
        add("stay_to", message)
    return errors


def _unit_problems(application: Application) -> list[dict[str, Any]]:
    """No unit chosen yet, or the chosen one stopped taking residence permit applications since."""
    if application.unit_id is None:
        return [
            {
                "code": "missing_field",
                "step": "unit",
                "field": "unit",
                "message": _("Choose where you will give biometrics and collect the card."),
            }
        ]
    unit = application.unit
    if application.state == Application.State.DRAFT and not (
        unit.is_active and unit.handles_residence_permits
    ):
        return [
            {
                "code": "invalid_field",
                "step": "unit",
                "field": "unit",
                "message": _("%(unit)s no longer accepts residence permit applications. Choose another unit.")
                % {"unit": unit.name},
            }
        ]
    return []


def requirement_applies(requirement: DocumentRequirement, application: Application) -> bool:
    if requirement.condition == DocumentRequirement.Condition.JOINING_SPOUSE:
        return application.family_member_relationship == "spouse"
    return requirement.applies_to(is_minor=application.is_minor)


def applicable_requirements(
    application: Application, requirements: list[DocumentRequirement]
) -> list[DocumentRequirement]:
    return [r for r in requirements if requirement_applies(r, application)]


@dataclass(frozen=True)
class Freshness:
    """Whether a document is recent enough by the catalogue (``DocumentType.max_age_days``) on a given day.

    ``status``: "no_limit" (the catalogue sets none), "fresh", "too_old", or "no_issue_date" (a limit applies
    but the issue date is unknown, which counts as not fresh)."""

    status: str
    on: dt.date
    max_age_days: int | None
    age_days: int | None  # days from the issue date to ``on``

    @property
    def is_fresh(self) -> bool:
        return self.status in ("no_limit", "fresh")


def document_freshness(document_type: DocumentType, issued_on: dt.date | None, *, on: dt.date) -> Freshness:
    """The catalogue's freshness rule, the one place it is applied (submission checks, the case page)."""
    age = (on - issued_on).days if issued_on is not None else None
    if document_type.max_age_days is None:
        status = "no_limit"
    elif issued_on is None:
        status = "no_issue_date"
    elif document_type.is_recent_enough(issued_on=issued_on, submitted_on=on):
        status = "fresh"
    else:
        status = "too_old"
    return Freshness(status=status, on=on, max_age_days=document_type.max_age_days, age_days=age)


def list_missing_items(
    application: Application,
    *,
    requirements: list[DocumentRequirement],
    documents: list[ApplicationDocument],
    on: dt.date | None = None,
) -> list[dict[str, Any]]:
    """Everything that stops a submission today: empty fields, invalid fields, missing or stale documents."""
    on = on or timezone.localdate()
    missing: list[dict[str, Any]] = []
    for step, _fields in STEPS:
        for field in step_fields(application, step):
            if field == "unit":
                missing.extend(_unit_problems(application))
            elif not getattr(application, field):
                missing.append(
                    {
                        "code": "missing_field",
                        "step": step,
                        "field": field,
                        "message": _("“%(label)s” is not filled in.")
                        % {"label": Application._meta.get_field(field).verbose_name},
                    }
                )
    for field, messages in field_errors(application, today=on).items():
        for message in messages:
            missing.append({"code": "invalid_field", "field": field, "message": message})

    by_type = {document.document_type_id: document for document in documents}
    for requirement in applicable_requirements(application, requirements):
        document_type = requirement.document_type
        document = by_type.get(document_type.pk)
        if document is None:
            if requirement.required:
                missing.append(
                    {
                        "code": "missing_document",
                        "step": "documents",
                        "document_type": document_type.code,
                        "message": _("Upload: %(name)s.") % {"name": document_type.name},
                    }
                )
            continue
        if not document_freshness(document_type, document.issued_on, on=on).is_fresh:
            missing.append(
                {
                    "code": "document_too_old",
                    "step": "documents",
                    "document_type": document_type.code,
                    "issued_on": document.issued_on.isoformat() if document.issued_on else None,
                    "max_age_days": document_type.max_age_days,
                    "message": _(
                        "%(name)s must have been issued within the last %(days)s days. Please upload a newer one."
                    )
                    % {"name": document_type.name, "days": document_type.max_age_days},
                }
            )
    return missing


def step_is_complete(application: Application, step: str) -> bool:
    if step == "personal":
        return personal_data_complete(application)
    if step == "purpose":
        return not application.missing_purpose_fields()
    if step == "stay":
        return stay_details_complete(application)
    if step == "unit":
        return application.unit_id is not None
    return False


def allowed_actions(application: Application, user: Any) -> list[str]:
    """What ``user`` may do with the application now, by the machine (row-local: no queries)."""
    actions = []
    if application.is_editable:
        actions.append("edit")
    for transition in application.get_available_state_transitions():
        name = APPLICANT_ACTIONS.get(transition.name)
        if name and has_transition_perm(getattr(application, transition.name), user):
            actions.append(name)
    if application.state == Application.State.DRAFT and "submit" not in actions:
        # The form is not complete yet; submitting is still the next step once it is.
        actions.append("submit")
    return _in_order(actions)


@cache
def owner_actions_by_state() -> dict[str, tuple[str, ...]]:
    """What the applicant who owns an application may do in each state: ``allowed_actions`` for the owner.

    The applicant's transitions have no condition that could make them unavailable to the owner except
    ``submit``'s completeness, and a draft lists "submit" either way; so the state alone decides, and a list
    page needs no model instance per row.
    """
    transitions = Application._meta.get_field("state").get_all_transitions(Application)
    actions: dict[str, list[str]] = {state: [] for state in Application.State.values}
    for state in Application.State.values:
        if state in EDITABLE_STATES:
            actions[state].append("edit")
    for transition in transitions:
        name = APPLICANT_ACTIONS.get(transition.name)
        if name and transition.source in actions and name not in actions[transition.source]:
            actions[transition.source].append(name)
    if "submit" not in actions[Application.State.DRAFT]:
        actions[Application.State.DRAFT].append("submit")
    return {state: tuple(_in_order(names)) for state, names in actions.items()}


def next_action(application: Application) -> str:
    """A plain-words description of what happens next, for the dashboard."""
    state = application.state
    if state == Application.State.DRAFT:
        return _("Complete the form and upload the documents, then submit.")
    if state == Application.State.AWAITING_PAYMENT:
        return _("Pay the state fee. Processing starts once the payment arrives.")
    if state in (
        Application.State.SUBMITTED,
        Application.State.IN_REVIEW,
        Application.State.DECISION_PENDING,
    ):
        return _("Nothing to do: the Office is examining your application.")
    if state == Application.State.AWAITING_APPLICANT:
        return _("The Office asked you for more information. Please answer.")
    if state == Application.State.GRANTED:
        if application.kind.needs_registration:
            return _("Your permit was granted. Register it to receive the residence permit card.")
        return _("Your permit was granted. Follow the instructions in the decision.")
    if state == Application.State.AWAITING_REGISTRATION:
        registration = getattr(application, "registration", None)  # select_related by the dashboard selector
        if registration is not None and not registration.card_fee_paid:
            return _("Pay the card fee, then book a visit to give your biometrics at the unit.")
        return _("Book a visit to give biometrics and register the permit.")
    if state == Application.State.COLLECTED:
        return _("Nothing to do: you have collected your residence permit card.")
    if state == Application.State.READY_FOR_COLLECTION:
        return _("Your card is ready. Collect it at the territorial unit.")
    if state == Application.State.CARD_IN_PRODUCTION:
        return _("Your card is being made. We will tell you when it is ready.")
    if state == Application.State.WITHDRAWN:
        return _("Nothing to do: you withdrew this application and the Office will not examine it.")
    if state == Application.State.EXPIRED:
        return _("Nothing to do: this draft expired. Start a new application if you still need a permit.")
    return _("No further action.")

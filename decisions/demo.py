"""Demo data for decisions (``manage.py seed_demo``): one case of the demo applicant that is granted, with its
decision issued, and awaiting registration, so a fresh ``make run`` shows the registration steps, the card fee
and "Book a visit" without processing a case first.

The applicant's side up to submission is not replayed (it needs uploaded documents): the application row is
made as submitted and awaiting its state fee, like ``generate_cases`` makes its rows. Everything after that goes
through the real services, so the timeline, the e-mails and the decision letter are what a real case leaves:
the state fee paid by bank transfer (``payments``), the demo officer takes the case and grants it (the demo
senior officer approves it where the unit wants four eyes), and the applicant starts the registration at the
case's unit. The card fee is left unpaid: the applicant can pay it, and book the visit, in the service.

Safe to run again: once the demo applicant has a granted decision, nothing more is made.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from applications.models import Application, ApplicationEvent, ApplicationKind, LegalGround, Purpose
from applications.models.application import reference_for
from applications.services import registration, review
from applications.services.lifecycle import decision_due_date, record_event
from decisions import services
from decisions.models import Decision
from identity.models import ApplicantProfile, User
from payments.models import Payment
from payments.services import payments

APPLICANT_EMAIL = "applicant@demo.example"
OFFICER_EMAIL = "officer@demo.example"
SENIOR_EMAIL = "senior@demo.example"
KIND, PURPOSE, GROUND = "first_trp", "studies", "il-23-1-studies"


def find_demo_granted_case(applicant: User) -> Application | None:
    """The demo applicant's granted case, once seeded (or any granted case of theirs)."""
    decision = (
        Decision.objects.filter(application__applicant=applicant, outcome=Decision.Outcome.GRANT)
        .select_related("application")
        .order_by("pk")
        .first()
    )
    return decision.application if decision is not None else None


def seed() -> list[str]:
    """Make the demo applicant's granted case awaiting registration (once); the lines to print about it."""
    users = {
        user.email: user
        for user in User.objects.filter(email__in=[APPLICANT_EMAIL, OFFICER_EMAIL, SENIOR_EMAIL])
    }
    applicant, officer = users.get(APPLICANT_EMAIL), users.get(OFFICER_EMAIL)
    if applicant is None or officer is None or officer.unit_id is None:
        return []
    application = find_demo_granted_case(applicant)
    if application is None:
        application = _granted_case(applicant=applicant, officer=officer, senior=users.get(SENIOR_EMAIL))
    return [
        f"Demo case {application.reference} of {applicant.email}: granted, {application.get_state_display().lower()}"
        f" (book a visit at {reverse('applications:visit', args=[application.pk])})",
    ]


@transaction.atomic
def _granted_case(*, applicant: User, officer: User, senior: User | None) -> Application:
    kind = ApplicationKind.objects.get(code=KIND)
    purpose = Purpose.objects.get(code=PURPOSE)
    application = _submitted_awaiting_payment(
        applicant=applicant, kind=kind, purpose=purpose, unit=officer.unit
    )

    started = payments.start_payment(
        application_id=application.pk, user=applicant, method=Payment.Method.BANK_TRANSFER
    )
    payments.confirm_payment(payment_id=started.payment.pk)

    review.take_case(application_id=application.pk, officer=officer)
    valid_from = timezone.localdate() + dt.timedelta(days=14)
    decision = services.draft_decision(
        application_id=application.pk,
        officer=officer,
        outcome=Decision.Outcome.GRANT,
        legal_ground_ids=[_grant_ground(kind=kind, purpose=purpose).pk],
        reasoning="The applicant is admitted to full-time studies at the University of Latvia and meets the "
        "conditions for a temporary residence permit for studies.",
        valid_from=valid_from,
        valid_to=valid_from + dt.timedelta(days=364),
    )
    if decision.state != Decision.State.ISSUED:  # the unit wants four eyes on grants too
        if senior is None:
            raise RuntimeError(
                "The demo unit needs a senior officer to approve grants; run seed_demo in full."
            )
        services.approve_decision(application_id=application.pk, senior=senior)

    registration.start_registration(
        application_id=application.pk, applicant=applicant, unit_id=officer.unit_id
    )
    application.refresh_from_db()
    return application


def _submitted_awaiting_payment(
    *, applicant: User, kind: ApplicationKind, purpose: Purpose, unit
) -> Application:
    """The demo applicant's complete first-permit application for studies, submitted today, fee not yet paid."""
    profile = ApplicantProfile.objects.filter(user=applicant).first()
    today = timezone.localdate()
    now = timezone.now()
    application = Application.objects.create(
        applicant=applicant,
        kind=kind,
        purpose=purpose,
        processing_speed="standard",
        state=Application.State.AWAITING_PAYMENT,
        first_name=applicant.first_name,
        last_name=applicant.last_name,
        date_of_birth=profile.date_of_birth if profile else dt.date(1990, 5, 17),
        nationality=profile.nationality if profile else "UA",
        passport_number=profile.passport_number if profile else "FE123456",
        passport_valid_until=profile.passport_valid_until if profile else today + dt.timedelta(days=3 * 365),
        school_name="University of Latvia",
        address_in_latvia="Raiņa bulvāris 19, Rīga, LV-1586",
        unit=unit,
        stay_from=today + dt.timedelta(days=14),
        stay_to=today + dt.timedelta(days=14 + 364),
        submitted_at=now,
        last_activity_at=now,
        decision_due_on=decision_due_date(speed="standard", start=today),
    )
    application.reference = reference_for(
        kind_code=kind.code, year=application.created_at.year, pk=application.pk
    )
    application.save(update_fields=["reference"])
    record_event(
        application=application,
        kind=ApplicationEvent.Kind.SUBMITTED,
        actor=applicant,
        data={
            "reference": application.reference,
            "decision_due_on": application.decision_due_on.isoformat(),
            "declaration": True,
            "unit": unit.code,
        },
    )
    return application


def _grant_ground(*, kind: ApplicationKind, purpose: Purpose) -> LegalGround:
    citable = (
        LegalGround.objects.filter(is_active=True, outcome=Decision.Outcome.GRANT)
        .filter(Q(kinds__isnull=True) | Q(kinds=kind))
        .filter(Q(purpose__isnull=True) | Q(purpose=purpose))
        .distinct()
    )
    return citable.filter(code=GROUND).first() or citable.order_by("pk").first()

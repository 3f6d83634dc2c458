"""Applications a parent, guardian or family member makes for another person from their own account.

The application records the person applied for (its personal fields: name, date of birth, nationality; whether
a minor follows from the date of birth), how they are related to the representative, and the representative's
account. It starts in the representative's account; an adult person with an account of their own can be
invited by e-mail and, once they accept while signed in with that (verified) address, the application moves
into their account and the representative keeps seeing it. Access for both goes through one rule
(``selectors.accessible_applications`` / ``models.application.may_act_on``).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import Application, ApplicationEvent, ApplicationKind, FamilyInvitation, Purpose
from applications.models.application import PersonRelationship
from applications.services.lifecycle import (
    ApplicationFieldsError,
    application_url,
    create_draft,
    record_event,
)
from eservice.exceptions import ConflictError, DomainError, NotFoundError
from identity.countries import is_country_code
from identity.models import User
from workers.services import absolute_url, notify

logger = logging.getLogger(__name__)

Event = ApplicationEvent.Kind


def _check_person(
    *, first_name: str, last_name: str, date_of_birth: dt.date, nationality: str, relationship: str
) -> None:
    errors: dict[str, list[str]] = {}
    if not first_name.strip():
        errors["first_name"] = [_("Give the person's given names as in their passport.")]
    if not last_name.strip():
        errors["last_name"] = [_("Give the person's surname as in their passport.")]
    if date_of_birth >= timezone.localdate() or date_of_birth.year < 1900:
        errors["date_of_birth"] = [_("The date of birth must be in the past.")]
    if not is_country_code(nationality):
        errors["nationality"] = [_("Choose a country from the list.")]
    if relationship not in PersonRelationship.values:
        errors["relationship"] = [_("Choose how the person is related to you.")]
    if errors:
        raise ApplicationFieldsError(errors)


@transaction.atomic
def create_draft_for_person(
    *,
    representative: User,
    kind: ApplicationKind,
    purpose: Purpose,
    processing_speed: str,
    first_name: str,
    last_name: str,
    date_of_birth: dt.date,
    nationality: str,
    relationship: str,
) -> Application:
    """Start a draft for another person (a child, a ward, a family member) in the representative's account."""
    nationality = (nationality or "").strip().upper()
    _check_person(
        first_name=first_name,
        last_name=last_name,
        date_of_birth=date_of_birth,
        nationality=nationality,
        relationship=relationship,
    )
    # The application is about the other person: their data, not the representative's profile.
    application = create_draft(
        applicant=representative,
        kind=kind,
        purpose=purpose,
        processing_speed=processing_speed,
        person={
            "first_name": first_name.strip(),
            "last_name": last_name.strip(),
            "date_of_birth": date_of_birth,
            "nationality": nationality,
        },
    )
    application.representative = representative
    application.relationship_to_representative = relationship
    application.save(update_fields=["representative", "relationship_to_representative", "updated_at"])
    record_event(
        application=application,
        kind=Event.REPRESENTATIVE_STARTED,
        actor=representative,
        data={"relationship": relationship, "minor": bool(application.is_minor)},
    )
    logger.info("application.for_person id=%s representative=%s", application.pk, representative.pk)
    return application


@transaction.atomic
def invite_person(*, application_id: int, representative: User, email: str) -> FamilyInvitation:
    """Invite the adult person applied for to see the application in their own account. A newer invitation
    replaces an open one. If an account with the address exists, it is told by e-mail; either way the person
    sees the invitation once signed in with that address, verified (nothing here says whether it exists)."""
    application = (
        Application.objects.select_for_update(of=("self",))
        .select_related("kind")
        .filter(pk=application_id, representative=representative)
        .first()
    )
    if application is None:
        raise NotFoundError(_("There is no such application."))
    if application.applicant_id != representative.pk:
        raise ConflictError(_("The person has already linked their own account to this application."))
    if application.is_minor:
        raise DomainError(_("An application for a minor stays in the account of their representative."))
    email = (email or "").strip().lower()
    if not email or "@" not in email or email == representative.email.lower():
        raise ApplicationFieldsError({"email": [_("Give the e-mail address of the person applied for.")]})
    FamilyInvitation.objects.filter(application=application, accepted_at__isnull=True).delete()
    invitation = FamilyInvitation.objects.create(
        application=application, email=email, invited_by=representative
    )
    record_event(
        application=application, kind=Event.PERSON_INVITED, actor=representative, data={"email": email}
    )
    invitee = User.objects.filter(
        email__iexact=email, is_active=True, role="applicant", email_verified_at__isnull=False
    ).first()
    if invitee is not None:
        notify(
            recipient=invitee,
            event="family_invitation",
            context={
                "reference": application.reference or "",
                "representative_name": representative.get_full_name(),
                "url": absolute_url(reverse("applications:invitations")),
            },
        )
    logger.info("family.invited application=%s invitation=%s", application.pk, invitation.pk)
    return invitation


def list_open_invitations(*, user: User) -> list[FamilyInvitation]:
    """Invitations waiting for ``user``: to their address, once verified (never before: anyone can type an
    address at registration)."""
    if not user.is_authenticated or not user.is_applicant or not user.email_verified:
        return []
    return list(
        FamilyInvitation.objects.filter(email__iexact=user.email, accepted_at__isnull=True)
        .exclude(invited_by=user)
        .select_related("application__kind", "application__purpose", "invited_by")
        .order_by("-created_at", "-id")
    )


@transaction.atomic
def accept_invitation(*, invitation_id: int, user: User) -> Application:
    """The invited person accepts while signed in with the invited, verified address: the application moves
    into their account; the representative keeps seeing it. Anyone else: "not found"."""
    invitation = (
        FamilyInvitation.objects.select_for_update()
        .filter(pk=invitation_id, accepted_at__isnull=True, email__iexact=user.email)
        .exclude(invited_by=user)
        .first()
        if user.is_applicant and user.email_verified
        else None
    )
    if invitation is None:
        raise NotFoundError(_("There is no such invitation."))
    application = Application.objects.select_for_update(of=("self",)).get(pk=invitation.application_id)
    if application.applicant_id != invitation.invited_by_id:
        raise ConflictError(_("The application is already linked to another account."))
    application.applicant = user
    application.save(update_fields=["applicant", "updated_at"])
    invitation.accepted_by = user
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_by", "accepted_at"])
    record_event(application=application, kind=Event.PERSON_LINKED, actor=user)
    notify(
        recipient=invitation.invited_by,
        event="family_invitation_accepted",
        context={
            "reference": application.reference or "",
            "person_name": f"{application.first_name} {application.last_name}".strip(),
            "url": application_url(application),
        },
    )
    logger.info("family.linked application=%s user=%s", application.pk, user.pk)
    return application

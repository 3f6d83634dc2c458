"""Inviting applicants to the satisfaction survey, and taking their answers anonymously.

``invite_to_survey`` is called by the decision issuing path (``decisions.services``) and by the visit path; it
invites once per application and occasion, whatever calls it twice. ``answer_survey`` writes an answer that keeps
only the unit, the occasion and the month, and marks the invitation answered (by the day only), so a report can
never tell whose answer it is.
"""

from __future__ import annotations

import logging
import uuid

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import Application
from applications.surveys.models import Occasion, SurveyAnswer, SurveyInvitation
from eservice.exceptions import ConflictError, DomainError, NotFoundError
from identity.models import User
from workers.services import absolute_url, notify

logger = logging.getLogger(__name__)

MAX_COMMENT_LENGTH = 2000


class SurveyAnsweredError(ConflictError):
    code = "survey_answered"


class SurveyInvalidError(DomainError):
    code = "invalid_survey_answer"


def survey_url(invitation: SurveyInvitation) -> str:
    return absolute_url(reverse("applications:survey", args=[invitation.token]))


@transaction.atomic
def invite_to_survey(*, application: Application, occasion: str) -> SurveyInvitation | None:
    """Invite the applicant to rate the service after ``occasion`` ("decision" or "visit"), by e-mail and on
    the dashboard. Once per application and occasion: a second call returns None and sends nothing."""
    if occasion not in Occasion.values:
        raise ValueError(f"invite_to_survey() occasion must be one of {Occasion.values}, got {occasion!r}")
    if SurveyInvitation.objects.filter(application=application, occasion=occasion).exists():
        return None
    try:
        with transaction.atomic():  # a savepoint: two callers at once, the second finds the first's row
            invitation = SurveyInvitation.objects.create(
                user_id=application.applicant_id,
                application=application,
                unit_id=application.unit_id,
                occasion=occasion,
            )
    except IntegrityError:
        return None
    notify(
        recipient=application.applicant,
        event="survey_invitation",
        context={
            "reference": application.reference or "",
            "occasion": occasion,
            "url": survey_url(invitation),
        },
    )
    logger.info("survey.invited id=%s application=%s occasion=%s", invitation.pk, application.pk, occasion)
    return invitation


def _lock_invitation(*, token: uuid.UUID | str, user: User) -> SurveyInvitation:
    invitation = SurveyInvitation.objects.select_for_update().filter(token=token, user=user).first()
    if invitation is None:
        raise NotFoundError(_("There is no such survey."))
    return invitation


@transaction.atomic
def answer_survey(*, token: uuid.UUID | str, user: User, rating: int, comment: str = "") -> SurveyInvitation:
    """Record one anonymous answer for the invited account; a second answer is refused (409)."""
    invitation = _lock_invitation(token=token, user=user)
    if invitation.answered_on is not None:
        raise SurveyAnsweredError(_("You have already answered this survey. Thank you."))
    if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5:
        problem = _("Choose a rating from 1 to 5.")
        raise SurveyInvalidError(problem, details={"rating": [problem]})
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT_LENGTH:
        problem = _("A comment can be at most %(limit)d characters long.") % {"limit": MAX_COMMENT_LENGTH}
        raise SurveyInvalidError(problem, details={"comment": [problem]})
    today = timezone.localdate()
    SurveyAnswer.objects.create(
        unit_id=invitation.unit_id,
        occasion=invitation.occasion,
        month=today.replace(day=1),
        rating=rating,
        comment=comment,
    )
    invitation.answered_on = today
    invitation.save(update_fields=["answered_on"])
    logger.info("survey.answered invitation=%s", invitation.pk)
    return invitation

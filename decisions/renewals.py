"""The daily job that invites holders of permits about to expire to apply for a repeated permit.

The permit's validity is the issued grant's ``valid_to``; the invitation itself (once per permit, its e-mail,
its timeline line) is ``applications.renewals.services.invite_permit_renewal``.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.utils import timezone

from applications.renewals.services import HOLDING_STATES, RENEWABLE_KINDS, invite_permit_renewal
from decisions.models import Decision

logger = logging.getLogger(__name__)


def list_permits_due_for_renewal(*, today: dt.date) -> list[tuple[int, dt.date]]:
    """(application id, valid until) of granted permits expiring within the lead time and not yet invited."""
    horizon = today + dt.timedelta(days=settings.PERMIT_RENEWAL_INVITATION_DAYS)
    return list(
        Decision.objects.filter(
            state=Decision.State.ISSUED,
            outcome=Decision.Outcome.GRANT,
            valid_to__gte=today,
            valid_to__lte=horizon,
            application__state__in=HOLDING_STATES,
            # Temporary permits only: EU long-term status and a registration are not renewed this way.
            application__kind__code__in=RENEWABLE_KINDS,
            application__renewal_invitation__isnull=True,
            application__applicant__is_active=True,
        )
        .order_by("valid_to", "application_id")
        .values_list("application_id", "valid_to")
    )


def send_renewal_invitations(*, today: dt.date | None = None) -> list[int]:
    """Invite each due holder once (each in its own transaction); returns the invited applications' ids."""
    today = today or timezone.localdate()
    invited = []
    for application_id, valid_to in list_permits_due_for_renewal(today=today):
        if invite_permit_renewal(application_id=application_id, valid_to=valid_to) is not None:
            invited.append(application_id)
    if invited:
        logger.info("renewal.invitations_sent count=%s", len(invited))
    return invited

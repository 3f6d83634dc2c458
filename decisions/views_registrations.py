"""The unit's registrations in the back office: granted permits waiting for biometrics (overdue first), cards in
production ("card produced"), cards ready for collection ("handed over"). The visit list of the day is the
visits part's page; biometrics are marked there.

Officers of the unit only (with the second factor); another unit's page or case is 404. Thin: the services in
``applications.services.registration`` decide and write.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from applications.models import Application
from applications.selectors_registration import list_unit_registrations
from applications.services import registration
from eservice.exceptions import DomainError, NotFoundError
from identity.permissions import staff_otp_required

logger = logging.getLogger(__name__)

# Page action (URL slug) → the service that does it.
ACTIONS = {
    "card-produced": registration.mark_card_produced,
    "handed-over": registration.hand_over_card,
}


def _officer_of(request: HttpRequest, unit_id: int) -> None:
    if not request.user.is_officer:
        raise PermissionDenied
    if request.user.unit_id != unit_id:
        logger.warning("registrations.access_refused unit=%s staff=%s", unit_id, request.user.pk)
        raise Http404


@require_GET
@staff_otp_required
def my_unit_registrations(request: HttpRequest) -> HttpResponse:
    """The navigation's link: the signed-in officer's own unit."""
    if not request.user.is_officer or request.user.unit_id is None:
        raise PermissionDenied
    return redirect("decisions:unit-registrations", request.user.unit_id)


@require_GET
@staff_otp_required
def unit_registrations(request: HttpRequest, unit_id: int) -> HttpResponse:
    _officer_of(request, unit_id)
    today = timezone.localdate()
    return render(
        request,
        "decisions/backoffice/registrations.html",
        {"lists": list_unit_registrations(unit_id=unit_id, today=today), "today": today, "unit_id": unit_id},
    )


@require_POST
@staff_otp_required
def registration_action(request: HttpRequest, application_id: int, action: str) -> HttpResponse:
    if not request.user.is_officer:
        raise PermissionDenied
    service = ACTIONS.get(action)
    if service is None:
        raise Http404
    application = Application.objects.filter(pk=application_id).only("pk").first()
    if application is None:
        raise Http404
    try:
        service(application=application, actor=request.user)
    except NotFoundError:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if action == "card-produced":
            messages.success(request, _("The applicant was told that the card is ready for collection."))
        else:
            messages.success(request, _("The card was handed over; the case is closed."))
    return redirect("decisions:unit-registrations", request.user.unit_id)

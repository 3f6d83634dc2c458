"""The visit pages: the applicant books, moves or cancels a visit; the unit's officers run their day.

Thin: forms parse, services decide; a refused booking is a form error on the same page (with the service's
status: 400 for a time that cannot be booked, 409 when the last place was just taken).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from applications.appointments import selectors, services
from applications.appointments.forms import CloseVisitsForm, VisitForm, parse_day
from applications.models import Application
from eservice.exceptions import DomainError, NotFoundError
from identity.permissions import staff_otp_required

logger = logging.getLogger(__name__)


def _week_of(request: HttpRequest, today: dt.date) -> dt.date:
    day = parse_day(request.GET.get("week"), today) or today
    return selectors.week_start(max(day, today))


def _visit_context(request: HttpRequest, application: Application, form: VisitForm, companions) -> dict:
    today = timezone.localdate()
    start = _week_of(request, today)
    end = start + dt.timedelta(days=6)
    unit = application.visit_unit
    slots = selectors.list_free_slots(unit_id=unit.pk, start=start, end=end) if unit is not None else []
    appointment = selectors.get_active_appointment(application_id=application.pk)
    may_change = None
    if appointment is not None:
        cutoff = dt.timedelta(hours=settings.VISIT_CHANGE_CUTOFF_HOURS)
        may_change = appointment.slot.starts_at - timezone.now() >= cutoff
    return {
        "application": application,
        "appointment": appointment,
        "may_change": may_change,
        "reschedules_left": (
            max(settings.VISIT_MAX_RESCHEDULES - appointment.reschedules, 0) if appointment else None
        ),
        "form": form,
        "companions": companions,
        "days": selectors.group_by_day(start=start, slots=slots),
        "week_start": start,
        "week_end": end,
        "previous_week": start - dt.timedelta(days=7) if start > selectors.week_start(today) else None,
        "next_week": start + dt.timedelta(days=7),
        "cutoff_hours": settings.VISIT_CHANGE_CUTOFF_HOURS,
    }


@login_required
@require_http_methods(["GET", "POST"])
def visit(request: HttpRequest, application_id: int) -> HttpResponse:
    """The week's free times at the applicant's unit; POST books one (or moves the booked visit to it)."""
    application = selectors.get_own_application(user=request.user, application_id=application_id)
    if application.state != Application.State.AWAITING_REGISTRATION:
        raise Http404
    appointment = selectors.get_active_appointment(application_id=application.pk)
    companions = [] if appointment else selectors.list_companions(user=request.user, application=application)
    form = VisitForm(request.POST if request.method == "POST" else None, companions=companions)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            if appointment is None:
                services.book_visit(
                    application_id=application.pk,
                    user=request.user,
                    slot_id=form.cleaned_data["slot"],
                    with_application_ids=form.cleaned_data["with_applications"],
                )
                messages.success(request, _("Your visit is booked. We have sent you the details by e-mail."))
            else:
                services.reschedule_visit(
                    application_id=application.pk, user=request.user, slot_id=form.cleaned_data["slot"]
                )
                messages.success(request, _("Your visit is moved. We have sent you the new time by e-mail."))
            return redirect("applications:visit", application.pk)
        except DomainError as error:
            form.add_error(None, error.message)
            status = error.status_code
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "applications/visit.html",
        _visit_context(request, application, form, companions),
        status=status,
    )


@login_required
@require_POST
def cancel_visit(request: HttpRequest, application_id: int) -> HttpResponse:
    application = selectors.get_own_application(user=request.user, application_id=application_id)
    try:
        services.cancel_visit(application_id=application.pk, user=request.user)
    except NotFoundError:
        raise Http404 from None
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your visit is cancelled. You may book a new time."))
    return redirect("applications:visit", application.pk)


# --- the unit's day (officers) ------------------------------------------------------------------------------
def _officer(request: HttpRequest) -> None:
    if not request.user.is_officer or request.user.unit_id is None:
        raise PermissionDenied


@require_GET
@staff_otp_required
def unit_day(request: HttpRequest) -> HttpResponse:
    """Today's (or ``?date=``) visits at the officer's unit, with their actions."""
    _officer(request)
    today = timezone.localdate()
    day = parse_day(request.GET.get("date"), today)
    if day is None:
        return HttpResponseBadRequest(_("The date must be written as YYYY-MM-DD."))
    return _render_day(request, day=day, close_form=CloseVisitsForm(initial={"date": day}))


def _render_day(request: HttpRequest, *, day: dt.date, close_form: CloseVisitsForm, status: int = 200):
    unit_id = request.user.unit_id
    visits = selectors.list_unit_day(unit_id=unit_id, day=day)
    return render(
        request,
        "applications/backoffice_visits.html",
        {
            "day": day,
            "previous_day": day - dt.timedelta(days=1),
            "next_day": day + dt.timedelta(days=1),
            "visits": visits,
            "now": timezone.now(),
            "close_form": close_form if request.user.is_senior_officer else None,
            "unit": request.user.unit,
        },
        status=status,
    )


_ACTIONS = {
    "arrived": (services.mark_visit_arrived, _("Marked as arrived.")),
    "no-show": (
        services.mark_visit_missed,
        _("Marked as not come; the applicant is told they may book again."),
    ),
    "biometrics": (
        services.record_visit_biometrics,
        _("Biometrics recorded; the card goes into production."),
    ),
}


@require_POST
@staff_otp_required
def visit_action(request: HttpRequest, appointment_id: int, action: str) -> HttpResponse:
    _officer(request)
    if action not in _ACTIONS:
        raise Http404
    service, done = _ACTIONS[action]
    try:
        appointment = service(appointment_id=appointment_id, officer=request.user)
    except NotFoundError:
        raise Http404 from None
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(request.POST.get("back") or reverse("applications:backoffice-visits"))
    messages.success(request, done)
    day = timezone.localtime(appointment.slot.starts_at).date()
    return redirect(f"{reverse('applications:backoffice-visits')}?date={day.isoformat()}")


@require_POST
@staff_otp_required
def close_visits(request: HttpRequest) -> HttpResponse:
    """A senior officer closes a day or part of it: bookings cancelled, each applicant apologised to."""
    _officer(request)
    if not request.user.is_senior_officer:
        raise PermissionDenied
    form = CloseVisitsForm(request.POST)
    if not form.is_valid():
        day = parse_day(request.POST.get("date"), timezone.localdate()) or timezone.localdate()
        return _render_day(request, day=day, close_form=form, status=400)
    data = form.cleaned_data
    try:
        _closure, cancelled = services.close_visits(
            unit_id=request.user.unit_id,
            date=data["date"],
            starts=data["starts"],
            ends=data["ends"],
            reason=data["reason"],
            actor=request.user,
        )
    except DomainError as error:
        form.add_error(None, error.message)
        return _render_day(request, day=data["date"], close_form=form, status=error.status_code)
    messages.success(
        request,
        _("Closed. %(count)s booked people were told and asked to choose another time.")
        % {"count": cancelled},
    )
    return redirect(f"{reverse('applications:backoffice-visits')}?date={data['date'].isoformat()}")

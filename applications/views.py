"""Public pages: the home page, the procedure guide, territorial units and contact channels. No sign-in."""

from __future__ import annotations

from itertools import groupby

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from applications.calendar import upcoming_days_off
from applications.exceptions import UnknownKindError, UnknownPurposeError
from applications.guide import Age, GuideForm, build_answer
from applications.selectors import (
    get_current_payee_account,
    get_kind,
    get_purpose,
    get_residence_permit_unit,
    list_kinds_with_catalogue,
    list_residence_permit_units,
)
from applications.selectors_dashboard import get_applications_summary
from eservice.exceptions import NotFoundError
from identity.models import TerritorialUnit


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The front page: the guide as the first step; a signed-in applicant also sees their applications."""
    user = request.user
    summary = get_applications_summary(user=user) if user.is_authenticated and user.is_applicant else None
    return render(request, "home.html", {"summary": summary})


def _not_found(request: HttpRequest, error: NotFoundError, *, back_url: str, back_label: str) -> HttpResponse:
    return render(
        request,
        "applications/not_found.html",
        {"message": error.message, "back_url": back_url, "back_label": back_label},
        status=404,
    )


def _office_contacts() -> dict[str, str]:
    """The Office's central contacts, shown where a unit has none of its own yet."""
    return {"office_phone": settings.OFFICE_INFO_PHONE, "office_email": settings.OFFICE_EMAIL}


def hours_by_weekday(unit: TerritorialUnit) -> list[tuple[str, list]]:
    rows = []
    for _weekday, hours in groupby(unit.reception_hours.all(), key=lambda row: row.weekday):
        hours = list(hours)
        rows.append((hours[0].get_weekday_display(), hours))
    return rows


@require_GET
def guide(request: HttpRequest) -> HttpResponse:
    """The questions. A complete, valid set of answers goes on to the answer page."""
    form = GuideForm(request.GET or None)
    if form.is_valid():
        url = reverse(
            "applications:guide-answer",
            kwargs={"kind": form.kind_code, "purpose": form.cleaned_data["purpose"].code},
        )
        query = f"?speed={form.cleaned_data['speed']}"
        if form.cleaned_data["age"]:
            query += f"&age={form.cleaned_data['age']}"
        return redirect(url + query)
    return render(request, "applications/guide.html", {"form": form, "kinds": list_kinds_with_catalogue()})


@require_GET
def guide_answer(request: HttpRequest, kind: str, purpose: str, printable: bool = False) -> HttpResponse:
    try:
        kind_obj = get_kind(code=kind)
        purpose_obj = get_purpose(code=purpose, kind=kind_obj)
    except (UnknownKindError, UnknownPurposeError, NotFoundError) as error:
        return _not_found(
            request, error, back_url=reverse("applications:guide"), back_label=_("Back to the guide")
        )
    age = request.GET.get("age", "")
    is_minor = {Age.MINOR: True, Age.ADULT: False}.get(age)
    requested_speed = request.GET.get("speed", "")
    answer = build_answer(kind=kind_obj, purpose=purpose_obj, speed=requested_speed, is_minor=is_minor)
    context = {
        "answer": answer,
        "speed_not_offered": bool(requested_speed) and requested_speed != answer.speed.value,
        "requested_speed": requested_speed,
        "today": timezone.localdate(),
        "age": age if is_minor is not None else "",
    }
    if printable:
        return render(request, "applications/checklist.html", context)
    context.update(
        {
            "payee": get_current_payee_account(),
            "units": list_residence_permit_units(),
            "days_off": upcoming_days_off(after=timezone.localdate(), limit=3),
        }
    )
    return render(request, "applications/guide_answer.html", context)


@require_GET
def unit_list(request: HttpRequest) -> HttpResponse:
    units = list_residence_permit_units()
    return render(
        request,
        "applications/units.html",
        {
            "units": [(unit, hours_by_weekday(unit)) for unit in units],
            "days_off": upcoming_days_off(after=timezone.localdate(), limit=5),
            **_office_contacts(),
        },
    )


@require_GET
def unit_detail(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_residence_permit_unit(code=code)
    if unit is None:
        error = NotFoundError(
            _("There is no territorial unit “%(code)s” that accepts residence permit applications.")
            % {"code": code}
        )
        return _not_found(
            request, error, back_url=reverse("applications:units"), back_label=_("All territorial units")
        )
    return render(
        request,
        "applications/unit_detail.html",
        {
            "unit": unit,
            "hours": hours_by_weekday(unit),
            "days_off": upcoming_days_off(after=timezone.localdate(), limit=5),
            **_office_contacts(),
        },
    )


def _contacts() -> dict[str, object]:
    return {
        "office_name": settings.OFFICE_NAME,
        "info_phone": settings.OFFICE_INFO_PHONE,
        "migration_phone": settings.OFFICE_MIGRATION_PHONE,
        "migration_phone_hours": settings.OFFICE_MIGRATION_PHONE_HOURS,
        "email": settings.OFFICE_EMAIL,
        "address": settings.OFFICE_ADDRESS,
    }


@require_GET
def contact(request: HttpRequest) -> HttpResponse:
    return render(request, "applications/contact.html", _contacts())


# What the Office's customer service standard says customers are told, one page each (linked from the footer).
INFO_PAGES = {
    "complaints": "applications/info/complaints.html",
    "privacy": "applications/info/privacy.html",
    "accessibility": "applications/info/accessibility.html",
}


@require_GET
def info_page(request: HttpRequest, page: str) -> HttpResponse:
    return render(request, INFO_PAGES[page], _contacts())

"""The applicant's pages: all my applications, the multi-step form, documents, submit, withdraw, downloads.

Thin: parse, check who asks (someone else's application is 404), call one service or selector, render.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from applications import hooks, selectors_dashboard, selectors_registration, services
from applications.case_messages import selectors as message_selectors
from applications.case_messages import services as message_services
from applications.case_messages.forms import MessageForm
from applications.completeness import (
    STEP_NAMES,
    allowed_actions,
    applicable_requirements,
    list_missing_items,
    next_action,
    step_is_complete,
)
from applications.forms import (
    STEP_FORMS,
    STEP_TITLES,
    DeclarationForm,
    DocumentUploadForm,
    RegistrationStartForm,
    UnitForm,
)
from applications.guide import Age
from applications.models import Application, ApplicationDocument, CardSpeed, Fee, ProcessingSpeed
from applications.renewals import selectors as renewal_selectors
from applications.selectors import (
    get_current_fee,
    get_kind,
    get_purpose,
    list_requirements,
    list_residence_permit_units,
)
from applications.services import family
from applications.services import registration as services_registration
from applications.services.lifecycle import ApplicationFieldsError, StartsFromDecisionError
from applications.surveys import selectors as survey_selectors
from applications.timeline import build_timeline, closure, document_type_names
from applications.uploads import RequestSizeLimitHandler, install_size_limit, too_large_error
from applications.views import hours_by_weekday
from eservice.errors import VisitorPermissionDenied, error_response
from eservice.exceptions import DomainError, NotFoundError
from identity.countries import country_choices
from identity.selectors import list_latest_access_about
from workers.downloads import pdf_download

# How many "who looked at my file" lines the dashboard shows; the account's access log page has them all.
DASHBOARD_ACCESS_ENTRIES = 5


def applicant_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in as an applicant; a staff account gets the 403 page saying why (it has no applications)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_applicant:
            raise VisitorPermissionDenied(
                _("Applicants' pages are not available to staff accounts. Sign in with an applicant account.")
            )
        return view(request, *args, **kwargs)

    return wrapper


def _own(request: HttpRequest, application_id: int, *, with_related: bool = False) -> Application:
    try:
        return selectors_dashboard.get_application(
            user=request.user, application_id=application_id, with_related=with_related
        )
    except NotFoundError:
        raise Http404(_("There is no such application.")) from None


def _step_url(application: Application, step: str) -> str:
    return reverse("applications:step", args=[application.pk, step])


@applicant_required
def dashboard(request: HttpRequest) -> HttpResponse:
    applications = selectors_dashboard.list_dashboard_applications(user=request.user)
    names = document_type_names()
    cards = [_card(request, application, names) for application in applications]
    access = list_latest_access_about(applicant=request.user, limit=DASHBOARD_ACCESS_ENTRIES)
    surveys = survey_selectors.list_open_invitations(user=request.user)
    renewals = renewal_selectors.list_open_invitations(user=request.user, today=timezone.localdate())
    return render(
        request,
        "applications/dashboard.html",
        {
            "cards": cards,
            "access_entries": access,
            "survey_invitations": surveys,
            "renewals": renewals,
            "invitations": family.list_open_invitations(user=request.user),
        },
    )


def _card(request: HttpRequest, application: Application, names: dict[str, str]) -> dict[str, Any]:
    return {
        "application": application,
        "next_action": next_action(application),
        "actions": allowed_actions(application, request.user),
        "timeline": build_timeline(application, names=names),
        "closure": closure(application),
        "registration": selectors_registration.registration_progress(application),
    }


@login_required
def detail(request: HttpRequest, application_id: int) -> HttpResponse:
    application = _own(request, application_id, with_related=True)
    card = _card(request, application, document_type_names())
    card["office_documents"] = selectors_dashboard.list_office_documents(application=application)
    context: dict[str, Any] = {
        "card": card,
        "thread": message_selectors.list_thread(application=application),
        "messages_open": message_services.is_open_for_messages(application),
        "message_form": MessageForm(),
        "channels": message_services.other_channels(),
        "max_attachments": settings.MESSAGE_MAX_ATTACHMENTS,
        "attachment_max_bytes": settings.MESSAGE_ATTACHMENT_MAX_BYTES,
        "renewal_summary": None,
    }
    renewal = renewal_selectors.get_renewal_of_draft(application=application)
    if (
        renewal is not None
    ):  # a repeated-permit draft started from an invitation: what came over, what is needed
        context["renewal_summary"] = renewal_selectors.describe_carried_over(renewal.carried_over)
    return render(request, "applications/detail.html", context)


@login_required
def summary_pdf(request: HttpRequest, application_id: int) -> HttpResponse:
    """The application summary PDF the service rendered at submission, to its owner only."""
    try:
        document = selectors_dashboard.get_application_summary_pdf(
            user=request.user, application_id=application_id
        )
    except NotFoundError as error:
        return error_response(request, 404, message=error.message)
    return pdf_download(document)


@applicant_required
@require_http_methods(["GET", "POST"])
def delete_draft(request: HttpRequest, application_id: int) -> HttpResponse:
    """GET: ask for confirmation. POST: delete the draft with its documents (only a draft; never undone)."""
    application = _own(request, application_id)
    if application.state != Application.State.DRAFT:
        messages.error(request, _("Only a draft can be deleted. A submitted application can be withdrawn."))
        return redirect("applications:detail", application.pk)
    if request.method == "GET":
        return render(request, "applications/delete_confirm.html", {"application": application})
    try:
        services.delete_draft(application_id=application.pk, user=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("applications:detail", application.pk)
    messages.success(request, _("The draft was deleted."))
    return redirect("applications:dashboard")


@applicant_required
@require_http_methods(["GET", "POST"])
def new_application(request: HttpRequest) -> HttpResponse:
    """GET shows what is being started (from the guide's link); POST starts the draft."""
    source = request.POST if request.method == "POST" else request.GET
    try:
        kind = get_kind(code=source.get("kind", ""))
        purpose = get_purpose(code=source.get("purpose", ""), kind=kind)
    except NotFoundError as error:
        return render(
            request,
            "applications/not_found.html",
            {"message": error.message, "back_url": reverse("applications:guide"), "back_label": _("Guide")},
            status=404,
        )
    speed = source.get("speed") or ProcessingSpeed.STANDARD
    if not kind.offers_speed(speed):
        speed = ProcessingSpeed.STANDARD
    age = source.get("age", "")
    context = {
        "kind": kind,
        "purpose": purpose,
        "speed": ProcessingSpeed(speed),
        "age": age if age in Age.values else "",
        "age_label": Age(age).label if age in Age.values else "",
    }
    if request.method == "POST":
        try:
            application = services.create_draft(
                applicant=request.user,
                kind=kind,
                purpose=purpose,
                processing_speed=speed,
                is_minor={Age.MINOR: True, Age.ADULT: False}.get(context["age"]),
            )
        except StartsFromDecisionError as error:
            return render(request, "applications/new.html", {**context, "error": error.message}, status=409)
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("applications:dashboard")
        return redirect(_step_url(application, "personal"))
    return render(request, "applications/new.html", context)


def _progress(application: Application, step: str) -> dict:
    index = STEP_NAMES.index(step)
    return {
        "current": step,
        "number": index + 1,
        "total": len(STEP_NAMES),
        "steps": [
            {
                "name": name,
                "title": STEP_TITLES[name],
                "url": _step_url(application, name),
                "done": step_is_complete(application, name),
            }
            for name in STEP_NAMES
        ],
        "previous": _step_url(application, STEP_NAMES[index - 1]) if index else None,
    }


@login_required
@require_http_methods(["GET", "POST"])
def step(request: HttpRequest, application_id: int, step: str) -> HttpResponse:
    if step not in STEP_NAMES:
        raise Http404
    application = _own(request, application_id, with_related=step in ("documents", "review"))
    if not application.is_editable:
        if application.state in (Application.State.WITHDRAWN, Application.State.EXPIRED):
            messages.info(request, _("This application is closed and can no longer be changed."))
        else:
            messages.info(request, _("This application has been submitted and can no longer be changed."))
        return redirect("applications:detail", application.pk)
    if step == "documents":
        return _documents_step(request, application)
    if step == "review":
        return _review_step(request, application)

    form_class = STEP_FORMS[step]
    extra: dict[str, Any] = {}
    if step == "unit":
        extra["units"] = list_residence_permit_units()
    form = form_class(request.POST or None, instance=application, **extra)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in form.fields}
        try:
            services.update_application(application_id=application.pk, user=request.user, data=data)
        except ApplicationFieldsError as error:
            for field, problems in error.details.items():
                for problem in problems:
                    form.add_error(field if field in form.fields else None, problem)
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("applications:detail", application.pk)
        else:
            messages.success(request, _("Saved."))
            following = STEP_NAMES[STEP_NAMES.index(step) + 1]
            return redirect(_step_url(application, following))
    if step == "unit":
        return _unit_step(request, application, form)
    return render(
        request,
        "applications/step_form.html",
        {
            "application": application,
            "form": form,
            "progress": _progress(application, step),
            "title": STEP_TITLES[step],
        },
    )


def _unit_step(request: HttpRequest, application: Application, form: UnitForm) -> HttpResponse:
    return render(
        request,
        "applications/step_unit.html",
        {
            "application": application,
            "form": form,
            "field": form["unit"],
            "selected": form.selected_code,
            "units": [(unit, hours_by_weekday(unit)) for unit in form.units],
            "progress": _progress(application, "unit"),
            "title": STEP_TITLES["unit"],
        },
    )


def _document_rows(application: Application) -> list[dict]:
    requirements = applicable_requirements(
        application, list_requirements(kind=application.kind, purpose=application.purpose)
    )
    documents = {document.document_type_id: document for document in application.documents.all()}
    today = timezone.localdate()
    rows = []
    for requirement in requirements:
        document = documents.get(requirement.document_type_id)
        rows.append(
            {
                "requirement": requirement,
                "document": document,
                "too_old": document is not None and _too_old(document, today=today),
                "form": DocumentUploadForm(initial={"document_type": requirement.document_type.code}),
            }
        )
    return rows


def _too_old(document: ApplicationDocument, *, today: dt.date) -> bool:
    """Older than its type allows if submitted today: said at upload, not first at the review."""
    document_type = document.document_type
    if document_type.max_age_days is None:
        return False
    if document.issued_on is None:
        return True
    return not document_type.is_recent_enough(issued_on=document.issued_on, submitted_on=today)


def _too_old_warning(document: ApplicationDocument) -> str:
    return _("%(name)s must have been issued within the last %(days)s days. Please upload a newer one.") % {
        "name": document.document_type.name,
        "days": document.document_type.max_age_days,
    }


def _documents_step(request: HttpRequest, application: Application) -> HttpResponse:
    return render(
        request,
        "applications/step_documents.html",
        {
            "application": application,
            "rows": _document_rows(application),
            "progress": _progress(application, "documents"),
            "title": STEP_TITLES["documents"],
            "upload_api": reverse("application-documents", args=[application.pk]),
        },
    )


def _field_value(application: Application, name: str) -> str:
    """A field as the applicant reads it: dates in the page's format, choices by label, countries by name."""
    value = getattr(application, name)
    if not value:
        return ""
    if name == "nationality":
        return dict(country_choices()).get(value.upper(), value)
    if isinstance(value, dt.date):
        return formats.date_format(value, "DATE_FORMAT")
    display = getattr(application, f"get_{name}_display", None)
    return str(display()) if display else str(value)


def _review_sections(application: Application) -> list[dict]:
    """Everything the applicant entered, grouped by the step that asks for it, each with a link to change it."""

    def rows(names: tuple[str, ...]) -> list[dict]:
        return [
            {
                "label": capfirst(Application._meta.get_field(name).verbose_name),
                "value": _field_value(application, name),
            }
            for name in names
        ]

    purpose_rows = [
        {"label": _("Application kind"), "value": application.kind.name},
        {"label": _("Purpose"), "value": application.purpose.name},
        {"label": _("Processing speed"), "value": application.get_processing_speed_display()},
        *rows(application.purpose_fields()),
    ]
    return [
        {"step": "personal", "title": STEP_TITLES["personal"], "rows": rows(Application.PERSONAL_FIELDS)},
        {"step": "purpose", "title": STEP_TITLES["purpose"], "rows": purpose_rows},
        {"step": "stay", "title": STEP_TITLES["stay"], "rows": rows(Application.STAY_FIELDS)},
        {"step": "unit", "title": STEP_TITLES["unit"], "rows": _unit_rows(application)},
    ]


def _unit_rows(application: Application) -> list[dict]:
    unit = application.unit
    return [
        {"label": _("Territorial unit"), "value": unit.name if unit else ""},
        {"label": _("Address"), "value": unit.address if unit else ""},
    ]


def _fee_due(application: Application) -> Fee | None:
    try:
        return get_current_fee(kind=application.kind, speed=application.processing_speed)
    except DomainError:  # no fee in the catalogue for this speed today: the page says so
        return None


def _review_step(
    request: HttpRequest, application: Application, *, declaration: DeclarationForm | None = None
) -> HttpResponse:
    requirements = list_requirements(kind=application.kind, purpose=application.purpose)
    documents = list(application.documents.all())
    missing = list_missing_items(application, requirements=requirements, documents=documents)
    return render(
        request,
        "applications/step_review.html",
        {
            "application": application,
            "missing": missing,
            "sections": _review_sections(application),
            "document_rows": _document_rows(application),
            "fee": _fee_due(application),
            "form": declaration or DeclarationForm(),
            "privacy_url": reverse("applications:privacy"),
            "progress": _progress(application, "review"),
            "title": STEP_TITLES["review"],
        },
        status=400 if declaration is not None and declaration.errors else 200,
    )


@csrf_exempt  # only so the size guard is installed before the body is read; CSRF is checked just below
@require_POST
def upload_document(request: HttpRequest, application_id: int) -> HttpResponse:
    """No-JavaScript upload (the progress-bar script posts to the API instead)."""
    guard = install_size_limit(request)
    return _upload_document(request, application_id, guard)


@csrf_protect
@login_required
def _upload_document(
    request: HttpRequest, application_id: int, guard: RequestSizeLimitHandler
) -> HttpResponse:
    application = _own(request, application_id)
    # A draft's documents step, or the application's page where an open request of the Office asks for them.
    documents_url = (
        _step_url(application, "documents") if application.is_editable else application_url(application)
    )
    form = DocumentUploadForm(request.POST, request.FILES)
    if guard.exceeded:
        messages.error(request, too_large_error().message)
        return redirect(documents_url)
    if not form.is_valid():
        messages.error(request, _("Choose a file to upload."))
        return redirect(documents_url)
    upload = form.cleaned_data["file"]
    try:
        document = services.attach_document(
            application_id=application.pk,
            user=request.user,
            document_type_code=form.cleaned_data["document_type"],
            stream=upload,
            filename=upload.name or "",
            issued_on=form.cleaned_data["issued_on"],
        )
    except ApplicationFieldsError as error:
        messages.error(request, " ".join(str(p) for problems in error.details.values() for p in problems))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The document was uploaded."))
        if _too_old(document, today=timezone.localdate()):
            messages.warning(request, _too_old_warning(document))
    return redirect(documents_url)


@login_required
@require_POST
def delete_document(request: HttpRequest, application_id: int, document_id: int) -> HttpResponse:
    application = _own(request, application_id)
    try:
        services.delete_document(application_id=application.pk, document_id=document_id, user=request.user)
    except NotFoundError:
        raise Http404 from None
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The document was removed."))
    return redirect(_step_url(application, "documents"))


@login_required
@require_POST
def submit(request: HttpRequest, application_id: int) -> HttpResponse:
    application = _own(request, application_id)
    declaration = DeclarationForm(request.POST)
    if application.is_editable and not declaration.is_valid():
        application = _own(request, application_id, with_related=True)
        return _review_step(request, application, declaration=declaration)
    try:
        services.submit_application(
            application_id=application.pk,
            user=request.user,
            declaration=declaration.is_valid() and declaration.cleaned_data["declaration"],
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(
            _step_url(application, "review") if application.is_editable else application_url(application)
        )
    messages.success(request, _("Your application was submitted. Please pay the state fee."))
    return redirect("applications:detail", application.pk)


def application_url(application: Application) -> str:
    return reverse("applications:detail", args=[application.pk])


@login_required
@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, application_id: int) -> HttpResponse:
    """GET: ask for confirmation (withdrawing cannot be undone). POST: withdraw."""
    application = _own(request, application_id)
    if request.method == "GET" and application.state == Application.State.DRAFT:
        return redirect("applications:delete", application.pk)  # a draft the Office never received is deleted
    if request.method == "GET":
        refund = hooks.refund_due_on_withdrawal(application)  # payments' own rule, through its hook
        return render(
            request, "applications/withdraw_confirm.html", {"application": application, "refund": refund}
        )
    try:
        services.withdraw_application(
            application_id=application.pk, user=request.user, reason=request.POST.get("reason", "")[:500]
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your application was withdrawn."))
    return redirect("applications:detail", application.pk)


@login_required
def download_document(request: HttpRequest, application_id: int, document_id: int) -> HttpResponse:
    """The file itself, to its owner or an officer of the case's unit (logged). Never served from media/."""
    try:
        document = selectors_dashboard.get_document_for_download(
            user=request.user, application_id=application_id, document_id=document_id
        )
    except NotFoundError:
        raise Http404 from None
    services.record_document_access(user=request.user, document=document)
    try:
        handle = document.file.open("rb")
    except (FileNotFoundError, OSError, ValidationError):
        raise Http404 from None
    response = FileResponse(
        handle, as_attachment=True, filename=document.original_filename, content_type=document.content_type
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@applicant_required
def registration_choose(request: HttpRequest) -> HttpResponse:
    """The catalogue's "registration of a residence permit": the caller's granted permits still to register."""
    return render(
        request,
        "applications/registration_choose.html",
        {"applications": selectors_registration.list_registrable_applications(user=request.user)},
    )


def _card_speed_options() -> list[tuple[CardSpeed, Any]]:
    fees = {fee.speed: fee for fee in selectors_registration.list_current_card_fees()}
    return [(speed, fees.get(speed.value)) for speed in CardSpeed]


@applicant_required
@require_http_methods(["GET", "POST"])
def registration_start(request: HttpRequest, application_id: int) -> HttpResponse:
    """Register a granted permit: choose the unit (default: the case's) and the card's production speed."""
    application = _own(request, application_id)
    units = list_residence_permit_units()
    default_unit = application.unit if application.unit in units else None
    form = RegistrationStartForm(
        request.POST if request.method == "POST" else None, units=units, default_unit=default_unit
    )
    error, status = "", 200
    can_start = application.state == Application.State.GRANTED and application.kind.needs_registration
    if request.method == "POST":
        if form.is_valid():
            try:
                services_registration.start_registration(
                    application_id=application.pk,
                    applicant=request.user,
                    unit_id=form.cleaned_data["unit"].pk,
                    card_speed=form.cleaned_data["card_speed"],
                )
            except DomainError as exc:
                error, status = exc.message, exc.status_code
            else:
                messages.success(
                    request,
                    _(
                        "Registration started. Next: pay the card fee, then book a visit to give your biometrics."
                    ),
                )
                return redirect("applications:detail", application.pk)
        else:
            status = 400
    return render(
        request,
        "applications/registration_start.html",
        {
            "application": application,
            "form": form,
            "can_start": can_start,
            "error": error,
            "units": [(unit, hours_by_weekday(unit)) for unit in units],
            "selected": form.selected_code,
            "speed_options": _card_speed_options(),
        },
        status=status,
    )

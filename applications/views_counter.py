"""The counter's pages (back office): start an application with the person at the counter, follow it, issue
their copy. Filling the form, uploading scans and submitting use the applicant's own step pages and services,
which let the officers of the unit act on the application while it is a draft or awaits the fee
(``selectors.accessible_applications``). The fee is recorded on ``payments:counter-payment``.

Officers only, with the second factor; an application made at another unit is 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from applications import selectors_counter
from applications.forms import CounterStartForm
from applications.selectors import get_kind, get_purpose
from applications.services import counter
from applications.services.lifecycle import ApplicationFieldsError
from eservice.errors import error_response
from eservice.exceptions import DomainError, ForbiddenError, NotFoundError
from identity.models import TerritorialUnit
from identity.permissions import staff_otp_required
from workers.downloads import pdf_download


def _officer_only(request: HttpRequest) -> None:
    if not request.user.is_officer:
        raise PermissionDenied


def _submission(request: HttpRequest, application_id: int):  # type: ignore[no-untyped-def]
    try:
        return selectors_counter.get_counter_submission(officer=request.user, application_id=application_id)
    except NotFoundError:
        raise Http404(_("There is no such counter application at your unit.")) from None


@staff_otp_required
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest) -> HttpResponse:
    """GET: the form and the latest applications made at the unit. POST: check the document, start the draft."""
    _officer_only(request)
    unit = request.user.unit
    form = CounterStartForm(request.POST or None, initial={"unit": unit.code})
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen = TerritorialUnit.objects.filter(code=data["unit"]).first()
        try:
            if chosen is None or chosen.pk != unit.pk:
                raise ForbiddenError(_("You can start an application only at the counter of your own unit."))
            kind = get_kind(code=data["kind"])
            application = counter.start_counter_application(
                officer=request.user,
                unit=chosen,
                kind=kind,
                purpose=get_purpose(code=data["purpose"], kind=kind),
                processing_speed=data["processing_speed"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                date_of_birth=data["date_of_birth"],
                nationality=data["nationality"],
                language=data["language"],
                document_type=data["document_type"],
                document_number=data["document_number"],
                document_country=data["document_country"],
                document_valid_until=data["document_valid_until"],
            )
        except ForbiddenError as error:
            return error_response(request, 403, message=error.message)
        except ApplicationFieldsError as error:
            for field, problems in error.details.items():
                for problem in problems:
                    form.add_error(field if field in form.fields else None, problem)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The application was started. Fill it in with the person."))
            return redirect("applications:step", application.pk, "personal")
    if form.errors:
        status = 400
    return render(
        request,
        "applications/counter/start.html",
        {
            "form": form,
            "unit": unit,
            "recent": selectors_counter.list_counter_submissions(officer=request.user),
        },
        status=status,
    )


@staff_otp_required
@require_GET
def page(request: HttpRequest, application_id: int) -> HttpResponse:
    _officer_only(request)
    submission = _submission(request, application_id)
    application = submission.application
    return render(
        request,
        "applications/counter/page.html",
        {
            "submission": submission,
            "application": application,
            "payments": list(application.payments.all()),
            "events": list(application.events.all()),
            "copy": selectors_counter.get_counter_copy(submission),
            "step_url": reverse("applications:step", args=[application.pk, "personal"]),
        },
    )


@staff_otp_required
@require_POST
def issue_copy(request: HttpRequest, application_id: int) -> HttpResponse:
    _officer_only(request)
    submission = _submission(request, application_id)
    try:
        counter.issue_counter_copy(application_id=submission.application_id, officer=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The copy is being printed to PDF. Download it here in a moment."))
    return redirect("applications:counter-page", submission.application_id)


@staff_otp_required
@require_GET
def copy_pdf(request: HttpRequest, application_id: int) -> HttpResponse:
    _officer_only(request)
    submission = _submission(request, application_id)
    document = selectors_counter.get_counter_copy(submission)
    if document is None:
        return error_response(
            request, 404, message=_("The copy is being prepared. Please try again in a minute.")
        )
    return pdf_download(document)

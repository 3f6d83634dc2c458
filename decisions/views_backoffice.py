"""The officers' pages: the queue and the case page with its actions. Thin: forms parse, services decide.

Only officers (case and senior) who passed the second factor reach them; a case outside their unit (and not
assigned to them) is 404. Every opening of a case page and every document view is written to the access log.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from applications.case_messages import selectors as message_selectors
from applications.case_messages import services as message_services
from applications.case_messages.forms import ReplyForm
from applications.models import ApplicationDocument, DocumentType, LegalGround
from applications.services import record_document_access, review
from decisions import complaints, selectors, services
from decisions.charts import CHARTS, render_chart
from decisions.filters import CaseFilter
from decisions.forms import AssignForm, CaseErrorForm, DecisionForm, RequestInfoForm, ReturnForm
from decisions.state_labels import officer_state_label
from decisions.statistics import NEAR_BREACH_DAYS, errors_by_month, unit_statistics
from eservice.exceptions import DomainError, NotFoundError
from identity.permissions import staff_otp_required

PAGE_SIZE = 50
# Service field names → the form field that shows the error.
_FIELD_FOR = {
    "legal_ground_ids": "legal_grounds",
    "document_type_ids": "document_types",
    "officer_id": "officer",
}

logger = logging.getLogger(__name__)


def _officer_only(request: HttpRequest) -> None:
    if not request.user.is_officer:
        raise PermissionDenied


@require_GET
@staff_otp_required
def queue(request: HttpRequest) -> HttpResponse:
    _officer_only(request)
    mine = request.GET.get("officer") == "me"
    open_cases = selectors.list_queue(officer=request.user, mine=mine)
    filterset = CaseFilter(request.GET or None, queryset=open_cases, request=request)
    filtered = filterset.is_bound and filterset.is_valid()
    cases = filterset.qs if filtered else open_cases
    counts = selectors.count_queue_by_state(officer=request.user)
    paginator = Paginator(cases, PAGE_SIZE)
    given = {name for name, value in filterset.form.cleaned_data.items() if value} if filtered else set()
    if not mine and not given - {"state"}:
        # The whole unit queue, or one state of it: its size is in the counts the database keeps by state.
        state = filterset.form.cleaned_data.get("state") if filtered else None
        paginator.count = counts[state] if state else sum(counts.values())
    page = paginator.get_page(request.GET.get("page"))
    rows = selectors.annotate_days_left(list(page.object_list))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "decisions/backoffice/queue.html",
        {
            "filter_form": filterset.form,
            "page": page,
            "rows": rows,
            "counts": [(state, officer_state_label(state), counts[state]) for state in counts],
            "answered": selectors.list_answered_cases(officer=request.user),
            "waiting_messages": message_selectors.count_waiting_messages(officer=request.user),
            "overdue": selectors.list_overdue_requests(officer=request.user),
            "query": query.urlencode(),
        },
    )


def _forms(
    case: selectors.CaseFile, officer, data: dict[str, Any] | None = None, bound: str = ""
) -> dict[str, Any]:
    application = case.application
    actions = review.officer_actions(application)

    def form_data(name: str):
        return data if bound == name else None

    forms: dict[str, Any] = {}
    if "assign" in actions and officer.is_senior_officer:
        forms["assign_form"] = AssignForm(
            form_data("assign"), officers=selectors.list_unit_officers(unit_id=application.unit_id)
        )
    if "request_information" in actions:
        forms["request_form"] = RequestInfoForm(
            form_data("request-info"),
            initial={"answer_by": services.default_answer_by()},
            document_types=DocumentType.objects.filter(
                Q(requirements__kind=application.kind_id)
                | Q(pk__in=[doc.document_type_id for doc in case.documents])
            )
            .distinct()
            .order_by("pk"),
        )
    if "draft_decision" in actions:
        forms["decision_form"] = DecisionForm(
            form_data("decision"),
            legal_grounds=LegalGround.objects.filter(is_active=True)
            .filter(Q(kinds__isnull=True) | Q(kinds=application.kind_id))
            .filter(Q(purpose__isnull=True) | Q(purpose=application.purpose_id))
            .distinct()
            .order_by("outcome", "pk"),
        )
    if "return_decision" in actions and officer.is_senior_officer:
        forms["return_form"] = ReturnForm(form_data("return"))
    forms["reply_form"] = ReplyForm(form_data("reply"))
    if officer.is_senior_officer and application.submitted_at is not None:
        forms["error_form"] = CaseErrorForm(form_data("record-error"))
    return forms


def _render_case(
    request: HttpRequest, application_id: int, *, data=None, bound: str = "", error: DomainError | None = None
) -> HttpResponse:
    try:
        case = selectors.get_case_file(officer=request.user, application_id=application_id)
    except NotFoundError:
        # No such case, or another unit's: logged like a refused lock (ids only), then the same 404 for both.
        logger.warning(
            "case.access_refused application=%s staff=%s via=page", application_id, request.user.pk
        )
        raise Http404 from None
    forms = _forms(case, request.user, data, bound)
    if error is not None and bound:
        form = next(iter(form for name, form in forms.items() if form.is_bound), None)
        if form is not None and form.is_valid():  # the form's own errors show as they are; else the service's
            for field, problems in (error.details or {}).items():
                target = _FIELD_FOR.get(field, field)
                for problem in problems if isinstance(problems, list) else [problems]:
                    form.add_error(target if target in form.fields else None, str(problem))
    review.record_case_access(officer=request.user, application_id=application_id, via="page")
    draft = next((decision for decision in case.decisions if decision.state == "draft"), None)
    return render(
        request,
        "decisions/backoffice/case.html",
        {
            "case": case,
            "application": case.application,
            "actions": review.officer_actions(case.application),
            "draft": draft,
            "open_request": next((r for r in case.requests if r.state == "open"), None),
            "thread": message_selectors.list_thread(application=case.application),
            "today": timezone.localdate(),
            **forms,
        },
        status=400 if error is not None else 200,
    )


@require_GET
@staff_otp_required
def case_page(request: HttpRequest, application_id: int) -> HttpResponse:
    _officer_only(request)
    return _render_case(request, application_id)


def _perform(request: HttpRequest, application_id: int, action: str) -> str:
    """Run one action from its form; returns the success message. Raises DomainError or ValidationError."""
    officer = request.user
    if action == "record-error" and not officer.is_senior_officer:
        raise PermissionDenied  # only a senior officer owns up to an error on the Office's behalf
    if action == "take":
        review.take_case(application_id=application_id, officer=officer)
        return _("You took the case.")
    if action == "assign":
        form = AssignForm(request.POST, officers=selectors.list_unit_officers(unit_id=officer.unit_id))
        if not form.is_valid():
            raise DomainError(_("Choose an officer."), details={"officer": [_("Choose an officer.")]})
        review.assign_case(
            application_id=application_id, senior=officer, officer_id=form.cleaned_data["officer"].pk
        )
        return _("The case was assigned.")
    if action == "request-info":
        form = RequestInfoForm(request.POST, document_types=DocumentType.objects.all())
        if not form.is_valid():
            raise DomainError(_("Some fields are not valid."), details=form.errors.get_json_data())
        data = form.cleaned_data
        services.request_information(
            application_id=application_id,
            officer=officer,
            message=data["message"],
            document_type_ids=[document_type.pk for document_type in data["document_types"]],
            other_items=data["other_items"],
            answer_by=data["answer_by"],
        )
        return _("The applicant was asked; the deadline stands still until they answer.")
    if action == "decision":
        form = DecisionForm(request.POST, legal_grounds=LegalGround.objects.all())
        if not form.is_valid():
            raise DomainError(_("Some fields are not valid."), details=form.errors.get_json_data())
        data = form.cleaned_data
        decision = services.draft_decision(
            application_id=application_id,
            officer=officer,
            outcome=data["outcome"],
            legal_ground_ids=[ground.pk for ground in data["legal_grounds"]],
            reasoning=data["reasoning"],
            valid_from=data["valid_from"],
            valid_to=data["valid_to"],
        )
        if decision.state == decision.State.ISSUED:
            return _("The decision was issued. The letter is being prepared and will be e-mailed.")
        return _("The draft decision waits for a senior officer's approval.")
    if action == "approve":
        services.approve_decision(application_id=application_id, senior=officer)
        return _("The decision was approved and issued. The letter is being prepared and will be e-mailed.")
    if action == "return":
        form = ReturnForm(request.POST)
        if not form.is_valid():
            raise DomainError(
                _("Some fields are not valid."), details={"comment": [_("Say why the draft goes back.")]}
            )
        services.return_decision(
            application_id=application_id, senior=officer, comment=form.cleaned_data["comment"]
        )
        return _("The draft was returned to the handling officer.")
    if action == "reply":
        form = ReplyForm(request.POST)
        if not form.is_valid():
            raise DomainError(_("Some fields are not valid."), details=form.errors.get_json_data())
        message_services.answer_messages(
            application_id=application_id, officer=officer, body=form.cleaned_data["body"]
        )
        return _("Your answer was sent to the applicant by e-mail.")
    if action == "record-error":
        form = CaseErrorForm(request.POST)
        if not form.is_valid():
            raise DomainError(_("Some fields are not valid."), details=form.errors.get_json_data())
        data = form.cleaned_data
        correction = None
        if data["correct_decision"]:
            correction = complaints.DecisionCorrection(
                reasoning=data["reasoning"], valid_from=data["valid_from"], valid_to=data["valid_to"]
            )
        complaints.record_case_error(
            application_id=application_id,
            senior=officer,
            what_was_wrong=data["what_was_wrong"],
            what_is_done=data["what_is_done"],
            correction=data["correction"],
            corrected_decision=correction,
        )
        return _("The error was recorded and the applicant was sent an apology with the correction.")
    raise Http404


_FORM_OF = {
    "assign": "assign",
    "request-info": "request-info",
    "decision": "decision",
    "return": "return",
    "reply": "reply",
    "record-error": "record-error",
}


@require_POST
@staff_otp_required
def case_action(request: HttpRequest, application_id: int, action: str) -> HttpResponse:
    _officer_only(request)
    try:
        message = _perform(request, application_id, action)
    except NotFoundError:
        raise Http404 from None
    except DomainError as error:
        if action in _FORM_OF and error.details and not isinstance(error.details.get("state"), str):
            return _render_case(
                request, application_id, data=request.POST, bound=_FORM_OF[action], error=error
            )
        messages.error(request, error.message)
    else:
        messages.success(request, message)
    return redirect("decisions:backoffice-case", application_id)


@require_GET
@staff_otp_required
def view_document(request: HttpRequest, application_id: int, document_id: int) -> HttpResponse:
    """A document shown in the browser (images in the page, PDFs in the browser's viewer), logged."""
    _officer_only(request)
    document = (
        ApplicationDocument.objects.select_related("application")
        .filter(pk=document_id, application_id=application_id)
        .first()
    )
    if document is None or not review.may_open_case(application=document.application, user=request.user):
        logger.warning(
            "case.document_access_refused application=%s document=%s staff=%s",
            application_id,
            document_id,
            request.user.pk,
        )
        raise Http404
    record_document_access(user=request.user, document=document)
    try:
        handle = document.file.open("rb")
    except (FileNotFoundError, OSError, ValidationError):
        raise Http404 from None
    response = FileResponse(handle, content_type=document.content_type)
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    # Shown inside the case page (an <img>, or a PDF in a frame): framed by our own pages only.
    response["Content-Security-Policy"] = (
        "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'"
    )
    response["X-Frame-Options"] = "SAMEORIGIN"
    return response


# --- the senior officer's statistics --------------------------------------------------------------------------
def _senior_only(request: HttpRequest) -> None:
    if not request.user.is_senior_officer:
        raise PermissionDenied


@require_GET
@staff_otp_required
def statistics_page(request: HttpRequest) -> HttpResponse:
    """Deadlines and the last 12 weeks of the senior officer's own unit: charts with their numbers as tables."""
    _senior_only(request)
    stats = unit_statistics(unit_id=request.user.unit_id)
    return render(
        request,
        "decisions/backoffice/statistics.html",
        {
            "stats": stats,
            "errors_by_month": errors_by_month(unit_id=request.user.unit_id),
            "charts": {name: spec.title() for name, spec in CHARTS.items()},
            "near_breach_days": NEAR_BREACH_DAYS,
        },
    )


@require_GET
@staff_otp_required
def statistics_chart(request: HttpRequest, chart: str) -> HttpResponse:
    """One chart of the statistics page as an SVG image (shown by ``<img>``: its inline style needs its own
    Content-Security-Policy, and an image runs no script)."""
    _senior_only(request)
    if chart not in CHARTS:
        raise Http404
    svg = render_chart(chart, unit_statistics(unit_id=request.user.unit_id))
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response

"""Complaints against decisions: the applicant's page to file one and read the answer, and the senior officers'
queue and complaint page. Thin: forms parse, ``decisions.complaints`` decides.

The applicant reaches only their own decisions and complaints (anyone else: 404). The back office is for senior
officers with the second factor (case officers and administrators: 403); a complaint on another unit's case is
404, like a case.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from applications.uploads import RequestSizeLimitHandler, install_size_limit, too_large_error
from decisions import complaints, selectors
from decisions.forms import ComplaintDecisionForm, ComplaintForm
from decisions.models import Complaint, ComplaintDocument
from eservice.exceptions import DomainError, NotFoundError
from identity.permissions import staff_otp_required
from workers.downloads import pdf_download

logger = logging.getLogger(__name__)


# --- the applicant ------------------------------------------------------------------------------------------
def _own_decision(request: HttpRequest, decision_id: int):
    if not request.user.is_applicant:
        raise Http404
    try:
        return selectors.get_own_decision(user=request.user, decision_id=decision_id)
    except NotFoundError:
        raise Http404 from None


def _complaint_page(
    request: HttpRequest, decision, form: ComplaintForm, *, status: int = 200
) -> HttpResponse:
    complaint_list = list(decision.complaints.all())
    open_complaint = next((c for c in complaint_list if c.is_open), None)
    today = timezone.localdate()
    may_file = (
        decision.state == decision.State.ISSUED
        and open_complaint is None
        and decision.contest_until is not None
        and today <= decision.contest_until
    )
    return render(
        request,
        "decisions/complaint.html",
        {
            "decision": decision,
            "application": decision.application,
            "complaints": complaint_list,
            "open_complaint": open_complaint,
            "may_file": may_file,
            "form": form,
            "max_files": complaints.MAX_COMPLAINT_FILES,
        },
        status=status,
    )


@csrf_exempt  # only so the size guard is installed before the body is read; CSRF is checked just below
@require_http_methods(["GET", "POST"])
def complaint(request: HttpRequest, decision_id: int) -> HttpResponse:
    """GET: the decision's last day to contest it, the complaints filed and their answers, and the form.
    POST: file a complaint (text and documents)."""
    guard = install_size_limit(request) if request.method == "POST" else None
    return _complaint(request, decision_id, guard)


@csrf_protect
@login_required
def _complaint(request: HttpRequest, decision_id: int, guard: RequestSizeLimitHandler | None) -> HttpResponse:
    decision = _own_decision(request, decision_id)
    if request.method == "GET":
        return _complaint_page(request, decision, ComplaintForm())
    form = ComplaintForm(request.POST)
    if guard is not None and guard.exceeded:
        form.add_error(None, too_large_error().message)
        return _complaint_page(request, decision, form, status=413)
    if not form.is_valid():
        return _complaint_page(request, decision, form, status=400)
    uploads = request.FILES.getlist("files")
    try:
        complaints.file_complaint(
            decision_id=decision.pk,
            applicant=request.user,
            text=form.cleaned_data["text"],
            files=[(upload.name or "", upload) for upload in uploads],
        )
    except NotFoundError:
        raise Http404 from None
    except DomainError as error:
        form.add_error(None, error.message)
        for field, problems in (error.details or {}).items():
            if field == "text" and isinstance(problems, list):
                for problem in problems:
                    form.add_error("text", str(problem))
        return _complaint_page(
            request,
            selectors.get_own_decision(user=request.user, decision_id=decision.pk),
            form,
            status=error.status_code,
        )
    messages.success(
        request, _("Your complaint was sent to the head of the Office. We e-mailed you a confirmation.")
    )
    return redirect("decisions:complaint", decision.pk)


@require_GET
@login_required
def complaint_letter_pdf(request: HttpRequest, complaint_id: int) -> HttpResponse:
    """The sealed answer to the caller's own complaint; anyone else gets "not found"."""
    try:
        letter = selectors.get_own_complaint_letter(user=request.user, complaint_id=complaint_id)
    except NotFoundError:
        raise Http404 from None
    return pdf_download(letter.document)


# --- the back office ----------------------------------------------------------------------------------------
def _senior_only(request: HttpRequest) -> None:
    if not request.user.is_senior_officer:
        raise PermissionDenied


@require_GET
@staff_otp_required
def queue(request: HttpRequest) -> HttpResponse:
    """The unit's open complaints, the Office's deadline nearest first, with the counts by state."""
    _senior_only(request)
    counts = selectors.count_complaints_by_state(officer=request.user)
    return render(
        request,
        "decisions/backoffice/complaints.html",
        {
            "complaints": selectors.list_complaint_queue(officer=request.user),
            "counts": [(state, label, counts[state]) for state, label in Complaint.State.choices],
            "today": timezone.localdate(),
        },
    )


def _render_complaint(
    request: HttpRequest, complaint_id: int, form: ComplaintDecisionForm | None = None, status: int = 200
) -> HttpResponse:
    try:
        complaint = selectors.get_complaint_file(officer=request.user, complaint_id=complaint_id)
    except NotFoundError:
        logger.warning("complaint.access_refused complaint=%s staff=%s", complaint_id, request.user.pk)
        raise Http404 from None
    from applications.services import review

    review.record_case_access(officer=request.user, application_id=complaint.application_id, via="complaint")
    return render(
        request,
        "decisions/backoffice/complaint.html",
        {
            "complaint": complaint,
            "application": complaint.application,
            "decision": complaint.decision,
            "form": form or ComplaintDecisionForm(),
            "today": timezone.localdate(),
        },
        status=status,
    )


@require_GET
@staff_otp_required
def complaint_page(request: HttpRequest, complaint_id: int) -> HttpResponse:
    _senior_only(request)
    return _render_complaint(request, complaint_id)


@require_POST
@staff_otp_required
def complaint_action(request: HttpRequest, complaint_id: int, action: str) -> HttpResponse:
    """``take`` or ``decide`` (with the answer and its reasoning)."""
    _senior_only(request)
    try:
        if action == "take":
            complaints.take_complaint(complaint_id=complaint_id, senior=request.user)
            messages.success(request, _("You took the complaint."))
        elif action == "decide":
            form = ComplaintDecisionForm(request.POST)
            if not form.is_valid():
                return _render_complaint(request, complaint_id, form, status=400)
            complaints.decide_complaint(
                complaint_id=complaint_id,
                senior=request.user,
                outcome=form.cleaned_data["outcome"],
                reasoning=form.cleaned_data["reasoning"],
            )
            messages.success(
                request, _("The answer was recorded. The letter is being prepared and will be e-mailed.")
            )
        else:
            raise Http404
    except NotFoundError:
        raise Http404 from None
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("decisions:backoffice-complaint", complaint_id)


@require_GET
@staff_otp_required
def complaint_document(request: HttpRequest, complaint_id: int, document_id: int) -> HttpResponse:
    """A document sent with a complaint, shown in the browser, logged like a case document."""
    _senior_only(request)
    try:
        complaint = selectors.get_complaint_file(officer=request.user, complaint_id=complaint_id)
    except NotFoundError:
        raise Http404 from None
    document = ComplaintDocument.objects.filter(pk=document_id, complaint=complaint).first()
    if document is None:
        raise Http404
    from applications.services import review

    review.record_case_access(
        officer=request.user, application_id=complaint.application_id, via="complaint document"
    )
    try:
        handle = document.file.open("rb")
    except (FileNotFoundError, OSError, ValidationError):
        raise Http404 from None
    response = FileResponse(handle, content_type=document.content_type)
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    return response

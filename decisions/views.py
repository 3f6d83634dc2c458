"""Public verification of the Office's letters, and the applicant's copy of their decision letter."""

from __future__ import annotations

import hashlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_ratelimit.decorators import ratelimit

from decisions import selectors, services, verification
from decisions.models import ComplaintLetter
from eservice.errors import error_response
from eservice.exceptions import DomainError, NotFoundError
from identity.ratelimits import setting_rate
from workers.downloads import pdf_download

# The largest file /verify/ compares (a letter is far smaller); anything bigger cannot be the letter.
MAX_COMPARE_BYTES = 10 * 1024 * 1024


@require_http_methods(["GET"])
@ratelimit(key="ip", rate=setting_rate("RATELIMIT_VERIFY"), block=True)
def verify_start(request: HttpRequest) -> HttpResponse:
    """A form to type the code printed on a letter."""
    code = request.GET.get("code", "")
    if code:
        normalised = verification.normalise(code)
        if normalised:
            return redirect("decisions:verify", verification.display(normalised))
    return render(
        request,
        "decisions/verify.html",
        {"asked": bool(code), "code": code[:40]},
        status=400 if code else 200,
    )


@require_http_methods(["GET", "POST"])
@ratelimit(key="ip", rate=setting_rate("RATELIMIT_VERIFY"), block=True)
def verify(request: HttpRequest, code: str) -> HttpResponse:
    """Whether the Office issued a letter with this code: case reference, outcome, date and SHA-256 only.
    A POSTed PDF is compared byte for byte with the issued letter."""
    letter = selectors.get_letter_by_code(text=code)
    if letter is None:
        return render(request, "decisions/verify.html", {"asked": True, "code": code[:40]}, status=404)
    comparison = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            comparison = "missing"
        elif upload.size > MAX_COMPARE_BYTES:
            comparison = "different"
        else:
            digest = hashlib.sha256()
            for chunk in upload.chunks():
                digest.update(chunk)
            comparison = "same" if digest.hexdigest() == letter.document.sha256 else "different"
    complaint = getattr(letter, "complaint", None) if isinstance(letter, ComplaintLetter) else None
    decision = complaint.decision if complaint is not None else letter.decision
    return render(
        request,
        "decisions/verify.html",
        {
            "letter": letter,
            "decision": decision,
            "complaint": complaint,
            # A decision letter whose decision was replaced by a corrected one, or overturned on a complaint,
            # is genuine but no longer in force: the page says so, and since when.
            "replaced": complaint is None and decision.state == decision.State.REPLACED,
            "overturned": complaint is None and decision.state == decision.State.OVERTURNED,
            "reference": decision.application.reference,
            "code": verification.display(letter.verification_code),
            "comparison": comparison,
        },
        status=400 if comparison == "missing" else 200,
    )


@login_required
def decision_letter_pdf(request: HttpRequest, application_id: int) -> HttpResponse:
    """The sealed letter of the caller's own decision; anyone else gets "not found"."""
    try:
        decision = selectors.get_issued_decision(user=request.user, application_id=application_id)
    except NotFoundError:
        raise Http404 from None
    letter = getattr(decision, "letter", None)
    if letter is None or letter.document is None:
        return error_response(
            request, 404, message=_("The letter is being prepared. Please try again in a minute.")
        )
    return pdf_download(letter.document)


@require_http_methods(["POST"])
@login_required
def answer_request(request: HttpRequest, application_id: int, request_id: int) -> HttpResponse:
    """The applicant sends their answer to an information request (after uploading what it asked for)."""
    try:
        services.answer_information_request(
            application_id=application_id,
            request_id=request_id,
            applicant=request.user,
            answer_text=request.POST.get("answer_text", "")[:5000],
        )
    except NotFoundError:
        raise Http404 from None
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Thank you. Your answer was sent to the Office, and the case continues."))
    return redirect("applications:detail", application_id)

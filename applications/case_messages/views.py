"""The applicant's side of messages: write on the application's page, download an attachment.

Thin: parse, call the service, show its answer as a message on the application's page.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from applications import selectors_dashboard
from applications.case_messages import selectors, services
from applications.case_messages.forms import MessageForm
from applications.uploads import RequestSizeLimitHandler, install_size_limit, too_large_error
from eservice.exceptions import DomainError, NotFoundError


@csrf_exempt  # only so the size guard is installed before the body is read; CSRF is checked just below
@require_POST
def send_message(request: HttpRequest, application_id: int) -> HttpResponse:
    guard = install_size_limit(request)
    return _send_message(request, application_id, guard)


@csrf_protect
@login_required
def _send_message(request: HttpRequest, application_id: int, guard: RequestSizeLimitHandler) -> HttpResponse:
    try:
        application = selectors_dashboard.get_application(user=request.user, application_id=application_id)
    except NotFoundError:
        raise Http404(_("There is no such application.")) from None
    back = redirect("applications:detail", application.pk)
    if guard.exceeded:
        messages.error(request, too_large_error().message)
        return back
    form = MessageForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return back
    try:
        services.send_message(
            application_id=application.pk,
            user=request.user,
            body=form.cleaned_data["body"],
            uploads=[
                services.Upload(stream=upload, filename=upload.name or "")
                for upload in form.cleaned_data["attachments"]
            ],
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your message was sent to the Office. We will e-mail you the answer."))
    return back


@require_GET
@login_required
def download_attachment(request: HttpRequest, application_id: int, attachment_id: int) -> HttpResponse:
    """An attachment, to its case's applicant or an officer who may open the case (logged for staff)."""
    try:
        attachment = selectors.get_attachment_for_download(
            user=request.user, application_id=application_id, attachment_id=attachment_id
        )
    except NotFoundError:
        raise Http404 from None
    services.record_attachment_access(user=request.user, attachment=attachment)
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, OSError, ValidationError):
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_filename,
        content_type=attachment.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response

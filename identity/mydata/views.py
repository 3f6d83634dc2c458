"""My data pages: ask for the archive and download it, close the account. Thin: services do the work."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from eservice.exceptions import ConflictError, DomainError, NotFoundError
from identity.mydata import selectors, services


def _applicant(request: HttpRequest) -> None:
    if not request.user.is_applicant:
        raise PermissionDenied  # staff have no applicant data here


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def my_data(request: HttpRequest) -> HttpResponse:
    _applicant(request)
    if request.method == "POST":
        _export, created = services.request_data_export(user=request.user)
        if created:
            messages.success(request, _("We are preparing your data. We will e-mail you when it is ready."))
        else:
            messages.info(
                request, _("Your data is already being prepared. We will e-mail you when it is ready.")
            )
        return redirect("identity:my-data")
    exports = selectors.list_exports(user=request.user)
    return render(request, "identity/my_data.html", {"exports": exports})


def _unavailable(request: HttpRequest, *, status: int, heading: str, message: str) -> HttpResponse:
    return render(
        request, "identity/my_data_unavailable.html", {"heading": heading, "message": message}, status=status
    )


@never_cache
@login_required
@require_GET
def download(request: HttpRequest, export_uuid: uuid.UUID) -> HttpResponse:
    """The archive, for its own account only: another account gets 404 and an expired link 410, each with a
    page that says what to do next."""
    try:
        export = services.get_export_for_download(user=request.user, export_uuid=export_uuid)
    except NotFoundError:
        return _unavailable(
            request,
            status=404,
            heading=_("There is no such copy of your data"),
            message=_(
                "This link belongs to another account, or the copy was deleted. Sign in with the account "
                "that asked for it, or ask for a new copy."
            ),
        )
    except services.ExportExpiredError:
        return _unavailable(
            request,
            status=410,
            heading=_("This link has expired"),
            message=_(
                "For your safety a copy of your data can be downloaded only for a short time, and it has "
                "been deleted. Ask for a new copy: it takes a few minutes."
            ),
        )
    except ConflictError as error:
        return _unavailable(
            request, status=409, heading=_("Your copy is not ready yet"), message=error.message
        )
    try:
        handle = export.document.file.open("rb")
    except (FileNotFoundError, OSError):
        return _unavailable(
            request,
            status=410,
            heading=_("This link has expired"),
            message=_("Ask for a new copy of your data."),
        )
    response = FileResponse(
        handle, as_attachment=True, filename=export.document.filename, content_type="application/zip"
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@never_cache
@login_required
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def close_account(request: HttpRequest) -> HttpResponse:
    """Close the account: the page lists what happens to each open application; the password confirms."""
    _applicant(request)
    error = ""
    if request.method == "POST":
        try:
            services.close_account(user=request.user, password=request.POST.get("password", ""))
        except DomainError as exc:
            error = exc.message
        else:
            logout(request)
            return redirect("identity:account-closed")
    consequences = services.list_closing_consequences(user=request.user)
    context = {
        "error": error,
        "withdrawn": [item for item in consequences if item["action"] == "withdraw"],
        "blocking": [item for item in consequences if item["action"] == "blocks"],
    }
    return render(request, "identity/close_account.html", context, status=400 if error else 200)


@require_GET
def account_closed(request: HttpRequest) -> HttpResponse:
    return render(request, "identity/account_closed.html")

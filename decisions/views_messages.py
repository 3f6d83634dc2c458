"""The back office's "Messages waiting": the applicants' unanswered messages on the officer's cases, oldest first,
with how long each has waited. Officers who passed the second factor only; the case page answers them."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from applications.case_messages import selectors as message_selectors
from identity.permissions import staff_otp_required


@require_GET
@staff_otp_required
def waiting_messages(request: HttpRequest) -> HttpResponse:
    if not request.user.is_officer:
        raise PermissionDenied
    mine = request.GET.get("officer") == "me"
    rows = message_selectors.list_waiting_messages(officer=request.user, mine=mine)
    return render(request, "decisions/backoffice/messages.html", {"rows": rows, "mine": mine})

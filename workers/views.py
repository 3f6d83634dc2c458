"""The dev mailbox: e-mails written to files (the embedded default) readable in the browser.

Only when DEBUG is on and for staff; otherwise the pages do not exist (404), so production never shows them.
"""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage
from pathlib import Path

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from workers import selectors


def _require_dev_staff(request: HttpRequest) -> None:
    # Verification and reset links are in these messages: administrators with a verified second factor only.
    user = request.user
    if not settings.DEBUG or not (user.is_authenticated and user.is_staff and user.is_verified()):
        raise Http404


def _text_part(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    return part.get_content() if part is not None else ""


@never_cache
@require_GET
def mailbox(request: HttpRequest) -> HttpResponse:
    _require_dev_staff(request)
    files = selectors.list_mail_files(Path(settings.EMAIL_FILE_PATH))
    return render(request, "workers/mailbox.html", {"files": files})


@never_cache
@require_GET
def mailbox_file(request: HttpRequest, name: str) -> HttpResponse:
    _require_dev_staff(request)
    path = selectors.get_mail_file(Path(settings.EMAIL_FILE_PATH), name)
    if path is None:
        raise Http404
    raw = path.read_bytes()
    # The file backend appends messages separated by a line of dashes.
    messages = []
    for chunk in raw.split(b"\n" + b"-" * 79 + b"\n"):
        if chunk.strip():
            parsed = email.message_from_bytes(chunk.strip(b"\n"), policy=email.policy.default)
            messages.append({"headers": parsed, "text": _text_part(parsed)})
    return render(request, "workers/mailbox_file.html", {"name": path.name, "messages": messages})

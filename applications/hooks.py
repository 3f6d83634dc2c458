"""Hooks other apps register to take part in an application's transitions without applications importing them.

Dependencies run one way (identity ← applications ← payments, decisions), so the withdrawal service cannot call
payments. Instead payments appends a callable here in its ``AppConfig.ready()`` and the withdrawal service calls
``run_on_withdrawn`` inside its transaction: a hook that raises rolls the withdrawal back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from applications.models import Application

# Called as hook(application, previous_state=...) after the application was moved to "withdrawn" and saved.
OnWithdrawn = Callable[..., None]
on_withdrawn: list[OnWithdrawn] = []


def register_on_withdrawn(hook: OnWithdrawn) -> OnWithdrawn:
    """Add ``hook`` once (``ready()`` may run more than once in tests)."""
    if hook not in on_withdrawn:
        on_withdrawn.append(hook)
    return hook


def run_on_withdrawn(application: Application, *, previous_state: str) -> None:
    for hook in list(on_withdrawn):
        hook(application, previous_state=previous_state)


# Asked before a withdrawal, to tell the applicant the truth: would withdrawing now refund a fee they paid?
RefundCheck = Callable[["Application"], bool]
refund_checks: list[RefundCheck] = []


def register_refund_check(check: RefundCheck) -> RefundCheck:
    if check not in refund_checks:
        refund_checks.append(check)
    return check


def refund_due_on_withdrawal(application: Application) -> bool:
    return any(check(application) for check in list(refund_checks))


# Asked before an upload outside a draft: which document types may the applicant send now? Decisions answers with
# the types its open information request asks for while the application waits for the applicant.
UploadTypes = Callable[["Application"], "set[str] | frozenset[str]"]
upload_type_sources: list[UploadTypes] = []


def register_upload_types(source: UploadTypes) -> UploadTypes:
    if source not in upload_type_sources:
        upload_type_sources.append(source)
    return source


def uploadable_document_types(application: Application) -> frozenset[str]:
    """Codes of the document types that may be uploaded now to a submitted application (empty: none)."""
    codes: set[str] = set()
    for source in list(upload_type_sources):
        codes |= set(source(application))
    return frozenset(codes)

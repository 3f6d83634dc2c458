"""Every write that changes an application. Other apps call these, never the model's transitions directly.

``lifecycle``: drafts, edits, submit, withdraw, expiry, the timeline and the summary PDF.
``documents``: attaching and removing uploaded documents.
"""

from applications.services.documents import attach_document, delete_document, record_document_access
from applications.services.lifecycle import (
    create_draft,
    delete_draft,
    expire_stale_drafts,
    record_event,
    render_application_summary,
    send_draft_expiry_warnings,
    submit_application,
    update_application,
    withdraw_application,
)

__all__ = [
    "attach_document",
    "create_draft",
    "delete_document",
    "delete_draft",
    "expire_stale_drafts",
    "record_document_access",
    "record_event",
    "render_application_summary",
    "send_draft_expiry_warnings",
    "submit_application",
    "update_application",
    "withdraw_application",
]

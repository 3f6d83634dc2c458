"""The applicant's view of the back office on their application page: an open request, the decision."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils import timezone

from decisions import selectors, verification
from decisions.state_labels import StrOrPromise, officer_state_label

register = template.Library()


@register.inclusion_tag("decisions/_applicant_panels.html", takes_context=True)
def applicant_decision_panels(context: template.Context, application) -> dict:
    """A few queries, for one application's page (not for lists)."""
    user = context["request"].user
    decision = selectors.find_issued_decision(user=user, application_id=application.pk)
    letter = getattr(decision, "letter", None) if decision else None
    open_request = selectors.get_open_request(user=user, application_id=application.pk)
    uploads = []
    if open_request is not None and application.state == application.State.AWAITING_APPLICANT:
        # Each document type asked for, with the current file if one was sent (the page prefetched them).
        current = {document.document_type_id: document for document in application.documents.all()}
        uploads = [(t, current.get(t.pk)) for t in open_request.document_types.all()]
    return {
        "request": context["request"],
        "application": application,
        "open_request": open_request,
        "uploads": uploads,
        "upload_api": reverse("application-documents", args=[application.pk]),
        "decision": decision,
        "complaints": selectors.list_own_complaints(user=user, application_id=application.pk),
        "today": timezone.localdate(),
        "letter_ready": bool(letter and letter.is_ready),
        "verification_code": verification.display(letter.verification_code) if letter else "",
        "csrf_token": context.get("csrf_token"),
    }


@register.filter
def officer_state(state: str) -> StrOrPromise:
    """``{{ application.state|officer_state }}``: the state as the back office names it."""
    return officer_state_label(state)

"""Decisions' part of "my data": decisions with their sealed letters, and the Office's information requests.

Retention keeps decisions and their letters (the Office must keep them); information requests of applications
that never got a decision are deleted, and the applicant's answers to the others are blanked (the documents sent
with them go with the applications' rule).

Like the applications' part, it covers the account's own applications only (``application__applicant=user``),
not those the account sees as a representative.
"""

from __future__ import annotations

from django.db.models import Prefetch

from decisions.models import Decision, InformationRequest
from identity.models import User
from identity.mydata.registry import ExportFile, ExportSection, RetentionRule, SectionData


def collect_decisions(user: User) -> SectionData:
    decisions = list(
        Decision.objects.filter(application__applicant=user, state=Decision.State.ISSUED)
        .select_related("letter__document")
        .prefetch_related("legal_grounds")
        .order_by("issued_at", "id")
    )
    records, files = [], []
    for decision in decisions:
        letter = getattr(decision, "letter", None)
        records.append(
            {
                "id": decision.pk,
                "application_id": decision.application_id,
                "outcome": decision.outcome,
                "legal_grounds": [ground.code for ground in decision.legal_grounds.all()],
                "reasoning": decision.reasoning,
                "valid_from": decision.valid_from,
                "valid_to": decision.valid_to,
                "issued_at": decision.issued_at,
                "effective_on": decision.effective_on,
                "contest_until": decision.contest_until,
                "letter": {
                    "verification_code": letter.verification_code,
                    "language": letter.language,
                    "sha256": letter.document.sha256 if letter.document_id else None,
                }
                if letter
                else None,
            }
        )
        if letter and letter.document_id:
            files.append(
                ExportFile(
                    path=f"decisions/{decision.pk}-decision-letter.pdf",
                    file=letter.document.file,
                    sha256=letter.document.sha256,
                    section="decisions",
                    record_id=decision.pk,
                )
            )
    return SectionData(records=records, files=files)


def collect_information_requests(user: User) -> SectionData:
    requests = (
        InformationRequest.objects.filter(application__applicant=user)
        .prefetch_related(Prefetch("document_types"))
        .order_by("created_at", "id")
    )
    return SectionData(
        records=[
            {
                "id": request.pk,
                "application_id": request.application_id,
                "message": request.message,
                "documents_asked_for": [doc_type.code for doc_type in request.document_types.all()],
                "other_items": request.other_items,
                "answer_by": request.answer_by,
                "state": request.state,
                "created_at": request.created_at,
                "answered_at": request.answered_at,
                "answer": request.answer_text,
            }
            for request in requests
        ]
    )


def apply_information_request_retention(user: User) -> dict[str, int]:
    undecided = InformationRequest.objects.filter(
        application__applicant=user, application__decided_at__isnull=True
    )
    deleted = undecided.delete()[1].get("decisions.InformationRequest", 0)
    blanked = (
        InformationRequest.objects.filter(application__applicant=user)
        .exclude(answer_text="")
        .update(answer_text="")
    )
    return {"information_requests_deleted": deleted, "answers_blanked": blanked}


SECTIONS = (
    ExportSection("decisions", collect_decisions, "decisions issued to you, with their letters (PDF)"),
    ExportSection(
        "information_requests", collect_information_requests, "what the Office asked you, your answers"
    ),
)
RETENTION_RULES = (
    RetentionRule(
        "information_requests", apply_information_request_retention, "decisions.information_requests"
    ),
)

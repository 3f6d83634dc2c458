from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from applications.models import Application, DocumentType
from applications.selectors import list_requirements
from tests.factories import ApplicationFactory


@pytest.fixture
def draft(applicant) -> Application:
    return ApplicationFactory(applicant=applicant, complete=True)


@pytest.fixture
def attach_all():
    """Attach every required document of an application through the real service."""
    from applications.completeness import applicable_requirements
    from applications.services import attach_document
    from tests.applications.helpers import pdf_bytes

    def attach(application: Application) -> None:
        import io

        requirements = list_requirements(kind=application.kind, purpose=application.purpose)
        for requirement in applicable_requirements(application, requirements):
            if not requirement.required:
                continue
            document_type: DocumentType = requirement.document_type
            data = pdf_bytes()
            if "application/pdf" not in document_type.accepted_content_types:
                from tests.applications.helpers import jpeg_bytes

                data = jpeg_bytes()
            attach_document(
                application_id=application.pk,
                user=application.applicant,
                document_type_code=document_type.code,
                stream=io.BytesIO(data),
                filename=f"{document_type.code}.bin",
                issued_on=timezone.localdate() - dt.timedelta(days=3) if document_type.max_age_days else None,
            )

    return attach

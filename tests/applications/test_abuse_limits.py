"""Limits per applicant through the real API and pages: open drafts, upload rate, daily upload bytes."""

from __future__ import annotations

import io
import os
import time

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from applications.models import Application
from tests.applications.helpers import pdf_bytes
from tests.factories import ApplicationFactory

pytestmark = pytest.mark.django_db
BASE = "/api/v1/applications"
NEW = {"kind": "first_trp", "purpose": "studies"}


class TestOpenDrafts:
    def test_api_refuses_a_draft_over_the_cap_with_429(self, applicant_api, applicant, settings):
        settings.APPLICATION_MAX_OPEN_DRAFTS = 3
        statuses = [applicant_api.post(BASE, NEW, format="json").status_code for _ in range(4)]
        assert statuses == [201, 201, 201, 429]
        response = applicant_api.post(BASE, NEW, format="json")
        error = response.json()["error"]
        assert response.status_code == 429 and error["code"] == "too_many_drafts"
        assert "withdraw one" in error["message"]
        assert error["details"] == {"open_drafts": 3, "limit": 3}
        assert Application.objects.filter(applicant=applicant).count() == 3

    def test_default_cap_stops_a_burst(self, applicant_api, applicant, settings):
        statuses = [applicant_api.post(BASE, NEW, format="json").status_code for _ in range(25)]
        cap = settings.APPLICATION_MAX_OPEN_DRAFTS
        assert statuses == [201] * cap + [429] * (25 - cap)

    def test_only_open_drafts_count(self, applicant_api, applicant, settings):
        settings.APPLICATION_MAX_OPEN_DRAFTS = 1
        ApplicationFactory(applicant=applicant, submitted=True)
        ApplicationFactory(applicant=applicant, withdrawn=True)
        ApplicationFactory(applicant=ApplicationFactory().applicant)  # someone else's draft
        assert applicant_api.post(BASE, NEW, format="json").status_code == 201

    def test_page_says_why(self, client, applicant, settings):
        settings.APPLICATION_MAX_OPEN_DRAFTS = 1
        ApplicationFactory(applicant=applicant)
        client.force_login(applicant)
        response = client.post("/applications/new/", NEW, follow=True)
        assert "the most allowed at a time" in response.content.decode()
        assert Application.objects.filter(applicant=applicant).count() == 1


def _noise_png(at_least: int) -> bytes:
    """A valid PNG that does not compress: its size is about the pixel bytes."""
    side = int((at_least / 3) ** 0.5) + 1
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(out, format="PNG")
    assert len(out.getvalue()) >= at_least
    return out.getvalue()


def _upload(api, draft, name="scan.pdf", content=None):
    upload = SimpleUploadedFile(name, content or pdf_bytes(), content_type="application/pdf")
    return api.post(
        f"{BASE}/{draft.pk}/documents", {"document_type": "passport_copy", "file": upload}, format="multipart"
    )


@pytest.fixture
def limits_on(settings):
    settings.RATELIMIT_ENABLE = True


@pytest.mark.usefixtures("limits_on")
class TestUploads:
    def test_upload_rate_per_user(self, applicant_api, draft, other_applicant_api, other_applicant, settings):
        settings.UPLOAD_RATE = "3/m"
        # The rate's windows are whole minutes: four uploads that straddle one would count in two. Start the
        # test five seconds into the next minute, the clock running.
        with time_machine.travel((int(time.time()) // 60 + 1) * 60 + 5, tick=True):
            assert [_upload(applicant_api, draft).status_code for _ in range(4)] == [201, 201, 201, 429]
            response = _upload(applicant_api, draft)
            assert response.json()["error"]["code"] == "upload_rate_limited"
            assert "Wait" in response.json()["error"]["message"]
            # Another applicant has their own budget.
            assert (
                _upload(other_applicant_api, ApplicationFactory(applicant=other_applicant)).status_code == 201
            )

    def test_daily_byte_quota(self, applicant_api, draft, settings):
        settings.UPLOAD_QUOTA_MB_PER_DAY = 1
        content = _noise_png(400 * 1024)
        assert _upload(applicant_api, draft, "scan.png", content).status_code == 201
        assert _upload(applicant_api, draft, "scan.png", content).status_code == 201
        response = _upload(applicant_api, draft, "scan.png", content)
        assert response.status_code == 429
        assert response.json()["error"]["code"] == "upload_quota_exceeded"
        # A small file still fits in what is left.
        assert _upload(applicant_api, draft).status_code == 201

    def test_page_upload_says_why(self, client, applicant, draft, settings):
        settings.UPLOAD_RATE = "1/h"
        client.force_login(applicant)
        url = f"/applications/{draft.pk}/documents/"

        def post():
            upload = SimpleUploadedFile("scan.pdf", pdf_bytes(), content_type="application/pdf")
            return client.post(url, {"document_type": "passport_copy", "file": upload}, follow=True)

        assert "The document was uploaded" in post().content.decode()
        assert "uploaded many files in a short time" in post().content.decode()
        assert draft.documents.count() == 1

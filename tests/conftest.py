from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def applicant(db):
    return UserFactory(applicant=True)


@pytest.fixture
def other_applicant(db):
    return UserFactory(applicant=True)


@pytest.fixture
def case_officer(db):
    return UserFactory(case_officer=True)


@pytest.fixture
def senior_officer(db):
    return UserFactory(senior_officer=True)


def _bearer_client(user) -> APIClient:
    from identity.services.api_tokens import issue_access_token

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_access_token(user=user)}")
    return client


@pytest.fixture
def applicant_api(applicant) -> APIClient:
    return _bearer_client(applicant)


@pytest.fixture
def other_applicant_api(other_applicant) -> APIClient:
    return _bearer_client(other_applicant)


@pytest.fixture
def bearer_client():
    """Make an API client authenticated with a real access token for any user."""
    return _bearer_client

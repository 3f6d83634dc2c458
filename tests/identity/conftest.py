from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.factories import PASSWORD, ApplicantProfileFactory, UserFactory
from tests.otp import add_totp


@pytest.fixture(autouse=True)
def _identity_settings(settings, celery_eager):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # tests enter a wrong code and then the right one at once
    settings.SITE_URL = "https://eservice.example.lv"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def applicant_with_profile(db):
    return ApplicantProfileFactory(user=UserFactory(applicant=True)).user


@pytest.fixture
def applicant_with_totp(db):
    user = UserFactory(applicant=True)
    return user, add_totp(user)


@pytest.fixture
def officer_with_totp(db):
    user = UserFactory(case_officer=True)
    return user, add_totp(user)

from __future__ import annotations

import pytest
from django.core.cache import cache
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import PASSWORD, ApplicantProfileFactory, UserFactory


@pytest.fixture(autouse=True)
def _identity_settings(settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # tests enter a wrong code and then the right one at once
    settings.SITE_URL = "https://eservice.example.lv"
    cache.clear()
    yield
    cache.clear()


def totp_code(device: TOTPDevice, offset_steps: int = 0) -> str:
    """The code the user's app shows now (or ``offset_steps`` steps later)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + offset_steps * device.step
    return f"{totp.token():0{device.digits}d}"


def wrong_code(device: TOTPDevice) -> str:
    right = {totp_code(device, step) for step in (-1, 0, 1)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in right)


def add_totp(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def verify_session(client, device: TOTPDevice) -> None:
    """Mark the client's (already signed-in) session as OTP-verified, as django_otp.login does."""
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()


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

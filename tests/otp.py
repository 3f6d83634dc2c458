"""TOTP helpers shared by tests: a user's current code, a wrong one, a device, an OTP-verified session."""

from __future__ import annotations

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


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

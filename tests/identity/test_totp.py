"""TOTP set-up (QR code + otpauth URI, confirmed by a code), optional for applicants, mandatory for staff."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from identity.services import accounts
from tests.otp import totp_code, verify_session, wrong_code

pytestmark = pytest.mark.django_db

SETUP = "/account/two-step/"
DISABLE = "/account/two-step/disable/"


def _pending(user) -> TOTPDevice:
    return TOTPDevice.objects.get(user=user, confirmed=False)


def test_setup_needs_sign_in(client):
    response = client.get(SETUP)
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_setup_page_shows_qr_code_and_otpauth_uri(client, applicant, settings):
    client.force_login(applicant)
    response = client.get(SETUP)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'src="data:image/svg+xml;base64,' in html
    uri = re.search(r'href="(otpauth://[^"]+)"', html).group(1).replace("&amp;", "&")
    parsed = urlparse(uri)
    assert parsed.netloc == "totp"
    assert parse_qs(parsed.query)["secret"][0]
    assert parse_qs(parsed.query)["issuer"][0] == settings.OTP_TOTP_ISSUER
    assert 'for="id_otp"' in html
    # Reloading shows the same pending device, not a new one each time.
    client.get(SETUP)
    assert TOTPDevice.objects.filter(user=applicant).count() == 1


def test_applicant_confirms_with_a_code_and_session_becomes_verified(client, applicant):
    client.force_login(applicant)
    client.get(SETUP)
    device = _pending(applicant)
    response = client.post(SETUP, {"otp": totp_code(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.session["otp_device_id"] == device.persistent_id
    assert accounts.otp_required_for(user=applicant)


def test_wrong_code_does_not_confirm(client, applicant):
    client.force_login(applicant)
    client.get(SETUP)
    device = _pending(applicant)
    response = client.post(SETUP, {"otp": wrong_code(device)})
    assert response.status_code == 400
    assert "not correct" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=applicant, confirmed=True).exists()


def test_malformed_code_is_a_form_error(client, applicant):
    client.force_login(applicant)
    response = client.post(SETUP, {"otp": "abc"})
    assert response.status_code == 400
    assert "six digits" in response.content.decode()


def test_staff_sets_up_mandatory_totp_after_password(client, case_officer):
    client.force_login(case_officer)  # what the sign-in page does for staff without a device
    response = client.get(SETUP)
    assert response.status_code == 200
    assert "Staff accounts must use two-step verification" in response.content.decode()
    device = _pending(case_officer)
    client.post(SETUP, {"otp": totp_code(device)})
    assert client.session["otp_device_id"] == device.persistent_id


def test_unverified_session_cannot_replace_an_existing_device(client, officer_with_totp):
    user, _device = officer_with_totp
    client.force_login(user)  # password only, no code
    assert client.get(SETUP).status_code == 403
    assert client.get(SETUP + "?replace=1").status_code == 403
    assert TOTPDevice.objects.filter(user=user).count() == 1


def test_verified_user_can_move_to_a_new_phone(client, applicant_with_totp):
    user, device = applicant_with_totp
    client.force_login(user)
    verify_session(client, device)
    assert "Two-step verification is on" in client.get(SETUP).content.decode()
    client.get(SETUP + "?replace=1")
    new = _pending(user)
    client.post(SETUP + "?replace=1", {"otp": totp_code(new)})
    assert list(TOTPDevice.objects.filter(user=user).values_list("pk", flat=True)) == [new.pk]


def test_applicant_disables_with_a_current_code(client, applicant_with_totp):
    user, device = applicant_with_totp
    client.force_login(user)
    verify_session(client, device)
    response = client.post(DISABLE, {"otp": totp_code(device)})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=user).exists()


def test_disable_with_wrong_code_keeps_the_device(client, applicant_with_totp):
    user, device = applicant_with_totp
    client.force_login(user)
    verify_session(client, device)
    assert client.post(DISABLE, {"otp": wrong_code(device)}).status_code == 400
    assert TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def test_staff_cannot_disable(client, officer_with_totp):
    user, device = officer_with_totp
    client.force_login(user)
    verify_session(client, device)
    assert client.post(DISABLE, {"otp": totp_code(device)}).status_code == 403
    assert TOTPDevice.objects.filter(user=user).exists()
    with pytest.raises(accounts.ForbiddenError):
        accounts.disable_totp(user=user, token=totp_code(device, 1))


def test_disable_is_post_only(client, applicant):
    client.force_login(applicant)
    assert client.get(DISABLE).status_code == 405


def test_confirm_refuses_another_users_device(applicant, other_applicant):
    device = accounts.start_totp_setup(user=other_applicant)
    with pytest.raises(accounts.DomainError):
        accounts.confirm_totp_device(user=applicant, device_id=device.pk, token=totp_code(device))
    device.refresh_from_db()
    assert not device.confirmed

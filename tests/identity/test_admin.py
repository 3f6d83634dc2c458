"""Django admin requires an OTP-verified staff session (django-otp's OTPAdminSite)."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django_otp.admin import OTPAdminSite

from tests.factories import UserFactory
from tests.otp import add_totp, verify_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def administrator():
    return UserFactory(administrator=True)


def test_default_admin_site_is_an_otp_admin_site():
    assert isinstance(admin.site, OTPAdminSite)


def test_staff_session_without_otp_cannot_open_admin(client, administrator):
    client.force_login(administrator)
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"] == "/account/two-step/"


def test_staff_session_with_a_device_but_no_code_signs_in_again(client, administrator):
    add_totp(administrator)
    client.force_login(administrator)
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"] == "/login/?next=/admin/"
    # The admin's own sign-in sends people to ours too (which asks for the code and counts failures).
    login = client.get("/admin/login/")
    assert login.status_code == 302 and login["Location"].startswith("/login/?next=")


def test_staff_session_with_otp_opens_admin(client, administrator):
    device = add_totp(administrator)
    client.force_login(administrator)
    verify_session(client, device)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/identity/territorialunit/").status_code == 200


def test_applicant_cannot_open_admin(client, applicant):
    client.force_login(applicant)
    assert client.get("/admin/").status_code == 302

"""``SessionUserMiddleware``: the session's user in one lazy object, with django-otp's ``otp_device`` and
``is_verified()`` (sync and async), and the staff second-factor rule only when the session names a user."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from django.contrib.auth.models import AnonymousUser

from tests.factories import TerritorialUnitFactory, UserFactory
from tests.otp import add_totp, verify_session

pytestmark = pytest.mark.django_db


def _request_user(client):
    request = client.get("/healthz").wsgi_request
    return request, request.user


def test_a_visitor_is_anonymous_and_not_verified(client):
    request, user = _request_user(client)
    assert isinstance(user, AnonymousUser) and not user.is_authenticated
    assert user.otp_device is None and user.is_verified() is False
    assert async_to_sync(request.auser)().is_verified() is False


def test_a_signed_in_staff_member_with_the_code_is_verified(client):
    officer = UserFactory(case_officer=True, unit=TerritorialUnitFactory())
    device = add_totp(officer)
    client.force_login(officer)
    verify_session(client, device)
    request, user = _request_user(client)
    assert user.pk == officer.pk and user.otp_device == device and user.is_verified()
    assert async_to_sync(request.auser)().otp_device == device


def test_a_device_of_someone_else_is_not_taken(client):
    applicant, other = UserFactory(), UserFactory()
    client.force_login(applicant)
    verify_session(client, add_totp(other))
    _, user = _request_user(client)
    assert user.pk == applicant.pk and not user.is_verified()
    assert "otp_device_id" not in client.session  # django-otp's own clean-up of the session


def test_a_staff_session_without_the_code_sees_no_case(client):
    officer = UserFactory(case_officer=True, unit=TerritorialUnitFactory())
    add_totp(officer)
    client.force_login(officer)
    response = client.get("/backoffice/")
    assert response.status_code == 302 and "/login" in response["Location"]

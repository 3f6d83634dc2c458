"""identity cleans up its own token rows (the daily workers task only calls this service)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from identity.models import EmailVerification, RefreshToken
from identity.services.accounts import delete_expired_tokens
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _refresh(user, *, expires_in: timedelta) -> RefreshToken:
    now = timezone.now()
    return RefreshToken.objects.create(
        jti=f"jti-{now.timestamp()}-{expires_in}", family="f", user=user, expires_at=now + expires_in
    )


def test_deletes_refresh_tokens_expired_more_than_a_day_ago():
    user = UserFactory()
    old = _refresh(user, expires_in=-timedelta(days=1, minutes=1))
    recently_expired = _refresh(user, expires_in=-timedelta(hours=23))
    valid = _refresh(user, expires_in=timedelta(days=3))

    counts = delete_expired_tokens()

    assert counts["refresh_tokens"] == 1
    assert set(RefreshToken.objects.values_list("pk", flat=True)) == {recently_expired.pk, valid.pk}
    assert not RefreshToken.objects.filter(pk=old.pk).exists()


def test_deletes_used_verifications_older_than_their_lifetime(settings):
    user = UserFactory()
    max_age = timedelta(seconds=settings.EMAIL_VERIFICATION_MAX_AGE)
    old = EmailVerification.objects.create(user=user, token_id="old", used_at=timezone.now() - max_age * 1.5)
    recent = EmailVerification.objects.create(user=user, token_id="recent", used_at=timezone.now())

    counts = delete_expired_tokens()

    assert counts["email_verifications"] == 1
    assert list(EmailVerification.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not EmailVerification.objects.filter(pk=old.pk).exists()


def test_now_can_be_given():
    user = UserFactory()
    token = _refresh(user, expires_in=timedelta(days=3))
    assert delete_expired_tokens(now=timezone.now() + timedelta(days=3, hours=1))["refresh_tokens"] == 0
    assert delete_expired_tokens(now=timezone.now() + timedelta(days=4, hours=1))["refresh_tokens"] == 1
    assert not RefreshToken.objects.filter(pk=token.pk).exists()

"""The periodic maintenance tasks are thin: they call the owning app's service."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from identity.models import RefreshToken
from identity.tasks import delete_expired_tokens as delete_expired_tokens_task
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_task_runs_identitys_clean_up():
    now = timezone.now()
    RefreshToken.objects.create(jti="old", family="f", user=UserFactory(), expires_at=now - timedelta(days=2))
    assert delete_expired_tokens_task.apply().get() == {"refresh_tokens": 1, "email_verifications": 0}
    assert not RefreshToken.objects.exists()

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from tests.factories import UserFactory
from tests.otp import add_totp, verify_session
from tests.services import unavailable

LOCALE = Path(__file__).resolve().parents[1] / "locale"


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate-limit counters, sign-in pace and upload quotas live in the cache: no test inherits another's."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(scope="session")
def compiled_locale(tmp_path_factory) -> Path:
    """The project's catalogues compiled into a temporary folder: language checks need no `make` step first."""
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        unavailable("GNU gettext (msgfmt) is not installed")
    target = tmp_path_factory.mktemp("locale")
    for po in sorted(LOCALE.glob("*/LC_MESSAGES/*.po")):
        mo = target / po.relative_to(LOCALE).with_suffix(".mo")
        mo.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([msgfmt, "--check-format", "-o", str(mo), str(po)], check=True)
    return target


@pytest.fixture
def translated(compiled_locale, settings) -> None:
    """Serve pages and mails with freshly compiled Latvian and Russian catalogues (Django drops its cached
    ones)."""
    settings.LOCALE_PATHS = [compiled_locale]


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
    """A token as the token API issues it: for staff only after the TOTP code was checked."""
    from identity.services.api_tokens import issue_access_token

    token = issue_access_token(user=user, second_factor=user.requires_otp)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
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


@pytest.fixture
def admin_user(db):
    return UserFactory(administrator=True)


@pytest.fixture
def admin_client(client, admin_user):
    """Django admin requires a TOTP-verified session (OTPAdminSite): sign in and verify like a real admin."""
    client.force_login(admin_user)
    verify_session(client, add_totp(admin_user))
    return client


@pytest.fixture
def staff_client_for():
    """A page client signed in as the given staff user, with the session OTP-verified."""
    from django.test import Client

    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        verify_session(client, add_totp(user))
        return client

    return make


@pytest.fixture
def empty_units(db):
    """Remove the territorial units the data migration loads, for tests that build their own set."""
    from identity.models import TerritorialUnit

    TerritorialUnit.objects.filter(parent__isnull=False).delete()
    TerritorialUnit.objects.all().delete()


@pytest.fixture
def celery_eager():
    """Run Celery tasks inline, so an outbox e-mail scheduled on commit lands in ``mail.outbox`` at once."""
    from eservice.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager = False
    app.conf.task_eager_propagates = False


def pytest_collection_modifyitems(items):
    """Every transactional test restores the rows the data migrations load (catalogue, units).

    A transactional test empties the tables when it ends. With ``serialized_rollback`` the rows come back and
    Django does not re-create content types behind the next test's back; mixing both kinds makes the next
    serialized test insert content types twice. So all transactional tests use it.
    """
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker and marker.kwargs.get("transaction") and not marker.kwargs.get("serialized_rollback"):
            item.add_marker(pytest.mark.django_db(transaction=True, serialized_rollback=True), append=False)

import subprocess
import sys

import pytest
from django.urls import reverse


def test_healthz_is_ok(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_reports_database_and_broker(client):
    response = client.get(reverse("readyz"))
    # The test broker is in memory: both checks pass.
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": True, "broker": True}


@pytest.mark.django_db
def test_readyz_is_503_when_broker_unreachable(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get(reverse("readyz"))
    assert response.status_code == 503
    assert response.json()["checks"]["broker"] is False


def _production_settings(env: dict[str, str]) -> subprocess.CompletedProcess:
    base_env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "eservice.settings.production"}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={**base_env, **env},
        capture_output=True,
        text=True,
        check=False,
    )


GOOD = {
    "SECRET_KEY": "x" * 64,
    "JWT_PRIVATE_KEY": "-----BEGIN PRIVATE KEY-----\nplaceholder\n-----END PRIVATE KEY-----",
    "ALLOWED_HOSTS": "eservice.example.lv",
}


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("SECRET_KEY", "SECRET_KEY"),
        ("JWT_PRIVATE_KEY", "JWT_PRIVATE_KEY"),
        ("ALLOWED_HOSTS", "ALLOWED_HOSTS"),
    ],
)
def test_production_refuses_to_start_without(missing, message):
    env = {k: v for k, v in GOOD.items() if k != missing}
    result = _production_settings(env)
    assert result.returncode != 0
    assert message in result.stderr


def test_production_starts_with_real_settings():
    result = _production_settings(GOOD)
    assert result.returncode == 0, result.stderr


def test_security_headers_on_pages(client):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_no_asset_from_a_cdn(client):
    body = client.get(reverse("home")).content.decode()
    assert "https://" not in body.split("<main")[0]

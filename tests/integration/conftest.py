"""Shared fixtures of the integration tests."""

from __future__ import annotations

import pytest

from tests.integration.live_workers import SmtpSink


@pytest.fixture
def smtp(settings):
    """A real SMTP server (aiosmtpd on loopback) that Django's SMTP backend delivers this test's mail to."""
    sink = SmtpSink().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    yield sink
    sink.stop()

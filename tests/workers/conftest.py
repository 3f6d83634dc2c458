from __future__ import annotations

import pytest

from tests.workers.backends import DEFAULT_ERROR, FlakyBackend


@pytest.fixture
def flaky_mail(settings):
    """Make e-mail fail a chosen number of times: ``flaky_mail(2)`` → two SMTP errors, then delivery."""
    settings.EMAIL_BACKEND = "tests.workers.backends.FlakyBackend"

    def configure(failures: int, error: Exception | None = None) -> type[FlakyBackend]:
        FlakyBackend.failures = failures
        FlakyBackend.calls = 0
        if error is not None:
            FlakyBackend.error = error
        return FlakyBackend

    yield configure
    FlakyBackend.failures = 0
    FlakyBackend.calls = 0
    FlakyBackend.error = DEFAULT_ERROR

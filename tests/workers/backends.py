"""E-mail backends for tests: one that fails a given number of times before delivering to mail.outbox."""

from __future__ import annotations

import smtplib

from django.core.mail.backends.locmem import EmailBackend as LocmemBackend

DEFAULT_ERROR = smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


class FlakyBackend(LocmemBackend):
    """Raises ``error`` for the first ``failures`` sends (class-level, shared by every instance), then delivers."""

    failures = 0
    error: Exception = DEFAULT_ERROR
    calls = 0

    def send_messages(self, messages):
        type(self).calls += 1
        if type(self).failures > 0:
            type(self).failures -= 1
            raise type(self).error
        return super().send_messages(messages)


class SlowBackend(LocmemBackend):
    """Delivers to mail.outbox after a pause, so two senders overlap (concurrency tests)."""

    delay = 0.5

    def send_messages(self, messages):
        import time

        time.sleep(self.delay)
        return super().send_messages(messages)

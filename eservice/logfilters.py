"""Logging filters; imported while logging is configured, so this module imports nothing from Django."""

from __future__ import annotations

import logging


class ClientErrorLogFilter(logging.Filter):
    """Keep the line of a 4xx (``django.request``, ``django.security``), drop the traceback attached to it."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if record.name.startswith("django.security") or (status is not None and 400 <= status < 500):
            record.exc_info = None
            record.exc_text = None
        return True

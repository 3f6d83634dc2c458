"""The API's JSON parser: anything that is not sensible JSON text is a 400 ``parse_error``, never a 500.

DRF's own parser turns only ``ValueError`` into a parse error. A body nested deeper than the interpreter's
recursion limit (``[[[[…``) raises ``RecursionError`` instead, and a ``\\ud800`` escape decodes to a lone
surrogate that cannot be encoded as UTF-8, so it blows up later: in the database, in a log line, or when the
error message that quotes it is rendered.
"""

from __future__ import annotations

import codecs
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.settings import api_settings
from rest_framework.utils import json

# No request of this API nests deeper than a few levels; this bound keeps every later recursive walk
# (serializers, JSONField, the renderer) far from the interpreter's recursion limit.
MAX_DEPTH = 32


class SafeJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: dict | None = None) -> Any:
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.getreader(encoding)(stream).read()
            data = json.loads(text, parse_constant=json.strict_constant if api_settings.STRICT_JSON else None)
        except RecursionError:
            raise ParseError(_("The JSON body is nested too deeply.")) from None
        except (ValueError, LookupError):  # JSONDecodeError, UnicodeDecodeError; LookupError: unknown charset
            raise ParseError(_("The body is not valid JSON.")) from None
        check_json_value(data, max_depth=MAX_DEPTH)
        return data


def check_json_value(data: Any, *, max_depth: int) -> None:
    """Refuse a nesting deeper than ``max_depth`` and any string (key or value) that is not valid Unicode text
    or that holds a NUL character.

    Iterative, so the check itself cannot hit the recursion limit.
    """
    pending: list[tuple[Any, int]] = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, str):
            _check_text(value)
        elif isinstance(value, dict | list):
            if depth > max_depth:
                raise ParseError(_("The JSON body is nested too deeply."))
            if isinstance(value, dict):
                for key, item in value.items():
                    _check_text(key)
                    pending.append((item, depth + 1))
            else:
                pending.extend((item, depth + 1) for item in value)


def _check_text(value: str) -> None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from a \\udXXX escape
        raise ParseError(_("The JSON body contains an invalid character (an unpaired surrogate).")) from None
    if "\x00" in value:  # PostgreSQL takes no NUL in text or jsonb
        raise ParseError(_("The JSON body contains a NUL character."))

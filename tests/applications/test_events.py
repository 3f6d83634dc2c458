"""Timeline events: every kind an app writes is an ``ApplicationEvent.Kind`` with a translated label."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.utils import translation

from applications.models import ApplicationEvent
from applications.services import payment_events
from applications.services.lifecycle import record_event

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parents[2]
APPS = ("applications", "payments", "decisions", "workers", "identity")


def test_record_event_refuses_an_unknown_kind_and_writes_nothing(draft):
    before = ApplicationEvent.objects.count()
    with pytest.raises(ValueError, match="payment_teleported"):
        record_event(application=draft, kind="payment_teleported")
    assert ApplicationEvent.objects.count() == before


def test_record_payment_event_refuses_an_unknown_kind(draft):
    with pytest.raises(ValueError):
        payment_events.record_payment_event(application=draft, kind="refund_maybe", data={})
    assert not ApplicationEvent.objects.filter(kind="refund_maybe").exists()


@pytest.mark.parametrize(
    "kind",
    [
        payment_events.PAYMENT_STARTED,
        payment_events.PAYMENT_FAILED,
        payment_events.PAYMENT_REFUNDED,
        payment_events.PAYMENT_REFUND_PENDING,
        payment_events.PAYMENT_NOT_REFUNDED,
        payment_events.RECEIPT_READY,
    ],
)
def test_payment_kinds_are_recorded_with_their_label(draft, kind):
    event = record_event(application=draft, kind=kind, data={"payment_id": 1})
    event.refresh_from_db()
    assert event.kind == kind
    assert event.label == str(ApplicationEvent.Kind(kind).label)
    assert event.label != kind.replace("_", " ").capitalize()


def _string_kinds_written_in_code() -> set[str]:
    """Literal strings passed as ``kind=`` to record_event / record_payment_event anywhere in the apps."""
    found: set[str] = set()
    for app in APPS:
        for path in (BASE_DIR / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call):
                    continue
                name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
                if name not in {"record_event", "record_payment_event"}:
                    continue
                for keyword in node.keywords:
                    if keyword.arg == "kind" and isinstance(keyword.value, ast.Constant):
                        found.add(keyword.value.value)
    return found


def test_no_service_writes_a_kind_missing_from_the_choices():
    assert _string_kinds_written_in_code() <= set(ApplicationEvent.Kind.values)


@pytest.mark.parametrize("language", ["lv", "ru"])
def test_every_kind_has_a_translated_label(translated, language):
    with translation.override("en"):
        english = {kind: str(kind.label) for kind in ApplicationEvent.Kind}
    with translation.override(language):
        untranslated = [kind for kind in ApplicationEvent.Kind if str(kind.label) == english[kind]]
    assert untranslated == []

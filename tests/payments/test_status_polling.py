"""A pending card payment's return page polls its status (a CSP-clean script) and keeps "Check again" without it."""

from __future__ import annotations

import pytest

from payments.services import confirm_payment

pytestmark = pytest.mark.django_db


def test_pending_card_page_loads_the_polling_script_and_keeps_the_button(client, applicant, card_payment):
    client.force_login(applicant)
    html = client.get(f"/payments/{card_payment.pk}/").content.decode()
    assert f'data-poll-url="/payments/{card_payment.pk}/status.json"' in html
    assert '<script src="/static/js/payment-status.js" defer></script>' in html
    assert "Check again" in html  # no-script fallback
    assert "<script>" not in html  # nothing inline: the CSP allows files from this site only


def test_status_json_tells_the_owner_when_the_payment_is_paid(client, applicant, card_payment):
    client.force_login(applicant)
    pending = client.get(f"/payments/{card_payment.pk}/status.json")
    assert pending.status_code == 200 and pending["Cache-Control"] == "private, no-store"
    assert pending.json() == {"status": "pending", "status_display": "Pending", "pending": True}
    confirm_payment(payment_id=card_payment.pk)
    assert client.get(f"/payments/{card_payment.pk}/status.json").json()["pending"] is False
    paid_page = client.get(f"/payments/{card_payment.pk}/").content.decode()
    assert "payment-status.js" not in paid_page and "state fee is paid" in paid_page


def test_status_json_is_404_for_someone_else_and_for_visitors(client, other_applicant, card_payment):
    assert client.get(f"/payments/{card_payment.pk}/status.json").status_code == 404
    client.force_login(other_applicant)
    assert client.get(f"/payments/{card_payment.pk}/status.json").status_code == 404


def test_bank_transfer_page_does_not_poll(client, applicant, bank_payment):
    client.force_login(applicant)
    assert "payment-status.js" not in client.get(f"/payments/{bank_payment.pk}/").content.decode()

"""Every write of the payments app. Views, admin actions, commands and tasks call these."""

from payments.services.expiry import expire_unpaid_bank_transfers
from payments.services.payments import (
    Outcome,
    StartedPayment,
    accept_late_payment,
    confirm_payment,
    fail_payment,
    start_payment,
)
from payments.services.receipts import render_bank_transfer_instructions, render_payment_receipt
from payments.services.refunds import complete_bank_refund, complete_card_refund, refund_on_withdrawal
from payments.services.reviews import resolve_reconciliation_item
from payments.services.statements import import_camt053, parse_camt053
from payments.services.webhooks import receive_webhook

__all__ = [
    "Outcome",
    "StartedPayment",
    "accept_late_payment",
    "complete_bank_refund",
    "complete_card_refund",
    "confirm_payment",
    "expire_unpaid_bank_transfers",
    "fail_payment",
    "import_camt053",
    "parse_camt053",
    "receive_webhook",
    "refund_on_withdrawal",
    "render_bank_transfer_instructions",
    "render_payment_receipt",
    "resolve_reconciliation_item",
    "start_payment",
]

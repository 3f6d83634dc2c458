"""The ledger of provider calls: every checkout and refund asked of a card provider, with its answer.

A provider call is made in three steps, so that no database transaction is open while the provider works and a
retry can never make the provider act twice:

1. inside the caller's transaction, ``open_call`` writes (or finds) the ``ProviderCall`` row under a
   deterministic idempotency key, and the transaction commits;
2. ``call_provider`` checks that no transaction is open and calls the adapter with the row's key;
3. a second transaction records the answer (``record_success`` / ``record_failure``) together with the change
   the answer brings (the payment refunded, the checkout reference saved).

If step 3 fails (the commit fails, the worker dies), the retry repeats step 2 with the same key and the provider
answers with the first checkout or refund.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import F
from django.utils import timezone

from payments.models import Payment, ProviderCall

logger = logging.getLogger(__name__)

T = TypeVar("T")


class TransactionOpenError(RuntimeError):
    """A provider was about to be called inside a database transaction: a programming error."""


def in_transaction(using: str = DEFAULT_DB_ALIAS) -> bool:
    """A transaction of ours is open on ``using`` (the test runner's wrapping transaction does not count).

    The same rule as Django's ``atomic(durable=True)``: blocks opened by ``TestCase`` are ignored, so tests that
    run inside one transaction still exercise the check.
    """
    connection = transaction.get_connection(using)
    return any(not block._from_testcase for block in connection.atomic_blocks)


def ensure_outside_transaction(using: str = DEFAULT_DB_ALIAS) -> None:
    if in_transaction(using):
        raise TransactionOpenError(
            "A payment provider must not be called inside a database transaction: a rollback after the "
            "provider acted would forget money that moved."
        )


def open_call(
    *, payment: Payment, operation: str, idempotency_key: str, request: dict[str, Any]
) -> ProviderCall:
    """The ledger row for this call (created once per key); the caller's transaction holds the payment lock."""
    call, created = ProviderCall.objects.get_or_create(
        provider=payment.provider,
        operation=operation,
        idempotency_key=idempotency_key,
        defaults={"payment": payment, "request": request},
    )
    ProviderCall.objects.filter(pk=call.pk).update(attempts=F("attempts") + 1)
    call.attempts += 1
    if created:
        logger.info("provider_call.opened id=%s payment=%s operation=%s", call.pk, payment.pk, operation)
    return call


def call_provider(call: ProviderCall, perform: Callable[..., T]) -> T:
    """Run ``perform(idempotency_key=...)`` (the adapter call) with no transaction open."""
    ensure_outside_transaction()
    logger.info("provider_call.sent id=%s operation=%s attempt=%s", call.pk, call.operation, call.attempts)
    return perform(idempotency_key=call.idempotency_key)


def record_success(call: ProviderCall, *, response: dict[str, Any], provider_reference: str) -> ProviderCall:
    """Inside the second transaction: the provider's answer, beside the change it brings."""
    call.status = ProviderCall.Status.SUCCEEDED
    call.response = response
    call.provider_reference = provider_reference[:100]
    call.error = ""
    call.finished_at = timezone.now()
    call.save(update_fields=["status", "response", "provider_reference", "error", "finished_at"])
    logger.info("provider_call.succeeded id=%s operation=%s", call.pk, call.operation)
    return call


@transaction.atomic
def record_failure(*, call_id: int, error: str, final: bool) -> ProviderCall:
    """The provider refused (``final``) or did not answer (the call stays pending and is retried, same key)."""
    call = ProviderCall.objects.select_for_update().get(pk=call_id)
    if call.status == ProviderCall.Status.SUCCEEDED:
        return call
    call.error = error[:300]
    fields = ["error"]
    if final:
        call.status = ProviderCall.Status.FAILED
        call.finished_at = timezone.now()
        fields += ["status", "finished_at"]
    call.save(update_fields=fields)
    logger.warning("provider_call.failed id=%s operation=%s final=%s", call.pk, call.operation, final)
    return call

"""Payment pages: choose how to pay, the return page, bank-transfer instructions, PDFs, the test gateway page.

Thin: parse, check who asks (someone else's application or payment is 404), call one service or selector, render.
The return page reads the payment's status from the database; query parameters are never trusted.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from applications.selectors_dashboard import get_application
from eservice.errors import error_response
from eservice.exceptions import DomainError, NotFoundError
from payments import selectors, services
from payments.models import Payment, format_cents
from payments.providers import enabled_providers, test_gateway
from payments.services.receipts import INSTRUCTIONS, RECEIPT, payee_context
from payments.services.test_gateway import UnknownTestCardError, submit_test_card
from workers.downloads import pdf_download
from workers.selectors import get_generated_document


def _own_payment(request: HttpRequest, payment_id: int) -> Payment:
    try:
        return selectors.get_payment(user=request.user, payment_id=payment_id)
    except NotFoundError:
        raise Http404(_("There is no such payment.")) from None


def _purpose(value: str) -> str:
    """The fee the page pays: the state fee unless the card fee is asked for (anything else is a 404)."""
    purpose = value or Payment.Purpose.STATE_FEE
    if purpose not in Payment.Purpose.values:
        raise Http404(_("There is no such fee to pay."))
    return purpose


@login_required
@require_http_methods(["GET", "POST"])
def pay(request: HttpRequest, application_id: int) -> HttpResponse:
    try:
        application = get_application(user=request.user, application_id=application_id)
    except NotFoundError:
        raise Http404(_("There is no such application.")) from None
    purpose = _purpose(request.POST.get("purpose") or request.GET.get("purpose", ""))
    error = ""
    if request.method == "POST":
        method = request.POST.get("method", "")
        if method not in Payment.Method.values:
            error = _("Choose how you want to pay.")
        else:
            try:
                started = services.start_payment(
                    application_id=application.pk, user=request.user, method=method, purpose=purpose
                )
            except DomainError as exc:
                error = exc.message
            else:
                if started.redirect_url:
                    return redirect(started.redirect_url)
                return redirect("payments:bank-transfer", started.payment.pk)
    try:
        due = selectors.get_amount_due(application=application, purpose=purpose)
    except DomainError:
        due = None
    payments = selectors.payments_of(application_ids=[application.pk])
    return render(
        request,
        "payments/pay.html",
        {
            "application": application,
            "purpose": purpose,
            "due": due,
            "payments": payments,
            "card_available": bool(enabled_providers()),
            "error": error,
        },
        status=400 if error else 200,
    )


@login_required
def payment_status(request: HttpRequest, payment_id: int) -> HttpResponse:
    """Where the provider sends the payer back: the status as we know it, never as the address claims."""
    payment = _own_payment(request, payment_id)
    return render(
        request,
        "payments/status.html",
        {
            "payment": payment,
            "application": payment.application,
            "receipt": get_generated_document(owner=payment, kind=RECEIPT),
        },
    )


def payment_status_json(request: HttpRequest, payment_id: int) -> HttpResponse:
    """What the return page's script polls while a card payment is pending: the status from the database.

    The owner only (someone else's payment, or no session, is the same 404), never cached.
    """
    if not request.user.is_authenticated:
        raise Http404
    payment = _own_payment(request, payment_id)
    response = JsonResponse(
        {
            "status": payment.status,
            "status_display": str(payment.get_status_display()),
            "pending": payment.status == Payment.Status.PENDING,
        }
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def bank_transfer(request: HttpRequest, payment_id: int) -> HttpResponse:
    payment = _own_payment(request, payment_id)
    if payment.method != Payment.Method.BANK_TRANSFER:
        raise Http404
    return render(
        request,
        "payments/bank_transfer.html",
        {
            "payment": payment,
            "application": payment.application,
            "slip": get_generated_document(owner=payment, kind=INSTRUCTIONS),
            **payee_context(payment),
        },
    )


def _serve_pdf(request: HttpRequest, document) -> HttpResponse:
    if document is None:
        return error_response(
            request, 404, message=_("The document is being prepared. Please try again in a minute.")
        )
    return pdf_download(document)


@login_required
def receipt_pdf(request: HttpRequest, payment_id: int) -> HttpResponse:
    payment = _own_payment(request, payment_id)
    return _serve_pdf(request, get_generated_document(owner=payment, kind=RECEIPT))


@login_required
def bank_transfer_pdf(request: HttpRequest, payment_id: int) -> HttpResponse:
    payment = _own_payment(request, payment_id)
    return _serve_pdf(request, get_generated_document(owner=payment, kind=INSTRUCTIONS))


@require_http_methods(["GET", "POST"])
def test_gateway_page(request: HttpRequest, session: str) -> HttpResponse:
    """The test gateway's hosted payment page (like a provider's test mode); 404 when the gateway is off."""
    if "test_gateway" not in enabled_providers():
        raise Http404
    try:
        checkout = test_gateway.open_session(session)
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise Http404(_("This payment page has expired or does not exist.")) from None
    error = ""
    if request.method == "POST":
        try:
            submit_test_card(session=checkout, card_number=request.POST.get("card_number", ""))
        except UnknownTestCardError:
            error = _(
                "This gateway takes test cards only: 4242 4242 4242 4242, 4000 0000 0000 0002 or 4000 0000 0000 3220."
            )
        else:
            messages.info(request, _("The test gateway took your card. The payment status follows."))
            return redirect(checkout.return_url)
    return render(
        request,
        "payments/test_gateway.html",
        {"amount": format_cents(checkout.amount_cents, checkout.currency), "error": error},
        status=400 if error else 200,
    )

from django.urls import path

from payments import views

app_name = "payments"

urlpatterns = [
    path("applications/<int:application_id>/pay/", views.pay, name="pay"),
    path("payments/<int:payment_id>/", views.payment_status, name="return"),
    path("payments/<int:payment_id>/status.json", views.payment_status_json, name="status-json"),
    path("payments/<int:payment_id>/bank-transfer/", views.bank_transfer, name="bank-transfer"),
    path("payments/<int:payment_id>/bank-transfer.pdf", views.bank_transfer_pdf, name="bank-transfer-pdf"),
    path("payments/<int:payment_id>/receipt.pdf", views.receipt_pdf, name="receipt-pdf"),
    path("payments/test-gateway/<str:session>/", views.test_gateway_page, name="test-gateway"),
    path("backoffice/counter/<int:application_id>/payment/", views.counter_payment, name="counter-payment"),
    path(
        "backoffice/counter/<int:application_id>/payments/<int:payment_id>/receipt.pdf",
        views.counter_receipt_pdf,
        name="counter-receipt-pdf",
    ),
]

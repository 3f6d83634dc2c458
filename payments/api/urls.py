from django.urls import path

from payments.api import views

urlpatterns = [
    path(
        "applications/<int:application_id>/payments",
        views.ApplicationPaymentsApi.as_view(),
        name="application-payments",
    ),
    path("payments/webhooks/<slug:provider>", views.PaymentWebhookApi.as_view(), name="payment-webhook"),
]

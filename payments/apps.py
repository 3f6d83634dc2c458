from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        from applications.hooks import register_on_withdrawn, register_refund_check
        from payments.services.refunds import refund_due_on_withdrawal, refund_on_withdrawal

        register_on_withdrawn(refund_on_withdrawal)

        from identity.mydata import registry
        from payments import mydata

        for section in mydata.SECTIONS:  # my data: payments and receipts in the archive (kept: accounting)
            registry.register_export_section(section)
        register_refund_check(refund_due_on_withdrawal)

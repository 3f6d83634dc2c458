from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "applications"

    def ready(self) -> None:
        from applications import mydata
        from identity.mydata import registry

        # My data: applications and documents in the archive; closing withdraws open applications; retention.
        for section in mydata.SECTIONS:
            registry.register_export_section(section)
        registry.register_closing_check(mydata.describe_closing)
        registry.register_closing_hook(mydata.withdraw_on_closing)
        for rule in mydata.RETENTION_RULES:
            registry.register_retention_rule(rule)

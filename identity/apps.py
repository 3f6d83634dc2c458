from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "identity"

    def ready(self) -> None:
        from identity.mydata import registry, sections

        # My data: identity's own sections of the archive and retention rules (other apps add theirs).
        for section in sections.SECTIONS:
            registry.register_export_section(section)
        for rule in sections.RETENTION_RULES:
            registry.register_retention_rule(rule)

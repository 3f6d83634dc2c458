from django.apps import AppConfig


class DecisionsConfig(AppConfig):
    name = "decisions"

    def ready(self) -> None:
        from applications.hooks import register_upload_types
        from decisions.selectors import list_requested_document_types

        # While the Office waits for the applicant, the documents its open request asks for may be uploaded.
        register_upload_types(list_requested_document_types)

        from decisions import mydata
        from identity.mydata import registry

        # My data: decisions, letters and information requests in the archive; retention of the requests.
        for section in mydata.SECTIONS:
            registry.register_export_section(section)
        for rule in mydata.RETENTION_RULES:
            registry.register_retention_rule(rule)

"""Celery tasks, split by subject. Imported here so the app's autodiscovery registers every one of them."""

from workers.tasks import applications, email, maintenance, payments, pdf

__all__ = ["applications", "email", "maintenance", "payments", "pdf"]

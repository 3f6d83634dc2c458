"""Celery tasks, split by subject. Imported here so the app's autodiscovery registers every one of them."""

from workers.tasks import email, maintenance, pdf

__all__ = ["email", "maintenance", "pdf"]

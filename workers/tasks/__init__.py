"""Celery tasks of the infrastructure: sending the outbox (``email`` queue) and sweeping it (``default``).

Domain tasks live beside their services (``applications/tasks.py``, ``payments/tasks.py``, ``identity/tasks.py``);
the Celery app autodiscovers every installed app's ``tasks`` module.
"""

from workers.tasks import email, maintenance

__all__ = ["email", "maintenance"]

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "eservice.settings.production")

application = get_wsgi_application()


def prepare_worker() -> None:
    """What a web worker does once, after the application is loaded and before its first request, in the thread
    that serves them (gunicorn.conf.py's ``post_worker_init``; the benchmarks' in-process counts do the same).

    - Move everything the loaded application holds out of the collector's reach (``gc.freeze``). A full
      collection otherwise walks every object Django and the project loaded, about 150 ms on the benchmark's
      machine, and the request it lands in waits (benchmarks/REPORT.md: the fixed-rate tails); with them frozen
      it walks only what requests leave behind.
    - Make the default time zone the active one. It is the zone Django uses when none is active, so every answer
      is the same; but with none active, each look-up of the current zone (three for an officers' queue page)
      makes asgiref raise and catch an ``AttributeError`` whose message formats the storage's ``repr``.
      ``timezone.override`` blocks still restore it, and ``deactivate()`` falls back to the same zone.
    """
    import gc

    from django.utils import timezone

    timezone.activate(timezone.get_default_timezone())
    gc.freeze()

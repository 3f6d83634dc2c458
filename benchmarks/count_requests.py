"""Run by ``bench_instructions`` under valgrind: ``python -m benchmarks.count_requests PATH COUNT`` sends COUNT
GET requests of PATH through Django's WSGI handler in this process, after a warm-up and what a gunicorn worker
does before its first request (``eservice.wsgi.prepare_worker``, gunicorn.conf.py). ``BENCH_AUTHORIZATION`` is
the requests' Authorization header; ``BENCH_NO_MIDDLEWARE=1`` sends them through no middleware at all (bare
Django, as benchmarks/settings_bare.py). The settings and the database come from the environment, as for a web
process."""

from __future__ import annotations

import gc
import os
import sys

WARM_UP = 50


def main() -> None:
    import django

    django.setup()
    from django.core.handlers.wsgi import WSGIHandler
    from django.test.utils import override_settings

    from benchmarks.bench_http import IN_PROCESS, _caller
    from eservice.wsgi import prepare_worker

    path, count = sys.argv[1], int(sys.argv[2])
    authorization = os.environ.get("BENCH_AUTHORIZATION")
    headers = {"Authorization": authorization} if authorization else {}
    bare = {"MIDDLEWARE": []} if os.environ.get("BENCH_NO_MIDDLEWARE") == "1" else {}
    with override_settings(**IN_PROCESS, **bare):
        call = _caller(WSGIHandler(), path, headers)
        for _ in range(WARM_UP):
            call()
        gc.collect()
        prepare_worker()
        for _ in range(count):
            call()


if __name__ == "__main__":
    main()

"""gunicorn settings for the web process (`gunicorn eservice.wsgi:application`, picked up from the working folder).

Every value can be changed from the environment, so compose, the benchmarks and the integration tests start the
same server. Sizing (docs/deployment.md): sync workers, one request each; a worker spends most of a request in
Python, so about 2 per core; the database needs one connection per worker (CONN_MAX_AGE keeps it open).
"""

import os

bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "sync"
# A request that takes longer is a bug or an outage (PDFs render in workers): kill it and start a fresh worker.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
# Behind a reverse proxy that keeps connections open; sync workers close after each response anyway.
keepalive = 2
# Recycle workers now and then (a leak stays bounded); the jitter keeps them from restarting together.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "500"))
# Load the application once in the master and fork: workers start fast and share read-only pages.
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") not in ("0", "false", "no")
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# The proxy in front sets X-Forwarded-*; Django reads them (PROXY_COUNT, SECURE_PROXY_SSL_HEADER).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_fork(server, worker):
    """Connections opened by the master while loading the app must not be shared by the forked workers."""
    from django.db import connections

    connections.close_all()


def post_worker_init(worker):
    """The application is loaded (in the master with preload, else here): ``eservice.wsgi.prepare_worker`` (the
    loaded objects frozen out of the collector's reach, the default time zone made the active one)."""
    from eservice.wsgi import prepare_worker

    prepare_worker()

"""Applications: query counts of the dashboard and the list endpoint with 1 and 100 applications, and the list
endpoint's requests/s as a ratio to the same list written as a bare Django JSON view, under one gunicorn."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time

from benchmarks.run import BASE_DIR, Context, Result


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _rate(port: int, path: str, headers: dict[str, str], requests: int) -> float:
    """Requests per second over one keep-alive connection (bounded loop, loopback only)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    for _ in range(20):  # warm-up
        conn.request("GET", path, headers=headers)
        conn.getresponse().read()
    start = time.perf_counter()
    for _ in range(requests):
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        assert response.status == 200, (path, response.status)
    elapsed = time.perf_counter() - start
    conn.close()
    return requests / elapsed


def _count_queries(user) -> dict[str, int]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from identity.services.api_tokens import issue_access_token

    page = Client()
    page.force_login(user)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {issue_access_token(user=user)}")
    counts = {}
    with CaptureQueriesContext(connection) as ctx:
        assert page.get("/applications/", HTTP_HOST="localhost").status_code == 200
    counts["dashboard"] = len(ctx)
    with CaptureQueriesContext(connection) as ctx:
        assert api.get("/api/v1/applications", HTTP_HOST="localhost").status_code == 200
    counts["list"] = len(ctx)
    return counts


def list_endpoint(context: Context) -> Result:
    from identity.services.api_tokens import issue_access_token
    from tests.factories import ApplicationFactory, UserFactory

    one = UserFactory(applicant=True)
    many = UserFactory(applicant=True)
    ApplicationFactory(applicant=one, complete=True)
    ApplicationFactory.create_batch(100, applicant=many, complete=True)
    queries = {"1": _count_queries(one), "100": _count_queries(many)}

    requests = 100 if context.quick else 500
    port = _free_port()
    env = {**os.environ, **context.env, "DJANGO_SETTINGS_MODULE": "benchmarks.settings"}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "eservice.wsgi:application",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            "1",
            "--keep-alive",
            "30",
            "--log-level",
            "warning",
        ],
        cwd=BASE_DIR,
        env=env,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        rates = {}
        for label, user in (("100 applications (page of 50)", many), ("1 application", one)):
            headers = {"Authorization": f"Bearer {issue_access_token(user=user)}", "Host": "localhost"}
            bare = _rate(port, "/bench/bare-list", headers, requests)
            api = _rate(port, "/api/v1/applications", headers, requests)
            rates[label] = (api, bare)
    finally:
        server.terminate()
        server.wait(timeout=10)

    rows = [
        (
            "queries, dashboard (1 / 100 applications)",
            f"{queries['1']['dashboard']} / {queries['100']['dashboard']}",
        ),
        (
            "queries, list endpoint (1 / 100 applications)",
            f"{queries['1']['list']} / {queries['100']['list']}",
        ),
        ("queries equal", "yes" if queries["1"] == queries["100"] else "NO"),
    ]
    for label, (api, bare) in rates.items():
        rows += [
            (f"list endpoint req/s, {label}", f"{api:.0f}"),
            (f"bare Django JSON view req/s, {label}", f"{bare:.0f}"),
            (f"ratio, {label} (target ≥ 0.5)", f"{api / bare:.2f}"),
        ]
    return Result(
        title="Applications: dashboard and list endpoint",
        rows=rows,
        notes=(
            f"gunicorn, 1 sync worker, SQLite, {requests} sequential keep-alive requests per measure after 20 "
            "warm-up requests, client in the same machine. The bare view does the same job with Django only: "
            "the same bearer-token check, the same rows and count, a JsonResponse (benchmarks/urls.py)."
        ),
    )


BENCHMARKS = [list_endpoint]

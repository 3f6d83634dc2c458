"""Applications benchmark: query counts of the dashboard and the list endpoint with 1 and 100 applications,
and requests/s of the list endpoint against a bare Django JSON view under the same gunicorn, in one run.

    .venv/bin/python benchmarks/bench_applications.py [--requests 300]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("BENCH_DIR", tempfile.mkdtemp(prefix="bench-applications-"))
os.environ["DJANGO_SETTINGS_MODULE"] = "benchmarks.settings"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _setup():
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from identity.services.api_tokens import issue_access_token
    from tests.factories import ApplicationFactory, UserFactory

    one = UserFactory(applicant=True)
    many = UserFactory(applicant=True)
    ApplicationFactory(applicant=one, complete=True)
    ApplicationFactory.create_batch(100, applicant=many, complete=True)
    return one, many, issue_access_token


def _count_queries(user, issue_access_token) -> dict[str, int]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    counts = {}
    page = Client()
    page.force_login(user)
    with CaptureQueriesContext(connection) as ctx:
        assert page.get("/applications/").status_code == 200
    counts["dashboard"] = len(ctx)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {issue_access_token(user=user)}")
    with CaptureQueriesContext(connection) as ctx:
        assert api.get("/api/v1/applications").status_code == 200
    counts["list_api"] = len(ctx)
    return counts


def _rate(port: int, path: str, headers: dict[str, str], requests: int) -> float:
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    one, many, issue_access_token = _setup()
    queries = {"1": _count_queries(one, issue_access_token), "100": _count_queries(many, issue_access_token)}

    port = _free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "benchmarks.settings"}
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
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        auth = {"Authorization": f"Bearer {issue_access_token(user=many)}", "Host": "localhost"}
        auth_one = {"Authorization": f"Bearer {issue_access_token(user=one)}", "Host": "localhost"}
        bare = _rate(port, "/bench/bare", {"Host": "localhost"}, args.requests)
        listing = _rate(port, "/api/v1/applications", auth, args.requests)
        listing_one = _rate(port, "/api/v1/applications", auth_one, args.requests)
    finally:
        server.terminate()
        server.wait(timeout=10)
    report = {
        "queries": queries,
        "queries_equal": queries["1"] == queries["100"],
        "requests_per_second": {
            "bare_json": round(bare, 1),
            "list_api_50_of_100": round(listing, 1),
            "list_api_1": round(listing_one, 1),
        },
        "ratio_list_50_to_bare": round(listing / bare, 3),
        "ratio_list_1_to_bare": round(listing_one / bare, 3),
        "target_ratio": 0.5,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()

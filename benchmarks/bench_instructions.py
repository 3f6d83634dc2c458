"""Instructions, not seconds (issue 14 §4): on a shared machine one round of the HTTP benchmark moves by ±0.05,
more than most changes to the list or the queue do. valgrind's cachegrind counts the instructions a piece of
work runs, whatever else the machine is doing, so two builds can be compared on any machine:

- **the Python process, per request**: the hello through bare Django and through the stack (and the stack's own
  share, their difference), the applicant's list and the officers' queue, sent through Django's WSGI handler in
  one process (``benchmarks/count_requests.py``: no network, and PostgreSQL's own work is not counted), after what
  a gunicorn worker does before its first request (``eservice.wsgi.prepare_worker``);
- **PostgreSQL, per page query**: the list's and the queue's page query (``json_rows.page_query``, with the
  benchmark's rows), prepared once and executed by a single-user ``postgres`` under cachegrind, on a copy of the
  benchmark's database in a throw-away cluster.

Each count is the difference between a run of ``many`` and a run of ``few``, divided by the difference: what
starting the process costs falls out.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from benchmarks import bench_http
from benchmarks.run import BASE_DIR, Context, Result

_REFS = re.compile(r"I\s+refs:\s+([\d,]+)")


def _counted(command: list[str], *, stdin: Path | None = None, env: dict | None = None, user=None) -> int:
    """The instructions ``command`` runs under cachegrind."""
    traced = ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null", *command]
    with open(stdin or os.devnull, "rb") as given:
        done = subprocess.run(
            user(traced) if user else traced,
            stdin=given,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            cwd=BASE_DIR,
            env=env,
            check=False,
        )
    found = _REFS.search(done.stderr.decode(errors="replace"))
    if done.returncode != 0 or found is None:
        raise RuntimeError(f"{command[:3]} under valgrind: {done.stderr.decode(errors='replace')[-2000:]}")
    return int(found.group(1).replace(",", ""))


def python_per_request(env: dict[str, str], path: str, authorization: str, few: int, many: int) -> int:
    """Instructions of the Python process for one GET of ``path`` (count_requests.py); ``env`` shares the
    keys of the tokens in ``authorization`` (``bench_http.sharing_keys``)."""
    child = {**os.environ, **env, "PYTHONHASHSEED": "0", "BENCH_AUTHORIZATION": authorization}
    command = [sys.executable, "-m", "benchmarks.count_requests", path]
    counts = [_counted([*command, str(n)], env=child) for n in (few, many)]
    return round((counts[1] - counts[0]) / (many - few))


def postgres_per_query(database_url: str, queries: dict[str, str], few: int, many: int) -> dict[str, int]:
    """Instructions PostgreSQL runs for one execution of each of ``queries`` (SQL with its values written in),
    measured on a copy of ``database_url`` by a single-user ``postgres`` (the cluster stopped, as it needs)."""
    from tests.integration.live_servers import PostgresServer, _as_postgres

    server = PostgresServer().start()
    try:
        server.copy_database_from(database_url, "counted")
        server.stop()
        counts = {}
        for name, sql in queries.items():
            runs = []
            for n in (few, many):
                script = server.root / f"{name}-{n}.sql"
                one_line = " ".join(sql.split())
                script.write_text(f"PREPARE page AS {one_line}\n" + "EXECUTE page\n" * n)
                script.chmod(0o644)
                postgres = [str(server.bin / "postgres"), "--single", "-D", str(server.data), "counted"]
                runs.append(_counted(postgres, stdin=script, user=_as_postgres))
            counts[name] = round((runs[1] - runs[0]) / (many - few))
        return counts
    finally:
        server.destroy()


def page_queries(setup: bench_http.LoadSetup) -> dict[str, str]:
    """The list's and the queue's page query as the API runs them for the benchmark's applicant and officer, with
    their values written in."""
    from django.db import connection
    from psycopg import ClientCursor

    from applications import selectors_dashboard
    from applications.api.applications import _list_columns
    from applications.models import Application
    from decisions.api.views import QUEUE_COLUMNS, _unit_queue
    from eservice import json_rows

    applicant_id = Application.objects.get(pk=setup.application_id).applicant_id
    unit_id = Application.objects.get(pk=setup.case_id).unit_id
    pages = {
        "list": json_rows.page_query(
            selectors_dashboard.list_own_applications(user_id=applicant_id),
            _list_columns(),
            offset=0,
            limit=50,
        ),
        "queue": json_rows.page_query(_unit_queue(unit_id), QUEUE_COLUMNS, offset=0, limit=50),
    }
    connection.ensure_connection()
    writer = ClientCursor(connection.connection)
    return {name: writer.mogrify(page.sql, page.params) for name, page in pages.items() if page is not None}


def instructions(context: Context) -> Result:
    from django.db import connection

    title = "Instructions per request and per page query (valgrind's cachegrind): the same on any machine"
    if connection.vendor != "postgresql" or shutil.which("valgrind") is None:
        return Result(title=title, rows=[("skipped", "needs PostgreSQL (BENCH_DATABASE_URL) and valgrind")])
    quick = context.quick
    setup = bench_http.prepare(applications=60 if quick else 100, queue_size=500 if quick else 10_000)
    env = bench_http.sharing_keys(setup, context.env)
    few, many = (5, 15) if quick else (100, 600)
    targets = [
        ("officers' queue (JWT, 50 rows)", "/api/v1/backoffice/cases", f"Bearer {setup.officer_token}", {})
    ]
    if not quick:
        targets = [
            ("hello, bare Django (no middleware)", "/bench/hello", "", {"BENCH_NO_MIDDLEWARE": "1"}),
            ("hello through the stack", "/bench/hello", "", {}),
            (
                "applicant's list (JWT, 50 rows)",
                "/api/v1/applications",
                f"Bearer {setup.applicant_token}",
                {},
            ),
            *targets,
        ]
    counts = {
        name: python_per_request({**env, **extra}, path, auth, few, many)
        for name, path, auth, extra in targets
    }
    rows = [(f"Python, per request: {name}", f"{count:,}") for name, count in counts.items()]
    if not quick:
        stack = counts["hello through the stack"] - counts["hello, bare Django (no middleware)"]
        rows.append(
            ("Python, per request: the middleware stack's own (stack hello − bare hello)", f"{stack:,}")
        )
    queries = postgres_per_query(
        context.env["DATABASE_URL"], page_queries(setup), *((2, 6) if quick else (20, 220))
    )
    rows += [(f"PostgreSQL, per page query: {name}", f"{count:,}") for name, count in queries.items()]
    return Result(
        title=title,
        rows=rows,
        notes=(
            f"Python: {many} requests in one process minus {few}, per request, after a warm-up and what a gunicorn "
            "worker does before its first request (eservice.wsgi.prepare_worker: gc.freeze(), the default time zone "
            "made the active one); "
            "PostgreSQL: the page query prepared once and executed by a single-user postgres on a copy of the "
            "benchmark's database, the same way. Instructions, not time: compare builds by these on a noisy "
            "machine, and read the HTTP section for what they come to in requests per second."
        ),
    )


BENCHMARKS = [instructions]

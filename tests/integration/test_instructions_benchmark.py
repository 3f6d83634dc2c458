"""The instructions benchmark, small (issue 14 §4): proves in CI that `benchmarks/run.py instructions` counts
what it says — a request of the officers' queue in the Python process, and the list's and the queue's page
query in PostgreSQL (a single-user server on a copy of the database) — with valgrind. The numbers are
`make benchmark`'s."""

from __future__ import annotations

import shutil

import pytest

from benchmarks.bench_http import prepare, sharing_keys
from benchmarks.bench_instructions import page_queries, postgres_per_query, python_per_request
from tests.integration.live_workers import benchmark_env, database_url_for_subprocess
from tests.services import require_postgres, unavailable

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_instructions_are_counted_per_request_and_per_page_query(tmp_path):
    require_postgres()
    if shutil.which("valgrind") is None:
        unavailable("valgrind is not installed")
    setup = prepare(applications=55, queue_size=300)
    env = sharing_keys(setup, benchmark_env(tmp_path))

    queue = python_per_request(env, "/api/v1/backoffice/cases", f"Bearer {setup.officer_token}", 2, 4)
    queries = page_queries(setup)
    counted = postgres_per_query(database_url_for_subprocess(), queries, 2, 4)

    # A queue request runs the whole stack, the token's check, the page and its finishing: well over a
    # hundred thousand instructions, and far under a hundred million.
    assert 100_000 < queue < 100_000_000, queue
    assert set(queries) == set(counted) == {"list", "queue"}
    assert all(10_000 < count < 100_000_000 for count in counted.values()), counted

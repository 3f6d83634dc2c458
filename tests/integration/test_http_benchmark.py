"""The HTTP load benchmark, small (issue 14 §4): proves in CI that `make benchmark`'s measurement works — both
gunicorn start with gunicorn.conf.py on PostgreSQL, every measured endpoint answers 200 under load (closed loop
and fixed rate), and the in-process breakdown names every middleware. The numbers are `make benchmark`'s."""

from __future__ import annotations

import pytest
from django.conf import settings

from benchmarks import loadgen
from benchmarks.bench_http import list_breakdown, middleware_costs, prepare, run_load, summarise
from tests.integration.live_workers import benchmark_env
from tests.services import require_postgres

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_the_load_benchmark_measures_every_endpoint_without_errors(tmp_path):
    require_postgres()
    setup = prepare(applications=55, queue_size=300)
    env = benchmark_env(tmp_path)

    run = run_load(setup, env, tmp_path, rounds=1, seconds=0.5, fixed_seconds=0.5)

    measures = [*run.rounds[0].values(), *run.fixed.values()]
    assert all(measure.requests > 0 and measure.errors == 0 for measure in measures), [
        (m.requests, m.errors) for m in measures
    ]
    rows = dict(summarise(run))
    assert "list / stack hello (target ≥ 0.25)" in rows and "stack hello / bare hello (target ≥ 0.8)" in rows
    assert any(name.startswith("fixed ") and "officer's case" in name for name in rows)
    assert run.fixed["upload"].requests > 0 and run.fixed["upload"].errors == 0  # stored, not refused
    assert len(run.stack_worker_rss_mib) == 2 and all(size > 20 for size in run.stack_worker_rss_mib)
    assert run.stack_requests > 0


def test_the_breakdown_names_every_middleware_and_the_list_parts():
    require_postgres()
    setup = prepare(applications=3, queue_size=0)

    costs = dict(middleware_costs("/bench/hello", {}, repeat=2))
    jwt = f"Bearer {setup.applicant_token}"
    api_costs = dict(middleware_costs("/api/bench/hello", {"Authorization": jwt}, repeat=2, api=True))
    parts = dict(list_breakdown(setup.applicant_token, repeat=2))

    assert {name.rsplit(".", 1)[-1] for name in settings.MIDDLEWARE} <= set(costs)
    assert {name.rsplit(".", 1)[-1] for name in settings.API_MIDDLEWARE} <= set(api_costs)
    assert costs["whole stack"] > 0 and api_costs["whole stack"] > 0
    assert {
        "JWT decode and verify, a token not seen before",
        "JWT decode, a token verified before (what most requests run)",
        "user lookup, SQL written once (before the page was read beside it)",
        "… the same, its SQL compiled once (before it was read beside the user)",
        "the user and the page with its total in one query (what it runs)",
    } <= set(parts)


def test_wrk_output_is_read_into_rate_and_percentiles():
    output = """Running 1s test @ http://127.0.0.1:8000/bench/hello
  2 threads and 8 connections
  Latency Distribution
     50%    2.50ms
     75%    3.10ms
     90%  812.00us
     99%    1.20s
  2400 requests in 1.00s, 400.00KB read
  Non-2xx or 3xx responses: 3
Requests/sec:   2400.00
"""
    measure = loadgen.parse_wrk(output, 1.0)
    assert (measure.requests, measure.errors, measure.rate) == (2400, 3, 2400.0)
    assert measure.percentiles_ms == {50: 2.5, 95: 0.812, 99: 1200.0}

"""The back-office benchmark, small (issue 11): proves in CI that `make benchmark`'s measurement works and that
its structural claims hold on PostgreSQL (2,000 and 10,000 rows, a few seconds): the default queue is read in the order of ``application_queue``
(an index scan, no sort), the queue's totals kept by the database match its rows after the generator's COPY,
and the queue page, queue API and case page make the same number of queries at both sizes. The timings at 10k and 1M rows are `make benchmark`'s.
"""

from __future__ import annotations

import pytest

from benchmarks.bench_backoffice import measure_size, plan_problems, prepare
from tests.services import require_postgres

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_queue_plan_and_query_counts_hold_as_the_table_grows():
    require_postgres()
    setup = prepare()

    small = measure_size(setup, 2_000, repeat=1)
    # Big enough that the unit's queue is several pages long: with fewer open cases than about two pages,
    # PostgreSQL rightly prefers reading them all and sorting (which is what the OR query did at every size).
    large = measure_size(setup, 10_000, repeat=1)

    assert large.applications >= 10_000 and large.unit_open_cases > small.unit_open_cases > 0
    assert small.queries == large.queries, (small.queries, large.queries)
    assert plan_problems(large.explain) == [], large.explain
    assert "Index Scan using application_queue" in large.explain


def test_the_queue_totals_are_kept_exact_through_the_generators_copy():
    require_postgres()
    from django.db.models import Count

    from decisions.selectors import count_queue_by_state, list_queue

    setup = prepare()
    measure_size(setup, 2_000, repeat=1)  # generate_cases writes with COPY, then VACUUM ANALYZE

    counted = dict(list_queue(officer=setup.officer).values_list("state").annotate(n=Count("id")).order_by())
    kept = {state: n for state, n in count_queue_by_state(officer=setup.officer).items() if n}
    assert kept == counted and sum(kept.values()) > 50


def test_plan_problems_names_a_sort_and_a_missing_index():
    sorted_plan = (
        "Limit\n  ->  Sort\n        Sort Key: decision_due_on, id\n"
        "        ->  Bitmap Heap Scan on applications_application"
    )
    assert plan_problems(sorted_plan) == ["no index scan on application_queue", "a Sort node"]
    assert plan_problems("Limit\n  ->  Index Scan using application_queue on applications_application") == []

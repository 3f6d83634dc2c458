"""benchmarks/run.py rewrites only the sections of the benchmarks it ran; the others stay as they were."""

from __future__ import annotations

from benchmarks.bench_backoffice import queue_and_case_page  # named in the report; not run here
from benchmarks.run import Result, _render

PREVIOUS = """# Benchmark report

Produced by `make benchmark`.

## PDF rendering

`benchmarks.bench_workers.pdf_letter_render_ratio`, 4 s

| measure | value |
|---|---|
| letter, median | 144 ms |

## Back office: queue

`benchmarks.bench_backoffice.queue_and_case_page`, 400 s

| measure | value |
|---|---|
| queue page: ratio | 9.99 |

## What the numbers say

Written by hand.
"""


def test_a_partial_run_replaces_its_own_section_and_keeps_the_rest():
    result = Result(title="Back office: queue", rows=[("queue page: ratio", "1.05")])

    report = _render([(queue_and_case_page, result, 12.0)], False, "PostgreSQL", PREVIOUS)

    assert report.startswith("# Benchmark report")
    assert "| letter, median | 144 ms |" in report  # not run this time: kept
    assert "| queue page: ratio | 1.05 |" in report and "9.99" not in report
    assert "database PostgreSQL" in report
    assert "## What the numbers say\n\nWritten by hand." in report
    assert report.count("## Back office: queue") == 1

"""Run the benchmark suite and write benchmarks/REPORT.md (``make benchmark``). Not part of pytest.

Each ``benchmarks/bench_*.py`` module lists its benchmarks in ``BENCHMARKS``: functions taking a ``Context``
and returning a ``Result``. To add one, create a module (or append to a list) — nothing here changes.

    python benchmarks/run.py                 # everything
    python benchmarks/run.py pdf email       # only benchmarks whose name contains one of the words
    python benchmarks/run.py --quick         # smaller sample sizes (a smoke run)

Everything runs on the embedded defaults in a temporary folder: a SQLite database, the filesystem broker, a
Celery worker started as a child process, an SMTP server on loopback. Nothing leaves this machine.

BENCH_DATABASE_URL=postgres://user@host:5432/name runs on PostgreSQL instead: a fresh database ``name_run`` is
created on that server for the run and dropped at the end (the back-office benchmarks need PostgreSQL and
report "skipped" without it). BENCH_BROKER_URL=redis://… uses Redis as the broker. A run of some benchmarks
replaces only their sections of REPORT.md.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]
REPORT = BASE_DIR / "benchmarks" / "REPORT.md"


@dataclass
class Context:
    var_dir: Path
    quick: bool = False
    env: dict[str, str] = field(
        default_factory=dict
    )  # what a child process (a worker) needs to share our state


@dataclass
class Result:
    title: str
    rows: list[tuple[str, str]]
    notes: str = ""


Benchmark = Callable[[Context], Result]


def _postgres_run_database(url: str) -> tuple[str, Callable[[], None]]:
    """Create a fresh database beside the one ``url`` names; return its URL and a function that drops it."""
    from urllib.parse import urlparse

    import psycopg

    parsed = urlparse(url)
    name = f"{parsed.path.lstrip('/')}_run"
    admin = url.replace("postgres://", "postgresql://", 1)

    def execute(statement: str) -> None:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(statement)

    execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    execute(f'CREATE DATABASE "{name}"')
    return parsed._replace(path=f"/{name}").geturl(), lambda: execute(
        f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
    )


def _prepare_environment(var_dir: Path, database_url: str) -> dict[str, str]:
    env = {
        "DJANGO_SETTINGS_MODULE": "eservice.settings.local",
        "VAR_DIR": str(var_dir),
        "DATABASE_URL": database_url,
        # The filesystem broker needs no server but polls once a second; BENCH_BROKER_URL=redis://… is faster.
        "CELERY_BROKER_URL": os.environ.get("BENCH_BROKER_URL") or "filesystem://",
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(BASE_DIR),
    }
    os.environ.update(env)
    return env


def _discover(words: list[str]) -> list[Benchmark]:
    found = []
    for path in sorted((BASE_DIR / "benchmarks").glob("bench_*.py")):
        module = importlib.import_module(f"benchmarks.{path.stem}")
        found.extend(getattr(module, "BENCHMARKS", []))
    return [bench for bench in found if not words or any(word in bench.__name__ for word in words)]


def _run_line(quick: bool, database: str) -> str:
    return (
        f"Run {time.strftime('%Y-%m-%d %H:%M %Z')} on {platform.node() or 'this machine'} "
        f"({platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()})"
        + (" — quick run, small samples" if quick else "")
        + f", database {database}, broker {os.environ.get('CELERY_BROKER_URL', '?').split('://')[0]}."
    )


HEADER = [
    "# Benchmark report",
    "",
    "Produced by `make benchmark` (benchmarks/run.py); numbers are from one run on one machine, named in each "
    "section.",
    "",
]


def _sections(text: str) -> dict[str, str]:
    """The report's sections by the benchmark that wrote them (the `module.function` line under each title);
    a section written by hand (no such line) is kept under its title."""
    sections = {}
    for block in text.split("\n## ")[1:]:
        lines = block.splitlines()
        key = lines[2].split("`")[1] if len(lines) > 2 and lines[2].startswith("`") else f"title: {lines[0]}"
        sections[key] = "## " + block.rstrip("\n") + "\n"
    return sections


def _render(results: list[tuple[Benchmark, Result, float]], quick: bool, database: str, previous: str) -> str:
    """The report: this run's sections, and the sections of benchmarks not run this time as they were."""
    sections = _sections(previous)
    for bench, result, seconds in results:
        lines = [f"## {result.title}", "", f"`{bench.__module__}.{bench.__name__}`, {seconds:.0f} s", ""]
        lines += [_run_line(quick, database), ""]
        lines += ["| measure | value |", "|---|---|"]
        lines += [f"| {name} | {value} |" for name, value in result.rows]
        if result.notes:
            lines += ["", result.notes]
        sections[f"{bench.__module__}.{bench.__name__}"] = "\n".join(lines) + "\n"
    return "\n".join(HEADER) + "\n".join(sections.values())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("words", nargs="*", help="run only benchmarks whose name contains one of these")
    parser.add_argument("--quick", action="store_true", help="small samples, for a smoke run")
    parser.add_argument("--no-report", action="store_true", help="print only, do not write REPORT.md")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(BASE_DIR))
    postgres = os.environ.get("BENCH_DATABASE_URL", "")
    with tempfile.TemporaryDirectory(prefix="eservice-bench-") as tmp:
        var_dir = Path(tmp)
        database_url, drop_database = (
            _postgres_run_database(postgres) if postgres else (f"sqlite:///{var_dir / 'bench.sqlite3'}", None)
        )
        env = _prepare_environment(var_dir, database_url)

        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0, interactive=False)

        context = Context(var_dir=var_dir, quick=args.quick, env=env)
        results = []
        try:
            for bench in _discover(args.words):
                print(f"running {bench.__name__} …", flush=True)
                started = time.monotonic()
                result = bench(context)
                results.append((bench, result, time.monotonic() - started))
                for name, value in result.rows:
                    print(f"  {name}: {value}", flush=True)
        finally:
            if drop_database is not None:
                from django.db import connections

                connections.close_all()
                drop_database()

    database = "PostgreSQL" if postgres else "SQLite"
    previous = REPORT.read_text(encoding="utf-8") if REPORT.exists() else ""
    report = _render(results, args.quick, database, previous)
    print()
    print(report)
    if not args.no_report and results:
        REPORT.write_text(report, encoding="utf-8")
        print(f"written to {REPORT.relative_to(BASE_DIR)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

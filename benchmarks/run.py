"""Run the benchmark suite and write benchmarks/REPORT.md (``make benchmark``). Not part of pytest.

Each ``benchmarks/bench_*.py`` module lists its benchmarks in ``BENCHMARKS``: functions taking a ``Context``
and returning a ``Result``. To add one, create a module (or append to a list) — nothing here changes.

    python benchmarks/run.py                 # everything
    python benchmarks/run.py pdf email       # only benchmarks whose name contains one of the words
    python benchmarks/run.py --quick         # smaller sample sizes (a smoke run)

Everything runs on the embedded defaults in a temporary folder: a SQLite database, the filesystem broker, a
Celery worker started as a child process, an SMTP server on loopback. Nothing leaves this machine.
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


def _prepare_environment(var_dir: Path) -> dict[str, str]:
    env = {
        "DJANGO_SETTINGS_MODULE": "eservice.settings.local",
        "VAR_DIR": str(var_dir),
        "DATABASE_URL": f"sqlite:///{var_dir / 'bench.sqlite3'}",
        # The filesystem broker needs no server but polls once a second; BENCH_BROKER_URL=redis://… is faster.
        "CELERY_BROKER_URL": os.environ.get("BENCH_BROKER_URL", "filesystem://"),
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


def _render(results: list[tuple[Benchmark, Result, float]], quick: bool) -> str:
    lines = [
        "# Benchmark report",
        "",
        f"Run {time.strftime('%Y-%m-%d %H:%M %Z')} on {platform.node() or 'this machine'} "
        f"({platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()})"
        + (" — quick run, small samples" if quick else "")
        + f", broker {os.environ.get('CELERY_BROKER_URL', '?').split('://')[0]}"
        + ". Produced by `make benchmark` (benchmarks/run.py); numbers are from one run on one machine.",
        "",
    ]
    for bench, result, seconds in results:
        lines += [f"## {result.title}", "", f"`{bench.__module__}.{bench.__name__}`, {seconds:.0f} s", ""]
        lines += ["| measure | value |", "|---|---|"]
        lines += [f"| {name} | {value} |" for name, value in result.rows]
        if result.notes:
            lines += ["", result.notes]
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("words", nargs="*", help="run only benchmarks whose name contains one of these")
    parser.add_argument("--quick", action="store_true", help="small samples, for a smoke run")
    parser.add_argument("--no-report", action="store_true", help="print only, do not write REPORT.md")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(BASE_DIR))
    with tempfile.TemporaryDirectory(prefix="eservice-bench-") as tmp:
        var_dir = Path(tmp)
        env = _prepare_environment(var_dir)

        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0, interactive=False)

        context = Context(var_dir=var_dir, quick=args.quick, env=env)
        results = []
        for bench in _discover(args.words):
            print(f"running {bench.__name__} …", flush=True)
            started = time.monotonic()
            result = bench(context)
            results.append((bench, result, time.monotonic() - started))
            for name, value in result.rows:
                print(f"  {name}: {value}", flush=True)

    report = _render(results, args.quick)
    print()
    print(report)
    if not args.no_report and results:
        REPORT.write_text(report, encoding="utf-8")
        print(f"written to {REPORT.relative_to(BASE_DIR)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

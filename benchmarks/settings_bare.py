"""The bare baseline's gunicorn: the benchmark settings with no middleware at all (``/bench/hello`` only)."""

from benchmarks.settings import *  # noqa: F403

MIDDLEWARE: list[str] = []

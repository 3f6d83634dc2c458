"""Real services for integration tests: an SMTP server (aiosmtpd, in a thread or a process of its own) and a
Celery worker process.

Also used by benchmarks/. Nothing here reaches beyond the loopback interface. Run as a program
(``python -m tests.integration.live_workers smtp-sink PORT FOLDER``) it is the SMTP sink's own process.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(
    predicate: Callable[[], object], *, timeout: float = 60, interval: float = 0.2, what: str = ""
) -> object:
    """Poll until ``predicate()`` is truthy; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what or predicate}")


class SmtpSink:
    """An SMTP server on 127.0.0.1 that keeps every message it accepts."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.messages: list[EmailMessage] = []
        self.envelopes: list[object] = []
        self._controller = None

    async def handle_DATA(self, server, session, envelope) -> str:
        self.envelopes.append(envelope)
        self.messages.append(message_from_bytes(envelope.original_content, policy=policy.default))
        return "250 Message accepted for delivery"

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> SmtpSink:
        from aiosmtpd.controller import Controller

        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


class _MessagesToFolder:
    """aiosmtpd handler of the sink's own process: each message, as received, in a numbered file of ``folder``
    (written under another name and renamed, so a reader never sees half a message)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._numbers = itertools.count(1)

    async def handle_DATA(self, server, session, envelope) -> str:
        number = next(self._numbers)
        partial = self.folder / f"{number:06d}.part"
        partial.write_bytes(envelope.original_content)
        partial.rename(self.folder / f"{number:06d}.eml")
        return "250 Message accepted for delivery"


class SmtpSinkProcess:
    """``SmtpSink`` in a process of its own: the messages it accepts are read back from its folder, in the order
    they arrived."""

    def __init__(self, folder: Path, port: int | None = None) -> None:
        self.port = port or free_port()
        self.folder = folder
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def messages(self) -> list[EmailMessage]:
        return [
            message_from_bytes(path.read_bytes(), policy=policy.default)
            for path in sorted(self.folder.glob("*.eml"))
        ]

    def clear(self) -> None:
        for path in self.folder.glob("*.eml"):
            path.unlink()

    def start(self) -> SmtpSinkProcess:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.integration.live_workers",
                "smtp-sink",
                str(self.port),
                str(self.folder),
            ],
            cwd=BASE_DIR,
            env={**os.environ, "PYTHONPATH": str(BASE_DIR)},
            start_new_session=True,
        )
        wait_for(lambda: not port_is_free(self.port), timeout=30, what="the SMTP sink's process to listen")
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=20)
        self.process = None


class WorkerProcess:
    """``celery -A eservice worker`` in a child process, with its output in a log file."""

    def __init__(
        self, *, env: dict[str, str], queues: str, log_path: Path, pool: str = "solo", extra: list[str] = ()
    ):
        self.log_path = log_path
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "eservice",
            "worker",
            f"--queues={queues}",
            f"--pool={pool}",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            f"--hostname=test-{os.getpid()}-{time.monotonic_ns()}@%h",
            *extra,
        ]
        self._log = open(log_path, "wb")  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(
            command,
            cwd=BASE_DIR,
            env={**os.environ, "PYTHONPATH": str(BASE_DIR), **env},
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_ready(self, timeout: float = 60) -> WorkerProcess:
        def ready() -> bool:
            if self.process.poll() is not None:
                raise AssertionError(f"the worker exited with {self.process.returncode}:\n{self.log}")
            return " ready." in self.log

        wait_for(ready, timeout=timeout, what="the Celery worker to start")
        return self

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self._log.close()


def benchmark_env(var_dir: Path) -> dict[str, str]:
    """What a benchmark's child process (a gunicorn, a counted request) needs to share this test's database."""
    return {
        "DATABASE_URL": database_url_for_subprocess(),
        "VAR_DIR": str(var_dir),
        "DEBUG": "false",
        "PYTHONPATH": str(BASE_DIR),
        "CELERY_BROKER_URL": "memory://",
    }


def database_url_for_subprocess() -> str:
    """The URL of the database this process uses (the test database under pytest), for a worker to share."""
    from django.db import connection

    data = connection.settings_dict
    user = data.get("USER") or "postgres"
    password = f":{data['PASSWORD']}" if data.get("PASSWORD") else ""
    host = data.get("HOST") or "127.0.0.1"
    port = data.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{data['NAME']}"


@contextlib.contextmanager
def broker(url: str) -> Iterator[None]:
    """Point this process's Celery app at ``url`` (a real Redis, or a dead port to simulate an outage)."""
    from eservice.celery import app

    # Celery prefers CELERY_BROKER_URL from the environment to broker_url; publishing uses broker_write_url.
    original = app.conf.get("broker_write_url")

    def reset_pools() -> None:
        # Drop the app's references only: kombu keeps one pool per broker URL and hands it out again.
        app._pool = None
        app.amqp._producer_pool = None

    app.conf.broker_write_url = url
    reset_pools()
    try:
        yield
    finally:
        app.conf.broker_write_url = original
        reset_pools()


def queue_length(url: str, name: str) -> int:
    """Messages waiting in a Redis queue."""
    import redis

    return redis.Redis.from_url(url).llen(name)


def purge_queues(url: str, names: tuple[str, ...] = ("default", "email", "pdf")) -> None:
    """Drop messages left in the queues by an earlier run (they would name rows of another database)."""
    from kombu import Connection

    with Connection(url) as conn:
        channel = conn.default_channel
        for name in names:
            with contextlib.suppress(Exception):
                channel.queue_purge(name)


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _serve_smtp_sink(port: int, folder: Path) -> None:
    """The SMTP sink's own process: serve until SIGTERM."""
    from aiosmtpd.controller import Controller

    controller = Controller(_MessagesToFolder(folder), hostname="127.0.0.1", port=port)
    controller.start()
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
    controller.stop()


if __name__ == "__main__":
    if sys.argv[1:2] != ["smtp-sink"] or len(sys.argv) != 4:
        raise SystemExit("usage: python -m tests.integration.live_workers smtp-sink PORT FOLDER")
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    _serve_smtp_sink(int(sys.argv[2]), Path(sys.argv[3]))

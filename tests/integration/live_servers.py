"""Servers that integration tests start and stop themselves: gunicorn, a private PostgreSQL, a private Redis.

The PostgreSQL and Redis here are never the machine's shared ones: each lives in a temporary folder on its own
port, so a test may stop, kill and restart them. Nothing listens beyond the loopback interface.
"""

from __future__ import annotations

import contextlib
import dataclasses
import glob
import http.client
import http.server
import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from tests.integration.live_workers import (
    BASE_DIR,
    SmtpSink,
    WorkerProcess,
    database_url_for_subprocess,
    free_port,
    wait_for,
)
from tests.services import unavailable


def _postgres_bin() -> Path:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    initdb = candidates[-1] if candidates else shutil.which("initdb")
    if not initdb:
        unavailable("PostgreSQL server binaries (initdb) are not installed")
    return Path(initdb).parent


def _as_postgres(command: list[str]) -> list[str]:
    """initdb and postgres refuse to run as root: run them as the postgres account then."""
    if os.geteuid() != 0:
        return command
    runuser = shutil.which("runuser")
    if runuser is None:
        unavailable("running as root without runuser to start a private PostgreSQL")
    return [runuser, "-u", "postgres", "--", *command]


class PostgresServer:
    """A throw-away PostgreSQL cluster: ``initdb`` in a temporary folder, its own port, trust auth on loopback."""

    def __init__(self) -> None:
        self.bin = _postgres_bin()
        self.root = Path(tempfile.mkdtemp(prefix="eservice-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        if os.geteuid() == 0:
            shutil.chown(self.root, user="postgres")
        subprocess.run(
            _as_postgres(
                [
                    str(self.bin / "initdb"),
                    *("-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8"),
                    *("--no-sync", "--no-instructions"),
                ]
            ),
            check=True,
            capture_output=True,
        )

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def _ctl(self, *args: str) -> None:
        subprocess.run(
            _as_postgres([str(self.bin / "pg_ctl"), "-D", str(self.data), *args]),
            check=True,
            capture_output=True,
            timeout=60,
        )

    def start(self) -> PostgresServer:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._ctl("-l", str(self.root / "server.log"), "-o", options, "-w", "start")
        return self

    def stop(self, mode: str = "fast") -> None:
        """``fast`` ends every session (what a restart does to the web's open connections)."""
        self._ctl("-m", mode, "-w", "stop")

    def is_running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def copy_database_from(self, source_url: str, name: str) -> str:
        """Create ``name`` here with the schema and rows of ``source_url`` (pg_dump | psql); return its URL."""
        subprocess.run(
            ["psql", "-q", "-d", self.url(), "-c", f'CREATE DATABASE "{name}"'],
            check=True,
            capture_output=True,
        )
        dump = subprocess.run(
            [
                "pg_dump",
                "--no-owner",
                "--no-privileges",
                "-d",
                source_url.replace("postgres://", "postgresql://"),
            ],
            check=True,
            capture_output=True,
        )
        subprocess.run(
            ["psql", "-q", "-v", "ON_ERROR_STOP=1", "-d", self.url(name)],
            input=dump.stdout,
            check=True,
            capture_output=True,
        )
        return self.url(name)

    def destroy(self) -> None:
        with contextlib.suppress(Exception):
            if self.is_running():
                self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    @property
    def log(self) -> str:
        path = self.root / "server.log"
        return path.read_text(errors="replace") if path.exists() else ""


class RedisServer:
    """A private redis-server on its own port, without persistence: a test may stop and start it."""

    def __init__(self) -> None:
        self.executable = shutil.which("redis-server")
        if self.executable is None:
            unavailable("redis-server is not installed")
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> RedisServer:
        self.process = subprocess.Popen(
            [
                self.executable,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        import redis

        def answers() -> bool:
            with contextlib.suppress(Exception):
                return bool(redis.Redis.from_url(self.url(), socket_timeout=1).ping())
            return False

        wait_for(answers, timeout=20, what="redis-server to answer")
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
        self.process = None


class WebProcess:
    """``gunicorn eservice.wsgi:application -c gunicorn.conf.py`` on a port of its own, output in a log file."""

    def __init__(self, *, env: dict[str, str], log_path: Path, workers: int = 2) -> None:
        self.port = free_port()
        self.log_path = log_path
        self._log = open(log_path, "wb")  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "eservice.wsgi:application", "-c", "gunicorn.conf.py"],
            cwd=BASE_DIR,
            env={
                **os.environ,
                "PYTHONPATH": str(BASE_DIR),
                "DJANGO_SETTINGS_MODULE": "tests.integration.web_settings",
                "GUNICORN_BIND": f"127.0.0.1:{self.port}",
                "WEB_CONCURRENCY": str(workers),
                "GUNICORN_ACCESS_LOG": "",
                **env,
            },
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_ready(self, timeout: float = 60) -> WebProcess:
        def ready() -> bool:
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn exited with {self.process.returncode}:\n{self.log}")
            return request("GET", f"{self.base_url}/healthz", timeout=2)[0] == 200

        wait_for(ready, timeout=timeout, what="gunicorn to answer /healthz")
        return self

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self._log.close()


@dataclasses.dataclass
class TwoOfEach:
    """What ``two_of_each`` started."""

    webs: list[WebProcess]
    workers: list[WorkerProcess]
    smtp: SmtpSink
    redis: RedisServer


@contextlib.contextmanager
def two_of_each(*, media_root: Path, log_dir: Path, env: dict[str, str] | None = None) -> Iterator[TwoOfEach]:
    """Two gunicorn processes (2 workers each) and two Celery workers on the test database, sharing a Redis of
    their own (broker in database 0, cache in database 1), an SMTP sink, one media folder (the file store of the
    embedded default) and one JWT signing key. ``env`` is added to every process's environment (the settings
    module defaults to ``tests.integration.web_settings``, which takes the cache from ``CACHE_URL``)."""
    redis_server, smtp = RedisServer(), SmtpSink()
    processes: list[WebProcess | WorkerProcess] = []
    shared = {
        "DJANGO_SETTINGS_MODULE": "tests.integration.web_settings",
        "DATABASE_URL": database_url_for_subprocess(),
        "CELERY_BROKER_URL": redis_server.url(0),
        "CACHE_URL": redis_server.url(1),
        "EMAIL_URL": smtp.url,
        "MEDIA_ROOT": str(media_root),
        "JWT_PRIVATE_KEY": new_signing_key(),  # both processes sign and check tokens with one key
        **(env or {}),
    }
    media_root.mkdir(parents=True, exist_ok=True)
    try:
        redis_server.start()
        smtp.start()
        workers = [
            WorkerProcess(
                env={**shared, "CONN_MAX_AGE": "0"},
                queues="default,email,pdf",
                log_path=log_dir / f"worker-{number}.log",
            )
            for number in range(2)
        ]
        processes.extend(workers)
        webs = [WebProcess(env=shared, log_path=log_dir / f"web-{number}.log") for number in range(2)]
        processes.extend(webs)
        for process in processes:
            process.wait_ready()
        yield TwoOfEach(webs=webs, workers=workers, smtp=smtp, redis=redis_server)
    finally:
        for process in processes:
            process.stop()
            print(f"--- {process.log_path.name}\n{process.log}")
        smtp.stop()
        redis_server.stop()


def new_signing_key() -> str:
    """A fresh EC P-256 key (PEM) for JWT_PRIVATE_KEY, so that several processes sign and check tokens alike."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


# Headers of one connection, not of the message (and the body's length, which the proxy writes itself).
NOT_PASSED_ON = frozenset(
    {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers"}
    | {"transfer-encoding", "upgrade", "content-length"}
)


class RoundRobinProxy:
    """A tiny HTTP reverse proxy on loopback that sends every request to the next of its upstreams in turn.

    No sticky sessions: the requests a browser sends over one kept-alive connection alternate between the
    upstreams too. The ``Host`` header is passed on unchanged (the site's address is the proxy's, as behind a real
    load balancer). Each request is recorded as (upstream, method, path, user agent), so a test can tell who
    served what; an upstream that does not answer gets a 502.
    """

    def __init__(self) -> None:
        self.upstreams: list[str] = []
        self.served: list[tuple[str, str, str, str]] = []
        self._turn = itertools.count()
        self._lock = threading.Lock()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # quiet: the test reads `served`
                pass

            def forward(self) -> None:
                proxy._forward(self)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = forward

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, upstreams: list[str]) -> RoundRobinProxy:
        self.upstreams = list(upstreams)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def requests_to(self, method: str, path: str) -> list[tuple[str, str, str, str]]:
        return [seen for seen in self.served if seen[1] == method and seen[2].split("?")[0] == path]

    def _forward(self, handler: http.server.BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else None
        with self._lock:
            upstream = self.upstreams[next(self._turn) % len(self.upstreams)]
            self.served.append(
                (upstream, handler.command, handler.path, handler.headers.get("User-Agent", ""))
            )
        target = urllib.parse.urlsplit(upstream)
        connection = http.client.HTTPConnection(target.hostname, target.port, timeout=120)
        try:
            connection.putrequest(handler.command, handler.path, skip_host=True, skip_accept_encoding=True)
            for name, value in handler.headers.items():
                if name.lower() not in NOT_PASSED_ON:
                    connection.putheader(name, value)
            if body is not None:
                connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body)
            response = connection.getresponse()
            content = response.read()
        except OSError:
            handler.send_error(502, "upstream did not answer")
            return
        finally:
            connection.close()
        handler.send_response_only(response.status, response.reason)
        for name, value in response.getheaders():
            if name.lower() not in NOT_PASSED_ON:
                handler.send_header(name, value)
        if handler.command == "HEAD":  # no body, and the length the GET would have
            handler.send_header("Content-Length", response.getheader("Content-Length", "0"))
            handler.end_headers()
            return
        handler.send_header("Content-Length", str(len(content)))
        handler.end_headers()
        handler.wfile.write(content)


def request(
    method: str,
    url: str,
    *,
    body: dict | bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 10,
) -> tuple[int, dict[str, str], bytes]:
    """One HTTP request with the standard library: (status, headers, body); status 0 when nothing answered."""
    data = json.dumps(body).encode() if isinstance(body, dict) else body
    all_headers = {"Content-Type": "application/json"} if isinstance(body, dict) else {}
    all_headers.update(headers or {})
    req = urllib.request.Request(url, data=data, method=method, headers=all_headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return 0, {}, b""

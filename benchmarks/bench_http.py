"""HTTP load on PostgreSQL (issue 14 §4): gunicorn with 2 sync workers (gunicorn.conf.py), wrk with 8 connections
(or the Python client of benchmarks/loadgen.py where wrk is not installed), every measure interleaved A B A B in
rounds so the machine's noise falls on all of them alike; the results are ratios within one run.

- a bare Django ``JsonResponse`` with no middleware, and the same view through the project's middleware stack;
- ``GET /api/v1/applications`` with a JWT and a page of 50, and the officers' queue API (page of 50);
- at a fixed rate (open loop, no coordinated omission): detail, timeline and the officer's case, p50/p95/p99
  as ratios to the hello's at the same rate;
- in-process, where a request's time goes: each middleware's cost, and the list's authentication, queries,
  row building and rendering.

The measuring functions are shared with tests/integration/test_http_benchmark.py, which runs them for a second
or two in CI so the benchmark is known to work; the full run is ``make benchmark``.
"""

from __future__ import annotations

import io
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks import loadgen
from benchmarks.run import BASE_DIR, Context, Result

LIST_TARGET = 0.25  # the list at least 0.25× the hello through the same stack
STACK_TARGET = 0.8  # the stack's hello at least 0.8× bare Django
TAIL_TARGET = 4.0  # p99 under 4× p50


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """gunicorn -c gunicorn.conf.py, 2 sync workers, on a free port, with the given settings module."""

    def __init__(self, env: dict[str, str], settings_module: str, log_path: Path) -> None:
        self.port = _free_port()
        self._log = open(log_path, "wb")  # noqa: SIM115 (closed in stop())
        self.log_path = log_path
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "eservice.wsgi:application", "-c", "gunicorn.conf.py"],
            cwd=BASE_DIR,
            env={
                **os.environ,
                **env,
                "DJANGO_SETTINGS_MODULE": settings_module,
                "GUNICORN_BIND": f"127.0.0.1:{self.port}",
                "WEB_CONCURRENCY": "2",
                "GUNICORN_ACCESS_LOG": "",
                "GUNICORN_LOG_LEVEL": "warning",
                "GUNICORN_MAX_REQUESTS": "0",  # no recycling in the middle of a measure
                "LOG_LEVEL": "ERROR",
                # One applicant sends every upload of the fixed-rate measure: the per-applicant limit (10 a
                # minute) would answer 429 instead of measuring the upload itself.
                "UPLOAD_RATE": "1000000/m",
            },
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self) -> Gunicorn:
        import urllib.request

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(self.log_path.read_text(errors="replace"))
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not start:\n{self.log_path.read_text(errors='replace')}")

    def worker_rss_mib(self) -> list[int]:
        """Resident memory of each gunicorn worker (children of the master), from /proc."""
        out = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(self.process.pid)], capture_output=True, text=True
        ).stdout
        sizes = []
        for pid in out.split():
            status = Path(f"/proc/{pid}/status").read_text().splitlines()
            kib = next(line.split()[1] for line in status if line.startswith("VmRSS"))
            sizes.append(int(kib) // 1024)
        return sizes

    def stop(self) -> None:
        import signal

        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)
        self._log.close()


@dataclass
class Target:
    name: str
    server: str  # "bare" or "stack"
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    method: str = "GET"
    body: bytes = b""


@dataclass
class LoadSetup:
    applicant_token: str
    officer_token: str
    application_id: int
    case_id: int
    signing_key: str


def prepare(*, applications: int = 100, queue_size: int = 10_000) -> LoadSetup:
    """An applicant with ``applications`` (so the list's page holds 50), an officer of the busiest unit with
    a queue of at least a page (generated cases up to ``queue_size`` in all), tokens for both."""
    from applications.models import Application
    from benchmarks.bench_backoffice import grow_to
    from benchmarks.bench_backoffice import prepare as prepare_officer
    from identity import tokens
    from identity.services.api_tokens import issue_access_token
    from tests.factories import ApplicationFactory, UserFactory

    applicant = UserFactory(applicant=True)
    ApplicationFactory.create_batch(applications, applicant=applicant, complete=True)
    officer = prepare_officer()
    grow_to(queue_size)
    return LoadSetup(
        applicant_token=issue_access_token(user=applicant),
        officer_token=issue_access_token(user=officer.officer, second_factor=True),
        application_id=Application.objects.filter(applicant=applicant)
        .order_by("id")
        .values_list("id", flat=True)[0],
        case_id=officer.case_id,
        # The key the tokens were signed with, for the gunicorn processes (the benchmark's own, never a real one).
        signing_key=tokens._read_or_create_private_pem(),
    )


def targets(setup: LoadSetup) -> list[Target]:
    applicant = {"Authorization": f"Bearer {setup.applicant_token}"}
    officer = {"Authorization": f"Bearer {setup.officer_token}"}
    return [
        Target("hello, bare Django (no middleware)", "bare", "/bench/hello"),
        Target("hello, through the middleware stack", "stack", "/bench/hello"),
        Target("hello, through the stack with a JWT (under /api/)", "stack", "/api/bench/hello", applicant),
        Target("GET /api/v1/applications (JWT, 50 rows)", "stack", "/api/v1/applications", applicant),
        Target("GET /api/v1/backoffice/cases (JWT, 50 rows)", "stack", "/api/v1/backoffice/cases", officer),
    ]


def fixed_rate_targets(setup: LoadSetup) -> list[Target]:
    applicant = {"Authorization": f"Bearer {setup.applicant_token}"}
    officer = {"Authorization": f"Bearer {setup.officer_token}"}
    application = f"/api/v1/applications/{setup.application_id}"
    return [
        Target("hello (stack)", "stack", "/bench/hello"),
        Target("list", "stack", "/api/v1/applications", applicant),
        Target("detail", "stack", application, applicant),
        Target("timeline", "stack", f"{application}/timeline", applicant),
        Target("officer queue", "stack", "/api/v1/backoffice/cases", officer),
        Target("officer's case", "stack", f"/api/v1/backoffice/cases/{setup.case_id}", officer),
        upload_target(setup, applicant),
    ]


def upload_target(setup: LoadSetup, applicant: dict[str, str]) -> Target:
    """A passport copy (a one-page PDF, checked and rebuilt as every upload is) sent to the applicant's draft,
    replacing the one before; multipart as a browser sends it."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    pdf = io.BytesIO()
    writer.write(pdf)
    boundary = "bench-upload-boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="document_type"\r\n\r\npassport_copy\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="passport.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + pdf.getvalue()
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return Target(
        "upload",
        "stack",
        f"/api/v1/applications/{setup.application_id}/documents",
        {**applicant, "Content-Type": f"multipart/form-data; boundary={boundary}"},
        method="POST",
        body=body,
    )


@dataclass
class LoadRun:
    rounds: list[dict[str, loadgen.Measure]]
    fixed: dict[str, loadgen.Measure]
    fixed_rate: float
    tool: str
    stack_requests: int = 0  # answered by the stack's gunicorn in the measures (warm-up not counted)
    stack_worker_rss_mib: list[int] = field(default_factory=list)  # its workers' RSS at the end


def sharing_keys(setup: LoadSetup, env: dict[str, str]) -> dict[str, str]:
    """``env`` for a process that checks the setup's tokens: the key they were signed with, and SECRET_KEY (they
    carry a mark of the password keyed with it)."""
    from django.conf import settings

    return {**env, "JWT_PRIVATE_KEY": setup.signing_key, "SECRET_KEY": settings.SECRET_KEY}


def run_load(
    setup: LoadSetup, env: dict[str, str], var_dir: Path, *, rounds: int, seconds: float, fixed_seconds: float
) -> LoadRun:
    env = sharing_keys(setup, env)
    servers = {
        "bare": Gunicorn(env, "benchmarks.settings_bare", var_dir / "gunicorn-bare.log"),
        "stack": Gunicorn(env, "benchmarks.settings", var_dir / "gunicorn-stack.log"),
    }
    try:
        for server in servers.values():
            server.wait_ready()
        warm_up = {}  # and what each endpoint sustains, for the fixed rate below
        for target in targets(setup) + fixed_rate_targets(setup):
            if target.method != "GET":  # wrk sends GETs; an upload is measured at the fixed rate only
                continue
            warm_up[target.name] = loadgen.saturate(
                servers[target.server].url + target.path, headers=target.headers, seconds=min(seconds, 2)
            ).rate
        measured = []
        for _ in range(rounds):
            measured.append(
                {
                    t.name: loadgen.saturate(
                        servers[t.server].url + t.path, headers=t.headers, seconds=seconds
                    )
                    for t in targets(setup)
                }
            )
        # Half of what the slowest endpoint sustained: a busy service, not a saturated one (above its capacity an
        # open loop only measures the queue growing), and the same rate for every endpoint.
        rate = max(2.0, min(warm_up[t.name] for t in fixed_rate_targets(setup) if t.name in warm_up) / 2)
        fixed = {
            t.name: loadgen.fixed_rate(
                servers[t.server].url + t.path,
                headers=t.headers,
                rate=rate,
                seconds=fixed_seconds,
                method=t.method,
                body=t.body,
            )
            for t in fixed_rate_targets(setup)
        }
        served = sum(run[t.name].requests for run in measured for t in targets(setup) if t.server == "stack")
        served += sum(m.requests for m in fixed.values())
        rss = servers["stack"].worker_rss_mib()
    finally:
        for server in servers.values():
            server.stop()
    return LoadRun(
        rounds=measured,
        fixed=fixed,
        fixed_rate=rate,
        tool="wrk" if loadgen.has_wrk() else "python",
        stack_requests=served,
        stack_worker_rss_mib=rss,
    )


# ---- in-process: where the time goes ----------------------------------------------------------------------

# The settings a request sent in this process runs under: the benchmark's URLs (the hellos beside the API) and
# what a production process has (no debug, no static files looked up per request).
IN_PROCESS = {
    "ROOT_URLCONF": "benchmarks.urls",
    "ALLOWED_HOSTS": ["localhost"],
    "WHITENOISE_AUTOREFRESH": False,
    "WHITENOISE_USE_FINDERS": False,
    "DEBUG": False,
}


def _environ(path: str, headers: dict[str, str]) -> dict:
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "localhost",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": io.StringIO(),
        "wsgi.url_scheme": "http",
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    environ.update({"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()})
    return environ


def _caller(handler: Callable, path: str, headers: dict[str, str]) -> Callable[[], None]:
    def call() -> None:
        status = []
        body = handler(_environ(path, headers), lambda s, h, *a: status.append(s))
        b"".join(body)
        if hasattr(body, "close"):
            body.close()
        assert status[0].startswith("200"), (path, status)

    return call


def middleware_costs(
    path: str, headers: dict[str, str], *, repeat: int, samples: int = 7, api: bool = False
) -> list[tuple[str, float]]:
    """Microseconds each middleware adds to a request of ``path``: the stack cut after it minus before it.
    ``api``: the stack is ``API_MIDDLEWARE``, behind ``BearerApiMiddleware`` (a JWT request to the API).

    Every cut of the stack gets its own handler; the samples go round all of them in turn (A B C A B C), and each
    cut keeps its fastest sample, so a burst of load elsewhere on the machine does not land on one cut only."""
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler
    from django.test.utils import override_settings

    full = list(settings.API_MIDDLEWARE if api else settings.MIDDLEWARE)
    with override_settings(**IN_PROCESS):
        callers = []
        for cut in range(len(full) + 1):
            stack = {"API_MIDDLEWARE": full[:cut]} if api else {"MIDDLEWARE": full[:cut]}
            if api:
                stack["MIDDLEWARE"] = ["eservice.middleware.BearerApiMiddleware"] if cut else []
            with override_settings(**stack):
                callers.append(_caller(WSGIHandler(), path, headers))
        for call in callers:  # warm-up
            for _ in range(10):
                call()
        best = [float("inf")] * len(callers)
        for _ in range(samples):
            for index, call in enumerate(callers):
                started = time.perf_counter()
                for _ in range(repeat):
                    call()
                best[index] = min(best[index], (time.perf_counter() - started) / repeat * 1e6)
    rows = [("no middleware", best[0])]
    rows += [(name.rsplit(".", 1)[-1], best[i + 1] - best[i]) for i, name in enumerate(full)]
    rows.append(("whole stack", best[-1]))
    return rows


def list_breakdown(token: str, *, repeat: int) -> list[tuple[str, float]]:
    """Microseconds of the list endpoint's parts, measured one by one in this process."""
    from django.db import connection, reset_queries
    from django.db.models import Count, F, Window
    from rest_framework.renderers import JSONRenderer

    from applications import selectors_dashboard
    from applications.api import applications as api
    from eservice import json_rows
    from identity import tokens
    from identity.models import User
    from identity.selectors import get_user_with_unit, get_user_with_unit_beside

    claims = tokens.decode(token, token_type=tokens.ACCESS)
    user = User.objects.get(pk=claims["sub"])
    columns = api._list_columns()

    def timed(function: Callable[[], object]) -> float:
        for _ in range(3):
            function()
        started = time.perf_counter()
        for _ in range(repeat):
            function()
        return (time.perf_counter() - started) / repeat * 1e6

    def queryset():
        return selectors_dashboard.list_applications(user=user).queryset()

    def rows_in_python() -> list[dict]:
        selected = queryset().values(**{f"c{i}": F(c.source) for i, c in enumerate(columns)})
        page = selected.annotate(_page_total=Window(Count("pk")))[:50]
        return [json_rows._row_in_python(row, columns) for row in page]

    statement = selectors_dashboard.list_applications(user=user)
    ahead = json_rows.page_query(statement, columns, offset=0, limit=50)
    data = rows_in_python()
    reset_queries()
    return [
        (
            "JWT decode and verify, a token not seen before",
            timed(lambda: (tokens._verified.clear(), tokens.decode(token, token_type=tokens.ACCESS))),
        ),
        (
            "JWT decode, a token verified before (what most requests run)",
            timed(lambda: tokens.decode(token, token_type=tokens.ACCESS)),
        ),
        (
            "user lookup, ORM (what it ran before)",
            timed(lambda: User.objects.select_related("unit").filter(pk=user.pk).first()),
        ),
        (
            "user lookup, SQL written once (before the page was read beside it)",
            timed(lambda: get_user_with_unit(user.pk)),
        ),
        ("page of 50 with its total, rows built in Python (before)", timed(rows_in_python)),
        (
            "… and rendering that JSON (before)",
            timed(lambda: JSONRenderer().render({"count": 100, "results": data})),
        ),
        (
            "page of 50 with its total as JSON built by PostgreSQL (before)",
            timed(lambda: json_rows.json_page(queryset(), columns, offset=0, limit=50)),
        ),
        (
            "… the same, its SQL compiled once (before it was read beside the user)",
            timed(lambda: json_rows.json_page(statement, columns, offset=0, limit=50)),
        ),
        (
            "the user and the page with its total in one query (what it runs)",
            timed(lambda: get_user_with_unit_beside(user.pk, ahead.sql, ahead.params)),
        ),
        ("(database round trip, SELECT 1)", timed(lambda: connection.cursor().execute("SELECT 1"))),
    ]


# ---- the benchmark ------------------------------------------------------------------------------------------


def _ratio_cell(values: list[float]) -> str:
    if len(values) == 1:
        return f"{values[0]:.2f}"
    return f"{statistics.median(values):.2f} ({min(values):.2f}–{max(values):.2f})"


def summarise(run: LoadRun) -> list[tuple[str, str]]:
    names = list(run.rounds[0])
    bare, stack, stack_jwt, listing, queue = names
    rows = []
    for name in names:
        rates = [r[name].rate for r in run.rounds]
        p50 = statistics.median(r[name].percentiles_ms[50] for r in run.rounds)
        p99 = statistics.median(r[name].percentiles_ms[99] for r in run.rounds)
        errors = sum(r[name].errors for r in run.rounds)
        rows.append(
            (f"{name}: req/s, p50, p99", f"{statistics.median(rates):,.0f} req/s, {p50:.1f} ms, {p99:.1f} ms")
        )
        if errors:
            rows.append((f"{name}: errors", str(errors)))

    def ratios(a: str, b: str) -> list[float]:
        return [r[a].rate / r[b].rate for r in run.rounds]

    rows += [
        (f"stack hello / bare hello (target ≥ {STACK_TARGET})", _ratio_cell(ratios(stack, bare))),
        ("stack hello with a JWT / bare hello", _ratio_cell(ratios(stack_jwt, bare))),
        (f"list / stack hello (target ≥ {LIST_TARGET})", _ratio_cell(ratios(listing, stack))),
        (f"officer queue / stack hello (target ≥ {LIST_TARGET})", _ratio_cell(ratios(queue, stack))),
    ]
    if run.stack_worker_rss_mib:
        rows.append(
            (
                f"web worker RSS after {run.stack_requests:,} requests (2 workers)",
                " / ".join(f"{size} MiB" for size in run.stack_worker_rss_mib),
            )
        )
    hello = run.fixed["hello (stack)"].percentiles_ms
    for name, measure in run.fixed.items():
        p = measure.percentiles_ms
        cell = f"{p[50]:.1f} / {p[95]:.1f} / {p[99]:.1f} ms"
        if name != "hello (stack)":
            cell += (
                f"; ×{p[50] / hello[50]:.1f} / ×{p[95] / hello[95]:.1f} / ×{p[99] / hello[99]:.1f} the hello"
            )
        cell += f"; p99/p50 {p[99] / p[50]:.1f}" + (f", {measure.errors} errors" if measure.errors else "")
        rows.append((f"fixed {run.fixed_rate:.0f} req/s, {name}: p50 / p95 / p99", cell))
    return rows


def http_load(context: Context) -> Result:
    from django.db import connection

    title = "HTTP load on PostgreSQL: hello, the stack, the list and the queue (gunicorn, 2 sync workers)"
    if connection.vendor != "postgresql":
        return Result(
            title=title, rows=[("skipped", "needs PostgreSQL: run with BENCH_DATABASE_URL=postgres://…")]
        )
    quick = context.quick
    setup = prepare(applications=60 if quick else 100, queue_size=500 if quick else 10_000)
    run = run_load(
        setup,
        context.env,
        context.var_dir,
        # Six short rounds rather than three long ones, in the same time: on a shared machine a burst of load
        # elsewhere spoils one round, and the median of six shrugs off two spoiled rounds.
        rounds=1 if quick else 6,
        seconds=1 if quick else 5,
        fixed_seconds=1 if quick else 10,
    )
    rows = summarise(run)
    repeat = 5 if quick else 100
    hello_costs = middleware_costs("/bench/hello", {}, repeat=repeat)
    jwt_hello_costs = middleware_costs(
        "/api/bench/hello", {"Authorization": f"Bearer {setup.applicant_token}"}, repeat=repeat, api=True
    )
    rows += [(f"middleware on a hello: {name}", f"{us:.0f} µs") for name, us in hello_costs]
    rows += [
        (f"middleware on a JWT hello under /api/: {name}", f"{us:.0f} µs") for name, us in jwt_hello_costs
    ]
    rows += [
        (f"list, in-process: {name}", f"{us:.0f} µs")
        for name, us in list_breakdown(setup.applicant_token, repeat=repeat)
    ]
    return Result(
        title=title,
        rows=rows,
        notes=(
            f"Load: {run.tool} with 8 connections, {len(run.rounds)} round(s) of every measure in turn (A B A B), "
            f"{1 if quick else 5} s each; ratios are per round (median, and the range over rounds). The two "
            "gunicorn (bare: no middleware; stack: the project's settings) run gunicorn.conf.py with 2 sync "
            "workers, side by side on the same machine as the load generator. Fixed rate: an open-loop asyncio "
            "client at half the throughput of the slowest of those endpoints (closed loop, 2 s), latency counted from each request's due time (no coordinated "
            "omission). In-process rows: one Python process, no network; a middleware's cost is the stack cut "
            "after it minus the stack cut before it (noise of a few µs either way)."
        ),
    )


BENCHMARKS = [http_load]

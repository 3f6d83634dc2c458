"""The back office (issue 11) on PostgreSQL: the officers' queue and the case page at 10,000 and at 1,000,000
applications, and the decision letter from "senior officer approves" to "letter stored and e-mail at the SMTP
server" through a real Celery worker and broker, against rendering and sealing the same letter in-process.

The measuring functions are shared with tests/integration/test_backoffice_benchmark.py, which runs them small
(a couple of thousand rows) in CI so the benchmark is known to work; the full run is ``make benchmark``.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field

from benchmarks.run import Context, Result

QUEUE_PAGE = "/backoffice/"
QUEUE_API = "/api/v1/backoffice/cases"
APPLICANT_DASHBOARD = "/applications/"
APPLICANT_LIST_API = "/api/v1/applications"
LATENCY_TARGET = 1.2  # latency at the large size at most 1.2× that at the small one
LETTER_TARGET = 1.3  # approve → e-mail at most 1.3× the in-process render + seal


@dataclass
class SizeMeasure:
    applications: int
    unit_open_cases: int
    medians_ms: dict[str, float]
    queries: dict[str, int]
    explain: str


@dataclass
class BackofficeSetup:
    officer: object
    page_client: object
    api_client: object
    case_id: int
    applicant_page: object = None  # an applicant with a few applications of their own, signed in
    applicant_api: object = None
    sizes: list[SizeMeasure] = field(default_factory=list)


def explain_queue(officer) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of the first page of the default queue, exactly as the page and API ask."""
    from decisions.selectors import list_queue

    return list_queue(officer=officer)[:50].explain(analyze=True, buffers=True)


def plan_problems(plan: str) -> list[str]:
    """What is wrong with a queue plan: it must walk ``application_queue`` in order, with no sort node."""
    problems = []
    if (
        "Index Scan using application_queue" not in plan
        and "Index Only Scan using application_queue" not in plan
    ):
        problems.append("no index scan on application_queue")
    if any(
        line.strip().lstrip("->").strip().startswith(("Sort", "Incremental Sort"))
        for line in plan.splitlines()
    ):
        problems.append("a Sort node")
    return problems


def prepare(*, unit_code: str = "riga-1") -> BackofficeSetup:
    """An officer of the busiest unit signed in (page session past the second factor, and an API token), and
    one case of theirs with a file to show: documents, a payment, events, an information request answered."""
    from django.test import Client

    from applications.models import Application, DocumentType
    from identity.models import TerritorialUnit
    from identity.services.api_tokens import issue_access_token
    from tests.factories import ApplicationDocumentFactory, ApplicationFactory, UserFactory
    from tests.otp import add_totp, verify_session

    unit = TerritorialUnit.objects.get(code=unit_code)
    officer = UserFactory(case_officer=True, unit=unit, first_name="Jānis", last_name="Ozols")
    case = ApplicationFactory(in_review=True, unit=unit, assigned_officer=officer, decision_due_on=None)
    for document_type in DocumentType.objects.order_by("pk")[:3]:
        ApplicationDocumentFactory(application=case, document_type=document_type)
    Application.objects.filter(pk=case.pk).update(decision_due_on=case.submitted_at.date())
    page = Client(HTTP_HOST="localhost")
    page.force_login(officer)
    verify_session(page, add_totp(officer))
    api = Client(
        HTTP_HOST="localhost",
        HTTP_AUTHORIZATION=f"Bearer {issue_access_token(user=officer, second_factor=True)}",
    )
    # The applicant's side grows with the same table: their dashboard and API list read only their own rows.
    applicant = UserFactory(applicant=True)
    for state in ("draft", "submitted", "in_review", "granted"):
        ApplicationFactory(applicant=applicant, state=state, complete=True)
    applicant_page = Client(HTTP_HOST="localhost")
    applicant_page.force_login(applicant)
    applicant_api = Client(
        HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {issue_access_token(user=applicant)}"
    )
    return BackofficeSetup(
        officer=officer,
        page_client=page,
        api_client=api,
        case_id=case.pk,
        applicant_page=applicant_page,
        applicant_api=applicant_api,
    )


def _timed_gets(
    measures: dict[str, tuple[object, str]], repeat: int
) -> tuple[dict[str, float], dict[str, int]]:
    """Median milliseconds of ``repeat`` GETs of each measure after two warm-ups, taken in turn (A B C A B C…)
    so that a slow spell of the machine falls on all of them alike, and the query count of one."""
    from django.db import connection

    queries: dict[str, int] = {}
    for name, (client, path) in measures.items():
        for _ in range(2):
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
        seen = []

        def count(execute, sql, params, many, context, seen=seen):
            seen.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            client.get(path)
        queries[name] = len(seen)
    timings: dict[str, list[float]] = {name: [] for name in measures}
    for _ in range(repeat):
        for name, (client, path) in measures.items():
            started = time.perf_counter()
            response = client.get(path)
            timings[name].append(time.perf_counter() - started)
            assert response.status_code == 200, (path, response.status_code)
    return {name: statistics.median(values) * 1000 for name, values in timings.items()}, queries


def grow_to(size: int) -> int:
    """Add generated applications until the table holds ``size``; returns the count."""
    from django.core.management import call_command

    from applications.models import Application

    missing = size - Application.objects.count()
    if missing > 0:
        call_command("generate_cases", missing, force=True, stdout=_Quiet())
    return Application.objects.count()


class _Quiet:
    def write(self, text: str) -> None:
        print(f"    {text.strip()}", flush=True)

    def flush(self) -> None:
        pass


def measure_size(setup: BackofficeSetup, size: int, *, repeat: int) -> SizeMeasure:
    from decisions.selectors import list_queue

    total = grow_to(size)
    # The growth's writes go to disk now, not in the background while the pages are timed (after a million
    # rows the checkpointer's writes made single measures 1.4–1.8× slower than the same code's other runs).
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CHECKPOINT")
    measures = {
        "queue page": (setup.page_client, QUEUE_PAGE),
        "queue API": (setup.api_client, QUEUE_API),
        "case page": (setup.page_client, f"/backoffice/cases/{setup.case_id}/"),
        "applicant's dashboard": (setup.applicant_page, APPLICANT_DASHBOARD),
        "applicant's list API": (setup.applicant_api, APPLICANT_LIST_API),
    }
    medians, queries = _timed_gets(measures, repeat)
    measure = SizeMeasure(
        applications=total,
        unit_open_cases=list_queue(officer=setup.officer).count(),
        medians_ms=medians,
        queries=queries,
        explain=explain_queue(setup.officer),
    )
    setup.sizes.append(measure)
    return measure


def queue_and_case_page(context: Context) -> Result:
    """The queue page, the queue API, the case page and the applicant's dashboard and list at 10k and 1M
    applications."""
    from django.db import connection

    title = "Back office and dashboard: the queue, the case page and the applicant's pages as the table grows"
    if connection.vendor != "postgresql":
        return Result(
            title=title,
            rows=[("skipped", "needs PostgreSQL: run with BENCH_DATABASE_URL=postgres://…")],
        )
    small, large = (1_000, 20_000) if context.quick else (10_000, 1_000_000)
    repeat = 5 if context.quick else 20
    setup = prepare()
    for size in (small, large):
        print(f"  {size} applications …", flush=True)
        measure = measure_size(setup, size, repeat=repeat)
        print(f"    {measure.medians_ms} {measure.queries}", flush=True)
    first, last = setup.sizes
    rows = [
        ("applications (total)", f"{first.applications:,} / {last.applications:,}"),
        (
            "open cases in the officer's unit (the queue)",
            f"{first.unit_open_cases:,} / {last.unit_open_cases:,}",
        ),
    ]
    for name in first.medians_ms:
        ratio = last.medians_ms[name] / first.medians_ms[name]
        rows += [
            (f"{name}: queries", f"{first.queries[name]} / {last.queries[name]}"),
            (f"{name}: median latency", f"{first.medians_ms[name]:.1f} ms / {last.medians_ms[name]:.1f} ms"),
            (f"{name}: ratio large / small (target ≤ {LATENCY_TARGET})", f"{ratio:.2f}"),
        ]
    rows += [
        ("query counts constant", "yes" if first.queries == last.queries else "NO"),
        (
            "EXPLAIN of the default queue at the large size",
            "; ".join(plan_problems(last.explain)) or "Index Scan on application_queue, no Sort",
        ),
    ]
    return Result(
        title=title,
        rows=rows,
        notes=(
            "Values are small size / large size. PostgreSQL; rows from `manage.py generate_cases` (COPY), "
            "spread over the 10 units that handle residence permits (Riga 1 takes 8 shares of 17) and "
            "15 states (about 6.5 % open in the back office, deadlines from 10 days past to 90 ahead), then "
            "VACUUM ANALYZE. Django's test client in-process (no HTTP server), an officer of Riga 1 "
            f"signed in past the second factor; median of {repeat} GETs after 2 warm-ups, the measures "
            "taken in turn, after a CHECKPOINT, same method at both sizes; each case page opening also writes its access-log row. The case has 3 documents. "
            "The applicant (signed in by session for the dashboard, by token for the API list) has 4 "
            "applications of their own among all the others.\n\n"
            "EXPLAIN (ANALYZE, BUFFERS) of the default queue, large size:\n\n```\n" + last.explain + "\n```"
        ),
    )


# --- approve → letter → e-mail ---------------------------------------------------------------------------
def _pending_decision(senior_unit, officer, index: int) -> int:
    """A case of ``officer``'s with a refusal drafted (refusals need a senior officer's approval)."""
    from applications.models import LegalGround
    from decisions.services import draft_decision
    from tests.factories import ApplicationFactory, UserFactory

    applicant = UserFactory(
        applicant=True,
        preferred_language="lv",
        email=f"bench-letter-{index}-{time.monotonic_ns()}@example.lv",
    )
    case = ApplicationFactory(applicant=applicant, in_review=True, unit=senior_unit, assigned_officer=officer)
    draft_decision(
        application_id=case.pk,
        officer=officer,
        outcome="refuse",
        legal_ground_ids=[LegalGround.objects.get(code="il-34-false-information").pk],
        reasoning="Iesniegtajā darba līgumā norādītais darba devējs nav reģistrēts Uzņēmumu reģistrā.",
    )
    return case.pk


def letter_in_process_ms(letter_id: int, repeat: int) -> float:
    """Median milliseconds to render and seal ``letter_id``'s letter in this process (nothing stored)."""
    from django.utils import translation

    from decisions.models import DecisionLetter
    from decisions.seal import seal_pdf
    from decisions.services import _letter_context
    from workers.pdf import render_pdf

    letter = DecisionLetter.objects.select_related("decision__application").get(pk=letter_id)

    def once() -> bytes:
        context = _letter_context(letter)
        with translation.override(letter.language):
            pdf = render_pdf(template_name="decision_letter.html", context=context)
        return seal_pdf(pdf, reason=f"Decision on application {context['application'].reference}")

    once()  # warm-up: WeasyPrint, fonts and the seal key load once per process
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        once()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings) * 1000


def approve_to_email(*, env: dict[str, str], log_dir, runs: int) -> dict[str, object]:
    """Approve ``runs`` decisions one after another (plus one warm-up) with a worker process consuming the
    broker; each time until the letter is stored and its e-mail is at the SMTP server."""
    from decisions.models import DecisionLetter
    from decisions.services import approve_decision
    from identity.models import TerritorialUnit
    from tests.factories import UserFactory
    from tests.integration.live_workers import SmtpSink, WorkerProcess, wait_for

    unit = TerritorialUnit.objects.get(code="riga-1")
    officer = UserFactory(case_officer=True, unit=unit)
    senior = UserFactory(senior_officer=True, unit=unit)
    sink = SmtpSink().start()
    worker = WorkerProcess(
        env={**env, "EMAIL_URL": sink.url, "LOG_LEVEL": "WARNING"},
        queues="pdf,email,default",
        pool="solo",
        log_path=log_dir / "worker-letters.log",
    )
    timings, letter_id = [], None
    try:
        worker.wait_ready(timeout=120)
        for index in range(runs + 1):  # the first is the warm-up: the worker loads WeasyPrint and the seal
            case_id = _pending_decision(unit, officer, index)
            expected = len(sink.messages) + 1
            started = time.perf_counter()
            decision = approve_decision(application_id=case_id, senior=senior)
            wait_for(lambda: len(sink.messages) >= expected, timeout=120, interval=0.005, what="the e-mail")  # noqa: B023
            elapsed = time.perf_counter() - started
            letter = DecisionLetter.objects.get(decision=decision)
            assert letter.document_id is not None, "the e-mail arrived before the letter was stored"
            letter_id = letter.pk
            if index:
                timings.append(elapsed * 1000)
    finally:
        worker.stop()
        sink.stop()
    return {"timings_ms": timings, "letter_id": letter_id, "messages": len(sink.messages)}


def approve_letter_email(context: Context) -> Result:
    """From "senior officer approves" to "letter stored and e-mail at the SMTP server", via the worker."""
    import os

    from django.db import connection

    title = "Back office: approve → sealed letter → e-mail, through the worker"
    if connection.vendor != "postgresql":
        return Result(
            title=title, rows=[("skipped", "needs PostgreSQL: run with BENCH_DATABASE_URL=postgres://…")]
        )
    runs = 3 if context.quick else 10
    result = approve_to_email(env=context.env, log_dir=context.var_dir, runs=runs)
    end_to_end = statistics.median(result["timings_ms"])
    in_process = letter_in_process_ms(result["letter_id"], repeat=runs)
    broker = os.environ.get("CELERY_BROKER_URL", "?").split("://")[0]
    return Result(
        title=title,
        rows=[
            ("decisions approved (after one warm-up)", str(runs)),
            ("approve → letter stored and e-mail at the SMTP server, median", f"{end_to_end:.0f} ms"),
            ("… slowest", f"{max(result['timings_ms']):.0f} ms"),
            ("render + seal the same letter in-process, median", f"{in_process:.0f} ms"),
            (f"ratio (target ≤ {LETTER_TARGET})", f"{end_to_end / in_process:.2f}"),
            ("e-mails received", str(result["messages"])),
        ],
        notes=(
            f"Broker: {broker}. One Celery worker process (solo pool, queues pdf, email, default) started "
            "beforehand; the clock starts before `approve_decision` (one transaction: the decision issued, "
            "the letter row, the task queued on commit) and stops when the SMTP server on loopback has the "
            "e-mail, which the worker sends only after storing the sealed PDF (render task → outbox row, sent by "
            "the same task after its commit with the outbox's claim; the send task only retries a failure). The in-process figure renders and seals the last of these letters the same way "
            "(WeasyPrint + pyHanko PAdES seal) without storing it. Refusals, Latvian, two pages."
        ),
    )


BENCHMARKS = [queue_and_case_page, approve_letter_email]

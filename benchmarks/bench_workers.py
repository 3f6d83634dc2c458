"""Benchmarks of the workers app: PDF rendering, e-mail through the outbox, PDF worker memory."""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from unittest import mock

from benchmarks.run import Context, Result

SAMPLE_CONTEXT = {
    "reference": "PMLP-2026-000001",
    "issued_on": "24.11.2026",
    "valid_from": "24.11.2026",
    "valid_to": "23.11.2027",
    "recipient_name": "Олена Шевченко",
    "unit_name": "Rīgas 1. nodaļa",
    "officer_name": "Jānis Ozoliņš",
    "officer_position": "Vecākais inspektors",
}


def _timed(function, repeat: int) -> list[float]:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        timings.append(time.perf_counter() - started)
    return timings


def pdf_letter_render_ratio(context: Context) -> Result:
    """The two-page letter (shipped fonts, letterhead, page counters) against one bare WeasyPrint paragraph."""
    import io

    import pypdf
    from django.utils import translation
    from weasyprint import HTML

    from tests.workers.sample_letter import sample_letter_pdf

    repeat = 5 if context.quick else 20

    def letter() -> bytes:
        with translation.override("lv"):
            return sample_letter_pdf(SAMPLE_CONTEXT)

    def paragraph() -> bytes:
        return HTML(string="<p>Pilsonības un migrācijas lietu pārvalde.</p>").write_pdf()

    pages = len(pypdf.PdfReader(io.BytesIO(letter())).pages)
    paragraph()  # warm-up: imports and font discovery happen once per process
    letter_times = _timed(letter, repeat)
    paragraph_times = _timed(paragraph, repeat)
    letter_median, paragraph_median = statistics.median(letter_times), statistics.median(paragraph_times)
    return Result(
        title="PDF rendering: two-page letter vs one paragraph",
        rows=[
            ("letter pages", str(pages)),
            ("renders of each (after warm-up)", str(repeat)),
            ("letter, median", f"{letter_median * 1000:.0f} ms"),
            ("one paragraph (bare WeasyPrint), median", f"{paragraph_median * 1000:.0f} ms"),
            ("ratio letter / paragraph", f"{letter_median / paragraph_median:.1f}×"),
        ],
        notes="Both in the same process and run. The letter embeds the shipped DejaVu Sans (subset) through the "
        "restricted URL fetcher; the paragraph uses system fonts and the default fetcher.",
    )


def email_outbox_throughput(context: Context) -> Result:
    """Outbox rows sent one by one through the real task path (claim, render, SMTP, record) to aiosmtpd."""
    from django.db import transaction
    from django.test import override_settings

    from identity.models import User
    from tests.integration.live_workers import SmtpSink
    from workers.models import Notification
    from workers.services import notify
    from workers.tasks.email import send_notification as send_notification_task

    count = 50 if context.quick else 500
    users = [
        User.objects.create_user(
            f"bench-mail-{index}@example.lv",
            None,
            first_name="Anna",
            last_name="Bērziņa",
            preferred_language=lang,
        )
        for index, lang in enumerate(("lv", "en", "ru"))
    ]
    with mock.patch.object(send_notification_task, "delay"), transaction.atomic():  # rows only: we send below
        ids = [
            notify(
                recipient=users[index % 3],
                event="verify_email",
                context={"verification_url": f"https://eservice.example.lv/verify-email/?token={index}"},
            ).pk
            for index in range(count)
        ]
    sink = SmtpSink().start()
    try:
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=sink.port,
            EMAIL_USE_TLS=False,
        ):
            started = time.perf_counter()
            for notification_id in ids:
                send_notification_task.apply(args=[notification_id])
            elapsed = time.perf_counter() - started
    finally:
        sink.stop()
    sent = Notification.objects.filter(pk__in=ids, status=Notification.Status.SENT).count()
    return Result(
        title="E-mail through the outbox to a local SMTP server",
        rows=[
            ("notifications", str(count)),
            ("marked sent", str(sent)),
            ("received by the SMTP server", str(len(sink.messages))),
            ("elapsed", f"{elapsed:.2f} s"),
            ("e-mails per second (one process)", f"{count / elapsed:.0f}"),
        ],
        notes="Each send: lock and claim the row, render subject + text + HTML in the recipient's language "
        "(lv/en/ru), one SMTP connection, record the result — SQLite, one process, no concurrency.",
    )


def _children(pid: int) -> list[int]:
    children = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            children += [int(child) for child in (task / "children").read_text().split()]
        except FileNotFoundError:  # a thread ended while we looked
            continue
    return children


def _rss_kib(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:  # the child was just recycled
        return 0
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _pdf_worker_memory(context: Context, *, label: str, recycle: bool) -> list[tuple[int, int]]:
    from identity.models import User
    from tests.integration.live_workers import WorkerProcess, wait_for
    from tests.workers.sample_letter import render_sample_letter_task
    from workers.models import GeneratedDocument

    total, batch = (100, 25) if context.quick else (500, 50)
    user = User.objects.create_user(
        f"bench-pdf-{label}@example.lv", None, first_name="Олена", last_name="Шевченко"
    )
    env = {**context.env, "LOG_LEVEL": "WARNING"}
    extra = ["--concurrency=1", "--include=tests.workers.sample_letter"]
    if not recycle:
        env["CELERY_WORKER_MAX_MEMORY_PER_CHILD"] = str(100 * 1024 * 1024)  # 100 GiB: never
        extra.append("--max-tasks-per-child=1000000")
    worker = WorkerProcess(
        env=env, queues="pdf", pool="prefork", log_path=context.var_dir / f"worker-{label}.log", extra=extra
    ).wait_ready(timeout=120)
    samples = []
    try:
        for done in range(batch, total + 1, batch):
            for index in range(done - batch, done):
                render_sample_letter_task.delay(user.pk, f"bench-{label}-{index}")
            wait_for(
                lambda: GeneratedDocument.objects.filter(kind__startswith=f"bench-{label}-").count() >= done,  # noqa: B023
                timeout=600,
                interval=0.5,
                what=f"{done} PDFs",
            )
            # Right after a recycle the new child may still be starting: wait until one is there.
            rss = wait_for(
                lambda: max((_rss_kib(child) for child in _children(worker.process.pid)), default=0),
                timeout=60,
                what="a worker child process",
            )
            samples.append((done, rss))
            print(f"    {label}: {done} PDFs, child RSS {samples[-1][1] / 1024:.0f} MiB", flush=True)
    finally:
        worker.stop()
    return samples


def pdf_worker_memory(context: Context) -> Result:
    """Resident memory of the pdf worker's child process while it renders 500 letters."""
    from django.conf import settings

    recycled = _pdf_worker_memory(context, label="recycled", recycle=True)
    unrecycled = _pdf_worker_memory(context, label="unrecycled", recycle=False)

    def row(samples: list[tuple[int, int]]) -> str:
        return ", ".join(f"{done}: {rss / 1024:.0f}" for done, rss in samples)

    first, last = unrecycled[0][1], unrecycled[-1][1]
    # (a sample right after a recycle shows the fresh child)
    return Result(
        title="PDF worker memory over 500 letters",
        rows=[
            (
                f"child RSS in MiB after n PDFs, configured recycling "
                f"(every {settings.CELERY_WORKER_MAX_TASKS_PER_CHILD} tasks or {settings.CELERY_WORKER_MAX_MEMORY_PER_CHILD // 1024} MiB)",
                row(recycled),
            ),
            ("child RSS in MiB after n PDFs, recycling off", row(unrecycled)),
            ("growth without recycling, first sample → last", f"{(last - first) / 1024:+.0f} MiB"),
            ("highest child RSS with recycling", f"{max(rss for _, rss in recycled) / 1024:.0f} MiB"),
        ],
        notes="Celery prefork worker, concurrency 1, queue `pdf` only, the broker named in the header, SQLite; each task "
        "renders the two-page letter and stores it (a new kind each time, so nothing is skipped). RSS is read "
        "from /proc after each batch, when the child is idle.",
    )


BENCHMARKS = [pdf_letter_render_ratio, email_outbox_throughput, pdf_worker_memory]

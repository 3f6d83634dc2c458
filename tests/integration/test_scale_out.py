"""Two web processes and two Celery workers sharing PostgreSQL, Redis and one media folder, no sticky sessions.

Each request of the applicant's journey goes to the next of two gunicorn processes (round robin by base URL):
register, the verification link read from the SMTP sink, a token, a draft, its fields and documents, submission
(its summary PDF rendered by whichever worker takes it), a bank-transfer payment, then a page session signed in
on one process that downloads, through the other, the document uploaded through the first. Then the sign-in
budget (django-ratelimit) and the lockout counted across both processes, and every e-mail of the outbox
delivered exactly once although two workers and two web processes share it.

The broker and the cache are a redis-server of the test's own (databases 0 and 1).
"""

from __future__ import annotations

import datetime as dt
import http.cookiejar
import itertools
import json
import re
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.utils import timezone

from applications.models import DocumentType
from applications.selectors import get_default_unit
from applications.services.lifecycle import SUMMARY_KIND
from tests.applications.helpers import jpeg_bytes, pdf_bytes
from tests.integration.live_servers import TwoOfEach, two_of_each
from tests.integration.live_workers import wait_for
from tests.services import require_postgres
from workers.models import GeneratedDocument, Notification

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

SIGN_IN_BUDGET = 8  # RATELIMIT_LOGIN for the web processes: per client address and hour, on every process
PASSWORD = "a long enough passphrase 42"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class RoundRobin:
    """An HTTP client that sends each request to the next base URL, with one cookie jar for all of them."""

    def __init__(self, base_urls: list[str]) -> None:
        self._next = itertools.cycle(base_urls)
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect
        )
        self.token = ""
        self.served_by: list[str] = []
        self.sign_in_posts = 0

    def __call__(
        self, method: str, path: str, *, json_body: dict | None = None, form: dict | None = None, files=None
    ) -> tuple[int, dict[str, str], bytes]:
        base = next(self._next)
        self.served_by.append(base)
        headers = {"Accept-Language": "en"}
        data = None
        if json_body is not None:
            data, headers["Content-Type"] = json.dumps(json_body).encode(), "application/json"
        elif files is not None:
            data, headers["Content-Type"] = _multipart(form or {}, files)
        elif form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.token and path.startswith("/api/"):
            headers["Authorization"] = f"Bearer {self.token}"
        if method == "POST" and (path in ("/api/v1/auth/token", "/login/")):
            self.sign_in_posts += 1
        if form is not None and files is None:
            headers["Referer"] = (
                base + path
            )  # what a browser sends; Django's CSRF check wants it over HTTPS only
        request = urllib.request.Request(base + path, data=data, method=method, headers=headers)
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def json(self, method: str, path: str, body: dict | None = None, expect: int = 200) -> dict:
        status, _, content = self(method, path, json_body=body)
        assert status == expect, (method, path, status, content[:2000])
        return json.loads(content)

    def cookie(self, name: str) -> str:
        return next(cookie.value for cookie in self.cookies if cookie.name == name)


def _multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes, str]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    for name, (filename, content, content_type) in files.items():
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n"
        )
        parts.append(head.encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


@pytest.fixture
def stack(settings, tmp_path) -> Iterator[TwoOfEach]:
    """Redis (broker + cache), an SMTP sink, two Celery workers and two gunicorn processes (2 workers each)."""
    require_postgres()
    limits = {"RATELIMIT_ENABLE": "1", "RATELIMIT_LOGIN": f"{SIGN_IN_BUDGET}/h"}
    with two_of_each(media_root=Path(settings.MEDIA_ROOT), log_dir=tmp_path, env=limits) as parts:
        yield parts


def _upload_for(code: str) -> tuple[str, bytes, str]:
    document_type = DocumentType.objects.get(code=code)
    if "application/pdf" in document_type.accepted_content_types:
        return f"{code}.pdf", pdf_bytes(), "application/pdf"
    return f"{code}.jpg", jpeg_bytes(), "image/jpeg"


def test_applicant_journey_across_two_web_processes_and_two_workers(stack):
    webs, smtp = stack.webs, stack.smtp
    client = RoundRobin([web.base_url for web in webs])
    email = "two.processes@example.com"

    client.json(
        "POST",
        "/api/v1/auth/register",
        {"email": email, "password": PASSWORD, "first_name": "Olena", "last_name": "Shevchenko"}
        | {"preferred_language": "en"},
        expect=201,
    )
    wait_for(lambda: smtp.messages, timeout=60, what="the verification e-mail")
    body = smtp.messages[0].get_body(preferencelist=("plain",)).get_content()
    token = urllib.parse.unquote(re.search(r"verify-email/\?token=([^\s&]+)", body).group(1))
    assert client.json("POST", "/api/v1/auth/verify-email", {"token": token})["email_verified"] is True

    client.token = client.json("POST", "/api/v1/auth/token", {"email": email, "password": PASSWORD})["access"]
    today = timezone.localdate()
    draft = client.json(
        "POST", "/api/v1/applications", {"kind": "first_trp", "purpose": "studies"}, expect=201
    )
    path = f"/api/v1/applications/{draft['id']}"
    edited = client.json(
        "PATCH",
        path,
        {
            "first_name": "Olena",
            "last_name": "Shevchenko",
            "date_of_birth": "1990-05-17",
            "nationality": "UA",
            "passport_number": "FE123456",
            "passport_valid_until": str(today + dt.timedelta(days=5 * 365)),
            "school_name": "University of Latvia",
            "address_in_latvia": "Raiņa bulvāris 19, Rīga, LV-1586",
            "stay_from": str(today + dt.timedelta(days=60)),
            "stay_to": str(today + dt.timedelta(days=60 + 365)),
            "unit": get_default_unit().code,
        },
    )
    missing = [item["document_type"] for item in edited["missing"] if item.get("document_type")]
    assert missing, edited["missing"]
    uploaded = {}
    for code in missing:
        fields = {"document_type": code}
        if DocumentType.objects.get(code=code).max_age_days:
            fields["issued_on"] = str(today - dt.timedelta(days=3))
        upload = _upload_for(code)
        status, _, content = client("POST", f"{path}/documents", form=fields, files={"file": upload})
        assert status == 201, content
        uploaded[code] = json.loads(content)
    submitted = client.json("POST", f"{path}/submit", {"declaration": True})
    assert submitted["state"] == "awaiting_payment"
    payment = client.json("POST", f"{path}/payments", {"method": "bank_transfer"}, expect=201)
    assert payment["reference"].startswith("RF")
    assert client.json("GET", "/api/v1/applications")["results"][0]["state"] == "awaiting_payment"

    # A page session signed in through one process, used on the other: sessions live in the database.
    status, _, _ = client("GET", "/login/")
    assert status == 200
    status, headers, _ = client(
        "POST",
        "/login/",
        form={"email": email, "password": PASSWORD, "csrfmiddlewaretoken": client.cookie("csrftoken")},
    )
    assert status == 302, headers
    first = next(iter(uploaded.values()))
    status, _, content = client("GET", first["download_url"])
    assert status == 200
    assert len(content) == first["size"]
    status, _, page = client("GET", "/applications/")
    assert status == 200 and draft["reference"].encode() in page

    # Whichever worker took it, the summary PDF is stored once in the shared store.
    wait_for(
        lambda: GeneratedDocument.objects.filter(owner_id=draft["id"], kind=SUMMARY_KIND).exists(),
        timeout=90,
        what="the summary PDF",
    )
    assert GeneratedDocument.objects.filter(owner_id=draft["id"], kind=SUMMARY_KIND).count() == 1
    assert {web.base_url for web in webs} == set(client.served_by)

    # Sign-in lockout and rate limit: counted in the shared cache / database, whichever process answers.
    client.token = ""
    # AXES_FAILURE_LIMIT (5) failures at one address and account: the fifth is answered with the lockout, and
    # then the right password is refused too. Each process alone saw only two or three of them.
    failures = []
    for _ in range(5):
        status, _, content = client(
            "POST", "/api/v1/auth/token", json_body={"email": email, "password": "wrong password 0"}
        )
        failures.append((status, json.loads(content)["error"]["code"]))
    assert failures == [(401, "invalid_credentials")] * 4 + [(429, "locked_out")]
    status, _, content = client(
        "POST", "/api/v1/auth/token", json_body={"email": email, "password": PASSWORD}
    )
    assert status == 429 and json.loads(content)["error"]["code"] == "locked_out"
    while client.sign_in_posts < SIGN_IN_BUDGET:
        status, _, content = client(
            "POST", "/api/v1/auth/token", json_body={"email": "nobody@example.com", "password": "wrong one 1"}
        )
        assert status == 401, content
    status, _, content = client(
        "POST", "/api/v1/auth/token", json_body={"email": "nobody@example.com", "password": "wrong one 1"}
    )
    assert status == 429 and json.loads(content)["error"]["code"] == "rate_limited"

    # The outbox: every notification sent, each e-mail delivered once although two workers share the queue.
    wait_for(
        lambda: not Notification.objects.exclude(status=Notification.Status.SENT).exists(),
        timeout=90,
        what="every notification sent",
    )
    sent = Notification.objects.count()
    wait_for(lambda: len(smtp.messages) >= sent, timeout=30, what="every message at the sink")
    message_ids = [message["Message-ID"] for message in smtp.messages]
    assert len(message_ids) == len(set(message_ids)) == sent

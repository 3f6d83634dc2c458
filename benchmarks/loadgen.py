"""Load generators for the HTTP benchmarks: wrk when installed, a small Python client otherwise.

Two kinds of measure:

- ``saturate``: a closed loop of ``connections`` clients sending as fast as answers come (throughput, req/s).
  wrk does it in C; the Python fallback (threads, a fresh connection per request as gunicorn's sync workers
  close after each answer) spends CPU of its own, so its req/s are lower — ratios of two measures taken the
  same way still compare.
- ``fixed_rate``: an open loop, one request every 1/rate seconds whatever happens to earlier ones, and each
  latency counted from the moment the request was *due*, not from when it was sent. A closed loop (wrk, most
  tools) waits for a slow answer before sending the next request, so the requests that would have queued
  behind it are never sent and the tail looks better than users see it ("coordinated omission"). asyncio
  keeps the schedule; a request that cannot start on time still counts its wait.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import statistics
import subprocess
import threading
import time
import urllib.parse
from dataclasses import dataclass


@dataclass
class Measure:
    requests: int
    seconds: float
    errors: int
    latencies_ms: list[float]  # empty for wrk (it reports percentiles itself)
    percentiles_ms: dict[int, float]

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def percentiles(latencies_ms: list[float]) -> dict[int, float]:
    if not latencies_ms:
        return {50: 0.0, 95: 0.0, 99: 0.0}
    ordered = sorted(latencies_ms)
    return {p: ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))] for p in (50, 95, 99)}


def has_wrk() -> bool:
    return shutil.which("wrk") is not None


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(number) * _UNITS[unit]


def parse_wrk(output: str, seconds: float) -> Measure:
    """Requests, non-2xx answers and the latency distribution from ``wrk --latency`` output."""
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    errors = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", output)) else 0
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output):
        errors += sum(int(value) for value in m.groups())
    found = dict(re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+(?:us|ms|s))\s*$", output, re.M))
    elapsed = re.search(r"requests in ([\d.]+)(ms|s|m)", output)
    if elapsed:
        value, unit = float(elapsed.group(1)), elapsed.group(2)
        seconds = value / 1000 if unit == "ms" else value * 60 if unit == "m" else value
    return Measure(
        requests=requests,
        seconds=seconds,
        errors=errors,
        latencies_ms=[],
        percentiles_ms={50: _ms(found["50"]), 95: _ms(found["90"]), 99: _ms(found["99"])},
    )


def saturate(url: str, *, headers: dict[str, str], seconds: float, connections: int = 8) -> Measure:
    """Closed loop: ``connections`` clients for ``seconds``. wrk's 95th is its 90th (it prints no 95th)."""
    if has_wrk():
        command = ["wrk", "-t2", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency"]
        for name, value in headers.items():
            command += ["-H", f"{name}: {value}"]
        output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
        return parse_wrk(output, seconds)
    return _python_closed_loop(url, headers=headers, seconds=seconds, connections=connections)


def _python_closed_loop(url: str, *, headers: dict[str, str], seconds: float, connections: int) -> Measure:
    import http.client

    parts = urllib.parse.urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client() -> None:
        mine, bad = [], 0
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status >= 400:
                    bad += 1
            except OSError:
                bad += 1
            finally:
                conn.close()
            mine.append((time.perf_counter() - started) * 1000)
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return Measure(len(latencies), elapsed, errors[0], latencies, percentiles(latencies))


async def _one(
    host: str, port: int, raw: bytes, due: float, latencies: list[float], errors: list[int]
) -> None:
    try:
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(raw)
        await writer.drain()
        head = await reader.readline()
        await reader.read()  # Connection: close — the body ends with the connection
        writer.close()
        if not head.startswith(b"HTTP/1.1 2") and not head.startswith(b"HTTP/1.0 2"):
            errors[0] += 1
    except OSError:
        errors[0] += 1
    latencies.append((time.perf_counter() - due) * 1000)


async def _fixed_rate(
    url: str, headers: dict[str, str], rate: float, seconds: float, method: str, body: bytes
) -> Measure:
    parts = urllib.parse.urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    lines = [f"{method} {path} HTTP/1.1", f"Host: {parts.hostname}:{parts.port}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if body:
        lines.append(f"Content-Length: {len(body)}")
    raw = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
    latencies: list[float] = []
    errors = [0]
    tasks = []
    count = max(1, int(rate * seconds))
    start = time.perf_counter() + 0.05
    for number in range(count):
        due = start + number / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(_one(parts.hostname, parts.port, raw, due, latencies, errors)))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - start
    return Measure(count, elapsed, errors[0], latencies, percentiles(latencies))


def fixed_rate(
    url: str,
    *,
    headers: dict[str, str],
    rate: float,
    seconds: float,
    method: str = "GET",
    body: bytes = b"",
) -> Measure:
    """Open loop at ``rate`` requests/s for ``seconds``; latencies from each request's due time. ``body`` is
    sent with its Content-Length (an upload: ``method="POST"`` and the multipart content type in ``headers``).

    Runs its event loop in a thread of its own: the caller's thread may already run one (in the test suite,
    Playwright's sync API leaves a loop running), and asyncio.run() refuses to start inside a running loop."""
    result: list[Measure] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            result.append(asyncio.run(_fixed_rate(url, headers, rate, seconds, method, body)))
        except BaseException as exc:  # handed to the caller below
            failure.append(exc)

    thread = threading.Thread(target=run, name="fixed-rate-load")
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    return result[0]


def median_ms(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0

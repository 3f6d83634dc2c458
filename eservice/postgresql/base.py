"""Django's PostgreSQL backend, with the connection health check (``CONN_HEALTH_CHECKS``) settled from the socket.

Django checks a kept connection before the first query of each request with ``SELECT 1``: a round trip on every
request, the API's lists included (benchmarks/REPORT.md). A server that goes away (restarted, a backend
terminated, the server killed) says so on the socket first: it sends its FATAL message, or the kernel the end of
the stream. So the socket is looked at without waiting: nothing to read, the connection idle and not known
broken, and it is taken as usable with no query; anything to read, and Django's own check runs (``SELECT 1``),
closing the connection when it fails so the request opens a new one. A server that vanishes without a word (a
cut network) is not seen by either check before the query: that request fails (503) and Django closes the
connection after it, as it does today for a failure in the middle of a request.
"""

from __future__ import annotations

import select

import psycopg
from django.db.backends.postgresql import base
from psycopg import pq


class DatabaseWrapper(base.DatabaseWrapper):
    def close_if_health_check_failed(self) -> None:
        if (
            self.connection is not None
            and self.health_check_enabled
            and not self.health_check_done
            and not self.pool
            and quiet(self.connection)
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()


def quiet(connection) -> bool:
    """The connection is open, idle and has nothing waiting to be read (a server going away always sends
    something: its FATAL message, or the end of the stream)."""
    if connection.closed or connection.broken or not hasattr(select, "poll"):
        return False
    pgconn = connection.pgconn
    if pgconn.status != pq.ConnStatus.OK or pgconn.transaction_status != pq.TransactionStatus.IDLE:
        return False
    poller = select.poll()
    try:
        poller.register(pgconn.socket, select.POLLIN | select.POLLPRI)
    except psycopg.OperationalError:  # no socket after all: let Django's own check decide
        return False
    return not poller.poll(0)

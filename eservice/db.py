"""Prepared statements for the few reads every API request makes (the token's user, a list page).

Django sends each query as text with its values written in (client-side binding), so PostgreSQL parses and plans
it every time; for the list page that planning costs more than running it (benchmarks/REPORT.md). A cursor from
``prepared_cursor`` sends the values apart and asks psycopg to prepare the statement: the connection (kept open
by CONN_MAX_AGE) plans it once and runs the plan afterwards. Django still wraps the cursor, so its errors, query
logging and test query counts are the usual ones.

Prepared statements live in one server session: behind a pooler in transaction mode (pgbouncer before 1.21, or
without ``max_prepared_statements``) set ``DATABASE_PREPARED_STATEMENTS=false``; these reads then use an ordinary
cursor.
"""

from __future__ import annotations

from functools import cache, lru_cache
from typing import Any

from django.conf import settings
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper


def prepared_cursor(connection: BaseDatabaseWrapper) -> CursorWrapper:
    """A cursor whose statements are prepared (PostgreSQL, when allowed); ``connection.cursor()`` otherwise.
    Use it for SQL whose text does not change between calls, with every value passed as a parameter."""
    if connection.vendor != "postgresql" or not settings.DATABASE_PREPARED_STATEMENTS:
        return connection.cursor()
    # What connection.cursor() does, with a server-binding cursor that prepares.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    with connection.wrap_database_errors:
        cursor = _cursor_class()(connection.connection)
    return (_LoggedCursorWrapper if connection.queries_logged else CursorWrapper)(cursor, connection)


class _LoggedCursorWrapper(CursorDebugWrapper):
    """Django's query log (DEBUG, test query counts) with the statement as it ran, values written in: Django
    reads that text back from a client-binding cursor, which a prepared statement does not have."""

    def execute(self, sql: str, params: Any = None) -> Any:
        with self.debug_sql(self.db.ops.compose_sql(sql, params) if params else sql, params):
            return CursorWrapper.execute(self, sql, params)


@cache
def _cursor_class() -> type:
    from django.db.backends.postgresql.base import ServerBindingCursor

    class PreparingCursor(ServerBindingCursor):
        _query_cls = _kept_placeholders_class()

        def execute(
            self, query: Any, params: Any = None, *, prepare: bool | None = True, **kwargs: Any
        ) -> Any:
            return super().execute(query, params, prepare=prepare, **kwargs)

    return PreparingCursor


def _kept_placeholders_class() -> type:
    from psycopg import _queries

    if not hasattr(_queries, "_query2pg_nocache"):  # a psycopg without it: its own query class, as it is
        return _queries.PostgresQuery

    class KeptPlaceholders(_queries.PostgresQuery):
        """psycopg finds a statement's placeholders again on every call once it is longer than 4 KB (it keeps
        only shorter ones, so that an ORM's ever-changing bulk statements do not fill memory). The statements
        prepared here are a few, fixed, and the list pages longer than that: found once per process (a
        twentieth of a list request's time)."""

        found = staticmethod(lru_cache(maxsize=64)(_queries._query2pg_nocache))

        def convert(self, query: Any, vars: Any) -> None:
            if vars is None or not isinstance(query, str):
                return super().convert(query, vars)
            encoding = self._tx.encoding
            self.query, self._want_formats, self._order, self._parts = self.found(
                query.encode(encoding), encoding
            )
            self.dump(vars)
            return None

    return KeptPlaceholders

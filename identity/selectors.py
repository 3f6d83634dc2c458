"""Reads of identity data that pages and the API share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, cached_property
from typing import Any

from django.db import connections, router
from django.db.models import QuerySet

from eservice.db import prepared_cursor
from identity.models import StaffAccessLog, TerritorialUnit, User


def list_access_log_about(*, applicant: User) -> QuerySet[StaffAccessLog]:
    """Every time staff opened this applicant's records, newest first (with the unit: one query)."""
    return (
        StaffAccessLog.objects.filter(applicant=applicant)
        .select_related("unit")
        .order_by("-accessed_at", "-id")
    )


def list_latest_access_about(*, applicant: User, limit: int = 5) -> list[StaffAccessLog]:
    """The newest ``limit`` times staff opened this applicant's records, for the dashboard: one query."""
    return list(list_access_log_about(applicant=applicant)[:limit])


def get_user_with_unit(pk: int) -> User | None:
    """The user ``pk`` with their territorial unit (or None): what every API request's token names.

    The same row ``User.objects.select_related("unit").filter(pk=pk).first()`` reads, without compiling that
    query again for every request: its SQL is written once per process from the models' own columns (about a
    millisecond saved on each API request; benchmarks/REPORT.md)."""
    statement = _user_with_unit_statement()
    with prepared_cursor(connections[statement.alias]) as cursor:
        cursor.execute(statement.sql, [pk])
        return _user_from_row(statement, cursor.fetchone())


def get_user_with_unit_beside(pk: int, sql: str, params: list[Any]) -> tuple[User | None, tuple | None]:
    """``get_user_with_unit(pk)`` and the one row of the query ``sql`` (a page of a list, built as one row by
    ``eservice.json_rows``), in one round trip: the query runs beside the user's row. For a request whose read
    is known from its token before its user is (identity.authentication); the caller uses the row only once
    the user has passed every check. No user: ``(None, None)``."""
    statement = _user_with_unit_statement()
    with prepared_cursor(connections[statement.alias]) as cursor:
        cursor.execute(
            f"SELECT {statement.columns}, beside.* FROM {statement.tables} "  # noqa: S608 (the caller's SQL)
            f"CROSS JOIN LATERAL ({sql}) beside WHERE {statement.where}",
            [*params, pk],
        )
        row = cursor.fetchone()
    if row is None:
        return None, None
    width = len(statement.converters)
    return _user_from_row(statement, row[:width]), tuple(row[width:])


def _user_from_row(statement: _Statement, row: tuple | None) -> User | None:
    if row is None:
        return None
    connection = connections[statement.alias]
    values = [
        _convert(value, converters, connection) if converters else value
        for value, converters in zip(row, statement.converters, strict=True)
    ]
    user_count = len(statement.user_fields)
    user = User.from_db(statement.alias, statement.user_fields, values[:user_count])
    unit = None
    if values[user_count] is not None:
        unit = TerritorialUnit.from_db(statement.alias, statement.unit_fields, values[user_count:])
    User.unit.field.set_cached_value(user, unit)
    return user


@dataclass(frozen=True)
class _Statement:
    alias: str
    columns: str  # model metadata only: the user's and the unit's columns, their tables, the user's key
    tables: str
    where: str
    user_fields: list[str]
    unit_fields: list[str]
    converters: list[
        list[tuple[Callable, Any]]
    ]  # per column: the backend's and the field's (SQLite has some)

    @cached_property
    def sql(self) -> str:
        return f"SELECT {self.columns} FROM {self.tables} WHERE {self.where}"  # noqa: S608 (model metadata only)


@cache
def _user_with_unit_statement() -> _Statement:
    alias = router.db_for_read(User)
    connection = connections[alias]
    quote = connection.ops.quote_name
    columns, converters = [], []
    for model, table in ((User, "u"), (TerritorialUnit, "t")):
        for field in model._meta.concrete_fields:
            expression = field.get_col(table)
            columns.append(f"{table}.{quote(field.column)}")
            converters.append(
                [
                    (converter, expression)
                    for converter in connection.ops.get_db_converters(expression)
                    + field.get_db_converters(connection)
                ]
            )
    unit_key = User._meta.get_field("unit").column
    tables = (
        f"{quote(User._meta.db_table)} u LEFT JOIN {quote(TerritorialUnit._meta.db_table)} t "
        f"ON t.{quote(TerritorialUnit._meta.pk.column)} = u.{quote(unit_key)}"
    )
    where = f"u.{quote(User._meta.pk.column)} = %s"
    return _Statement(
        alias,
        ", ".join(columns),
        tables,
        where,
        [field.attname for field in User._meta.concrete_fields],
        [field.attname for field in TerritorialUnit._meta.concrete_fields],
        converters,
    )


def _convert(value: Any, converters: list[tuple[Callable, Any]], connection: Any) -> Any:
    for converter, expression in converters:
        value = converter(value, expression, connection)
    return value

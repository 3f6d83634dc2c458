"""Reads of identity data that pages and the API share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
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
    connection = connections[statement.alias]
    with prepared_cursor(connection) as cursor:
        cursor.execute(statement.sql, [pk])
        row = cursor.fetchone()
    if row is None:
        return None
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
    sql: str
    user_fields: list[str]
    unit_fields: list[str]
    converters: list[
        list[tuple[Callable, Any]]
    ]  # per column: the backend's and the field's (SQLite has some)


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
    sql = (
        f"SELECT {', '.join(columns)} FROM {quote(User._meta.db_table)} u "  # noqa: S608 (model metadata only)
        f"LEFT JOIN {quote(TerritorialUnit._meta.db_table)} t "
        f"ON t.{quote(TerritorialUnit._meta.pk.column)} = u.{quote(unit_key)} "
        f"WHERE u.{quote(User._meta.pk.column)} = %s"
    )
    return _Statement(
        alias,
        sql,
        [field.attname for field in User._meta.concrete_fields],
        [field.attname for field in TerritorialUnit._meta.concrete_fields],
        converters,
    )


def _convert(value: Any, converters: list[tuple[Callable, Any]], connection: Any) -> Any:
    for converter, expression in converters:
        value = converter(value, expression, connection)
    return value

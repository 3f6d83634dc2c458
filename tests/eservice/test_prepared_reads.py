"""The API's hottest reads are prepared statements on PostgreSQL, planned once per connection; Django still sees
them (query counts, its own error classes), and the setting turns them off for a pooler that cannot keep them."""

from __future__ import annotations

import pytest
from django.db import connection, utils

from eservice.db import prepared_cursor
from identity.selectors import get_user_with_unit
from tests.factories import UserFactory
from tests.services import require_postgres

pytestmark = pytest.mark.django_db


def _prepared(marker: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement FROM pg_prepared_statements WHERE statement LIKE %s", [f"%{marker}%"]
        )
        return [row[0] for row in cursor.fetchall()]


def test_the_token_user_is_read_with_a_prepared_statement(django_assert_num_queries):
    require_postgres()
    user = UserFactory()
    with django_assert_num_queries(2) as queries:  # Django still counts and logs them, values written in
        assert get_user_with_unit(user.pk) == user
        assert get_user_with_unit(user.pk).email == user.email
    assert all("identity_user" in q["sql"] and f"= {user.pk}" in q["sql"] for q in queries.captured_queries)
    assert len(_prepared("identity_user")) == 1  # one statement, planned once, whoever the user


def test_the_setting_decides(settings):
    require_postgres()
    for allowed, marker in ((False, "marker_not_prepared"), (True, "marker_prepared")):
        settings.DATABASE_PREPARED_STATEMENTS = allowed
        with prepared_cursor(connection) as cursor:
            cursor.execute(f"SELECT %s::int AS {marker}", [1])
            assert cursor.fetchone() == (1,)
        assert len(_prepared(marker)) == int(allowed)


def test_errors_are_djangos_own():
    require_postgres()
    with pytest.raises(utils.ProgrammingError), prepared_cursor(connection) as cursor:
        cursor.execute("SELECT no_such_column FROM identity_user WHERE id = %s", [1])


def test_a_long_statement_has_its_placeholders_found_once():
    """psycopg finds the placeholders of a statement longer than 4 KB again on every call; a prepared one (a
    list page is longer) has them found once per process, and each call still gets its own values."""
    require_postgres()
    from psycopg import _queries

    long_sql = "SELECT %s::int + %s::int AS total, '" + "x" * 5000 + "' AS filler, %s::text AS said"
    with prepared_cursor(connection) as cursor:
        kept = type(cursor.cursor)._query_cls
        assert kept is not _queries.PostgresQuery  # the class that keeps them
        before = kept.found.cache_info()
        for first, second, said in ((1, 2, "a"), (40, 2, "it's %s"), (-1, 1, "")):
            cursor.execute(long_sql, [first, second, said])
            assert cursor.fetchone()[::2] == (first + second, said)
    after = kept.found.cache_info()
    assert (after.misses - before.misses, after.hits - before.hits) == (1, 2)
    assert len(_prepared("xxxxxxxxxx")) == 1

"""Issue 10, item 13: headings never skip a level (axe's heading-order), the units page included."""

from __future__ import annotations

import datetime as dt
import itertools
import re

import pytest
import time_machine

from tests.applications.factories import CalendarExceptionFactory
from tests.factories import ApplicationFactory

pytestmark = pytest.mark.django_db


def heading_levels(html: str) -> list[int]:
    main = html[html.index("<main") :]
    return [int(level) for level in re.findall(r"<h([1-6])\b", main)]


def assert_no_skipped_level(levels: list[int]) -> None:
    assert levels and levels[0] == 1, levels
    for before, after in itertools.pairwise(levels):
        assert after <= before + 1, f"h{before} is followed by h{after}: {levels}"


@time_machine.travel(dt.datetime(2030, 1, 2, 10, tzinfo=dt.UTC), tick=False)
@pytest.mark.parametrize("url", ["/units/", "/guide/first_trp/studies/"])
def test_public_pages_with_days_off_keep_the_heading_order(client, url):
    CalendarExceptionFactory(date=dt.date(2030, 1, 7), is_working_day=False, note="Transferred day off")
    html = client.get(url).content.decode()
    assert "Next public holidays (closed)" in html
    assert_no_skipped_level(heading_levels(html))


@pytest.mark.parametrize("step", ["personal", "purpose", "stay", "documents", "review"])
def test_form_steps_keep_the_heading_order(client, applicant, step):
    application = ApplicationFactory(applicant=applicant, complete=True)
    client.force_login(applicant)
    html = client.get(f"/applications/{application.pk}/step/{step}/").content.decode()
    assert_no_skipped_level(heading_levels(html))

"""The senior officer's statistics page and its charts, on a fixed clock: Friday 27 November 2026 in Riga.

Latvia's Proclamation Day, Wednesday 18 November 2026, is a public holiday: no working day. The current week is
2026-W48 (23–29 November); the 12 weeks start on Monday 7 September 2026.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import defusedxml.ElementTree as SafeElementTree
import pytest
import time_machine
from django.urls import reverse

from applications.models import ApplicationEvent
from decisions.statistics import unit_statistics
from tests.factories import ApplicationFactory, TerritorialUnitFactory, UserFactory

pytestmark = pytest.mark.django_db
RIGA = ZoneInfo("Europe/Riga")
NOW = dt.datetime(2026, 11, 27, 12, 0, tzinfo=RIGA)
TODAY = NOW.date()
SVG = "{http://www.w3.org/2000/svg}"


def riga(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=RIGA)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def cases(unit, officer):
    """A handful of decided and open cases of the unit, and some that must not count."""
    decided = {
        # W47: paid Mon 16 Nov, decided Fri 20 Nov: 17, 19, 20 (18 is a holiday) = 3 working days, on time.
        "quick": ApplicationFactory(
            granted=True,
            unit=unit,
            paid_at=riga(2026, 11, 16, 9, 0),
            decided_at=riga(2026, 11, 20, 10, 0),
            decision_due_on=dt.date(2026, 11, 30),
        ),
        # W47: paid Mon 9 Nov, decided Thu 19 Nov: 7 working days less 2 waiting for the applicant = 5; late.
        "paused": ApplicationFactory(
            refused=True,
            unit=unit,
            paid_at=riga(2026, 11, 9, 9, 0),
            decided_at=riga(2026, 11, 19, 15, 0),
            decision_due_on=dt.date(2026, 11, 18),
        ),
        # W48 by Riga's date (Monday 23 Nov 01:30), though still Sunday in UTC: 16, 17, 19, 20, 23 = 5 days.
        "midnight": ApplicationFactory(
            granted=True,
            unit=unit,
            paid_at=riga(2026, 11, 13, 10, 0),
            decided_at=dt.datetime(2026, 11, 22, 23, 30, tzinfo=dt.UTC),
            decision_due_on=dt.date(2026, 11, 27),
        ),
    }
    ApplicationEvent.objects.create(
        application=decided["paused"], kind="information_requested", data={"answer_by": "2026-11-16"}
    )
    ApplicationEvent.objects.create(
        application=decided["paused"], kind="information_provided", data={"paused_working_days": 2}
    )
    # Not counted: decided before the 12 weeks, and another unit's case decided in W47.
    ApplicationFactory(granted=True, unit=unit, paid_at=riga(2026, 7, 1, 9), decided_at=riga(2026, 8, 3, 9))
    ApplicationFactory(
        granted=True,
        paid_at=riga(2026, 11, 16, 9),
        decided_at=riga(2026, 11, 20, 9),
        decision_due_on=dt.date(2026, 11, 19),
    )
    open_cases = {
        # Due Wed 25 Nov: 26 and 27 have passed, 2 working days late.
        "late": ApplicationFactory(
            in_review=True, unit=unit, assigned_officer=officer, decision_due_on=dt.date(2026, 11, 25)
        ),
        # Due Thu 3 Dec: 30 Nov, 1, 2, 3 Dec = 4 working days left.
        "near": ApplicationFactory(submitted=True, unit=unit, decision_due_on=dt.date(2026, 12, 3)),
        "far": ApplicationFactory(in_review=True, unit=unit, decision_due_on=dt.date(2027, 1, 29)),
        # Waiting for the applicant since Fri 20 Nov with the deadline Tue 24 Nov: the clock stopped with 2
        # working days left (23, 24); not a breach while it stands still.
        "waiting": ApplicationFactory(
            awaiting_applicant=True,
            unit=unit,
            review_paused_on=dt.date(2026, 11, 20),
            decision_due_on=dt.date(2026, 11, 24),
        ),
        "no_deadline": ApplicationFactory(decision_pending=True, unit=unit, decision_due_on=None),
    }
    ApplicationFactory(in_review=True, decision_due_on=dt.date(2026, 11, 2))  # another unit's breach
    return {**decided, **open_cases}


def test_unit_statistics_count_working_days_from_the_fee_without_pauses(unit, cases):
    stats = unit_statistics(unit_id=unit.pk)

    assert stats.today == TODAY
    assert [week.label for week in stats.weeks] == [f"2026-W{n}" for n in range(37, 49)]
    assert stats.weeks[0].monday == dt.date(2026, 9, 7)
    w47, w48 = stats.weeks[-2], stats.weeks[-1]
    assert (w47.decided, w47.granted, w47.refused) == (2, 1, 1)
    assert w47.median_days == 4.0  # median of 3 and 5
    assert (w47.within_deadline, w47.share_within_deadline) == (1, 50.0)
    assert (w48.decided, w48.median_days, w48.share_within_deadline) == (1, 5.0, 100.0)
    assert all(week.decided == 0 and week.median_days is None for week in stats.weeks[:-2])
    assert stats.totals == {"decided": 3, "median_days": 5.0, "share_within_deadline": 66.7}

    assert [(case.pk, case.days_left, case.days_late) for case in stats.breaches] == [
        (cases["late"].pk, -2, 2)
    ]
    assert [(case.pk, case.days_left, case.paused) for case in stats.near_breaches] == [
        (cases["waiting"].pk, 2, True),
        (cases["near"].pk, 4, False),
    ]
    assert stats.by_state[0][0] == "submitted"
    assert {state: count for state, _label, count in stats.by_state} == {
        "submitted": 1,
        "in_review": 2,
        "awaiting_applicant": 1,
        "decision_pending": 1,
    }
    assert stats.open_without_deadline == 1


def test_unit_statistics_query_count_does_not_grow(unit, cases, django_assert_num_queries):
    # Decided rows, their pauses, the open cases, the calendar's exceptions.
    with django_assert_num_queries(4):
        unit_statistics(unit_id=unit.pk)
    for day in range(2, 7):
        case = ApplicationFactory(
            granted=True, unit=unit, paid_at=riga(2026, 10, day, 9), decided_at=riga(2026, 10, day + 10, 9)
        )
        ApplicationEvent.objects.create(application=case, kind="information_provided", data={})
        ApplicationFactory(in_review=True, unit=unit, decision_due_on=dt.date(2026, 11, day + 20))
    with django_assert_num_queries(4):
        unit_statistics(unit_id=unit.pk)


@pytest.fixture
def senior_client(staff_client_for, senior):
    return staff_client_for(senior)


def test_statistics_page_query_count_is_pinned(senior_client, unit, cases, django_assert_num_queries):
    url = reverse("decisions:backoffice-statistics")
    # The session, the user, their second factor, their unit's name; then the four of unit_statistics.
    with django_assert_num_queries(9):  # + the errors per month
        assert senior_client.get(url).status_code == 200
    for day in range(2, 12):
        ApplicationFactory(
            refused=True, unit=unit, paid_at=riga(2026, 10, day, 9), decided_at=riga(2026, 10, day + 9, 9)
        )
        ApplicationFactory(submitted=True, unit=unit, decision_due_on=dt.date(2026, 11, 20))
    with django_assert_num_queries(9):  # + the errors per month
        assert senior_client.get(url).status_code == 200


def _figure_rows(page: str, name: str) -> list[list[str]]:
    figure = re.search(rf'<figure class="chart" id="chart-{name}">(.*?)</figure>', page, re.S).group(1)
    body = re.search(r"<tbody>(.*?)</tbody>", figure, re.S).group(1)
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        rows.append([re.sub(r"<[^>]+>", "", cell).split("(")[0].strip() for cell in cells])
    return rows


def _chart_values(svg: bytes) -> dict[tuple[int, str], float]:
    """(series number, x label) → the value pygal drew, read from the SVG's bars."""
    root = SafeElementTree.fromstring(svg)
    values = {}
    for group in root.iter(f"{SVG}g"):
        match = re.search(r"\bserie-(\d+)\b", group.get("class", ""))
        if not match:
            continue
        for bar in group.iter(f"{SVG}g"):
            if bar.get("class") != "bar":
                continue
            descs = {desc.get("class"): desc.text for desc in bar.findall(f"{SVG}desc")}
            values[(int(match.group(1)), descs["x_label"])] = float(descs["value"])
    return values


def _number(cell: str) -> float | None:
    return None if cell == "—" else float(cell)


def test_page_tables_hold_the_same_numbers_as_the_charts(senior_client, cases):
    page = senior_client.get(reverse("decisions:backoffice-statistics")).content.decode()

    def chart(name: str) -> dict[tuple[int, str], float]:
        response = senior_client.get(reverse("decisions:backoffice-statistics-chart", args=[name]))
        assert response.status_code == 200
        return _chart_values(response.content)

    decided = _figure_rows(page, "decided")
    assert decided[-2] == ["2026-W47", "1", "1", "2"]
    drawn = chart("decided")
    for week, granted, refused, _total in decided:
        assert drawn.get((0, week), 0) == float(granted) and drawn.get((1, week), 0) == float(refused)

    processing = _figure_rows(page, "processing")
    assert [row[2] for row in processing[-2:]] == ["4.0", "5.0"]
    drawn = chart("processing")
    assert {week: _number(median) for week, _n, median in processing if median != "—"} == {
        label: value for (_serie, label), value in drawn.items()
    }

    deadline = _figure_rows(page, "deadline")
    assert deadline[-2:] == [["2026-W47", "2", "1", "50.0"], ["2026-W48", "1", "1", "100.0"]]
    drawn = chart("deadline")
    assert {week: _number(share) for week, _n, _in, share in deadline if share != "—"} == {
        label: value for (_serie, label), value in drawn.items()
    }

    states = _figure_rows(page, "states")
    drawn = chart("states")
    assert [int(count) for _label, count in states] == [1, 2, 1, 1]
    assert {label: float(count) for label, count in states} == {label: v for (_s, label), v in drawn.items()}

    # The deadlines now: the breach and the near-breaches, with links to the cases.
    assert cases["late"].reference in page and "2 days late" in page
    assert cases["near"].reference in page and cases["waiting"].reference in page
    assert cases["far"].reference not in page


@pytest.mark.parametrize("name", ["decided", "processing", "deadline", "states"])
def test_charts_are_svg_without_script_or_external_reference(senior_client, cases, name):
    response = senior_client.get(reverse("decisions:backoffice-statistics-chart", args=[name]))

    assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
    assert response["Content-Security-Policy"] == "default-src 'none'; style-src 'unsafe-inline'"
    assert response["X-Content-Type-Options"] == "nosniff"
    body = response.content.decode()
    root = SafeElementTree.fromstring(response.content)
    assert root.tag == f"{SVG}svg"
    assert not [element for element in root.iter() if element.tag.endswith("script")]
    assert "<script" not in body.lower() and "<!--" not in body
    for element in root.iter():
        for attribute, value in element.attrib.items():
            assert "href" not in attribute, (element.tag, attribute)
            assert "http" not in value and "javascript:" not in value, (element.tag, attribute, value)
    # The only web addresses left are the XML namespace names, which are never fetched.
    assert set(re.findall(r"https?://[^\s\"'<>)]+", body)) <= {"http://www.w3.org/2000/svg"}
    assert "@import" not in body and "url(" not in body


def test_page_shows_charts_as_images_of_this_site_with_captions_and_tables(senior_client, cases):
    page = senior_client.get(reverse("decisions:backoffice-statistics")).content.decode()

    assert page.count("<figure") == 4 and page.count("<figcaption>") == 4
    images = re.findall(r'<img src="([^"]+)"[^>]*alt="([^"]+)"', page)
    assert [src for src, _alt in images] == [
        f"/backoffice/statistics/{name}.svg" for name in ("decided", "processing", "deadline", "states")
    ]
    assert page.count('<th scope="col">Week</th>') == 3
    assert "<svg" not in page and "<script" not in page.split("</main>")[0].split("<main")[-1]


def test_case_officers_may_not_see_the_statistics(staff_client_for, officer, cases):
    client = staff_client_for(officer)
    assert client.get(reverse("decisions:backoffice-statistics")).status_code == 403
    assert client.get(reverse("decisions:backoffice-statistics-chart", args=["decided"])).status_code == 403
    assert "backoffice/statistics/" not in client.get(reverse("decisions:backoffice-queue")).content.decode()


def test_another_units_senior_sees_only_their_own_unit(staff_client_for, senior, cases):
    other_unit = TerritorialUnitFactory()
    own = ApplicationFactory(in_review=True, unit=other_unit, decision_due_on=dt.date(2026, 11, 20))
    client = staff_client_for(UserFactory(senior_officer=True, unit=other_unit))

    page = client.get(reverse("decisions:backoffice-statistics")).content.decode()

    assert own.reference in page
    for case in cases.values():
        if case.reference:
            assert case.reference not in page
    assert _figure_rows(page, "decided")[-2] == ["2026-W47", "0", "0", "0"]
    assert [row[1] for row in _figure_rows(page, "states")] == ["0", "1", "0", "0"]


def test_queue_links_seniors_to_the_statistics(staff_client_for, senior):
    page = staff_client_for(senior).get(reverse("decisions:backoffice-queue")).content.decode()
    assert 'href="/backoffice/statistics/"' in page

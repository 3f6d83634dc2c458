"""Issue 11: "who looked at my file" on the applicant's dashboard: date, unit and role, never a name."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from identity.models import Role, StaffAccessLog, TerritorialUnit
from identity.selectors import list_latest_access_about
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _log(*, staff, applicant, minutes_ago: int, unit=None, role=Role.CASE_OFFICER) -> StaffAccessLog:
    return StaffAccessLog.objects.create(
        staff=staff,
        role=role,
        unit=unit,
        applicant=applicant,
        object_type="application",
        object_id="1",
        reason="Case page",
        accessed_at=timezone.now() - dt.timedelta(minutes=minutes_ago),
    )


def test_dashboard_shows_the_latest_accesses_with_unit_and_role_not_names(client, applicant, other_applicant):
    jelgava = TerritorialUnit.objects.get(code="jelgava")
    officer = UserFactory(case_officer=True, unit=jelgava, first_name="Jānis", last_name="Bērziņš")
    for minutes in range(1, 8):  # seven entries: the dashboard shows the newest five
        _log(staff=officer, applicant=applicant, minutes_ago=minutes * 60, unit=jelgava)
    oldest = _log(staff=officer, applicant=applicant, minutes_ago=60 * 24 * 30, unit=jelgava)
    _log(
        staff=officer,
        applicant=other_applicant,
        minutes_ago=1,
        unit=TerritorialUnit.objects.get(code="liepaja"),
    )
    client.force_login(applicant)

    html = client.get("/applications/").content.decode()

    section = html[html.index('aria-labelledby="access-log-title"') :]
    section = section[: section.index("</section>")]
    assert "Who looked at my file" in section
    assert section.count("<tr>") == 1 + 5  # the header row and the newest five
    assert "Jelgava Division" in section and "Case officer" in section
    assert "Liepāja" not in section  # another applicant's file
    assert "Jānis" not in section and "Bērziņš" not in section and officer.email not in section
    assert timezone.localtime(oldest.accessed_at).strftime("%d.%m.%Y %H:%M") not in section
    assert 'href="/account/access-log/"' in section


def test_dashboard_says_when_nobody_looked(client, applicant):
    client.force_login(applicant)
    html = client.get("/applications/").content.decode()
    assert "Nobody at the Office has opened your file yet." in html


def test_latest_access_selector_is_one_query(applicant, django_assert_num_queries):
    unit = TerritorialUnit.objects.get(code="riga-1")
    officer = UserFactory(case_officer=True, unit=unit)
    for minutes in range(10):
        _log(staff=officer, applicant=applicant, minutes_ago=minutes, unit=unit)
    with django_assert_num_queries(1):
        entries = list_latest_access_about(applicant=applicant, limit=5)
        assert [entry.unit.name for entry in entries] == ["Riga 1st Division"] * 5
    assert entries[0].accessed_at > entries[-1].accessed_at

import datetime as dt

import pytest
import time_machine
from django.test import override_settings
from django.urls import reverse

from applications.models import ApplicationKind
from tests.applications.factories import CalendarExceptionFactory, ResidencePermitUnitFactory

pytestmark = pytest.mark.django_db

MONDAY_BEFORE_CHRISTMAS = dt.datetime(2025, 12, 22, 10, 0, tzinfo=dt.UTC)


def answer_url(kind="first_trp", purpose="employment", **query):
    url = reverse("applications:guide-answer", kwargs={"kind": kind, "purpose": purpose})
    if query:
        url += "?" + "&".join(f"{key}={value}" for key, value in query.items())
    return url


def test_guide_asks_the_questions_without_sign_in(client):
    response = client.get(reverse("applications:guide"))
    assert response.status_code == 200
    html = response.content.decode()
    for name in ("situation", "purpose", "speed", "age"):
        assert f'name="{name}"' in html
    assert "Status of EU long-term resident" in html
    assert "160.00 EUR" in html


@pytest.mark.parametrize(
    ("situation", "kind"),
    [
        ("abroad", "first_trp"),
        ("visa", "first_trp"),
        ("residence_permit", "repeated_trp"),
        ("five_years", "eu_long_term"),
        ("positive_decision", "registration"),
    ],
)
def test_answers_lead_to_the_kind_to_apply_for(client, situation, kind):
    response = client.get(
        reverse("applications:guide"),
        {"situation": situation, "purpose": "family", "speed": "faster", "age": "minor"},
    )
    assert response.status_code == 302
    assert response["Location"] == answer_url(kind, "family", speed="faster", age="minor")


def test_incomplete_or_unknown_answers_show_form_errors(client):
    response = client.get(reverse("applications:guide"), {"situation": "moon", "purpose": "tourism"})
    assert response.status_code == 200
    assert response.context["form"].errors.keys() == {"situation", "purpose", "speed"}
    assert 'class="errorlist"' in response.content.decode()


@time_machine.travel(MONDAY_BEFORE_CHRISTMAS, tick=False)
@pytest.mark.usefixtures("empty_units")
def test_answer_shows_checklist_fees_decision_dates_payment_and_start_link(client):
    ResidencePermitUnitFactory(code="riga-1", name="Rīgas 1. nodaļa")
    response = client.get(answer_url("first_trp", "employment", speed="faster", age="adult"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "First temporary residence permit" in html
    # Checklist: purpose lines and adult lines, not the lines for minors or other purposes.
    for document in (
        "Passport copy",
        "Approved invitation",
        "Employment contract",
        "Criminal record certificate",
    ):
        assert document in html
    assert "Birth certificate" not in html
    assert "Enrolment certificate" not in html
    # Fees for each speed and decision dates in Latvian working days from Monday 22 December 2025:
    # 10 working days skip 24–26 Dec, 31 Dec, 1–2 Jan → Tuesday 13 January 2026.
    # (the amounts checked against the Office's published fees: migration 0007_fees_checked_against_public_sources)
    assert "100.00 EUR" in html and "200.00 EUR" in html and "400.00 EUR" in html
    assert 'datetime="2026-01-13"' in html
    # 5 working days → Tuesday 6 January 2026.
    assert 'datetime="2026-01-06"' in html
    # How to pay: the State Treasury account.
    assert "LV23 TREL 1060 1909 1100 0" in html
    assert "TRELLV22" in html
    # Where to go: the unit and the next days the units are closed.
    assert "Rīgas 1. nodaļa" in html
    assert 'datetime="2025-12-24"' in html
    assert "/applications/new/?kind=first_trp&amp;purpose=employment&amp;speed=faster" in html
    assert response.context["answer"].chosen_option.speed == "faster"


def test_answer_tells_about_the_invitation_for_family(client):
    html = client.get(answer_url("first_trp", "family")).content.decode()
    assert "invitation (“call”)" in html
    html = client.get(answer_url("first_trp", "studies")).content.decode()
    assert "must file an invitation" not in html


def test_answer_for_a_speed_the_kind_does_not_offer_falls_back_with_a_notice(client):
    response = client.get(answer_url("eu_long_term", "family", speed="fastest"))
    assert response.status_code == 200
    assert response.context["speed_not_offered"] is True
    assert response.context["answer"].speed == "standard"
    assert "is not offered at the speed you chose" in response.content.decode()


@pytest.mark.parametrize(
    ("kind", "purpose", "message"),
    [
        ("golden_visa", "employment", "There is no application kind “golden_visa”"),
        ("first_trp", "tourism", "There is no purpose of residence “tourism”"),
        ("eu_long_term", "studies", "cannot be requested for the purpose"),
    ],
)
def test_unknown_kind_or_purpose_is_a_helpful_404(client, kind, purpose, message):
    response = client.get(answer_url(kind, purpose))
    assert response.status_code == 404
    html = response.content.decode()
    assert message in html
    assert f'href="{reverse("applications:guide")}"' in html


def test_inactive_kind_is_a_404(client):
    ApplicationKind.objects.filter(code="registration").update(is_active=False)
    assert client.get(answer_url("registration", "employment")).status_code == 404


@time_machine.travel(MONDAY_BEFORE_CHRISTMAS, tick=False)
def test_printable_checklist(client):
    response = client.get(
        reverse("applications:guide-checklist", kwargs={"kind": "repeated_trp", "purpose": "studies"})
        + "?speed=standard&age=minor"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Checklist: Repeated temporary residence permit (Studies)" in html
    assert "Enrolment certificate" in html and "Birth certificate" in html
    assert "Chest X-ray" not in html  # only for a first permit
    assert "js/print.js" in html
    assert "100.00 EUR" in html


def test_signed_in_users_see_the_same_public_answer(client, applicant):
    anonymous = client.get(answer_url()).context["answer"]
    client.force_login(applicant)
    signed_in = client.get(answer_url()).context["answer"]
    assert [r.pk for r in anonymous.requirements] == [r.pk for r in signed_in.requirements]


def test_answer_page_query_count_does_not_grow_with_units(client, django_assert_max_num_queries):
    ResidencePermitUnitFactory(code="a")
    with django_assert_max_num_queries(20) as first:
        client.get(answer_url())
    for code in ("b", "c", "d", "e"):
        ResidencePermitUnitFactory(code=code)
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get(answer_url())


@override_settings(LANGUAGE_CODE="lv")
def test_answer_in_latvian_and_russian(client):
    html = client.get(answer_url(), HTTP_ACCEPT_LANGUAGE="lv").content.decode()
    assert "Pirmā termiņuzturēšanās atļauja" in html
    html = client.get(answer_url(), HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "Первый вид на жительство на срок" in html


@time_machine.travel(dt.datetime(2030, 1, 2, 10, tzinfo=dt.UTC), tick=False)
@pytest.mark.usefixtures("empty_units")
def test_units_page_shows_hours_and_days_closed(client):
    ResidencePermitUnitFactory(code="riga-1", name="Riga 1st Division")
    ResidencePermitUnitFactory(code="closed", name="Hidden unit", handles_residence_permits=False)
    CalendarExceptionFactory(date=dt.date(2030, 1, 7), is_working_day=False, note="Transferred day off")
    response = client.get(reverse("applications:units"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Riga 1st Division" in html
    assert "Hidden unit" not in html
    assert "09:00–16:30" in html and "09:00–16:00" in html
    assert "Closed on public holidays." in html
    assert "Transferred day off" in html


@pytest.mark.usefixtures("empty_units")
def test_unit_detail_and_unknown_unit(client):
    ResidencePermitUnitFactory(code="daugavpils", name="Daugavpils Division")
    ResidencePermitUnitFactory(code="closed", handles_residence_permits=False)
    response = client.get(reverse("applications:unit-detail", kwargs={"code": "daugavpils"}))
    assert response.status_code == 200
    assert "Daugavpils Division" in response.content.decode()
    for code in ("nowhere", "closed"):
        response = client.get(reverse("applications:unit-detail", kwargs={"code": code}))
        assert response.status_code == 404
        assert reverse("applications:units") in response.content.decode()


@override_settings(
    OFFICE_INFO_PHONE="+371 67209400", OFFICE_EMAIL="pmlp@pmlp.gov.lv", OFFICE_ADDRESS="Rīga, LV-1026"
)
def test_contact_page_lists_the_channels(client):
    html = client.get(reverse("applications:contact")).content.decode()
    assert 'href="tel:+37167209400"' in html
    assert 'href="mailto:pmlp@pmlp.gov.lv"' in html
    assert "Rīga, LV-1026" in html


def test_pages_refuse_writes(client):
    assert client.post(reverse("applications:guide")).status_code == 405


def test_fee_note_is_for_administrators_only(admin_client):
    from django.test import Client

    url = answer_url()
    assert "to be confirmed" not in Client().get(url).content.decode()
    assert "to be confirmed" in admin_client.get(url).content.decode()


def test_each_starting_fee_row_records_its_source_or_stays_marked():
    from applications.models import Fee

    for fee in Fee.objects.select_related("kind"):
        if fee.to_be_verified:
            assert fee.source_note, fee
        else:
            assert fee.source_url.startswith("https://www.pmlp.gov.lv/") and fee.source_checked_on, fee
    confirmed = {(f.kind.code, f.speed): f.amount_cents for f in Fee.objects.filter(to_be_verified=False)}
    assert confirmed[("eu_long_term", "standard")] == 16000 and confirmed[("first_trp", "fastest")] == 40000

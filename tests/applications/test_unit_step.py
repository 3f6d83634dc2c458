"""Issue 11, routing: the applicant picks the territorial unit where they give biometrics and collect the card.

Through the real form page, the review page, the API (PATCH ``unit`` by code, submit) and the officers' queue.
"""

from __future__ import annotations

import re

import pytest
import yaml
from django.core.management import call_command
from django.urls import reverse

from applications.models import Application
from applications.selectors import list_residence_permit_units, suggest_unit
from identity.models import TerritorialUnit
from tests.factories import ApplicationFactory, UserFactory

pytestmark = pytest.mark.django_db
BASE = "/api/v1/applications"


def step_url(application: Application, step: str = "unit") -> str:
    return f"/applications/{application.pk}/step/{step}/"


@pytest.fixture
def signed_in(client, applicant):
    client.force_login(applicant)
    return client


def checked_code(html: str) -> str | None:
    radios = re.findall(r'<input type="radio" name="unit"[^>]*>', html)
    checked = [radio for radio in radios if " checked" in radio]
    assert len(checked) <= 1
    return re.search(r'value="([^"]+)"', checked[0]).group(1) if checked else None


def test_the_step_lists_every_unit_taking_permits_with_address_and_hours(signed_in, applicant):
    application = ApplicationFactory(applicant=applicant, complete=True, unit=None)
    response = signed_in.get(step_url(application))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Where to give biometrics" in html and "Step 4 of 6" in html
    units = list_residence_permit_units()
    assert html.count('<input type="radio" name="unit"') == len(units)
    riga = TerritorialUnit.objects.get(code="riga-1")
    assert riga.address in html and "08:00–20:00" in html  # address and reception hours of each unit
    assert 'value="riga-2"' not in html  # a division that takes no residence permit applications
    # Each radio is described by its unit's address; the group has a legend with the required mark.
    assert 'aria-describedby="unit-riga-1-address"' in html and 'id="unit-riga-1-address"' in html
    assert re.search(r"<legend>Territorial unit <span class=\"required-mark\"", html)


@pytest.mark.parametrize(
    ("address", "code"),
    [
        ("Raiņa bulvāris 19, Rīga, LV-1586", "riga-1"),
        ("Lielā iela 5-3, Jelgava, LV-3001", "jelgava"),
        ("Rigas iela 10, daugavpils", "daugavpils"),  # typed without diacritics, in lower case
        ("Zemnieku māja Kalnāji, Ķeguma novads", "riga-1"),  # no unit in that town: the default unit
    ],
)
def test_the_unit_of_the_declared_address_is_preselected(signed_in, applicant, address, code):
    application = ApplicationFactory(applicant=applicant, complete=True, unit=None, address_in_latvia=address)
    html = signed_in.get(step_url(application)).content.decode()
    assert checked_code(html) == code


def test_an_already_chosen_unit_stays_selected(signed_in, applicant):
    liepaja = TerritorialUnit.objects.get(code="liepaja")
    application = ApplicationFactory(applicant=applicant, complete=True, unit=liepaja)
    assert checked_code(signed_in.get(step_url(application)).content.decode()) == "liepaja"


def test_suggestion_prefers_a_division_and_reads_no_database(django_assert_num_queries):
    units = list_residence_permit_units()
    with django_assert_num_queries(0):
        assert suggest_unit(address="Brīvības iela 1, Valmiera", units=units).code == "valmiera"
        assert suggest_unit(address="", units=units).code == "riga-1"


def test_saving_the_step_stores_the_unit_and_moves_on_to_documents(signed_in, applicant):
    application = ApplicationFactory(applicant=applicant, complete=True, unit=None)
    response = signed_in.post(step_url(application), {"unit": "jelgava"})
    assert response.status_code == 302 and response.url == step_url(application, "documents")
    application.refresh_from_db()
    assert application.unit.code == "jelgava"
    assert application.events.filter(kind="updated", data__fields=["unit"]).exists()


@pytest.mark.parametrize("value", ["", "riga-2", "no-such-unit"])
def test_an_empty_or_unknown_unit_gets_the_error_summary_and_saves_nothing(signed_in, applicant, value):
    application = ApplicationFactory(applicant=applicant, complete=True, unit=None)
    response = signed_in.post(step_url(application), {"unit": value})
    html = response.content.decode()
    assert response.status_code == 200 and "Saved." not in html
    assert re.search(r"<title>\s*Error:", html)
    summary = re.search(r'<div class="error-summary".*?</div>', html, re.S).group(0)
    assert 'href="#id_unit_0"' in summary and 'id="id_unit_0"' in html
    assert 'aria-invalid="true"' in html
    application.refresh_from_db()
    assert application.unit is None


def test_an_inactive_unit_is_refused(signed_in, applicant):
    TerritorialUnit.objects.filter(code="jelgava").update(is_active=False)
    application = ApplicationFactory(applicant=applicant, complete=True, unit=None)
    response = signed_in.post(step_url(application), {"unit": "jelgava"})
    assert response.status_code == 200
    application.refresh_from_db()
    assert application.unit is None


def test_the_review_shows_the_unit_with_a_change_link(signed_in, applicant):
    application = ApplicationFactory(
        applicant=applicant, complete=True, unit=TerritorialUnit.objects.get(code="ventspils")
    )
    html = signed_in.get(step_url(application, "review")).content.decode()
    section = re.search(
        r'<section class="review-section" aria-labelledby="review-unit">.*?</section>', html, re.S
    )
    assert section and "Ventspils Division" in section.group(0)
    assert f'href="{step_url(application)}"' in section.group(0)


def test_the_review_lists_a_missing_unit_with_a_link_to_the_step(signed_in, applicant):
    application = ApplicationFactory(applicant=applicant, complete=True, unit=None)
    html = signed_in.get(step_url(application, "review")).content.decode()
    assert f'<a href="{step_url(application)}">Choose where you will give biometrics' in html


def test_api_patch_sets_the_unit_by_code(applicant_api, applicant):
    application = ApplicationFactory(applicant=applicant, complete=True, unit=None)
    response = applicant_api.patch(f"{BASE}/{application.pk}", {"unit": "rezekne"}, format="json")
    assert response.status_code == 200 and response.json()["unit"] == "rezekne"
    application.refresh_from_db()
    assert application.unit.code == "rezekne"


@pytest.mark.parametrize("value", ["riga-2", "no-such-unit", "", None, 7])
def test_api_patch_refuses_a_unit_that_takes_no_permits(applicant_api, applicant, value):
    application = ApplicationFactory(applicant=applicant, complete=True, unit=None)
    response = applicant_api.patch(f"{BASE}/{application.pk}", {"unit": value}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert "unit" in error["details"]
    application.refresh_from_db()
    assert application.unit is None


def test_api_patch_of_someone_elses_draft_is_404(other_applicant_api, applicant):
    application = ApplicationFactory(applicant=applicant, complete=True, unit=None)
    response = other_applicant_api.patch(f"{BASE}/{application.pk}", {"unit": "rezekne"}, format="json")
    assert response.status_code == 404


def test_the_schema_documents_the_unit(tmp_path):
    call_command("spectacular", "--file", str(tmp_path / "schema.yaml"))
    schema = yaml.safe_load((tmp_path / "schema.yaml").read_text())
    unit = schema["components"]["schemas"]["PatchedApplicationEditInputRequest"]["properties"]["unit"]
    assert unit["type"] == "string" and "biometrics" in unit["description"]


def test_submit_without_a_unit_is_409_and_keeps_the_chosen_one(
    applicant_api, applicant, attach_all, staff_client_for
):
    application = ApplicationFactory(applicant=applicant, complete=True, unit=None)
    attach_all(application)
    refused = applicant_api.post(f"{BASE}/{application.pk}/submit", {"declaration": True}, format="json")
    assert refused.status_code == 409
    missing = refused.json()["error"]["details"]["missing"]
    assert [item["field"] for item in missing] == ["unit"]

    assert (
        applicant_api.patch(f"{BASE}/{application.pk}", {"unit": "jelgava"}, format="json").status_code == 200
    )
    submitted = applicant_api.post(f"{BASE}/{application.pk}/submit", {"declaration": True}, format="json")
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["unit"] == "jelgava"
    application.refresh_from_db()
    assert application.unit.code == "jelgava"
    assert application.events.get(kind="submitted").data["unit"] == "jelgava"

    # The officers of that unit find it in their queue once paid; the default unit's officers do not.
    Application.objects.filter(pk=application.pk).update(state=Application.State.SUBMITTED)
    jelgava = TerritorialUnit.objects.get(code="jelgava")
    riga = TerritorialUnit.objects.get(code="riga-1")
    queue = reverse("decisions:backoffice-queue")
    own = staff_client_for(UserFactory(case_officer=True, unit=jelgava)).get(queue)
    case_url = reverse("decisions:backoffice-case", args=[application.pk])
    assert case_url in own.content.decode()
    other = staff_client_for(UserFactory(case_officer=True, unit=riga)).get(queue)
    assert case_url not in other.content.decode()


def test_a_unit_that_stopped_taking_permits_blocks_the_submission(applicant_api, applicant, attach_all):
    application = ApplicationFactory(
        applicant=applicant, complete=True, unit=TerritorialUnit.objects.get(code="liepaja")
    )
    attach_all(application)
    TerritorialUnit.objects.filter(code="liepaja").update(handles_residence_permits=False)
    response = applicant_api.post(f"{BASE}/{application.pk}/submit", {"declaration": True}, format="json")
    assert response.status_code == 409
    missing = response.json()["error"]["details"]["missing"]
    assert [(item["code"], item["field"]) for item in missing] == [("invalid_field", "unit")]
    application.refresh_from_db()
    assert application.state == Application.State.DRAFT

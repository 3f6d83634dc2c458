import datetime as dt

import pytest
from django.urls import reverse

from applications.models import ApplicationKind, Fee

pytestmark = pytest.mark.django_db

MODELS = [
    "applicationkind",
    "purpose",
    "documenttype",
    "documentrequirement",
    "fee",
    "legalground",
    "payeeaccount",
    "calendarexception",
]


@pytest.mark.parametrize("model", MODELS)
def test_administrators_edit_every_catalogue_model(admin_client, model):
    assert admin_client.get(reverse(f"admin:applications_{model}_changelist")).status_code == 200
    assert admin_client.get(reverse(f"admin:applications_{model}_add")).status_code == 200


def test_translated_fields_are_editable_in_each_language(admin_client):
    kind = ApplicationKind.objects.get(code="first_trp")
    html = admin_client.get(
        reverse("admin:applications_applicationkind_change", args=[kind.pk])
    ).content.decode()
    for language in ("lv", "en", "ru"):
        assert f'name="name_{language}"' in html


@pytest.mark.parametrize("model", MODELS)
def test_applicants_and_officers_cannot_open_the_catalogue_admin(
    client, applicant, case_officer, staff_client_for, model
):
    client.force_login(applicant)
    officer = staff_client_for(case_officer)  # signed in with the code, but not an administrator
    for signed_in in (client, officer):
        response = signed_in.get(reverse(f"admin:applications_{model}_changelist"))
        assert response.status_code == 302
        assert reverse("admin:login") in response["Location"]


def test_admin_refuses_an_overlapping_fee(admin_client):
    kind = ApplicationKind.objects.get(code="eu_long_term")
    before = Fee.objects.count()
    response = admin_client.post(
        reverse("admin:applications_fee_add"),
        {
            "kind": kind.pk,
            "speed": "standard",
            "amount_cents": 17000,
            "valid_from": dt.date(2030, 1, 1).isoformat(),
            "to_be_verified": "on",
            "legal_basis": "",
        },
    )
    assert response.status_code == 200
    assert "Another fee for this kind and speed" in response.content.decode()
    assert Fee.objects.count() == before

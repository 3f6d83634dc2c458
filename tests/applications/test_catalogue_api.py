import datetime as dt

import pytest
import time_machine
from django.urls import reverse

pytestmark = pytest.mark.django_db
TODAY = dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC)


@time_machine.travel(TODAY, tick=False)
def test_kinds_list_is_public_and_complete(api_client, django_assert_num_queries):
    with django_assert_num_queries(4):
        response = api_client.get(reverse("catalogue-kinds"))
    assert response.status_code == 200
    kinds = {kind["code"]: kind for kind in response.json()}
    assert list(kinds) == ["first_trp", "repeated_trp", "eu_long_term", "registration"]
    eu = kinds["eu_long_term"]
    assert [(s["code"], s["working_days"], s["fee"]["amount_cents"]) for s in eu["speeds"]] == [
        ("standard", 30, 16000),
        ("faster", 10, 28000),
    ]
    assert eu["speeds"][0]["fee"]["to_be_verified"] is False
    assert "studies" not in [purpose["code"] for purpose in eu["purposes"]]
    first = kinds["first_trp"]
    invitation = next(r for r in first["requirements"] if r["document_type"]["code"] == "invitation")
    assert invitation["purpose"] in ("employment", "family")
    assert invitation["document_type"]["max_age_days"] == 183
    assert invitation["document_type"]["accepted_content_types"] == [
        "application/pdf",
        "image/jpeg",
        "image/png",
    ]
    passport = next(r for r in first["requirements"] if r["document_type"]["code"] == "passport_copy")
    assert passport["purpose"] is None and passport["required"] is True and passport["condition"] == "always"
    assert first["needs_registration"] is True and kinds["registration"]["needs_registration"] is False


def test_kinds_list_ignores_a_bad_token(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    assert api_client.get(reverse("catalogue-kinds")).status_code == 200


def test_kinds_in_the_callers_language(api_client):
    response = api_client.get(reverse("catalogue-kinds"), HTTP_ACCEPT_LANGUAGE="ru")
    assert response.json()[0]["name"] == "Первый вид на жительство на срок"
    response = api_client.get(reverse("catalogue-kinds"), HTTP_ACCEPT_LANGUAGE="lv")
    assert response.json()[0]["name"] == "Pirmā termiņuzturēšanās atļauja"


def test_kinds_on_a_date_before_any_fee(api_client):
    response = api_client.get(reverse("catalogue-kinds"), {"on": "2020-01-01"})
    assert all(speed["fee"] is None for kind in response.json() for speed in kind["speeds"])


def test_bad_date_is_a_clear_400(api_client):
    response = api_client.get(reverse("catalogue-kinds"), {"on": "yesterday"})
    assert response.status_code == 400
    assert response.json()["error"]["details"] == {"parameter": "on"}


def test_kind_detail_and_unknown_kind(api_client):
    response = api_client.get(reverse("catalogue-kind", kwargs={"code": "registration"}))
    assert response.status_code == 200
    assert response.json()["code"] == "registration"
    response = api_client.get(reverse("catalogue-kind", kwargs={"code": "golden_visa"}))
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "unknown_kind"
    assert "first_trp" in error["message"]
    assert error["details"]["known_kinds"] == ["first_trp", "repeated_trp", "eu_long_term", "registration"]


@time_machine.travel(TODAY, tick=False)
def test_fee_for_a_kind_and_speed(api_client):
    response = api_client.get(reverse("catalogue-fee"), {"kind": "eu_long_term", "speed": "faster"})
    assert response.status_code == 200
    assert response.json() == {
        "kind": "eu_long_term",
        "speed": "faster",
        "working_days": 10,
        "amount_cents": 28000,
        "currency": "EUR",
        "valid_from": "2025-01-01",
        "valid_to": None,
        "to_be_verified": False,
    }


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ({"kind": "eu_long_term", "speed": "fastest"}, 400, "fee_not_offered"),
        ({"kind": "eu_long_term", "speed": "standard", "on": "1999-01-01"}, 400, "fee_not_offered"),
        ({"kind": "eu_long_term", "speed": "warp"}, 400, "unknown_speed"),
        ({"kind": "golden_visa", "speed": "standard"}, 404, "unknown_kind"),
        ({"kind": "eu_long_term"}, 400, "missing_parameter"),
        ({}, 400, "missing_parameter"),
    ],
)
def test_fee_errors_are_clear(api_client, query, status, code):
    response = api_client.get(reverse("catalogue-fee"), query)
    assert response.status_code == status
    body = response.json()["error"]
    assert body["code"] == code
    assert body["message"]


def test_fee_for_an_unoffered_speed_names_the_offered_ones(api_client):
    response = api_client.get(reverse("catalogue-fee"), {"kind": "eu_long_term", "speed": "fastest"})
    assert response.json()["error"]["details"]["offered_speeds"] == ["standard", "faster"]


def test_requirements_for_a_kind_and_purpose(api_client):
    response = api_client.get(
        reverse("catalogue-requirements"), {"kind": "first_trp", "purpose": "studies", "minor": "false"}
    )
    assert response.status_code == 200
    codes = [row["document_type"]["code"] for row in response.json()]
    assert "enrolment_certificate" in codes and "criminal_record" in codes
    assert "birth_certificate" not in codes and "invitation" not in codes


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ({"kind": "first_trp", "purpose": "tourism"}, 404, "unknown_purpose"),
        ({"kind": "eu_long_term", "purpose": "studies"}, 404, "purpose_not_offered"),
        ({"kind": "nope", "purpose": "studies"}, 404, "unknown_kind"),
        ({"kind": "first_trp"}, 400, "missing_parameter"),
    ],
)
def test_requirements_errors(api_client, query, status, code):
    response = api_client.get(reverse("catalogue-requirements"), query)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code


def test_legal_grounds(api_client):
    response = api_client.get(reverse("catalogue-legal-grounds"), {"outcome": "refuse"})
    assert response.status_code == 200
    grounds = response.json()
    assert grounds and {ground["outcome"] for ground in grounds} == {"refuse"}
    assert any("Section 34" in ground["law_reference"] for ground in grounds)
    response = api_client.get(reverse("catalogue-legal-grounds"), {"outcome": "maybe"})
    assert response.status_code == 400
    response = api_client.get(reverse("catalogue-legal-grounds"), {"kind": "nope"})
    assert response.status_code == 404


def test_catalogue_is_read_only(api_client, applicant_api):
    assert api_client.post(reverse("catalogue-kinds"), {}, format="json").status_code == 405
    assert applicant_api.delete(reverse("catalogue-kind", kwargs={"code": "first_trp"})).status_code == 405


def test_catalogue_endpoints_are_in_the_openapi_schema(client):
    response = client.get(reverse("api-schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/catalogue/kinds",
        "/api/v1/catalogue/kinds/{code}",
        "/api/v1/catalogue/fees",
        "/api/v1/catalogue/requirements",
        "/api/v1/catalogue/legal-grounds",
    ):
        assert path in paths
    kind_list = paths["/api/v1/catalogue/kinds"]["get"]
    assert kind_list["security"] == [{}]  # public: no authentication required
    schema = response.json()["components"]["schemas"]
    assert {"code", "label", "working_days", "fee"} <= set(schema["SpeedOutput"]["properties"])

import datetime as dt

import pytest

from applications.exceptions import (
    FeeNotOfferedError,
    PurposeNotOfferedError,
    UnknownKindError,
    UnknownPurposeError,
    UnknownSpeedError,
)
from applications.models import ApplicationKind, Fee, Purpose
from applications.selectors import (
    get_current_fee,
    get_current_payee_account,
    get_kind,
    get_kind_with_catalogue,
    get_purpose,
    list_current_fees,
    list_kinds_with_catalogue,
    list_legal_grounds,
    list_requirements,
    list_residence_permit_units,
)
from tests.applications.factories import (
    ApplicationKindFactory,
    DocumentRequirementFactory,
    FeeFactory,
    ResidencePermitUnitFactory,
)

pytestmark = pytest.mark.django_db
ON = dt.date(2026, 3, 2)


def test_get_current_fee_for_the_confirmed_eu_long_term_amounts():
    assert get_current_fee(kind="eu_long_term", speed="standard", on=ON).amount_cents == 16000
    kind = ApplicationKind.objects.get(code="eu_long_term")
    assert get_current_fee(kind=kind, speed="faster", on=ON).amount_cents == 28000


def test_get_current_fee_refuses_a_speed_the_kind_does_not_offer():
    with pytest.raises(FeeNotOfferedError) as error:
        get_current_fee(kind="eu_long_term", speed="fastest", on=ON)
    assert error.value.status_code == 400
    assert error.value.details["offered_speeds"] == ["standard", "faster"]


def test_get_current_fee_refuses_a_date_without_a_valid_fee():
    with pytest.raises(FeeNotOfferedError) as error:
        get_current_fee(kind="eu_long_term", speed="standard", on=dt.date(2000, 1, 1))
    assert "2000-01-01" in error.value.message


def test_a_fee_change_keeps_history():
    kind = ApplicationKind.objects.get(code="first_trp")
    old = Fee.objects.get(kind=kind, speed="standard")
    old.valid_to = dt.date(2029, 12, 31)
    old.save()
    FeeFactory(kind=kind, speed="standard", amount_cents=9000, valid_from=dt.date(2030, 1, 1))
    assert (
        get_current_fee(kind=kind, speed="standard", on=dt.date(2029, 12, 31)).amount_cents
        == old.amount_cents
    )
    assert get_current_fee(kind=kind, speed="standard", on=dt.date(2030, 1, 1)).amount_cents == 9000


def test_unknown_kind_and_speed():
    with pytest.raises(UnknownKindError) as error:
        get_current_fee(kind="golden_visa", speed="standard", on=ON)
    assert error.value.status_code == 404
    assert "first_trp" in error.value.message
    with pytest.raises(UnknownSpeedError):
        get_current_fee(kind="first_trp", speed="tomorrow", on=ON)


def test_inactive_kind_is_unknown():
    ApplicationKind.objects.filter(code="registration").update(is_active=False)
    with pytest.raises(UnknownKindError):
        get_kind(code="registration")


def test_get_purpose_checks_the_kind():
    kind = get_kind(code="eu_long_term")
    assert get_purpose(code="family", kind=kind).code == "family"
    with pytest.raises(PurposeNotOfferedError):
        get_purpose(code="studies", kind=kind)
    with pytest.raises(UnknownPurposeError):
        get_purpose(code="tourism")


def test_list_requirements_combines_all_purpose_and_purpose_lines(django_assert_num_queries):
    kind = get_kind(code="first_trp")
    family = Purpose.objects.get(code="family")
    with django_assert_num_queries(1):
        requirements = list_requirements(kind=kind, purpose=family)
        codes = [requirement.document_type.code for requirement in requirements]
        [requirement.purpose for requirement in requirements]
    assert {"passport_copy", "invitation", "chest_xray", "birth_certificate", "criminal_record"} <= set(codes)
    assert "enrolment_certificate" not in codes
    assert "employment_contract" not in codes


def test_list_requirements_filters_by_age():
    kind = get_kind(code="first_trp")
    studies = Purpose.objects.get(code="studies")
    adult = {r.document_type.code for r in list_requirements(kind=kind, purpose=studies, is_minor=False)}
    minor = {r.document_type.code for r in list_requirements(kind=kind, purpose=studies, is_minor=True)}
    assert "criminal_record" in adult and "birth_certificate" not in adult
    assert "birth_certificate" in minor and "criminal_record" not in minor


def test_list_kinds_with_catalogue_runs_four_queries_whatever_the_rows(django_assert_num_queries):
    def read_everything():
        kinds = list_kinds_with_catalogue(on=ON)
        for kind in kinds:
            list(kind.purposes.all())
            for requirement in kind.requirements.all():
                _ = (requirement.document_type.name, requirement.purpose and requirement.purpose.code)
            _ = [fee.amount_cents for fee in kind.current_fees]
        return kinds

    with django_assert_num_queries(4):
        kinds = read_everything()
    assert [kind.code for kind in kinds] == ["first_trp", "repeated_trp", "eu_long_term", "registration"]
    eu = next(kind for kind in kinds if kind.code == "eu_long_term")
    assert [fee.amount_cents for fee in eu.current_fees] == [16000, 28000]

    extra_kind = ApplicationKind.objects.create(code="other-kind", name="Extra", speeds=["standard"])
    for _ in range(5):
        DocumentRequirementFactory(kind=extra_kind)
    FeeFactory(kind=extra_kind, valid_from=dt.date(2020, 1, 1))
    with django_assert_num_queries(4):
        assert len(read_everything()) == 5


def test_current_fees_leave_out_fees_not_yet_valid():
    kind = get_kind_with_catalogue(code="first_trp", on=dt.date(2024, 6, 1))
    assert kind.current_fees == []
    assert list_current_fees(kind=kind, on=dt.date(2024, 6, 1)) == []
    assert len(list_current_fees(kind=kind, on=ON)) == 3


def test_legal_grounds_by_outcome_and_kind():
    refusals = list(list_legal_grounds(outcome="refuse", kind=get_kind(code="registration")))
    assert refusals and all(ground.outcome == "refuse" for ground in refusals)
    assert "il-23-means" not in [ground.code for ground in refusals]  # not listed for registration
    family_grants = list_legal_grounds(
        outcome="grant", kind=get_kind(code="first_trp"), purpose=Purpose.objects.get(code="family")
    )
    assert [ground.code for ground in family_grants] == ["il-23-1-family"]


def test_current_payee_account():
    assert get_current_payee_account(on=ON).bic == "TRELLV22"
    assert get_current_payee_account(on=dt.date(2000, 1, 1)) is None


@pytest.mark.usefixtures("empty_units")
def test_residence_permit_units_with_hours_in_two_queries(django_assert_num_queries):
    ResidencePermitUnitFactory(code="riga-1")
    ResidencePermitUnitFactory(code="daugavpils")
    ResidencePermitUnitFactory(code="no-permits", handles_residence_permits=False)
    with django_assert_num_queries(2):
        units = list_residence_permit_units()
        assert sum(len(unit.reception_hours.all()) for unit in units) == 10
    assert {unit.code for unit in units} == {"riga-1", "daugavpils"}


def test_factories_reuse_seeded_kinds():
    assert ApplicationKindFactory(code="first_trp").pk == ApplicationKind.objects.get(code="first_trp").pk

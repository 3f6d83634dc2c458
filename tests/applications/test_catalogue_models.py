import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from applications.models import (
    ApplicationKind,
    DocumentRequirement,
    DocumentType,
    Fee,
    PayeeAccount,
    ProcessingSpeed,
    Purpose,
)
from tests.applications.factories import ApplicationKindFactory, DocumentRequirementFactory, FeeFactory

pytestmark = pytest.mark.django_db


def test_processing_speeds_expose_their_working_days():
    assert ProcessingSpeed.STANDARD.working_days == 30
    assert ProcessingSpeed.FASTER.working_days == 10
    assert ProcessingSpeed.FASTEST.working_days == 5
    assert ProcessingSpeed("faster").working_days == 10


class TestStartingCatalogue:
    def test_has_the_four_kinds_and_six_purposes(self):
        assert set(ApplicationKind.objects.values_list("code", flat=True)) == set(ApplicationKind.Code.values)
        assert set(Purpose.objects.values_list("code", flat=True)) == set(Purpose.Code.values)
        assert set(Purpose.objects.filter(requires_invitation=True).values_list("code", flat=True)) == {
            "employment",
            "family",
        }

    def test_confirmed_eu_long_term_fees(self):
        fees = {fee.speed: fee for fee in Fee.objects.filter(kind__code="eu_long_term")}
        assert fees["standard"].amount_cents == 16000
        assert fees["faster"].amount_cents == 28000
        assert not fees["standard"].to_be_verified
        assert not fees["faster"].to_be_verified
        assert "fastest" not in fees

    def test_unconfirmed_amounts_are_marked_to_be_verified(self):
        # Confirmed against the Office's published fees (0007_fees_checked_against_public_sources): EU long-term
        # status, and the faster TRP speeds; the standard TRP rate depends on the purpose, the card fee unknown.
        unconfirmed = Fee.objects.filter(to_be_verified=True)
        assert set(unconfirmed.values_list("kind__code", "speed")) == {
            ("first_trp", "standard"),
            ("repeated_trp", "standard"),
            ("registration", "standard"),
            ("registration", "faster"),
            ("registration", "fastest"),
        }
        assert all(fee.source_note for fee in unconfirmed)

    def test_every_offered_speed_has_a_fee_and_no_fee_for_an_unoffered_speed(self):
        for kind in ApplicationKind.objects.all():
            fee_speeds = set(kind.fees.values_list("speed", flat=True))
            assert fee_speeds == set(kind.speeds), kind.code

    def test_document_recency_rules(self):
        ages = dict(DocumentType.objects.values_list("code", "max_age_days"))
        assert 180 <= ages["invitation"] <= 184  # 6 months
        assert 90 <= ages["means_of_subsistence"] <= 92  # 3 months
        assert 90 <= ages["housing_proof"] <= 92
        assert ages["chest_xray"] == 365  # 1 year
        assert 180 <= ages["criminal_record"] <= 184
        assert ages["passport_copy"] is None

    def test_every_translatable_text_exists_in_three_languages(self):
        for model, fields in (
            (ApplicationKind, ("name", "description")),
            (Purpose, ("name",)),
            (DocumentType, ("name", "description")),
            (PayeeAccount, ("name", "bank_name")),
        ):
            for row in model.objects.all():
                for field in fields:
                    for language in ("lv", "en", "ru"):
                        assert getattr(row, f"{field}_{language}"), (model.__name__, row.pk, field, language)

    def test_employment_requires_invitation_and_contract_for_a_first_permit(self):
        codes = set(
            DocumentRequirement.objects.filter(
                kind__code="first_trp", purpose__code="employment", required=True
            ).values_list("document_type__code", flat=True)
        )
        assert {"invitation", "employment_contract"} <= codes

    def test_payee_is_the_state_treasury_with_a_valid_iban(self):
        payee = PayeeAccount.objects.get()
        payee.full_clean()
        assert payee.iban.startswith("LV") and payee.iban[4:8] == "TREL"
        assert payee.bic == "TRELLV22"
        assert payee.to_be_verified
        assert payee.iban_display.startswith("LV23 TREL ")


class TestFeeValidity:
    def _kind(self):
        # A kind without the seeded fees, so only this test's rows can overlap.
        return ApplicationKind.objects.create(
            code="test-kind", name="Test kind", speeds=["standard", "faster", "fastest"]
        )

    def test_overlapping_fee_for_the_same_kind_and_speed_is_refused(self):
        kind = self._kind()
        FeeFactory(kind=kind, speed="faster", valid_from=dt.date(2030, 1, 1), valid_to=dt.date(2030, 12, 31))
        overlapping = Fee(kind=kind, speed="faster", amount_cents=1, valid_from=dt.date(2030, 6, 1))
        with pytest.raises(ValidationError, match="Another fee"):
            overlapping.full_clean()

    def test_open_ended_fee_overlaps_a_later_one(self):
        kind = self._kind()
        FeeFactory(kind=kind, speed="faster", valid_from=dt.date(2030, 1, 1))
        later = Fee(kind=kind, speed="faster", amount_cents=1, valid_from=dt.date(2031, 1, 1))
        with pytest.raises(ValidationError):
            later.full_clean()

    def test_adjacent_fee_and_other_speed_are_accepted(self):
        kind = self._kind()
        FeeFactory(kind=kind, speed="faster", valid_from=dt.date(2030, 1, 1), valid_to=dt.date(2030, 12, 31))
        Fee(kind=kind, speed="faster", amount_cents=1, valid_from=dt.date(2031, 1, 1)).full_clean()
        Fee(kind=kind, speed="fastest", amount_cents=1, valid_from=dt.date(2030, 6, 1)).full_clean()

    def test_speed_the_kind_does_not_offer_is_refused(self):
        kind = ApplicationKindFactory(code="eu_long_term")
        fee = Fee(kind=kind, speed="fastest", amount_cents=1, valid_from=dt.date(2030, 1, 1))
        with pytest.raises(ValidationError) as error:
            fee.full_clean()
        assert "speed" in error.value.message_dict

    def test_range_ending_before_it_starts_is_refused_by_clean_and_database(self):
        kind = self._kind()
        fee = Fee(
            kind=kind,
            speed="faster",
            amount_cents=1,
            valid_from=dt.date(2030, 2, 1),
            valid_to=dt.date(2030, 1, 1),
        )
        with pytest.raises(ValidationError):
            fee.full_clean()
        with pytest.raises(IntegrityError), transaction.atomic():
            fee.save()

    def test_amount_display(self):
        assert Fee(amount_cents=28005).amount_display == "280.05 EUR"


def test_iban_with_a_wrong_check_digit_is_refused():
    account = PayeeAccount(
        name="Valsts kase",
        iban="LV24TREL1060190911000",
        bic="TRELLV22",
        bank_name="x",
        valid_from=dt.date.today(),
    )
    with pytest.raises(ValidationError) as error:
        account.full_clean()
    assert "iban" in error.value.message_dict


def test_requirement_conditions():
    adult_only = DocumentRequirementFactory.build(condition=DocumentRequirement.Condition.ADULT)
    minor_only = DocumentRequirementFactory.build(condition=DocumentRequirement.Condition.MINOR)
    always = DocumentRequirementFactory.build()
    assert adult_only.applies_to(is_minor=False) and not adult_only.applies_to(is_minor=True)
    assert minor_only.applies_to(is_minor=True) and not minor_only.applies_to(is_minor=False)
    assert adult_only.applies_to(is_minor=None) and minor_only.applies_to(is_minor=None)
    assert always.applies_to(is_minor=True) and always.applies_to(is_minor=False)


def test_document_recency():
    x_ray = DocumentType.objects.get(code="chest_xray")
    submitted = dt.date(2026, 3, 1)
    assert x_ray.is_recent_enough(issued_on=dt.date(2025, 3, 1), submitted_on=submitted)
    assert not x_ray.is_recent_enough(issued_on=dt.date(2025, 2, 28), submitted_on=submitted)
    assert DocumentType.objects.get(code="passport_copy").is_recent_enough(
        issued_on=dt.date(2000, 1, 1), submitted_on=submitted
    )


def test_speed_list_and_content_types_are_validated():
    kind = ApplicationKind.objects.get(code="first_trp")
    kind.speeds = ["standard", "turbo"]
    with pytest.raises(ValidationError):
        kind.full_clean()
    document = DocumentType.objects.get(code="photo")
    document.accepted_content_types = ["jpeg"]
    with pytest.raises(ValidationError):
        document.full_clean()

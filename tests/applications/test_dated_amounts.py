"""State fees and card fees are both dated amounts (``DatedAmount``): one set of fields, one overlap rule."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from applications.models import CardFee, Fee
from applications.models.catalogue import DatedAmount

pytestmark = pytest.mark.django_db


def _end_seeded_card_fees(speed: str) -> None:
    """The seeded card fee is open-ended; end it so only this test's rows can overlap after 2040."""
    CardFee.objects.filter(speed=speed).update(valid_to=dt.date(2039, 12, 31))


def test_fees_and_card_fees_share_the_dated_amount_fields():
    shared = {"amount_cents", "currency", "valid_from", "valid_to", "to_be_verified", "legal_basis"}
    for model in (Fee, CardFee):
        assert issubclass(model, DatedAmount)
        assert shared <= {field.name for field in model._meta.get_fields()}


def test_card_fee_overlapping_another_of_the_same_speed_is_refused():
    _end_seeded_card_fees("fastest")
    CardFee.objects.create(
        speed="fastest", amount_cents=5000, valid_from=dt.date(2040, 1, 1), valid_to=dt.date(2040, 12, 31)
    )
    overlapping = CardFee(speed="fastest", amount_cents=1, valid_from=dt.date(2040, 6, 1))
    with pytest.raises(ValidationError, match="Another card fee for this speed"):
        overlapping.full_clean()


def test_adjacent_card_fee_and_other_speed_are_accepted():
    _end_seeded_card_fees("fastest")
    CardFee.objects.create(
        speed="fastest", amount_cents=5000, valid_from=dt.date(2040, 1, 1), valid_to=dt.date(2040, 12, 31)
    )
    CardFee(speed="fastest", amount_cents=1, valid_from=dt.date(2041, 1, 1)).full_clean()
    assert not CardFee(speed="fastest", amount_cents=1, valid_from=dt.date(2041, 1, 1)).overlapping().exists()


def test_card_fee_ending_before_it_starts_is_refused_by_clean_and_database():
    fee = CardFee(
        speed="faster", amount_cents=1, valid_from=dt.date(2040, 2, 1), valid_to=dt.date(2040, 1, 1)
    )
    with pytest.raises(ValidationError) as error:
        fee.full_clean()
    assert "valid_to" in error.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        fee.save()


def test_card_fee_amount_display():
    assert CardFee(amount_cents=2005).amount_display == "20.05 EUR"


@pytest.mark.parametrize(
    ("model", "first_fields"),
    [("fee", ["kind", "speed", "amount_cents", "valid_from"]), ("cardfee", ["speed", "amount_cents"])],
)
def test_admin_form_keeps_the_series_fields_first(admin_client, model, first_fields):
    response = admin_client.get(reverse(f"admin:applications_{model}_add"))
    assert response.status_code == 200
    assert list(response.context["adminform"].form.fields)[: len(first_fields)] == first_fields

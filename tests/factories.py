"""Factories with one trait per role or state, so a test names its starting point in one word."""

from __future__ import annotations

import datetime as dt
import hashlib

import factory
from django.utils import timezone

from identity.models import ApplicantProfile, Role, TerritorialUnit, User


class TerritorialUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TerritorialUnit
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"unit-{n}")
    name = factory.Sequence(lambda n: f"Test division {n}")
    address = "Čiekurkalna 1. līnija 1, Rīga"
    phone = "+371 67209400"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.lv")
    first_name = "Anna"
    last_name = "Bērziņa"
    role = Role.APPLICANT
    email_verified_at = factory.LazyFunction(timezone.now)
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery 9")

    class Params:
        applicant = factory.Trait(role=Role.APPLICANT)
        unverified = factory.Trait(email_verified_at=None)
        case_officer = factory.Trait(
            role=Role.CASE_OFFICER,
            unit=factory.SubFactory(TerritorialUnitFactory),
            position="Case officer",
            work_phone="+371 67000001",
        )
        senior_officer = factory.Trait(
            role=Role.SENIOR_OFFICER,
            unit=factory.SubFactory(TerritorialUnitFactory),
            position="Senior officer",
            work_phone="+371 67000002",
        )
        administrator = factory.Trait(role=Role.ADMINISTRATOR, is_staff=True, is_superuser=True)

    @factory.post_generation
    def _save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


PASSWORD = "correct horse battery 9"


class ApplicantProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ApplicantProfile

    user = factory.SubFactory(UserFactory)
    first_name = "Olena"
    last_name = "Shevchenko"
    date_of_birth = dt.date(1990, 5, 17)
    nationality = "UA"
    passport_number = "FE123456"
    passport_valid_until = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=3 * 365))
    phone = "+371 20000000"


def _permit_unit():
    """The unit the applicant chose on the form: the default one (the Riga division of the data migration)."""
    from applications.selectors import get_default_unit

    return get_default_unit()


def _catalogue_kind(code: str = "first_trp"):
    from applications.models import ApplicationKind

    return ApplicationKind.objects.get(code=code)


def _catalogue_purpose(code: str = "studies"):
    from applications.models import Purpose

    return Purpose.objects.get(code=code)


class ApplicationFactory(factory.django.DjangoModelFactory):
    """An application of the starting catalogue (first TRP for studies unless told), one trait per state.

    ``complete=True`` fills every form step; the state traits imply it. Documents are not attached: use
    ``ApplicationDocumentFactory`` or the ``attach_document`` service.
    """

    class Meta:
        model = "applications.Application"
        skip_postgeneration_save = True

    applicant = factory.SubFactory(UserFactory)
    kind = factory.LazyFunction(_catalogue_kind)
    purpose = factory.LazyFunction(_catalogue_purpose)
    processing_speed = "standard"
    state = "draft"
    first_name = "Olena"
    last_name = "Shevchenko"
    date_of_birth = dt.date(1990, 5, 17)
    nationality = "UA"
    passport_number = "FE123456"
    passport_valid_until = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=5 * 365))

    class Params:
        complete = factory.Trait(
            school_name="University of Latvia",
            address_in_latvia="Raiņa bulvāris 19, Rīga, LV-1586",
            unit=factory.LazyFunction(_permit_unit),
            stay_from=factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=60)),
            stay_to=factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=60 + 365)),
        )
        with_submission = factory.Trait(
            complete=True,
            submitted_at=factory.LazyFunction(timezone.now),
            reference=factory.Sequence(lambda n: f"TRP-2026-9{n:05d}"),
            unit=factory.SubFactory(TerritorialUnitFactory),
        )
        with_payment = factory.Trait(with_submission=True, paid_at=factory.LazyFunction(timezone.now))
        awaiting_payment = factory.Trait(with_submission=True, state="awaiting_payment")
        submitted = factory.Trait(with_payment=True, state="submitted")
        in_review = factory.Trait(with_payment=True, state="in_review")
        awaiting_applicant = factory.Trait(with_payment=True, state="awaiting_applicant")
        decision_pending = factory.Trait(with_payment=True, state="decision_pending")
        granted = factory.Trait(with_payment=True, state="granted")
        refused = factory.Trait(with_payment=True, state="refused")
        awaiting_registration = factory.Trait(
            with_payment=True, state="awaiting_registration", decided_at=factory.LazyFunction(timezone.now)
        )
        withdrawn = factory.Trait(state="withdrawn", closed_at=factory.LazyFunction(timezone.now))
        expired = factory.Trait(state="expired", closed_at=factory.LazyFunction(timezone.now))


def _first_document_type():
    from applications.models import DocumentType

    return DocumentType.objects.order_by("id").first()


class ApplicationDocumentFactory(factory.django.DjangoModelFactory):
    """A stored document row with a small real PDF behind it (no content checks: use the service for those)."""

    class Meta:
        model = "applications.ApplicationDocument"

    application = factory.SubFactory(ApplicationFactory)
    document_type = factory.LazyFunction(_first_document_type)
    file = factory.django.FileField(filename="document.pdf", data=b"%PDF-1.4\n%%EOF\n")
    original_filename = "document.pdf"
    content_type = "application/pdf"
    size = 15
    sha256 = hashlib.sha256(b"%PDF-1.4\n%%EOF\n").hexdigest()
    issued_on = factory.LazyFunction(timezone.localdate)


def _current_card_fee(speed: str = "standard"):
    from applications.models import CardFee

    return CardFee.objects.filter(speed=speed).order_by("-valid_from").first()


class RegistrationFactory(factory.django.DjangoModelFactory):
    """A started registration: the application is awaiting registration at its own unit, card fee unpaid.

    ``paid=True``: the card fee is paid. For a later step pass ``application__state`` (e.g.
    "card_in_production").
    """

    class Meta:
        model = "applications.Registration"

    application = factory.SubFactory(
        ApplicationFactory,
        granted=True,
        state="awaiting_registration",
        kind=factory.LazyFunction(_catalogue_kind),
        registration_due_on=factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=90)),
    )
    unit = factory.LazyAttribute(lambda registration: registration.application.unit)
    card_speed = "standard"
    card_fee = factory.LazyFunction(_current_card_fee)
    card_fee_cents = factory.LazyAttribute(lambda registration: registration.card_fee.amount_cents)

    class Params:
        paid = factory.Trait(card_fee_paid_at=factory.LazyFunction(timezone.now))

"""Factories with one trait per role or state, so a test names its starting point in one word."""

from __future__ import annotations

import datetime as dt

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

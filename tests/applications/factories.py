"""Catalogue factories. The data migration loads the starting catalogue, so kinds and purposes are looked up by code."""

from __future__ import annotations

import datetime as dt

import factory

from applications.models import (
    ApplicationKind,
    CalendarException,
    DocumentRequirement,
    DocumentType,
    Fee,
    Purpose,
)
from identity.models import ReceptionHours
from tests.factories import TerritorialUnitFactory


class PurposeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Purpose
        django_get_or_create = ("code",)

    code = Purpose.Code.EMPLOYMENT
    name = factory.LazyAttribute(lambda o: str(Purpose.Code(o.code).label))


class ApplicationKindFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ApplicationKind
        django_get_or_create = ("code",)

    code = ApplicationKind.Code.FIRST_TRP
    name = factory.LazyAttribute(lambda o: str(ApplicationKind.Code(o.code).label))
    speeds = factory.LazyFunction(lambda: ["standard", "faster", "fastest"])


class DocumentTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DocumentType
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"test-document-{n}")
    name = factory.Sequence(lambda n: f"Test document {n}")
    accepted_content_types = factory.LazyFunction(lambda: ["application/pdf"])
    max_size_bytes = 5 * 1024 * 1024


class DocumentRequirementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DocumentRequirement

    kind = factory.LazyFunction(lambda: ApplicationKind.objects.get(code=ApplicationKind.Code.FIRST_TRP))
    purpose = None
    document_type = factory.SubFactory(DocumentTypeFactory)
    required = True

    class Params:
        optional = factory.Trait(required=False)
        for_minors = factory.Trait(condition=DocumentRequirement.Condition.MINOR)


class FeeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Fee

    kind = factory.SubFactory(ApplicationKindFactory)
    speed = "standard"
    amount_cents = 7000
    valid_from = dt.date(2030, 1, 1)


class CalendarExceptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CalendarException

    date = dt.date(2030, 1, 7)
    is_working_day = False
    note = "Transferred day off"


class ResidencePermitUnitFactory(TerritorialUnitFactory):
    """A unit that takes applications, open Mon–Thu 9:00–16:30 and Fri 9:00–16:00."""

    handles_residence_permits = True

    class Meta:
        skip_postgeneration_save = True

    @factory.post_generation
    def hours(obj, create, extracted, **kwargs):
        if not create or extracted is False:
            return
        for weekday in range(4):
            ReceptionHours.objects.create(unit=obj, weekday=weekday, opens=dt.time(9), closes=dt.time(16, 30))
        ReceptionHours.objects.create(unit=obj, weekday=4, opens=dt.time(9), closes=dt.time(16))

"""Reads of the catalogue that other parts of the service share. Query counts are pinned by tests."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.exceptions import (
    FeeNotOfferedError,
    PurposeNotOfferedError,
    UnknownKindError,
    UnknownPurposeError,
    UnknownSpeedError,
)
from applications.models import (
    Application,
    ApplicationKind,
    DocumentRequirement,
    Fee,
    LegalGround,
    PayeeAccount,
    ProcessingSpeed,
    Purpose,
)
from applications.models.application import COUNTER_STATES
from identity.models import ReceptionHours, TerritorialUnit, User


def accessible_applications(user: User) -> QuerySet[Application]:
    """The applications ``user`` may see and act on as their applicant: the one rule every ownership check uses.

    The account that holds the application; the representative who applied for the person (a parent, a
    guardian, a family member); and, while an application made at a unit's counter is filled and paid there,
    the officers of that unit. The row-local twin for transitions is ``models.application.may_act_on``.
    """
    if not user.is_authenticated:
        return Application.objects.none()
    return Application.objects.filter(access_rule(user.pk, counter_unit_of(user)))


def access_rule(user_id: int, counter_unit_id: int | None = None) -> Q:
    """``accessible_applications``' rule from ids: the user's, and their unit's counter cases (officers)."""
    rule = Q(applicant_id=user_id) | Q(representative_id=user_id)
    if counter_unit_id is not None:
        rule |= Q(counter_unit_id=counter_unit_id, state__in=COUNTER_STATES)
    return rule


def counter_unit_of(user: User) -> int | None:
    """The unit whose counter cases an officer acts on as their applicant; None for everyone else."""
    return user.unit_id if user.is_officer else None


def _valid_on(on: dt.date) -> Q:
    return Q(valid_from__lte=on) & (Q(valid_to__isnull=True) | Q(valid_to__gte=on))


def get_kind(*, code: str) -> ApplicationKind:
    """An active application kind by its code, with its purposes; ``UnknownKindError`` (404) otherwise."""
    kind = ApplicationKind.objects.filter(code=code, is_active=True).prefetch_related("purposes").first()
    if kind is None:
        codes = list(ApplicationKind.objects.filter(is_active=True).values_list("code", flat=True))
        raise UnknownKindError(
            _("There is no application kind “%(code)s”. Known kinds: %(known)s.")
            % {"code": code, "known": ", ".join(codes)},
            details={"kind": code, "known_kinds": codes},
        )
    return kind


def get_purpose(*, code: str, kind: ApplicationKind | None = None) -> Purpose:
    """A purpose by its code; with ``kind``, also checks that the kind may be requested for it."""
    purpose = Purpose.objects.filter(code=code).first()
    if purpose is None:
        codes = list(Purpose.objects.values_list("code", flat=True))
        raise UnknownPurposeError(
            _("There is no purpose of residence “%(code)s”. Known purposes: %(known)s.")
            % {"code": code, "known": ", ".join(codes)},
            details={"purpose": code, "known_purposes": codes},
        )
    if kind is not None and purpose not in kind.purposes.all():
        codes = [offered.code for offered in kind.purposes.all()]
        raise PurposeNotOfferedError(
            _("%(kind)s cannot be requested for the purpose “%(purpose)s”. Possible purposes: %(known)s.")
            % {"kind": kind.name, "purpose": purpose.name, "known": ", ".join(codes)},
            details={"kind": kind.code, "purpose": code, "offered_purposes": codes},
        )
    return purpose


def parse_speed(value: str) -> ProcessingSpeed:
    try:
        return ProcessingSpeed(value)
    except ValueError:
        raise UnknownSpeedError(
            _("There is no processing speed “%(speed)s”. Known speeds: %(known)s.")
            % {"speed": value, "known": ", ".join(ProcessingSpeed.values)},
            details={"speed": value, "known_speeds": list(ProcessingSpeed.values)},
        ) from None


def get_current_fee(*, kind: ApplicationKind | str, speed: str, on: dt.date | None = None) -> Fee:
    """The state fee for ``kind`` at ``speed`` valid on ``on`` (today by default).

    Raises ``FeeNotOfferedError`` (400) when the kind does not offer the speed or no fee is valid that day.
    """
    if isinstance(kind, str):
        kind = get_kind(code=kind)
    speed = parse_speed(str(speed))
    on = on or timezone.localdate()
    if not kind.offers_speed(speed):
        offered = [offered.value for offered in kind.offered_speeds]
        raise FeeNotOfferedError(
            _("%(kind)s is not offered at the speed “%(speed)s”. Offered speeds: %(offered)s.")
            % {"kind": kind.name, "speed": speed.label, "offered": ", ".join(offered)},
            details={"kind": kind.code, "speed": speed.value, "offered_speeds": offered},
        )
    fee = Fee.objects.filter(_valid_on(on), kind=kind, speed=speed).select_related("kind").first()
    if fee is None:
        raise FeeNotOfferedError(
            _("No state fee is set for %(kind)s at the speed “%(speed)s” on %(date)s.")
            % {"kind": kind.name, "speed": speed.label, "date": on.isoformat()},
            details={"kind": kind.code, "speed": speed.value, "date": on.isoformat()},
        )
    return fee


def list_current_fees(*, kind: ApplicationKind, on: dt.date | None = None) -> list[Fee]:
    """The fees valid on ``on`` for every speed the kind offers, slowest first."""
    on = on or timezone.localdate()
    by_speed = {fee.speed: fee for fee in Fee.objects.filter(_valid_on(on), kind=kind)}
    return [by_speed[speed.value] for speed in kind.offered_speeds if speed.value in by_speed]


def list_requirements(
    *, kind: ApplicationKind, purpose: Purpose | None, is_minor: bool | None = None
) -> list[DocumentRequirement]:
    """The checklist for a kind and purpose: lines for every purpose plus the purpose's own lines.

    With ``is_minor`` known, lines that concern only the other age group are left out.
    """
    purpose_filter = Q(purpose__isnull=True)
    if purpose is not None:
        purpose_filter |= Q(purpose=purpose)
    requirements = (
        DocumentRequirement.objects.filter(purpose_filter, kind=kind)
        .select_related("document_type", "purpose", "kind")
        .order_by("-required", "position", "id")
    )
    return [requirement for requirement in requirements if requirement.applies_to(is_minor=is_minor)]


def _with_catalogue(kinds: QuerySet[ApplicationKind], on: dt.date) -> list[ApplicationKind]:
    kinds_list = list(
        kinds.prefetch_related(
            "purposes",
            Prefetch(
                "requirements",
                queryset=DocumentRequirement.objects.select_related("document_type", "purpose").order_by(
                    "-required", "position", "id"
                ),
            ),
            Prefetch("fees", queryset=Fee.objects.filter(_valid_on(on)), to_attr="valid_fees"),
        )
    )
    for kind in kinds_list:
        by_speed = {fee.speed: fee for fee in kind.valid_fees}
        kind.current_fees = [
            by_speed[speed.value] for speed in kind.offered_speeds if speed.value in by_speed
        ]
    return kinds_list


def list_kinds_with_catalogue(*, on: dt.date | None = None) -> list[ApplicationKind]:
    """Every active kind with its purposes, requirements and the fees valid on ``on``, in four queries.

    Each kind gets ``current_fees`` (list of ``Fee``, in the order of ``offered_speeds``).
    """
    return _with_catalogue(ApplicationKind.objects.filter(is_active=True), on or timezone.localdate())


def get_kind_with_catalogue(*, code: str, on: dt.date | None = None) -> ApplicationKind:
    """One active kind as ``list_kinds_with_catalogue`` gives it; ``UnknownKindError`` (404) otherwise."""
    kinds = _with_catalogue(
        ApplicationKind.objects.filter(is_active=True, code=code), on or timezone.localdate()
    )
    if not kinds:
        get_kind(code=code)  # raises the error naming the known kinds
    return kinds[0]


def list_legal_grounds(
    *, outcome: str | None = None, kind: ApplicationKind | None = None, purpose: Purpose | None = None
) -> QuerySet[LegalGround]:
    """Active legal grounds a decision may cite, narrowed to a kind and purpose when given."""
    grounds = LegalGround.objects.filter(is_active=True).select_related("purpose")
    if outcome is not None:
        grounds = grounds.filter(outcome=outcome)
    if kind is not None:
        grounds = grounds.filter(Q(kinds=kind) | Q(kinds__isnull=True))
    if purpose is not None:
        grounds = grounds.filter(Q(purpose=purpose) | Q(purpose__isnull=True))
    return grounds.distinct()


def get_current_payee_account(*, on: dt.date | None = None) -> PayeeAccount | None:
    """The State Treasury account fees are paid to on ``on``; ``None`` when an administrator has set none."""
    on = on or timezone.localdate()
    return PayeeAccount.objects.filter(_valid_on(on)).order_by("-valid_from").first()


def list_residence_permit_units() -> list[TerritorialUnit]:
    """Active units that take residence permit applications, with their reception hours, in two queries."""
    return list(
        TerritorialUnit.objects.filter(is_active=True, handles_residence_permits=True)
        .select_related("parent")
        .prefetch_related(
            Prefetch("reception_hours", queryset=ReceptionHours.objects.order_by("weekday", "opens"))
        )
        .order_by("kind", "name")
    )


def get_residence_permit_unit(*, code: str) -> TerritorialUnit | None:
    return (
        TerritorialUnit.objects.filter(code=code, is_active=True, handles_residence_permits=True)
        .select_related("parent")
        .prefetch_related(
            Prefetch("reception_hours", queryset=ReceptionHours.objects.order_by("weekday", "opens"))
        )
        .first()
    )


def get_default_unit(units: list[TerritorialUnit] | None = None) -> TerritorialUnit | None:
    """The unit offered when nothing better is known: the configured one, else the first active division.

    ``units``: the active residence-permit units already read (``list_residence_permit_units``), to save a query.
    """
    if units is None:
        units = list(
            TerritorialUnit.objects.filter(is_active=True, handles_residence_permits=True).order_by("pk")
        )
    else:
        units = sorted(units, key=lambda unit: unit.pk)
    if settings.APPLICATIONS_DEFAULT_UNIT_CODE:
        for unit in units:
            if unit.code == settings.APPLICATIONS_DEFAULT_UNIT_CODE:
                return unit
    divisions = [unit for unit in units if unit.kind == TerritorialUnit.Kind.DIVISION]
    return (divisions or units or [None])[0]


def _words(text: str) -> list[str]:
    """Lower-case words without diacritics: "Rīga, LV-1026" -> ["riga", "lv", "1026"]."""
    plain = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(char for char in plain if not unicodedata.combining(char))
    return re.findall(r"\w+", plain)


def _unit_towns(unit: TerritorialUnit) -> list[list[str]]:
    """The town of a unit, as words: the parts of its address without digits ("Čiekurkalna 1. līnija 1, k-3,
    Rīga, LV-1026" -> Rīga), the last one first."""
    parts = [part.strip() for part in unit.address.split(",")]
    towns = [_words(part) for part in reversed(parts) if part and not any(ch.isdigit() for ch in part)]
    return [words for words in towns if words]


def suggest_unit(*, address: str, units: list[TerritorialUnit]) -> TerritorialUnit | None:
    """The unit in the town of the declared address in Latvia, else the default unit. No query of its own.

    The town is matched as whole words without diacritics, so "Raiņa bulvāris 19, Riga" finds the unit in Rīga;
    among several units of one town a division comes before a branch.
    """
    words = _words(address)
    if words:
        ordered = sorted(units, key=lambda unit: (unit.kind != TerritorialUnit.Kind.DIVISION, unit.pk))
        for unit in ordered:
            for town in _unit_towns(unit):
                size = len(town)
                if any(words[i : i + size] == town for i in range(len(words) - size + 1)):
                    return unit
    return get_default_unit(units)

"""Demo accounts for a local try-out: an applicant, and two officers and an administrator with TOTP.

Refuses to run unless DEBUG is on. Safe to run again: it finds what it created before and resets the demo
passwords. Later apps add their demo data through ``<app>.demo.seed()`` hooks, called when they exist; a hook may
return lines to print (``decisions.demo`` names the demo case awaiting registration).
"""

from __future__ import annotations

import datetime as dt
import importlib
from dataclasses import dataclass

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from identity.models import ApplicantProfile, Language, Role, TerritorialUnit, User
from identity.services.accounts import CONFIRMED_TOTP_NAME

DEMO_UNIT_CODE = "riga-1"
SEED_HOOKS = ("applications.demo", "applications.appointments.demo", "payments.demo", "decisions.demo")


@dataclass(frozen=True)
class DemoAccount:
    email: str
    password: str
    role: str
    first_name: str
    last_name: str
    position: str = ""


DEMO_ACCOUNTS = (
    DemoAccount("applicant@demo.example", "Demo-applicant-2025", Role.APPLICANT, "Olena", "Shevchenko"),
    DemoAccount(
        "officer@demo.example",
        "Demo-officer-2025",
        Role.CASE_OFFICER,
        "Jānis",
        "Ozols",
        "Vecākais inspektors",
    ),
    DemoAccount(
        "senior@demo.example", "Demo-senior-2025", Role.SENIOR_OFFICER, "Ilze", "Kalniņa", "Nodaļas vadītāja"
    ),
    DemoAccount(
        "admin@demo.example", "Demo-admin-2025", Role.ADMINISTRATOR, "Pēteris", "Liepa", "Administrators"
    ),
)


class Command(BaseCommand):
    help = (
        "Create demo accounts (applicant, case officer, senior officer, administrator) with TOTP. DEBUG only."
    )

    def handle(self, *args: object, **options: object) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo creates accounts with published passwords; it runs only with DEBUG on."
            )
        unit = TerritorialUnit.objects.filter(code=DEMO_UNIT_CODE).first()
        if unit is None:
            raise CommandError(
                f"Territorial unit {DEMO_UNIT_CODE!r} is missing; run `manage.py migrate` first."
            )
        with transaction.atomic():
            created = [(account, *self._account(account, unit)) for account in DEMO_ACCOUNTS]
        self.stdout.write(self.style.MIGRATE_HEADING("Demo accounts (sign in at /login/):"))
        for account, user, device in created:
            self.stdout.write(f"  {account.role:<15} login: {user.email}  password: {account.password}")
            if device is not None:
                self.stdout.write(f"  {'':<15} TOTP: {device.config_url}")
        self._run_hooks()

    def _account(self, account: DemoAccount, unit: TerritorialUnit) -> tuple[User, TOTPDevice | None]:
        is_admin = account.role == Role.ADMINISTRATOR
        user, _ = User.objects.update_or_create(
            email=account.email,
            defaults={
                "role": account.role,
                "first_name": account.first_name,
                "last_name": account.last_name,
                "unit": unit if account.role in (Role.CASE_OFFICER, Role.SENIOR_OFFICER) else None,
                "position": account.position,
                "work_phone": settings.OFFICE_INFO_PHONE if account.position else "",
                "is_active": True,
                "is_staff": is_admin,
                "is_superuser": is_admin,
                "preferred_language": Language.ENGLISH
                if account.role == Role.APPLICANT
                else Language.LATVIAN,
            },
        )
        if user.email_verified_at is None:
            user.email_verified_at = timezone.now()
        user.set_password(account.password)
        user.save()
        if account.role == Role.APPLICANT:
            ApplicantProfile.objects.update_or_create(
                user=user,
                defaults={
                    "first_name": account.first_name,
                    "last_name": account.last_name,
                    "date_of_birth": dt.date(1990, 5, 17),
                    "nationality": "UA",
                    "passport_number": "FE123456",
                    "passport_valid_until": timezone.localdate() + dt.timedelta(days=3 * 365),
                    "phone": "+371 20000000",
                },
            )
        if account.role == Role.APPLICANT:
            return (
                user,
                None,
            )  # two-step verification is optional for applicants; the demo one signs in without
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name=CONFIRMED_TOTP_NAME, confirmed=True)
        return user, device

    def _run_hooks(self) -> None:
        for module_name in SEED_HOOKS:
            try:
                module = importlib.import_module(module_name)
            except ModuleNotFoundError as exc:
                if exc.name is not None and module_name.startswith(exc.name):
                    continue  # the app has no demo data (yet)
                raise
            seed = getattr(module, "seed", None)
            if callable(seed):
                self.stdout.write(f"Seeding {module_name} ...")
                # A hook may return lines about what it made (e.g. the demo cases to try), printed as they are.
                for line in seed() or ():
                    self.stdout.write(f"  {line}")

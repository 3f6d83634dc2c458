"""Identity's part of "my data": the profile and the access log in the archive, and their retention rules."""

from __future__ import annotations

from django_otp.plugins.otp_totp.models import TOTPDevice

from identity.models import ApplicantProfile, EmailVerification, RefreshToken, StaffAccessLog, User
from identity.mydata.registry import ExportSection, RetentionRule, SectionData
from workers.models import Notification


def collect_profile(user: User) -> SectionData:
    profile = ApplicantProfile.objects.filter(user=user).first()
    if profile is None:
        return SectionData(records={})
    return SectionData(
        records={
            "first_name": profile.first_name,
            "last_name": profile.last_name,
            "date_of_birth": profile.date_of_birth,
            "nationality": profile.nationality,
            "passport_number": profile.passport_number,
            "passport_valid_until": profile.passport_valid_until,
            "phone": profile.phone,
            "updated_at": profile.updated_at,
        }
    )


def collect_access_log(user: User) -> SectionData:
    """Who at the Office opened the file: role and unit, as the applicant's page shows it (staff not named)."""
    rows = StaffAccessLog.objects.filter(applicant=user).select_related("unit").order_by("accessed_at", "id")
    return SectionData(
        records=[
            {
                "id": row.pk,
                "accessed_at": row.accessed_at,
                "role": row.role,
                "unit": row.unit.name if row.unit_id else None,
                "record": row.object_type,
                "record_id": row.object_id,
                "reason": row.reason,
            }
            for row in rows
        ]
    )


def anonymise_account(user: User) -> dict[str, int]:
    """The closed account keeps its row (decisions and payments the Office keeps point at it), without a name,
    e-mail, password or second factor; its profile and sign-in records are deleted."""
    if user.email.endswith("@closed.invalid"):
        return {}
    profiles = ApplicantProfile.objects.filter(user=user).delete()[0]
    devices = TOTPDevice.objects.filter(user=user).delete()[0]
    tokens = (
        RefreshToken.objects.filter(user=user).delete()[0]
        + EmailVerification.objects.filter(user=user).delete()[0]
    )
    user.email = f"closed-{user.pk}@closed.invalid"
    user.first_name = ""
    user.last_name = ""
    user.set_unusable_password()
    user.save(update_fields=["email", "first_name", "last_name", "password"])
    return {
        "accounts_anonymised": 1,
        "profiles_deleted": profiles,
        "devices_deleted": devices,
        "tokens_deleted": tokens,
    }


def delete_access_log(user: User) -> dict[str, int]:
    return {"access_log_entries_deleted": StaffAccessLog.objects.filter(applicant=user).delete()[0]}


def delete_notifications(user: User) -> dict[str, int]:
    return {"notifications_deleted": Notification.objects.filter(recipient=user).delete()[0]}


SECTIONS = (
    ExportSection("profile", collect_profile, "your details as you gave them (one object)"),
    ExportSection(
        "access_log", collect_access_log, "every time staff opened your file: when, role, unit, why"
    ),
)
RETENTION_RULES = (
    RetentionRule("profile", anonymise_account, "identity.account"),
    RetentionRule("access_log", delete_access_log, "identity.access_log"),
    RetentionRule("notifications", delete_notifications, "workers.notifications"),
)

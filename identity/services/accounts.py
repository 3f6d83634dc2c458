"""Accounts: registration, e-mail verification, passwords and TOTP devices.

Every function here is a write that matters: keyword-only typed arguments, one transaction, mail after commit.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from eservice.exceptions import DomainError, ForbiddenError
from identity.models import ApplicantProfile, EmailVerification, Language, RefreshToken, Role, User
from identity.names import clean_person_name
from identity.services.api_tokens import revoke_user_tokens
from workers.services import absolute_url, notify

log = logging.getLogger(__name__)

EMAIL_VERIFICATION_SALT = "identity.email-verification"
PENDING_TOTP_NAME = "pending"
CONFIRMED_TOTP_NAME = "authenticator"


class VerificationLinkError(DomainError):
    code = "token_invalid"
    default_message = _("This verification link is not valid. Ask for a new one.")


class VerificationLinkExpiredError(VerificationLinkError):
    code = "token_expired"
    default_message = _("This verification link has expired. Ask for a new one.")


class VerificationLinkUsedError(VerificationLinkError):
    code = "token_used"
    default_message = _("This verification link has already been used.")


class OtpInvalidError(DomainError):
    code = "otp_invalid"
    default_message = _("The code is not correct or has expired. Enter the current code from your app.")


# --- registration and e-mail verification ---------------------------------------------------------------


@transaction.atomic
def register_applicant(
    *,
    email: str,
    password: str,
    first_name: str,
    last_name: str,
    preferred_language: str = Language.LATVIAN,
) -> None:
    """Register an applicant, answering the same whether or not the address already has an account.

    - A new address: an inactive applicant with a profile, and a verification link to the address.
    - An address still waiting for its first confirmation: the newest registration wins (password, names,
      language) and gets a new link; earlier links stop working (they carry a password mark).
    - An address with a confirmed (or a staff) account: nothing changes; its owner is mailed, in their own
      language, that someone tried to register with it, with the sign-in and password-reset links.
    Each path costs one password hash, so neither the answer nor its timing tells whether the address is known.
    """
    email = User.objects.normalize_email(email.strip()).lower()
    if preferred_language not in Language.values:
        raise ValidationError({"preferred_language": _("Choose Latvian, English or Russian.")})
    names: dict[str, str] = {}
    errors: dict[str, list] = {}
    for field, value in (("first_name", first_name), ("last_name", last_name)):
        try:
            names[field] = clean_person_name(value)
        except ValidationError as exc:
            errors[field] = exc.messages
    if errors:
        raise ValidationError(errors)
    candidate = User(email=email, **names)
    try:
        validate_password(password, user=candidate)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    existing = User.objects.select_for_update().filter(email__iexact=email).first()
    if existing is None:
        try:
            # A savepoint, so a concurrent duplicate (unique index) does not poison an outer transaction.
            with transaction.atomic():
                user = User.objects.create_user(
                    email=email,
                    password=password,
                    preferred_language=preferred_language,
                    role=Role.APPLICANT,
                    is_active=False,  # becomes active when the e-mail address is verified
                    **names,
                )
        except IntegrityError:
            existing = User.objects.select_for_update().filter(email__iexact=email).first()
        else:
            ApplicantProfile.objects.create(user=user, **names)
            send_verification_email(user=user)
            log.info("identity.registered user=%s", user.pk)
            return
    if existing.is_applicant and existing.email_verified_at is None and not existing.is_active:
        existing.set_password(password)
        existing.first_name, existing.last_name = names["first_name"], names["last_name"]
        existing.preferred_language = preferred_language
        existing.save(update_fields=["password", "first_name", "last_name", "preferred_language"])
        ApplicantProfile.objects.update_or_create(user=existing, defaults=names)
        send_verification_email(user=existing)
        log.info("identity.registration_renewed user=%s", existing.pk)
        return
    make_password(password)  # the one hash a new account costs
    _mail_account_exists(user=existing)


ACCOUNT_EXISTS_MAIL_INTERVAL = timedelta(hours=1)


def _mail_account_exists(*, user: User) -> None:
    """Tell the owner someone registered with their address (at most once an hour, so it is no spam cannon)."""
    from workers.models import Notification
    from workers.services import absolute_url, notify

    recent = timezone.now() - ACCOUNT_EXISTS_MAIL_INTERVAL
    if Notification.objects.filter(recipient=user, event="account_exists", created_at__gte=recent).exists():
        log.info("identity.registration_of_known_address user=%s mailed=no", user.pk)
        return
    notify(
        recipient=user,
        event="account_exists",
        context={
            "sign_in_url": absolute_url(reverse("identity:login")),
            "reset_url": absolute_url(reverse("identity:password_reset")),
        },
    )
    log.info("identity.registration_of_known_address user=%s mailed=yes", user.pk)


def _password_mark(user: User) -> str:
    """Changes with the password: a re-registration of a pending address (new password) voids older links."""
    return salted_hmac(EMAIL_VERIFICATION_SALT, user.password, algorithm="sha256").hexdigest()[:16]


def make_verification_token(*, user: User) -> str:
    """A signed token naming the user, the address and the password; its nonce lets a link work only once."""
    return signing.dumps(
        {"u": user.pk, "e": user.email, "p": _password_mark(user), "n": uuid.uuid4().hex},
        salt=EMAIL_VERIFICATION_SALT,
    )


def verification_url(*, token: str) -> str:
    return f"{settings.SITE_URL}{reverse('identity:verify_email')}?{urlencode({'token': token})}"


def send_verification_email(*, user: User) -> None:
    """Put the verification e-mail in the outbox; it is rendered in the user's language and sent after commit."""
    token = make_verification_token(user=user)
    notify(
        recipient=user,
        event="verify_email",
        context={
            "verification_url": verification_url(token=token),
            "valid_hours": settings.EMAIL_VERIFICATION_MAX_AGE // 3600,
        },
    )
    log.info("identity.verification_mail_queued user=%s", user.pk)


def resend_verification_email(*, email: str) -> bool:
    """Send a new link if an unverified account exists. The caller answers the same either way."""
    user = User.objects.filter(email__iexact=email.strip(), email_verified_at__isnull=True).first()
    if user is None:
        return False
    with transaction.atomic():
        send_verification_email(user=user)
    return True


def _token_id(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()


def _verification_target(token: str, *, lock: bool) -> tuple[User, str]:
    """The user a verification token names and the id of its nonce; raises VerificationLinkError otherwise."""
    try:
        payload = signing.loads(
            token, salt=EMAIL_VERIFICATION_SALT, max_age=settings.EMAIL_VERIFICATION_MAX_AGE
        )
    except signing.SignatureExpired as exc:
        raise VerificationLinkExpiredError() from exc
    except (signing.BadSignature, TypeError, ValueError) as exc:
        raise VerificationLinkError() from exc
    if not isinstance(payload, dict) or not {"u", "e", "n"} <= payload.keys():
        raise VerificationLinkError()
    users = User.objects.select_for_update() if lock else User.objects
    user = users.filter(pk=payload["u"]).first()
    if user is None or user.email != payload["e"]:
        raise VerificationLinkError()
    if "p" in payload and not constant_time_compare(str(payload["p"]), _password_mark(user)):
        raise VerificationLinkError()  # the address was registered again since: only the newest link counts
    token_id = _token_id(str(payload["n"]))
    if EmailVerification.objects.filter(token_id=token_id).exists():
        raise VerificationLinkUsedError()
    return user, token_id


def check_verification_link(*, token: str) -> User:
    """Whether a verification link would work, changing nothing: opening the link (a mail scanner does too)
    only shows a confirm button; ``verify_email`` runs when the person presses it."""
    user, _token_id_unused = _verification_target(token, lock=False)
    return user


@transaction.atomic
def verify_email(*, token: str) -> User:
    """Mark the address verified and activate the account. Each link works once."""
    user, token_id = _verification_target(token, lock=True)
    EmailVerification.objects.create(user=user, token_id=token_id)
    if user.email_verified_at is None:
        user.email_verified_at = timezone.now()
        user.is_active = True
        user.save(update_fields=["email_verified_at", "is_active"])
        log.info("identity.email_verified user=%s", user.pk)
    return user


@transaction.atomic
def delete_expired_tokens(*, now: datetime | None = None) -> dict[str, int]:
    """Delete refresh tokens expired more than a day ago and e-mail verifications older than their lifetime.

    The day of grace keeps a just-expired token recognisable as reused (which revokes its family) for a while.
    A used verification is only kept while its link could still be presented, to refuse it a second time.
    Run daily by the ``identity.tasks.delete_expired_tokens`` task.
    """
    now = now or timezone.now()
    refresh_deleted, _counts = RefreshToken.objects.filter(expires_at__lt=now - timedelta(days=1)).delete()
    verification_cutoff = now - timedelta(seconds=settings.EMAIL_VERIFICATION_MAX_AGE)
    verification_deleted, _counts = EmailVerification.objects.filter(used_at__lt=verification_cutoff).delete()
    log.info("identity.tokens_cleaned refresh=%s verification=%s", refresh_deleted, verification_deleted)
    return {"refresh_tokens": refresh_deleted, "email_verifications": verification_deleted}


# --- passwords and profile ------------------------------------------------------------------------------


@transaction.atomic
def change_password(*, user: User, new_password: str) -> None:
    """Set a new password and sign the user out of every API session (refresh tokens are revoked)."""
    try:
        validate_password(new_password, user=user)
    except ValidationError as exc:
        raise ValidationError({"new_password1": exc.messages}) from exc
    user.set_password(new_password)
    user.save(update_fields=["password"])
    revoked = revoke_user_tokens(user=user)
    log.info("identity.password_changed user=%s revoked_refresh_tokens=%s", user.pk, revoked)


def password_reset_url(*, user: User) -> str:
    """The absolute link of the page where the user chooses a new password (Django's reset token).

    The token depends on the password hash and the last sign-in, so it stops working once used.
    """
    path = reverse(
        "identity:password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return absolute_url(path)


def send_password_reset_email(*, email: str) -> bool:
    """Mail a reset link, in the user's preferred language through the outbox, if an active account with a
    usable password has this address. Returns whether one was queued; the caller answers the same either way.
    """
    user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    if user is None or not user.has_usable_password():
        return False
    with transaction.atomic():
        notify(
            recipient=user,
            event="password_reset",
            context={
                "reset_url": password_reset_url(user=user),
                "valid_hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
            },
        )
    log.info("identity.password_reset_mail_queued user=%s", user.pk)
    return True


PROFILE_FIELDS = (
    "first_name",
    "last_name",
    "date_of_birth",
    "nationality",
    "passport_number",
    "passport_valid_until",
    "phone",
)


@transaction.atomic
def update_applicant_profile(*, user: User, preferred_language: str, **fields: object) -> ApplicantProfile:
    """Save the applicant's own profile (only the known fields) and their preferred language."""
    if not user.is_applicant:
        raise ForbiddenError(_("Only applicants have a profile."))
    if preferred_language not in Language.values:
        raise ValidationError({"preferred_language": _("Choose Latvian, English or Russian.")})
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise ValidationError({name: _("Unknown field.") for name in sorted(unknown)})
    profile, _created = ApplicantProfile.objects.select_for_update().get_or_create(user=user)
    for name, value in fields.items():
        setattr(profile, name, value)
    profile.full_clean(exclude=["user"])
    profile.save()
    user.preferred_language = preferred_language
    user.save(update_fields=["preferred_language"])
    return profile


# --- TOTP -----------------------------------------------------------------------------------------------


def has_confirmed_totp(*, user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def otp_required_for(*, user: User) -> bool:
    """Staff always; applicants once they have confirmed an authenticator app."""
    return user.requires_otp or has_confirmed_totp(user=user)


def start_totp_setup(*, user: User) -> TOTPDevice:
    """The unconfirmed device shown as a QR code; reused while the user has not confirmed it."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False, name=PENDING_TOTP_NAME).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=PENDING_TOTP_NAME, confirmed=False)
    return device


@transaction.atomic
def confirm_totp_device(*, user: User, device_id: int, token: str) -> TOTPDevice:
    """Confirm the pending device with a code from the app; it replaces any earlier device of the user."""
    device = (
        TOTPDevice.objects.select_for_update()
        .filter(pk=device_id, user=user, confirmed=False, name=PENDING_TOTP_NAME)
        .first()
    )
    if device is None:
        raise DomainError(_("Start the set-up again."), details={"device": ["unknown"]})
    if not device.verify_token(_clean_code(token)):
        raise OtpInvalidError()
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.name = CONFIRMED_TOTP_NAME
    device.confirmed = True
    device.save(update_fields=["name", "confirmed"])
    log.info("identity.totp_confirmed user=%s", user.pk)
    return device


@transaction.atomic
def disable_totp(*, user: User, token: str) -> None:
    """An applicant turns the second factor off, proving it with a current code. Staff may not."""
    if user.requires_otp:
        raise ForbiddenError(_("Staff accounts must keep two-step verification."))
    if verify_user_otp(user=user, token=token) is None:
        raise OtpInvalidError()
    TOTPDevice.objects.filter(user=user).delete()
    log.info("identity.totp_disabled user=%s", user.pk)


def verify_user_otp(*, user: User, token: str):
    """The confirmed device that accepts this code, or None. Codes are single-use (django-otp keeps last_t)."""
    code = _clean_code(token)
    if not code.isdigit():
        return None
    return match_token(user, code)


def otp_retry_after(*, user: User) -> int:
    """Seconds until a code can be checked again: after a wrong code django-otp refuses every code, the right one
    too, for 1, 2, 4… seconds. 0 when a code is checked now."""
    now = timezone.now()
    waits = []
    for device in TOTPDevice.objects.filter(user=user, confirmed=True):
        allowed, data = device.verify_is_allowed()
        if not allowed and data and data.get("locked_until"):
            waits.append(max(1, int((data["locked_until"] - now).total_seconds() + 0.999)))
    return min(waits) if waits else 0


def _clean_code(token: str | None) -> str:
    return "".join((token or "").split())[:12]

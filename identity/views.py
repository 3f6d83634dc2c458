"""Sign-in pages: register, verify e-mail, sign in (with the TOTP step), passwords, TOTP set-up, profile."""

from __future__ import annotations

import base64
import time
from typing import Any

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login

from eservice.exceptions import DomainError
from identity import signin
from identity.forms import EmailForm, LoginForm, OtpForm, ProfileForm, RegisterForm
from identity.lockout import lockout_response, slowed_down_response
from identity.models import ApplicantProfile, User
from identity.permissions import session_otp_verified
from identity.ratelimits import limit_posts_by_ip, limit_sign_in
from identity.selectors import list_access_log_about
from identity.services import accounts
from identity.services.api_tokens import revoke_user_tokens

PENDING_LOGIN_KEY = "identity_pending_login"
PENDING_LOGIN_SECONDS = 300


_limit = limit_posts_by_ip


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(settings.LOGIN_REDIRECT_URL)


# --- registration and e-mail verification ---------------------------------------------------------------


@never_cache
@sensitive_post_parameters("password1", "password2")
@require_http_methods(["GET", "POST"])
@_limit("RATELIMIT_REGISTER")
def register(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            accounts.register_applicant(
                email=data["email"],
                password=data["password1"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                preferred_language=data["preferred_language"],
            )
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            return render(request, "identity/register_done.html", {"email": data["email"]})
    return render(request, "identity/register.html", {"form": form}, status=400 if form.errors else 200)


def _add_service_errors(form: Any, exc: ValidationError) -> None:
    mapping = getattr(exc, "error_dict", None) or {None: exc.error_list}
    for field, errors in mapping.items():
        form.add_error(field if field in form.fields else None, errors)


@never_cache
@require_http_methods(["GET", "POST"])
def verify_email(request: HttpRequest) -> HttpResponse:
    """GET (opening the link, which mail scanners do too) shows a confirm button; only its POST activates."""
    token = (request.POST if request.method == "POST" else request.GET).get("token", "")
    try:
        if request.method == "POST":
            user = accounts.verify_email(token=token)
        else:
            accounts.check_verification_link(token=token)
    except accounts.VerificationLinkError as exc:
        return render(
            request,
            "identity/verify_email_failed.html",
            {"message": exc.message, "code": exc.code, "form": EmailForm()},
            status=400,
        )
    if request.method == "GET":
        return render(request, "identity/verify_email_confirm.html", {"token": token})
    return render(request, "identity/verify_email_done.html", {"verified_user": user})


@never_cache
@require_http_methods(["GET", "POST"])
@_limit("RATELIMIT_REGISTER")
def resend_verification(request: HttpRequest) -> HttpResponse:
    form = EmailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        accounts.resend_verification_email(email=form.cleaned_data["email"])
        # The same answer whether or not the address is registered.
        return render(request, "identity/resend_verification_done.html")
    return render(
        request, "identity/resend_verification.html", {"form": form}, status=400 if form.errors else 200
    )


# --- sign in and out ------------------------------------------------------------------------------------


@never_cache
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
@limit_sign_in()
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    form = LoginForm(request.POST or None)
    context: dict[str, Any] = {"form": form, "next": next_url}
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        check = signin.check_credentials(request, email=email, password=form.cleaned_data["password"])
        if check.problem is signin.Problem.LOCKED:
            return lockout_response(request)
        if check.problem is signin.Problem.SLOWED:
            return slowed_down_response(request, retry_after=check.retry_after)
        if check.problem is signin.Problem.UNVERIFIED:
            context.update(
                unverified=True, resend_form=EmailForm(initial={"email": email}, auto_id="resend_%s")
            )
            form.add_error(None, _("Your e-mail address is not confirmed yet. Open the link we sent you."))
        elif check.problem is signin.Problem.INACTIVE:
            form.add_error(None, _("This account has been deactivated. Contact the Office to restore it."))
        elif check.problem is not None:
            form.add_error(None, _("The e-mail address or the password is not correct."))
        else:
            return _after_password(request, check.user, next_url)
    return render(request, "identity/login.html", context, status=400 if form.errors else 200)


def _after_password(request: HttpRequest, user: User, next_url: str) -> HttpResponse:
    if accounts.has_confirmed_totp(user=user):
        request.session.cycle_key()
        request.session[PENDING_LOGIN_KEY] = {
            "user_id": user.pk,
            "email": user.email,
            "backend": user.backend,
            "next": next_url,
            "started": int(time.time()),
        }
        return redirect("identity:login_otp")
    login(request, user)
    signin.record_sign_in(user=user)
    if user.requires_otp:
        # Staff without an authenticator app: the session stays unverified until they set one up.
        messages.info(request, _("Staff accounts need two-step verification. Set up your authenticator app."))
        return redirect("identity:totp_setup")
    return redirect(_safe_next(request, next_url))


def _pending_login(request: HttpRequest) -> dict | None:
    pending = request.session.get(PENDING_LOGIN_KEY)
    if not isinstance(pending, dict) or time.time() - pending.get("started", 0) > PENDING_LOGIN_SECONDS:
        request.session.pop(PENDING_LOGIN_KEY, None)
        return None
    return pending


@never_cache
@sensitive_post_parameters("otp")
@require_http_methods(["GET", "POST"])
@limit_sign_in()
def login_otp(request: HttpRequest) -> HttpResponse:
    pending = _pending_login(request)
    if pending is None:
        messages.info(request, _("Please sign in again."))
        return redirect("identity:login")
    if signin.is_locked_out(request, email=pending["email"]):
        request.session.pop(PENDING_LOGIN_KEY, None)
        return lockout_response(request)
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        wait = signin.pace_wait_seconds(email=pending["email"])
        if wait:
            return slowed_down_response(request, retry_after=wait)
        user = User.objects.filter(pk=pending["user_id"], is_active=True).first()
        wait = accounts.otp_retry_after(user=user) if user else 0
        device = (
            accounts.verify_user_otp(user=user, token=form.cleaned_data["otp"]) if user and not wait else None
        )
        if wait:
            # Not counted as a failure: the code was not checked at all (the last one was wrong moments ago).
            form.add_error(
                "otp",
                ngettext(
                    "Wait %(seconds)d second after a wrong code, then enter the current code again.",
                    "Wait %(seconds)d seconds after a wrong code, then enter the current code again.",
                    wait,
                )
                % {"seconds": wait},
            )
        elif device is None:
            if signin.record_failed_otp(request, email=pending["email"]):
                request.session.pop(PENDING_LOGIN_KEY, None)
                return lockout_response(request)
            form.add_error("otp", accounts.OtpInvalidError.default_message)
        else:
            request.session.pop(PENDING_LOGIN_KEY, None)
            login(request, user, backend=pending["backend"])
            otp_login(request, device)
            signin.record_sign_in(user=user)
            return redirect(_safe_next(request, pending.get("next")))
    return render(request, "identity/login_otp.html", {"form": form}, status=400 if form.errors else 200)


class LogoutView(auth_views.LogoutView):
    """POST only (Django's LogoutView refuses GET)."""

    http_method_names = ["post", "options"]


# --- passwords ------------------------------------------------------------------------------------------


@method_decorator(_limit("RATELIMIT_PASSWORD_RESET"), name="dispatch")
class PasswordResetView(auth_views.PasswordResetView):
    """Answers the same whether or not the address has an account; the mail goes through the outbox in the
    user's preferred language (not the language of this request)."""

    template_name = "identity/password_reset_form.html"
    form_class = EmailForm
    success_url = reverse_lazy("identity:password_reset_done")

    def form_valid(self, form: EmailForm) -> HttpResponse:
        accounts.send_password_reset_email(email=form.cleaned_data["email"])
        return redirect(self.get_success_url())


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "identity/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "identity/password_reset_confirm.html"
    success_url = reverse_lazy("identity:password_reset_complete")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        revoke_user_tokens(user=form.user)  # a reset means the old password may be known to someone else
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "identity/password_reset_complete.html"


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    # Django's own message, extracted into our catalogues: its Latvian translation says "Tava" where the site
    # says "jūs" (ours: "Jūsu pašreizējā parole...").
    error_messages = {
        **auth_forms.PasswordChangeForm.error_messages,
        "password_incorrect": gettext_lazy(
            "Your old password was entered incorrectly. Please enter it again."
        ),
    }


@never_cache
@login_required
@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    gate = _staff_unverified_redirect(request)
    if gate is not None:
        return gate
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            accounts.change_password(user=request.user, new_password=form.cleaned_data["new_password1"])
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(
                request, _("Your password has been changed. Apps signed in with it must sign in again.")
            )
            return redirect("identity:profile")
    return render(
        request, "identity/password_change.html", {"form": form}, status=400 if form.errors else 200
    )


def _staff_unverified_redirect(request: HttpRequest) -> HttpResponse | None:
    """Staff whose session has not passed the second factor may only set up their app."""
    user = request.user
    if user.requires_otp and not session_otp_verified(user):
        return redirect("identity:totp_setup")
    return None


# --- TOTP -----------------------------------------------------------------------------------------------


def _qr_data_url(uri: str) -> str:
    """The otpauth URI as an SVG QR code in a data: URL (allowed by our CSP's img-src; no inline styles)."""
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    return "data:image/svg+xml;base64," + base64.b64encode(image.to_string()).decode("ascii")


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@never_cache
@login_required
@sensitive_post_parameters("otp")
@require_http_methods(["GET", "POST"])
def totp_setup(request: HttpRequest) -> HttpResponse:
    user = request.user
    verified = session_otp_verified(user)
    has_device = accounts.has_confirmed_totp(user=user)
    if has_device and not verified:
        # Someone holding only the password may not replace the second factor.
        raise PermissionDenied
    if has_device and request.GET.get("replace") != "1" and request.method == "GET":
        return render(request, "identity/totp_status.html", {"can_disable": not user.requires_otp})
    device = accounts.start_totp_setup(user=user)
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = accounts.confirm_totp_device(
                user=user, device_id=device.pk, token=form.cleaned_data["otp"]
            )
        except DomainError as exc:
            form.add_error("otp", exc.message)
        else:
            otp_login(request, device)
            messages.success(
                request, _("Two-step verification is on. You will be asked for a code when you sign in.")
            )
            return redirect("identity:totp_setup")
    uri = device.config_url
    secret = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    context = {
        "form": form,
        "qr_data_url": _qr_data_url(uri),
        "otpauth_uri": uri,
        "secret": _grouped(secret),
        "mandatory": user.requires_otp,
    }
    return render(request, "identity/totp_setup.html", context, status=400 if form.errors else 200)


@never_cache
@login_required
@sensitive_post_parameters("otp")
@require_POST
def totp_disable(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.requires_otp:
        raise PermissionDenied
    form = OtpForm(request.POST)
    if form.is_valid():
        try:
            accounts.disable_totp(user=user, token=form.cleaned_data["otp"])
        except DomainError as exc:
            form.add_error("otp", exc.message)
        else:
            messages.success(request, _("Two-step verification is off."))
            return redirect("identity:profile")
    return render(
        request, "identity/totp_status.html", {"can_disable": True, "disable_form": form}, status=400
    )


# --- profile --------------------------------------------------------------------------------------------


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.is_applicant:
        raise PermissionDenied  # staff have no applicant profile
    instance = ApplicantProfile.objects.filter(user=user).first() or ApplicantProfile(user=user)
    form = ProfileForm(
        request.POST or None, instance=instance, initial={"preferred_language": user.preferred_language}
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        language = data.pop("preferred_language")
        try:
            accounts.update_applicant_profile(user=user, preferred_language=language, **data)
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(request, _("Your details have been saved."))
            return redirect("identity:profile")
    context = {"form": form, "has_totp": accounts.has_confirmed_totp(user=user)}
    return render(request, "identity/profile.html", context, status=400 if form.errors else 200)


@never_cache
@login_required
@require_GET
def access_log(request: HttpRequest) -> HttpResponse:
    """Who at the Office (by role and unit) opened my file, when and why. Staff are not named."""
    if not request.user.is_applicant:
        raise PermissionDenied
    entries = list(list_access_log_about(applicant=request.user)[:200])
    return render(request, "identity/access_log.html", {"entries": entries})

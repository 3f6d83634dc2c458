"""Forms of the sign-in pages. Labels on every field; errors are tied to fields by Django's aria-describedby."""

from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from identity.countries import country_choices, is_country_code
from identity.models import ApplicantProfile, Language, User
from identity.names import clean_person_name
from identity.services.accounts import PROFILE_FIELDS


def page_language() -> str:
    """The language the person is using the site in: e-mails and PDFs default to it (Latvian if unknown)."""
    language = (translation.get_language() or "").split("-")[0]
    return language if language in Language.values else Language.LATVIAN


class RegisterForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text=_("We send a link to this address to confirm it is yours."),
    )
    first_name = forms.CharField(
        label=_("First name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "given-name"})
    )
    last_name = forms.CharField(
        label=_("Last name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "family-name"})
    )
    preferred_language = forms.ChoiceField(
        label=_("Language of e-mails"), choices=Language.choices, initial=lambda: page_language()
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 10 characters; not a common password and not only digits."),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_email(self) -> str:
        # Whether the address already has an account is not said here: the service mails its owner instead.
        return self.cleaned_data["email"].strip().lower()

    def clean_first_name(self) -> str:
        return clean_person_name(self.cleaned_data["first_name"])

    def clean_last_name(self) -> str:
        return clean_person_name(self.cleaned_data["last_name"])

    def clean(self) -> dict:
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error(
                "password2", forms.ValidationError(_("The passwords do not match."), code="mismatch")
            )
        elif password1:
            candidate = User(
                email=cleaned.get("email") or "",
                first_name=cleaned.get("first_name") or "",
                last_name=cleaned.get("last_name") or "",
            )
            try:
                password_validation.validate_password(password1, user=candidate)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned


class LoginForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "username"})
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()


class OtpForm(forms.Form):
    otp = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9 ]*"}
        ),
        help_text=_("Six digits; a new code appears every 30 seconds."),
    )

    def clean_otp(self) -> str:
        code = "".join(self.cleaned_data["otp"].split())
        if not code.isdigit() or len(code) != 6:
            raise forms.ValidationError(_("Enter the six digits shown in your app."), code="format")
        return code


class EmailForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()


class ProfileForm(forms.ModelForm):
    nationality = forms.ChoiceField(label=_("Nationality"), required=False)
    preferred_language = forms.ChoiceField(label=_("Language of e-mails"), choices=Language.choices)

    class Meta:
        model = ApplicantProfile
        fields = list(PROFILE_FIELDS)
        widgets = {
            "first_name": forms.TextInput(attrs={"autocomplete": "given-name"}),
            "last_name": forms.TextInput(attrs={"autocomplete": "family-name"}),
            "date_of_birth": forms.DateInput(
                attrs={"type": "date", "autocomplete": "bday"}, format="%Y-%m-%d"
            ),
            "passport_valid_until": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
        }
        help_texts = {
            "phone": _("With the country code, e.g. +371 20000000."),
            "passport_number": _("As printed in your passport."),
        }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["nationality"].choices = [("", _("— choose —")), *country_choices()]
        self.fields["nationality"].help_text = _("The country whose passport you hold.")

    def clean_nationality(self) -> str:
        code = (self.cleaned_data.get("nationality") or "").upper()
        if code and not is_country_code(code):
            raise forms.ValidationError(_("Choose a country from the list."), code="country")
        return code

    def clean_date_of_birth(self):
        value = self.cleaned_data.get("date_of_birth")
        if value and value >= timezone.localdate():
            raise forms.ValidationError(_("The date of birth must be in the past."), code="future")
        return value

    def clean_phone(self) -> str:
        phone = " ".join(self.cleaned_data.get("phone", "").split())
        digits = phone.replace(" ", "").removeprefix("+")
        if phone and (not digits.isdigit() or not 7 <= len(digits) <= 15):
            raise forms.ValidationError(
                _(
                    "Enter the phone number in digits, starting with + and the country code, e.g. +371 20000000."
                ),
                code="phone",
            )
        return phone

    def clean_passport_number(self) -> str:
        number = self.cleaned_data.get("passport_number", "").strip().upper()
        if number and not number.replace(" ", "").isalnum():
            raise forms.ValidationError(_("Use only letters and digits."), code="passport")
        return number

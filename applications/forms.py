"""Forms of the multi-step application form. Each validates its own step; services check the rules across steps.

Every step behaves the same on the page: each field the step asks for is required (marked, and listed in the
error summary when left empty), so "Save and continue" never moves on from an incomplete step. The API may
still save a partial draft; the submission checks completeness either way.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from applications.models import Application
from identity.countries import country_choices, is_country_code

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CountryField(forms.ChoiceField):
    """A country from the translated list, by its ISO code in any case."""

    def to_python(self, value: object) -> str:
        return super().to_python(value).strip().upper()


class StepForm(forms.ModelForm):
    """A step of the form: all its fields required."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = True


class PersonalForm(StepForm):
    nationality = CountryField(label=_("Nationality"))

    class Meta:
        model = Application
        fields = Application.PERSONAL_FIELDS
        widgets = {
            "first_name": forms.TextInput(attrs={"autocomplete": "given-name"}),
            "last_name": forms.TextInput(attrs={"autocomplete": "family-name"}),
            "date_of_birth": forms.DateInput(
                attrs={"type": "date", "autocomplete": "bday"}, format="%Y-%m-%d"
            ),
            "passport_valid_until": DATE,
        }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        # The same translated list as the profile page; a <select> finds a country by typing its first letters.
        nationality = self.fields["nationality"]
        nationality.choices = [("", _("— choose —")), *country_choices()]
        nationality.help_text = _("The country whose passport you hold. Type its first letters to find it.")
        if self.instance.nationality and not self.is_bound:
            self.initial["nationality"] = self.instance.nationality.upper()

    def clean_nationality(self) -> str:
        value = (self.cleaned_data.get("nationality") or "").strip().upper()
        if value and not is_country_code(value):
            raise forms.ValidationError(_("Choose a country from the list."), code="country")
        return value

    def clean_passport_number(self) -> str:
        value = self.cleaned_data["passport_number"].strip().upper()
        if value and (not value.isalnum() or len(value) < 5):
            raise forms.ValidationError(_("Type the passport number as printed, letters and digits only."))
        return value


class PurposeForm(StepForm):
    """Only the fields the application's purpose asks for."""

    class Meta:
        model = Application
        fields = Application.PURPOSE_DETAIL_FIELDS
        widgets = {"purpose_description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        wanted = self.instance.purpose_fields()
        for name in list(self.fields):
            if name not in wanted:
                del self.fields[name]


class StayForm(StepForm):
    class Meta:
        model = Application
        fields = Application.STAY_FIELDS
        widgets = {"stay_from": DATE, "stay_to": DATE}

    def clean(self) -> dict:
        data = super().clean()
        if data.get("stay_from") and data.get("stay_to") and data["stay_to"] < data["stay_from"]:
            self.add_error("stay_to", _("The stay cannot end before it starts."))
        return data


class DocumentUploadForm(forms.Form):
    document_type = forms.SlugField(widget=forms.HiddenInput)
    file = forms.FileField(label=_("File"), allow_empty_file=True)
    issued_on = forms.DateField(label=_("Issued on"), required=False, widget=DATE)


class DeclarationForm(forms.Form):
    """The declaration the applicant ticks before submitting; the submit service refuses without it."""

    declaration = forms.BooleanField(
        label=_(
            "I declare that the information in this application and the documents I uploaded are true and "
            "complete, and that I have read how the Office processes my personal data."
        ),
        error_messages={
            "required": _("Tick the declaration to submit: the information must be true and complete.")
        },
    )


STEP_FORMS: dict[str, type[forms.ModelForm]] = {
    "personal": PersonalForm,
    "purpose": PurposeForm,
    "stay": StayForm,
}
STEP_TITLES = {
    "personal": _("Personal data"),
    "purpose": _("Purpose of residence"),
    "stay": _("Stay in Latvia"),
    "documents": _("Documents"),
    "review": _("Review and submit"),
}

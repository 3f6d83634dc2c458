"""Forms of the multi-step application form. Each validates its own step; services check the rules across steps."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from applications.models import Application

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PersonalForm(forms.ModelForm):
    class Meta:
        model = Application
        fields = Application.PERSONAL_FIELDS
        widgets = {"date_of_birth": DATE, "passport_valid_until": DATE}

    def clean_nationality(self) -> str:
        value = self.cleaned_data["nationality"].strip().upper()
        if value and (len(value) != 2 or not value.isalpha()):
            raise forms.ValidationError(_("Use the two-letter country code, e.g. UA."))
        return value

    def clean_passport_number(self) -> str:
        value = self.cleaned_data["passport_number"].strip().upper()
        if value and (not value.isalnum() or len(value) < 5):
            raise forms.ValidationError(_("Type the passport number as printed, letters and digits only."))
        return value


class PurposeForm(forms.ModelForm):
    """Only the fields the application's purpose asks for, all of them required."""

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
            else:
                self.fields[name].required = True


class StayForm(forms.ModelForm):
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

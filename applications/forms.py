"""Forms of the multi-step application form. Each validates its own step; services check the rules across steps.

Every step behaves the same on the page: each field the step asks for is required (marked, and listed in the
error summary when left empty), so "Save and continue" never moves on from an incomplete step. The API may
still save a partial draft; the submission checks completeness either way.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from applications.models import Application, CardSpeed, ProcessingSpeed
from applications.models.application import PersonRelationship
from applications.models.counter import IdentityDocumentType
from applications.selectors import suggest_unit
from identity.countries import country_choices, is_country_code
from identity.models import Language, TerritorialUnit

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


class UnitRadioSelect(forms.RadioSelect):
    """Radios whose group is reached from the error summary through the first radio's id."""

    def id_for_label(self, id_: str, index: str | None = None) -> str:
        return super().id_for_label(id_, "0" if index is None else index)


class UnitForm(StepForm):
    """Where the applicant gives biometrics and collects the card: one of the units that take permits.

    ``units``: the active residence-permit units with their reception hours (``list_residence_permit_units``);
    the page shows each one's address and hours. Preselected: the unit already chosen, else the one in the town
    of the declared address, else the default unit.
    """

    unit = forms.ModelChoiceField(
        label=_("Territorial unit"),
        queryset=TerritorialUnit.objects.filter(is_active=True, handles_residence_permits=True),
        to_field_name="code",
        empty_label=None,
        widget=UnitRadioSelect,
        error_messages={
            "required": _("Choose where you will give biometrics and collect the card."),
            "invalid_choice": _("Choose one of the listed units that accept residence permit applications."),
        },
    )

    class Meta:
        model = Application
        fields = ("unit",)

    def __init__(self, *args: object, units: list[TerritorialUnit], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.units = units
        field = self.fields["unit"]
        field.help_text = _(
            "You come here to give your fingerprints and photo and, once the permit is granted, to collect "
            "the card. We suggest the unit in the town of your address in Latvia; you may choose any."
        )
        if not self.is_bound:
            chosen = self.instance.unit if self.instance.unit_id else None
            if chosen is None or chosen not in units:
                chosen = suggest_unit(address=self.instance.address_in_latvia, units=units)
            self.initial["unit"] = chosen.code if chosen else None

    @property
    def selected_code(self) -> str:
        value = self["unit"].value()
        return value.code if isinstance(value, TerritorialUnit) else str(value or "")


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
    "unit": UnitForm,
}
STEP_TITLES = {
    "personal": _("Personal data"),
    "purpose": _("Purpose of residence"),
    "stay": _("Stay in Latvia"),
    "unit": _("Where to give biometrics"),
    "documents": _("Documents"),
    "review": _("Review and submit"),
}


class RegistrationStartForm(forms.Form):
    """What registering a granted permit asks, and nothing more: the unit and the card's production speed."""

    unit = forms.ModelChoiceField(
        label=_("Where to give biometrics and collect the card"),
        queryset=TerritorialUnit.objects.filter(is_active=True, handles_residence_permits=True),
        to_field_name="code",
        empty_label=None,
        error_messages={
            "required": _("Choose where you will give biometrics and collect the card."),
            "invalid_choice": _("Choose one of the listed units that accept residence permit applications."),
        },
    )
    card_speed = forms.ChoiceField(
        label=_("How fast the card is made"),
        choices=CardSpeed.choices,
        error_messages={
            "required": _("Choose how fast the card is made."),
            "invalid_choice": _("Choose one of the listed card production speeds."),
        },
    )

    def __init__(
        self, *args: object, units: list[TerritorialUnit], default_unit: TerritorialUnit | None, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.units = units
        if not self.is_bound:
            self.initial.setdefault("unit", default_unit.code if default_unit else None)
            self.initial.setdefault("card_speed", CardSpeed.STANDARD.value)

    @property
    def selected_code(self) -> str:
        value = self["unit"].value()
        return value.code if isinstance(value, TerritorialUnit) else str(value or "")


def _kind_choices() -> list[tuple[str, str]]:
    from applications.models import ApplicationKind

    kinds = ApplicationKind.objects.filter(is_active=True, starts_from_decision=False).order_by("pk")
    return [(kind.code, kind.name) for kind in kinds]


def _purpose_choices() -> list[tuple[str, str]]:
    from applications.models import Purpose

    return [(purpose.code, purpose.name) for purpose in Purpose.objects.order_by("pk")]


class _NewApplicationFields(forms.Form):
    """What is applied for, and the person's identity: shared by the counter and the representative's forms."""

    kind = forms.ChoiceField(label=_("Application kind"))
    purpose = forms.ChoiceField(label=_("Purpose"))
    processing_speed = forms.ChoiceField(
        label=_("Processing speed"), choices=ProcessingSpeed.choices, initial=ProcessingSpeed.STANDARD
    )
    first_name = forms.CharField(label=_("given names (as in passport)"), max_length=150)
    last_name = forms.CharField(label=_("surname (as in passport)"), max_length=150)
    date_of_birth = forms.DateField(label=_("date of birth"), widget=DATE)
    nationality = CountryField(label=_("Nationality"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = _kind_choices()
        self.fields["purpose"].choices = _purpose_choices()
        self.fields["nationality"].choices = [("", _("— choose —")), *country_choices()]


class RepresentedPersonForm(_NewApplicationFields):
    """A representative starts an application for another person (a child, a ward, a family member)."""

    relationship = forms.ChoiceField(
        label=_("The person is my"), choices=[("", _("— choose —")), *PersonRelationship.choices]
    )


class InvitePersonForm(forms.Form):
    email = forms.EmailField(
        label=_("The person's e-mail address"),
        help_text=_("They see the invitation when signed in with this address, once it is verified."),
    )


class ClaimForm(forms.Form):
    code = forms.CharField(label=_("Code from your copy of the application"), max_length=20)
    document_number = forms.CharField(
        label=_("Number of the identity document shown at the counter"), max_length=30
    )


class CounterStartForm(_NewApplicationFields):
    """An officer at the counter: the person's checked identity document, their language, what they apply for."""

    language = forms.ChoiceField(label=_("The person's language"), choices=Language.choices)
    document_type = forms.ChoiceField(label=_("Identity document"), choices=IdentityDocumentType.choices)
    document_number = forms.CharField(label=_("Document number"), max_length=30)
    document_country = CountryField(label=_("Issuing country"))
    document_valid_until = forms.DateField(label=_("Valid until"), widget=DATE)
    unit = forms.SlugField(widget=forms.HiddenInput)
    identity_checked = forms.BooleanField(
        label=_("I checked this identity document against the person in front of me.")
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["document_country"].choices = [("", _("— choose —")), *country_choices()]

"""The officer's forms on the case page. They only parse; the services decide what is allowed."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from applications.models import DocumentType, LegalGround
from decisions.models import Decision
from identity.models import User


class DateInput(forms.DateInput):
    input_type = "date"


class AssignForm(forms.Form):
    officer = forms.ModelChoiceField(label=_("Officer"), queryset=User.objects.none(), empty_label=None)

    def __init__(self, *args, officers: list[User], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = User.objects.filter(pk__in=[officer.pk for officer in officers])
        self.fields["officer"].label_from_instance = lambda user: f"{user.get_full_name()} ({user.position})"


class RequestInfoForm(forms.Form):
    document_types = forms.ModelMultipleChoiceField(
        label=_("Documents to ask for"),
        queryset=DocumentType.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    other_items = forms.CharField(
        label=_("Anything else missing or wrong"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    message = forms.CharField(
        label=_("Message to the applicant"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    answer_by = forms.DateField(label=_("Answer by"), widget=DateInput)

    def __init__(self, *args, document_types, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["document_types"].queryset = document_types


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=Decision.Outcome.choices, widget=forms.RadioSelect
    )
    legal_grounds = forms.ModelMultipleChoiceField(
        label=_("Legal grounds"),
        queryset=LegalGround.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Required for a refusal: each ground must support the outcome."),
    )
    reasoning = forms.CharField(
        label=_("Reasoning"), max_length=20000, widget=forms.Textarea(attrs={"rows": 6})
    )
    valid_from = forms.DateField(label=_("Permit valid from"), required=False, widget=DateInput)
    valid_to = forms.DateField(label=_("Permit valid until"), required=False, widget=DateInput)

    def __init__(self, *args, legal_grounds, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["legal_grounds"].queryset = legal_grounds
        self.fields["legal_grounds"].label_from_instance = lambda ground: (
            f"{ground.law_reference}: {ground.text}"
        )


class ReturnForm(forms.Form):
    comment = forms.CharField(
        label=_("Why it goes back"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


class RequestedDocumentForm(forms.Form):
    """The applicant's upload of a document an information request asks for."""

    document_type = forms.SlugField()
    file = forms.FileField(label=_("File"), allow_empty_file=True)
    issued_on = forms.DateField(label=_("Issued on"), required=False)

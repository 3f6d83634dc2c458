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


class ComplaintForm(forms.Form):
    """The applicant's complaint: the text here; the documents are read from ``request.FILES["files"]``."""

    text = forms.CharField(
        label=_("Why you contest the decision"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("Say what is wrong in the decision and what you ask the head of the Office to do."),
    )


class ComplaintDecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Answer"),
        choices=[
            ("upheld", _("The decision stands (complaint rejected)")),
            ("overturned", _("The decision is overturned (the case is reviewed again)")),
            ("left_without_examination", _("Left without examination")),
        ],
        widget=forms.RadioSelect,
    )
    reasoning = forms.CharField(
        label=_("Reasoning"), max_length=20000, widget=forms.Textarea(attrs={"rows": 6})
    )


class CaseErrorForm(forms.Form):
    what_was_wrong = forms.CharField(
        label=_("What was wrong"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    correction = forms.CharField(
        label=_("The correct information"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    what_is_done = forms.CharField(
        label=_("What is done about it"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    correct_decision = forms.BooleanField(
        label=_("The decision itself was wrong: issue a corrected decision with a new letter"), required=False
    )
    reasoning = forms.CharField(
        label=_("Corrected reasoning (empty: unchanged)"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    valid_from = forms.DateField(label=_("Corrected permit valid from"), required=False, widget=DateInput)
    valid_to = forms.DateField(label=_("Corrected permit valid until"), required=False, widget=DateInput)

    def __init__(self, *args, **kwargs) -> None:
        # Shown on the case page beside the decision form, which has fields of the same names: ids of their own,
        # or the labels of one form point at the other's fields.
        kwargs.setdefault("auto_id", "error_%s")
        super().__init__(*args, **kwargs)

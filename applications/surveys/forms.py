from django import forms
from django.utils.translation import gettext_lazy as _

from applications.surveys.services import MAX_COMMENT_LENGTH

RATINGS = [
    (5, _("5 — very good")),
    (4, _("4 — good")),
    (3, _("3 — fair")),
    (2, _("2 — poor")),
    (1, _("1 — very poor")),
]


class SurveyForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How do you rate the service of the Office?"),
        choices=RATINGS,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a rating from 1 to 5.")},
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        help_text=_("Please do not write your name or other personal data: answers are read without names."),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=MAX_COMMENT_LENGTH,
    )

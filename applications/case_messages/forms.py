from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files under one name (Django's documented pattern); each is checked by the service."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Your message"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=settings.MESSAGE_MAX_LENGTH,
    )
    attachments = MultipleFileField(label=_("Attachments (optional)"), required=False)


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Answer to the applicant"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=settings.MESSAGE_MAX_LENGTH,
    )

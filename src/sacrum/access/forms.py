"""Forms for the audit log filters and personal API tokens."""

from __future__ import annotations

from typing import Any

from django import forms
from django.apps import apps

from sacrum.access.models import AuditAction
from sacrum.kernel.forms import DateInput


def object_type_choices() -> list[tuple[str, str]]:
    """Every kind of record the audit log can name: our models, by their human name."""
    kinds = {
        str(model._meta.model_name): str(model._meta.verbose_name).capitalize()
        for model in apps.get_models()
        if model.__module__.startswith("sacrum.") and model._meta.model_name != "auditentry"
    }
    return [("", "Any record"), *sorted(kinds.items(), key=lambda kv: kv[1])]


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(
        label="Action", required=False, choices=[("", "Any action"), *AuditAction.choices]
    )
    object_type = forms.ChoiceField(label="Record type", required=False, choices=())
    since = forms.DateField(label="From", required=False, widget=DateInput())
    until = forms.DateField(label="To", required=False, widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["object_type"].choices = object_type_choices()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until < since:
            self.add_error("until", "The end date is before the start date.")
        return cleaned


class TokenForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=80,
        help_text="What will use it, so you recognise it later, e.g. “Accounting export”.",
    )

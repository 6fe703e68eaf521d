"""Client record forms. The clinical field appears only for clinical roles."""

from __future__ import annotations

from django import forms

from sacrum.clients.models import CLINICAL_FIELDS, Client, Condition
from sacrum.kernel.forms import DateInput


class ClientForm(forms.ModelForm):  # type: ignore[type-arg]  # generic in django-stubs only
    class Meta:
        model = Client
        fields = (
            "first_name",
            "last_name",
            "preferred_name",
            "pronouns",
            "date_of_birth",
            "email",
            "phone",
            "address",
            "preferred_language",
            "referral_source",
            "emergency_contact_name",
            "emergency_contact_relationship",
            "emergency_contact_phone",
            "physician_name",
            "physician_practice",
            "physician_phone",
            "physician_email",
            "conditions",
            "presenting_concerns",
            "goals",
        )
        widgets = {
            "date_of_birth": DateInput(),
            "presenting_concerns": forms.Textarea(attrs={"rows": 4}),
            "goals": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {
            "presenting_concerns": "What brings them (clinical)",
            "goals": "Their goals, in their own words (clinical)",
            "referral_source": "How they heard of the clinic",
        }

    conditions = forms.MultipleChoiceField(
        choices=Condition.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="What they come for (clinical)",
    )

    def __init__(self, *args: object, clinical: bool, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if not clinical:
            for name in CLINICAL_FIELDS:
                del self.fields[name]
        self.fields["date_of_birth"].help_text = "As written on an ID, e.g. 1984-03-27."

    def _post_clean(self) -> None:
        """Model validation happens once, in the service, so pages and API agree."""

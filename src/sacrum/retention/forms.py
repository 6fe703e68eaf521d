"""The owner's forms: the retention rule, and erasing one client."""

from __future__ import annotations

from django import forms

from sacrum.retention.models import Reason, RetentionPolicy


class PolicyForm(forms.ModelForm[RetentionPolicy]):
    class Meta:
        model = RetentionPolicy
        fields = ("preset", "years_after_last_contact", "age_of_majority", "years_after_majority")
        labels = {
            "preset": "Rule",
            "years_after_last_contact": "Years kept after the last contact",
            "age_of_majority": "Age of majority",
            "years_after_majority": "Years kept after a minor comes of age",
        }
        help_texts = {
            "preset": "A preset fills in the numbers below; choose “Our own rule” to set them.",
        }


class EraseForm(forms.Form):
    reason = forms.ChoiceField(label="Reason", choices=Reason.choices, widget=forms.RadioSelect)
    confirmation = forms.CharField(
        label="Type the client's first and last name to confirm",
        max_length=250,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

"""Forms of the statement for insurance: the period, and a diagnosis code."""

from __future__ import annotations

from django import forms

from sacrum.kernel.forms import DateInput


class PeriodForm(forms.Form):
    start = forms.DateField(label="From", widget=DateInput())
    end = forms.DateField(label="To", widget=DateInput())


class DiagnosisForm(forms.Form):
    code = forms.CharField(
        max_length=30, help_text="The code the client's insurer uses, e.g. M54.2."
    )
    description = forms.CharField(max_length=200, required=False, label="Description (optional)")

"""Waitlist page forms. They parse input; the services decide what is allowed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from sacrum.clients.models import Client
from sacrum.clinics.models import Location, Membership
from sacrum.kernel.forms import DateInput
from sacrum.scheduling.forms import PractitionerChoice, TimeInput
from sacrum.scheduling.models import ServiceType
from sacrum.waitlist.models import WEEKDAY_NAMES

WEEKDAY_CHOICES = [(str(i), name) for i, name in enumerate(WEEKDAY_NAMES)]


class EntryForm(forms.Form):
    client = forms.ModelChoiceField(queryset=Client.objects.none(), empty_label="Choose a client")
    service = forms.ModelChoiceField(
        queryset=ServiceType.objects.none(), empty_label="Choose a service"
    )
    location = forms.ModelChoiceField(queryset=Location.objects.none(), empty_label=None)
    practitioner = PractitionerChoice(
        queryset=Membership.objects.none(),
        required=False,
        empty_label="Anyone who offers it",
    )
    earliest_date = forms.DateField(label="From", widget=DateInput())
    latest_date = forms.DateField(label="Until", widget=DateInput())
    weekdays = forms.TypedMultipleChoiceField(
        label="Days that suit",
        choices=WEEKDAY_CHOICES,
        coerce=int,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "weekdays"}),
        initial=["0", "1", "2", "3", "4"],
    )
    earliest_time = forms.TimeField(
        label="Not before", required=False, widget=TimeInput(), help_text="Local time."
    )
    latest_time = forms.TimeField(
        label="Finished by", required=False, widget=TimeInput(), help_text="Local time."
    )
    note = forms.CharField(
        required=False,
        max_length=300,
        label="Front-desk note",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Practical only (e.g. 'can come at short notice'). No clinical details.",
    )

    def __init__(
        self, *args: Any, choices: dict[str, Any], fixed_client: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        for name, queryset in choices.items():
            self.fields[name].queryset = queryset  # type: ignore[attr-defined]
        if fixed_client:
            del self.fields["client"]
        today = timezone.localdate()
        self.fields["earliest_date"].initial = today
        self.fields["latest_date"].initial = today + dt.timedelta(days=28)

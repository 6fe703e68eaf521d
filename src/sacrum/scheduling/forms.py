"""Scheduling page forms. They parse input; the services decide what is allowed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone

from sacrum.clients.models import Client
from sacrum.clinics.models import Location, Membership, Room
from sacrum.kernel.forms import DateInput
from sacrum.scheduling.calendar import practitioner_label
from sacrum.scheduling.models import ExceptionKind, SchedulingPolicy, ServiceType, Weekday


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class LocalDateTimeField(forms.DateTimeField):
    """A wall-clock time at a location: read as typed, whatever the active time zone.

    The view places it in the location's zone (``local_time.aware``), which handles the
    hour that repeats or never happens; Django's own conversion to the active zone would
    refuse those hours before the view could explain them.
    """

    def to_python(self, value: Any) -> dt.datetime | None:
        with timezone.override(dt.UTC):
            result = super().to_python(value)
        return None if result is None else result.replace(tzinfo=None)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%H:%M", **kwargs)


class PractitionerChoice(forms.ModelChoiceField):  # type: ignore[type-arg]  # generic in django-stubs only
    def label_from_instance(self, obj: Any) -> str:
        return practitioner_label(obj)


class ServiceChoice(forms.ModelChoiceField):  # type: ignore[type-arg]  # generic in django-stubs only
    """A service with its length, price (in the clinic's currency) and description."""

    write_price: Callable[[Decimal], str] | None = None

    def label_from_instance(self, obj: Any) -> str:
        parts = [obj.name, f"{obj.duration_minutes} min"]
        if self.write_price is not None and obj.price is not None:
            parts.append(self.write_price(obj.price))
        label = " · ".join(parts)
        description = " ".join((obj.description or "").split())
        if description:
            short = description if len(description) <= 90 else description[:89] + "…"
            label = f"{label} — {short}"
        return label


class ClientChoice(forms.ModelChoiceField):  # type: ignore[type-arg]  # generic in django-stubs only
    """A client by name and date of birth: two Anne Smiths are told apart before booking."""

    def label_from_instance(self, obj: Any) -> str:
        born = f" · born {obj.date_of_birth:%-d %b %Y}" if obj.date_of_birth else ""
        return f"{obj.full_name}{born}"


NEW_CLIENT_FIELDS = (
    "new_first_name",
    "new_last_name",
    "new_date_of_birth",
    "new_email",
    "new_phone",
)


class BookingForm(forms.Form):
    client = ClientChoice(
        queryset=Client.objects.none(),
        required=False,
        empty_label="Choose a client",
        widget=forms.Select(attrs={"data-typeahead": "Type a name"}),
    )
    new_first_name = forms.CharField(required=False, max_length=100, label="First name")
    new_last_name = forms.CharField(required=False, max_length=100, label="Last name")
    new_date_of_birth = forms.DateField(required=False, label="Date of birth", widget=DateInput())
    new_email = forms.EmailField(required=False, label="E-mail")
    new_phone = forms.CharField(required=False, max_length=40, label="Phone")
    service = ServiceChoice(queryset=ServiceType.objects.none(), empty_label="Choose a service")
    practitioner = PractitionerChoice(
        queryset=Membership.objects.none(), empty_label="Choose a practitioner"
    )
    location = forms.ModelChoiceField(queryset=Location.objects.none(), empty_label=None)
    start = LocalDateTimeField(
        widget=LocalDateTimeInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text="Local time at the location.",
    )
    room = forms.ModelChoiceField(
        queryset=Room.objects.none(),
        required=False,
        empty_label="Any free room",
        help_text="Leave as 'any free room' to have one assigned.",
    )
    note = forms.CharField(
        required=False,
        max_length=500,
        label="Front-desk note",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Practical only (parking, access). Clinical notes belong in the chart.",
    )

    def __init__(
        self,
        *args: Any,
        choices: dict[str, Any],
        write_price: Callable[[Decimal], str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        for name, queryset in choices.items():
            self.fields[name].queryset = queryset  # type: ignore[attr-defined]
        self.fields["service"].write_price = write_price  # type: ignore[attr-defined]

    @property
    def adds_client(self) -> bool:
        """True when the person is booked as a new client, added with the booking."""
        data = getattr(self, "cleaned_data", None) or {}
        return not data.get("client") and bool(data.get("new_first_name"))

    @property
    def new_client_open(self) -> bool:
        """Show the new-client fields open when something was typed there or is wrong."""
        return self.is_bound and any(
            self.data.get(name) or self.errors.get(name) for name in NEW_CLIENT_FIELDS
        )

    def new_client_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in NEW_CLIENT_FIELDS]

    def other_fields(self) -> list[forms.BoundField]:
        return [
            f
            for f in self.visible_fields()
            if f.name != "client" and f.name not in NEW_CLIENT_FIELDS
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        typed = any(data.get(name) for name in NEW_CLIENT_FIELDS)
        if data.get("client") and typed:
            self.add_error(
                "client", "Choose a client or add a new one, not both: clear one of them."
            )
        elif not data.get("client") and not typed and "client" not in self.errors:
            self.add_error("client", "Choose a client, or add a new client below.")
        elif not data.get("client"):
            for name, what in (
                ("new_first_name", "first name"),
                ("new_last_name", "last name"),
                ("new_date_of_birth", "date of birth"),
            ):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, f"Enter the new client's {what}.")
        return data

    def new_client_data(self) -> dict[str, Any]:
        """The new client's details, named as the client record names them."""
        given = {
            name.removeprefix("new_"): self.cleaned_data.get(name) for name in NEW_CLIENT_FIELDS
        }
        return {name: value for name, value in given.items() if value}


class RescheduleForm(forms.Form):
    start = LocalDateTimeField(
        widget=LocalDateTimeInput(), input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
    )
    practitioner = PractitionerChoice(queryset=Membership.objects.none(), empty_label=None)
    room = forms.ModelChoiceField(
        queryset=Room.objects.none(), required=False, empty_label="Any free room"
    )
    reason = forms.CharField(required=False, max_length=300)

    def __init__(self, *args: Any, choices: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, queryset in choices.items():
            self.fields[name].queryset = queryset  # type: ignore[attr-defined]


class MoveToForm(forms.Form):
    """A free time chosen in the appointment page's picker, confirmed (old → new)."""

    at = forms.IntegerField(min_value=0, max_value=253402300799, widget=forms.HiddenInput)
    practitioner = PractitionerChoice(
        queryset=Membership.objects.none(), empty_label=None, widget=forms.HiddenInput
    )
    reason = forms.CharField(required=False, max_length=300, label="Reason (optional)")

    def __init__(self, *args: Any, practitioners: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["practitioner"].queryset = practitioners  # type: ignore[attr-defined]


class CancelForm(forms.Form):
    reason = forms.CharField(required=False, max_length=300)
    by = forms.ChoiceField(
        choices=[("client", "The client"), ("clinic", "The clinic")], label="Cancelled by"
    )


class NoteForm(forms.Form):
    note = forms.CharField(
        required=False,
        max_length=500,
        label="Front-desk note",
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ServiceForm(forms.ModelForm):  # type: ignore[type-arg]  # generic in django-stubs only
    practitioners = forms.ModelMultipleChoiceField(
        queryset=Membership.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Offered by",
    )

    class Meta:
        model = ServiceType
        fields = (
            "name",
            "description",
            "duration_minutes",
            "buffer_before_minutes",
            "buffer_after_minutes",
            "price",
            "bookable_online",
            "new_clients_only",
            "needs_room",
            "active",
        )
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, offerers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["practitioners"]
        field.queryset = offerers  # type: ignore[attr-defined]
        field.label_from_instance = practitioner_label  # type: ignore[attr-defined]
        if self.instance.pk:
            field.initial = list(self.instance.practitioners.values_list("pk", flat=True))

    def _post_clean(self) -> None:
        """Model validation happens once, in the service, so pages and API agree."""


class HoursForm(forms.Form):
    location = forms.ModelChoiceField(queryset=Location.objects.none(), empty_label=None)
    weekday = forms.TypedChoiceField(choices=Weekday.choices, coerce=int)
    start_time = forms.TimeField(widget=TimeInput(), label="From")
    end_time = forms.TimeField(widget=TimeInput(), label="To")

    def __init__(self, *args: Any, locations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = locations  # type: ignore[attr-defined]


class TimeOffForm(forms.Form):
    start = LocalDateTimeField(widget=LocalDateTimeInput(), input_formats=["%Y-%m-%dT%H:%M"])
    end = LocalDateTimeField(widget=LocalDateTimeInput(), input_formats=["%Y-%m-%dT%H:%M"])
    reason = forms.CharField(required=False, max_length=200, help_text="E.g. holiday, course.")


class ExceptionForm(forms.Form):
    date = forms.DateField(widget=DateInput())
    kind = forms.ChoiceField(choices=ExceptionKind.choices)
    location = forms.ModelChoiceField(
        queryset=Location.objects.none(),
        required=False,
        empty_label="Everywhere",
        help_text="Required for extra hours.",
    )
    start_time = forms.TimeField(widget=TimeInput(), required=False, label="From")
    end_time = forms.TimeField(widget=TimeInput(), required=False, label="To")
    note = forms.CharField(required=False, max_length=200)

    def __init__(self, *args: Any, locations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = locations  # type: ignore[attr-defined]


class OnlineDetailsForm(forms.Form):
    """Who is booking online. The service checks the values; this only parses them."""

    visitor = forms.ChoiceField(
        choices=[("new", "I am new to this clinic"), ("returning", "I have been here before")],
        widget=forms.RadioSelect,
        initial="new",
        label="Have you been to this clinic before?",
    )
    first_name = forms.CharField(
        max_length=100, label="First name", error_messages={"required": "Enter your first name."}
    )
    last_name = forms.CharField(
        max_length=100, label="Last name", error_messages={"required": "Enter your last name."}
    )
    email = forms.CharField(
        max_length=254,
        label="E-mail address",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text="We hold the time at once and e-mail you a link to confirm the booking.",
    )
    date_of_birth = forms.DateField(
        label="Date of birth",
        widget=DateInput(attrs={"autocomplete": "bday"}),
        help_text="With your e-mail address, this finds your record if you have been before.",
    )
    phone = forms.CharField(
        max_length=40,
        label="Phone number",
        error_messages={"required": "Enter a phone number, so the clinic can reach you."},
        help_text="So the clinic can reach you about the appointment. Optional if you have "
        "been before.",
    )

    # Needed from a new client only; marked required (``*`` and ``required``) until the
    # visitor says they have been before (public.js follows the choice on the page).
    NEW_CLIENT_ONLY = ("first_name", "last_name", "phone")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["first_name"].widget.attrs["autocomplete"] = "given-name"
        self.fields["last_name"].widget.attrs["autocomplete"] = "family-name"
        self.fields["phone"].widget.input_type = "tel"
        self.fields["phone"].widget.attrs["autocomplete"] = "tel"
        returning = self.data.get("visitor") == "returning"
        for name in self.NEW_CLIENT_ONLY:
            self.fields[name].required = not returning
            self.fields[name].widget.attrs["data-new-client-required"] = "1"


class OnlineCancelForm(forms.Form):
    reason = forms.CharField(
        required=False,
        max_length=300,
        label="Reason (optional)",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Practical reasons only, e.g. travel or work; no health details needed.",
    )


class PolicyForm(forms.ModelForm):  # type: ignore[type-arg]  # generic in django-stubs only
    """The clinic's booking rules, including online booking and the cancellation window."""

    class Meta:
        model = SchedulingPolicy
        fields = (
            "online_booking_enabled",
            "online_requests_need_approval",
            "cancellation_window_hours",
            "minimum_notice_minutes",
            "online_days_ahead",
            "slot_step_minutes",
        )
        labels = {
            "online_booking_enabled": "Clients can book online",
            "online_requests_need_approval": "The front desk accepts each online booking",
            "cancellation_window_hours": "Cancellation window (hours)",
            "minimum_notice_minutes": "Minimum notice for online bookings (minutes)",
            "online_days_ahead": "Book online up to (days ahead)",
            "slot_step_minutes": "Start times every (minutes)",
        }

    def _post_clean(self) -> None:
        """Validated by the service (catalogue.save_policy)."""

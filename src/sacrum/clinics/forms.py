"""Forms for the clinic, its places and its people. They parse; the services validate and save."""

from __future__ import annotations

import copy
import zoneinfo
from functools import cache
from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError

from sacrum.access.models import User
from sacrum.access.roles import Role
from sacrum.clinics.models import (
    Clinic,
    Credential,
    Location,
    PractitionerProfile,
    Room,
    VerificationState,
)
from sacrum.kernel.forms import DateInput


@cache
def _zones() -> tuple[str, ...]:
    return tuple(sorted(z for z in zoneinfo.available_timezones() if "/" in z))


class TimeZoneInput(forms.TextInput):
    """A text box that suggests IANA zone names as you type; the model validates the value."""

    template_name = "clinics/widgets/time_zone.html"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"autocomplete": "off", "spellcheck": "false", **(attrs or {})})

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        list_id = f"{context['widget']['attrs'].get('id') or name}-zones"
        context["widget"]["attrs"]["list"] = list_id
        context["widget"]["list_id"] = list_id
        context["widget"]["zones"] = _zones()
        return context


class ServiceValidatedForm(forms.ModelForm):  # type: ignore[type-arg]  # generic in django-stubs only
    """Model validation happens once, in the service, so pages and the API agree.

    When the form itself already refuses a field, the service is never called; the
    model's own rules are then checked on a copy for the other fields, so one submit
    reports every problem by its field (not one at a time)."""

    def _post_clean(self) -> None:
        if not self.errors:
            return
        probe = copy.copy(self.instance)
        names = {f.name for f in probe._meta.concrete_fields}
        for name, value in self.cleaned_data.items():
            if name in names:
                setattr(probe, name, value)
        refused = set(self.errors)
        unchecked = [n for n in names if n not in self.cleaned_data or n in refused]
        try:
            probe.full_clean(exclude=unchecked, validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            for name, problems in getattr(exc, "error_dict", {}).items():
                if name in self.fields and name not in refused:
                    self.add_error(name, problems)


class ClinicSettingsForm(ServiceValidatedForm):
    website = forms.URLField(label="Website", required=False, max_length=200, assume_scheme="https")

    class Meta:
        model = Clinic
        fields = (
            "name",
            "time_zone",
            "currency",
            "email",
            "phone",
            "website",
            "require_staff_mfa",
        )
        widgets = {"time_zone": TimeZoneInput(), "phone": forms.TextInput(attrs={"type": "tel"})}
        labels = {
            "name": "Clinic name",
            "email": "E-mail",
            "require_staff_mfa": "Require two-factor sign-in for staff",
        }
        help_texts = {
            "time_zone": "Used for the audit log and as the default for new locations, "
            "e.g. Europe/London.",
            "require_staff_mfa": "Staff without an authenticator app are asked to set one up "
            "before they can use the clinic.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Left empty (a form from before the field existed), the currency stays as it is.
        self.fields["currency"].required = False

    def clean_currency(self) -> str:
        value = str(self.cleaned_data.get("currency") or "").strip().upper()
        return value or self.instance.currency


class LocationForm(ServiceValidatedForm):
    class Meta:
        model = Location
        fields = (
            "name",
            "address_line",
            "city",
            "postal_code",
            "country",
            "time_zone",
            "phone",
            "latitude",
            "longitude",
            "active",
        )
        widgets = {"time_zone": TimeZoneInput(), "phone": forms.TextInput(attrs={"type": "tel"})}
        labels = {
            "address_line": "Street address",
            "active": "Open (clients can be seen here)",
            "latitude": "Latitude (optional)",
            "longitude": "Longitude (optional)",
        }
        help_texts = {
            "time_zone": "This location's calendar runs in this zone, e.g. Europe/Berlin."
        }

    def __init__(self, *args: Any, default_time_zone: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if default_time_zone and not self.instance.time_zone:
            self.initial.setdefault("time_zone", default_time_zone)
        if self.instance._state.adding:
            del self.fields["active"]


class RoomForm(ServiceValidatedForm):
    class Meta:
        model = Room
        fields = ("name",)
        labels = {"name": "Room name"}


class InvitationForm(forms.Form):
    email = forms.EmailField(
        label="E-mail",
        max_length=254,
        help_text="The invitation link goes to this address; only it can accept.",
    )
    role = forms.ChoiceField(label="Role", choices=Role.choices, initial=Role.PRACTITIONER)


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(
        label="Role",
        choices=Role.choices,
        help_text="Owners manage the clinic and its staff; practitioners see and chart their "
        "clients; the front desk books and checks in but never sees clinical notes.",
    )


class ProfileForm(ServiceValidatedForm):
    languages = forms.CharField(
        label="Languages",
        max_length=300,
        required=False,
        help_text="The languages you work in, separated by commas, e.g. English, German.",
    )

    class Meta:
        model = PractitionerProfile
        fields = ("display_name", "profession", "bio", "languages", "listed_publicly")
        widgets = {"bio": forms.Textarea(attrs={"rows": 6})}
        labels = {
            "display_name": "Name shown to clients",
            "bio": "About you",
            "listed_publicly": "List this profile in the public directory",
        }
        help_texts = {
            "bio": "A few sentences for clients: your background and the people you work with.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and isinstance(self.instance.languages, list):
            self.initial["languages"] = ", ".join(self.instance.languages)

    def service_data(self) -> dict[str, Any]:
        """The languages go as typed; the service splits them at the commas."""
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class CredentialForm(ServiceValidatedForm):
    evidence = forms.FileField(
        label="Evidence (optional)",
        required=False,
        help_text="A scan or photo of the certificate: PDF, PNG or JPEG, up to 10 MB. "
        "Only members of this clinic can open it.",
        widget=forms.FileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg"}),
    )

    class Meta:
        model = Credential
        fields = (
            "issuing_body",
            "title",
            "level",
            "registration_number",
            "issued_on",
            "expires_on",
        )
        widgets = {"issued_on": DateInput(), "expires_on": DateInput()}
        labels = {
            "level": "Level (optional)",
            "registration_number": "Licence or registration number (optional)",
            "expires_on": "Expires on (optional)",
        }
        help_texts = {
            "issuing_body": "Who issued it, e.g. Upledger Institute.",
            "level": "e.g. CST1, Level 4, Diploma.",
            "registration_number": "Printed on insurance statements for clients.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.evidence:
            self.fields["evidence"].label = "Replace the evidence file (optional)"
            self.fields[
                "evidence"
            ].help_text = (
                "A file is on record. Upload a PDF, PNG or JPEG (up to 10 MB) only to replace it."
            )

    def service_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class VerificationForm(forms.Form):
    state = forms.ChoiceField(choices=VerificationState.choices)


class JoinForm(forms.Form):
    """A new account for exactly the invited e-mail; the password meets Django's validators."""

    full_name = forms.CharField(label="Your full name", max_length=150)
    password1 = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 10 characters; not a common password, not only digits, "
        "and not like your name or e-mail.",
    )
    password2 = forms.CharField(
        label="Password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The two passwords are not the same.")
        elif second:
            candidate = User(email=self.email, full_name=cleaned.get("full_name", ""))
            try:
                password_validation.validate_password(second, candidate)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned

"""Forms of the directory: they parse; the services validate and save."""

from __future__ import annotations

from typing import Any

from django import forms

from sacrum.clients.models import Condition
from sacrum.clinics.models import Profession
from sacrum.directory.selectors import DEFAULT_RADIUS, RADII, SearchQuery

CONDITIONS = [(k, v) for k, v in Condition.choices if k != Condition.OTHER]


class SearchForm(forms.Form):
    """The public search: every field optional, every bad value a message, never a 500."""

    place = forms.CharField(
        label="Town or postcode",
        max_length=80,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-level2", "enterkeyhint": "search"}),
    )
    radius = forms.TypedChoiceField(
        label="Within",
        choices=[(r, f"{r} km") for r in RADII],
        coerce=int,
        initial=DEFAULT_RADIUS,
        required=False,
    )
    condition = forms.ChoiceField(
        label="What for", choices=[("", "Anything"), *CONDITIONS], required=False
    )
    profession = forms.ChoiceField(
        label="Profession", choices=[("", "Any"), *Profession.choices], required=False
    )
    language = forms.CharField(label="Language", max_length=40, required=False)
    free = forms.BooleanField(label="Free this week", required=False)
    page = forms.IntegerField(min_value=1, max_value=10_000, required=False)

    def clean_place(self) -> str:
        value: str = self.cleaned_data.get("place") or ""
        if any(not c.isprintable() for c in value):
            raise forms.ValidationError("Type a town or a postcode.")
        return value.strip()

    def clean_language(self) -> str:
        value: str = self.cleaned_data.get("language") or ""
        if any(not c.isprintable() for c in value):
            raise forms.ValidationError("Type a language, e.g. German.")
        return value.strip()

    def query(self) -> SearchQuery:
        data: dict[str, Any] = self.cleaned_data
        return SearchQuery(
            place=data.get("place") or "",
            radius_km=data.get("radius") or DEFAULT_RADIUS,
            condition=data.get("condition") or "",
            profession=data.get("profession") or "",
            language=data.get("language") or "",
            free_this_week=bool(data.get("free")),
            page=data.get("page") or 1,
        )


class DirectorySettingsForm(forms.Form):
    directory_enabled = forms.BooleanField(
        label="Show this clinic's practitioners in the public directory",
        required=False,
        help_text="Off: no public page, search result, sitemap entry or feed slot for anyone here.",
    )
    public_description = forms.CharField(
        label="About the clinic (public)",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="A few sentences for people looking for a practitioner. No claims of cures.",
    )

    def __init__(self, *args: Any, profiles: list[Any], services: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["profiles"] = forms.MultipleChoiceField(
            label="Listed practitioners",
            choices=[(str(p.pk), p.display_name) for p in profiles],
            required=False,
            widget=forms.CheckboxSelectMultiple,
            help_text="Each practitioner can also opt in or out on their own profile.",
        )
        self.fields["services"] = forms.MultipleChoiceField(
            label="Listed services",
            choices=[(str(s.pk), s.name) for s in services],
            required=False,
            widget=forms.CheckboxSelectMultiple,
            help_text="Only services that are active and bookable online appear, whatever is ticked.",
        )


class ListingForm(forms.Form):
    conditions = forms.MultipleChoiceField(
        label="People come to me for",
        choices=CONDITIONS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Shown as “People come to … for”. It says why people come, not what the "
        "sessions treat or cure.",
    )
    photo = forms.FileField(
        label="Photo (optional)",
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        help_text="A JPEG, PNG or WebP up to 10 MB; it is made smaller on the server.",
    )
    remove_photo = forms.BooleanField(label="Remove the current photo", required=False)

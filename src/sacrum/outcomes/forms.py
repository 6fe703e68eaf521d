"""Forms built from a definition: one field per item, answers kept exactly as the engine wants."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from sacrum.kernel.forms import DateInput
from sacrum.outcomes.definitions import CONDITIONS, Instrument, Item, number_text
from sacrum.outcomes.models import Occasion

RADIO_MAX = 11  # whole-number items with at most this many values are shown as buttons


def field_name(link_id: str) -> str:
    return f"item_{link_id}"


def _item_field(item: Item, number: int) -> forms.Field:
    label = item.text or f"Item {item.prefix or item.link_id}"
    if item.type == "choice":
        choices = [
            (o.code, o.display or number_text(o.value))
            for o in sorted(item.options, key=lambda o: o.value)
        ]
        return forms.ChoiceField(
            label=label, choices=choices, required=False, widget=forms.RadioSelect
        )
    if item.type == "boolean":
        return forms.TypedChoiceField(
            label=label,
            choices=[("yes", "Yes"), ("no", "No")],
            coerce=lambda v: v == "yes",
            required=False,
            widget=forms.RadioSelect,
            empty_value=None,
        )
    if item.type == "integer":
        low, high = item.value_range()
        if high - low + 1 <= RADIO_MAX:
            choices = [(str(v), str(v)) for v in range(int(low), int(high) + 1)]
            return forms.TypedChoiceField(
                label=label,
                choices=choices,
                coerce=int,
                required=False,
                widget=forms.RadioSelect,
                empty_value=None,
            )
        return forms.IntegerField(
            label=label, min_value=int(low), max_value=int(high), required=False
        )
    if item.type == "decimal":
        low, high = item.value_range()
        return forms.DecimalField(label=label, min_value=low, max_value=high, required=False)  # type: ignore[arg-type]
    return forms.CharField(label=label, max_length=500, required=False)


class QuestionnaireForm(forms.Form):
    """The instrument's items, then when and why it was taken."""

    occasion = forms.ChoiceField(choices=Occasion.choices, initial=Occasion.SESSION)
    session_number = forms.IntegerField(
        min_value=0, max_value=1000, required=False, help_text="Which session, if taken at one."
    )
    completed_on = forms.DateField(
        widget=DateInput(), initial=timezone.localdate, label="Completed on"
    )
    condition = forms.ChoiceField(
        required=False, help_text="What this measure follows for the client."
    )

    def __init__(self, instrument: Instrument, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        suitable = [c for c in instrument.scoring.conditions if c != "any"]
        others = [c for c in CONDITIONS if c not in suitable and c != "any"]
        condition_field = self.fields["condition"]
        assert isinstance(condition_field, forms.ChoiceField)
        condition_field.choices = [("", "—")] + [(c, CONDITIONS[c]) for c in suitable + others]
        if suitable:
            self.fields["condition"].initial = suitable[0]
        for n, item in enumerate(instrument.items, start=1):
            self.fields[field_name(item.link_id)] = _item_field(item, n)
        self.item_names = [field_name(i.link_id) for i in instrument.items]

    def item_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.item_names]

    def meta_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("occasion", "session_number", "completed_on", "condition")]

    def clean_completed_on(self) -> dt.date:
        day: dt.date = self.cleaned_data["completed_on"]
        if day > timezone.localdate():
            raise forms.ValidationError("Cannot be in the future.")
        return day

    def answers(self) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for item in self.instrument.items:
            value = self.cleaned_data.get(field_name(item.link_id))
            if value not in (None, ""):
                result[item.link_id] = float(value) if item.type == "decimal" else value
        return result


class ClientQuestionnaireForm(QuestionnaireForm):
    """The questions only: a client answering through a link sets nothing else."""

    def __init__(self, instrument: Instrument, *args: Any, **kwargs: Any) -> None:
        super().__init__(instrument, *args, **kwargs)
        for name in ("occasion", "session_number", "completed_on", "condition"):
            del self.fields[name]

    def meta_fields(self) -> list[forms.BoundField]:
        return []

    def clean_completed_on(self) -> dt.date:  # the field is gone; nothing to clean
        return timezone.localdate()


class DiaryForm(forms.Form):
    date = forms.DateField(widget=DateInput(), initial=timezone.localdate)
    headache = forms.TypedChoiceField(
        label="Did you have a headache today?",
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    peak = forms.TypedChoiceField(
        label="If so, how strong was it at its worst? (0 none, 10 worst imaginable)",
        choices=[(str(v), str(v)) for v in range(11)],
        coerce=int,
        required=False,
        empty_value=None,
        widget=forms.RadioSelect,
    )
    medication = forms.TypedChoiceField(
        label="Did you take any medicine for a headache today?",
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label="Anything to note? (optional)", max_length=500, required=False)

    def __init__(self, *args: Any, instrument: Instrument | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if instrument is not None:  # the diary's own wording, from its definition
            for item in instrument.items:
                if item.link_id in self.fields and item.text:
                    self.fields[item.link_id].label = item.text


class WordingForm(forms.Form):
    file = forms.FileField(
        required=False,
        help_text="A FHIR R4 Questionnaire (JSON) holding the wording you are licensed to use.",
    )
    text = forms.CharField(
        label="Or paste the JSON",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=2_000_000,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("file") and not data.get("text"):
            raise forms.ValidationError("Choose a file or paste its JSON.")
        return data


class WordingEditorForm(forms.Form):
    """The wording typed or pasted item by item, for a clinic without a FHIR file."""

    def __init__(self, instrument: Instrument, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        self.groups: list[tuple[Item, str, list[tuple[str, str]]]] = []
        for item in instrument.items:
            text_name = f"text_{item.link_id}"
            self.fields[text_name] = forms.CharField(
                label=f"Item {item.link_id}",
                max_length=1000,
                initial=item.text,
                required=item.numeric,
            )
            options = []
            for option in sorted(item.options, key=lambda o: o.value):
                name = f"option_{item.link_id}_{option.code}"
                self.fields[name] = forms.CharField(
                    label=f"Answer scored {option.value_text}",
                    max_length=200,
                    initial=option.display,
                    required=False,
                )
                options.append((name, option.code))
            self.groups.append((item, text_name, options))

    def rows(self) -> list[tuple[forms.BoundField, list[forms.BoundField]]]:
        return [
            (self[text], [self[name] for name, _code in options])
            for _item, text, options in self.groups
        ]

    def document(self, resource: dict[str, Any]) -> dict[str, Any]:
        """``resource`` (the instrument as FHIR) with the typed wording filled in."""
        by_link = {str(i["linkId"]): i for i in resource.get("item", [])}
        for item, text_name, options in self.groups:
            raw = by_link[item.link_id]
            raw["text"] = self.cleaned_data.get(text_name, "").strip()
            for name, code in options:
                display = self.cleaned_data.get(name, "").strip()
                for option in raw.get("answerOption", []):
                    if option["valueCoding"]["code"] == code and display:
                        option["valueCoding"]["display"] = display
        return resource

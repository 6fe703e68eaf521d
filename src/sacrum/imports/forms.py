"""The upload form and the column-mapping form (a select per Sacrum field)."""

from __future__ import annotations

from typing import Any

from django import forms

from sacrum.imports.layouts import FIELDS, LAYOUTS
from sacrum.imports.models import Kind
from sacrum.imports.values import DATE_ORDERS

KIND_CHOICES = [("", "Find out from the file"), *Kind.choices]
LAYOUT_CHOICES = [("", "Find out from the header row"), *((k, v.label) for k, v in LAYOUTS.items())]
DATE_CHOICES = [
    (k, f"{v} (e.g. {ex})")
    for (k, v), ex in zip(
        DATE_ORDERS.items(), ("2025-03-31", "31/03/2025", "03/31/2025"), strict=True
    )
]


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Export file",
        help_text="A CSV export of clients, appointments or notes, or a FHIR R4 Bundle / NDJSON file.",
    )
    kind = forms.ChoiceField(label="What the file holds", choices=KIND_CHOICES, required=False)
    layout = forms.ChoiceField(label="Layout", choices=LAYOUT_CHOICES, required=False)
    source_system = forms.CharField(
        label="The system it comes from",
        max_length=60,
        required=False,
        help_text="Kept with every imported record (e.g. Jane, Cliniko). Default: the layout's name.",
    )


class MappingForm(forms.Form):
    """One select per field of the kind, listing the file's columns."""

    source_system = forms.CharField(label="The system it comes from", max_length=60)
    date_order = forms.ChoiceField(label="How the file writes dates", choices=DATE_CHOICES)

    def __init__(
        self, *args: Any, kind: str, columns: list[str], mapping: dict[str, Any], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.original = mapping
        options = [("", "— not in the file —"), *((c, c) for c in columns)]
        for field, label in FIELDS.get(kind, {}).items():
            current = mapping.get(field)
            names = [current] if isinstance(current, str) else list(current or [])
            self.fields[f"map_{field}"] = forms.ChoiceField(
                label=label, choices=options, required=False, initial=names[0] if names else ""
            )
            if field in ("start", "end"):
                self.fields[f"map_{field}_time"] = forms.ChoiceField(
                    label=f"{label}: time column, if the time is apart",
                    choices=options,
                    required=False,
                    initial=names[1] if len(names) > 1 else "",
                )

    def mapping(self) -> dict[str, Any]:
        chosen: dict[str, Any] = {}
        for field in FIELDS.get(self.kind, {}):
            column = self.cleaned_data.get(f"map_{field}") or ""
            extra = self.cleaned_data.get(f"map_{field}_time") or ""
            before = self.original.get(field)
            if column and not extra and isinstance(before, list) and before[0] == column:
                chosen[field] = before  # joined columns (an address in parts) kept as detected
            elif column:
                chosen[field] = [column, extra] if extra else column
        return chosen

"""The reminder settings form: on/off and the offsets as people write them ("48h, 2h")."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from sacrum.notifications.services import parse_offsets


class ReminderPolicyForm(forms.Form):
    enabled = forms.BooleanField(label="Send e-mail reminders to clients", required=False)
    offsets = forms.CharField(
        label="When",
        max_length=100,
        required=False,
        help_text="Before the appointment, separated by commas: e.g. 48h, 2h (m = minutes, "
        "h = hours, d = days). Between 15 minutes and 14 days; at most four.",
    )

    def clean_offsets(self) -> list[int]:
        try:
            return parse_offsets(self.cleaned_data.get("offsets") or "")
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["offsets"]) from exc

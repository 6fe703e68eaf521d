"""Portal forms: choosing a password from the invitation, and the diary day."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from sacrum.outcomes.forms import DiaryForm


class SetPasswordForm(forms.Form):
    """The client's new login: the invited e-mail and a password meeting our validators
    (the service runs them, so the page and any other caller get the same rules)."""

    password1 = forms.CharField(
        label="Choose a password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 10 characters; not a common password, not only digits, "
        "and not like your name or e-mail.",
    )
    password2 = forms.CharField(
        label="The same password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The two passwords are not the same.")
        return cleaned


class PortalDiaryForm(DiaryForm):
    """The outcomes diary form, for the client's phone: today is preselected, and the
    peak only counts on a headache day."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = timezone.localdate
        self.fields["date"].label = "Day"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("headache") is False:
            cleaned["peak"] = None
        elif cleaned.get("headache") and cleaned.get("peak") is None:
            self.add_error("peak", "Choose how strong it was at its worst (0 to 10).")
        return cleaned


class RecordCopyForm(forms.Form):
    """Staff making a copy of a client's record: why, and in which format."""

    reason = forms.CharField(
        label="Why is the copy made?",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept with the copy and named in the audit log, e.g. "
        "“Client's letter of 3 May asking for her notes”.",
    )
    format = forms.ChoiceField(
        label="Format",
        choices=(("pdf", "PDF (to print and post)"), ("json", "JSON (for another program)")),
        initial="pdf",
        widget=forms.RadioSelect,
    )

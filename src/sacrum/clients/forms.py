"""Client record forms. The clinical field appears only for clinical roles."""

from __future__ import annotations

from django import forms

from sacrum.clients.models import Client
from sacrum.web.forms import DateInput


class ClientForm(forms.ModelForm):
    class Meta:
        model = Client
        fields = (
            "first_name",
            "last_name",
            "preferred_name",
            "pronouns",
            "date_of_birth",
            "email",
            "phone",
            "address",
            "presenting_concerns",
        )
        widgets = {
            "date_of_birth": DateInput(),
            "presenting_concerns": forms.Textarea(attrs={"rows": 4}),
        }
        labels = {"presenting_concerns": "What brings them (clinical)"}

    def __init__(self, *args: object, clinical: bool, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if not clinical:
            del self.fields["presenting_concerns"]
        self.fields["date_of_birth"].help_text = "As written on an ID, e.g. 1984-03-27."

    def _post_clean(self) -> None:
        """Model validation happens once, in the service, so pages and API agree."""

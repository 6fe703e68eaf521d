"""Forms for screening pages. Answer sheets are rendered from the question set itself."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.http import QueryDict

from sacrum.kernel.forms import DateInput
from sacrum.screening.engine import urgent_triggers
from sacrum.screening.models import Rule
from sacrum.screening.questions import Question, QuestionSet, all_questions


@dataclass
class Row:
    question: Question
    value: Any
    error: str
    urgent_answers: list[str]
    fired: list[Any]

    @property
    def value_str(self) -> str:
        return "" if self.value is None else str(self.value)

    @property
    def urgent_now(self) -> bool:
        return self.value_str in self.urgent_answers


@dataclass
class SheetSection:
    key: str
    title: str
    intro: str
    show_if_question: str
    show_if_answers: str
    rows: list[Row]


def answer_sheet(
    qs: QuestionSet,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    rules: list[Rule] | None = None,
    fired: dict[str, list[Any]] | None = None,
) -> list[SheetSection]:
    """The question set laid out for a template: values, errors, urgent answers, firings."""
    errors = errors or {}
    urgent = urgent_triggers(rules or [])
    fired = fired or {}
    return [
        SheetSection(
            key=section.key,
            title=section.title,
            intro=section.intro,
            show_if_question=(section.show_if or {}).get("question", ""),
            show_if_answers=" ".join((section.show_if or {}).get("answers", [])),
            rows=[
                Row(
                    q,
                    values.get(q.key),
                    errors.get(q.key, ""),
                    urgent.get(q.key, []),
                    fired.get(q.key, []),
                )
                for q in section.questions
            ],
        )
        for section in qs.sections
    ]


def answers_from_post(qs: QuestionSet, data: QueryDict) -> dict[str, Any]:
    """Raw answers from a submitted sheet; the service validates them."""
    return {q.key: data.get(q.key, "") for q in qs.questions() if data.get(q.key, "") != ""}


class NoteForm(forms.Form):
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, required=False, label="Note"
    )


class AcknowledgeForm(NoteForm):
    pass


class ClearanceForm(forms.Form):
    physician_name = forms.CharField(max_length=150, label="Physician who cleared the client")
    cleared_on = forms.DateField(widget=DateInput(), label="Date of the clearance")
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
        label="What the physician said",
        help_text="A note, or upload the letter below (or both).",
    )
    letter = forms.FileField(
        required=False, label="Physician's letter", help_text="PDF, PNG or JPEG, up to 10 MB."
    )


class AssessmentForm(forms.Form):
    assessed_by = forms.CharField(
        max_length=150,
        label="Who assessed the client",
        help_text="The doctor, hospital or service that saw them.",
    )
    assessed_on = forms.DateField(widget=DateInput(), label="Date of the assessment")
    outcome = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        label="What the assessment found or advised",
        help_text="From the client's account, a discharge letter or a call with the doctor.",
    )


def _question_choices() -> list[tuple[str, str]]:
    return [
        (key, f"{key} — {q.text[:70]}")
        for key, q in sorted(all_questions().items())
        if q.type != "text"
    ]


class RuleForm(forms.ModelForm):  # type: ignore[type-arg]  # generic in django-stubs only
    trigger_answers = forms.CharField(
        required=False,
        help_text="For yes/no questions: yes, no or not_sure, separated by commas.",
    )
    requires_answers = forms.CharField(
        required=False, help_text="Answers the condition needs, separated by commas."
    )

    class Meta:
        model = Rule
        fields = (
            "title",
            "question",
            "trigger_answers",
            "trigger_at_least",
            "requires_question",
            "requires_answers",
            "action",
            "urgent",
            "refer_when_unsure",
            "explanation",
            "source",
            "active",
        )
        widgets = {"explanation": forms.Textarea(attrs={"rows": 3})}
        labels = {
            "trigger_at_least": "Triggers at or above (number questions)",
            "requires_question": "Only when this question…",
            "requires_answers": "…has one of these answers",
            "explanation": "Explanation shown to the practitioner",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = _question_choices()
        self.fields["question"] = forms.ChoiceField(choices=choices, label="Question")
        self.fields["requires_question"] = forms.ChoiceField(
            choices=[("", "— always —"), *choices], required=False, label="Only when this question…"
        )
        if self.instance.pk and not self.is_bound:
            self.initial["trigger_answers"] = ", ".join(self.instance.trigger_answers)
            self.initial["requires_answers"] = ", ".join(self.instance.requires_answers)

    def service_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}

    def _post_clean(self) -> None:
        """Model validation happens once, in the service, so pages and API agree."""


class NewRuleForm(RuleForm):
    code = forms.SlugField(max_length=60, help_text="A short id, e.g. warn-hypertension.")

    field_order = ("code",)

"""Plan forms: the plan with its taper and the client's goals, the measurement schedule,
the series proposal, review, discharge and the diary reminder."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from sacrum.clients.models import Condition
from sacrum.kernel.forms import DateInput
from sacrum.outcomes.services import DIARY_KEY
from sacrum.plans.models import DischargeReason, GoalTarget
from sacrum.plans.services import DEFAULT_EVERY_N, DEFAULT_FOLLOW_UP_DAYS, GoalData, MeasureData
from sacrum.scheduling.models.series import Rule

PHASE_ROWS = 3
GOAL_ROWS = 4
RULES = [("", "—"), *Rule.choices]


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs: object) -> None:
        super().__init__(format="%H:%M", **kwargs)  # type: ignore[arg-type]


class PlanForm(forms.Form):
    """The plan: conditions, taper (up to three phases), sessions, reviews, goals.

    On a new plan it also carries the proposed measurement schedule (instruments, every N
    sessions, follow-up), which the schedule page refines per instrument afterwards.
    """

    conditions = forms.MultipleChoiceField(
        choices=Condition.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="What the client comes for (from the client record).",
    )
    start_date = forms.DateField(widget=DateInput(), required=False)
    planned_sessions = forms.IntegerField(
        min_value=1,
        max_value=104,
        required=False,
        help_text="Leave empty to use the taper's total.",
    )
    review_every_weeks = forms.IntegerField(
        min_value=1, max_value=52, required=False, initial=6, label="Review every (weeks)"
    )

    def __init__(
        self,
        *args: Any,
        measures: dict[str, str],
        new: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        for n in range(1, PHASE_ROWS + 1):
            self.fields[f"phase{n}_rule"] = forms.ChoiceField(
                choices=RULES, required=n == 1, label=f"Phase {n}"
            )
            self.fields[f"phase{n}_count"] = forms.IntegerField(
                min_value=1, max_value=52, required=False, label=f"Sessions in phase {n}"
            )
        measure_choices = [("", "—"), *sorted(measures.items(), key=lambda kv: kv[1].lower())]
        for n in range(1, GOAL_ROWS + 1):
            self.fields[f"goal{n}_text"] = forms.CharField(
                max_length=300, required=False, label=f"Goal {n}, in the client's words"
            )
            self.fields[f"goal{n}_measure"] = forms.ChoiceField(
                choices=measure_choices, required=False, label="Followed by"
            )
            self.fields[f"goal{n}_kind"] = forms.ChoiceField(
                choices=[
                    (GoalTarget.MIC, "Minimal important change"),
                    (GoalTarget.VALUE, "A score"),
                ],
                required=False,
                label="Target",
            )
            self.fields[f"goal{n}_value"] = forms.FloatField(required=False, label="Score to reach")
        if not new:
            self.fields.pop("start_date")
            return
        schedulable = [(k, v) for k, v in measure_choices[1:] if k != DIARY_KEY]
        self.fields["measures"] = forms.MultipleChoiceField(
            choices=schedulable,
            required=False,
            widget=forms.CheckboxSelectMultiple,
            label="Measure with",
            help_text="Proposed from the conditions; each is measured at baseline.",
        )
        self.fields["every_n_sessions"] = forms.IntegerField(
            min_value=1,
            max_value=52,
            required=False,
            initial=DEFAULT_EVERY_N,
            label="Then every N sessions",
        )
        self.fields["at_discharge"] = forms.BooleanField(
            required=False, initial=True, label="At discharge"
        )
        self.fields["follow_up_days"] = forms.IntegerField(
            min_value=7,
            max_value=730,
            required=False,
            initial=DEFAULT_FOLLOW_UP_DAYS,
            label="Follow-up, days after discharge",
        )

    def phase_rows(self) -> list[tuple[Any, Any]]:
        return [(self[f"phase{n}_rule"], self[f"phase{n}_count"]) for n in range(1, PHASE_ROWS + 1)]

    def goal_rows(self) -> list[list[Any]]:
        return [
            [self[f"goal{n}_{part}"] for part in ("text", "measure", "kind", "value")]
            for n in range(1, GOAL_ROWS + 1)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        phases = []
        for n in range(1, PHASE_ROWS + 1):
            rule, count = data.get(f"phase{n}_rule"), data.get(f"phase{n}_count")
            if not rule:
                if count:
                    self.add_error(f"phase{n}_rule", "Choose how often.")
                continue
            phases.append({"rule": rule, **({"count": count} if count else {})})
        data["phases"] = phases
        if not phases:
            self.add_error("phase1_rule", "Give at least one phase.")
        goals = []
        for n in range(1, GOAL_ROWS + 1):
            text = (data.get(f"goal{n}_text") or "").strip()
            measure = data.get(f"goal{n}_measure") or ""
            if not text and not measure:
                continue
            if not text:
                self.add_error(f"goal{n}_text", "Write the goal in the client's words.")
                continue
            if not measure:
                self.add_error(f"goal{n}_measure", "Choose the measure that follows it.")
                continue
            kind = data.get(f"goal{n}_kind") or GoalTarget.MIC
            value = data.get(f"goal{n}_value")
            if kind == GoalTarget.VALUE and value is None:
                self.add_error(f"goal{n}_value", "Give the score to reach.")
                continue
            goals.append(
                GoalData(
                    text=text,
                    instrument_key=measure,
                    target_kind=kind,
                    target_value=value if kind == GoalTarget.VALUE else None,
                )
            )
        data["goals"] = goals
        return data

    def measure_data(self) -> list[MeasureData]:
        data = self.cleaned_data
        return [
            MeasureData(
                instrument_key=key,
                baseline=True,
                every_n_sessions=data.get("every_n_sessions"),
                at_discharge=bool(data.get("at_discharge")),
                follow_up_days=data.get("follow_up_days"),
            )
            for key in data.get("measures") or []
        ]


class MeasureRowForm(forms.Form):
    instrument_key = forms.ChoiceField(choices=(), required=False, label="Questionnaire")
    baseline = forms.BooleanField(required=False, label="Baseline")
    every_n_sessions = forms.IntegerField(
        min_value=1, max_value=52, required=False, label="Every N sessions"
    )
    at_discharge = forms.BooleanField(required=False, label="At discharge")
    follow_up_days = forms.IntegerField(
        min_value=7, max_value=730, required=False, label="Follow-up (days after)"
    )

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["instrument_key"].choices = [("", "—"), *choices]  # type: ignore[attr-defined]


MeasureFormSet = forms.formset_factory(MeasureRowForm, extra=2, max_num=12)


def schedule_data(formset: Any) -> list[MeasureData]:
    return [
        MeasureData(
            instrument_key=f.cleaned_data["instrument_key"],
            baseline=bool(f.cleaned_data.get("baseline")),
            every_n_sessions=f.cleaned_data.get("every_n_sessions"),
            at_discharge=bool(f.cleaned_data.get("at_discharge")),
            follow_up_days=f.cleaned_data.get("follow_up_days"),
        )
        for f in formset.forms
        if f.cleaned_data.get("instrument_key")
    ]


class SeriesForm(forms.Form):
    service = forms.ChoiceField(choices=())
    location = forms.ChoiceField(choices=())
    room = forms.ChoiceField(choices=(), required=False, label="Room (optional)")
    first_date = forms.DateField(widget=DateInput(), label="First session")
    local_time = forms.TimeField(widget=TimeInput(), label="At (local time)")

    def __init__(
        self,
        *args: Any,
        services: list[tuple[str, str]],
        locations: list[tuple[str, str]],
        rooms: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].choices = services  # type: ignore[attr-defined]
        self.fields["location"].choices = locations  # type: ignore[attr-defined]
        self.fields["room"].choices = [("", "Any free room"), *rooms]  # type: ignore[attr-defined]


class ReviewForm(forms.Form):
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        required=False,
        label="Review note",
    )
    next_review_on = forms.DateField(
        widget=DateInput(), required=False, help_text="Empty: the plan's interval."
    )


class DischargeForm(forms.Form):
    discharged_on = forms.DateField(widget=DateInput(), initial=dt.date.today)
    reason = forms.ChoiceField(choices=[("", "—"), *DischargeReason.choices])
    summary = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=4000,
        required=False,
        help_text="What was done, what the measures showed, what the client will do next. "
        "Describe observed change; don't attribute it to the sessions.",
    )
    cancel_remaining = forms.BooleanField(
        required=False, initial=True, label="Cancel the plan's remaining appointments"
    )


class DiaryReminderForm(forms.Form):
    local_time = forms.TimeField(widget=TimeInput(), label="E-mail the diary link daily at")
    time_zone = forms.CharField(max_length=64, required=False, help_text="Empty: the clinic's.")
    until = forms.DateField(widget=DateInput(), required=False, label="Last day (optional)")

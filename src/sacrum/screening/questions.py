"""The question sets clients answer (intake, visit check-in), versioned, in our own words.

A set is data (``data/<set>-v<version>.json``): sections of questions, each with a key,
a type (``yes_no``, ``number``, ``text``) and the lay-person wording. Answers are stored
by key, so a rule names the question it reads, and a new version of a set keeps old
answers readable. A few facts are not asked but derived from the record (``DERIVED``,
e.g. the client's age from the date of birth); rules may read them like answers.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data"

YES_NO_CHOICES = (("yes", "Yes"), ("no", "No"), ("not_sure", "Not sure"))
YES_NO_VALUES = tuple(value for value, _label in YES_NO_CHOICES)
INTAKE = "intake"
CHECKIN = "checkin"
CURRENT_VERSION = {INTAKE: 2, CHECKIN: 2}
CLIENT_AGE = "client_age"
NOT_SURE_REFERS_DEFAULT = True  # "Not sure" to a red-flag question refers unless a rule opts out


@dataclass(frozen=True)
class Question:
    key: str
    type: str
    text: str
    help: str = ""
    min: int | None = None
    max: int | None = None
    max_length: int = 2000

    @property
    def choices(self) -> tuple[tuple[str, str], ...]:
        return YES_NO_CHOICES if self.type == "yes_no" else ()

    def label_for(self, value: Any) -> str:
        """An answer as a person would read it."""
        if value is None or value == "":
            return "—"
        return dict(self.choices).get(str(value), str(value))


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    questions: tuple[Question, ...]
    intro: str = ""
    show_if: dict[str, Any] | None = None

    def shown_for(self, answers: dict[str, Any]) -> bool:
        if not self.show_if:
            return True
        return answers.get(self.show_if["question"]) in self.show_if["answers"]


@dataclass(frozen=True)
class QuestionSet:
    set: str
    version: int
    title: str
    intro: str
    sections: tuple[Section, ...]
    by_key: dict[str, Question] = field(default_factory=dict, compare=False, repr=False)

    def questions(self) -> list[Question]:
        return [q for s in self.sections for q in s.questions]

    def clean(self, raw: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        """Validate answers; returns (answers, errors by key). Hidden sections are dropped.

        Yes/no questions must be answered, numbers must be whole and in range, text is
        optional. Unknown keys are an error so a typo never silently loses an answer.
        """
        answers: dict[str, Any] = {}
        errors: dict[str, str] = {}
        unknown = sorted(set(raw) - set(self.by_key))
        for key in unknown:
            errors[key] = "This is not a question of this form."
        for section in self.sections:
            if not section.shown_for({**raw, **answers}):
                continue
            for q in section.questions:
                value = raw.get(q.key)
                if isinstance(value, str):
                    value = value.strip()
                if q.type == "yes_no":
                    if value in (None, ""):
                        errors[q.key] = "Please choose yes, no or not sure."
                    elif value not in YES_NO_VALUES:
                        errors[q.key] = "Choose yes, no or not sure."
                    else:
                        answers[q.key] = value
                elif q.type == "number":
                    number = _whole_number(value)
                    if value in (None, ""):
                        errors[q.key] = "Please give a number."
                    elif number is None:
                        errors[q.key] = "Give a whole number, e.g. 42."
                    elif (q.min is not None and number < q.min) or (
                        q.max is not None and number > q.max
                    ):
                        errors[q.key] = f"Give a number from {q.min} to {q.max}."
                    else:
                        answers[q.key] = number
                else:
                    text = "" if value is None else str(value)
                    if len(text) > q.max_length:
                        errors[q.key] = f"Please keep this under {q.max_length} characters."
                    elif text:
                        answers[q.key] = text
        return answers, errors


def _whole_number(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return None
    return None


@cache
def question_set(name: str, version: int | None = None) -> QuestionSet:
    """A question set by name and version (the current one when no version is given)."""
    version = version or CURRENT_VERSION[name]
    raw = json.loads((DATA / f"{name}-v{version}.json").read_text(encoding="utf-8"))
    sections = tuple(
        Section(
            key=s["key"],
            title=s["title"],
            intro=s.get("intro", ""),
            show_if=s.get("show_if"),
            questions=tuple(Question(**q) for q in s["questions"]),
        )
        for s in raw["sections"]
    )
    qs = QuestionSet(raw["set"], raw["version"], raw["title"], raw.get("intro", ""), sections)
    qs.by_key.update({q.key: q for q in qs.questions()})
    return qs


DERIVED = {
    CLIENT_AGE: Question(
        key=CLIENT_AGE,
        type="number",
        text="The client's age in whole years on the day of the answers (from the date of birth)",
        min=0,
        max=130,
    ),
}


def age_on(born: dt.date, day: dt.date) -> int:
    """Whole years from ``born`` to ``day`` (a birthday on 29 February counts from 1 March)."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def all_questions() -> dict[str, Question]:
    """Every question of every version and every derived fact, by key (what a rule may read)."""
    found: dict[str, Question] = {}
    for name, current in CURRENT_VERSION.items():
        # Older versions first, so answers and rules of a retired question stay readable.
        for version in range(1, current + 1):
            found.update(question_set(name, version).by_key)
    found.update(DERIVED)
    return found

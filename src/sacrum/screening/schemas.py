"""API schemas. Answer schemas are built from the question sets, so OpenAPI shows every question."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from ninja import Schema
from pydantic import Field, create_model

from sacrum.kernel.fields import Day
from sacrum.screening.questions import CHECKIN, INTAKE, QuestionSet, question_set

YesNo = Literal["no", "yes", "not_sure"]


def _answers_model(name: str, qs: QuestionSet, *, all_optional: bool = False) -> type[Schema]:
    fields: dict[str, Any] = {}
    for section in qs.sections:
        for q in section.questions:
            required = not all_optional and not section.show_if and q.type != "text"
            if q.type == "yes_no":
                kind: Any = YesNo
                extra: dict[str, Any] = {}
            elif q.type == "number":
                kind = int
                extra = {"ge": q.min, "le": q.max}
            else:
                kind = str
                extra = {"max_length": q.max_length}
            if required:
                fields[q.key] = (kind, Field(..., description=q.text, **extra))
            else:
                fields[q.key] = (kind | None, Field(None, description=q.text, **extra))
    return create_model(name, __base__=Schema, **fields)


IntakeAnswers = _answers_model("IntakeAnswers", question_set(INTAKE))
IntakeAnswersPatch = _answers_model("IntakeAnswersPatch", question_set(INTAKE), all_optional=True)
CheckInAnswers = _answers_model("CheckInAnswers", question_set(CHECKIN))


class IntakeIn(Schema):
    answers: IntakeAnswers  # type: ignore[valid-type]


class IntakeAmendIn(Schema):
    answers: IntakeAnswersPatch = Field(default_factory=IntakeAnswersPatch)  # type: ignore[valid-type]
    note: str = Field(default="", max_length=2000)


class CheckInIn(Schema):
    answers: CheckInAnswers  # type: ignore[valid-type]


class FiringOut(Schema):
    id: uuid.UUID
    rule_id: uuid.UUID
    rule_code: str = Field(alias="rule.code")
    alert_id: uuid.UUID
    source: str
    intake_id: uuid.UUID | None
    check_in_id: uuid.UUID | None
    question: str
    answer: str
    action: str
    fired_at: dt.datetime


class IntakeOut(Schema):
    id: uuid.UUID
    client_id: uuid.UUID
    version: int
    answers: dict[str, Any]
    via: str
    submitted_at: dt.datetime
    amended_at: dt.datetime | None
    firings: list[FiringOut]

    @staticmethod
    def resolve_firings(obj: Any) -> list[Any]:
        return list(obj.firings.select_related("rule"))


class CheckInOut(Schema):
    id: uuid.UUID
    client_id: uuid.UUID
    version: int
    answers: dict[str, Any]
    via: str
    submitted_at: dt.datetime
    firings: list[FiringOut]

    @staticmethod
    def resolve_firings(obj: Any) -> list[Any]:
        return list(obj.firings.select_related("rule"))


class AcknowledgementOut(Schema):
    by: str
    at: dt.datetime
    note: str

    @staticmethod
    def resolve_by(obj: Any) -> str:
        return str(obj.by.display_name)


class ClearanceOut(Schema):
    physician_name: str
    cleared_on: dt.date
    note: str
    has_letter: bool
    recorded_at: dt.datetime

    @staticmethod
    def resolve_has_letter(obj: Any) -> bool:
        return bool(obj.letter)


class AssessmentOut(Schema):
    assessed_by: str
    assessed_on: dt.date
    outcome: str
    recorded_at: dt.datetime


class ScreeningAlertOut(Schema):
    id: uuid.UUID
    client_id: uuid.UUID
    rule_id: uuid.UUID
    rule_code: str = Field(alias="rule.code")
    title: str = Field(alias="rule.title")
    explanation: str = Field(alias="rule.explanation")
    action: str
    urgent: bool
    status: str
    opened_at: dt.datetime
    resolved_at: dt.datetime | None
    firings: list[FiringOut]
    acknowledgement: AcknowledgementOut | None = None
    clearance: ClearanceOut | None = None
    assessment: AssessmentOut | None = None

    @staticmethod
    def resolve_firings(obj: Any) -> list[Any]:
        return list(obj.firings.all())

    @staticmethod
    def resolve_acknowledgement(obj: Any) -> Any:
        return getattr(obj, "acknowledgement", None)

    @staticmethod
    def resolve_clearance(obj: Any) -> Any:
        return getattr(obj, "clearance", None)


class ScreeningOut(Schema):
    client_id: uuid.UUID
    charting_gate: list[str]
    booking_gate: list[str]
    alerts: list[ScreeningAlertOut]


class AcknowledgeIn(Schema):
    note: str = Field(default="", max_length=2000)


class AssessmentIn(Schema):
    assessed_by: str = Field(max_length=150, description="Who assessed the client.")
    assessed_on: Day
    outcome: str = Field(max_length=2000, description="What the assessment found or advised.")


class ClearanceIn(Schema):
    physician_name: str = Field(max_length=150)
    cleared_on: Day
    note: str = Field(max_length=2000)


class RuleOut(Schema):
    id: uuid.UUID
    code: str
    title: str
    question: str
    trigger_answers: list[str]
    trigger_at_least: int | None
    requires_question: str
    requires_answers: list[str]
    action: str
    urgent: bool
    refer_when_unsure: bool
    explanation: str
    source: str
    shipped: bool
    active: bool


class RuleIn(Schema):
    code: str = Field(max_length=60)
    title: str = Field(max_length=120)
    question: str = Field(max_length=60)
    trigger_answers: list[str] = Field(default_factory=list)
    trigger_at_least: int | None = None
    requires_question: str = ""
    requires_answers: list[str] = Field(default_factory=list)
    action: Literal["block", "warn", "refer"]
    urgent: bool = False
    refer_when_unsure: bool = True
    explanation: str = Field(max_length=2000)
    source: str = Field(default="", max_length=400)
    active: bool = True


class RulePatch(Schema):
    title: str | None = Field(default=None, max_length=120)
    question: str | None = Field(default=None, max_length=60)
    trigger_answers: list[str] | None = None
    trigger_at_least: int | None = None
    requires_question: str | None = None
    requires_answers: list[str] | None = None
    action: Literal["block", "warn", "refer"] | None = None
    urgent: bool | None = None
    refer_when_unsure: bool | None = None
    explanation: str | None = Field(default=None, max_length=2000)
    source: str | None = Field(default=None, max_length=400)
    active: bool | None = None


class QuestionOut(Schema):
    key: str
    type: str
    text: str
    help: str
    min: int | None
    max: int | None


class SectionOut(Schema):
    key: str
    title: str
    intro: str
    show_if: dict[str, Any] | None
    questions: list[QuestionOut]


class QuestionSetOut(Schema):
    set: str
    version: int
    title: str
    intro: str
    sections: list[SectionOut]


class IntakeLinkIn(Schema):
    purpose: Literal["intake", "checkin"] = "intake"
    delivery: Literal["email", "tablet"] = "email"


class IntakeLinkOut(Schema):
    id: uuid.UUID
    client_id: uuid.UUID
    purpose: str
    via: str
    sent_to: str
    created_at: dt.datetime
    expires_at: dt.datetime
    used_at: dt.datetime | None
    state: str
    url: str | None = Field(
        default=None, description="Only for a tablet link, once: open it on the clinic's device."
    )


class LetterDraftIn(Schema):
    alert_ids: list[uuid.UUID] | None = Field(
        default=None,
        description="Alerts to write about; by default every open block and proposed referral.",
    )


class LetterPatch(Schema):
    letter_date: Day | None = None
    recipient_name: str | None = Field(default=None, max_length=150)
    recipient_practice: str | None = Field(default=None, max_length=200)
    recipient_email: str | None = Field(default=None, max_length=254)
    subject: str | None = Field(default=None, max_length=200)
    reason: str | None = Field(default=None, max_length=8000)
    history: str | None = Field(default=None, max_length=8000)
    sessions: str | None = Field(default=None, max_length=4000)
    outcomes: str | None = Field(default=None, max_length=4000)
    request: str | None = Field(default=None, max_length=4000)


class LetterFinalizeIn(Schema):
    how: Literal["email", "print"]


class LetterOut(Schema):
    id: uuid.UUID
    client_id: uuid.UUID
    author_id: uuid.UUID
    alert_ids: list[uuid.UUID]
    status: str
    letter_date: dt.date
    recipient_name: str
    recipient_practice: str
    recipient_email: str
    subject: str
    reason: str
    history: str
    sessions: str
    outcomes: str
    request: str
    urgent: bool
    created_at: dt.datetime
    finalized_at: dt.datetime | None
    sent_to: str
    pdf_sha256: str

    @staticmethod
    def resolve_alert_ids(obj: Any) -> list[Any]:
        return [a.pk for a in obj.alerts.all()]

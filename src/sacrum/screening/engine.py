"""The screening engine: a pure function from rules and answers to firings.

No database, no clock: the same rules and answers always give the same result, so
every shipped rule can be tested from its own data, and a clinic's edited rule
behaves exactly as its fields say.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

BLOCK, WARN, REFER = "block", "warn", "refer"
SEVERITY = {BLOCK: 0, WARN: 1, REFER: 2}
NOT_SURE = "not_sure"


class RuleLike(Protocol):
    """What the engine reads of a rule (the model and the shipped JSON both fit)."""

    code: str
    question: str
    trigger_answers: Sequence[str]
    trigger_at_least: int | None
    requires_question: str
    requires_answers: Sequence[str]
    action: str
    urgent: bool
    active: bool
    refer_when_unsure: bool


@dataclass(frozen=True)
class Hit:
    """One rule fired by one answer.

    ``unsure``: the answer was "Not sure" to a rule that triggers on "yes" only; it
    refers (never urgent, never a block) so the uncertainty is talked through.
    """

    rule: Any
    question: str
    answer: Any
    unsure: bool = False

    @property
    def action(self) -> str:
        return REFER if self.unsure else str(self.rule.action)

    @property
    def urgent(self) -> bool:
        return False if self.unsure else bool(self.rule.urgent)


def answer_triggers(rule: RuleLike, value: Any) -> bool:
    """Whether ``value`` is one of the rule's trigger answers (or at/above its threshold)."""
    if value is None or value == "":
        return False
    threshold = rule.trigger_at_least
    if threshold is not None and isinstance(value, int | float) and not isinstance(value, bool):
        return value >= threshold
    return str(value) in {str(a) for a in rule.trigger_answers}


def applies(rule: RuleLike, answers: Mapping[str, Any]) -> bool:
    """A rule with a precondition (e.g. 'reports headache') only applies when it holds."""
    if not rule.requires_question:
        return True
    return answers.get(rule.requires_question) in set(rule.requires_answers)


def unsure_refers(rule: RuleLike, value: Any) -> bool:
    """ "Not sure" to a rule that fires on "yes" only refers, unless the rule says otherwise."""
    return (
        value == NOT_SURE
        and getattr(rule, "refer_when_unsure", True)
        and rule.trigger_at_least is None
        and NOT_SURE not in {str(a) for a in rule.trigger_answers}
    )


def evaluate(rules: Iterable[RuleLike], answers: Mapping[str, Any]) -> list[Hit]:
    """Every active rule whose question was answered with a triggering answer.

    A "Not sure" the rule does not trigger on still refers (see ``unsure_refers``).
    Ordered block, warn, refer (then by code), the order a practitioner reads them in.
    """
    hits: list[Hit] = []
    for rule in rules:
        if not rule.active or rule.question not in answers or not applies(rule, answers):
            continue
        value = answers[rule.question]
        if answer_triggers(rule, value):
            hits.append(Hit(rule, rule.question, value))
        elif unsure_refers(rule, value):
            hits.append(Hit(rule, rule.question, value, unsure=True))
    return sorted(hits, key=lambda h: (SEVERITY.get(h.action, 9), h.rule.code))


def urgent_triggers(rules: Iterable[RuleLike]) -> dict[str, list[str]]:
    """Question key → answers that must tell the client, on the form, to seek urgent care."""
    found: dict[str, list[str]] = {}
    for rule in rules:
        if rule.active and rule.urgent and rule.trigger_answers:
            found.setdefault(rule.question, [])
            for answer in rule.trigger_answers:
                if answer not in found[rule.question]:
                    found[rule.question].append(str(answer))
    return found

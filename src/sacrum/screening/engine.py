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


@dataclass(frozen=True)
class Hit:
    """One rule fired by one answer."""

    rule: Any
    question: str
    answer: Any

    @property
    def action(self) -> str:
        return str(self.rule.action)

    @property
    def urgent(self) -> bool:
        return bool(self.rule.urgent)


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


def evaluate(rules: Iterable[RuleLike], answers: Mapping[str, Any]) -> list[Hit]:
    """Every active rule whose question was answered with a triggering answer.

    Ordered block, warn, refer (then by code), the order a practitioner reads them in.
    """
    hits = [
        Hit(rule, rule.question, answers[rule.question])
        for rule in rules
        if rule.active
        and rule.question in answers
        and applies(rule, answers)
        and answer_triggers(rule, answers[rule.question])
    ]
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

"""The shipped rule set (``data/rules.json``) and how it reaches each clinic.

Every clinic gets its own copy when it is created (and existing clinics by a data
migration), so an owner's edit changes only their clinic. Installing is idempotent:
rules already present (by code) are left exactly as the owner keeps them.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from sacrum.screening.models import Rule
from sacrum.screening.questions import NOT_SURE_REFERS_DEFAULT

DATA = Path(__file__).resolve().parent / "data" / "rules.json"


@cache
def _load() -> tuple[dict[str, Any], ...]:
    return tuple(json.loads(DATA.read_text(encoding="utf-8"))["rules"])


def shipped_rules() -> list[dict[str, Any]]:
    """The shipped rules as plain dicts (a fresh copy each call)."""
    return [dict(r) for r in _load()]


def rule_fields(entry: dict[str, Any]) -> dict[str, Any]:
    """Model field values for one shipped rule."""
    requires = entry.get("requires") or {}
    return {
        "code": entry["code"],
        "title": entry["title"],
        "question": entry["question"],
        "trigger_answers": list(entry.get("trigger_answers") or []),
        "trigger_at_least": entry.get("trigger_at_least"),
        "requires_question": requires.get("question", ""),
        "requires_answers": list(requires.get("answers", [])),
        "action": entry["action"],
        "urgent": bool(entry.get("urgent")),
        "refer_when_unsure": bool(entry.get("refer_when_unsure", NOT_SURE_REFERS_DEFAULT)),
        "explanation": entry["explanation"],
        "source": entry.get("source", ""),
        "shipped": True,
        "active": True,
    }


def install_shipped_rules(clinic_id: Any, rule_model: Any = None) -> int:
    """Give a clinic every shipped rule it does not have yet; returns how many were added."""
    if rule_model is None:
        rule_model = Rule
    have = set(rule_model.objects.filter(clinic_id=clinic_id).values_list("code", flat=True))
    # A migration's historical model may predate a field (e.g. refer_when_unsure): skip it.
    known = {f.name for f in rule_model._meta.get_fields()}
    new = [
        rule_model(
            clinic_id=clinic_id, **{k: v for k, v in rule_fields(entry).items() if k in known}
        )
        for entry in _load()
        if entry["code"] not in have
    ]
    rule_model.objects.bulk_create(new)
    return len(new)

"""Screening objects of the Stillwater clinic for the cross-cutting route tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.db import models

from sacrum.screening import letters, links, services
from sacrum.screening.models import ClientAlert, Rule
from tests.screening.helpers import quiet_answers

if TYPE_CHECKING:
    from tests.access.objects import Stillwater


def _rule(w: Stillwater) -> models.Model:
    return Rule.objects.get(clinic=w.owner.clinic, code="warn-anticoagulants")


def _intake(w: Stillwater) -> models.Model:
    answers = quiet_answers("intake") | {"anticoagulants": "yes"}
    intake, _ = services.submit_intake(
        actor=w.practitioner.actor,
        client=w.object("client_id"),  # type: ignore[arg-type]
        answers=answers,
    )
    return intake


def _check_in(w: Stillwater) -> models.Model:
    check_in, _ = services.record_check_in(
        actor=w.practitioner.actor,
        client=w.object("client_id"),  # type: ignore[arg-type]
        answers=quiet_answers("checkin") | {"checkin_pain": 4},
    )
    return check_in


def _alert(w: Stillwater) -> models.Model:
    """An open warning (anticoagulants), which a practitioner may acknowledge."""
    intake: Any = w.object("intake_id")
    return ClientAlert.objects.get(client_id=intake.client_id, rule__code="warn-anticoagulants")


def _link(w: Stillwater) -> models.Model:
    link, _raw = links.create_link(
        actor=w.front_desk.actor,
        client=w.object("client_id"),  # type: ignore[arg-type]
        purpose="intake",
        via="tablet",
    )
    return link


def _letter(w: Stillwater) -> models.Model:
    """A draft letter with the physician's address, so it can be sent."""
    letter = letters.draft_letter(actor=w.practitioner.actor, client=w.object("client_id"))  # type: ignore[arg-type]
    return letters.update_letter(
        actor=w.practitioner.actor,
        letter=letter,
        data={"recipient_email": "gp@surgery.example", "reason": "- Jaw pain for a year."},
    )


FACTORIES: dict[str, Callable[[Stillwater], models.Model]] = {
    "rule_id": _rule,
    "intake_id": _intake,
    "check_in_id": _check_in,
    "alert_id": _alert,
    "link_id": _link,
    "letter_id": _letter,
}

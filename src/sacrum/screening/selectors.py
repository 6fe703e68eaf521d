"""Reads of screening data. Clinical: only practitioners and owners; every read audited."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch

from sacrum.access import audit
from sacrum.access.models import AuditAction
from sacrum.access.scoping import get_scoped_or_404
from sacrum.clients.models import Client
from sacrum.clients.selectors import require_clinical
from sacrum.kernel.actor import StaffActor
from sacrum.screening.engine import BLOCK, REFER, WARN
from sacrum.screening.models import (
    AlertStatus,
    CheckIn,
    ClientAlert,
    Firing,
    Intake,
    Rule,
    RuleQuerySet,
)

ANSWERS_ONLY = "Screening answers and alerts are for practitioners and owners only."


def rules_for(actor: StaffActor) -> RuleQuerySet:
    require_clinical(actor, message=ANSWERS_ONLY)
    return Rule.objects.for_member(actor.member, "view")


def rule_for(actor: StaffActor, rule_id: uuid.UUID | str) -> Rule:
    require_clinical(actor, message=ANSWERS_ONLY)
    return get_scoped_or_404(rules_for(actor), pk=rule_id)


def intake_for(actor: StaffActor, intake_id: uuid.UUID | str, *, audited: bool = True) -> Intake:
    require_clinical(actor, message=ANSWERS_ONLY)
    intake = get_scoped_or_404(
        Intake.objects.for_member(actor.member, "view").select_related("client", "submitted_by"),
        pk=intake_id,
    )
    if audited:
        audit.record(actor, AuditAction.READ, intake)
    return intake


def check_in_for(
    actor: StaffActor, check_in_id: uuid.UUID | str, *, audited: bool = True
) -> CheckIn:
    require_clinical(actor, message=ANSWERS_ONLY)
    check_in = get_scoped_or_404(
        CheckIn.objects.for_member(actor.member, "view").select_related("client", "submitted_by"),
        pk=check_in_id,
    )
    if audited:
        audit.record(actor, AuditAction.READ, check_in)
    return check_in


def alert_for(actor: StaffActor, alert_id: uuid.UUID | str) -> ClientAlert:
    require_clinical(actor, message=ANSWERS_ONLY)
    return get_scoped_or_404(
        ClientAlert.objects.for_member(actor.member, "view").select_related("client", "rule"),
        pk=alert_id,
    )


def intakes_of(client: Client) -> list[Intake]:
    return list(Intake.objects.filter(client=client).select_related("submitted_by"))


def check_ins_of(client: Client) -> list[CheckIn]:
    return list(CheckIn.objects.filter(client=client).select_related("submitted_by"))


def alerts_of(client: Client, *, include_withdrawn: bool = False) -> list[ClientAlert]:
    """Every alert of the client with its rule, firings, acknowledgement and clearance."""
    qs = ClientAlert.objects.filter(client=client).select_related(
        "rule",
        "resolved_by",
        "acknowledgement__by",
        "clearance__recorded_by",
        "assessment__recorded_by",
    )
    if not include_withdrawn:
        qs = qs.exclude(status=AlertStatus.WITHDRAWN)
    return list(
        qs.prefetch_related(Prefetch("firings", queryset=Firing.objects.order_by("-fired_at")))
    )


@dataclass
class AlertSummary:
    """The banner's view of a client: what must happen, and what is known."""

    blocks: list[ClientAlert] = field(default_factory=list)
    holds: list[ClientAlert] = field(default_factory=list)  # urgent: awaiting an assessment
    warnings: list[ClientAlert] = field(default_factory=list)
    referrals: list[ClientAlert] = field(default_factory=list)
    settled: list[ClientAlert] = field(default_factory=list)

    @property
    def open(self) -> list[ClientAlert]:
        return self.blocks + self.holds + self.warnings + self.referrals

    @property
    def urgent(self) -> list[ClientAlert]:
        return [a for a in self.open if a.urgent]

    def __bool__(self) -> bool:
        return bool(self.open or self.settled)


def summary_of(client: Client) -> AlertSummary:
    summary = AlertSummary()
    for alert in alerts_of(client):
        if alert.status != AlertStatus.OPEN:
            summary.settled.append(alert)
        elif alert.action == BLOCK:
            summary.blocks.append(alert)
        elif alert.urgent:
            summary.holds.append(alert)
        elif alert.action == WARN:
            summary.warnings.append(alert)
        elif alert.action == REFER:
            summary.referrals.append(alert)
    return summary


def open_alert_counts(client_ids: list[Any]) -> dict[Any, dict[str, int]]:
    """For lists: client id → {action: open alerts}, in one query."""
    counts: dict[Any, dict[str, int]] = {}
    rows = ClientAlert.objects.filter(
        client_id__in=client_ids, status=AlertStatus.OPEN
    ).values_list("client_id", "action")
    for client_id, action in rows:
        counts.setdefault(client_id, {}).setdefault(action, 0)
        counts[client_id][action] += 1
    return counts


def alert_badges(client_ids: Sequence[Any], clinical: bool) -> dict[Any, list[tuple[str, str]]]:
    """The client list's badges: a block shows to everyone (as "review pending" to the
    front desk); warnings and referrals only to those who may read why."""
    badges: dict[Any, list[tuple[str, str]]] = {}
    for client_id, found in open_alert_counts(list(client_ids)).items():
        row = badges.setdefault(client_id, [])
        if found.get("block"):
            row.append(("danger", "blocked" if clinical else "review pending"))
        if clinical and found.get("warn"):
            n = found["warn"]
            row.append(("warn", f"{n} warnings" if n > 1 else "warning"))
        if clinical and found.get("refer"):
            n = found["refer"]
            row.append(("", f"{n} referrals" if n > 1 else "referral"))
    return badges

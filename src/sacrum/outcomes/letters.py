"""The "outcomes" section of a referral letter, contributed to screening's draft."""

from __future__ import annotations

from sacrum.clients.models import Client
from sacrum.outcomes.models import InstrumentDefinition, OutcomeSummary


def outcomes_text(client: Client) -> str:
    """Each measured questionnaire: its baseline and, when measured again, its latest."""
    rows = list(OutcomeSummary.objects.filter(client=client, measurements__gt=0))
    if not rows:
        return ""
    titles = dict(
        InstrumentDefinition.objects.filter(
            clinic_id=client.clinic_id, key__in=[r.instrument_key for r in rows]
        ).values_list("key", "title")
    )
    lines = []
    for row in rows:
        title = titles.get(row.instrument_key, row.instrument_key)
        if row.baseline_value is None:
            continue
        line = f"- {title}: {row.baseline_value:g} at baseline"
        if row.latest_value is not None and row.measurements > 1:
            line += f", {row.latest_value:g} most recently ({row.measurements} measurements)"
        lines.append(line + ".")
    return "\n".join(lines)

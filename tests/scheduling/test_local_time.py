"""Wall-clock times render as they are: Django's template filters would turn them to UTC."""

from __future__ import annotations

import datetime as dt

from django.template import Context, Template

from sacrum.scheduling.local_time import local, zone


def test_a_local_time_shows_on_its_own_wall_clock_in_templates() -> None:
    summer = dt.datetime(2026, 6, 15, 8, 0, tzinfo=dt.UTC)  # 09:00 BST, 04:00 EDT
    shown = Template('{{ london|date:"H:i" }} {{ london|time:"H:i" }} {{ new_york|date:"H:i T" }}')
    html = shown.render(
        Context(
            {
                "london": local(summer, zone("Europe/London")),
                "new_york": local(summer, zone("America/New_York")),
            }
        )
    )
    assert html == "09:00 09:00 04:00 EDT"


def test_a_local_time_is_still_the_same_instant() -> None:
    instant = dt.datetime(2026, 10, 25, 0, 30, tzinfo=dt.UTC)  # 01:30 BST, the first of two
    at = local(instant, zone("Europe/London"))
    # (== across zones is False for a repeated wall time, by Python's rules: compare stamps)
    assert (
        at.timestamp() == instant.timestamp()
        and at.fold == 0
        and at.utcoffset() == dt.timedelta(hours=1)
    )
    later = local(instant + dt.timedelta(hours=1), zone("Europe/London"))
    assert (later.hour, later.fold, later.utcoffset()) == (1, 1, dt.timedelta(0))
    assert (at + dt.timedelta(minutes=30)).convert_to_local_time is False  # type: ignore[attr-defined]

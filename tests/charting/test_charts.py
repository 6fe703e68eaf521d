"""The chart view's small SVG charts: valid markup, honest labels, gaps kept as gaps."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

from sacrum.charting import charts

SVG = "{http://www.w3.org/2000/svg}"
DAY = dt.date(2025, 3, 3)


def parse(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))


def test_pain_chart_draws_before_and_after_and_breaks_at_a_gap() -> None:
    sessions = [(DAY + dt.timedelta(weeks=i), 7 - i, None if i == 2 else 5 - i) for i in range(5)]
    svg = parse(charts.pain_chart(sessions))
    assert svg.find(f"{SVG}title").text.startswith("Pain 0 to 10")  # type: ignore[union-attr]
    lines = svg.findall(f"{SVG}polyline")
    # "before" is one unbroken line; "after" is broken by the missing third session.
    assert len(lines) == 3
    dots = svg.findall(f"{SVG}circle")
    assert len(dots) == 5 + 4
    assert "style" not in str(charts.pain_chart(sessions))


def test_rhythm_charts_say_palpation_findings_and_share_one_scale() -> None:
    by_station: dict[str, list[tuple[dt.date, float | None]]] = {
        "Heels": [(DAY, 6.0), (DAY + dt.timedelta(days=7), 8.0)],
        "Head": [(DAY, 12.0), (DAY + dt.timedelta(days=7), None)],
        "Thighs": [(DAY, None)],
    }
    result = charts.rhythm_rate_charts(by_station)
    assert [name for name, _ in result] == ["Heels", "Head"]  # nothing recorded: no chart
    for _, markup in result:
        svg = parse(markup)
        assert "palpation findings" in svg.find(f"{SVG}title").text  # type: ignore[operator,union-attr]
        ticks = [t.text for t in svg.findall(f"{SVG}text") if t.get("text-anchor") == "end"]
        assert "6" in ticks and "12" in ticks
    # no normal/abnormal colouring: no bands or thresholds in the markup
    assert all("band" not in str(m) and "normal" not in str(m) for _, m in result)


def test_empty_and_single_point_charts() -> None:
    empty = parse(charts.restriction_count_chart([]))
    assert "Nothing recorded yet" in ET.tostring(empty, encoding="unicode")
    one = parse(charts.restriction_count_chart([(DAY, 3)]))
    (dot,) = one.findall(f"{SVG}circle")
    assert float(dot.get("cx", "0")) > 30
    assert "palpation findings" in one.find(f"{SVG}title").text  # type: ignore[operator,union-attr]


def test_text_is_escaped() -> None:
    markup = charts.line_chart(
        [charts.Series("<b>x</b>", [charts.Point(DAY, 1)])], title="a & b", description="<c>"
    )
    assert "<b>" not in str(markup) and "a &amp; b" in str(markup)
    parse(markup)


def test_nice_ticks_cover_the_range() -> None:
    low, high, ticks = charts.nice_ticks(6.3, 11.2)
    assert low <= 6.3 and high >= 11.2 and ticks[0] == low and ticks[-1] == high
    assert charts.nice_ticks(0, 0)[1] > 0

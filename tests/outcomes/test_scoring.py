"""The scoring engine against hand-worked cases for every shipped instrument.

Each case shows its arithmetic. Missing answers and reversed items are worked where the
instrument has a rule for them; property tests check bounds and monotonicity for all.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sacrum.outcomes.definitions import Instrument, shipped_instrument, shipped_instruments
from sacrum.outcomes.scoring import (
    AnswerError,
    DiaryDay,
    change_status,
    diary_score,
    diary_window,
    rounded,
    score,
)


def answers(values: list[Any], start: int = 1) -> dict[str, Any]:
    """{"1": v1, "2": v2, …}; ``None`` leaves an item unanswered."""
    return {str(n): v for n, v in enumerate(values, start=start) if v is not None}


def total(key: str, given_answers: dict[str, Any]) -> Fraction | None:
    return score(shipped_instrument(key), given_answers).total


# --- Own measures -------------------------------------------------------------------------


def test_pain_nrs() -> None:
    instrument = shipped_instrument("pain-nrs")
    assert score(instrument, {"pain": 7}).total == 7
    assert score(instrument, {}).total is None
    with pytest.raises(AnswerError) as err:
        score(instrument, {"pain": 11})
    assert "from 0 to 10" in err.value.fields["pain"]
    assert change_status(instrument, 7, 5) == "improved"  # 2 points
    assert change_status(instrument, 3, 2) == "improved"  # 1 point = 33 %
    assert change_status(instrument, 6, 5) == "not_yet"


def test_pgic_is_read_as_a_change() -> None:
    instrument = shipped_instrument("pgic")
    assert score(instrument, {"change": "2"}).total == 2
    assert change_status(instrument, None, 2) == "improved"
    assert change_status(instrument, None, 4) == "not_yet"
    assert change_status(instrument, None, 6) == "worse"


def test_psfs_mean_of_rated_activities() -> None:
    instrument = shipped_instrument("psfs")
    three = {
        "activity-1": "Lifting my toddler",
        "score-1": 3,
        "activity-2": "Driving",
        "score-2": 5,
        "activity-3": "Reading",
        "score-3": 4,
    }
    assert score(instrument, three).total == 4  # (3 + 5 + 4) / 3
    five = {**three, "score-4": 7, "score-5": 6, "activity-4": "Gardening", "activity-5": "Running"}
    assert score(instrument, five).total == 5  # 25 / 5
    two = {"score-1": 3, "score-2": 5}
    assert score(instrument, two).total is None  # fewer than 3 activities
    assert instrument.scoring.higher_is_worse is False


def test_headache_diary_per_28_days() -> None:
    end = dt.date(2025, 3, 28)
    days = [
        DiaryDay(end - dt.timedelta(days=n), headache=n % 3 == 0, medication=n % 6 == 0)
        for n in range(28)
    ]
    window = diary_score(shipped_instrument("headache-diary"), days, end)
    # n = 0, 3, …, 27: 10 headache days; n = 0, 6, …, 24: 5 medication days; all 28 recorded.
    assert (window.days_recorded, window.headache_days, window.medication_days) == (28, 10, 5)
    assert window.headache_days_per_28 == 10 and window.medication_days_per_28 == 5

    partial = diary_window(days[:21], end, min_days=20)  # 21 days recorded, 7 with headache
    assert partial.headache_days == 7
    assert partial.headache_days_per_28 == Fraction(7 * 28, 21)  # 9.33
    too_few = diary_window(days[:19], end, min_days=20)
    assert too_few.headache_days_per_28 is None and not too_few.enough
    older = diary_window(days, end - dt.timedelta(days=28), min_days=1)
    assert older.days_recorded == 0
    with pytest.raises(ValueError, match="two diary entries"):
        diary_window([days[0], days[0]], end)
    with pytest.raises(ValueError):
        score(shipped_instrument("headache-diary"), {"headache": True})


def test_headache_diary_bands_and_mic() -> None:
    instrument = shipped_instrument("headache-diary")
    assert instrument.band_for(Fraction(14)) and "Fewer than 15" in instrument.band_for(14).label  # type: ignore[union-attr]
    assert "chronic" in instrument.band_for(15).label  # type: ignore[union-attr]
    assert change_status(instrument, 12, 6) == "improved"  # 50 % fewer
    assert change_status(instrument, 12, 7) == "not_yet"


# --- Licensed measures: scoring only -------------------------------------------------------


def test_phq9_sum_bands_and_item_9_alert() -> None:
    instrument = shipped_instrument("phq-9")
    result = score(instrument, answers(["1", "2", "0", "3", "1", "1", "2", "0", "1"]))
    assert result.total == 11  # 1+2+0+3+1+1+2+0+1
    assert result.band and result.band.label == "Moderate"
    assert [a.kind for a in result.alerts] == ["self_harm"]
    quiet = score(instrument, answers(["1", "2", "0", "3", "1", "1", "2", "0", "0"]))
    assert quiet.total == 10 and quiet.alerts == ()
    # No missing-item rule is published: an incomplete form has no total, but item 9 still alerts.
    incomplete = score(instrument, answers([None, "2", "0", "3", "1", "1", "2", "0", "2"]))
    assert incomplete.total is None and "1 of 9 items unanswered" in incomplete.reason
    assert incomplete.alerts
    assert [instrument.band_for(s).label for s in (4, 5, 19, 20)] == [  # type: ignore[union-attr]
        "Minimal",
        "Mild",
        "Moderately severe",
        "Severe",
    ]


def test_gad7() -> None:
    assert total("gad-7", answers(["3", "3", "2", "2", "1", "1", "0"])) == 12
    instrument = shipped_instrument("gad-7")
    assert [instrument.band_for(s).label for s in (4, 5, 10, 15)] == [  # type: ignore[union-attr]
        "Minimal",
        "Mild",
        "Moderate",
        "Severe",
    ]
    assert change_status(instrument, 15, 11) == "improved"  # 4 points (Toussaint 2020)


def test_hit6_answer_values() -> None:
    assert total("hit-6", answers(["6", "8", "10", "11", "13", "13"])) == 61  # 6+8+10+11+13+13
    assert total("hit-6", answers(["6"] * 6)) == 36
    assert total("hit-6", answers(["13"] * 6)) == 78
    instrument = shipped_instrument("hit-6")
    assert instrument.band_for(56).label == "Substantial impact"  # type: ignore[union-attr]
    with pytest.raises(AnswerError):
        score(instrument, answers(["9", "8", "10", "11", "13", "13"]))


def test_midas_counts_five_questions_only() -> None:
    base = answers([3, 2, 0, 4, 1])
    assert total("midas", base) == 10  # 3+2+0+4+1 -> grade II
    assert total("midas", {**base, "A": 30, "B": 7}) == 10  # A and B are not scored
    assert shipped_instrument("midas").band_for(10).label == "Grade II"  # type: ignore[union-attr]
    assert shipped_instrument("midas").band_for(21).label == "Grade IV"  # type: ignore[union-attr]
    with pytest.raises(AnswerError):
        score(shipped_instrument("midas"), answers([91, 0, 0, 0, 0]))
    assert change_status(shipped_instrument("midas"), 30, 5) == "no_mic"


def test_ndi_mean_substitution_for_one_missing_section() -> None:
    full = answers(["2", "1", "3", "0", "2", "1", "2", "3", "1", "0"])
    assert total("ndi", full) == 15  # moderate
    one_missing = answers(["2", "1", "3", "0", "2", "1", "2", "3", "1", None])
    # 9 sections sum 15; the missing one counts as their mean 15/9: 15 + 15/9 = 150/9 = 16.7
    assert total("ndi", one_missing) == Fraction(150, 9)
    assert rounded(shipped_instrument("ndi"), Fraction(150, 9)) == "16.7"
    two_missing = answers(["2", "1", "3", "0", "2", "1", "2", "3", None, None])
    assert total("ndi", two_missing) is None


def test_odi_percentage_of_answered_sections() -> None:
    assert total("odi", answers(["2"] * 10)) == 40  # 20 / 50 x 100
    nine = answers(["2", "3", "2", "2", "3", "2", "2", "2", "2", None])
    assert total("odi", nine) == Fraction(20, 45) * 100  # 20 / (5 x 9) x 100 = 44.4
    assert rounded(shipped_instrument("odi"), total("odi", nine)) == "44.4"
    eight = answers(["2", "2", "2", "2", "2", "2", "2", "2", None, None])
    assert total("odi", eight) == 40  # 16 / 40 x 100
    assert total("odi", answers(["2"] * 7)) is None  # three sections missing
    instrument = shipped_instrument("odi")
    assert instrument.band_for(44.4).label == "Severe disability"  # type: ignore[union-attr]
    assert change_status(instrument, 40, 30) == "improved"  # 10 points
    assert change_status(instrument, 20, 14) == "improved"  # 30 %


def test_rmdq_counts_yes() -> None:
    yes = [True] * 7 + [False] * 17
    assert total("rmdq", answers(yes)) == 7
    assert total("rmdq", answers(yes[:23])) is None
    with pytest.raises(AnswerError):
        score(shipped_instrument("rmdq"), {"1": "yes"})


def test_fiqr_domains_and_missing_item_scaling() -> None:
    function = ["4"] * 9  # 36 / 3 = 12
    overall = ["6", "8"]  # 14 / 1 = 14
    symptoms = ["5"] * 10  # 50 / 2 = 25
    result = score(shipped_instrument("fiqr"), answers(function + overall + symptoms))
    assert result.total == 51
    assert result.domains == {"function": 12, "overall": 14, "symptoms": 25}
    # Item 3 missing: the 8 answered sum 32, scaled by 9/8 -> 36 -> 12: the total is unchanged.
    assert (
        total("fiqr", answers(["4", "4", None, "4", "4", "4", "4", "4", "4", *overall, *symptoms]))
        == 51
    )
    # Uneven: function 1..8 answered as 0..7 (sum 28) x 9/8 = 31.5 -> /3 = 10.5.
    uneven = [str(v) for v in range(8)] + [None]
    assert score(shipped_instrument("fiqr"), answers(uneven + overall + symptoms)).domains[
        "function"
    ] == Fraction(21, 2)
    assert total("fiqr", answers(["4"] * 7 + [None, None] + overall + symptoms)) is None
    assert total("fiqr", answers([*function, "6", None, *symptoms])) is None


def test_snot22() -> None:
    values = ["2"] * 11 + ["1"] * 11
    assert total("snot-22", answers(values)) == 33  # 22 + 11
    assert change_status(shipped_instrument("snot-22"), 40, 31) == "improved"  # 9 >= 8.9
    assert change_status(shipped_instrument("snot-22"), 40, 32) == "not_yet"


def test_isi() -> None:
    assert total("isi", answers(["3", "3", "2", "2", "3", "2", "2"])) == 17
    instrument = shipped_instrument("isi")
    assert instrument.band_for(17).label == "Moderate insomnia"  # type: ignore[union-attr]
    assert instrument.band_for(7).label == "No clinically significant insomnia"  # type: ignore[union-attr]


def test_pss10_reverses_items_4_5_7_8() -> None:
    raw = ["2", "3", "1", "3", "4", "2", "1", "0", "3", "2"]
    # Reversed: item 4: 3 -> 1, item 5: 4 -> 0, item 7: 1 -> 3, item 8: 0 -> 4.
    # 2 + 3 + 1 + 1 + 0 + 2 + 3 + 4 + 3 + 2 = 21
    assert total("pss-10", answers(raw)) == 21
    assert total("pss-10", answers(["0"] * 10)) == 16  # the four reversed items score 4 each
    assert total("pss-10", answers(["4"] * 10)) == 24


def test_jfls_mean_of_answered_items() -> None:
    assert total("jfls-8", answers(["2", "4", "6", "0", "1", "3", "5", "7"])) == Fraction(28, 8)
    assert total("jfls-8", answers(["2", "4", "6", "0", "1", "3", None, None])) == Fraction(16, 6)
    assert total("jfls-8", answers(["2", "4", "6", "0", "1", None, None, None])) is None
    twenty = [str(n % 11) for n in range(20)]  # 0..10, 0..8: 55 + 36 = 91
    assert total("jfls-20", answers(twenty)) == Fraction(91, 20)
    assert total("jfls-20", answers(twenty[:16])) == Fraction(55 + 10, 16)  # 4 missing: 0..10, 0..4
    assert total("jfls-20", answers(twenty[:15])) is None


def test_unknown_items_and_bad_types_are_named() -> None:
    with pytest.raises(AnswerError) as err:
        score(shipped_instrument("gad-7"), {"8": "1", "1": "x", "2": 1.5})
    assert set(err.value.fields) == {"8", "1", "2"}


def test_every_instrument_in_the_domain_file_is_shipped() -> None:
    assert set(shipped_instruments()) == {
        "pain-nrs",
        "pgic",
        "phq-9",
        "gad-7",
        "headache-diary",
        "psfs",
        "hit-6",
        "midas",
        "ndi",
        "odi",
        "rmdq",
        "fiqr",
        "snot-22",
        "isi",
        "pss-10",
        "jfls-8",
        "jfls-20",
    }


# --- Properties for every instrument -------------------------------------------------------

SCORED = [i for i in shipped_instruments().values() if i.scoring.method != "diary_per_28_days"]


def _choices(instrument: Instrument, link_id: str) -> list[Any]:
    item = instrument.item(link_id)
    if item.type == "choice":
        return [o.code for o in sorted(item.options, key=lambda o: o.value)]
    if item.type == "boolean":
        return [False, True]
    low, high = item.value_range()
    return list(range(int(low), int(high) + 1))


@st.composite
def filled(draw: st.DrawFn, instrument: Instrument) -> dict[str, Any]:
    """Answers to every scored item, some left out (up to what the rule allows and beyond)."""
    result: dict[str, Any] = {}
    for link_id in instrument.scoring.items:
        if draw(st.integers(0, 9)) == 0:
            continue  # unanswered
        result[link_id] = draw(st.sampled_from(_choices(instrument, link_id)))
    return result


@pytest.mark.parametrize("instrument", SCORED, ids=lambda i: i.key)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_score_stays_within_the_published_range(
    instrument: Instrument, data: st.DataObject
) -> None:
    result = score(instrument, data.draw(filled(instrument)))
    if result.total is not None:
        assert instrument.scoring.range_min <= result.total <= instrument.scoring.range_max
        assert instrument.band_for(result.total) is not None or not instrument.scoring.bands


@pytest.mark.parametrize("instrument", SCORED, ids=lambda i: i.key)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_score_is_monotone_in_each_item(instrument: Instrument, data: st.DataObject) -> None:
    """Raising one answer raises the total, or lowers it for a reversed item."""
    given_answers = data.draw(filled(instrument))
    before = score(instrument, given_answers).total
    if before is None or not given_answers:
        return
    link_id = data.draw(st.sampled_from(sorted(given_answers)))
    options = _choices(instrument, link_id)
    position = options.index(given_answers[link_id])
    if position == len(options) - 1:
        return
    after = score(instrument, {**given_answers, link_id: options[position + 1]}).total
    assert after is not None
    if link_id in instrument.scoring.reverse_items:
        assert after < before
    else:
        assert after > before

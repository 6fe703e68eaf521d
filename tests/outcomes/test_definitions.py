"""Definitions load only when they make sense; clinics attach licensed wording from FHIR.

Placeholder texts ("Item 1") stand in for third-party wording: the repository holds none.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from fhir.resources.R4B.questionnaire import Questionnaire

from sacrum.outcomes.definitions import (
    INSTRUMENT_DIR,
    DefinitionError,
    parse_definition,
    shipped_instrument,
    shipped_instruments,
)
from sacrum.outcomes.fhir import attach_texts, from_fhir, load_document, to_fhir
from sacrum.outcomes.scoring import score


def source(key: str) -> dict[str, Any]:
    return copy.deepcopy(shipped_instrument(key).source)


def problems_of(data: dict[str, Any]) -> str:
    with pytest.raises(DefinitionError) as err:
        parse_definition(data)
    return " | ".join(err.value.problems)


# --- What ships ---------------------------------------------------------------------------


def test_shipped_files_hold_no_third_party_wording() -> None:
    for path in INSTRUMENT_DIR.glob("*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        if data["sacrum"]["own_wording"]:
            continue
        for item in data["item"]:
            assert "text" not in item, f"{path.name} item {item['linkId']} has wording"
            for option in item.get("answerOption", []):
                assert "display" not in option["valueCoding"], f"{path.name} has answer wording"


def test_our_own_measures_ship_their_wording() -> None:
    own = {k for k, i in shipped_instruments().items() if i.own_wording}
    assert own == {"pain-nrs", "pgic", "headache-diary", "psfs"}
    assert all(shipped_instrument(k).texts_loaded for k in own)


def test_every_definition_states_licence_mic_and_conditions() -> None:
    for instrument in shipped_instruments().values():
        assert instrument.licence, instrument.key
        assert instrument.scoring.conditions, instrument.key
        assert instrument.scoring.mic.source, instrument.key
        rel = instrument.scoring.reliability
        assert rel.sd is None, "no shipped SD: RCI uses the practice's own baseline SD"
        if rel.test_retest_r is not None:
            assert rel.source


def test_a_shipped_licensed_definition_with_wording_is_refused() -> None:
    data = source("gad-7")
    data["item"][0]["text"] = "Some licensed question text"
    with pytest.raises(DefinitionError, match="third-party wording"):
        parse_definition(data, shipped=True)


# --- Validation ---------------------------------------------------------------------------


def test_unknown_item_ids_in_scoring() -> None:
    data = source("phq-9")
    data["scoring"]["items"].append("10")
    data["scoring"]["reverse"] = {"items": ["11"], "formula": "3 - x"}
    text = problems_of(data)
    assert "scoring.items: unknown item id '10'" in text
    assert "scoring.reverse: item '11' is not a scored item" in text


def test_options_without_values() -> None:
    data = source("gad-7")
    del data["item"][2]["answerOption"][1]["extension"]
    data["item"][3]["answerOption"] = []
    text = problems_of(data)
    assert "item[2].answerOption[1].ordinalValue: a number is required" in text
    assert "item[3].answerOption: a choice item needs answer options" in text


def test_impossible_ranges() -> None:
    data = source("midas")
    data["item"][0]["extension"] = [
        {"url": "http://hl7.org/fhir/StructureDefinition/minValue", "valueInteger": 90},
        {"url": "http://hl7.org/fhir/StructureDefinition/maxValue", "valueInteger": 0},
    ]
    assert "item[0].extension: impossible range: minValue 90 is above maxValue 0" in problems_of(
        data
    )

    data = source("phq-9")
    data["scoring"]["range"] = {"min": 0, "max": 30}
    assert "scoring.range: declared 0 to 30 but the items give 0 to 27" in problems_of(data)

    data = source("phq-9")
    data["scoring"]["bands"][-1]["max"] = 35
    assert "scoring.bands[4]: lies outside the score range" in problems_of(data)

    data = source("phq-9")
    data["scoring"]["bands"][1]["min"] = 3
    assert "scoring.bands[1]: overlaps" in problems_of(data)

    data = source("pss-10")
    data["scoring"]["reverse"]["formula"] = "5 - x"
    assert "scoring.reverse: '5 - x' would move item '4' out of its range 0 to 4" in problems_of(
        data
    )

    data = source("gad-7")
    data["scoring"]["mic"]["absolute"] = 40
    assert "scoring.mic.absolute: 40 is impossible on this scale" in problems_of(data)


def test_structural_mistakes_are_listed_together() -> None:
    data = source("fiqr")
    data["scoring"]["missing"] = {"rule": "sometimes", "max_missing": 0}
    data["scoring"]["direction"] = "sideways"
    data["scoring"]["conditions"] = ["gout"]
    data["scoring"]["mic"]["source_url"] = "https://example.org"
    data["item"][1]["linkId"] = "1"
    text = problems_of(data)
    for expected in (
        "scoring.missing.rule: Input should be 'none', ",
        "(got 'sometimes')",
        "scoring.direction: Input should be 'higher_is_worse' or 'higher_is_better' "
        "(got 'sideways')",
        "scoring.conditions[0]: unknown condition 'gout'",
        "scoring.mic.source_url: is not a known key",
        "item: linkId '1' appears twice",
    ):
        assert expected in text


def test_consistency_mistakes_are_listed_together() -> None:
    """Once the shape is right, every check across items and scoring is reported at once."""
    data = source("fiqr")
    data["scoring"]["domains"][0]["items"].remove("9")
    data["scoring"]["alerts"] = [{"item": "1", "above": 10, "kind": "x"}]
    text = problems_of(data)
    for expected in (
        "scoring.domains: every scored item must belong to exactly one domain",
        "scoring.range: declared 0 to 100 but the items give 0 to 96.6667",
        "scoring.alerts[0].above: outside what the item can score",
    ):
        assert expected in text


def _set(path: str, value: Any) -> Any:
    """A change to a definition: ``path`` in dots, list indexes as numbers."""

    def change(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = data
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        node[int(last) if last.isdigit() else last] = value

    return change


@pytest.mark.parametrize(
    ("key", "change", "expected"),
    [
        ("isi", _set("resourceType", "Patient"), "resourceType: Input should be 'Questionnaire'"),
        ("isi", _set("id", "ISI x"), "id: String should match pattern"),
        ("isi", _set("item", []), "item: Tuple should have at least 1 item"),
        ("isi", _set("item.0.type", "slider"), "item[0].type: Input should be 'choice'"),
        (
            "isi",
            _set("item.0.answerOption.1.valueCoding.code", "0"),
            "item[0].answerOption: code '0' appears twice",
        ),
        ("midas", _set("item.0.extension", []), "item[0].extension: a number item needs minValue"),
        (
            "psfs",
            _set("scoring.items", ["score-1", "activity-1"]),
            "scoring.items: item 'activity-1' is a string item, not scored",
        ),
        (
            "isi",
            _set("scoring.items", ["1", "2", "3", "4", "5", "6", "7", "1"]),
            "scoring.items: an item is listed twice",
        ),
        (
            "isi",
            _set("scoring.missing", {"rule": "none", "max_missing": 1}),
            "scoring.missing: rule 'none' cannot allow missing answers",
        ),
        (
            "ndi",
            _set("scoring.missing.max_missing", 10),
            "scoring.missing: max_missing 10 would allow no answers",
        ),
        (
            "isi",
            _set("scoring.missing", {"rule": "answered_denominator", "max_missing": 1}),
            "scoring.missing: rule 'answered_denominator' does not apply to the sum method",
        ),
        (
            "isi",
            _set("scoring.missing.max_missing", "1"),
            "scoring.missing.max_missing: Input should be a valid integer",
        ),
        (
            "pss-10",
            _set("scoring.reverse.formula", "x - 4"),
            "scoring.reverse.formula: 'x - 4' must read like '4 - x'",
        ),
        (
            "fiqr",
            _set("scoring.domains.0.divisor", 0),
            "scoring.domains[0].divisor: must be above 0",
        ),
        (
            "fiqr",
            _set("scoring.domains.0.max_missing", 99),
            "scoring.domains[0].max_missing: must leave at least one answered item",
        ),
        (
            "isi",
            _set("scoring.domains", [{"id": "a", "items": ["1"]}]),
            "scoring.domains: domains are only used by the 'domains' method",
        ),
        (
            "isi",
            _set("scoring.range", {"min": 28, "max": 0}),
            "scoring.range.max: impossible range 28 to 0",
        ),
        ("isi", _set("scoring.range.min", "zero"), "scoring.range.min: 'zero' is not a number"),
        (
            "isi",
            _set("scoring.bands.0.min", 1),
            "scoring.bands: the first band must start at the lowest possible score",
        ),
        ("isi", _set("scoring.bands.1.max", 7), "scoring.bands[1].max: impossible band 8 to 7"),
        (
            "isi",
            _set("scoring.bands.0.status", "great"),
            "scoring.bands[0].status: Input should be",
        ),
        (
            "isi",
            _set("scoring.mic.relative", 1.5),
            "scoring.mic.relative: is a share of the baseline between 0 and 1",
        ),
        (
            "gad-7",
            _set("scoring.reliability.test_retest_r", 1.2),
            "scoring.reliability.test_retest_r: must lie between 0 and 1",
        ),
        (
            "gad-7",
            _set("scoring.reliability.source", ""),
            "scoring.reliability.source: a reliability figure needs its source",
        ),
        (
            "phq-9",
            _set("scoring.alerts.0.item", "99"),
            "scoring.alerts[0].item: unknown item id '99'",
        ),
        (
            "isi",
            _set("scoring.decimals", 7),
            "scoring.decimals: Input should be less than or equal to 4",
        ),
        (
            "headache-diary",
            _set("scoring.min_days_recorded", 40),
            "scoring: a diary needs 0 < min_days_recorded <= window_days",
        ),
        ("isi", _set("scoring.bonus", 1), "scoring.bonus: is not a known key"),
    ],
)
def test_each_rule_names_the_field(key: str, change: Any, expected: str) -> None:
    data = source(key)
    change(data)
    assert expected in problems_of(data)


def test_reliability_figures_need_a_source() -> None:
    data = source("isi")
    data["scoring"]["reliability"] = {"test_retest_r": 0.8, "sd": None, "source": ""}
    assert "needs its source" in problems_of(data)


# --- FHIR export ---------------------------------------------------------------------------


@pytest.mark.parametrize("key", sorted(shipped_instruments()))
def test_export_is_a_valid_r4_questionnaire_and_round_trips(key: str) -> None:
    instrument = shipped_instrument(key)
    resource = to_fhir(instrument)
    parsed = Questionnaire.model_validate(resource)
    assert parsed.item is not None
    assert parsed.id == key and len(parsed.item) == len(instrument.items)
    back = from_fhir(json.loads(json.dumps(resource)))
    assert back.scoring == instrument.scoring
    assert back.items == instrument.items


def test_a_questionnaire_without_our_scoring_is_not_a_definition() -> None:
    resource = to_fhir(shipped_instrument("isi"))
    resource.pop("extension")
    with pytest.raises(DefinitionError, match="no Sacrum scoring"):
        from_fhir(resource)


# --- A clinic's licensed wording ------------------------------------------------------------


def clinic_file(
    n_items: int, values: list[int], *, link: str = "{n}", on_coding: bool = False
) -> dict[str, Any]:
    """A FHIR Questionnaire as a clinic might hold it, with placeholder texts."""

    def option(v: int) -> dict[str, Any]:
        ext = [{"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue", "valueDecimal": v}]
        coding: dict[str, Any] = {
            "system": "http://loinc.org",
            "code": f"LA{v}",
            "display": f"Answer {v}",
        }
        if on_coding:
            return {"valueCoding": {**coding, "extension": ext}}
        return {"valueCoding": coding, "extension": ext}

    return {
        "resourceType": "Questionnaire",
        "status": "active",
        "title": "Placeholder questionnaire",
        "item": [
            {"linkId": "intro", "type": "display", "text": "Placeholder introduction"},
            {
                "linkId": "g",
                "type": "group",
                "item": [
                    {
                        "linkId": link.format(n=n),
                        "type": "choice",
                        "text": f"Item {n}",
                        "answerOption": [option(v) for v in values],
                    }
                    for n in range(1, n_items + 1)
                ],
            },
        ],
    }


def test_a_clinic_attaches_wording_matched_by_link_id() -> None:
    gad7 = shipped_instrument("gad-7")
    merged = attach_texts(gad7, clinic_file(7, [0, 1, 2, 3]))
    assert merged.texts_loaded and merged.item("3").text == "Item 3"
    assert merged.item("3").option("2").display == "Answer 2"  # type: ignore[union-attr]
    assert merged.scoring == gad7.scoring
    assert score(merged, {str(n): "1" for n in range(1, 8)}).total == 7


def test_a_clinic_file_with_other_link_ids_matches_by_position_and_value() -> None:
    document = clinic_file(6, [6, 8, 10, 11, 13], link="/hit6-q{n}", on_coding=True)
    merged = attach_texts(shipped_instrument("hit-6"), document)
    assert [i.text for i in merged.items] == [f"Item {n}" for n in range(1, 7)]
    assert merged.item("1").option("13").display == "Answer 13"  # type: ignore[union-attr]


def test_a_file_that_does_not_match_the_scoring_is_refused_clearly() -> None:
    phq9 = shipped_instrument("phq-9")
    with pytest.raises(
        DefinitionError, match="the file has 8 questions but the PHQ-9 scoring expects 9"
    ):
        attach_texts(phq9, clinic_file(8, [0, 1, 2, 3], link="q{n}"))
    with pytest.raises(
        DefinitionError, match=r"answer value 4 does not match the scoring's values \(0, 1, 2, 3\)"
    ):
        attach_texts(phq9, clinic_file(9, [1, 2, 3, 4]))
    with pytest.raises(DefinitionError, match="has 3 answer options; the scoring expects 4"):
        attach_texts(phq9, clinic_file(9, [0, 1, 2]))
    wrong_type = clinic_file(9, [0, 1, 2, 3])
    wrong_type["item"][1]["item"][0]["type"] = "string"
    wrong_type["item"][1]["item"][0].pop("answerOption")
    with pytest.raises(DefinitionError, match="is a string question; the scoring expects choice"):
        attach_texts(phq9, wrong_type)


def test_a_file_that_is_not_fhir_is_refused_clearly() -> None:
    with pytest.raises(DefinitionError, match="not JSON"):
        load_document("{not json")
    with pytest.raises(DefinitionError, match="not a valid FHIR R4 Questionnaire"):
        attach_texts(
            shipped_instrument("isi"),
            {
                "resourceType": "Questionnaire",
                "status": "active",
                "item": [{"linkId": "1", "type": "choice", "bogus": 1}],
            },
        )
    with pytest.raises(DefinitionError, match="no questions"):
        attach_texts(
            shipped_instrument("isi"), {"resourceType": "Questionnaire", "status": "active"}
        )

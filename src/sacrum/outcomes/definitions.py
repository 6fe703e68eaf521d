"""Instrument definitions as data: a FHIR Questionnaire plus Sacrum's ``scoring`` block.

A definition is validated when it is loaded, so a wrong file fails with a clear list of
problems instead of scoring wrongly later. ``parse_definition`` turns the JSON into
frozen dataclasses the scoring engine reads; ``shipped_instruments`` loads the files in
``outcomes/instruments/``. The format is described in ``docs/outcomes.md``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any

INSTRUMENT_DIR = Path(__file__).parent / "instruments"

ANSWER_SYSTEM = "urn:sacrum:answer"
ORDINAL_URL = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
MIN_VALUE_URL = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE_URL = "http://hl7.org/fhir/StructureDefinition/maxValue"
# Extensions other systems use for an answer's numeric value (R4, older R4 forms, R5).
ORDINAL_URL_SUFFIXES = ("/ordinalValue", "/iso21090-CO-value", "/itemWeight")

ITEM_TYPES = {"choice", "integer", "decimal", "boolean", "string", "text", "date"}
NUMERIC_TYPES = {"choice", "integer", "decimal", "boolean"}
METHODS = {"sum", "mean", "percent_of_maximum", "domains", "diary_per_28_days"}
MISSING_RULES = {
    "none",  # every scored item must be answered
    "mean_substitution",  # a missing item counts as the mean of the answered ones (NDI)
    "answered_denominator",  # percent of the maximum of the answered items (ODI)
    "mean_of_answered",  # the score is the mean of the answered items (JFLS, PSFS)
    "domain_scaling",  # a domain sum is scaled by size / answered (FIQR)
}
DIRECTIONS = {"higher_is_worse", "higher_is_better"}
BAND_STATUSES = {"improved", "not_yet", "worse"}
# The conditions an instrument suits (instruments.md, "Scoring as data").
CONDITIONS = {
    "migraine": "Migraine",
    "headache": "Headache",
    "neck-pain": "Neck pain",
    "low-back-pain": "Low back pain",
    "tmj": "Jaw (TMJ) problems",
    "fibromyalgia": "Fibromyalgia",
    "sinus": "Sinus problems",
    "sleep": "Poor sleep",
    "stress": "Stress",
    "anxiety": "Anxiety",
    "low-mood": "Low mood",
    "any": "Any condition",
}
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
REVERSE_FORMULA = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*-\s*x\s*$")


class DefinitionError(ValueError):
    """A definition (or a file matched against one) is not usable; ``problems`` says why."""

    def __init__(self, problems: Iterable[str], title: str = "") -> None:
        self.problems = list(problems)
        head = f"{title}: " if title else ""
        super().__init__(head + "; ".join(self.problems))


def to_fraction(value: Any) -> Fraction:
    """Numbers from JSON as exact fractions (0.1 stays 1/10, not a binary float)."""
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number")
    if isinstance(value, int | Fraction):
        return Fraction(value)
    if isinstance(value, float | str):
        return Fraction(str(value))
    raise TypeError(f"{value!r} is not a number")


def number_text(value: Fraction | float | int | None) -> str:
    """A value as people write it: 3, 2.5, 8.4 (no trailing zeros)."""
    if value is None:
        return "—"
    f = Fraction(value) if not isinstance(value, float) else Fraction(str(value))
    if f.denominator == 1:
        return str(f.numerator)
    return f"{float(f):.4f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class AnswerOption:
    code: str
    value: Fraction
    display: str = ""

    @property
    def value_text(self) -> str:
        return number_text(self.value)


@dataclass(frozen=True)
class Item:
    link_id: str
    type: str
    text: str = ""
    options: tuple[AnswerOption, ...] = ()
    min_value: Fraction | None = None
    max_value: Fraction | None = None
    required: bool = False
    prefix: str = ""

    @property
    def numeric(self) -> bool:
        return self.type in NUMERIC_TYPES

    def value_range(self) -> tuple[Fraction, Fraction]:
        """The lowest and highest value an answer to this item can score."""
        if self.type == "choice":
            values = [o.value for o in self.options]
            if not values:
                raise DefinitionError([f"item {self.link_id}: no answer values"])
            return min(values), max(values)
        if self.type == "boolean":
            return Fraction(0), Fraction(1)
        if self.min_value is None or self.max_value is None:
            raise DefinitionError([f"item {self.link_id}: no value range"])
        return self.min_value, self.max_value

    def option(self, code: str) -> AnswerOption | None:
        return next((o for o in self.options if o.code == code), None)


@dataclass(frozen=True)
class Band:
    min: Fraction
    max: Fraction
    label: str
    status: str = ""  # for change measures (PGIC): what this answer means as a change

    @property
    def range_text(self) -> str:
        return f"{number_text(self.min)} to {number_text(self.max)}"


@dataclass(frozen=True)
class Domain:
    id: str
    label: str
    items: tuple[str, ...]
    divisor: Fraction
    max_missing: int


@dataclass(frozen=True)
class Mic:
    absolute: Fraction | None = None
    relative: Fraction | None = None  # a share of the baseline, 0.3 = 30 %
    source: str = ""

    @property
    def established(self) -> bool:
        return self.absolute is not None or self.relative is not None

    def describe(self, unit: str = "points") -> str:
        parts = []
        if self.absolute is not None:
            parts.append(f"{number_text(self.absolute)} {unit}")
        if self.relative is not None:
            parts.append(f"{number_text(self.relative * 100)} %")
        return " or ".join(parts) if parts else "not established"


@dataclass(frozen=True)
class Reliability:
    test_retest_r: Fraction | None = None
    sd: Fraction | None = None
    source: str = ""


@dataclass(frozen=True)
class Alert:
    item: str
    above: Fraction
    kind: str
    message: str


@dataclass(frozen=True)
class Scoring:
    method: str
    items: tuple[str, ...]
    direction: str
    range_min: Fraction
    range_max: Fraction
    missing_rule: str = "none"
    max_missing: int = 0
    reverse_items: tuple[str, ...] = ()
    reverse_constant: Fraction | None = None
    reverse_formula: str = ""
    domains: tuple[Domain, ...] = ()
    bands: tuple[Band, ...] = ()
    mic: Mic = field(default_factory=Mic)
    reliability: Reliability = field(default_factory=Reliability)
    conditions: tuple[str, ...] = ()
    alerts: tuple[Alert, ...] = ()
    change_measure: bool = False  # the answer itself is a change (PGIC): no baseline
    unit: str = "points"
    decimals: int = 0
    window_days: int = 28
    min_days_recorded: int = 0
    notes: str = ""

    @property
    def higher_is_worse(self) -> bool:
        return self.direction == "higher_is_worse"


@dataclass(frozen=True)
class Instrument:
    key: str
    version: str
    title: str
    name: str
    url: str
    licence: str
    own_wording: bool
    description: str
    items: tuple[Item, ...]
    scoring: Scoring
    source: dict[str, Any] = field(compare=False, repr=False, hash=False)

    def item(self, link_id: str) -> Item:
        return next(i for i in self.items if i.link_id == link_id)

    @property
    def item_map(self) -> dict[str, Item]:
        return {i.link_id: i for i in self.items}

    @property
    def texts_loaded(self) -> bool:
        """Whether every question has its wording (shipped for our own measures, else imported)."""
        return all(i.text for i in self.items)

    def band_for(self, score: Fraction | float | None) -> Band | None:
        """The band a score falls in: the last whose lower bound it reaches."""
        if score is None:
            return None
        value = Fraction(str(score)) if isinstance(score, float) else Fraction(score)
        found = None
        for band in self.scoring.bands:
            if value >= band.min:
                found = band
        return found


# --- Parsing ---------------------------------------------------------------------------


class _Problems:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, where: str, what: str) -> None:
        self.items.append(f"{where}: {what}" if where else what)


def ordinal_of(node: Mapping[str, Any]) -> Any:
    """The numeric value of an answer option, from the standard extensions or ``itemWeight``."""
    if "itemWeight" in node:
        return node["itemWeight"]
    for holder in (node, node.get("valueCoding") or {}):
        for ext in holder.get("extension") or ():
            url = str(ext.get("url", ""))
            if url.endswith(ORDINAL_URL_SUFFIXES):
                for key in ("valueDecimal", "valueInteger"):
                    if key in ext:
                        return ext[key]
    return None


def _extension_value(node: Mapping[str, Any], url: str) -> Any:
    for ext in node.get("extension") or ():
        if ext.get("url") == url:
            for key in ("valueInteger", "valueDecimal"):
                if key in ext:
                    return ext[key]
    return None


def _number(p: _Problems, where: str, value: Any, *, allow_none: bool = True) -> Fraction | None:
    if value is None:
        if not allow_none:
            p.add(where, "a number is required")
        return None
    try:
        return to_fraction(value)
    except (TypeError, ValueError, ZeroDivisionError):
        p.add(where, f"{value!r} is not a number")
        return None


def _parse_item(p: _Problems, raw: Mapping[str, Any], index: int) -> Item | None:
    link_id = str(raw.get("linkId") or "").strip()
    where = f"item {link_id or f'#{index + 1}'}"
    if not link_id:
        p.add(where, "has no linkId")
        return None
    kind = raw.get("type")
    if kind not in ITEM_TYPES:
        p.add(where, f"type {kind!r} is not one of {', '.join(sorted(ITEM_TYPES))}")
        return None
    options: list[AnswerOption] = []
    if kind == "choice":
        raw_options = raw.get("answerOption") or []
        if not raw_options:
            p.add(where, "a choice item needs answer options")
        codes: set[str] = set()
        for n, opt in enumerate(raw_options, start=1):
            coding = opt.get("valueCoding") or {}
            code = str(coding.get("code") or "").strip()
            if not code:
                p.add(where, f"answer option {n} has no code")
                continue
            if code in codes:
                p.add(where, f"answer code {code!r} appears twice")
            codes.add(code)
            raw_value = ordinal_of(opt)
            if raw_value is None:
                p.add(where, f"answer option {code!r} has no value (ordinalValue)")
                continue
            value = _number(p, f"{where} option {code!r}", raw_value)
            if value is not None:
                options.append(AnswerOption(code, value, str(coding.get("display") or "")))
    min_value = max_value = None
    if kind in ("integer", "decimal"):
        min_value = _number(p, where, _extension_value(raw, MIN_VALUE_URL))
        max_value = _number(p, where, _extension_value(raw, MAX_VALUE_URL))
        if min_value is None or max_value is None:
            p.add(where, "a number item needs minValue and maxValue extensions")
        elif min_value > max_value:
            p.add(where, f"impossible range: minValue {min_value} is above maxValue {max_value}")
    return Item(
        link_id=link_id,
        type=kind,
        text=str(raw.get("text") or ""),
        options=tuple(options),
        min_value=min_value,
        max_value=max_value,
        required=bool(raw.get("required", False)),
        prefix=str(raw.get("prefix") or ""),
    )


def _has_range(item: Item) -> bool:
    """A numeric item whose values are known (a broken one is reported elsewhere)."""
    if not item.numeric:
        return False
    try:
        item.value_range()
    except DefinitionError:
        return False
    return True


def _theoretical_range(
    method: str,
    items: list[Item],
    domains: tuple[Domain, ...],
    item_map: dict[str, Item],
) -> tuple[Fraction, Fraction] | None:
    ranges = [it.value_range() for it in items]
    if method == "sum":
        return sum((r[0] for r in ranges), Fraction(0)), sum((r[1] for r in ranges), Fraction(0))
    if method == "mean":
        return min(r[0] for r in ranges), max(r[1] for r in ranges)
    if method == "percent_of_maximum":
        return Fraction(0), Fraction(100)
    if method == "domains":
        low = high = Fraction(0)
        for d in domains:
            members = [item_map[i].value_range() for i in d.items if i in item_map]
            low += sum((r[0] for r in members), Fraction(0)) / d.divisor
            high += sum((r[1] for r in members), Fraction(0)) / d.divisor
        return low, high
    return None


def _parse_scoring(p: _Problems, raw: Mapping[str, Any], items: list[Item]) -> Scoring | None:
    item_map = {i.link_id: i for i in items}
    method = raw.get("method")
    if method not in METHODS:
        p.add("scoring", f"method {method!r} is not one of {', '.join(sorted(METHODS))}")
        return None
    scored = [str(i) for i in raw.get("items") or []]
    if not scored:
        p.add("scoring", "lists no scored items")
    for link_id in scored:
        if link_id not in item_map:
            p.add("scoring", f"unknown item id {link_id!r}")
        elif not item_map[link_id].numeric:
            p.add(
                "scoring",
                f"item {link_id!r} is a {item_map[link_id].type} item and cannot be scored",
            )
    if len(set(scored)) != len(scored):
        p.add("scoring", "an item is listed twice")
    scored_items = [item_map[i] for i in scored if i in item_map and _has_range(item_map[i])]

    direction = raw.get("direction")
    if direction not in DIRECTIONS:
        p.add("scoring", f"direction must be one of {', '.join(sorted(DIRECTIONS))}")

    missing = raw.get("missing") or {}
    rule = missing.get("rule", "none")
    if rule not in MISSING_RULES:
        p.add("scoring.missing", f"rule {rule!r} is not one of {', '.join(sorted(MISSING_RULES))}")
    max_missing = missing.get("max_missing", 0)
    if not isinstance(max_missing, int) or isinstance(max_missing, bool) or max_missing < 0:
        p.add("scoring.missing", "max_missing must be a whole number, 0 or more")
        max_missing = 0
    elif scored and max_missing >= len(scored) and method != "domains":
        p.add("scoring.missing", f"max_missing {max_missing} would allow no answers at all")
    if rule == "none" and max_missing:
        p.add("scoring.missing", "rule 'none' cannot allow missing answers")
    allowed_rules = {
        "sum": {"none", "mean_substitution"},
        "mean": {"none", "mean_of_answered"},
        "percent_of_maximum": {"none", "answered_denominator"},
        "domains": {"none", "domain_scaling"},
        "diary_per_28_days": {"none"},
    }
    if method in allowed_rules and rule in MISSING_RULES and rule not in allowed_rules[method]:
        p.add("scoring.missing", f"rule {rule!r} does not apply to the {method} method")

    reverse = raw.get("reverse") or {}
    reverse_items = tuple(str(i) for i in reverse.get("items") or [])
    formula = str(reverse.get("formula") or "")
    constant: Fraction | None = None
    if reverse_items:
        match = REVERSE_FORMULA.match(formula)
        if not match:
            p.add("scoring.reverse", f"formula {formula!r} must read like '4 - x'")
        else:
            constant = Fraction(match.group(1))
        for link_id in reverse_items:
            if link_id not in scored:
                p.add("scoring.reverse", f"item {link_id!r} is not a scored item")
            elif constant is not None and link_id in item_map and _has_range(item_map[link_id]):
                low, high = item_map[link_id].value_range()
                if constant != low + high:
                    p.add(
                        "scoring.reverse",
                        f"{formula!r} would move item {link_id!r} out of its range "
                        f"{number_text(low)} to {number_text(high)}",
                    )

    domains: list[Domain] = []
    for n, d in enumerate(raw.get("domains") or [], start=1):
        did = str(d.get("id") or f"domain-{n}")
        divisor = _number(p, f"scoring.domains.{did}", d.get("divisor", 1))
        if divisor is not None and divisor <= 0:
            p.add(f"scoring.domains.{did}", "divisor must be above 0")
            divisor = None
        members = tuple(str(i) for i in d.get("items") or [])
        for link_id in members:
            if link_id not in scored:
                p.add(f"scoring.domains.{did}", f"unknown item id {link_id!r}")
        dm = d.get("max_missing", 0)
        if not isinstance(dm, int) or dm < 0 or (members and dm >= len(members)):
            p.add(f"scoring.domains.{did}", "max_missing must leave at least one answered item")
            dm = 0
        if divisor is not None:
            domains.append(Domain(did, str(d.get("label") or did), members, divisor, dm))
    if method == "domains":
        listed = [i for d in domains for i in d.items]
        if sorted(listed) != sorted(scored):
            p.add("scoring.domains", "every scored item must belong to exactly one domain")
    elif domains:
        p.add("scoring.domains", "domains are only used by the 'domains' method")

    declared = raw.get("range") or {}
    range_min = _number(p, "scoring.range.min", declared.get("min"), allow_none=False)
    range_max = _number(p, "scoring.range.max", declared.get("max"), allow_none=False)
    if range_min is not None and range_max is not None:
        if range_min >= range_max:
            p.add("scoring.range", f"impossible range {range_min} to {range_max}")
        elif scored_items and len(scored_items) == len(scored):
            same_scale = len({it.value_range() for it in scored_items}) == 1
            if method in ("mean", "percent_of_maximum") and not same_scale:
                p.add("scoring", f"the {method} method needs items on one scale")
            try:
                expected = _theoretical_range(method, scored_items, tuple(domains), item_map)
            except DefinitionError as exc:
                p.items.extend(exc.problems)
                expected = None
            if expected is not None and expected != (range_min, range_max):
                p.add(
                    "scoring.range",
                    f"declared {number_text(range_min)} to {number_text(range_max)} but the items "
                    f"give {number_text(expected[0])} to {number_text(expected[1])}",
                )

    bands: list[Band] = []
    for n, b in enumerate(raw.get("bands") or [], start=1):
        band_low = _number(p, f"scoring.bands[{n}]", b.get("min"), allow_none=False)
        band_high = _number(p, f"scoring.bands[{n}]", b.get("max"), allow_none=False)
        status = str(b.get("status") or "")
        if status and status not in BAND_STATUSES:
            p.add(f"scoring.bands[{n}]", f"status {status!r} is not one of {sorted(BAND_STATUSES)}")
        if band_low is None or band_high is None:
            continue
        if band_low > band_high:
            p.add(
                f"scoring.bands[{n}]",
                f"impossible band {number_text(band_low)} to {number_text(band_high)}",
            )
        if (
            range_min is not None
            and range_max is not None
            and (band_low < range_min or band_high > range_max)
        ):
            p.add(f"scoring.bands[{n}]", "lies outside the score range")
        if bands and band_low <= bands[-1].max:
            p.add(f"scoring.bands[{n}]", "overlaps or is out of order with the band before it")
        bands.append(Band(band_low, band_high, str(b.get("label") or ""), status))
    if bands and range_min is not None and bands[0].min != range_min:
        p.add("scoring.bands", "the first band must start at the lowest possible score")

    mic_raw = raw.get("mic") or {}
    mic_abs = _number(p, "scoring.mic.absolute", mic_raw.get("absolute"))
    mic_rel = _number(p, "scoring.mic.relative", mic_raw.get("relative"))
    if mic_abs is not None and (
        mic_abs <= 0
        or (range_min is not None and range_max is not None and mic_abs > range_max - range_min)
    ):
        p.add("scoring.mic", f"absolute MIC {number_text(mic_abs)} is impossible on this scale")
    if mic_rel is not None and not 0 < mic_rel <= 1:
        p.add("scoring.mic", "relative MIC is a share of the baseline between 0 and 1")

    rel_raw = raw.get("reliability") or {}
    r = _number(p, "scoring.reliability.test_retest_r", rel_raw.get("test_retest_r"))
    sd = _number(p, "scoring.reliability.sd", rel_raw.get("sd"))
    if r is not None and not 0 < r < 1:
        p.add("scoring.reliability", "test-retest r must lie between 0 and 1")
    if sd is not None and sd <= 0:
        p.add("scoring.reliability", "sd must be above 0")
    if (r is not None or sd is not None) and not rel_raw.get("source"):
        p.add("scoring.reliability", "a reliability figure needs its source")

    alerts: list[Alert] = []
    for n, a in enumerate(raw.get("alerts") or [], start=1):
        link_id = str(a.get("item") or "")
        above = _number(p, f"scoring.alerts[{n}]", a.get("above"), allow_none=False)
        if link_id not in item_map or not _has_range(item_map[link_id]):
            p.add(f"scoring.alerts[{n}]", f"unknown item id {link_id!r}")
        elif above is not None:
            low, high = item_map[link_id].value_range()
            if not low <= above < high:
                p.add(f"scoring.alerts[{n}]", "threshold lies outside what the item can score")
        if above is not None:
            alerts.append(
                Alert(link_id, above, str(a.get("kind") or "alert"), str(a.get("message") or ""))
            )

    for condition in raw.get("conditions") or []:
        if condition not in CONDITIONS:
            p.add("scoring.conditions", f"unknown condition {condition!r}")

    decimals = raw.get("decimals", 0)
    if not isinstance(decimals, int) or not 0 <= decimals <= 4:
        p.add("scoring", "decimals must be a whole number from 0 to 4")
        decimals = 0
    window = raw.get("window_days", 28)
    min_days = raw.get("min_days_recorded", 0)
    if method == "diary_per_28_days" and not (
        isinstance(window, int) and isinstance(min_days, int) and 0 < min_days <= window
    ):
        p.add("scoring", "a diary needs window_days and 0 < min_days_recorded <= window_days")

    if range_min is None or range_max is None or direction not in DIRECTIONS:
        return None
    return Scoring(
        method=method,
        items=tuple(scored),
        direction=direction,
        range_min=range_min,
        range_max=range_max,
        missing_rule=rule,
        max_missing=max_missing,
        reverse_items=reverse_items,
        reverse_constant=constant,
        reverse_formula=formula,
        domains=tuple(domains),
        bands=tuple(bands),
        mic=Mic(mic_abs, mic_rel, str(mic_raw.get("source") or "")),
        reliability=Reliability(r, sd, str(rel_raw.get("source") or "")),
        conditions=tuple(str(c) for c in raw.get("conditions") or []),
        alerts=tuple(alerts),
        change_measure=bool(raw.get("change_measure", False)),
        unit=str(raw.get("unit") or "points"),
        decimals=decimals,
        window_days=window if isinstance(window, int) else 28,
        min_days_recorded=min_days if isinstance(min_days, int) else 0,
        notes=str(raw.get("notes") or ""),
    )


def parse_definition(data: Mapping[str, Any], *, shipped: bool = False) -> Instrument:
    """Validate a definition and return it as an ``Instrument``; raise ``DefinitionError``.

    ``shipped`` adds the repository's own rule: a third-party instrument carries no wording.
    """
    p = _Problems()
    if not isinstance(data, Mapping):
        raise DefinitionError(["a definition is a JSON object"])
    if data.get("resourceType") != "Questionnaire":
        p.add("", "resourceType must be 'Questionnaire'")
    key = str(data.get("id") or "")
    if not SLUG.match(key):
        p.add("id", f"{key!r} must be lower-case letters, digits and hyphens")
    version = str(data.get("version") or "")
    if not version:
        p.add("version", "is required")
    title = str(data.get("title") or "")
    if not title:
        p.add("title", "is required")

    items: list[Item] = []
    seen: set[str] = set()
    for n, raw_item in enumerate(data.get("item") or []):
        item = _parse_item(p, raw_item, n)
        if item is None:
            continue
        if item.link_id in seen:
            p.add(f"item {item.link_id}", "linkId appears twice")
        seen.add(item.link_id)
        items.append(item)
    if not items:
        p.add("item", "a definition needs at least one item")

    own_wording = bool((data.get("sacrum") or {}).get("own_wording", False))
    if shipped and not own_wording:
        for item in items:
            if item.text or any(o.display for o in item.options):
                p.add(f"item {item.link_id}", "third-party wording must not ship with Sacrum")

    raw_scoring = data.get("scoring")
    scoring = None
    if not isinstance(raw_scoring, Mapping):
        p.add("scoring", "a definition needs a scoring block")
    else:
        scoring = _parse_scoring(p, raw_scoring, items)

    if p.items or scoring is None:
        raise DefinitionError(p.items or ["scoring is not usable"], title or key)
    return Instrument(
        key=key,
        version=version,
        title=title,
        name=str(data.get("name") or key),
        url=str(data.get("url") or f"urn:sacrum:instrument:{key}"),
        licence=str(data.get("copyright") or ""),
        own_wording=own_wording,
        description=str(data.get("description") or ""),
        items=tuple(items),
        scoring=scoring,
        source=json.loads(json.dumps(dict(data))),
    )


@cache
def shipped_instruments() -> dict[str, Instrument]:
    """Every definition shipped in ``outcomes/instruments/``, by key, validated."""
    found: dict[str, Instrument] = {}
    for path in sorted(INSTRUMENT_DIR.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        instrument = parse_definition(data, shipped=True)
        if instrument.key != path.stem:
            raise DefinitionError(
                [f"{path.name}: id {instrument.key!r} differs from the file name"]
            )
        found[instrument.key] = instrument
    return found


def shipped_instrument(key: str) -> Instrument:
    try:
        return shipped_instruments()[key]
    except KeyError as exc:
        raise DefinitionError([f"no shipped instrument {key!r}"]) from exc

"""Instrument definitions as data: a FHIR Questionnaire plus Sacrum's ``scoring`` block.

A definition is validated when it is loaded, so a wrong file fails with a clear list of
problems instead of scoring wrongly later. The pydantic models below are both the schema
and the frozen objects the scoring engine reads; ``shipped_instruments`` loads the files
in ``outcomes/instruments/``. The format is described in ``docs/outcomes.md``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AliasPath,
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    StrictInt,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

INSTRUMENT_DIR = Path(__file__).parent / "instruments"

ANSWER_SYSTEM = "urn:sacrum:answer"
ORDINAL_URL = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
MIN_VALUE_URL = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE_URL = "http://hl7.org/fhir/StructureDefinition/maxValue"
# Extensions other systems use for an answer's numeric value (R4, older R4 forms, R5).
ORDINAL_URL_SUFFIXES = ("/ordinalValue", "/iso21090-CO-value", "/itemWeight")

NUMERIC_TYPES = {"choice", "integer", "decimal", "boolean"}
MissingRule = Literal[
    "none",  # every scored item must be answered
    "mean_substitution",  # a missing item counts as the mean of the answered ones (NDI)
    "answered_denominator",  # percent of the maximum of the answered items (ODI)
    "mean_of_answered",  # the score is the mean of the answered items (JFLS, PSFS)
    "domain_scaling",  # a domain sum is scaled by size / answered (FIQR)
]
ALLOWED_RULES = {
    "sum": {"none", "mean_substitution"},
    "mean": {"none", "mean_of_answered"},
    "percent_of_maximum": {"none", "answered_denominator"},
    "domains": {"none", "domain_scaling"},
    "diary_per_28_days": {"none"},
}
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


# --- Validation helpers ------------------------------------------------------------------


def _number(value: Any) -> Fraction:
    if value is None:
        raise ValueError("a number is required")
    try:
        return to_fraction(value)
    except (TypeError, ValueError, ZeroDivisionError):
        raise ValueError(f"{value!r} is not a number") from None


def _known_condition(value: str) -> str:
    if value not in CONDITIONS:
        raise ValueError(f"unknown condition {value!r}")
    return value


Number = Annotated[Fraction, PlainValidator(_number)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Condition = Annotated[str, AfterValidator(_known_condition)]


class _Invalid(ValueError):
    """What a model validator found: "path: problem" lines, the path relative to the model."""


def _twice(values: Iterable[str]) -> list[str]:
    seen: list[str] = list(values)
    return sorted({v for v in seen if seen.count(v) > 1})


def _problems(exc: ValidationError) -> list[str]:
    """pydantic's errors as "path: problem" lines (``item[2].answerOption[0].code: …``)."""
    found = []
    for error in exc.errors(include_url=False):
        where = ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in error["loc"])
        cause = error.get("ctx", {}).get("error")
        if isinstance(cause, _Invalid):
            lines = [str(line).split(": ", 1) for line in cause.args]
        elif isinstance(cause, ValueError):
            lines = [["", str(cause)]]
        else:
            plain = {"missing": "is required", "extra_forbidden": "is not a known key"}
            text = plain.get(error["type"], error["msg"])
            if error["type"] not in plain and isinstance(error["input"], str | int | float | None):
                text += f" (got {error['input']!r})"
            lines = [["", text]]
        for sub, what in lines:
            path = ".".join(p for p in (where, sub) if p).replace(".[", "[")
            found.append(f"{path}: {what}" if path else what)
    return found


class _Fhir(BaseModel):
    """A FHIR part: keys FHIR allows that the scoring does not use are ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class _Own(BaseModel):
    """Sacrum's own block: an unknown key is a typo, so it is refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# --- Items -------------------------------------------------------------------------------


class AnswerOption(_Fhir):
    code: Code
    value: Number = Field(alias="ordinalValue")
    display: str = ""

    @property
    def value_text(self) -> str:
        return number_text(self.value)

    @model_validator(mode="before")
    @classmethod
    def _from_fhir(cls, raw: Any) -> Any:
        """FHIR keeps the code in ``valueCoding`` and the number in an extension."""
        if not isinstance(raw, Mapping):
            return raw
        coding = raw.get("valueCoding") or {}
        return {
            "code": str(coding.get("code") or ""),
            "ordinalValue": ordinal_of(raw),
            "display": str(coding.get("display") or ""),
        }


class Item(_Fhir):
    link_id: Code = Field(alias="linkId")
    type: Literal["choice", "integer", "decimal", "boolean", "string", "text", "date"]
    text: str = ""
    options: tuple[AnswerOption, ...] = Field(default=(), alias="answerOption")
    min_value: Number | None = Field(default=None, alias="minValue")
    max_value: Number | None = Field(default=None, alias="maxValue")
    required: bool = False
    prefix: str = ""

    @property
    def numeric(self) -> bool:
        return self.type in NUMERIC_TYPES

    def value_range(self) -> tuple[Fraction, Fraction]:
        """The lowest and highest value an answer to this item can score."""
        if self.type == "choice":
            values = [o.value for o in self.options]
            return min(values), max(values)
        if self.type == "boolean":
            return Fraction(0), Fraction(1)
        if self.min_value is None or self.max_value is None:
            raise DefinitionError([f"item {self.link_id}: no value range"])
        return self.min_value, self.max_value

    def option(self, code: str) -> AnswerOption | None:
        return next((o for o in self.options if o.code == code), None)

    @model_validator(mode="before")
    @classmethod
    def _from_fhir(cls, raw: Any) -> Any:
        """Only choice items have options; only number items a range (in extensions)."""
        if not isinstance(raw, Mapping):
            return raw
        raw = {k: v for k, v in raw.items() if k != "answerOption" or raw.get("type") == "choice"}
        if raw.get("type") in ("integer", "decimal"):
            raw["minValue"] = _extension_value(raw, MIN_VALUE_URL)
            raw["maxValue"] = _extension_value(raw, MAX_VALUE_URL)
        return raw

    @model_validator(mode="after")
    def _consistent(self) -> Item:
        bad = []
        if self.type == "choice" and not self.options:
            bad.append("answerOption: a choice item needs answer options")
        codes = [o.code for o in self.options]
        bad += [f"answerOption: code {c!r} appears twice" for c in _twice(codes)]
        low, high = self.min_value, self.max_value
        if self.type in ("integer", "decimal") and (low is None or high is None):
            bad.append("extension: a number item needs minValue and maxValue extensions")
        elif low is not None and high is not None and low > high:
            bad.append(
                f"extension: impossible range: minValue {number_text(low)} is above maxValue {number_text(high)}"
            )
        if bad:
            raise _Invalid(*bad)
        return self


# --- Scoring -----------------------------------------------------------------------------


class ScoreRange(_Own):
    min: Number
    max: Number

    @model_validator(mode="after")
    def _ordered(self) -> ScoreRange:
        if self.min >= self.max:
            raise _Invalid(
                f"max: impossible range {number_text(self.min)} to {number_text(self.max)}"
            )
        return self


class Missing(_Own):
    rule: MissingRule = "none"
    max_missing: StrictInt = Field(default=0, ge=0)


class Reverse(_Own):
    items: tuple[str, ...] = ()
    formula: str = ""  # "C - x"

    @property
    def constant(self) -> Fraction | None:
        match = REVERSE_FORMULA.match(self.formula)
        return Fraction(match.group(1)) if match else None

    @model_validator(mode="after")
    def _readable(self) -> Reverse:
        if self.items and self.constant is None:
            raise _Invalid(f"formula: {self.formula!r} must read like '4 - x'")
        return self


class Domain(_Own):
    id: Code
    label: str = ""
    items: tuple[str, ...] = ()
    divisor: Number = Fraction(1)
    max_missing: StrictInt = Field(default=0, ge=0)

    @model_validator(mode="before")
    @classmethod
    def _label(cls, raw: Any) -> Any:
        """A domain without a label is shown by its id."""
        if isinstance(raw, Mapping) and not raw.get("label"):
            return {**raw, "label": raw.get("id") or ""}
        return raw

    @model_validator(mode="after")
    def _consistent(self) -> Domain:
        bad = ["divisor: must be above 0"] if self.divisor <= 0 else []
        if self.items and self.max_missing >= len(self.items):
            bad.append("max_missing: must leave at least one answered item")
        if bad:
            raise _Invalid(*bad)
        return self


class Band(_Own):
    min: Number
    max: Number
    label: str = ""
    status: Literal["", "improved", "not_yet", "worse"] = ""  # change measures (PGIC)

    @property
    def range_text(self) -> str:
        return f"{number_text(self.min)} to {number_text(self.max)}"

    @model_validator(mode="after")
    def _ordered(self) -> Band:
        if self.min > self.max:
            raise _Invalid(f"max: impossible band {self.range_text}")
        return self


class Mic(_Own):
    absolute: Number | None = None
    relative: Number | None = None  # a share of the baseline, 0.3 = 30 %
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

    @model_validator(mode="after")
    def _possible(self) -> Mic:
        bad = []
        if self.absolute is not None and self.absolute <= 0:
            bad.append("absolute: must be above 0")
        if self.relative is not None and not 0 < self.relative <= 1:
            bad.append("relative: is a share of the baseline between 0 and 1")
        if bad:
            raise _Invalid(*bad)
        return self


class Reliability(_Own):
    test_retest_r: Number | None = None
    sd: Number | None = None
    source: str = ""

    @model_validator(mode="after")
    def _possible(self) -> Reliability:
        r, sd, bad = self.test_retest_r, self.sd, []
        if r is not None and not 0 < r < 1:
            bad.append("test_retest_r: must lie between 0 and 1")
        if sd is not None and sd <= 0:
            bad.append("sd: must be above 0")
        if (r is not None or sd is not None) and not self.source:
            bad.append("source: a reliability figure needs its source")
        if bad:
            raise _Invalid(*bad)
        return self


class Alert(_Own):
    item: str
    above: Number
    kind: str = "alert"
    message: str = ""


class Scoring(_Own):
    method: Literal["sum", "mean", "percent_of_maximum", "domains", "diary_per_28_days"]
    items: tuple[str, ...] = Field(min_length=1)
    direction: Literal["higher_is_worse", "higher_is_better"]
    range: ScoreRange
    missing: Missing = Missing()
    reverse: Reverse = Reverse()
    domains: tuple[Domain, ...] = ()
    bands: tuple[Band, ...] = ()
    mic: Mic = Mic()
    reliability: Reliability = Reliability()
    conditions: tuple[Condition, ...] = ()
    alerts: tuple[Alert, ...] = ()
    change_measure: bool = False  # the answer itself is a change (PGIC): no baseline
    unit: Annotated[str, AfterValidator(lambda unit: unit or "points")] = "points"
    decimals: StrictInt = Field(default=0, ge=0, le=4)
    window_days: StrictInt = 28
    min_days_recorded: StrictInt = 0
    notes: str = ""

    # The flat names the scoring engine and the pages read.
    @property
    def range_min(self) -> Fraction:
        return self.range.min

    @property
    def range_max(self) -> Fraction:
        return self.range.max

    @property
    def missing_rule(self) -> str:
        return self.missing.rule

    @property
    def max_missing(self) -> int:
        return self.missing.max_missing

    @property
    def reverse_items(self) -> tuple[str, ...]:
        return self.reverse.items

    @property
    def reverse_constant(self) -> Fraction | None:
        return self.reverse.constant

    @property
    def higher_is_worse(self) -> bool:
        return self.direction == "higher_is_worse"


# --- The instrument ----------------------------------------------------------------------


class Instrument(_Fhir):
    resource_type: Literal["Questionnaire"] = Field(alias="resourceType", repr=False)
    key: str = Field(alias="id", pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    version: str = Field(min_length=1)
    title: str = Field(min_length=1)
    name: str
    url: str
    licence: str = Field(default="", alias="copyright")
    own_wording: bool = Field(default=False, validation_alias=AliasPath("sacrum", "own_wording"))
    description: str = ""
    items: tuple[Item, ...] = Field(alias="item", min_length=1)
    scoring: Scoring
    source: dict[str, Any] = Field(repr=False)  # the JSON as loaded, for export and storage

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

    @field_validator("items")
    @classmethod
    def _unique(cls, items: tuple[Item, ...]) -> tuple[Item, ...]:
        if twice := _twice(i.link_id for i in items):
            raise ValueError(f"linkId {', '.join(map(repr, twice))} appears twice")
        return items

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, raw: Any) -> Any:
        """Name and url default from the id; the loaded JSON is kept as ``source``."""
        if not isinstance(raw, Mapping):
            return raw
        key = raw.get("id") or ""
        return {
            **raw,
            "name": raw.get("name") or key,
            "url": raw.get("url") or f"urn:sacrum:instrument:{key}",
            "source": json.loads(json.dumps(dict(raw))),
        }

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> Instrument:
        """The checks that need both the items and the scoring, all reported at once."""
        s, items = self.scoring, self.item_map
        bad = []
        if (info.context or {}).get("shipped") and not self.own_wording:
            for n, item in enumerate(self.items):
                if item.text or any(o.display for o in item.options):
                    bad.append(f"item[{n}]: third-party wording must not ship with Sacrum")

        for i in s.items:
            if i not in items:
                bad.append(f"scoring.items: unknown item id {i!r}")
            elif not items[i].numeric:
                bad.append(f"scoring.items: item {i!r} is a {items[i].type} item, not scored")
        if _twice(s.items):
            bad.append("scoring.items: an item is listed twice")
        scored = [items[i] for i in s.items if i in items and items[i].numeric]

        rule, max_missing = s.missing.rule, s.missing.max_missing
        if max_missing >= len(s.items) and s.method != "domains":
            bad.append(f"scoring.missing: max_missing {max_missing} would allow no answers")
        if rule == "none" and max_missing:
            bad.append("scoring.missing: rule 'none' cannot allow missing answers")
        if rule not in ALLOWED_RULES[s.method]:
            bad.append(f"scoring.missing: rule {rule!r} does not apply to the {s.method} method")

        for i in s.reverse.items:
            if i not in s.items:
                bad.append(f"scoring.reverse: item {i!r} is not a scored item")
            elif i in items and items[i].numeric and s.reverse.constant is not None:
                low, high = items[i].value_range()
                if s.reverse.constant != low + high:
                    bad.append(
                        f"scoring.reverse: {s.reverse.formula!r} would move item {i!r} out of "
                        f"its range {number_text(low)} to {number_text(high)}"
                    )

        for n, domain in enumerate(s.domains):
            for i in domain.items:
                if i not in s.items:
                    bad.append(f"scoring.domains[{n}].items: unknown item id {i!r}")
        listed = sorted(i for d in s.domains for i in d.items)
        if s.method == "domains" and listed != sorted(s.items):
            bad.append("scoring.domains: every scored item must belong to exactly one domain")
        elif s.method != "domains" and s.domains:
            bad.append("scoring.domains: domains are only used by the 'domains' method")

        low, high = s.range.min, s.range.max
        if len(scored) == len(s.items):
            scales = {i.value_range() for i in scored}
            if s.method in ("mean", "percent_of_maximum") and len(scales) > 1:
                bad.append(f"scoring: the {s.method} method needs items on one scale")
            expected = _theoretical_range(s, scored, items)
            if expected is not None and expected != (low, high):
                bad.append(
                    f"scoring.range: declared {number_text(low)} to {number_text(high)} but "
                    f"the items give {number_text(expected[0])} to {number_text(expected[1])}"
                )

        for n, band in enumerate(s.bands):
            if band.min < low or band.max > high:
                bad.append(f"scoring.bands[{n}]: lies outside the score range")
            if n and band.min <= s.bands[n - 1].max:
                bad.append(f"scoring.bands[{n}]: overlaps or is out of order with the one before")
        if s.bands and s.bands[0].min != low:
            bad.append("scoring.bands: the first band must start at the lowest possible score")
        if s.mic.absolute is not None and s.mic.absolute > high - low:
            bad.append(
                f"scoring.mic.absolute: {number_text(s.mic.absolute)} is impossible on this scale"
            )

        for n, alert in enumerate(s.alerts):
            if alert.item not in items or not items[alert.item].numeric:
                bad.append(f"scoring.alerts[{n}].item: unknown item id {alert.item!r}")
                continue
            least, most = items[alert.item].value_range()
            if not least <= alert.above < most:
                bad.append(f"scoring.alerts[{n}].above: outside what the item can score")
        if s.method == "diary_per_28_days" and not 0 < s.min_days_recorded <= s.window_days:
            bad.append("scoring: a diary needs 0 < min_days_recorded <= window_days")
        if bad:
            raise _Invalid(*bad)
        return self


def _theoretical_range(
    s: Scoring, scored: list[Item], items: dict[str, Item]
) -> tuple[Fraction, Fraction] | None:
    """The lowest and highest total the scored items can give, by method."""
    ranges = [i.value_range() for i in scored]
    if s.method == "sum":
        return sum((r[0] for r in ranges), Fraction(0)), sum((r[1] for r in ranges), Fraction(0))
    if s.method == "mean":
        return min(r[0] for r in ranges), max(r[1] for r in ranges)
    if s.method == "percent_of_maximum":
        return Fraction(0), Fraction(100)
    if s.method == "domains":
        low = high = Fraction(0)
        for d in s.domains:
            members = [items[i].value_range() for i in d.items if i in items]
            low += sum((r[0] for r in members), Fraction(0)) / d.divisor
            high += sum((r[1] for r in members), Fraction(0)) / d.divisor
        return low, high
    return None


# --- Loading -----------------------------------------------------------------------------


def parse_definition(data: Mapping[str, Any], *, shipped: bool = False) -> Instrument:
    """Validate a definition and return it as an ``Instrument``; raise ``DefinitionError``.

    ``shipped`` adds the repository's own rule: a third-party instrument carries no wording.
    """
    if not isinstance(data, Mapping):
        raise DefinitionError(["a definition is a JSON object"])
    try:
        return Instrument.model_validate(data, context={"shipped": shipped})
    except ValidationError as exc:
        title = str(data.get("title") or data.get("id") or "")
        raise DefinitionError(_problems(exc), title) from exc


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

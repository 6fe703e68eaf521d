"""Reading one cell: dates in the order the old system writes them, local times at the
clinic (a time the clocks skipped or repeated is refused, not guessed), statuses.

Every failure is a ``BadValue`` whose message names the field and the value as written,
so the report can say "date of birth '31/02/1980' is not a date".
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

UTC = dt.UTC
DATE_ORDERS = {"ymd": "year-month-day", "dmy": "day/month/year", "mdy": "month/day/year"}


class BadValue(ValueError):
    """One cell that cannot be read; the message is shown to the owner as it is."""


_NUMERIC = re.compile(r"^(\d{1,4})[./-](\d{1,2})[./-](\d{1,4})$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([ap]\.?m\.?)?$", re.IGNORECASE)
_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
    )
}
_WORDY = re.compile(
    r"^(\d{1,2})[ -]([a-z]{3})[a-z]*[ -,]+(\d{4})$|^([a-z]{3})[a-z]* (\d{1,2}),? (\d{4})$"
)


def parse_date(text: str, order: str, what: str) -> dt.date:
    """A calendar date: ISO always; otherwise numbers in the file's ``order`` or a month name."""
    value = text.strip()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        pass
    try:
        numeric = _NUMERIC.match(value)
        if numeric:
            a, b, c = (int(x) for x in numeric.groups())
            if len(numeric.group(1)) == 4:
                return dt.date(a, b, c)
            if len(numeric.group(3)) != 4:
                raise ValueError
            return dt.date(c, b, a) if order == "dmy" else dt.date(c, a, b)
        wordy = _WORDY.match(value.lower())
        if wordy:
            if wordy.group(1):
                day, month, year = wordy.group(1), wordy.group(2), wordy.group(3)
            else:
                month, day, year = wordy.group(4), wordy.group(5), wordy.group(6)
            return dt.date(int(year), _MONTHS[month], int(day))
    except (ValueError, KeyError):
        pass
    raise BadValue(f"{what} '{value}' is not a date")


def parse_time(text: str, what: str) -> dt.time:
    match = _TIME.match(text.strip())
    if not match:
        raise BadValue(f"{what} '{text.strip()}' is not a time")
    hour, minute, second = int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)
    suffix = (match.group(4) or "").lower().replace(".", "")
    if suffix:
        if not 1 <= hour <= 12:
            raise BadValue(f"{what} '{text.strip()}' is not a time")
        hour = hour % 12 + (12 if suffix == "pm" else 0)
    try:
        return dt.time(hour, minute, second)
    except ValueError:
        raise BadValue(f"{what} '{text.strip()}' is not a time") from None


def local_instant(day: dt.date, wall: dt.time, tz: zoneinfo.ZoneInfo, what: str) -> dt.datetime:
    """The UTC instant of a wall-clock time at the clinic; skipped and repeated times refused."""
    naive = dt.datetime.combine(day, wall)
    first = naive.replace(tzinfo=tz, fold=0)
    second = naive.replace(tzinfo=tz, fold=1)
    if first.utcoffset() != second.utcoffset():
        back = first.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
        if back != naive:
            raise BadValue(
                f"{what} {naive:%Y-%m-%d %H:%M} does not exist in {tz.key} "
                "(the clocks went forward); correct it in the file"
            )
        raise BadValue(
            f"{what} {naive:%Y-%m-%d %H:%M} happened twice in {tz.key} "
            "(the clocks went back); correct it in the file with its UTC offset"
        )
    return first.astimezone(UTC)


def parse_datetime(text: str, order: str, tz: zoneinfo.ZoneInfo, what: str) -> dt.datetime:
    """A date and time: ISO 8601 with an offset is taken as it is; without one it is the
    clinic's wall clock."""
    value = text.strip()
    if not value:
        raise BadValue(f"{what} is empty")
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        parsed = None
    if parsed is not None:
        if parsed.tzinfo is not None:
            return parsed.astimezone(UTC)
        return local_instant(parsed.date(), parsed.time(), tz, what)
    day_text, _, time_text = value.replace("T", " ").partition(" ")
    if "," in day_text or not time_text or not any(c.isdigit() for c in day_text[-1:]):
        # "Mar 3, 2026 10:00": the date has spaces; the time is the last word(s).
        parts = value.rsplit(" ", 2 if value.lower().endswith(("am", "pm")) else 1)
        day_text = parts[0]
        time_text = " ".join(parts[1:])
    if not time_text:
        raise BadValue(f"{what} '{value}' has no time")
    try:
        day = parse_date(day_text, order, what)
        wall = parse_time(time_text, what)
    except BadValue:
        raise BadValue(f"{what} '{value}' is not a date and time") from None
    return local_instant(day, wall, tz, what)


# Other systems' words for what happened to an appointment → Sacrum's status.
STATUS_WORDS = {
    "": "",
    "booked": "booked",
    "scheduled": "booked",
    "confirmed": "confirmed",
    "requested": "requested",
    "pending": "requested",
    "arrived": "arrived",
    "checked in": "arrived",
    "checkedin": "arrived",
    "attended": "completed",
    "show": "completed",
    "completed": "completed",
    "complete": "completed",
    "fulfilled": "completed",
    "checked out": "completed",
    "paid": "completed",
    "cancelled": "cancelled",
    "canceled": "cancelled",
    "late cancel": "cancelled",
    "late cancellation": "cancelled",
    "clinician canceled": "cancelled",
    "clinician cancelled": "cancelled",
    "no show": "no_show",
    "noshow": "no_show",
    "no-show": "no_show",
    "did not arrive": "no_show",
    "dna": "no_show",
}
TRUE_WORDS = {"yes", "y", "true", "1", "x"}


def parse_status(text: str) -> str:
    key = text.strip().lower().replace("_", " ")
    try:
        return STATUS_WORDS[key]
    except KeyError:
        raise BadValue(
            f"status '{text.strip()}' is not known (use attended, cancelled, no-show or booked)"
        ) from None


def parse_minutes(text: str, what: str) -> int:
    value = text.strip().lower().removesuffix("minutes").removesuffix("min").strip()
    try:
        minutes = int(float(value))
    except ValueError:
        raise BadValue(f"{what} '{text.strip()}' is not a number of minutes") from None
    if not 1 <= minutes <= 24 * 60:
        raise BadValue(f"{what} '{text.strip()}' is not between 1 and 1440 minutes")
    return minutes


EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def parse_email(text: str, what: str) -> str:
    value = text.strip()
    if value and not EMAIL.match(value):
        raise BadValue(f"{what} '{value}' is not an e-mail address")
    return value.lower()

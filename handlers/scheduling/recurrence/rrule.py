"""RFC 5545 RRULE text: reading a pasted rule strictly, and the helpers that handle one.

A pasted rule is refused, with a reason worded for the person, when a forum
cannot use it: several times of day, a frequency finer than daily, a pattern
that never falls on a real date.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time

from dateutil.rrule import rrule, rrulestr

EXAMPLES = (
    "Try: “first Tuesday of the month at 12:30”, “every other Wednesday 13:00”, "
    "“last Friday monthly 9am”, “every weekday at 9am”, "
    "or an RRULE such as FREQ=MONTHLY;BYDAY=1TU;BYHOUR=12;BYMINUTE=30."
)
RAW_DEFAULT_TIME = time(9, 0)
# Far enough from year 9999 that dateutil gives up quickly on a rule that never
# matches, and 40 years covers every weekday/leap-year combination.
PROBE_START = datetime(9960, 1, 1)

_RFC_KEYS = frozenset(
    {
        "FREQ",
        "INTERVAL",
        "COUNT",
        "UNTIL",
        "BYDAY",
        "BYMONTHDAY",
        "BYMONTH",
        "BYSETPOS",
        "BYWEEKNO",
        "BYYEARDAY",
        "BYHOUR",
        "BYMINUTE",
        "BYSECOND",
        "WKST",
    }
)
_TOO_FREQUENT = {"SECONDLY": "second", "MINUTELY": "minute", "HOURLY": "hour"}


class RecurrenceError(ValueError):
    """A schedule we can't use; `message` is worded for the person who typed it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def compile_rule(text: str, *, dtstart: datetime) -> rrule:
    rule = rrulestr(text, dtstart=dtstart)
    if not isinstance(rule, rrule):  # pragma: no cover - one RRULE line is always an rrule
        raise RecurrenceError(f"“{text}” is more than one rule. {EXAMPLES}")
    return rule


def split(text: str) -> dict[str, str]:
    pairs = (part.partition("=") for part in text.split(";") if part)
    return {key: value for key, _, value in pairs}


def join(fields: dict[str, str]) -> str:
    return ";".join(f"{key}={value}" for key, value in fields.items())


def without_until(fields: dict[str, str]) -> dict[str, str]:
    return {key: value for key, value in fields.items() if key != "UNTIL"}


def read_rrule(text: str, *, default_time: time | None) -> dict[str, str]:
    """Check a pasted RRULE with dateutil, refuse what a forum can't use, fill in a time.

    Returns the rule's parts in order, normalised; `join` makes the stored text.
    """
    fields = _parts(_body(text), text=text)
    _refuse_unusable(fields, text=text)
    _check_until(fields, text=text)
    _fill_time(fields, default_time or RAW_DEFAULT_TIME)
    if fields["FREQ"] == "WEEKLY" and int(fields.get("INTERVAL", "1")) > 1:
        # Written out, the RFC's default says this rule counts its weeks from the start's
        # week as calendars do; a phrase without WKST keeps the first-match rhythm.
        fields.setdefault("WKST", "MO")
    _check_it_fires(fields, text=text)
    return fields


def _body(text: str) -> str:
    body = re.sub(r"^\s*RRULE\s*:", "", text, flags=re.IGNORECASE)
    body = re.sub(r"\s+", "", body).upper().rstrip(";")
    if re.search(r"DTSTART|RDATE|EXDATE|EXRULE|:", body):
        raise RecurrenceError(
            f"Please paste just the RRULE part of “{text}”, such as "
            "FREQ=MONTHLY;BYDAY=1TU;BYHOUR=12;BYMINUTE=30. The start date is set separately."
        )
    return body


def _parts(body: str, *, text: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for part in body.split(";"):
        key, equals, value = part.partition("=")
        if not equals or not key or not value:
            raise _rrule_error(text, f"“{part}” isn't a NAME=VALUE part")
        if key not in _RFC_KEYS:
            raise _rrule_error(text, f"I don't know the part {key}")
        if key in fields:
            raise _rrule_error(text, f"{key} is given twice")
        fields[key] = value
    if "FREQ" not in fields:
        raise _rrule_error(text, "it has no FREQ")
    return fields


def _refuse_unusable(fields: dict[str, str], *, text: str) -> None:
    freq = fields["FREQ"]
    if freq in _TOO_FREQUENT:
        raise RecurrenceError(
            f"FREQ={freq} repeats every {_TOO_FREQUENT[freq]}, which is too often for a "
            "forum, journal club or meeting. Use FREQ=DAILY, WEEKLY, MONTHLY or YEARLY, "
            "such as FREQ=MONTHLY;BYDAY=1TU;BYHOUR=12;BYMINUTE=30."
        )
    for key in ("INTERVAL", "COUNT"):
        if key in fields and not (fields[key].isdigit() and 0 < int(fields[key]) <= 1000):
            raise _rrule_error(text, f"{key} must be a whole number from 1 to 1000")
    for key in ("BYHOUR", "BYMINUTE", "BYSECOND"):
        if "," in fields.get(key, ""):
            raise RecurrenceError(
                f"“{text}” has more than one time of day ({key}={fields[key]}). "
                "A schedule posts once at one time; make a second schedule for another time."
            )
    for value in fields.get("BYMONTHDAY", "").split(","):
        if value and not re.fullmatch(r"[+-]?(?:[1-9]|[12]\d|3[01])", value):
            raise _rrule_error(text, "BYMONTHDAY must be 1 to 31, or -1 to -31 from the end")


def _check_until(fields: dict[str, str], *, text: str) -> None:
    """UNTIL as RFC 5545 requires it with a zoned start: a UTC date and time, or nothing."""
    until = fields.get("UNTIL")
    if until is None:
        return
    if "COUNT" in fields:
        raise _rrule_error(text, "it gives both COUNT and UNTIL; keep COUNT or UNTIL, not both")
    if re.fullmatch(r"\d{8}", until):
        raise RecurrenceError(
            f"“{text}” ends with the date UNTIL={until} but posts at a time of day, so "
            f"the end needs a time in UTC too, such as UNTIL={until}T235959Z (the last "
            "second of that day in UTC)."
        )
    if re.fullmatch(r"\d{8}T\d{6}", until):
        raise RecurrenceError(
            f"“{text}” ends at UNTIL={until} without saying which time zone. The end "
            f"needs to be in UTC, marked with a Z: UNTIL={until}Z, for example."
        )
    try:
        until_instant(until)
    except ValueError as error:
        raise _rrule_error(text, f"UNTIL={until} isn't a UTC date and time") from error


def until_instant(until: str) -> datetime:
    """A UTC UNTIL (YYYYMMDDTHHMMSSZ) as an aware instant."""
    return datetime.strptime(until, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


def _fill_time(fields: dict[str, str], when: time) -> None:
    if "BYHOUR" not in fields:
        fields["BYHOUR"] = str(when.hour)
        fields.setdefault("BYMINUTE", str(when.minute))
        fields.setdefault("BYSECOND", str(when.second))
    fields.setdefault("BYMINUTE", "0")
    fields.setdefault("BYSECOND", "0")


def _check_it_fires(fields: dict[str, str], *, text: str) -> None:
    try:
        compile_rule(join(without_until(fields)), dtstart=datetime(2000, 1, 1))
        # Without INTERVAL: whether it fires from a given start is checked on expansion.
        pattern = {k: v for k, v in fields.items() if k not in ("COUNT", "UNTIL", "INTERVAL")}
        ever = compile_rule(join(pattern), dtstart=PROBE_START).after(PROBE_START, inc=True)
    except (ValueError, TypeError, KeyError, IndexError, OverflowError) as error:
        raise _rrule_error(text, str(error) or type(error).__name__) from error
    if ever is None:
        raise _rrule_error(text, "it never falls on a real date")


def _rrule_error(text: str, why: str) -> RecurrenceError:
    return RecurrenceError(
        f"I couldn't use the RRULE “{text}”: {why}. A working example is "
        "FREQ=MONTHLY;BYDAY=1TU;BYHOUR=12;BYMINUTE=30 (first Tuesday of the month at 12:30). "
        f"Or describe it in words. {EXAMPLES}"
    )

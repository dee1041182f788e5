"""Repeating schedules for forums, journal clubs and meetings.

Facilitators type a schedule the way they would say it ("first Tuesday of the month
at 12:30") or paste an RFC 5545 RRULE. Either way we keep one RRULE string, expanded
by dateutil in local wall-clock time and only then pinned to instants with zoneinfo,
so "12:30" stays 12:30 through the clocks changing and a clock change never loses or
doubles a post.

Pure and synchronous: no I/O, no clock, no chat SDK, no scheduler.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from math import gcd
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

__all__ = [
    "Recurrence",
    "RecurrenceError",
    "format_preview",
    "parse_recurrence",
]

EXAMPLES = (
    "Try: “first Tuesday of the month at 12:30”, “every other Wednesday 13:00”, "
    "“last Friday monthly 9am”, “every weekday at 9am”, "
    "or an RRULE such as FREQ=MONTHLY;BYDAY=1TU;BYHOUR=12;BYMINUTE=30."
)
UNDERSTOOD = (
    "I understand days of the week, “first” to “fifth” and “last”, “every”, "
    "“every other”, “every 2 weeks”, “weekly”, “fortnightly”, “monthly”, “daily”, "
    "“every weekday”, days of the month such as “the 15th”, "
    "and times such as 12:30, 12.30, 1pm or noon."
)
TIME_HINT = "Times can be written 12:30, 12.30, 1pm, 9am, noon or “at 9”."
RAW_DEFAULT_TIME = time(9, 0)

# A clock change moves a wall-clock time by at most a day (Samoa skipped one in 2011),
# so looking this far either side of a window finds every occurrence that lands in it.
_MARGIN = timedelta(days=2)
# Far enough from year 9999 that dateutil gives up quickly on a rule that never
# matches, and 40 years covers every weekday/leap-year combination.
_PROBE_START = datetime(9960, 1, 1)
# The Gregorian calendar repeats exactly every 400 years: 4,800 months, 20,871 weeks.
_CYCLE_YEARS = 400
_UNITS_PER_CYCLE = {"YEARLY": 400, "MONTHLY": 4800, "WEEKLY": 20871, "DAILY": 146097}

_DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_DAY_NAMES = {
    "MO": "Monday",
    "TU": "Tuesday",
    "WE": "Wednesday",
    "TH": "Thursday",
    "FR": "Friday",
    "SA": "Saturday",
    "SU": "Sunday",
}
_WORKING_WEEK = ("MO", "TU", "WE", "TH", "FR")
_WEEKEND = ("SA", "SU")
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


@dataclass(frozen=True, kw_only=True, slots=True)
class Recurrence:
    """A repeating schedule: one RRULE plus the words we show people for it.

    The start and time zone live with the schedule, not here, so the same rule can be
    previewed before it is saved and expanded by the scheduler afterwards.
    """

    rrule: str
    description: str

    def occurrences(
        self,
        *,
        start: date | datetime,
        zone: ZoneInfo,
        after: datetime | None = None,
        count: int = 3,
    ) -> list[datetime]:
        """The next `count` posts, aware in `zone`, strictly after `after`.

        Without `after` the list begins at `start` itself (inclusive), which is what a
        preview of a new schedule needs.
        """
        if count <= 0:
            return []
        rule, first = _expand(self.rrule, start=start, zone=zone)
        if rule is None:
            return []
        if after is None:
            floor, inclusive = first, True
        else:
            floor, inclusive = _utc(after, name="after"), False
        local_floor = floor.astimezone(zone).replace(tzinfo=None)
        found: dict[datetime, datetime] = {}
        for local in rule.xafter(local_floor - _MARGIN, inc=True):
            instant = _pin(local, zone)
            key = instant.astimezone(UTC)
            if key > floor or (inclusive and key == floor):
                found.setdefault(key, instant)
            # A later wall-clock time can only land earlier by the size of a clock
            # change, so once we are well past the count-th instant nothing can jump in.
            if len(found) >= count and key > sorted(found)[count - 1] + _MARGIN:
                break
        return [found[key] for key in sorted(found)[:count]]

    def between(
        self,
        *,
        start: date | datetime,
        zone: ZoneInfo,
        since: datetime,
        until: datetime,
    ) -> list[datetime]:
        """Posts due in the window since < t <= until, compared as instants.

        Half-open windows mean a scheduler asking [t0, t1] then [t1, t2] sees each
        post exactly once, clock changes included.
        """
        low, high = _utc(since, name="since"), _utc(until, name="until")
        if high <= low:
            return []
        rule, _ = _expand(self.rrule, start=start, zone=zone)
        if rule is None:
            return []
        local_low = low.astimezone(zone).replace(tzinfo=None) - _MARGIN
        local_high = high.astimezone(zone).replace(tzinfo=None) + _MARGIN
        found: dict[datetime, datetime] = {}
        for local in rule.between(local_low, local_high, inc=True):
            instant = _pin(local, zone)
            key = instant.astimezone(UTC)
            if low < key <= high:
                found.setdefault(key, instant)
        return [found[key] for key in sorted(found)]


def format_preview(*, occurrences: Sequence[datetime]) -> list[str]:
    """ISO 8601 with seconds and offset, so a preview shows which side of a change it is."""
    return [moment.isoformat(timespec="seconds") for moment in occurrences]


def parse_recurrence(*, text: str, default_time: time | None = None) -> Recurrence:
    """Read a typed schedule or a raw RRULE into a Recurrence, or explain what went wrong.

    `default_time` fills in a phrase or RRULE that gives no time of day; without it a
    phrase must name a time and an RRULE falls back to 09:00.
    """
    cleaned = " ".join(text.split())
    if not cleaned:
        raise RecurrenceError(f"Please give a schedule. {EXAMPLES}")
    if re.search(r"\bFREQ\s*=", cleaned, re.IGNORECASE):
        return _parse_rrule(text.strip(), default_time=default_time)
    return _parse_phrase(cleaned, default_time=default_time)


# --- expansion ----------------------------------------------------------------------


def _expand(text: str, *, start: date | datetime, zone: ZoneInfo) -> tuple[rrule | None, datetime]:
    """dateutil's rule over naive local times (None if it can never fire), and the start."""
    dtstart = _local_start(start, zone)
    first = _pin(dtstart, zone).astimezone(UTC)
    fields = _fields(text)
    rule = _rrule(_localise_until(fields, zone), dtstart=dtstart)
    if fields.get("FREQ") == "WEEKLY" and int(fields.get("INTERVAL", "1")) > 1:
        # dateutil counts alternate weeks from the week `start` falls in, so a Sunday
        # start would skip the first Wednesday. The first matching day sets the rhythm.
        weekly = rule.replace(interval=1, count=None, until=None)
        matching = weekly.after(dtstart, inc=True)
        if matching is not None:
            dtstart = matching
            rule = rule.replace(dtstart=dtstart)
    return (rule if _fires(fields, dtstart) else None), first


def _fires(fields: dict[str, str], dtstart: datetime) -> bool:
    """Whether a rule can fire at all from this start, without searching to year 9999.

    Parsing proved the pattern matches some date, but INTERVAL can still step past it
    for ever (FREQ=DAILY;INTERVAL=7;BYDAY=MO begun on a Tuesday), and then dateutil
    searches to 9999 on every call: 0.6 s a time. Whole 400-year Gregorian cycles keep
    weekdays, leap years and the interval's phase, so a short search near 9999 answers
    the same question.
    """
    interval = int(fields.get("INTERVAL", "1"))
    units = _UNITS_PER_CYCLE.get(fields.get("FREQ", ""))
    if interval == 1 or units is None:
        return True
    cycles_per_step = interval // gcd(units, interval)
    cycles = (_PROBE_START.year - dtstart.year) // (_CYCLE_YEARS * cycles_per_step)
    if cycles <= 0:  # an interval this long makes dateutil's own search short
        return True
    probe = dtstart.replace(year=dtstart.year + cycles * cycles_per_step * _CYCLE_YEARS)
    endless = {key: value for key, value in fields.items() if key not in ("COUNT", "UNTIL")}
    return _rrule(_join(endless), dtstart=probe).after(probe, inc=True) is not None


def _pin(local: datetime, zone: ZoneInfo) -> datetime:
    """One instant for a wall-clock time: the round trip through UTC is the rule.

    An ambiguous time (clocks going back) takes fold=0, the first of the two, so there
    is one post, not two. A time that doesn't exist (clocks going forward) comes back
    moved on by the gap, 01:30 becoming 02:30, so the post is late rather than lost.
    """
    return local.replace(tzinfo=zone, fold=0).astimezone(UTC).astimezone(zone)


def _local_start(start: date | datetime, zone: ZoneInfo) -> datetime:
    """`start` as a naive wall-clock time in `zone`; a date means its midnight."""
    if isinstance(start, datetime):
        if start.tzinfo is not None and start.utcoffset() is not None:
            return start.astimezone(zone).replace(tzinfo=None)
        return start.replace(tzinfo=None)
    return datetime.combine(start, time())


def _utc(moment: datetime, *, name: str) -> datetime:
    """Compare instants in UTC: within one zone Python compares wall times, not instants."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return moment.astimezone(UTC)


def _rrule(text: str, *, dtstart: datetime) -> rrule:
    rule = rrulestr(text, dtstart=dtstart)
    if not isinstance(rule, rrule):  # pragma: no cover - one RRULE line is always an rrule
        raise RecurrenceError(f"“{text}” is more than one rule. {EXAMPLES}")
    return rule


def _fields(text: str) -> dict[str, str]:
    pairs = (part.partition("=") for part in text.split(";") if part)
    return {key: value for key, _, value in pairs}


def _join(fields: dict[str, str]) -> str:
    return ";".join(f"{key}={value}" for key, value in fields.items())


def _localise_until(fields: dict[str, str], zone: ZoneInfo) -> str:
    """A UTC UNTIL (…Z) as local wall-clock time, since we hand dateutil naive times."""
    until = fields.get("UNTIL", "")
    if not until.endswith("Z"):
        return _join(fields)
    moment = datetime.strptime(until, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    local = moment.astimezone(zone).replace(tzinfo=None)
    return _join({**fields, "UNTIL": local.strftime("%Y%m%dT%H%M%S")})


# --- raw RRULEs -----------------------------------------------------------------------


def _parse_rrule(text: str, *, default_time: time | None) -> Recurrence:
    """Check a pasted RRULE with dateutil, refuse what a forum can't use, fill in a time."""
    body = re.sub(r"^\s*RRULE\s*:", "", text, flags=re.IGNORECASE)
    body = re.sub(r"\s+", "", body).upper().rstrip(";")
    if re.search(r"DTSTART|RDATE|EXDATE|EXRULE|:", body):
        raise RecurrenceError(
            f"Please paste just the RRULE part of “{text}”, such as "
            "FREQ=MONTHLY;BYDAY=1TU;BYHOUR=12;BYMINUTE=30. The start date is set separately."
        )
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
    when = default_time or RAW_DEFAULT_TIME
    if "BYHOUR" not in fields:
        fields["BYHOUR"] = str(when.hour)
        fields.setdefault("BYMINUTE", str(when.minute))
        fields.setdefault("BYSECOND", str(when.second))
    fields.setdefault("BYMINUTE", "0")
    fields.setdefault("BYSECOND", "0")
    normalised = _join(fields)
    try:
        _rrule(_localise_until(fields, ZoneInfo("UTC")), dtstart=datetime(2000, 1, 1))
        # Without INTERVAL: whether it fires from a given start is checked on expansion.
        pattern = {k: v for k, v in fields.items() if k not in ("COUNT", "UNTIL", "INTERVAL")}
        ever = _rrule(_join(pattern), dtstart=_PROBE_START).after(_PROBE_START, inc=True)
    except (ValueError, TypeError, KeyError, IndexError, OverflowError) as error:
        raise _rrule_error(text, str(error) or type(error).__name__) from error
    if ever is None:
        raise _rrule_error(text, "it never falls on a real date")
    return Recurrence(rrule=normalised, description=_describe_fields(fields))


def _rrule_error(text: str, why: str) -> RecurrenceError:
    return RecurrenceError(
        f"I couldn't use the RRULE “{text}”: {why}. A working example is "
        "FREQ=MONTHLY;BYDAY=1TU;BYHOUR=12;BYMINUTE=30 (first Tuesday of the month at 12:30). "
        f"Or describe it in words. {EXAMPLES}"
    )


def _describe_fields(fields: dict[str, str]) -> str:
    """Words for a pasted RRULE when it is one of the shapes we'd write ourselves."""
    generic = f"the custom schedule {_join(fields)}"
    simple = {"FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "BYHOUR", "BYMINUTE", "BYSECOND"}
    extra = set(fields) - simple - {"COUNT", "UNTIL"}
    if extra - {"WKST"} or (extra and fields.get("WKST") != "MO"):
        return generic
    freq = fields["FREQ"]
    days: list[tuple[int | None, str]] = []
    for item in filter(None, fields.get("BYDAY", "").split(",")):
        match = re.fullmatch(r"([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)", item)
        if match is None:  # pragma: no cover - dateutil has already refused it
            return generic
        days.append((int(match[1]) if match[1] else None, match[2]))
    monthdays = [int(v) for v in filter(None, fields.get("BYMONTHDAY", "").split(","))]
    ordinal = [n for n, _ in days if n is not None]
    plain = [n for n, _ in days if n is None]
    if freq == "DAILY" and (days or monthdays):
        return generic
    if freq == "WEEKLY" and (not days or ordinal or monthdays):
        return generic
    if freq == "MONTHLY" and not (
        (days and not plain and all(-5 <= n <= 5 for n in ordinal) and not monthdays)
        or (monthdays and not days)
    ):
        return generic
    if freq not in ("DAILY", "WEEKLY", "MONTHLY"):
        return generic
    parts = _Parts(
        freq=freq,
        interval=int(fields.get("INTERVAL", "1")),
        days=tuple(days),
        monthdays=tuple(monthdays),
        at=time(int(fields["BYHOUR"]), int(fields["BYMINUTE"]), int(fields["BYSECOND"])),
    )
    words = parts.describe()
    if "COUNT" in fields:
        words += f", {fields['COUNT']} times in all"
    if "UNTIL" in fields:
        until = fields["UNTIL"]
        words += f", until {until[:4]}-{until[4:6]}-{until[6:8]}"
    return words


# --- phrases --------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class _Parts:
    """The pieces of a schedule we can both write as an RRULE and say in words."""

    freq: str
    interval: int = 1
    days: tuple[tuple[int | None, str], ...] = ()
    monthdays: tuple[int, ...] = ()
    at: time = field(default_factory=time)

    def rrule(self) -> str:
        fields = {"FREQ": self.freq}
        if self.interval > 1:
            fields["INTERVAL"] = str(self.interval)
        if self.days:
            codes = [f"{n}{code}" if n is not None else code for n, code in self.days]
            fields["BYDAY"] = ",".join(codes)
        if self.freq == "WEEKLY" and self.interval > 1 and len(self.days) > 1:
            fields["WKST"] = "MO"  # which days share an "every other" week; RFC default
        if self.monthdays:
            fields["BYMONTHDAY"] = ",".join(str(n) for n in self.monthdays)
        fields["BYHOUR"] = str(self.at.hour)
        fields["BYMINUTE"] = str(self.at.minute)
        fields["BYSECOND"] = str(self.at.second)
        return _join(fields)

    def describe(self) -> str:
        clock = self.at.strftime("%H:%M:%S" if self.at.second else "%H:%M")
        short = [_ordinal(n) for n in self.monthdays if n > 28]
        note = f" (months without a {_and(short)} are skipped)" if short else ""
        return f"{self._when()} at {clock}{note}"

    def _when(self) -> str:
        if self.freq == "DAILY":
            return _every(self.interval, "day")
        if self.freq == "WEEKLY":
            codes = [code for _, code in self.days]
            if tuple(codes) == _WORKING_WEEK:
                names = "weekday (Monday to Friday)"
            else:
                names = _and([_DAY_NAMES[code] for code in codes])
            if self.interval == 1:
                return f"every {names}"
            if self.interval == 2 and len(codes) == 1:
                return f"every other {names}"
            return f"{_every(self.interval, 'week')} on {names}"
        months = _every(self.interval, "month")
        if self.monthdays:
            days = _and([_day_of_month(n) for n in self.monthdays])
            return f"the {days} of {months}"
        groups: dict[str, list[int]] = {}
        for n, code in self.days:
            groups.setdefault(code, []).append(n or 1)
        phrases = [
            f"{_and([_ORDINAL_WORDS[n] for n in ns])} {_DAY_NAMES[c]}" for c, ns in groups.items()
        ]
        return f"the {_and(phrases)} of {months}"


_ORDINAL_WORDS = {
    1: "first",
    2: "second",
    3: "third",
    4: "fourth",
    5: "fifth",
    -1: "last",
    -2: "second-to-last",
    -3: "third-to-last",
    -4: "fourth-to-last",
    -5: "fifth-to-last",
}


def _every(interval: int, unit: str) -> str:
    if interval == 1:
        return f"every {unit}"
    if interval == 2:
        return f"every other {unit}"
    return f"every {interval} {unit}s"


def _and(items: Sequence[str]) -> str:
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _day_of_month(n: int) -> str:
    if n > 0:
        return _ordinal(n)
    if n == -1:
        return "last day"
    return f"{_ordinal(-n)}-to-last day"


_TIME = re.compile(
    r"""
    (?:\bat\s+)?
    (?:
        (?:\b12\s*)?\b(?P<word>noon|midday|midnight)\b
      | (?<![\d:.])(?P<h12>\d{1,2})(?:[:.](?P<m12>\d{2}))?\s*(?P<ampm>am|pm)\b
      | (?<![\d:.])(?P<h24>\d{1,2})[:.h](?P<m24>\d{2})(?!\d)
    )
    | \bat\s+(?P<hat>\d{1,2})(?P<mat>\d{2})?(?:\s*o'?clock)?(?!\w|[:.]\d)
    """,
    re.VERBOSE,
)

_WEEKDAY_WORDS: dict[str, str] = {}
for _code, _names in {
    "MO": ("monday", "mon"),
    "TU": ("tuesday", "tue", "tues"),
    "WE": ("wednesday", "wed", "weds"),
    "TH": ("thursday", "thu", "thur", "thurs"),
    "FR": ("friday", "fri"),
    "SA": ("saturday", "sat"),
    "SU": ("sunday", "sun"),
}.items():
    for _name in _names:
        _WEEKDAY_WORDS[_name] = _code
_PLURAL_WEEKDAYS = {f"{name.lower()}s": code for code, name in _DAY_NAMES.items()}

_ORDINALS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "last": -1,
    "final": -1,
    "penultimate": -2,
}
_NUMBERS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
}
_UNITS = {
    "day": "DAILY",
    "days": "DAILY",
    "week": "WEEKLY",
    "weeks": "WEEKLY",
    "month": "MONTHLY",
    "months": "MONTHLY",
    "fortnight": "FORTNIGHT",
    "fortnights": "FORTNIGHT",
}
_ADVERBS = {
    "daily": ("DAILY", 1),
    "everyday": ("DAILY", 1),
    "weekly": ("WEEKLY", 1),
    "fortnightly": ("WEEKLY", 2),
    "monthly": ("MONTHLY", 1),
}
_EVERY = frozenset({"every", "each", "per"})
_FILLER = frozenset({"of", "the", "on", "at", "in", "and", "a", "an", "once", "to"})


@dataclass
class _Draft:
    """What the words said so far, before we check it adds up to one schedule."""

    freq: str | None = None
    interval: int = 1
    days: list[tuple[int | None, str]] = field(default_factory=list)
    monthdays: list[int] = field(default_factory=list)
    recurring: bool = False
    ambiguous_every: int | None = None

    def repeat(self, freq: str, interval: int, *, text: str) -> None:
        if freq == "FORTNIGHT":
            freq, interval = "WEEKLY", 2 * interval
        self.recurring = True
        if self.freq is not None and self.freq != freq:
            raise RecurrenceError(
                f"“{text}” mentions both {_FREQ_WORDS[self.freq]} and {_FREQ_WORDS[freq]}; "
                f"please pick one. {EXAMPLES}"
            )
        if interval != 1 and self.interval not in (1, interval):
            raise RecurrenceError(
                f"“{text}” gives two different gaps between meetings; please pick one. {EXAMPLES}"
            )
        self.freq = freq
        self.interval = max(self.interval, interval)


_FREQ_WORDS = {"DAILY": "days", "WEEKLY": "weeks", "MONTHLY": "months"}


def _parse_phrase(text: str, *, default_time: time | None) -> Recurrence:
    """Words to parts: find the one time of day, then read the rest token by token."""
    lowered = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    lowered = re.sub(r"\ba\.m\.?", "am", re.sub(r"\bp\.m\.?", "pm", lowered))
    times = list(_TIME.finditer(lowered))
    if len(times) > 1:
        raise RecurrenceError(
            f"“{text}” has more than one time in it. A schedule posts once at one time "
            "(give the start time); make a second schedule for another time."
        )
    at = _read_time(times[0], text=text) if times else None
    if times:
        lowered = lowered[: times[0].start()] + " " + lowered[times[0].end() :]
    tokens = re.sub(r"[^a-z0-9']+", " ", lowered).split()
    parts = _read_words(tokens, text=text)
    if at is None:
        if default_time is None:
            raise RecurrenceError(
                f"“{text}” needs a time of day, for example “{text} at 12:30”. {TIME_HINT}"
            )
        at = default_time.replace(tzinfo=None, microsecond=0)
    parts = _Parts(
        freq=parts.freq,
        interval=parts.interval,
        days=parts.days,
        monthdays=parts.monthdays,
        at=at,
    )
    return Recurrence(rrule=parts.rrule(), description=parts.describe())


def _read_time(match: re.Match[str], *, text: str) -> time:
    """12- and 24-hour clock times, noon and midnight, and a bare hour after “at”."""
    if match["word"]:
        return time(0, 0) if match["word"] == "midnight" else time(12, 0)
    if match["ampm"]:
        hour, minute = int(match["h12"]), int(match["m12"] or 0)
        if not 1 <= hour <= 12 or minute > 59:
            raise _time_error(text, match[0])
        return time(hour % 12 + (12 if match["ampm"] == "pm" else 0), minute)
    if match["h24"]:
        hour, minute = int(match["h24"]), int(match["m24"])
    else:
        hour, minute = int(match["hat"]), int(match["mat"] or 0)
    if hour > 23 or minute > 59:
        raise _time_error(text, match[0])
    return time(hour, minute)


def _time_error(text: str, found: str) -> RecurrenceError:
    return RecurrenceError(f"“{found.strip()}” in “{text}” isn't a time of day. {TIME_HINT}")


def _unreadable(text: str, word: str | None = None) -> RecurrenceError:
    detail = f" (I don't know “{word}”)" if word else ""
    return RecurrenceError(
        f"I couldn't read “{text}” as a schedule{detail}. {UNDERSTOOD} {EXAMPLES}"
    )


def _weekday(token: str | None) -> tuple[str, bool] | None:
    """A day name and whether it was plural ("Tuesdays" already means every Tuesday)."""
    if token is None:
        return None
    if token in _WEEKDAY_WORDS:
        return _WEEKDAY_WORDS[token], False
    if token in _PLURAL_WEEKDAYS:
        return _PLURAL_WEEKDAYS[token], True
    return None


def _ordinal_value(token: str | None) -> int | None:
    if token is None:
        return None
    if token in _ORDINALS:
        return _ORDINALS[token]
    match = re.fullmatch(r"(\d{1,2})(?:st|nd|rd|th)", token)
    return int(match[1]) if match else None


def _number(token: str | None) -> int | None:
    if token is None:
        return None
    if token.isdigit():
        return int(token)
    return _NUMBERS.get(token)


def _read_words(tokens: list[str], *, text: str) -> _Parts:
    """Walk the words once, then check the pieces make one schedule."""
    draft = _Draft()
    pending_interval: int | None = None
    ordinals: list[int] = []

    def peek(offset: int) -> str | None:
        return tokens[i + offset] if i + offset < len(tokens) else None

    def flush_monthdays() -> None:
        draft.monthdays.extend(ordinals)
        ordinals.clear()

    i = 0
    while i < len(tokens):
        token = tokens[i]
        if ordinals and token != "and" and _ordinal_value(token) is None:
            if token in ("day", "days"):
                flush_monthdays()
                i += 1
                continue
            if _weekday(token) is None:
                flush_monthdays()
        if token in _EVERY:
            draft.recurring = True
            following = peek(1)
            number = _number(following)
            position = _ordinal_value(following)
            if following in ("other", "alternate"):
                pending_interval, i = 2, i + 2
            elif number is not None and number > 0:
                pending_interval, i = number, i + 2
            elif position is not None and position > 0 and peek(2) in _UNITS:
                pending_interval, i = position, i + 2
            else:
                if position is not None and _weekday(peek(2)) is not None:
                    draft.ambiguous_every = position
                i += 1
            continue
        if token in _UNITS:
            draft.repeat(_UNITS[token], pending_interval or 1, text=text)
            pending_interval = None
        elif token in _ADVERBS:
            draft.repeat(*_ADVERBS[token], text=text)
        elif token in ("weekday", "weekdays") or (
            token in ("working", "work") and peek(1) in ("day", "days")
        ):
            draft.recurring = True
            draft.days.extend((None, code) for code in _WORKING_WEEK)
            i += 0 if token.startswith("week") else 1
        elif token in ("weekend", "weekends"):
            draft.recurring = True
            draft.days.extend((None, code) for code in _WEEKEND)
        elif (day := _weekday(token)) is not None:
            code, plural = day
            draft.recurring = draft.recurring or plural
            if ordinals:
                draft.days.extend((n, code) for n in ordinals)
                ordinals.clear()
            else:
                draft.days.append((None, code))
            if pending_interval is not None:
                draft.repeat("WEEKLY", pending_interval, text=text)
                pending_interval = None
        elif (position := _ordinal_value(token)) is not None:
            if position > 0 and peek(1) == "last":
                position, i = -position, i + 1
            elif position > 0 and peek(1) == "to" and peek(2) == "last":
                position, i = -position, i + 2
            ordinals.append(position)
        elif token.isdigit() and i > 0 and tokens[i - 1] == "the":
            ordinals.append(int(token))
        elif token not in _FILLER:
            raise _unreadable(text, token)
        i += 1
    flush_monthdays()
    if pending_interval is not None:
        raise _unreadable(text)
    return _settle(draft, text=text)


def _settle(draft: _Draft, *, text: str) -> _Parts:
    """Turn what was said into one RRULE shape, or say what is missing or clashing."""
    days = list(dict.fromkeys(draft.days))
    numbered = [(n, code) for n, code in days if n is not None]
    plain = [code for n, code in days if n is None]
    if numbered:
        if plain or draft.monthdays:
            raise RecurrenceError(
                f"“{text}” mixes different kinds of day. Try one, such as “first Tuesday of "
                "the month at 12:30” or “every Tuesday at 12:30”."
            )
        if draft.freq not in (None, "MONTHLY"):
            raise RecurrenceError(
                f"“{text}”: “first”, “second” … “last” Tuesday count within a month, so "
                "they need a monthly schedule, such as “first Tuesday of the month at 12:30”."
            )
        for n, _ in numbered:
            if not (1 <= n <= 5 or -5 <= n <= -1):
                raise RecurrenceError(
                    f"“{text}”: a month has at most five of each weekday; use first to "
                    "fifth or last, such as “fourth Friday of the month at 16:00”."
                )
        every = draft.ambiguous_every
        if draft.freq is None and every is not None and every > 1:
            which, day = _ORDINAL_WORDS[every], _DAY_NAMES[numbered[0][1]]
            gap = "other" if every == 2 else f"{every} weeks on"
            raise RecurrenceError(
                f"“{text}” could mean the {which} {day} of each month or every {gap} "
                f"{day}. Please say “{which} {day} of the month” or “every {gap} {day}”."
            )
        return _Parts(freq="MONTHLY", interval=draft.interval, days=tuple(numbered))
    if draft.monthdays:
        if plain:
            raise RecurrenceError(
                f"“{text}” gives both a day of the week and a date. Try “monthly on the 15th "
                "at 10:00” or “first Tuesday of the month at 12:30”."
            )
        if draft.freq not in (None, "MONTHLY"):
            raise RecurrenceError(
                f"“{text}”: a date such as the 15th repeats monthly; try “monthly on the "
                "15th at 10:00”."
            )
        monthdays = tuple(dict.fromkeys(draft.monthdays))
        for n in monthdays:
            if not (1 <= n <= 31 or n == -1):
                raise RecurrenceError(
                    f"“{text}”: a day of the month runs from the 1st to the 31st (or the "
                    "last day); try “monthly on the 15th at 10:00”."
                )
        return _Parts(freq="MONTHLY", interval=draft.interval, monthdays=monthdays)
    if plain:
        ordered = tuple((None, code) for code in _DAY_CODES if code in plain)
        if draft.freq == "MONTHLY":
            day = _DAY_NAMES[plain[0]]
            raise RecurrenceError(
                f"“{text}”: which {day} of the month? Say first, second, third, fourth, "
                f"fifth or last, such as “first {day} of the month at 12:30”."
            )
        if draft.freq == "DAILY" and draft.interval != 1:
            raise _unreadable(text)
        if not draft.recurring:
            day = _DAY_NAMES[plain[0]]
            raise RecurrenceError(
                f"“{text}” reads like a single date. For a repeating schedule say how "
                f"often, such as “every {day} at 12:30” or “first {day} of the month at 12:30”."
            )
        return _Parts(freq="WEEKLY", interval=draft.interval, days=ordered)
    if draft.freq == "DAILY":
        return _Parts(freq="DAILY", interval=draft.interval)
    if draft.freq == "WEEKLY":
        raise RecurrenceError(
            f"“{text}”: which day of the week? For example “every week on Monday at 08:30”."
        )
    if draft.freq == "MONTHLY":
        raise RecurrenceError(
            f"“{text}”: which day of the month? For example “first Tuesday of the month at "
            "12:30” or “monthly on the 15th at 10:00”."
        )
    raise _unreadable(text)

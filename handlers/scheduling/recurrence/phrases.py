"""Friendly phrases to a rule: "first Tuesday of the month at 12:30" and the like.

`parse_recurrence` is the one entry point: a pasted RRULE goes to the strict
RRULE reader, anything else is read as words, one time of day and then the
rest token by token, and checked to add up to one schedule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from handlers.scheduling.recurrence.describe import (
    DAY_CODES,
    DAY_NAMES,
    ORDINAL_WORDS,
    WORKING_WEEK,
    Parts,
    describe_fields,
)
from handlers.scheduling.recurrence.expand import Recurrence
from handlers.scheduling.recurrence.rrule import EXAMPLES, RecurrenceError, join, read_rrule

UNDERSTOOD = (
    "I understand days of the week, “first” to “fifth” and “last”, “every”, "
    "“every other”, “every 2 weeks”, “weekly”, “fortnightly”, “monthly”, “quarterly”, "
    "“daily”, “every weekday”, “last working day of the month”, days of the month such "
    "as “the 15th”, “twice a month on the 1st and 15th”, times such as 12:30, 12.30, 1pm, "
    "noon or “half past twelve”, time ranges such as 1-2pm, and “UK time”."
)
TIME_HINT = "Times can be written 12:30, 12.30, 1pm, 9am, noon or “at 9”."
_WEEKEND = ("SA", "SU")


def parse_recurrence(*, text: str, default_time: time | None = None) -> Recurrence:
    """Read a typed schedule or a raw RRULE into a Recurrence, or explain what went wrong.

    `default_time` fills in a phrase or RRULE that gives no time of day; without it a
    phrase must name a time and an RRULE falls back to 09:00.
    """
    cleaned = " ".join(text.split())
    if not cleaned:
        raise RecurrenceError(f"Please give a schedule. {EXAMPLES}")
    if re.search(r"\bFREQ\s*=", cleaned, re.IGNORECASE):
        fields = read_rrule(text.strip(), default_time=default_time)
        return Recurrence(rrule=join(fields), description=describe_fields(fields))
    return _parse_phrase(cleaned, default_time=default_time)


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

_CLOCK_PART = r"(?P<{0}_h>\d{{1,2}})(?:[:.](?P<{0}_m>\d{{2}}))?(?:\s*(?P<{0}_ap>am|pm)\b)?"
_RANGE = re.compile(
    r"(?:\b(?P<lead>at|from)\s+)?(?<![\d:.])"
    + _CLOCK_PART.format("s")
    + r"\s*(?:-|\u2013|\u2014|\bto\b|\buntil\b|\btill\b)\s*"
    + _CLOCK_PART.format("e")
    + r"(?![\w:]|\.\d)"
)
_HOUR_WORDS = "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
_SPOKEN = re.compile(
    r"\b(?:a\s+)?(?P<part>half|quarter)\s+(?P<rel>past|to)\s+"
    rf"(?P<hour>\d{{1,2}}|{_HOUR_WORDS})\b(?:\s*(?P<ampm>am|pm)\b)?"
)
_LONDON_TIME = re.compile(r"\b(?:in\s+)?(?:uk|london|british)\s+time\b")

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
_PLURAL_WEEKDAYS = {f"{name.lower()}s": code for code, name in DAY_NAMES.items()}

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
    "quarterly": ("MONTHLY", 3),
}
# "Bi-weekly" means every two weeks to some and twice a week to others, so we ask.
_AMBIGUOUS_BI = {"biweekly": ("WEEKLY", "week"), "bimonthly": ("MONTHLY", "month")}
_LONDON = "Europe/London"
_WORKDAY_STARTS = time(7, 0)
_ORDINAL_NAMES = {n: word for word, n in _ORDINALS.items()}
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
    setpos: list[int] = field(default_factory=list)
    twice: bool = False
    ambiguous_bi: str | None = None

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


@dataclass(frozen=True)
class _Said:
    """What the words said about time and place, apart from which days."""

    at: time | None = None
    ends: time | None = None
    zone: str | None = None


def _parse_phrase(text: str, *, default_time: time | None) -> Recurrence:
    """Words to parts: find the one time of day, then read the rest token by token."""
    lowered = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    lowered = re.sub(r"\ba\.m\.?", "am", re.sub(r"\bp\.m\.?", "pm", lowered))
    lowered = re.sub(r"\bbi[-\s]?(weekly|monthly)\b", r"bi\1", lowered)
    zone = _LONDON if _LONDON_TIME.search(lowered) else None
    lowered = _SPOKEN.sub(_spoken_clock, _LONDON_TIME.sub(" ", lowered))
    said, lowered = _read_clock(lowered, text=text)
    tokens = re.sub(r"[^a-z0-9']+", " ", lowered).split()
    try:
        parts = _read_words(tokens, text=text, at=said.at)
    except _UnknownWord as unknown:
        raise _with_reading(unknown, tokens, at=said.at or default_time) from None
    at = said.at
    if at is None:
        if default_time is None:
            raise RecurrenceError(
                f"“{text}” needs a time of day, for example “{text} at 12:30”. {TIME_HINT}"
            )
        at = default_time.replace(tzinfo=None, microsecond=0)
    parts = replace(parts, at=at, ends=said.ends)
    description = parts.describe() + (" UK time" if zone else "")
    return Recurrence(
        rrule=parts.rrule(), description=description, duration=_length(said), zone=zone
    )


def _length(said: _Said) -> timedelta | None:
    if said.at is None or said.ends is None:
        return None
    day = date(2000, 1, 1)
    return datetime.combine(day, said.ends) - datetime.combine(day, said.at)


def _read_clock(lowered: str, *, text: str) -> tuple[_Said, str]:
    """The one time of day or time range, and the words left once it is taken out."""
    span = _RANGE.search(lowered)
    if span is not None:
        start, ends = _read_range(span, text=text)
        if span["lead"] == "at":
            # "at" promises one time; a range after it is more likely a typo than a length.
            fixed = re.sub(r"\bat\s+(?=\d)", "", text, count=1, flags=re.IGNORECASE)
            raise RecurrenceError(
                f"“{text}” has more than one time in it after “at”. For a meeting from "
                f"{_shown(start)} to {_shown(ends)}, write “{fixed}”."
            )
        lowered = lowered[: span.start()] + " " + lowered[span.end() :]
    times = list(_TIME.finditer(lowered))
    if len(times) > 1 or (times and span is not None):
        raise RecurrenceError(
            f"“{text}” has more than one time in it. A schedule posts once at one time "
            "(give the start time, or a range such as 1-2pm); make a second schedule for "
            "another time."
        )
    if span is not None:
        return _Said(at=start, ends=ends), lowered
    if not times:
        return _Said(), lowered
    found = times[0]
    at = _read_time(found, text=text)
    return _Said(at=at), lowered[: found.start()] + " " + lowered[found.end() :]


def _read_range(span: re.Match[str], *, text: str) -> tuple[time, time]:
    """“1-2pm”, “11-1pm”, “12:30-13:30”: the end's am or pm carries back to the start."""
    found = span[0].strip()
    s_ap, e_ap = span["s_ap"], span["e_ap"]
    if not (s_ap or e_ap or span["s_m"] or span["e_m"]):
        raise RecurrenceError(
            f"“{found}” in “{text}”: is that am or pm? Write it as, for example, "
            f"“{span['s_h']}-{span['e_h']}pm” or “{span['s_h']}:00-{span['e_h']}:00”."
        )
    ends = _clock(int(span["e_h"]), int(span["e_m"] or 0), e_ap, text=text, found=found)
    start = _clock(int(span["s_h"]), int(span["s_m"] or 0), s_ap or e_ap, text=text, found=found)
    if start > ends and not s_ap and e_ap == "pm":
        morning = _clock(int(span["s_h"]), int(span["s_m"] or 0), "am", text=text, found=found)
        # "11-1pm" is 11am to 1pm; "2-1pm" is a slip, not 2am to 1pm.
        start = morning if morning >= _WORKDAY_STARTS else start
    if ends <= start:
        raise RecurrenceError(
            f"“{found}” in “{text}” ends before it starts. Give the start first, such as "
            "“12:30-13:30” or “1-2pm”."
        )
    return start, ends


def _clock(hour: int, minute: int, ampm: str | None, *, text: str, found: str) -> time:
    if ampm:
        if not 1 <= hour <= 12 or minute > 59:
            raise _time_error(text, found)
        return time(hour % 12 + (12 if ampm == "pm" else 0), minute)
    if hour > 23 or minute > 59:
        raise _time_error(text, found)
    return time(hour, minute)


def _shown(moment: time) -> str:
    return moment.strftime("%H:%M")


def _spoken_clock(match: re.Match[str]) -> str:
    """“half past twelve”, “quarter to two”: without am or pm, read as working hours."""
    hour = _number(match["hour"])
    if hour is None or not 1 <= hour <= 12:
        return match[0]
    minute = {"half": 30, "quarter": 15}[match["part"]]
    if match["rel"] == "to":
        hour, minute = (hour - 2) % 12 + 1, 60 - minute
    if match["ampm"]:
        return f" {hour}:{minute:02d}{match['ampm']} "
    # 1 to 7 o'clock is afternoon at work; 8 to 11 is morning, 12 is lunchtime.
    return f" {hour + 12 if hour < 8 else hour}:{minute:02d} "


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


class _UnknownWord(RecurrenceError):
    """An unreadable phrase, keeping the word so we can say what the rest meant."""

    def __init__(self, message: str, *, text: str, word: str | None) -> None:
        super().__init__(message)
        self.text = text
        self.word = word


def _unreadable(text: str, word: str | None = None, *, reading: str = "") -> _UnknownWord:
    detail = f" (I don't know “{word}”)" if word else ""
    guess = (
        f" Without it I read “{reading}”; if that's what you meant, type that." if reading else ""
    )
    return _UnknownWord(
        f"I couldn't read “{text}” as a schedule{detail}.{guess} {UNDERSTOOD} {EXAMPLES}",
        text=text,
        word=word,
    )


def _with_reading(unknown: _UnknownWord, tokens: list[str], *, at: time | None) -> _UnknownWord:
    """Say what the phrase means without the unknown word, when that makes a schedule."""
    rest = [token for token in tokens if token != unknown.word]
    if unknown.word is None or at is None or not rest:
        return unknown
    try:
        parts = _read_words(rest, text=unknown.text, at=at)
    except RecurrenceError:
        return unknown
    reading = replace(parts, at=at).describe()
    return _unreadable(unknown.text, unknown.word, reading=reading)


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
    if token.isascii() and token.isdigit() and len(token) <= 4:
        return int(token)
    return _NUMBERS.get(token)


def _read_words(tokens: list[str], *, text: str, at: time | None) -> Parts:
    """Walk the words once, then check the pieces make one schedule.

    `at` is only for suggestions, so a refusal can offer the phrase with their time.
    """
    clock = (at or time(12, 30)).strftime("%H:%M")
    reader = _Reader(tokens, text=text, clock=clock)
    parts = reader.read()
    _check_ambiguous_bi(reader.draft, parts, text=text, clock=clock)
    _check_twice(reader.draft, parts, text=text, clock=clock)
    return parts


class _Reader:
    """One pass over the words; ordinals wait until we see what they count."""

    def __init__(self, tokens: list[str], *, text: str, clock: str) -> None:
        self.tokens = tokens
        self.text = text
        self.clock = clock
        self.draft = _Draft()
        self.pending_interval: int | None = None
        self.ordinals: list[int] = []
        self.i = 0

    def peek(self, offset: int) -> str | None:
        at = self.i + offset
        return self.tokens[at] if at < len(self.tokens) else None

    def read(self) -> Parts:
        while self.i < len(self.tokens):
            token = self.tokens[self.i]
            if self._close_ordinals(token):
                self.i += 1
                continue
            if token in _EVERY:
                self._every()
                continue
            self._word(token)
            self.i += 1
        self._flush_monthdays()
        if self.pending_interval is not None:
            raise _unreadable(self.text)
        if self.draft.setpos:
            return _settle_working(self.draft, text=self.text, clock=self.clock)
        return _settle(self.draft, text=self.text)

    def _flush_monthdays(self) -> None:
        self.draft.monthdays.extend(self.ordinals)
        self.ordinals.clear()

    def _close_ordinals(self, token: str) -> bool:
        """Ordinals not followed by a weekday are days of the month; True if `token` is used."""
        if not self.ordinals or token == "and" or _ordinal_value(token) is not None:
            return False
        if token in ("day", "days"):
            self._flush_monthdays()
            return True
        if self._working_days(token):
            # "last working day": the ordinals pick among the working days (BYSETPOS).
            self.draft.setpos.extend(self.ordinals)
            self.ordinals.clear()
            return False
        if _weekday(token) is None:
            self._flush_monthdays()
        return False

    def _every(self) -> None:
        self.draft.recurring = True
        following = self.peek(1)
        number = _number(following)
        position = _ordinal_value(following)
        if following in ("other", "alternate"):
            self.pending_interval, self.i = 2, self.i + 2
        elif number is not None and number > 0:
            self.pending_interval, self.i = number, self.i + 2
        elif position is not None and position > 0 and self.peek(2) in _UNITS:
            self.pending_interval, self.i = position, self.i + 2
        else:
            if position is not None and _weekday(self.peek(2)) is not None:
                self.draft.ambiguous_every = position
            self.i += 1

    def _word(self, token: str) -> None:
        if token in _UNITS:
            self.draft.repeat(_UNITS[token], self.pending_interval or 1, text=self.text)
            self.pending_interval = None
        elif token in _ADVERBS:
            self.draft.repeat(*_ADVERBS[token], text=self.text)
        elif token in _AMBIGUOUS_BI:
            self.draft.repeat(_AMBIGUOUS_BI[token][0], 2, text=self.text)
            self.draft.ambiguous_bi = token
        elif token == "twice":
            self.draft.twice = self.draft.recurring = True
        elif self._working_days(token):
            self._whole_days(WORKING_WEEK)
            self.i += 0 if token.startswith("week") else 1
        elif token in ("weekend", "weekends"):
            self._whole_days(_WEEKEND)
        elif (day := _weekday(token)) is not None:
            self._day(*day)
        elif (position := _ordinal_value(token)) is not None:
            self._position(position)
        elif (
            token.isascii()
            and token.isdigit()
            and len(token) <= 4
            and self.i > 0
            and self.tokens[self.i - 1] == "the"
        ):
            self.ordinals.append(int(token))
        elif token not in _FILLER:
            raise _unreadable(self.text, token)

    def _working_days(self, token: str) -> bool:
        return token in ("weekday", "weekdays") or (
            token in ("working", "work") and self.peek(1) in ("day", "days")
        )

    def _whole_days(self, codes: tuple[str, ...]) -> None:
        self.draft.recurring = True
        self.draft.days.extend((None, code) for code in codes)

    def _day(self, code: str, plural: bool) -> None:
        self.draft.recurring = self.draft.recurring or plural
        if self.ordinals:
            self.draft.days.extend((n, code) for n in self.ordinals)
            self.ordinals.clear()
        else:
            self.draft.days.append((None, code))
        if self.pending_interval is not None:
            self.draft.repeat("WEEKLY", self.pending_interval, text=self.text)
            self.pending_interval = None

    def _position(self, position: int) -> None:
        """An ordinal, counting from the end when "last" follows ("second to last")."""
        if position > 0 and self.peek(1) == "last":
            position, self.i = -position, self.i + 1
        elif position > 0 and self.peek(1) == "to" and self.peek(2) == "last":
            position, self.i = -position, self.i + 2
        self.ordinals.append(position)


def _settle(draft: _Draft, *, text: str) -> Parts:
    """Turn what was said into one RRULE shape, or say what is missing or clashing."""
    days = list(dict.fromkeys(draft.days))
    numbered = [(n, code) for n, code in days if n is not None]
    plain = [code for n, code in days if n is None]
    if numbered:
        return _settle_numbered(draft, numbered, plain=plain, text=text)
    if draft.monthdays:
        return _settle_monthdays(draft, plain=plain, text=text)
    if plain:
        return _settle_weekly(draft, plain, text=text)
    return _settle_without_days(draft, text=text)


def _settle_numbered(
    draft: _Draft, numbered: list[tuple[int, str]], *, plain: list[str], text: str
) -> Parts:
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
        which, day = ORDINAL_WORDS[every], DAY_NAMES[numbered[0][1]]
        gap = "other" if every == 2 else f"{every} weeks on"
        raise RecurrenceError(
            f"“{text}” could mean the {which} {day} of each month or every {gap} "
            f"{day}. Please say “{which} {day} of the month” or “every {gap} {day}”."
        )
    days: tuple[tuple[int | None, str], ...] = tuple(numbered)
    return Parts(freq="MONTHLY", interval=draft.interval, days=days)


def _settle_monthdays(draft: _Draft, *, plain: list[str], text: str) -> Parts:
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
    return Parts(freq="MONTHLY", interval=draft.interval, monthdays=monthdays)


def _settle_weekly(draft: _Draft, plain: list[str], *, text: str) -> Parts:
    ordered = tuple((None, code) for code in DAY_CODES if code in plain)
    if draft.freq == "MONTHLY":
        day = DAY_NAMES[plain[0]]
        raise RecurrenceError(
            f"“{text}”: which {day} of the month? Say first, second, third, fourth, "
            f"fifth or last, such as “first {day} of the month at 12:30”."
        )
    if draft.freq == "DAILY" and draft.interval != 1:
        raise _unreadable(text)
    if not draft.recurring:
        day = DAY_NAMES[plain[0]]
        raise RecurrenceError(
            f"“{text}” reads like a single date. For a repeating schedule say how "
            f"often, such as “every {day} at 12:30” or “first {day} of the month at 12:30”."
        )
    return Parts(freq="WEEKLY", interval=draft.interval, days=ordered)


def _settle_without_days(draft: _Draft, *, text: str) -> Parts:
    if draft.freq == "DAILY":
        return Parts(freq="DAILY", interval=draft.interval)
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


def _settle_working(draft: _Draft, *, text: str, clock: str) -> Parts:
    """“Last working day of the month”: Monday to Friday, picked by position."""
    plain = [code for n, code in draft.days if n is None]
    which = " and ".join(ORDINAL_WORDS.get(n, _ORDINAL_NAMES.get(n, str(n))) for n in draft.setpos)
    suggestion = f"“{which} working day of the month at {clock}”"
    if set(plain) != set(WORKING_WEEK) or draft.monthdays or draft.freq not in (None, "MONTHLY"):
        raise RecurrenceError(
            f"“{text}”: I read “{which} working day”, which counts within a month. "
            f"Try {suggestion}."
        )
    if any(n not in ORDINAL_WORDS for n in draft.setpos):
        raise RecurrenceError(
            f"“{text}”: I can count working days first to fifth, or from the end with "
            f"“last” to “fifth to last”. Try “last working day of the month at {clock}”."
        )
    setpos = tuple(sorted(set(draft.setpos), key=lambda n: (n < 0, abs(n))))
    return Parts(freq="MONTHLY", interval=draft.interval, days=WORKING_DAYS, setpos=setpos)


WORKING_DAYS: tuple[tuple[int | None, str], ...] = tuple((None, code) for code in WORKING_WEEK)


def _check_ambiguous_bi(draft: _Draft, parts: Parts, *, text: str, clock: str) -> None:
    if draft.ambiguous_bi is None:
        return
    freq, unit = _AMBIGUOUS_BI[draft.ambiguous_bi]
    every_two = replace(parts, at=time.fromisoformat(clock)).describe()
    if freq == "WEEKLY" and len(parts.days) == 1:
        code = parts.days[0][1]
        other = "TU" if code != "TU" else "TH"
        pair = [DAY_NAMES[c] for c in DAY_CODES if c in (code, other)]
        twice = f"every {pair[0]} and {pair[1]} at {clock}"
    elif freq == "WEEKLY":
        twice = f"every Tuesday and Thursday at {clock}"
    else:
        twice = f"twice a month on the 1st and 15th at {clock}"
    raise RecurrenceError(
        f"“{text}”: does “{draft.ambiguous_bi}” mean every two {unit}s or twice a {unit}? "
        f"For every two {unit}s say “{every_two}”; for twice a {unit} say, for example, "
        f"“{twice}”."
    )


def _check_twice(draft: _Draft, parts: Parts, *, text: str, clock: str) -> None:
    """“Twice a month on the 1st and 15th”: twice means two days named."""
    if not draft.twice:
        return
    named = len(parts.monthdays) + len(parts.setpos) or len(parts.days)
    if parts.freq != "DAILY" and named == 2:
        return
    read = replace(parts, at=time.fromisoformat(clock)).describe()
    raise RecurrenceError(
        f"“{text}” says twice, but I read “{read}”. Name the two days, such as "
        f"“twice a month on the 1st and 15th at {clock}” or "
        f"“twice a week on Tuesday and Thursday at {clock}”."
    )

"""The words people see for a schedule: a description, and a preview's times.

A rule we could have written from a phrase is described the way a person would
say it; anything else is shown as the custom RRULE it is.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time

from handlers.scheduling.recurrence.rrule import join

DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
DAY_NAMES = {
    "MO": "Monday",
    "TU": "Tuesday",
    "WE": "Wednesday",
    "TH": "Thursday",
    "FR": "Friday",
    "SA": "Saturday",
    "SU": "Sunday",
}
WORKING_WEEK = ("MO", "TU", "WE", "TH", "FR")
ORDINAL_WORDS = {
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
_SIMPLE_KEYS = frozenset(
    {"FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "BYHOUR", "BYMINUTE", "BYSECOND"}
)


def format_preview(*, occurrences: Sequence[datetime]) -> list[str]:
    """ISO 8601 with seconds and offset, so a preview shows which side of a change it is."""
    return [moment.isoformat(timespec="seconds") for moment in occurrences]


@dataclass(frozen=True, kw_only=True)
class Parts:
    """The pieces of a schedule we can both write as an RRULE and say in words."""

    freq: str
    interval: int = 1
    days: tuple[tuple[int | None, str], ...] = ()
    monthdays: tuple[int, ...] = ()
    at: time = field(default_factory=time)
    # BYSETPOS: which of the listed days in each month counts ("last working day").
    setpos: tuple[int, ...] = ()
    # Only words: a time range's end, so the description says the whole meeting.
    ends: time | None = None

    def rrule(self) -> str:
        fields = {"FREQ": self.freq}
        if self.interval > 1:
            fields["INTERVAL"] = str(self.interval)
        if self.days:
            codes = [f"{n}{code}" if n is not None else code for n, code in self.days]
            fields["BYDAY"] = ",".join(codes)
        if self.setpos:
            fields["BYSETPOS"] = ",".join(str(n) for n in self.setpos)
        if self.freq == "WEEKLY" and self.interval > 1 and len(self.days) > 1:
            fields["WKST"] = "MO"  # which days share an "every other" week; RFC default
        if self.monthdays:
            fields["BYMONTHDAY"] = ",".join(str(n) for n in self.monthdays)
        fields["BYHOUR"] = str(self.at.hour)
        fields["BYMINUTE"] = str(self.at.minute)
        fields["BYSECOND"] = str(self.at.second)
        return join(fields)

    def describe(self) -> str:
        clock = "at " + self.at.strftime("%H:%M:%S" if self.at.second else "%H:%M")
        if self.ends is not None:
            clock = f"from {clock[3:]} to {self.ends.strftime('%H:%M')}"
        short = [_ordinal(n) for n in self.monthdays if n > 28]
        note = f" (months without a {_and(short)} are skipped)" if short else ""
        return f"{self._when()} {clock}{note}"

    def _when(self) -> str:
        if self.freq == "DAILY":
            return _every(self.interval, "day")
        if self.freq == "WEEKLY":
            return self._weekly()
        return self._monthly()

    def _weekly(self) -> str:
        codes = [code for _, code in self.days]
        if tuple(codes) == WORKING_WEEK:
            names = "weekday (Monday to Friday)"
        else:
            names = _and([DAY_NAMES[code] for code in codes])
        if self.interval == 1:
            return f"every {names}"
        if self.interval == 2 and len(codes) == 1:
            return f"every other {names}"
        return f"{_every(self.interval, 'week')} on {names}"

    def _monthly(self) -> str:
        months = _every(self.interval, "month")
        if self.monthdays:
            days = _and([_day_of_month(n) for n in self.monthdays])
            return f"the {days} of {months}"
        if self.setpos:
            which = _and([ORDINAL_WORDS[n] for n in self.setpos])
            return f"the {which} working day (Monday to Friday) of {months}"
        groups: dict[str, list[int]] = {}
        for n, code in self.days:
            groups.setdefault(code, []).append(n or 1)
        phrases = [
            f"{_and([ORDINAL_WORDS[n] for n in ns])} {DAY_NAMES[c]}" for c, ns in groups.items()
        ]
        return f"the {_and(phrases)} of {months}"


def describe_fields(fields: dict[str, str]) -> str:
    """Words for a pasted RRULE when it is one of the shapes we'd write ourselves."""
    generic = f"the custom schedule {join(fields)}"
    parts = _simple_parts(fields)
    if parts is None:
        return generic
    words = parts.describe()
    if "COUNT" in fields:
        words += f", {fields['COUNT']} times in all"
    if "UNTIL" in fields:
        until = fields["UNTIL"]
        words += f", until {until[:4]}-{until[4:6]}-{until[6:8]}"
    return words


def _simple_parts(fields: dict[str, str]) -> Parts | None:
    """The rule as Parts, or None when it is not a shape a phrase could have made."""
    extra = set(fields) - _SIMPLE_KEYS - {"COUNT", "UNTIL"}
    if extra - {"WKST"} or (extra and fields.get("WKST") != "MO"):
        return None
    days = _byday(fields.get("BYDAY", ""))
    monthdays = [int(v) for v in filter(None, fields.get("BYMONTHDAY", "").split(","))]
    if days is None or not _describable(fields["FREQ"], days, monthdays):
        return None
    return Parts(
        freq=fields["FREQ"],
        interval=int(fields.get("INTERVAL", "1")),
        days=tuple(days),
        monthdays=tuple(monthdays),
        at=time(int(fields["BYHOUR"]), int(fields["BYMINUTE"]), int(fields["BYSECOND"])),
    )


def _byday(value: str) -> list[tuple[int | None, str]] | None:
    days: list[tuple[int | None, str]] = []
    for item in filter(None, value.split(",")):
        match = re.fullmatch(r"([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)", item)
        if match is None:  # pragma: no cover - dateutil has already refused it
            return None
        days.append((int(match[1]) if match[1] else None, match[2]))
    return days


def _describable(freq: str, days: list[tuple[int | None, str]], monthdays: list[int]) -> bool:
    ordinal = [n for n, _ in days if n is not None]
    plain = [n for n, _ in days if n is None]
    if freq == "DAILY":
        return not (days or monthdays)
    if freq == "WEEKLY":
        return bool(days) and not ordinal and not monthdays
    if freq == "MONTHLY":
        by_weekday = bool(days) and not plain and all(-5 <= n <= 5 for n in ordinal)
        return (by_weekday and not monthdays) or (bool(monthdays) and not days)
    return False


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

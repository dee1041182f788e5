"""Expanding a rule: dateutil in local wall-clock time, then pinned to instants.

Expanding in wall-clock time keeps "12:30" at 12:30 through the clocks
changing, and pinning each time with zoneinfo means a clock change never loses
or doubles a post.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from math import gcd
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule

from handlers.scheduling.recurrence.rrule import (
    PROBE_START,
    compile_rule,
    join,
    split,
    until_instant,
    without_until,
)

# A clock change moves a wall-clock time by at most a day (Samoa skipped one in 2011),
# so looking this far either side of a window finds every occurrence that lands in it.
_MARGIN = timedelta(days=2)
# The Gregorian calendar repeats exactly every 400 years: 4,800 months, 20,871 weeks.
_CYCLE_YEARS = 400
_END_OF_TIME = datetime.max.replace(tzinfo=UTC)
# An UNTIL this late can't be loosened without overflowing, and bounds nothing anyway.
_FAR_FUTURE = datetime(9990, 1, 1, tzinfo=UTC)
_UNITS_PER_CYCLE = {"YEARLY": 400, "MONTHLY": 4800, "WEEKLY": 20871, "DAILY": 146097}


@dataclass(frozen=True, kw_only=True, slots=True)
class Recurrence:
    """A repeating schedule: one RRULE plus the words we show people for it.

    The start and time zone live with the schedule, not here, so the same rule can be
    previewed before it is saved and expanded by the scheduler afterwards.
    """

    rrule: str
    description: str
    # From a phrase only: a time range's length ("1-2pm") and a named zone ("UK time"),
    # for the form to fill in; None leaves the form's own length and zone.
    duration: timedelta | None = None
    zone: str | None = None

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
        rule, first, last = _expand(self.rrule, start=start, zone=zone)
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
            if (key > floor or (inclusive and key == floor)) and key <= last:
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
        rule, _, last = _expand(self.rrule, start=start, zone=zone)
        high = min(high, last)
        if rule is None or high <= low:
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


def _expand(
    text: str, *, start: date | datetime, zone: ZoneInfo
) -> tuple[rrule | None, datetime, datetime]:
    """dateutil's rule over naive local times (None if it can never fire), the start,
    and the last instant UNTIL allows (the end of time without one).

    RFC 5545 bounds a rule by UNTIL as an instant, so dateutil gets a wall-clock UNTIL
    loosened by a clock change's worth to stop its search, and the exact bound is
    applied to the pinned instants.
    """
    dtstart = _local_start(start, zone)
    first = _pin(dtstart, zone).astimezone(UTC)
    fields = split(text)
    last = _last_instant(fields.get("UNTIL"), zone)
    loose = without_until(fields)
    if last < _FAR_FUTURE:
        wall = last.astimezone(zone).replace(tzinfo=None) + _MARGIN
        loose["UNTIL"] = wall.strftime("%Y%m%dT%H%M%S")
    rule = compile_rule(join(loose), dtstart=dtstart)
    if _counts_from_first_match(fields):
        weekly = rule.replace(interval=1, count=None, until=None)
        matching = weekly.after(dtstart, inc=True)
        if matching is not None:
            dtstart = matching
            rule = rule.replace(dtstart=dtstart)
    return (rule if _fires(fields, dtstart) else None), first, last


def _counts_from_first_match(fields: dict[str, str]) -> bool:
    """A phrase ("every other Wednesday") starts its rhythm on the first matching day.

    A pasted rule always carries WKST and counts its weeks from the start's week, as
    RFC 5545 and calendars do; dateutil does that itself.
    """
    repeats = fields.get("FREQ") == "WEEKLY" and int(fields.get("INTERVAL", "1")) > 1
    return repeats and "WKST" not in fields


def _last_instant(until: str | None, zone: ZoneInfo) -> datetime:
    """UNTIL as an instant. Rules saved before UNTIL had to be UTC read as they were
    described: a bare date includes that local day, a floating time is local."""
    if until is None:
        return _END_OF_TIME
    if until.endswith("Z"):
        return until_instant(until)
    if len(until) == len("YYYYMMDD"):
        until += "T235959"
    local = datetime.strptime(until, "%Y%m%dT%H%M%S")
    return _pin(local, zone).astimezone(UTC)


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
    cycles = (PROBE_START.year - dtstart.year) // (_CYCLE_YEARS * cycles_per_step)
    if cycles <= 0:  # an interval this long makes dateutil's own search short
        return True
    probe = dtstart.replace(year=dtstart.year + cycles * cycles_per_step * _CYCLE_YEARS)
    endless = {key: value for key, value in fields.items() if key not in ("COUNT", "UNTIL")}
    return compile_rule(join(endless), dtstart=probe).after(probe, inc=True) is not None


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

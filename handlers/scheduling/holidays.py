"""Bank holidays in schedules: keep, skip or move a post that lands on one.

A forum on "the last Friday of the month" lands on Christmas Day in 2026, and a
facilitator would rather it moved or went quiet than posted to an empty channel.
Dates come from the maintained `holidays` package, for the three UK calendars.

A post kept on a bank holiday is named in the preview too, so keeping it is a
choice. A moved post keeps the occurrence it was moved from, so the planner can key it by
that and plan it once however often it looks. Pure: no I/O and no clock.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from functools import cache
from zoneinfo import ZoneInfo

import holidays

from handlers.scheduling.recurrence import Recurrence


class HolidayPolicy(StrEnum):
    """What a schedule does with an occurrence on a bank holiday."""

    NONE = "none"
    SKIP = "skip"
    MOVE = "move"


REGIONS = {"ENG": "England and Wales", "SCT": "Scotland", "NIR": "Northern Ireland"}
POLICY_LABELS = {
    HolidayPolicy.NONE: "Keep them",
    HolidayPolicy.SKIP: "Skip them",
    HolidayPolicy.MOVE: "Move to the next working day",
}
KEPT = "it will still post; choose skip or move to change that"
# Christmas on a Saturday with both substitute days is the longest run of days off
# (25 to 28 Dec), so a move never goes further than this; the planner looks back as far.
LONGEST_MOVE = timedelta(days=7)
# However many preview dates a schedule has been asked for, never search for ever.
_PREVIEW_SEARCH = 400


@dataclass(frozen=True, kw_only=True, slots=True)
class Adjusted:
    """One occurrence after the policy: where it went (None when skipped) and why."""

    original: datetime
    at: datetime | None
    reason: str | None = None

    @property
    def changed(self) -> bool:
        return self.at != self.original


@cache
def _holidays(region: str, year: int) -> dict[date, str]:
    return dict(holidays.country_holidays("GB", subdiv=region, years=year).items())


def bank_holiday(day: date, *, region: str) -> str | None:
    """The bank holiday's name on this day in this region, or None."""
    return _holidays(region, day.year).get(day)


def _working_day(day: date, *, region: str) -> bool:
    return day.weekday() < 5 and bank_holiday(day, region=region) is None


def _pin(day: date, like: datetime, zone: ZoneInfo) -> datetime:
    """The same wall-clock time on another day, pinned the way expansion pins."""
    naive = datetime.combine(day, like.time())
    return naive.replace(tzinfo=zone, fold=0).astimezone(UTC).astimezone(zone)


def adjust(
    *,
    when: datetime,
    zone: ZoneInfo,
    policy: HolidayPolicy,
    region: str,
    taken: frozenset[date] = frozenset(),
) -> Adjusted:
    """Apply the policy to one occurrence; `taken` holds days that already have one."""
    local = when.astimezone(zone)
    name = bank_holiday(local.date(), region=region)
    if name is None:
        return Adjusted(original=when, at=when)
    if policy is HolidayPolicy.NONE:
        # Kept, but said: a post to an empty channel on Christmas Day should be a choice.
        called = name if "bank holiday" in name.lower() else f"{name}, a bank holiday"
        return Adjusted(original=when, at=when, reason=f"is {called}: {KEPT}")
    if policy is HolidayPolicy.SKIP:
        return Adjusted(original=when, at=None, reason=f"skipped: {name}")
    day = local.date() + timedelta(days=1)
    passed = []
    while not _working_day(day, region=region):
        passed += [f"{_day(day)} is {bank_holiday(day, region=region) or 'a weekend'}"]
        day += timedelta(days=1)
    if day in taken:
        # Two posts on one day would be noise; the one already there stands.
        return Adjusted(original=when, at=None, reason=f"skipped: {name}, and {_day(day)} has one")
    between = f" ({'; '.join(passed)})" if passed else ""
    return Adjusted(
        original=when,
        at=_pin(day, local, zone),
        reason=f"moved to {_day(day)}, the next working day: {name}{between}",
    )


def _day(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


def _nearby(
    *, recurrence: Recurrence, start: date, zone: ZoneInfo, when: datetime
) -> frozenset[date]:
    """The days with an occurrence in the week after `when`, where a move could land."""
    found = recurrence.between(start=start, zone=zone, since=when, until=when + LONGEST_MOVE)
    return frozenset(moment.astimezone(zone).date() for moment in found)


@dataclass(frozen=True, kw_only=True, slots=True)
class Policy:
    """A schedule's holiday policy and the calendar it follows."""

    policy: HolidayPolicy = HolidayPolicy.NONE
    region: str = "ENG"

    @classmethod
    def read(cls, *, policy: str, region: str) -> Policy:
        """A stored policy; anything unknown posts as before rather than failing a plan."""
        known = policy in HolidayPolicy.__members__.values() and region in REGIONS
        return cls(policy=HolidayPolicy(policy), region=region) if known else cls()


def planned(
    *,
    recurrence: Recurrence,
    start: date,
    zone: ZoneInfo,
    since: datetime,
    until: datetime,
    policy: Policy,
) -> list[Adjusted]:
    """Occurrences whose (possibly moved) time falls in since < t <= until."""
    low = since - LONGEST_MOVE if policy.policy is HolidayPolicy.MOVE else since
    kept = []
    for when in recurrence.between(start=start, zone=zone, since=low, until=until):
        moved = _apply(recurrence=recurrence, start=start, zone=zone, when=when, policy=policy)
        if moved.at is not None and since < moved.at <= until:
            kept.append(moved)
    return sorted(kept, key=lambda a: a.at or a.original)


def replanned(
    *, recurrence: Recurrence, start: date, zone: ZoneInfo, original: datetime, policy: Policy
) -> Adjusted:
    """One occurrence, already planned under another policy, under this one."""
    return _apply(recurrence=recurrence, start=start, zone=zone, when=original, policy=policy)


def _apply(
    *, recurrence: Recurrence, start: date, zone: ZoneInfo, when: datetime, policy: Policy
) -> Adjusted:
    taken: frozenset[date] = frozenset()
    if policy.policy is HolidayPolicy.MOVE and bank_holiday(
        when.astimezone(zone).date(), region=policy.region
    ):
        taken = _nearby(recurrence=recurrence, start=start, zone=zone, when=when)
    return adjust(when=when, zone=zone, policy=policy.policy, region=policy.region, taken=taken)


@dataclass(frozen=True, kw_only=True, slots=True)
class Preview:
    """The next dates a schedule posts on, and a line for each date on a bank holiday:
    kept, skipped or moved."""

    dates: list[datetime]
    notes: list[str]


def preview(
    *,
    recurrence: Recurrence,
    start: date,
    zone: ZoneInfo,
    after: datetime,
    count: int,
    policy: Policy,
) -> Preview:
    """The next `count` posts strictly after `after`, naming every bank holiday on the way."""
    dates: list[datetime] = []
    notes: list[str] = []
    raw = recurrence.occurrences(start=start, zone=zone, after=after, count=_PREVIEW_SEARCH)
    for when in raw:
        if len(dates) >= count:
            break
        moved = _apply(recurrence=recurrence, start=start, zone=zone, when=when, policy=policy)
        if moved.reason is not None:
            notes.append(f"{_day(when.astimezone(zone).date())} {moved.reason}")
        if moved.at is not None and moved.at > after:
            dates.append(moved.at)
    dates.sort()
    last = dates[-1] if dates else after
    notes[:0] = list(_short_months(rrule=recurrence.rrule, after=after, last=last, zone=zone))
    return Preview(dates=dates, notes=notes)


def _fields(rrule: str) -> dict[str, str]:
    body = rrule.strip().removeprefix("RRULE:")
    return dict(part.partition("=")[::2] for part in body.split(";") if part)


def _short_months(*, rrule: str, after: datetime, last: datetime, zone: ZoneInfo) -> Iterator[str]:
    """Months a "the 31st" rule passes by without a date, so nobody wonders why."""
    fields = _fields(rrule)
    if fields.get("FREQ") != "MONTHLY" or "BYDAY" in fields or "BYSETPOS" in fields:
        return
    if fields.get("INTERVAL", "1") != "1":
        return
    try:
        days = sorted(int(d) for d in fields.get("BYMONTHDAY", "").split(",") if d)
    except ValueError:
        return
    wanted = [d for d in days if d > 28]
    year, month = after.astimezone(zone).year, after.astimezone(zone).month
    end = last.astimezone(zone)
    while (year, month) <= (end.year, end.month):
        length = calendar.monthrange(year, month)[1]
        missing = [d for d in wanted if d > length]
        if missing:
            named = " or ".join(_ordinal(d) for d in missing)
            yield f"{calendar.month_name[month]} {year} has no {named}: skipped"
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"

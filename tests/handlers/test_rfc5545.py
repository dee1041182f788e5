"""Our expansion against an independent one: python-dateutil's `rrulestr` on aware times.

dateutil is given the rule as pasted and DTSTART as an aware time in the zone, and
works on wall-clock dates with each result carrying the zone (fold=0); it compares
UNTIL, a UTC time, with each result as an instant. Every result is compared with
ours in UTC, so the comparison is by instant.

Clock changes: a wall-clock time in the spring gap (01:30 in London on the last
Sunday of March) read with fold=0 takes the offset from before the change, so it is
the instant 02:30 BST: the one we post at, moved on by the gap. A time that happens
twice in autumn read with fold=0 is its first instant, which is the one post we make.
So gap and fold times are compared as dateutil's fold=0 instants, without
special cases; the generated times include the hours that fall in a gap or fold
in all four zones (Lord Howe's change is half an hour, at 02:00).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrule, rrulestr
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from handlers.scheduling.recurrence import Recurrence, RecurrenceError, parse_recurrence

ZONES = [
    ZoneInfo(name)
    for name in ("Europe/London", "America/New_York", "Australia/Sydney", "Australia/Lord_Howe")
]
WINDOW = timedelta(days=800)  # two of each clock change, whichever hemisphere
PREVIEW = 6

# RFC 5545 §3.8.5.3: every example with one time of day, as (DTSTART date, rule). The
# RFC's start is 09:00 America/New_York; the rest of its examples post several times
# a day or more often than daily, which a schedule refuses.
RFC_EXAMPLES = [
    (date(1997, 9, 2), "FREQ=DAILY;COUNT=10"),
    (date(1997, 9, 2), "FREQ=DAILY;UNTIL=19971224T000000Z"),
    (date(1997, 9, 2), "FREQ=DAILY;INTERVAL=2"),
    (date(1997, 9, 2), "FREQ=DAILY;INTERVAL=10;COUNT=5"),
    (date(1998, 1, 1), "FREQ=YEARLY;UNTIL=20000131T140000Z;BYMONTH=1;BYDAY=SU,MO,TU,WE,TH,FR,SA"),
    (date(1998, 1, 1), "FREQ=DAILY;UNTIL=20000131T140000Z;BYMONTH=1"),
    (date(1997, 9, 2), "FREQ=WEEKLY;COUNT=10"),
    (date(1997, 9, 2), "FREQ=WEEKLY;UNTIL=19971224T000000Z"),
    (date(1997, 9, 2), "FREQ=WEEKLY;INTERVAL=2;WKST=SU"),
    (date(1997, 9, 2), "FREQ=WEEKLY;UNTIL=19971007T000000Z;WKST=SU;BYDAY=TU,TH"),
    (date(1997, 9, 2), "FREQ=WEEKLY;COUNT=10;WKST=SU;BYDAY=TU,TH"),
    (date(1997, 9, 1), "FREQ=WEEKLY;INTERVAL=2;UNTIL=19971224T000000Z;WKST=SU;BYDAY=MO,WE,FR"),
    (date(1997, 9, 2), "FREQ=WEEKLY;INTERVAL=2;COUNT=8;WKST=SU;BYDAY=TU,TH"),
    (date(1997, 9, 5), "FREQ=MONTHLY;COUNT=10;BYDAY=1FR"),
    (date(1997, 9, 5), "FREQ=MONTHLY;UNTIL=19971224T000000Z;BYDAY=1FR"),
    (date(1997, 9, 7), "FREQ=MONTHLY;INTERVAL=2;COUNT=10;BYDAY=1SU,-1SU"),
    (date(1997, 9, 22), "FREQ=MONTHLY;COUNT=6;BYDAY=-2MO"),
    (date(1997, 9, 28), "FREQ=MONTHLY;BYMONTHDAY=-3"),
    (date(1997, 9, 2), "FREQ=MONTHLY;COUNT=10;BYMONTHDAY=2,15"),
    (date(1997, 9, 30), "FREQ=MONTHLY;COUNT=10;BYMONTHDAY=1,-1"),
    (date(1997, 9, 10), "FREQ=MONTHLY;INTERVAL=18;COUNT=10;BYMONTHDAY=10,11,12,13,14,15"),
    (date(1997, 9, 2), "FREQ=MONTHLY;INTERVAL=2;BYDAY=TU"),
    (date(1997, 6, 10), "FREQ=YEARLY;COUNT=10;BYMONTH=6,7"),
    (date(1997, 3, 10), "FREQ=YEARLY;INTERVAL=2;COUNT=10;BYMONTH=1,2,3"),
    (date(1997, 1, 1), "FREQ=YEARLY;INTERVAL=3;COUNT=10;BYYEARDAY=1,100,200"),
    (date(1997, 5, 19), "FREQ=YEARLY;BYDAY=20MO"),
    (date(1997, 5, 12), "FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO"),
    (date(1997, 3, 13), "FREQ=YEARLY;BYMONTH=3;BYDAY=TH"),
    (date(1997, 6, 5), "FREQ=YEARLY;BYDAY=TH;BYMONTH=6,7,8"),
    (date(1997, 9, 2), "FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13"),
    (date(1997, 9, 13), "FREQ=MONTHLY;BYDAY=SA;BYMONTHDAY=7,8,9,10,11,12,13"),
    (date(1996, 11, 5), "FREQ=YEARLY;INTERVAL=4;BYMONTH=11;BYDAY=TU;BYMONTHDAY=2,3,4,5,6,7,8"),
    (date(1997, 9, 4), "FREQ=MONTHLY;COUNT=3;BYDAY=TU,WE,TH;BYSETPOS=3"),
    (date(1997, 9, 29), "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-2"),
    (date(2007, 1, 15), "FREQ=MONTHLY;BYMONTHDAY=15,30;COUNT=5"),
    (date(1997, 8, 5), "FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=MO"),
    (date(1997, 8, 5), "FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=SU"),
]


def _mismatches(text: str, *, start: datetime, zone: ZoneInfo) -> list[str]:
    """Where our instants and dateutil's differ, for a rule from `start` (naive, local)."""
    ours = parse_recurrence(text=text)
    theirs = rrulestr(text, dtstart=start.replace(tzinfo=zone))
    assert isinstance(theirs, rrule)
    since = start.replace(tzinfo=zone).astimezone(UTC) - timedelta(seconds=1)
    until = since + WINDOW
    expected = [moment.astimezone(UTC) for moment in theirs.between(since, until, inc=True)]
    window = _utc(ours.between(start=start, zone=zone, since=since, until=until))
    preview = _utc(ours.occurrences(start=start, zone=zone, count=PREVIEW))
    problems = []
    if window != expected:
        problems.append(f"{text} from {start} in {zone}: window {window} != {expected}")
    if len(expected) >= PREVIEW and preview != expected[:PREVIEW]:
        problems.append(f"{text} from {start} in {zone}: preview {preview}")
    return problems


def _utc(moments: list[datetime]) -> list[datetime]:
    return [moment.astimezone(UTC) for moment in moments]


def _rfc_cases() -> list[tuple[date, str]]:
    """The examples as written, and moved to 2026 so they cross this year's changes."""
    moved = [(day.replace(year=day.year + 29), rule) for day, rule in RFC_EXAMPLES]
    return RFC_EXAMPLES + [(day, rule) for day, rule in moved if "UNTIL" not in rule]


@pytest.mark.parametrize("zone", ZONES, ids=str)
def test_every_rfc_example_matches_dateutil_by_instant(zone: ZoneInfo) -> None:
    problems = [
        problem
        for day, rule in _rfc_cases()
        for problem in _mismatches(rule, start=datetime.combine(day, time(9)), zone=zone)
    ]
    assert problems == []


def test_rfc_examples_at_a_time_that_falls_in_the_gap_or_fold() -> None:
    """01:30 and 02:15 are in a gap or fold somewhere in every zone, every year."""
    problems = [
        problem
        for zone in ZONES
        for day, rule in _rfc_cases()
        for at in (time(1, 30), time(2, 15))
        for problem in _mismatches(
            f"{rule};BYHOUR={at.hour};BYMINUTE={at.minute};BYSECOND=0",
            start=datetime.combine(day, time()),
            zone=zone,
        )
    ]
    assert problems == []


_DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


@st.composite
def _rules(draw: st.DrawFn) -> tuple[str, date]:
    start = draw(st.dates(min_value=date(2025, 9, 1), max_value=date(2027, 12, 31)))
    freq = draw(st.sampled_from(["DAILY", "WEEKLY", "MONTHLY", "YEARLY"]))
    parts = [f"FREQ={freq}", f"INTERVAL={draw(st.integers(1, 4))}"]
    days = draw(st.lists(st.sampled_from(_DAYS), max_size=3, unique=True))
    if days and freq in ("MONTHLY", "YEARLY") and draw(st.booleans()):
        nth = draw(st.sampled_from([-2, -1, 1, 2, 3, 4]))
        days = [f"{nth}{day}" for day in days]
    if days:
        parts.append("BYDAY=" + ",".join(days))
        if freq != "DAILY" and draw(st.booleans()):
            parts.append(f"BYSETPOS={draw(st.sampled_from([-2, -1, 1, 2]))}")
    monthdays = draw(st.lists(st.sampled_from([-31, -3, -1, 1, 2, 15, 29, 30, 31]), max_size=2))
    if monthdays and freq != "WEEKLY":
        parts.append("BYMONTHDAY=" + ",".join(str(n) for n in sorted(set(monthdays))))
    months = draw(st.lists(st.integers(1, 12), max_size=3, unique=True))
    if months:
        parts.append("BYMONTH=" + ",".join(str(n) for n in sorted(months)))
    if draw(st.booleans()):
        parts.append(f"WKST={draw(st.sampled_from(_DAYS))}")
    hour = draw(st.sampled_from([0, 1, 2, 3, 9, 12, 23]))
    minute = draw(st.sampled_from([0, 15, 30, 45]))
    parts += [f"BYHOUR={hour}", f"BYMINUTE={minute}", "BYSECOND=0"]
    end = draw(st.sampled_from(["none", "count", "until"]))
    if end == "count":
        parts.append(f"COUNT={draw(st.integers(1, 30))}")
    elif end == "until":
        offset = draw(st.integers(0, 700 * 24 * 4)) * timedelta(minutes=15)
        until = datetime.combine(start, time(), tzinfo=UTC) + offset
        parts.append(f"UNTIL={until:%Y%m%dT%H%M%SZ}")
    return ";".join(parts), start


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(case=_rules(), zone=st.sampled_from(ZONES))
def test_generated_rules_match_dateutil_by_instant(case: tuple[str, date], zone: ZoneInfo) -> None:
    text, start = case
    try:
        parse_recurrence(text=text)
    except RecurrenceError:
        assume(False)
    assert _mismatches(text, start=datetime.combine(start, time()), zone=zone) == []


def test_the_comparison_does_cross_gaps_and_folds() -> None:
    """A guard on the test itself: the times we generate do land in a gap and a fold."""
    daily = Recurrence(rrule="FREQ=DAILY;BYHOUR=2;BYMINUTE=15;BYSECOND=0", description="")
    lord_howe = ZoneInfo("Australia/Lord_Howe")
    spring = daily.occurrences(start=date(2026, 10, 4), zone=lord_howe, count=1)[0]
    assert spring.time() == time(2, 45)  # 02:15 didn't exist; moved on by the half hour
    twice = Recurrence(rrule="FREQ=DAILY;BYHOUR=1;BYMINUTE=45;BYSECOND=0", description="")
    autumn = twice.occurrences(start=date(2027, 4, 4), zone=lord_howe, count=1)[0]
    assert autumn.utcoffset() == timedelta(hours=11)  # the first of the two 01:45s

"""Schedules: phrases and RRULEs in, the right local times out, clock changes included."""

from __future__ import annotations

import ast
import itertools
import time as clock
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from handlers.scheduling.recurrence import (
    Recurrence,
    RecurrenceError,
    format_preview,
    parse_recurrence,
)

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
START = date(2026, 11, 1)  # a Sunday, a week after the clocks go back


def _next(text: str, *, start: date | datetime = START, zone: ZoneInfo = LONDON, count: int = 3):
    recurrence = parse_recurrence(text=text)
    return format_preview(occurrences=recurrence.occurrences(start=start, zone=zone, count=count))


FIRST_TUESDAY = [
    "2026-11-03T12:30:00+00:00",
    "2026-12-01T12:30:00+00:00",
    "2027-01-05T12:30:00+00:00",
]
SECOND_WEDNESDAY = [
    "2026-11-11T13:00:00+00:00",
    "2026-12-09T13:00:00+00:00",
    "2027-01-13T13:00:00+00:00",
]
LAST_FRIDAY = [
    "2026-11-27T09:00:00+00:00",
    "2026-12-25T09:00:00+00:00",
    "2027-01-29T09:00:00+00:00",
]
ALTERNATE_WEDNESDAY = [
    "2026-11-04T13:00:00+00:00",
    "2026-11-18T13:00:00+00:00",
    "2026-12-02T13:00:00+00:00",
]
DAILY_SEVEN = [
    "2026-11-01T19:00:00+00:00",
    "2026-11-02T19:00:00+00:00",
    "2026-11-03T19:00:00+00:00",
]

PHRASES = [
    (
        "first Tuesday of the month at 12:30",
        "FREQ=MONTHLY;BYDAY=1TU;BYHOUR=12;BYMINUTE=30;BYSECOND=0",
        FIRST_TUESDAY,
    ),
    (
        "1st tuesday monthly 12.30",
        "FREQ=MONTHLY;BYDAY=1TU;BYHOUR=12;BYMINUTE=30;BYSECOND=0",
        FIRST_TUESDAY,
    ),
    (
        "second Wed of every month at 1pm",
        "FREQ=MONTHLY;BYDAY=2WE;BYHOUR=13;BYMINUTE=0;BYSECOND=0",
        SECOND_WEDNESDAY,
    ),
    (
        "third thursday each month 9:15am",
        "FREQ=MONTHLY;BYDAY=3TH;BYHOUR=9;BYMINUTE=15;BYSECOND=0",
        ["2026-11-19T09:15:00+00:00", "2026-12-17T09:15:00+00:00", "2027-01-21T09:15:00+00:00"],
    ),
    (
        "fourth friday of the month at 16:00",
        "FREQ=MONTHLY;BYDAY=4FR;BYHOUR=16;BYMINUTE=0;BYSECOND=0",
        ["2026-11-27T16:00:00+00:00", "2026-12-25T16:00:00+00:00", "2027-01-22T16:00:00+00:00"],
    ),
    (
        "last Friday monthly 9am",
        "FREQ=MONTHLY;BYDAY=-1FR;BYHOUR=9;BYMINUTE=0;BYSECOND=0",
        LAST_FRIDAY,
    ),
    (
        "last friday of each month at 9:00",
        "FREQ=MONTHLY;BYDAY=-1FR;BYHOUR=9;BYMINUTE=0;BYSECOND=0",
        LAST_FRIDAY,
    ),
    (
        "every other Wednesday 13:00",
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=WE;BYHOUR=13;BYMINUTE=0;BYSECOND=0",
        ALTERNATE_WEDNESDAY,
    ),
    (
        "every 2 weeks on wednesday at 1pm",
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=WE;BYHOUR=13;BYMINUTE=0;BYSECOND=0",
        ALTERNATE_WEDNESDAY,
    ),
    (
        "fortnightly on Wednesday 13:00",
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=WE;BYHOUR=13;BYMINUTE=0;BYSECOND=0",
        ALTERNATE_WEDNESDAY,
    ),
    (
        "every week on Monday at 08:30",
        "FREQ=WEEKLY;BYDAY=MO;BYHOUR=8;BYMINUTE=30;BYSECOND=0",
        ["2026-11-02T08:30:00+00:00", "2026-11-09T08:30:00+00:00", "2026-11-16T08:30:00+00:00"],
    ),
    (
        "weekly on mon and thu at 10",
        "FREQ=WEEKLY;BYDAY=MO,TH;BYHOUR=10;BYMINUTE=0;BYSECOND=0",
        ["2026-11-02T10:00:00+00:00", "2026-11-05T10:00:00+00:00", "2026-11-09T10:00:00+00:00"],
    ),
    (
        "every Tuesday at 12:30",
        "FREQ=WEEKLY;BYDAY=TU;BYHOUR=12;BYMINUTE=30;BYSECOND=0",
        ["2026-11-03T12:30:00+00:00", "2026-11-10T12:30:00+00:00", "2026-11-17T12:30:00+00:00"],
    ),
    (
        "every weekday at 9am",
        "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=9;BYMINUTE=0;BYSECOND=0",
        ["2026-11-02T09:00:00+00:00", "2026-11-03T09:00:00+00:00", "2026-11-04T09:00:00+00:00"],
    ),
    ("daily at 7pm", "FREQ=DAILY;BYHOUR=19;BYMINUTE=0;BYSECOND=0", DAILY_SEVEN),
    ("every day 19:00", "FREQ=DAILY;BYHOUR=19;BYMINUTE=0;BYSECOND=0", DAILY_SEVEN),
    (
        "monthly on the 15th at 10:00",
        "FREQ=MONTHLY;BYMONTHDAY=15;BYHOUR=10;BYMINUTE=0;BYSECOND=0",
        ["2026-11-15T10:00:00+00:00", "2026-12-15T10:00:00+00:00", "2027-01-15T10:00:00+00:00"],
    ),
    (
        "on the 1st of every month at 9am",
        "FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=9;BYMINUTE=0;BYSECOND=0",
        ["2026-11-01T09:00:00+00:00", "2026-12-01T09:00:00+00:00", "2027-01-01T09:00:00+00:00"],
    ),
    (
        "FREQ=MONTHLY;BYDAY=1TU;BYHOUR=12;BYMINUTE=30",
        "FREQ=MONTHLY;BYDAY=1TU;BYHOUR=12;BYMINUTE=30;BYSECOND=0",
        FIRST_TUESDAY,
    ),
    (
        "RRULE:FREQ=MONTHLY;BYDAY=1TU;BYHOUR=12;BYMINUTE=30",
        "FREQ=MONTHLY;BYDAY=1TU;BYHOUR=12;BYMINUTE=30;BYSECOND=0",
        FIRST_TUESDAY,
    ),
]


@pytest.mark.parametrize(("text", "rrule", "expected"), PHRASES, ids=[p[0] for p in PHRASES])
def test_each_phrase_gives_its_rrule_and_next_three_dates(
    text: str, rrule: str, expected: list[str]
) -> None:
    assert parse_recurrence(text=text).rrule == rrule
    assert _next(text) == expected


VARIATIONS = [
    ("FIRST TUESDAY OF THE MONTH AT 12:30", "FREQ=MONTHLY;BYDAY=1TU;BYHOUR=12;BYMINUTE=30"),
    (
        "  first   Tuesday, of the month, at 12:30pm. ",
        "FREQ=MONTHLY;BYDAY=1TU;BYHOUR=12;BYMINUTE=30",
    ),
    ("first tues of the month at 12.30 p.m.", "FREQ=MONTHLY;BYDAY=1TU;BYHOUR=12;BYMINUTE=30"),
    ("Tuesdays at 12:30", "FREQ=WEEKLY;BYDAY=TU;BYHOUR=12;BYMINUTE=30"),
    ("every thurs at noon", "FREQ=WEEKLY;BYDAY=TH;BYHOUR=12;BYMINUTE=0"),
    ("every weds at midday", "FREQ=WEEKLY;BYDAY=WE;BYHOUR=12;BYMINUTE=0"),
    ("weekly on thu & mon at 10 o'clock", "FREQ=WEEKLY;BYDAY=MO,TH;BYHOUR=10;BYMINUTE=0"),
    ("every alternate Wednesday at 13:00", "FREQ=WEEKLY;INTERVAL=2;BYDAY=WE;BYHOUR=13"),
    ("every second week on thursday at 2:30 p.m.", "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH;BYHOUR=14"),
    ("every two weeks on Friday at 9", "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR;BYHOUR=9"),
    ("every 3 weeks on Monday at 9", "FREQ=WEEKLY;INTERVAL=3;BYDAY=MO;BYHOUR=9"),
    ("every working day at 8.45", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=8;BYMINUTE=45"),
    ("weekdays at 9am", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=9"),
    ("everyday at 7pm", "FREQ=DAILY;BYHOUR=19"),
    ("every other day at 07:00", "FREQ=DAILY;INTERVAL=2;BYHOUR=7"),
    ("first and third Tuesday of the month at 12:30", "FREQ=MONTHLY;BYDAY=1TU,3TU;BYHOUR=12"),
    ("first Tuesday of every other month at 12:30", "FREQ=MONTHLY;INTERVAL=2;BYDAY=1TU"),
    ("every first Tuesday at 12:30", "FREQ=MONTHLY;BYDAY=1TU;BYHOUR=12"),
    ("every second Tuesday of the month at 12:30", "FREQ=MONTHLY;BYDAY=2TU;BYHOUR=12"),
    ("final friday of the month 4pm", "FREQ=MONTHLY;BYDAY=-1FR;BYHOUR=16"),
    ("second last friday of the month at 12 noon", "FREQ=MONTHLY;BYDAY=-2FR;BYHOUR=12"),
    ("last day of the month at 17:00", "FREQ=MONTHLY;BYMONTHDAY=-1;BYHOUR=17"),
    ("on the first of every month at 9am", "FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=9"),
    ("monthly on the 1st and 15th at 10:00", "FREQ=MONTHLY;BYMONTHDAY=1,15;BYHOUR=10"),
    ("once a month on the 15th at 10:00", "FREQ=MONTHLY;BYMONTHDAY=15;BYHOUR=10"),
    ("at 9am on the first Monday of each month", "FREQ=MONTHLY;BYDAY=1MO;BYHOUR=9;BYMINUTE=0"),
    ("daily at 12am", "FREQ=DAILY;BYHOUR=0;BYMINUTE=0"),
    ("daily at midnight", "FREQ=DAILY;BYHOUR=0;BYMINUTE=0"),
    ("daily at 1300", "FREQ=DAILY;BYHOUR=13;BYMINUTE=0"),
    ("rrule:freq=weekly; byday=mo ; byhour=8", "FREQ=WEEKLY;BYDAY=MO;BYHOUR=8;BYMINUTE=0"),
]


@pytest.mark.parametrize(("text", "prefix"), VARIATIONS, ids=[v[0] for v in VARIATIONS])
def test_obvious_variations_are_understood(text: str, prefix: str) -> None:
    assert parse_recurrence(text=text).rrule.startswith(prefix)


@pytest.mark.parametrize(
    ("text", "description"),
    [
        ("first Tuesday of the month at 12:30", "the first Tuesday of every month at 12:30"),
        ("last Friday monthly 9am", "the last Friday of every month at 09:00"),
        ("every other Wednesday 13:00", "every other Wednesday at 13:00"),
        ("every 3 weeks on Monday at 9", "every 3 weeks on Monday at 09:00"),
        ("weekly on mon and thu at 10", "every Monday and Thursday at 10:00"),
        ("every weekday at 9am", "every weekday (Monday to Friday) at 09:00"),
        ("daily at 7pm", "every day at 19:00"),
        ("monthly on the 15th at 10:00", "the 15th of every month at 10:00"),
        (
            "monthly on the 31st at 10:00",
            "the 31st of every month at 10:00 (months without a 31st are skipped)",
        ),
        (
            "first and third Tuesday of the month at 12:30",
            "the first and third Tuesday of every month at 12:30",
        ),
        ("FREQ=MONTHLY;BYDAY=-1FR;BYHOUR=9", "the last Friday of every month at 09:00"),
        (
            "FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=1;BYHOUR=9",
            "the custom schedule FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=1;BYHOUR=9;BYMINUTE=0;BYSECOND=0",
        ),
    ],
)
def test_descriptions_read_as_a_person_would_say_them(text: str, description: str) -> None:
    assert parse_recurrence(text=text).description == description


def test_every_other_wednesday_keeps_a_fourteen_day_rhythm_from_the_first_one() -> None:
    recurrence = parse_recurrence(text="every other Wednesday 13:00")
    # Starting on a Sunday: the Wednesday three days later is the first, not one 10 days later.
    times = recurrence.occurrences(start=START, zone=LONDON, count=30)
    assert times[0].isoformat() == "2026-11-04T13:00:00+00:00"
    assert {later.date() - earlier.date() for earlier, later in itertools.pairwise(times)} == {
        timedelta(days=14)
    }
    # Same wall-clock time on both sides of the March change.
    assert {t.time() for t in times} == {time(13, 0)}
    assert {t.utcoffset() for t in times} == {timedelta(0), timedelta(hours=1)}


def test_every_other_wednesday_starting_after_that_days_meeting_counts_from_the_next() -> None:
    recurrence = parse_recurrence(text="every other Wednesday 13:00")
    start = datetime(2026, 11, 4, 14, 0)
    times = recurrence.occurrences(start=start, zone=LONDON, count=3)
    assert format_preview(occurrences=times) == [
        "2026-11-11T13:00:00+00:00",
        "2026-11-25T13:00:00+00:00",
        "2026-12-09T13:00:00+00:00",
    ]
    # and the scheduler's windows agree with the preview
    windows = recurrence.between(
        start=start,
        zone=LONDON,
        since=datetime(2026, 11, 4, tzinfo=UTC),
        until=datetime(2026, 12, 10, tzinfo=UTC),
    )
    assert windows == times


def test_start_on_the_day_of_a_meeting_includes_it_and_after_is_strict() -> None:
    recurrence = parse_recurrence(text="first Tuesday of the month at 12:30")
    on_the_day = recurrence.occurrences(start=date(2026, 11, 3), zone=LONDON, count=1)
    assert format_preview(occurrences=on_the_day) == ["2026-11-03T12:30:00+00:00"]
    after = datetime(2026, 11, 3, 12, 30, tzinfo=UTC)
    later = recurrence.occurrences(start=START, zone=LONDON, after=after, count=2)
    assert format_preview(occurrences=later) == [
        "2026-12-01T12:30:00+00:00",
        "2027-01-05T12:30:00+00:00",
    ]
    assert recurrence.occurrences(start=START, zone=LONDON, count=0) == []


def test_an_aware_start_in_another_zone_is_read_as_the_same_instant() -> None:
    recurrence = parse_recurrence(text="daily at 7pm")
    start = datetime(2026, 11, 1, 14, 0, tzinfo=NEW_YORK)  # 19:00 in London
    assert _next("daily at 7pm", start=start) == DAILY_SEVEN
    assert recurrence.occurrences(start=start, zone=LONDON, count=1)[0].tzinfo is LONDON


def test_naive_after_since_or_until_is_a_programming_error() -> None:
    recurrence = parse_recurrence(text="daily at 7pm")
    naive = datetime(2026, 11, 2, 12, 0)
    aware = naive.replace(tzinfo=UTC)
    with pytest.raises(ValueError, match="after must be timezone-aware"):
        recurrence.occurrences(start=START, zone=LONDON, after=naive)
    with pytest.raises(ValueError, match="since must be timezone-aware"):
        recurrence.between(start=START, zone=LONDON, since=naive, until=aware)
    with pytest.raises(ValueError, match="until must be timezone-aware"):
        recurrence.between(start=START, zone=LONDON, since=aware, until=naive)


# --- raw RRULEs ----------------------------------------------------------------------


def test_rrule_without_a_time_uses_the_default_time_or_nine() -> None:
    assert parse_recurrence(text="FREQ=MONTHLY;BYDAY=1TU").rrule == (
        "FREQ=MONTHLY;BYDAY=1TU;BYHOUR=9;BYMINUTE=0;BYSECOND=0"
    )
    assert parse_recurrence(text="FREQ=MONTHLY;BYDAY=1TU", default_time=time(18, 15)).rrule == (
        "FREQ=MONTHLY;BYDAY=1TU;BYHOUR=18;BYMINUTE=15;BYSECOND=0"
    )
    # An hour without minutes means on the hour, not the default's minutes.
    assert parse_recurrence(text="FREQ=DAILY;BYHOUR=7", default_time=time(18, 15)).rrule == (
        "FREQ=DAILY;BYHOUR=7;BYMINUTE=0;BYSECOND=0"
    )


def test_rrule_count_and_utc_until_are_honoured() -> None:
    twice = parse_recurrence(text="FREQ=WEEKLY;BYDAY=MO;COUNT=2;BYHOUR=9")
    assert len(twice.occurrences(start=START, zone=LONDON, count=10)) == 2
    # 09:00Z is 10:00 in British Summer Time, so the 5 June meeting is the last.
    until = parse_recurrence(text="FREQ=DAILY;BYHOUR=10;UNTIL=20270605T090000Z")
    times = until.occurrences(start=date(2027, 6, 1), zone=LONDON, count=10)
    assert format_preview(occurrences=times)[-1] == "2027-06-05T10:00:00+01:00"
    assert len(times) == 5


def test_rrule_whose_interval_steps_past_every_match_gives_nothing_quickly() -> None:
    """dateutil alone would search to year 9999 on every call (0.6 s each)."""
    mondays = parse_recurrence(text="FREQ=DAILY;INTERVAL=7;BYDAY=MO;BYHOUR=9")
    assert _next(mondays.rrule, start=date(2026, 11, 2)) == [
        "2026-11-02T09:00:00+00:00",
        "2026-11-09T09:00:00+00:00",
        "2026-11-16T09:00:00+00:00",
    ]
    began = clock.perf_counter()
    assert mondays.occurrences(start=date(2026, 11, 3), zone=LONDON) == []
    since = datetime(2026, 11, 3, tzinfo=UTC)
    window = {"since": since, "until": since + timedelta(days=60)}
    assert mondays.between(start=date(2026, 11, 3), zone=LONDON, **window) == []
    februaries = parse_recurrence(text="FREQ=MONTHLY;INTERVAL=2;BYMONTH=2")
    assert februaries.occurrences(start=date(2027, 1, 1), zone=LONDON) == []
    assert clock.perf_counter() - began < 0.3
    assert _next(februaries.rrule, start=date(2027, 2, 1)) == [
        "2027-02-01T09:00:00+00:00",
        "2028-02-01T09:00:00+00:00",
        "2029-02-01T09:00:00+00:00",
    ]


@pytest.mark.parametrize("freq", ["SECONDLY", "MINUTELY", "HOURLY"])
def test_too_frequent_rrules_are_refused_saying_why(freq: str) -> None:
    with pytest.raises(RecurrenceError) as caught:
        parse_recurrence(text=f"FREQ={freq};BYMINUTE=0")
    assert "too often" in caught.value.message
    assert "FREQ=MONTHLY;BYDAY=1TU" in caught.value.message


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("FREQ=MONTHLY;BYDAY=1XX", "BYDAY"),
        ("FREQ=MONTHLY;INTERVAL=0", "INTERVAL"),  # dateutil would loop for ever
        ("FREQ=MONTHLY;COUNT=-1", "COUNT"),
        ("FREQ=MONTHLY;BYMONTHDAY=0", "BYMONTHDAY"),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "never"),
        ("FREQ=DAILY;BYMONTH=4;BYMONTHDAY=31", "never"),
        ("FREQ=MONTHLY;BYFOO=1", "BYFOO"),
        ("FREQ=MONTHLY;FREQ=WEEKLY", "twice"),
        ("BYDAY=MO", "FREQ"),
        ("FREQ=MONTHLY;BYDAY", "NAME=VALUE"),
        ("DTSTART:20261101T090000\nRRULE:FREQ=DAILY", "just the RRULE"),
    ],
)
def test_broken_rrules_are_refused_with_a_working_example(text: str, why: str) -> None:
    with pytest.raises(RecurrenceError) as caught:
        parse_recurrence(text=text)
    assert why in caught.value.message
    assert "FREQ=MONTHLY;BYDAY=1TU;BYHOUR=12;BYMINUTE=30" in caught.value.message


def test_rrule_with_several_times_a_day_is_refused() -> None:
    with pytest.raises(RecurrenceError, match="more than one time of day"):
        parse_recurrence(text="FREQ=DAILY;BYHOUR=9,17")


# --- what we can't read --------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["whenever", "every blue moon", "first Funday at 12:30", "soon-ish", "every 2 at 9"]
)
def test_unreadable_text_says_what_is_understood_with_examples(text: str) -> None:
    with pytest.raises(RecurrenceError) as caught:
        parse_recurrence(text=text, default_time=time(12, 30))
    message = caught.value.message
    assert isinstance(caught.value, ValueError)
    assert f"I couldn't read “{text}” as a schedule" in message
    assert "“first Tuesday of the month at 12:30”" in message
    assert "“every other Wednesday 13:00”" in message
    assert "FREQ=MONTHLY;BYDAY=1TU;BYHOUR=12;BYMINUTE=30" in message
    assert "I understand" in message


def test_unknown_word_is_named() -> None:
    with pytest.raises(RecurrenceError, match="I don't know “funday”"):
        parse_recurrence(text="first Funday of the month at 12:30")


def test_phrase_without_a_time_uses_the_default_or_asks_for_one() -> None:
    with pytest.raises(RecurrenceError) as caught:
        parse_recurrence(text="first Tuesday of the month")
    assert "needs a time of day" in caught.value.message
    assert "12:30" in caught.value.message
    with_default = parse_recurrence(text="first Tuesday of the month", default_time=time(12, 30))
    assert with_default.rrule == "FREQ=MONTHLY;BYDAY=1TU;BYHOUR=12;BYMINUTE=30;BYSECOND=0"


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("", "Please give a schedule"),
        ("every second Tuesday at 12:30", "“every other Tuesday”"),
        ("every third Thursday at 9", "“third Thursday of the month”"),
        ("Tuesday at 12:30", "“every Tuesday at 12:30”"),
        ("monthly on Tuesday at 10", "which Tuesday of the month"),
        ("weekly at 10", "which day of the week"),
        ("monthly at 10", "which day of the month"),
        ("sixth Tuesday of the month at 10", "at most five"),
        ("first Tuesday weekly at 10", "monthly schedule"),
        ("weekly on the 15th at 10", "repeats monthly"),
        ("the 13th and every Friday at 10", "both a day of the week and a date"),
        ("the 32nd of every month at 10", "1st to the 31st"),
        ("daily monthly at 10", "pick one"),
        ("every Tuesday at 12:30-13:30", "more than one time"),
        ("every Tuesday at 25:00", "isn't a time of day"),
        ("every Tuesday at 13pm", "isn't a time of day"),
    ],
)
def test_specific_problems_get_specific_help(text: str, hint: str) -> None:
    with pytest.raises(RecurrenceError) as caught:
        parse_recurrence(text=text)
    assert hint in caught.value.message


# --- clock changes -------------------------------------------------------------------


def _per_day(times: list[datetime]) -> Counter[date]:
    return Counter(t.date() for t in times)


def test_daily_0130_across_spring_forward_is_kept_and_moved_to_0230() -> None:
    recurrence = parse_recurrence(text="daily at 01:30")
    times = recurrence.occurrences(start=date(2027, 3, 26), zone=LONDON, count=8)
    assert [t.date() for t in times] == [date(2027, 3, 26) + timedelta(days=n) for n in range(8)]
    assert set(_per_day(times).values()) == {1}
    assert format_preview(occurrences=times) == [
        "2027-03-26T01:30:00+00:00",
        "2027-03-27T01:30:00+00:00",
        "2027-03-28T02:30:00+01:00",  # 01:30 didn't exist: moved on by the hour's gap
        "2027-03-29T01:30:00+01:00",
        "2027-03-30T01:30:00+01:00",
        "2027-03-31T01:30:00+01:00",
        "2027-04-01T01:30:00+01:00",
        "2027-04-02T01:30:00+01:00",
    ]


def test_daily_0130_across_fall_back_posts_once_at_the_first_0130() -> None:
    recurrence = parse_recurrence(text="daily at 01:30")
    times = recurrence.occurrences(start=date(2026, 10, 23), zone=LONDON, count=5)
    assert set(_per_day(times).values()) == {1}
    on_the_day = [t for t in times if t.date() == date(2026, 10, 25)]
    assert format_preview(occurrences=on_the_day) == ["2026-10-25T01:30:00+01:00"]
    assert on_the_day[0].fold == 0


def test_weekly_sunday_0130_across_both_changes() -> None:
    recurrence = parse_recurrence(text="every Sunday at 1:30am")
    autumn = recurrence.occurrences(start=date(2026, 10, 11), zone=LONDON, count=4)
    assert format_preview(occurrences=autumn) == [
        "2026-10-11T01:30:00+01:00",
        "2026-10-18T01:30:00+01:00",
        "2026-10-25T01:30:00+01:00",
        "2026-11-01T01:30:00+00:00",
    ]
    spring = recurrence.occurrences(start=date(2027, 3, 14), zone=LONDON, count=4)
    assert format_preview(occurrences=spring) == [
        "2027-03-14T01:30:00+00:00",
        "2027-03-21T01:30:00+00:00",
        "2027-03-28T02:30:00+01:00",
        "2027-04-04T01:30:00+01:00",
    ]


def test_monthly_lunchtime_in_summer_shows_british_summer_time() -> None:
    assert _next("first Tuesday of the month at 12:30", start=date(2027, 6, 1)) == [
        "2027-06-01T12:30:00+01:00",
        "2027-07-06T12:30:00+01:00",
        "2027-08-03T12:30:00+01:00",
    ]
    # ... and the first after the October change is back on GMT
    assert _next("first Tuesday of the month at 12:30", start=date(2027, 10, 1)) == [
        "2027-10-05T12:30:00+01:00",
        "2027-11-02T12:30:00+00:00",
        "2027-12-07T12:30:00+00:00",
    ]


def _windows(start: datetime, end: datetime, step: timedelta) -> list[tuple[datetime, datetime]]:
    edges = []
    moment = start
    while moment < end:
        edges.append(moment)
        moment += step
    edges.append(end)
    return list(itertools.pairwise(edges))


# Windows open at noon the day before so every 01:00-01:30 post of the month is inside.
OCTOBER = datetime(2026, 9, 30, 12, tzinfo=UTC)
MARCH = datetime(2027, 2, 28, 12, tzinfo=UTC)
WINDOW_CASES = [
    ("daily at 01:30", OCTOBER, datetime(2026, 11, 1, tzinfo=UTC)),
    ("daily at 01:00", OCTOBER, datetime(2026, 11, 1, tzinfo=UTC)),
    ("daily at 01:30", MARCH, datetime(2027, 4, 1, tzinfo=UTC)),
    (
        "every Sunday at 1:30am",
        OCTOBER,
        datetime(2026, 11, 1, tzinfo=UTC),
    ),
    ("every Sunday at 1:30am", MARCH, datetime(2027, 4, 1, tzinfo=UTC)),
    ("every weekday at 9am", OCTOBER, datetime(2026, 11, 1, tzinfo=UTC)),
]


@pytest.mark.parametrize("step", [timedelta(hours=1), timedelta(minutes=37)], ids=["1h", "37min"])
@pytest.mark.parametrize(("text", "since", "until"), WINDOW_CASES)
def test_consecutive_windows_see_each_occurrence_exactly_once(
    text: str, since: datetime, until: datetime, step: timedelta
) -> None:
    recurrence = parse_recurrence(text=text)
    start = date(2026, 9, 1)
    seen: list[datetime] = []
    for low, high in _windows(since, until, step):
        seen.extend(recurrence.between(start=start, zone=LONDON, since=low, until=high))
    keys = [t.astimezone(UTC) for t in seen]
    assert len(keys) == len(set(keys))
    assert keys == sorted(keys)
    whole = recurrence.between(start=start, zone=LONDON, since=since, until=until)
    assert seen == whole
    listed = recurrence.occurrences(start=start, zone=LONDON, after=since, count=len(whole) + 1)
    assert [t for t in listed if t <= until] == whole
    if text.startswith("daily"):
        assert set(_per_day(seen).values()) == {1}
        assert len(seen) == 31


def test_fall_back_hour_windows_in_local_terms_see_one_post() -> None:
    """The two 01:00-02:00 hours on 25 October: only the first holds the 01:30 post.

    The bounds are London times told apart only by fold; compared as wall-clock times
    (as Python does within one zone) both hours would look the same.
    """
    recurrence = parse_recurrence(text="daily at 01:30")
    first_hour = datetime(2026, 10, 25, 1, 0, tzinfo=LONDON)  # 01:00 BST
    second_hour = datetime(2026, 10, 25, 1, 0, fold=1, tzinfo=LONDON)  # 01:00 GMT
    end = datetime(2026, 10, 25, 2, 0, tzinfo=LONDON)
    start = date(2026, 10, 1)
    found = recurrence.between(start=start, zone=LONDON, since=first_hour, until=second_hour)
    assert format_preview(occurrences=found) == ["2026-10-25T01:30:00+01:00"]
    assert recurrence.between(start=start, zone=LONDON, since=second_hour, until=end) == []
    assert recurrence.between(start=start, zone=LONDON, since=first_hour, until=end) == found


def test_new_york_works_too() -> None:
    assert _next("first Tuesday of the month at 12:30", zone=NEW_YORK) == [
        "2026-11-03T12:30:00-05:00",
        "2026-12-01T12:30:00-05:00",
        "2027-01-05T12:30:00-05:00",
    ]
    # Clocks go back at 02:00 on 1 November 2026: 01:30 happens twice, one post.
    autumn = parse_recurrence(text="daily at 1:30am").occurrences(
        start=date(2026, 10, 31), zone=NEW_YORK, count=3
    )
    assert format_preview(occurrences=autumn) == [
        "2026-10-31T01:30:00-04:00",
        "2026-11-01T01:30:00-04:00",
        "2026-11-02T01:30:00-05:00",
    ]
    # Clocks go forward at 02:00 on 14 March 2027: 02:30 doesn't exist, so 03:30.
    spring = parse_recurrence(text="daily at 2:30am").occurrences(
        start=date(2027, 3, 13), zone=NEW_YORK, count=3
    )
    assert format_preview(occurrences=spring) == [
        "2027-03-13T02:30:00-05:00",
        "2027-03-14T03:30:00-04:00",
        "2027-03-15T02:30:00-04:00",
    ]


# --- shape of the module -------------------------------------------------------------


def test_format_preview_is_iso_8601_with_seconds_and_offset() -> None:
    moment = datetime(2026, 11, 3, 12, 30, 0, 123456, tzinfo=LONDON)
    assert format_preview(occurrences=[moment]) == ["2026-11-03T12:30:00+00:00"]
    assert format_preview(occurrences=[]) == []


def test_recurrence_is_a_frozen_value() -> None:
    one = parse_recurrence(text="first Tuesday of the month at 12:30")
    two = parse_recurrence(text="1st tuesday monthly 12.30")
    assert one == two
    assert hash(one) == hash(two)
    assert isinstance(one, Recurrence)
    with pytest.raises(AttributeError):
        one.rrule = "FREQ=DAILY"  # type: ignore[misc]


def test_module_stays_pure() -> None:
    """Scheduler and chat code call in; nothing in the package may call out to them."""
    package = Path(__file__).parents[2] / "handlers" / "scheduling" / "recurrence"
    sources = sorted(package.glob("*.py"))
    assert {source.name for source in sources} >= {
        "__init__.py",
        "phrases.py",
        "rrule.py",
        "describe.py",
        "expand.py",
    }
    for source in sources:
        tree = ast.parse(source.read_text(encoding="utf-8"))
        modules = {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        # Modules of the package may use each other, and nothing else of ours.
        inside = {m for m in modules if m.startswith("handlers.scheduling.recurrence.")}
        imported = {m.split(".")[0] for m in modules - inside} | {
            alias.name.split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        }
        forbidden = {
            "slack_bolt",
            "slack_sdk",
            "aiohttp",
            "apscheduler",
            "bot",
            "storage",
            "asyncio",
        }
        assert not imported & forbidden, source.name
        assert imported <= {
            "__future__",
            "re",
            "collections",
            "dataclasses",
            "datetime",
            "zoneinfo",
            "dateutil",
            "math",
        }, source.name


# --- RFC 5545 exactness --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "start", "zone", "last"),
    [
        # 01:30 BST on 25 Oct is 00:30Z, before UNTIL, though 01:30 is after 01:00 on the clock.
        (
            "FREQ=DAILY;UNTIL=20261025T010000Z;BYHOUR=1;BYMINUTE=30",
            date(2026, 10, 23),
            LONDON,
            "2026-10-25T01:30:00+01:00",
        ),
        # 01:30 EDT on 1 Nov is 05:30Z, before 06:00Z (01:00 EST on the clock).
        (
            "FREQ=DAILY;UNTIL=20261101T060000Z;BYHOUR=1;BYMINUTE=30",
            date(2026, 10, 30),
            NEW_YORK,
            "2026-11-01T01:30:00-04:00",
        ),
        # 01:30 on 29 Mar doesn't exist; it is posted at 02:30 BST, 01:30Z, after UNTIL.
        (
            "FREQ=DAILY;UNTIL=20260329T012959Z;BYHOUR=1;BYMINUTE=30",
            date(2026, 3, 27),
            LONDON,
            "2026-03-28T01:30:00+00:00",
        ),
    ],
)
def test_until_is_compared_as_an_instant_not_a_wall_clock_time(
    text: str, start: date, zone: ZoneInfo, last: str
) -> None:
    recurrence = parse_recurrence(text=text)
    times = recurrence.occurrences(start=start, zone=zone, count=10)
    assert format_preview(occurrences=times)[-1] == last
    since = datetime.combine(start, time(), tzinfo=zone) - timedelta(seconds=1)
    window = recurrence.between(
        start=start, zone=zone, since=since, until=since + timedelta(days=10)
    )
    assert window == times


def test_a_date_only_until_with_a_time_of_day_is_refused_naming_the_fix() -> None:
    with pytest.raises(RecurrenceError) as caught:
        parse_recurrence(text="FREQ=WEEKLY;BYDAY=TU;BYHOUR=10;UNTIL=20261124")
    assert "UNTIL=20261124T235959Z" in caught.value.message
    with pytest.raises(RecurrenceError) as floating:
        parse_recurrence(text="FREQ=WEEKLY;BYDAY=TU;BYHOUR=10;UNTIL=20261124T100000")
    assert "UNTIL=20261124T100000Z" in floating.value.message
    with pytest.raises(RecurrenceError) as nonsense:
        parse_recurrence(text="FREQ=WEEKLY;BYDAY=TU;BYHOUR=10;UNTIL=20261340T100000Z")
    assert "UNTIL" in nonsense.value.message


def test_count_and_until_together_are_refused_as_the_rfc_says() -> None:
    with pytest.raises(RecurrenceError) as caught:
        parse_recurrence(text="FREQ=DAILY;COUNT=3;UNTIL=20261124T235959Z")
    assert "COUNT or UNTIL" in caught.value.message


def test_a_pasted_fortnightly_rule_counts_weeks_from_the_start_like_a_calendar() -> None:
    # Sunday 1 Mar 2026 is in the week of Monday 23 Feb, so that week and the 9th's
    # are the "on" weeks: 11 and 25 Mar, as Outlook and Google Calendar show it.
    pasted = parse_recurrence(text="FREQ=WEEKLY;INTERVAL=2;BYDAY=WE;BYHOUR=13")
    assert pasted.rrule == "FREQ=WEEKLY;INTERVAL=2;BYDAY=WE;BYHOUR=13;BYMINUTE=0;BYSECOND=0;WKST=MO"
    assert pasted.description == "every other Wednesday at 13:00"
    assert _next(pasted.rrule, start=date(2026, 3, 1), count=2) == [
        "2026-03-11T13:00:00+00:00",
        "2026-03-25T13:00:00+00:00",
    ]
    # WKST=SU puts Sunday 1 Mar in the same week as Wednesday 4 Mar.
    sunday_weeks = "FREQ=WEEKLY;INTERVAL=2;BYDAY=WE;BYHOUR=13;WKST=SU"
    assert _next(sunday_weeks, start=date(2026, 3, 1), count=2) == [
        "2026-03-04T13:00:00+00:00",
        "2026-03-18T13:00:00+00:00",
    ]
    # Said in words, the first Wednesday after the start still sets the rhythm.
    assert _next("every other Wednesday 13:00", start=date(2026, 3, 1), count=2) == [
        "2026-03-04T13:00:00+00:00",
        "2026-03-18T13:00:00+00:00",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (  # last working day (Monday to Friday) of the month
            "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;BYHOUR=16",
            ["2026-11-30T16:00:00+00:00", "2026-12-31T16:00:00+00:00", "2027-01-29T16:00:00+00:00"],
        ),
        (  # the last day and the one before it
            "FREQ=MONTHLY;BYMONTHDAY=-1,-2;BYHOUR=9",
            ["2026-11-29T09:00:00+00:00", "2026-11-30T09:00:00+00:00", "2026-12-30T09:00:00+00:00"],
        ),
        (  # Outlook writes a leading plus
            "RRULE:FREQ=MONTHLY;BYDAY=+1TU;BYHOUR=12;BYMINUTE=30",
            FIRST_TUESDAY,
        ),
        (  # week numbers count from WKST
            "FREQ=YEARLY;BYWEEKNO=1;BYDAY=MO;BYHOUR=9",
            ["2027-01-04T09:00:00+00:00", "2028-01-03T09:00:00+00:00", "2029-01-01T09:00:00+00:00"],
        ),
        (
            "FREQ=YEARLY;BYYEARDAY=-1;BYHOUR=9",
            ["2026-12-31T09:00:00+00:00", "2027-12-31T09:00:00+00:00", "2028-12-31T09:00:00+00:00"],
        ),
    ],
)
def test_parts_that_calendars_export_are_accepted_and_exact(text: str, expected: list[str]) -> None:
    assert _next(text) == expected

"""The phrases facilitators actually type give the dates a calendar gives (London, 2026-27)."""

from __future__ import annotations

from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from handlers.scheduling.recurrence import RecurrenceError, format_preview, parse_recurrence

LONDON = ZoneInfo("Europe/London")


def _dates(text: str, *, start: date, count: int) -> list[str]:
    recurrence = parse_recurrence(text=text)
    return format_preview(occurrences=recurrence.occurrences(start=start, zone=LONDON, count=count))


# Dates checked by hand against a 2026-27 calendar; offsets show GMT or BST.
CALENDAR = [
    (
        "last working day of the month at 4pm",
        date(2026, 1, 1),
        [
            "2026-01-30T16:00:00+00:00",  # the 31st is a Saturday
            "2026-02-27T16:00:00+00:00",  # the 28th is a Saturday
            "2026-03-31T16:00:00+01:00",
            "2026-04-30T16:00:00+01:00",
            "2026-05-29T16:00:00+01:00",  # the 31st is a Sunday
        ],
    ),
    (
        "last weekday of the month at 4pm",
        date(2026, 1, 1),
        ["2026-01-30T16:00:00+00:00", "2026-02-27T16:00:00+00:00", "2026-03-31T16:00:00+01:00"],
    ),
    (
        "every Wednesday 1-2pm",
        date(2026, 11, 4),
        ["2026-11-04T13:00:00+00:00", "2026-11-11T13:00:00+00:00", "2026-11-18T13:00:00+00:00"],
    ),
    (
        "first Tuesday of the month 12:30-13:30",
        date(2026, 11, 1),
        ["2026-11-03T12:30:00+00:00", "2026-12-01T12:30:00+00:00", "2027-01-05T12:30:00+00:00"],
    ),
    (
        "quarterly on the first Monday at 10am",
        date(2026, 1, 1),
        [
            "2026-01-05T10:00:00+00:00",
            "2026-04-06T10:00:00+01:00",
            "2026-07-06T10:00:00+01:00",
            "2026-10-05T10:00:00+01:00",
            "2027-01-04T10:00:00+00:00",
        ],
    ),
    (
        "twice a month on the 1st and 15th at 10am",
        date(2026, 11, 1),
        [
            "2026-11-01T10:00:00+00:00",
            "2026-11-15T10:00:00+00:00",
            "2026-12-01T10:00:00+00:00",
            "2026-12-15T10:00:00+00:00",
        ],
    ),
    (
        "every other Thursday at half past twelve",
        date(2026, 1, 1),
        ["2026-01-01T12:30:00+00:00", "2026-01-15T12:30:00+00:00", "2026-01-29T12:30:00+00:00"],
    ),
    (
        "every Friday at quarter to two",
        date(2026, 11, 6),
        ["2026-11-06T13:45:00+00:00", "2026-11-13T13:45:00+00:00"],
    ),
    (
        "every Wednesday at 1pm UK time",
        date(2026, 3, 25),
        ["2026-03-25T13:00:00+00:00", "2026-04-01T13:00:00+01:00"],
    ),
    (
        "every Wednesday at 1pm London time",
        date(2026, 3, 25),
        ["2026-03-25T13:00:00+00:00", "2026-04-01T13:00:00+01:00"],
    ),
]


@pytest.mark.parametrize(("text", "start", "expected"), CALENDAR, ids=[c[0] for c in CALENDAR])
def test_phrase_gives_the_dates_a_calendar_gives(
    text: str, start: date, expected: list[str]
) -> None:
    assert _dates(text, start=start, count=len(expected)) == expected


@pytest.mark.parametrize(
    ("text", "rrule", "description"),
    [
        (
            "last working day of the month at 4pm",
            "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;BYHOUR=16;BYMINUTE=0;BYSECOND=0",
            "the last working day (Monday to Friday) of every month at 16:00",
        ),
        (
            "first weekday of the month at 9am",
            "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=1;BYHOUR=9;BYMINUTE=0;BYSECOND=0",
            "the first working day (Monday to Friday) of every month at 09:00",
        ),
        (
            "quarterly on the first Monday at 10am",
            "FREQ=MONTHLY;INTERVAL=3;BYDAY=1MO;BYHOUR=10;BYMINUTE=0;BYSECOND=0",
            "the first Monday of every 3 months at 10:00",
        ),
        (
            "every Wednesday 1-2pm",
            "FREQ=WEEKLY;BYDAY=WE;BYHOUR=13;BYMINUTE=0;BYSECOND=0",
            "every Wednesday from 13:00 to 14:00",
        ),
        (
            "every Wednesday at 1pm UK time",
            "FREQ=WEEKLY;BYDAY=WE;BYHOUR=13;BYMINUTE=0;BYSECOND=0",
            "every Wednesday at 13:00 UK time",
        ),
    ],
)
def test_new_phrases_have_their_rule_and_words(text: str, rrule: str, description: str) -> None:
    recurrence = parse_recurrence(text=text)
    assert recurrence.rrule == rrule
    assert recurrence.description == description


@pytest.mark.parametrize(
    ("text", "at", "length"),
    [
        ("every Wednesday 1-2pm", time(13), timedelta(hours=1)),
        ("first Tuesday of the month 12:30-13:30", time(12, 30), timedelta(hours=1)),
        ("every Monday 11-1pm", time(11), timedelta(hours=2)),
        ("every Monday 9.30am to 11am", time(9, 30), timedelta(hours=1, minutes=30)),
        ("every Monday from 12:30 until 13:15", time(12, 30), timedelta(minutes=45)),
        ("every Monday 12:30\u201313:30", time(12, 30), timedelta(hours=1)),
    ],
)
def test_a_time_range_sets_the_start_and_the_length(text: str, at: time, length: timedelta) -> None:
    recurrence = parse_recurrence(text=text)
    assert f"BYHOUR={at.hour};BYMINUTE={at.minute};" in recurrence.rrule
    assert recurrence.duration == length


def test_a_single_time_leaves_the_length_to_the_form() -> None:
    assert parse_recurrence(text="every Wednesday at 1pm").duration is None


def test_uk_or_london_time_is_carried_as_the_london_zone() -> None:
    assert parse_recurrence(text="every Wednesday at 1pm UK time").zone == "Europe/London"
    assert parse_recurrence(text="every Wednesday at 1pm in London time").zone == "Europe/London"
    assert parse_recurrence(text="every Wednesday at 1pm").zone is None


@pytest.mark.parametrize(
    ("text", "at"),
    [
        ("every Thursday at half past twelve", time(12, 30)),
        ("every Thursday at half past 9", time(9, 30)),
        ("every Thursday at quarter past ten", time(10, 15)),
        ("every Thursday at quarter to two", time(13, 45)),
        ("every Thursday at a quarter to nine", time(8, 45)),
        ("every Thursday at quarter to two am", time(1, 45)),
    ],
)
def test_spoken_times_are_read_as_working_hours(text: str, at: time) -> None:
    rrule = parse_recurrence(text=text).rrule
    assert rrule.endswith(f"BYHOUR={at.hour};BYMINUTE={at.minute};BYSECOND=0")


@pytest.mark.parametrize("text", ["bi-weekly on Friday at 2pm", "biweekly on Friday at 2pm"])
def test_bi_weekly_asks_which_was_meant(text: str) -> None:
    with pytest.raises(RecurrenceError) as caught:
        parse_recurrence(text=text)
    message = caught.value.message
    assert "every two weeks or twice a week?" in message
    assert "“every other Friday at 14:00”" in message
    assert "“every Tuesday and Friday at 14:00”" in message
    # Both suggestions are phrases that work.
    assert parse_recurrence(text="every other Friday at 14:00").rrule.startswith(
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR"
    )
    assert parse_recurrence(text="every Tuesday and Friday at 14:00").rrule.startswith(
        "FREQ=WEEKLY;BYDAY=TU,FR"
    )


def test_twice_a_month_needs_two_days() -> None:
    with pytest.raises(RecurrenceError) as caught:
        parse_recurrence(text="twice a month on the 1st at 10am")
    message = caught.value.message
    assert "twice" in message
    assert "the 1st" in message
    assert "“twice a month on the 1st and 15th at 10:00”" in message


def test_working_day_is_not_mistaken_for_a_weekday_and_a_date() -> None:
    with pytest.raises(RecurrenceError) as caught:
        parse_recurrence(text="last working day of the week at 4pm")
    message = caught.value.message
    assert "both a day of the week and a date" not in message
    assert "“last working day of the month at 16:00”" in message


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("every Monday 2-1pm", "ends before it starts"),
        ("every Monday 1-2", "am or pm"),
    ],
)
def test_time_range_problems_say_what_was_read(text: str, hint: str) -> None:
    with pytest.raises(RecurrenceError) as caught:
        parse_recurrence(text=text)
    assert hint in caught.value.message


def test_an_unknown_word_says_what_the_rest_was_read_as() -> None:
    with pytest.raises(RecurrenceError) as caught:
        parse_recurrence(text="every Wednesday lunchtime at 1pm")
    message = caught.value.message
    assert "I don't know “lunchtime”" in message
    assert "“every Wednesday at 13:00”" in message

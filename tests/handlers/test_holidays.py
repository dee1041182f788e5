"""Bank holidays in schedules: a forum skips or moves a post off one, keyed by the
date the rule gave, and the preview names every date skipped or moved."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import UTC, date, datetime
from types import MappingProxyType
from typing import Any, cast
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from content import ContentPack
from handlers import (
    Action,
    Actor,
    Context,
    FieldValue,
    Invalid,
    NotFound,
    Reply,
    handle_action,
    handle_text,
)
from handlers.scheduling.holidays import HolidayPolicy, Policy, bank_holiday, preview
from handlers.scheduling.outbox import schedule_dues
from handlers.scheduling.recurrence import parse_recurrence
from storage import Database
from storage.schedules import active_schedules, get_schedule
from tests.clock import FakeClock

LONDON = ZoneInfo("Europe/London")
LAST_FRIDAY = "last Friday of the month at 12:30"


async def facilitator_roles(actor: Actor) -> frozenset[str]:
    return frozenset({"facilitator"})


@pytest.fixture
def hctx(pack: ContentPack, database: Database, clock: FakeClock) -> Context:
    clock.now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    return Context(pack=pack, database=database, clock=clock, resolve_roles=facilitator_roles)


async def set_up(ctx: Context, actor: Actor, *, holidays: str | None) -> tuple[Reply, int]:
    """A facilitator fills in the forum form and previews it; the draft's id comes back."""
    lead = dataclasses.replace(actor, channel="C0HOLIDAY")
    opened = await handle_text(ctx=ctx, actor=lead, text="forum setup")
    assert opened.form is not None
    values: dict[str, Any] = {
        "name": "Place leads forum",
        "kind": "forum",
        "recurrence": LAST_FRIDAY,
        "timezone": "Europe/London",
        "duration": "60",
    }
    if holidays is not None:
        values |= {"holidays": holidays, "region": "ENG"}
    reply = await handle_action(
        ctx=ctx,
        actor=lead,
        action=Action(
            action_id=opened.form.form_id,
            value=opened.form.state,
            values=cast(Mapping[str, FieldValue], MappingProxyType(values)),
        ),
    )
    [confirm] = [b for s in reply.sections for b in s.buttons if b.label == "Confirm"]
    await handle_action(
        ctx=ctx,
        actor=lead,
        action=Action(
            action_id=confirm.action_id, value=confirm.value, values=MappingProxyType({})
        ),
    )
    return reply, int(confirm.value)


async def christmas_posts(ctx: Context, schedule_id: int) -> list[tuple[str, datetime]]:
    async with ctx.database.transaction() as session:
        [schedule] = [s for s in await active_schedules(session) if s.id == schedule_id]
    # Two planner windows that split around the holiday: each post is planned once.
    windows = (
        (datetime(2026, 12, 20, tzinfo=UTC), datetime(2026, 12, 27, tzinfo=UTC)),
        (datetime(2026, 12, 27, tzinfo=UTC), datetime(2027, 1, 2, tzinfo=UTC)),
    )
    return [
        (due.key, due.due_at)
        for since, until in windows
        for due in schedule_dues(schedule=schedule, since=since, until=until)
    ]


def test_the_package_counts_28_december_2026_as_a_bank_holiday() -> None:
    # Boxing Day falls on a Saturday, so Monday 28 Dec is its substitute day.
    assert bank_holiday(date(2026, 12, 25), region="ENG") == "Christmas Day"
    assert bank_holiday(date(2026, 12, 28), region="ENG") == "Boxing Day (observed)"
    assert bank_holiday(date(2026, 12, 29), region="ENG") is None


async def test_move_posts_on_the_next_working_day_and_the_preview_says_so(
    hctx: Context, actor: Actor
) -> None:
    reply, schedule_id = await set_up(hctx, actor, holidays="move")
    shown = reply.sections[0].text
    assert "29 Dec" in shown and "25 Dec" in shown
    assert "moved to Tue 29 Dec 2026, the next working day: Christmas Day" in shown
    assert "Mon 28 Dec 2026 is Boxing Day (observed)" in shown
    posts = await christmas_posts(hctx, schedule_id)
    assert posts == [
        (
            f"forum:{schedule_id}:2026-12-25T12:30+00:00",
            datetime(2026, 12, 29, 12, 30, tzinfo=LONDON),
        )
    ]


async def test_skip_drops_the_holiday_and_says_so(hctx: Context, actor: Actor) -> None:
    reply, schedule_id = await set_up(hctx, actor, holidays="skip")
    assert "Fri 25 Dec 2026 skipped: Christmas Day" in reply.sections[0].text
    assert await christmas_posts(hctx, schedule_id) == []


async def test_by_default_a_forum_posts_on_the_holiday_as_before(
    hctx: Context, actor: Actor
) -> None:
    reply, schedule_id = await set_up(hctx, actor, holidays=None)
    shown = reply.sections[0].text
    assert "skipped" not in shown and "moved" not in shown
    # Kept, but flagged, so posting into an empty channel on Christmas Day is a choice.
    assert (
        "Fri 25 Dec 2026 is Christmas Day, a bank holiday: it will still post; "
        "choose skip or move to change that"
    ) in shown
    posts = await christmas_posts(hctx, schedule_id)
    assert [at for _, at in posts] == [datetime(2026, 12, 25, 12, 30, tzinfo=LONDON)]


def test_a_move_onto_a_day_that_already_has_a_post_is_a_skip() -> None:
    daily = parse_recurrence(text="every weekday at 09:00")
    ahead = preview(
        recurrence=daily,
        start=date(2026, 12, 21),
        zone=LONDON,
        after=datetime(2026, 12, 24, 12, tzinfo=UTC),
        count=2,
        policy=Policy(policy=HolidayPolicy.MOVE, region="ENG"),
    )
    assert ahead.dates == [
        datetime(2026, 12, 29, 9, tzinfo=LONDON),
        datetime(2026, 12, 30, 9, tzinfo=LONDON),
    ]
    assert any(n.startswith("Fri 25 Dec 2026 skipped") for n in ahead.notes)


def test_scotland_has_its_own_calendar() -> None:
    monthly = parse_recurrence(text="RRULE:FREQ=MONTHLY;BYMONTHDAY=2;BYHOUR=10")
    firsts = {}
    for region in ("SCT", "ENG"):
        ahead = preview(
            recurrence=monthly,
            start=date(2026, 12, 10),
            zone=LONDON,
            after=datetime(2026, 12, 10, tzinfo=UTC),
            count=1,
            policy=Policy(policy=HolidayPolicy.MOVE, region=region),
        )
        firsts[region] = ahead.dates[0]
    # 2 Jan is a bank holiday in Scotland alone; Monday 4 Jan 2027 is its substitute.
    assert firsts == {
        "SCT": datetime(2027, 1, 5, 10, tzinfo=LONDON),
        "ENG": datetime(2027, 1, 2, 10, tzinfo=LONDON),
    }


def test_the_31st_names_the_short_months_it_skips() -> None:
    ahead = preview(
        recurrence=parse_recurrence(text="RRULE:FREQ=MONTHLY;BYMONTHDAY=31;BYHOUR=9"),
        start=date(2027, 1, 1),
        zone=LONDON,
        after=datetime(2027, 1, 1, tzinfo=UTC),
        count=3,
        policy=Policy(),
    )
    assert [d.date() for d in ahead.dates] == [
        date(2027, 1, 31),
        date(2027, 3, 31),
        date(2027, 5, 31),
    ]
    assert ahead.notes == [
        "February 2027 has no 31st: skipped",
        "April 2027 has no 31st: skipped",
        "Mon 31 May 2027 is Spring Bank Holiday: it will still post; "
        "choose skip or move to change that",
    ]


@pytest.mark.parametrize(
    ("said", "minutes", "zone"),
    [
        ("every Wednesday 1-2:30pm", 90, "America/New_York"),
        ("first Tuesday of the month 12:30-13:30", 60, "America/New_York"),
        ("every Wednesday at 1pm UK time", 45, "Europe/London"),
    ],
)
async def test_a_time_range_sets_the_length_and_uk_time_the_zone(
    hctx: Context, actor: Actor, said: str, minutes: int, zone: str
) -> None:
    """What the schedule says wins over the form's other fields, as the person meant it."""
    lead = dataclasses.replace(actor, channel="C0RANGE")
    opened = await handle_text(ctx=hctx, actor=lead, text="meeting")
    assert opened.form is not None
    values = {
        "name": "Huddle",
        "recurrence": said,
        "timezone": "America/New_York",
        "duration": "45",
    }
    reply = await handle_action(
        ctx=hctx,
        actor=lead,
        action=Action(
            action_id=opened.form.form_id,
            value=opened.form.state,
            values=cast(Mapping[str, FieldValue], MappingProxyType(values)),
        ),
    )
    [confirm] = [b for s in reply.sections for b in s.buttons if b.label == "Confirm"]
    await handle_action(
        ctx=hctx,
        actor=lead,
        action=Action(
            action_id=confirm.action_id, value=confirm.value, values=MappingProxyType({})
        ),
    )
    async with hctx.acting(lead) as (session, scope):
        saved = await get_schedule(
            session, workspace_id=scope.workspace_id, schedule_id=int(confirm.value)
        )
    assert saved is not None
    assert (saved.duration_minutes, saved.timezone) == (minutes, zone)


async def test_easter_kept_is_flagged_in_the_confirm_step(
    hctx: Context, actor: Actor, clock: FakeClock
) -> None:
    clock.now = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
    reply, _ = await set_up(hctx, actor, holidays="none")
    shown = reply.sections[0].text
    # The last Friday of March 2027 is Good Friday; April's and May's are working days.
    assert "Fri 26 Mar 2027 is Good Friday, a bank holiday: it will still post" in shown
    assert shown.count("a bank holiday") == 1


def test_every_monday_flags_easter_monday_and_no_other() -> None:
    recurrence = parse_recurrence(text="every Monday at 10:00")
    ahead = preview(
        recurrence=recurrence,
        start=date(2027, 3, 1),
        zone=LONDON,
        after=datetime(2027, 3, 20, tzinfo=UTC),
        count=3,
        policy=Policy(),
    )
    assert [d.date() for d in ahead.dates] == [
        date(2027, 3, 22),
        date(2027, 3, 29),
        date(2027, 4, 5),
    ]
    assert ahead.notes == [
        "Mon 29 Mar 2027 is Easter Monday, a bank holiday: it will still post; "
        "choose skip or move to change that"
    ]


# Words as a person types them: no spaces inside a word, no quotes that would join two.
WORD = st.text(
    alphabet=st.characters(
        blacklist_categories=("Z", "C"),
        blacklist_characters="\"'\u201c\u201d\u2018\u2019`",
    ),
    min_size=1,
    max_size=12,
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    words=st.lists(WORD, max_size=3).filter(
        lambda w: len(w) < 2 or w[1].lower() not in ("keep", "none", "skip", "move")
    )
)
async def test_anything_else_typed_after_forum_holidays_is_explained_and_changes_nothing(
    hctx: Context, actor: Actor, words: list[str]
) -> None:
    lead = dataclasses.replace(actor, channel="C0HOLIDAY")
    if "Nothing is scheduled" in (await handle_text(ctx=hctx, actor=lead, text="forum list")).text:
        await set_up(hctx, actor, holidays=None)
    typed = " ".join(["forum", "holidays", *words])
    with pytest.raises((Invalid, NotFound)):
        await handle_text(ctx=hctx, actor=lead, text=typed)
    listed = await handle_text(ctx=hctx, actor=lead, text="forum list")
    assert "bank holidays" not in " ".join(s.text for s in listed.sections)

"""Schedules in Slack by click: lunch RSVPs, waitlist, invites, reminders, attendance,
meeting agreements, and posting through 429 storms. Time is a FakeClock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import icalendar
import pytest

from bot.outbox_sender import OutboxSender
from bot.slack.client import build_client
from bot.slack.poster import SlackPoster
from handlers import Context
from handlers.outbox.planner import plan
from tests.bot.slack_harness import Harness, running_bot, submit_view
from tests.clock import FakeClock

TEAM = "TSCHED"
HOST = "UHOST"
LUNCH_CHANNEL = "C0LUNCH"


@pytest.fixture
async def bot(sctx: Context) -> AsyncIterator[Harness]:
    async with running_bot(ctx=sctx) as harness:
        harness.fake.set_user(HOST, is_admin=True)
        yield harness


async def tick(ctx: Context, bot: Harness) -> None:
    """One wake-up of the clock process, posting through the real Slack client."""
    await bot.settle()  # what `serve` itself sends on being woken
    await plan(ctx=ctx, until=ctx.clock(), grace=timedelta(hours=6))
    client = build_client(token="xoxb-test-token", base_url=bot.fake.base_url)
    await OutboxSender(ctx=ctx, poster=SlackPoster(client=client)).drain()


def texts(params: dict[str, Any]) -> str:
    return str(params.get("text", "")) + str(params.get("blocks", ""))


def dms_to(bot: Harness, user: str) -> list[str]:
    channel = bot.fake.dm_channel_id(user)
    return [
        texts(c.params)
        for c in bot.fake.calls_to("chat.postMessage", successful=True)
        if c.params["channel"] in (channel, user)
    ]


def button(message: dict[str, Any], label: str) -> dict[str, Any]:
    for block in message.get("blocks", []):
        for element in block.get("elements", []):
            if element.get("type") == "button" and element["text"]["text"] == label:
                return element
    raise AssertionError(f"no button {label!r} in {message}")


async def set_up_forums(bot: Harness, *, rules_by_channel: dict[str, str]) -> None:
    """A facilitator sets up and confirms a monthly forum in each channel, by modal and click."""
    for channel, rules in rules_by_channel.items():
        view = await bot.open_form(text="forum setup", team=TEAM, user=HOST, channel=channel)
        await submit_view(
            bot,
            view=view,
            team=TEAM,
            user=HOST,
            answers={
                "name": "Forum",
                "kind": "forum",
                "recurrence": "first Tuesday of the month at 12:30",
                "timezone": "Europe/London",
                "duration": "60",
                "ground_rules": rules,
            },
        )
    previews = await bot.fake.wait_for("chat.postMessage", count=len(rules_by_channel))
    for preview in previews:
        confirm = button(preview.params, "Confirm")
        await bot.click(
            action_id=confirm["action_id"], value=confirm["value"], team=TEAM, user=HOST
        )


async def add_lunch(bot: Harness, ctx: Context, *, capacity: str = "2") -> dict[str, Any]:
    view = await bot.open_form(text="lunch add", team=TEAM, user=HOST, channel=LUNCH_CHANNEL)
    answers = {
        "title": "Leading across boundaries",
        "topic": ctx.pack.lunch_topics[0].id,
        "date": "2026-11-10",
        "time": "12:30",
        "duration": "45",
        "location": "Room 2, Trust HQ",
        "host": "Dr Example",
        "capacity": capacity,
    }
    sent = await submit_view(bot, view=view, answers=answers, team=TEAM, user=HOST)
    assert sent.status == 200 and sent.body == "", sent.body
    await tick(ctx, bot)
    [announced] = [
        c
        for c in bot.fake.calls_to("chat.postMessage", successful=True)
        if c.params["channel"] == LUNCH_CHANNEL
    ]
    return announced.params


async def test_a_member_cannot_add_a_lunch(bot: Harness) -> None:
    answer = await bot.command(text="lunch add", team=TEAM, user="UMEMBER", channel="C1")
    assert "is for facilitators" in answer["text"]
    assert bot.fake.calls_to("views.open") == []


async def test_rsvp_waitlist_invite_reminders_and_attendance_by_click(
    bot: Harness, sctx: Context
) -> None:
    clock = sctx.clock
    assert isinstance(clock, FakeClock)
    announcement = await add_lunch(bot, sctx)
    assert "Going: 0 of 2" in texts(announcement)
    going = button(announcement, "Going")

    for user in ("U1", "U2"):
        await bot.click(action_id=going["action_id"], value=going["value"], team=TEAM, user=user)
    updates = await bot.fake.wait_for("chat.update", count=2)
    await bot.fake.wait_for("files.completeUploadExternal", count=2)
    uploads = [f for f in bot.fake.files if f.filename == "session.ics"]
    assert len(uploads) == 2
    event = icalendar.Calendar.from_ical(uploads[0].content).walk("VEVENT")[0]
    assert event.decoded("dtstart") == datetime(2026, 11, 10, 12, 30, tzinfo=UTC)
    assert "Going: 2 of 2" in texts(updates[-1].params)

    full = await bot.click(action_id=going["action_id"], value=going["value"], team=TEAM, user="U3")
    assert "waitlist (number 1)" in full["text"]
    await bot.fake.wait_for("chat.update", count=3)

    cant = button(announcement, "Can't make it")
    await bot.click(action_id=cant["action_id"], value=cant["value"], team=TEAM, user="U1")
    await bot.fake.wait_for("chat.update", count=4)
    await tick(sctx, bot)  # the promotion is told through the outbox
    assert any("A place opened up" in t for t in dms_to(bot, "U3"))
    assert "Going: 2 of 2" in texts(bot.fake.calls_to("chat.update")[-1].params)
    assert "Waitlist" not in texts(bot.fake.calls_to("chat.update")[-1].params)

    await bot.command(text="pause 2 weeks", team=TEAM, user="U2")
    clock.now = datetime(2026, 11, 3, 12, 30, tzinfo=UTC)  # a week before
    await tick(sctx, bot)
    assert any("starts in a week" in t for t in dms_to(bot, "U3"))
    assert not any("Reminder" in t for t in dms_to(bot, "U2"))  # paused
    assert not any("Reminder" in t for t in dms_to(bot, "U1"))  # not going

    clock.now = datetime(2026, 11, 10, 13, 15, tzinfo=UTC)  # it has ended
    await tick(sctx, bot)
    asked = [
        c
        for c in bot.fake.calls_to("chat.postMessage", successful=True)
        if "Did you attend" in texts(c.params)
    ]
    assert {c.params["channel"] for c in asked} == {"U3"}  # a user id: their DM with us
    yes = button(asked[0].params, "Yes, I attended")
    thanks = await bot.click(action_id=yes["action_id"], value=yes["value"], team=TEAM, user="U3")
    nmc = button(thanks, "NMC reflective account")
    await bot.click(
        action_id=nmc["action_id"], value=nmc["value"], team=TEAM, user="U3", wait=False
    )
    opened = (await bot.fake.wait_for("views.open", count=2))[-1]
    view = opened.params["view"]
    initial = {
        b["block_id"]: b["element"].get("initial_value")
        for b in view["blocks"]
        if b["type"] == "input"
    }
    assert initial["session"] == "Lunch and learn: Leading across boundaries"
    assert initial["cpd_minutes"] == "45"


async def test_cancelling_tells_everyone_going(bot: Harness, sctx: Context) -> None:
    announcement = await add_lunch(bot, sctx, capacity="")
    going = button(announcement, "Going")
    for user in ("U1", "U2"):
        await bot.click(action_id=going["action_id"], value=going["value"], team=TEAM, user=user)
    await bot.fake.wait_for("chat.update", count=2)
    answer = await bot.command(text="lunch cancel 1", team=TEAM, user=HOST, channel=LUNCH_CHANNEL)
    assert "telling the 2 people" in answer["text"]
    await bot.fake.wait_for("chat.update", count=3)
    await tick(sctx, bot)
    for user in ("U1", "U2"):
        assert any("is cancelled" in t for t in dms_to(bot, user))
    assert "Cancelled: Leading across boundaries" in texts(
        bot.fake.calls_to("chat.update")[-1].params
    )


async def test_meeting_agreements_come_back_before_the_next_meeting(
    bot: Harness, sctx: Context
) -> None:
    clock = sctx.clock
    assert isinstance(clock, FakeClock)
    view = await bot.open_form(text="meeting", team=TEAM, user="UMEMBER", channel="C0TEAM")
    sent = await submit_view(
        bot,
        view=view,
        team=TEAM,
        user="UMEMBER",
        answers={
            "name": "Team huddle",
            "recurrence": "every Monday at 10:00",
            "timezone": "Europe/London",
            "duration": "60",
        },
    )
    assert sent.body == ""
    [preview] = await bot.fake.wait_for("chat.postMessage")
    assert "Mon 2 Nov 2026, 10:00 GMT" in texts(preview.params)
    confirm = button(preview.params, "Confirm")
    await bot.click(
        action_id=confirm["action_id"], value=confirm["value"], team=TEAM, user="UMEMBER"
    )

    def team_posts() -> list[dict[str, Any]]:
        return [
            c.params
            for c in bot.fake.calls_to("chat.postMessage", successful=True)
            if c.params["channel"] == "C0TEAM"
        ]

    clock.now = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
    await tick(sctx, bot)
    assert "why are we meeting?" in texts(team_posts()[-1])
    assert "Nothing was recorded from last time." in texts(team_posts()[-1])
    clock.now = datetime(2026, 11, 2, 11, 0, tzinfo=UTC)
    await tick(sctx, bot)
    record = button(team_posts()[-1], "Record what we agreed")
    await bot.click(
        action_id=record["action_id"], value=record["value"], team=TEAM, user="UMEMBER", wait=False
    )
    opened = await bot.fake.wait_for("views.open", count=2)
    sent = await submit_view(
        bot,
        view=opened[-1].params["view"],
        team=TEAM,
        user="UMEMBER",
        answers={"item1": "Asha will draft the rota by Friday"},
    )
    assert sent.body == ""
    clock.now = datetime(2026, 11, 9, 9, 30, tzinfo=UTC)
    await tick(sctx, bot)
    assert "Asha will draft the rota by Friday" in texts(team_posts()[-1])


async def test_a_storm_of_429s_loses_and_doubles_nothing(bot: Harness, sctx: Context) -> None:
    clock = sctx.clock
    assert isinstance(clock, FakeClock)
    bot.fake.set_user(HOST, is_admin=True)
    channels = [f"C{n:03d}" for n in range(12)]
    await set_up_forums(bot, rules_by_channel=dict.fromkeys(channels, ""))
    bot.fake.random_429s(rate=0.3, seed=3, retry_after=0, methods={"chat.postMessage"})
    clock.now = datetime(2026, 11, 3, 12, 30, tzinfo=UTC)
    await tick(sctx, bot)
    for _ in range(3):  # anything the client gave up on is retried by the outbox
        clock.advance(timedelta(minutes=5))
        await tick(sctx, bot)
    delivered = [
        c.params["channel"]
        for c in bot.fake.calls_to("chat.postMessage", successful=True)
        if c.params["channel"] in channels
    ]
    assert sorted(delivered) == channels
    assert any(not c.ok for c in bot.fake.calls_to("chat.postMessage"))  # there was a storm


async def test_a_failed_pin_does_not_post_the_forum_twice(bot: Harness, sctx: Context) -> None:
    clock = sctx.clock
    assert isinstance(clock, FakeClock)
    await set_up_forums(bot, rules_by_channel={"C0PINOK": "Be kind.", "C0PINNO": "Listen first."})
    bot.fake.fail_next("pins.add", status=200, error="not_pinnable")
    clock.now = datetime(2026, 11, 3, 12, 30, tzinfo=UTC)
    await tick(sctx, bot)
    clock.advance(timedelta(minutes=10))
    await tick(sctx, bot)
    posted = [
        c.params["channel"]
        for c in bot.fake.calls_to("chat.postMessage", successful=True)
        if c.params["channel"].startswith("C0PIN")
    ]
    assert sorted(posted) == ["C0PINNO", "C0PINOK"]
    assert len(bot.fake.pins) == 1

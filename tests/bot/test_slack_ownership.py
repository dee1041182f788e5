"""Who may pause, resume or remove a meeting, and record its agreements: by signed
Slack requests, with the channel directory read from the fake Web API."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select, update

from handlers import Context
from storage.models import Agreement, AuditEntry, Schedule
from tests.bot.slack_harness import Harness, running_bot, submit_view
from tests.bot.test_slack_schedules import button, texts, tick
from tests.clock import FakeClock

TEAM = "TOWNERS"
OWNER = "UOWNER"
MEMBER = "UMEMBER"
OUTSIDER = "UOUTSIDER"
FACILITATOR = "UFACILITATOR"  # a facilitator by the harness's CCPL_FACILITATORS
CHANNEL = "C0TEAM"


@pytest.fixture
async def bot(sctx: Context) -> AsyncIterator[Harness]:
    async with running_bot(ctx=sctx) as harness:
        harness.fake.set_channel_members(CHANNEL, [OWNER, MEMBER, FACILITATOR])
        yield harness


async def set_up_meeting(bot: Harness, *, user: str = OWNER) -> None:
    view = await bot.open_form(text="meeting", team=TEAM, user=user, channel=CHANNEL)
    sent = await submit_view(
        bot,
        view=view,
        team=TEAM,
        user=user,
        answers={
            "name": "Team huddle",
            "recurrence": "every Monday at 10:00",
            "timezone": "Europe/London",
            "duration": "60",
        },
    )
    assert sent.body == ""
    [preview] = await bot.fake.wait_for("chat.postMessage")
    confirm = button(preview.params, "Confirm")
    answer = await bot.click(
        action_id=confirm["action_id"], value=confirm["value"], team=TEAM, user=user
    )
    assert "is scheduled" in answer["text"], answer


async def schedule_state(ctx: Context) -> list[tuple[bool, int | None]]:
    async with ctx.database.transaction() as session:
        rows = await session.execute(select(Schedule.paused, Schedule.created_by))
        return [(paused, owner) for paused, owner in rows]


async def audited(ctx: Context, action: str) -> list[str]:
    async with ctx.database.transaction() as session:
        rows = await session.scalars(select(AuditEntry.actor).where(AuditEntry.action == action))
        return list(rows)


async def meeting(bot: Harness, *, user: str, words: str) -> str:
    answer = await bot.command(text=f"meeting {words}", team=TEAM, user=user, channel=CHANNEL)
    return str(answer["text"])


async def test_a_member_cannot_pause_or_remove_someone_elses_meeting(
    bot: Harness, sctx: Context
) -> None:
    await set_up_meeting(bot)
    for verb in ("pause", "remove"):
        refused = await meeting(bot, user=MEMBER, words=f"{verb} 1")
        assert "the person who set it up, or a facilitator" in refused, refused
    [(paused, owner)] = await schedule_state(sctx)
    assert not paused and owner is not None


async def test_the_creator_and_a_facilitator_may_change_it_and_only_the_facilitator_is_audited(
    bot: Harness, sctx: Context
) -> None:
    await set_up_meeting(bot)
    assert await meeting(bot, user=OWNER, words="pause 1") == "Team huddle is paused."
    assert await meeting(bot, user=FACILITATOR, words="resume 1") == "Team huddle is resumed."
    assert await audited(sctx, "schedule.resume") == [FACILITATOR]
    assert await audited(sctx, "schedule.pause") == []
    assert await meeting(bot, user=OWNER, words="remove 1") == "Team huddle is removed."
    assert await schedule_state(sctx) == []


async def test_a_schedule_from_before_owners_were_kept_is_for_facilitators_only(
    bot: Harness, sctx: Context
) -> None:
    await set_up_meeting(bot)
    async with sctx.database.transaction() as session:
        await session.execute(update(Schedule).values(created_by=None))
    refused = await meeting(bot, user=OWNER, words="pause 1")
    assert "the person who set it up, or a facilitator" in refused, refused
    assert await schedule_state(sctx) == [(False, None)]
    assert await meeting(bot, user=FACILITATOR, words="pause 1") == "Team huddle is paused."
    assert await audited(sctx, "schedule.pause") == [FACILITATOR]


async def agreements_view(bot: Harness, sctx: Context) -> dict[str, Any]:
    """The meeting's wrap-up post, its button pressed by a member, and the form it opens."""
    clock = sctx.clock
    assert isinstance(clock, FakeClock)
    clock.now = datetime(2026, 11, 2, 11, 0, tzinfo=UTC)
    await tick(sctx, bot)
    [wrap_up] = [
        c.params
        for c in bot.fake.calls_to("chat.postMessage", successful=True)
        if c.params["channel"] == CHANNEL and "Record what we agreed" in texts(c.params)
    ]
    record = button(wrap_up, "Record what we agreed")
    opened = len(bot.fake.calls_to("views.open"))
    await bot.click(
        action_id=record["action_id"], value=record["value"], team=TEAM, user=MEMBER, wait=False
    )
    calls = await bot.fake.wait_for("views.open", count=opened + 1)
    view: dict[str, Any] = calls[-1].params["view"]
    return view


async def agreements(ctx: Context) -> list[str]:
    async with ctx.database.transaction() as session:
        return list(await session.scalars(select(Agreement.text)))


async def test_agreements_only_from_members_of_the_meetings_channel(
    bot: Harness, sctx: Context
) -> None:
    await set_up_meeting(bot)
    view = await agreements_view(bot, sctx)
    answers = {"item1": "Asha will draft the rota by Friday"}
    sent = await submit_view(bot, view=view, answers=answers, team=TEAM, user=OUTSIDER)
    body = json.loads(sent.body)
    assert body["response_action"] == "errors"
    assert "members of the meeting's channel" in json.dumps(body["errors"])
    assert await agreements(sctx) == []
    sent = await submit_view(bot, view=view, answers=answers, team=TEAM, user=MEMBER)
    assert sent.body == ""
    assert await agreements(sctx) == ["Asha will draft the rota by Friday"]


async def test_agreements_where_the_channel_is_unknown_are_for_the_organiser_or_a_facilitator(
    bot: Harness, sctx: Context
) -> None:
    await set_up_meeting(bot)
    view = await agreements_view(bot, sctx)
    async with sctx.database.transaction() as session:
        await session.execute(update(Schedule).values(channel="C0UNKNOWN"))
    answers = {"item1": "Ben will book the room"}
    sent = await submit_view(bot, view=view, answers=answers, team=TEAM, user=MEMBER)
    assert json.loads(sent.body)["response_action"] == "errors"
    assert await agreements(sctx) == []
    sent = await submit_view(bot, view=view, answers=answers, team=TEAM, user=OWNER)
    assert sent.body == ""
    assert await agreements(sctx) == ["Ben will book the room"]

"""Bank holidays in Slack: the confirm step flags a post kept on one, and the owner or a
facilitator changes the policy after confirming, with posts already planned following.
Signed requests in, the fake Web API's payloads out; time is a FakeClock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from handlers import Context
from handlers.outbox.planner import plan
from storage.models import AuditEntry, OutboxMessage
from tests.bot.slack_harness import Harness, running_bot, submit_view
from tests.bot.test_slack_schedules import button, texts, tick
from tests.clock import FakeClock

TEAM = "THOLIDAY"
FACILITATOR = "UFACILITATOR"  # a facilitator by the harness's CCPL_FACILITATORS
OWNER = "UOWNER"
MEMBER = "UMEMBER"
CHANNEL = "C0HOLIDAY"
KEPT = "Fri 25 Dec 2026 is Christmas Day, a bank holiday: it will still post"
CHRISTMAS = datetime(2026, 12, 25, 12, 30, tzinfo=UTC)
MOVED_TO = datetime(2026, 12, 29, 12, 30, tzinfo=UTC)


@pytest.fixture
async def bot(sctx: Context) -> AsyncIterator[Harness]:
    async with running_bot(ctx=sctx) as harness:
        harness.fake.set_channel_members(CHANNEL, [FACILITATOR, OWNER, MEMBER])
        yield harness


def at(ctx: Context, when: datetime) -> None:
    assert isinstance(ctx.clock, FakeClock)
    ctx.clock.now = when


async def set_up(bot: Harness, *, form: str, user: str, answers: dict[str, str]) -> str:
    """Fill in the setup form; confirm the dates shown; return the preview's text."""
    view = await bot.open_form(text=form, team=TEAM, user=user, channel=CHANNEL)
    base = {"timezone": "Europe/London", "duration": "60", "holidays": "none", "region": "ENG"}
    sent = await submit_view(bot, view=view, team=TEAM, user=user, answers=base | answers)
    assert sent.body == "", sent.body
    [shown] = await bot.fake.wait_for("chat.postMessage")
    confirm = button(shown.params, "Confirm")
    done = await bot.click(
        action_id=confirm["action_id"], value=confirm["value"], team=TEAM, user=user
    )
    assert "is scheduled" in done["text"], done
    return texts(shown.params)


async def set_up_forum(bot: Harness) -> str:
    answers = {"name": "Place leads", "kind": "forum", "recurrence": "last Friday at 12:30"}
    return await set_up(bot, form="forum setup", user=FACILITATOR, answers=answers)


async def say(bot: Harness, *, user: str, words: str) -> dict[str, object]:
    return await bot.command(text=words, team=TEAM, user=user, channel=CHANNEL)


def prompts(bot: Harness) -> int:
    return sum(
        "this month's discussion" in texts(c.params)
        for c in bot.fake.calls_to("chat.postMessage", successful=True)
        if c.params["channel"] == CHANNEL
    )


async def outbox(ctx: Context) -> list[tuple[str, str, datetime]]:
    async with ctx.database.transaction() as session:
        rows = await session.execute(
            select(OutboxMessage.key, OutboxMessage.status, OutboxMessage.due_at).where(
                OutboxMessage.key.like("forum:%")
            )
        )
        return [(key, status, due) for key, status, due in rows]


async def audited(ctx: Context) -> list[tuple[str, str]]:
    async with ctx.database.transaction() as session:
        rows = await session.execute(
            select(AuditEntry.actor, AuditEntry.detail).where(
                AuditEntry.action == "schedule.holidays"
            )
        )
        return [(actor, detail) for actor, detail in rows]


async def test_moving_after_confirming_posts_on_the_next_working_day(
    bot: Harness, sctx: Context
) -> None:
    at(sctx, datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    shown = await set_up_forum(bot)
    assert f"{KEPT}; choose skip or move to change that" in shown  # the confirm step
    answer = await say(bot, user=FACILITATOR, words="forum holidays 1 move")
    shown = texts(answer)
    assert "Place leads now moves a post off a bank holiday to the next working day" in shown
    assert "Fri 25 Dec 2026 moved to Tue 29 Dec 2026, the next working day" in shown
    assert KEPT not in shown
    assert await audited(sctx) == [(FACILITATOR, "schedule 1: none to move")]
    listed = texts(await say(bot, user=FACILITATOR, words="forum list"))
    assert "last Friday" in listed and "moves off bank holidays" in listed

    at(sctx, CHRISTMAS)
    await tick(sctx, bot)
    assert prompts(bot) == 0
    at(sctx, MOVED_TO)
    await tick(sctx, bot)
    assert prompts(bot) == 1
    [(key, status, due)] = await outbox(sctx)
    assert (key, status, due) == ("forum:1:2026-12-25T12:30+00:00", "sent", MOVED_TO)


async def test_a_post_planned_but_not_yet_sent_follows_the_new_policy(
    bot: Harness, sctx: Context
) -> None:
    at(sctx, datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    await set_up_forum(bot)
    at(sctx, CHRISTMAS)
    # Planned when due, but the sender has not taken it yet.
    await plan(ctx=sctx, until=CHRISTMAS, grace=timedelta(hours=6))
    assert [s for _, s, _ in await outbox(sctx)] == ["pending"]

    await say(bot, user=FACILITATOR, words="forum holidays 1 move")
    [(key, status, due)] = await outbox(sctx)
    assert (key, status, due) == ("forum:1:2026-12-25T12:30+00:00", "pending", MOVED_TO)
    await tick(sctx, bot)
    assert prompts(bot) == 0  # not on Christmas Day

    await say(bot, user=FACILITATOR, words="forum holidays 1 skip")
    at(sctx, MOVED_TO)
    await tick(sctx, bot)
    assert prompts(bot) == 0
    assert [s for _, s, _ in await outbox(sctx)] == ["skipped"]


async def test_bad_input_and_a_member_are_refused_and_nothing_changes(
    bot: Harness, sctx: Context
) -> None:
    at(sctx, datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    await set_up_forum(bot)
    for words, says in (
        ("forum holidays", "Say which one, by its number in the list"),
        ("forum holidays 1", "keep, skip or move"),
        ("forum holidays 1 never", "keep, skip or move"),
        ("forum holidays 9 skip", "There is no number 9 in the list"),
    ):
        answer = await say(bot, user=FACILITATOR, words=words)
        assert says in str(answer["text"]), answer
    refused = await say(bot, user=MEMBER, words="forum holidays 1 skip")
    assert "is for facilitators" in str(refused["text"])
    assert await audited(sctx) == []
    listed = texts(await say(bot, user=FACILITATOR, words="forum list"))
    assert "bank holidays" not in listed  # still the default, which a list leaves unsaid


async def test_a_meetings_owner_changes_it_and_another_member_cannot(
    bot: Harness, sctx: Context
) -> None:
    # Easter 2027: Easter Monday is 29 March.
    at(sctx, datetime(2027, 3, 20, 9, 0, tzinfo=UTC))
    answers = {"name": "Team huddle", "recurrence": "every Monday at 10:00"}
    shown = await set_up(bot, form="meeting", user=OWNER, answers=answers)
    assert "Mon 29 Mar 2027 is Easter Monday, a bank holiday: it will still post" in shown

    refused = await say(bot, user=MEMBER, words="meeting holidays 1 skip")
    assert "the person who set it up, or a facilitator" in str(refused["text"])
    answer = await say(bot, user=OWNER, words="meeting holidays 1 skip")
    shown = texts(answer)
    assert "Team huddle now skips a post that falls on a bank holiday" in shown
    assert "Mon 29 Mar 2027 skipped: Easter Monday" in shown
    assert await audited(sctx) == []  # the owner's own meeting: not a facilitator action


async def test_a_meetings_waiting_nudge_moves_with_the_meeting(bot: Harness, sctx: Context) -> None:
    at(sctx, datetime(2026, 12, 20, 9, 0, tzinfo=UTC))
    answers = {"name": "Team huddle", "recurrence": "every Friday at 10:00"}
    await set_up(bot, form="meeting", user=OWNER, answers=answers)
    at(sctx, datetime(2026, 12, 25, 9, 30, tzinfo=UTC))
    await plan(ctx=sctx, until=sctx.clock(), grace=timedelta(hours=6))

    await say(bot, user=OWNER, words="meeting holidays 1 move")
    async with sctx.database.transaction() as session:
        [(key, status, due, payload)] = (
            await session.execute(
                select(
                    OutboxMessage.key,
                    OutboxMessage.status,
                    OutboxMessage.due_at,
                    OutboxMessage.payload,
                )
            )
        ).all()
    assert key == "meeting_purpose:1:2026-12-25T10:00+00:00"  # still the date the rule gave
    # Half an hour before the meeting, now on the next working day.
    assert (status, due) == ("pending", datetime(2026, 12, 29, 9, 30, tzinfo=UTC))
    assert payload["occurrence"] == "2026-12-29T10:00+00:00"

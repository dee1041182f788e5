"""A row erased on SQLite must not hand its id to the next one: outbox keys name ids,
and a second post under a used key is refused as already planned, so never posted."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from handlers import Context
from tests.bot.slack_harness import Harness, running_bot
from tests.bot.test_slack_schedules import button, texts, tick

TEAM = "TREUSE"
CHANNEL = "C0REUSE"


@pytest.fixture
async def bot(sctx: Context) -> AsyncIterator[Harness]:
    async with running_bot(ctx=sctx) as harness:
        harness.fake.set_channel_members(CHANNEL, ["UGONE", "USTAYS"])
        yield harness


def posted_questions(bot: Harness) -> list[str]:
    return [
        texts(c.params)
        for c in bot.fake.calls_to("chat.postMessage", successful=True)
        if c.params["channel"] == CHANNEL
    ]


async def test_a_poll_after_its_creator_was_forgotten_is_still_posted(
    bot: Harness, sctx: Context
) -> None:
    asked = await bot.command(
        text='poll "First question?" "Yes" "No"', team=TEAM, user="UGONE", channel=CHANNEL
    )
    assert "Posting your" in asked["text"]
    await tick(sctx, bot)
    assert ["First question?" in t for t in posted_questions(bot)] == [True]

    forget = await bot.command(text="forget-me", team=TEAM, user="UGONE")
    confirm = button(forget, "Yes, erase my data")
    done = await bot.click(action_id=confirm["action_id"], team=TEAM, user="UGONE")
    assert "erased everything" in done["text"]

    asked = await bot.command(
        text='poll "Second question?" "Tea" "Coffee"', team=TEAM, user="USTAYS", channel=CHANNEL
    )
    assert "Posting your" in asked["text"]
    await tick(sctx, bot)
    shown = posted_questions(bot)
    assert len(shown) == 2 and "Second question?" in shown[1]
    assert "Tea" in shown[1] and "First question?" not in shown[1]

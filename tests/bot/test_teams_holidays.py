"""Bank holidays in Teams: a facilitator changes a forum's policy after confirming, and
the card shows the dates it now posts on; a member is refused. Time is a FakeClock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from handlers import Context
from tests.bot.teams_harness import FACILITATOR, TeamsHarness, running_teams
from tests.clock import FakeClock

TENANT = "0f0e0d0c-0b0a-4909-8807-060504030201"
FORUM = "19:holiday-forum@thread.tacv2"
MEMBER = "7a7a7a7a-0000-4000-8000-00000000bbbb"


@pytest.fixture
async def bot(sctx: Context) -> AsyncIterator[TeamsHarness]:
    async with running_teams(ctx=sctx) as harness:
        yield harness


async def said(bot: TeamsHarness, text: str, *, user: str) -> str:
    """Everything the bot sent in answer, wherever it sent it."""
    return "\n".join(s.text for s in await bot.say(text, tenant=TENANT, user=user, channel=FORUM))


async def test_a_facilitator_skips_christmas_and_a_member_cannot(
    bot: TeamsHarness, sctx: Context
) -> None:
    assert isinstance(sctx.clock, FakeClock)
    sctx.clock.now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    _note, form = await bot.say("forum setup", tenant=TENANT, user=FACILITATOR, channel=FORUM)
    [preview] = await bot.press(
        form,
        title="Preview dates",
        tenant=TENANT,
        user=FACILITATOR,
        inputs={
            "name": "Place leads",
            "kind": "forum",
            "recurrence": "last Friday of the month at 12:30",
            "timezone": "Europe/London",
            "duration": "60",
            "holidays": "none",
            "region": "ENG",
        },
    )
    assert "Fri 25 Dec 2026 is Christmas Day, a bank holiday: it will still post" in (preview.text)
    await bot.press(preview, title="Confirm", tenant=TENANT, user=FACILITATOR)

    refused = await said(bot, "forum holidays 1 skip", user=MEMBER)
    assert "is for facilitators" in refused
    changed = await said(bot, "forum holidays 1 skip", user=FACILITATOR)
    assert "From now on it skips a post that falls on a bank holiday" in changed
    assert "Fri 25 Dec 2026 skipped: Christmas Day" in changed
    assert "it will still post" not in changed

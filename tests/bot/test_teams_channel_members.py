"""Teams card data comes from the client, so a vote or a results request naming a poll
in a channel the person is not in is refused: Activity JSON with real RS256 tokens,
the channel's members from its team's roster."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from handlers import Context
from handlers.outbox.planner import plan
from tests.bot.teams_harness import TeamsHarness, running_teams
from tests.fakes.teams_connector import Sent

TENANT = "0f0e0d0c-0b0a-4909-8807-060504030201"
TEAM = "19:team@thread.tacv2"  # the harness puts every channel activity in this team
FORUM = "19:private-forum@thread.tacv2"
CREATOR = "7a7a7a7a-0000-4000-8000-000000000001"
OUTSIDER = "7a7a7a7a-0000-4000-8000-000000000002"


@pytest.fixture
async def bot(sctx: Context) -> AsyncIterator[TeamsHarness]:
    async with running_teams(ctx=sctx) as harness:
        harness.fake.set_roster(TEAM, [CREATOR])
        yield harness


async def posted_poll(bot: TeamsHarness, ctx: Context) -> Sent:
    await bot.say(
        'poll "Which day suits?" "Tuesday" "Thursday"', tenant=TENANT, user=CREATOR, channel=FORUM
    )
    await plan(ctx=ctx, until=ctx.clock(), grace=timedelta(hours=6))
    await bot.runtime.sender.drain()
    [card] = [s for s in bot.fake.to(FORUM) if "Which day suits?" in s.text]
    return card


async def test_a_vote_or_results_from_outside_the_polls_channel_is_refused(
    bot: TeamsHarness, sctx: Context
) -> None:
    card = await posted_poll(bot, sctx)
    for title in ("Tuesday", "Results"):
        [answer] = await bot.press(card, title=title, tenant=TENANT, user=OUTSIDER)
        assert "for the members of the channel it was posted in" in answer.text, answer.text
    assert not any(s.update for s in bot.fake.sent), "no post was refreshed"
    [answer, *_] = await bot.press(card, title="Tuesday", tenant=TENANT, user=CREATOR)
    assert "You voted for “Tuesday”" in answer.text

"""Sharing into a channel, voting and reading a poll's results are for that channel's
members: by signed Slack requests, with the directory read from the fake Web API."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from handlers import Context
from tests.bot.slack_harness import Harness, running_bot, submit_view
from tests.bot.test_slack_polls import shown_counts
from tests.bot.test_slack_schedules import button, tick
from tests.clock import FakeClock

TEAM = "TMEMBERS"
OWNER = "UOWNER"
MEMBER = "UMEMBER"
CHANNEL = "C0TEAM"
PRIVATE = "C0PRIVATE"


@pytest.fixture
async def bot(sctx: Context) -> AsyncIterator[Harness]:
    async with running_bot(ctx=sctx) as harness:
        harness.fake.set_channel_members(CHANNEL, [OWNER, MEMBER])
        harness.fake.set_channel_members(PRIVATE, [OWNER])
        yield harness


async def reflection_view(bot: Harness, *, user: str) -> dict[str, Any]:
    return await bot.open_form(text="reflect what", team=TEAM, user=user, channel=CHANNEL)


async def test_a_forged_share_into_a_channel_one_is_not_in_is_refused(
    bot: Harness, sctx: Context
) -> None:
    view = await reflection_view(bot, user=MEMBER)
    answers = {
        "title": "What silence taught me",
        "what": "The quietest person had the answer.",
        "visibility": "shared",
        "channel": PRIVATE,
    }
    sent = await submit_view(bot, view=view, answers=answers, team=TEAM, user=MEMBER)
    body = json.loads(sent.body)
    assert body["response_action"] == "errors" and set(body["errors"]) == {"channel"}
    assert "channel you are in" in body["errors"]["channel"]
    posted = [c.params["channel"] for c in bot.fake.calls_to("chat.postMessage")]
    assert PRIVATE not in posted
    sent = await submit_view(
        bot, view=view, answers={**answers, "channel": CHANNEL}, team=TEAM, user=MEMBER
    )
    assert sent.body == ""
    calls = await bot.fake.wait_for("chat.postMessage", count=2)
    assert CHANNEL in [c.params["channel"] for c in calls]


async def start_poll(bot: Harness, sctx: Context, *, channel: str) -> dict[str, Any]:
    answer = await bot.command(
        text='poll "Which day suits?" "Tuesday" "Thursday"', team=TEAM, user=OWNER, channel=channel
    )
    assert "Posting your" in answer["text"], answer
    await tick(sctx, bot)
    [posted] = [
        c
        for c in bot.fake.calls_to("chat.postMessage", successful=True)
        if c.params["channel"] == channel
    ]
    return {**posted.params, "ts": posted.response["ts"]}


async def press(bot: Harness, post: dict[str, Any], label: str, user: str) -> str:
    pressed = button(post, label)
    answer = await bot.click(
        action_id=pressed["action_id"], value=pressed["value"], team=TEAM, user=user
    )
    return str(answer["text"])


async def test_a_forged_vote_or_results_on_a_poll_in_a_channel_one_is_not_in_is_refused(
    bot: Harness, sctx: Context
) -> None:
    post = await start_poll(bot, sctx, channel=PRIVATE)
    for label in ("Tuesday", "Results"):
        refused = await press(bot, post, label, MEMBER)
        assert "for the members of the channel it was posted in" in refused, refused
    assert bot.fake.calls_to("chat.update") == []
    assert await press(bot, post, "Tuesday", OWNER) == (
        "You voted for “Tuesday”. Press another option to change your vote."
    )
    [update_call] = await bot.fake.wait_for("chat.update", count=1)
    assert shown_counts(update_call.params) == {"Tuesday": 1, "Thursday": 0}


async def test_someone_who_just_joined_may_vote_once_the_directory_is_read_again(
    bot: Harness, sctx: Context
) -> None:
    post = await start_poll(bot, sctx, channel=PRIVATE)
    assert "for the members" in await press(bot, post, "Tuesday", MEMBER)
    bot.fake.set_channel_members(PRIVATE, [OWNER, MEMBER])
    clock = sctx.clock
    assert isinstance(clock, FakeClock)
    clock.now += timedelta(minutes=2)
    assert (await press(bot, post, "Tuesday", MEMBER)).startswith("You voted for “Tuesday”")

"""Polls in Slack by click: signed requests in, the fake Web API's chat.update payloads out."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest

from handlers import Context
from tests.bot.slack_harness import Harness, running_bot
from tests.bot.test_slack_schedules import button, dms_to, texts, tick

TEAM = "TPOLLS"
CREATOR = "UCREATOR"
CHANNEL = "C0POLLS"


@pytest.fixture
async def bot(sctx: Context) -> AsyncIterator[Harness]:
    async with running_bot(ctx=sctx) as harness:
        # Votes and results are for the channel's members.
        harness.fake.set_channel_members(
            CHANNEL, [CREATOR, "UVOTER1", "UVOTER2", "UMEMBER", "UANON1", "UANON2"]
        )
        yield harness


async def start_poll(bot: Harness, ctx: Context, text: str) -> dict[str, Any]:
    """The creator types the command; the outbox posts the poll; returns the posted message."""
    answer = await bot.command(text=text, team=TEAM, user=CREATOR, channel=CHANNEL)
    assert "Posting your" in answer["text"], answer
    await tick(ctx, bot)
    [posted] = [
        c
        for c in bot.fake.calls_to("chat.postMessage", successful=True)
        if c.params["channel"] == CHANNEL
    ]
    return {**posted.params, "ts": posted.response["ts"]}


def shown_counts(params: dict[str, Any]) -> dict[str, int]:
    """Each option's count as Slack would draw it from the blocks."""
    found = re.findall(r"\*([^*\n]+)\*\\n\S+  (\d+) votes?", str(params.get("blocks", "")))
    return {label: int(count) for label, count in found}


def labels(params: dict[str, Any], *, action_id: str | None = None) -> list[str]:
    """The buttons on a message, optionally only those with one action id."""
    return [
        element["text"]["text"]
        for block in params.get("blocks", [])
        for element in block.get("elements", [])
        if element.get("type") == "button" and action_id in (None, element["action_id"])
    ]


def vote_labels(params: dict[str, Any]) -> list[str]:
    return labels(params, action_id="poll.vote")


async def vote(bot: Harness, post: dict[str, Any], label: str, user: str) -> dict[str, Any]:
    pressed = button(post, label)
    return await bot.click(
        action_id=pressed["action_id"], value=pressed["value"], team=TEAM, user=user
    )


async def test_votes_by_click_update_the_counts_on_the_post(bot: Harness, sctx: Context) -> None:
    post = await start_poll(bot, sctx, 'poll "Which day suits?" "Tuesday" "Thursday"')
    assert shown_counts(post) == {"Tuesday": 0, "Thursday": 0}
    assert vote_labels(post) == ["Tuesday", "Thursday"]

    answer = await vote(bot, post, "Tuesday", "UVOTER1")
    assert answer["text"] == "You voted for “Tuesday”. Press another option to change your vote."
    assert answer.get("response_type") == "ephemeral"
    [first] = await bot.fake.wait_for("chat.update", count=1)
    assert (first.params["channel"], first.params["ts"]) == (CHANNEL, post["ts"])
    assert shown_counts(first.params) == {"Tuesday": 1, "Thursday": 0}

    await vote(bot, post, "Thursday", "UVOTER2")
    updates = await bot.fake.wait_for("chat.update", count=2)
    assert shown_counts(updates[-1].params) == {"Tuesday": 1, "Thursday": 1}

    await vote(bot, post, "Thursday", "UVOTER1")  # changes their mind
    updates = await bot.fake.wait_for("chat.update", count=3)
    assert shown_counts(updates[-1].params) == {"Tuesday": 0, "Thursday": 2}
    assert "Total: 2 votes" in texts(updates[-1].params)

    again = await vote(bot, post, "Thursday", "UVOTER1")
    assert "already voted for “Thursday”" in again["text"]
    assert len(bot.fake.calls_to("chat.update")) == 3  # nothing changed, nothing redrawn


async def test_an_anonymous_poll_by_click(bot: Harness, sctx: Context) -> None:
    post = await start_poll(bot, sctx, "poll “Do you feel heard?” “Yes” “Not yet” anonymous")
    assert "Anonymous poll: votes are not linked to anyone" in texts(post)
    assert labels(post) == ["Yes", "Not yet", "Results", "Close poll"]

    await vote(bot, post, "Not yet", "UANON1")
    await vote(bot, post, "Yes", "UANON2")
    await vote(bot, post, "Yes", "UANON1")
    updates = await bot.fake.wait_for("chat.update", count=3)
    assert shown_counts(updates[-1].params) == {"Yes": 2, "Not yet": 0}


async def test_the_creator_closes_and_others_cannot(bot: Harness, sctx: Context) -> None:
    post = await start_poll(bot, sctx, 'poll "Which day suits?" "Tuesday" "Thursday"')
    await vote(bot, post, "Tuesday", "UVOTER1")
    await bot.fake.wait_for("chat.update", count=1)
    close = button(post, "Close poll")

    refused = await bot.click(
        action_id=close["action_id"], value=close["value"], team=TEAM, user="UMEMBER"
    )
    assert "Only the person who started this poll, or a facilitator" in refused["text"]
    assert len(bot.fake.calls_to("chat.update")) == 1

    closed = await bot.click(
        action_id=close["action_id"], value=close["value"], team=TEAM, user=CREATOR
    )
    assert "Poll closed with 1 vote" in closed["text"]
    updates = await bot.fake.wait_for("chat.update", count=2)
    final = updates[-1].params
    assert "Closed: Which day suits?" in texts(final)
    assert vote_labels(final) == []
    assert shown_counts(final) == {"Tuesday": 1, "Thursday": 0}

    late = await vote(bot, post, "Thursday", "UVOTER2")  # an old copy of the message
    assert "has closed, so it takes no more votes" in late["text"]
    assert len(bot.fake.calls_to("chat.update")) == 2


async def test_the_export_arrives_as_a_file_by_direct_message(bot: Harness, sctx: Context) -> None:
    post = await start_poll(bot, sctx, 'poll "Which day suits?" "Tuesday" "Thursday"')
    await vote(bot, post, "Thursday", "UVOTER1")
    await bot.fake.wait_for("chat.update", count=1)
    export = button(post, "Export CSV")

    refused = await bot.click(
        action_id=export["action_id"], value=export["value"], team=TEAM, user="UVOTER1"
    )
    assert "Only the person who started this poll can export" in refused["text"]

    answer = await bot.click(
        action_id=export["action_id"], value=export["value"], team=TEAM, user=CREATOR
    )
    assert answer["text"] == "Sent to our direct messages."
    await bot.fake.wait_for("files.completeUploadExternal")
    [sent] = [f for f in bot.fake.files if f.filename.endswith(".csv")]
    assert sent.channel_id == bot.fake.dm_channel_id(CREATOR)
    rows = list(csv.reader(io.StringIO(sent.content.decode("utf-8-sig"))))
    assert rows == [["user", "choice"], ["UVOTER1", "Thursday"]]
    assert any("Votes for “Which day suits?”" in t for t in dms_to(bot, CREATOR))

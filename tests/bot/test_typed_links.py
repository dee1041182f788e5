"""Text a person typed reaches a channel as those characters: never a link that shows
one address and opens another. Through signed Slack requests and the fake Web API,
and through Teams Activity JSON and the fake connector."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from handlers import Context
from handlers.outbox.planner import plan
from tests.bot.slack_harness import Harness, running_bot
from tests.bot.teams_harness import TeamsHarness, running_teams
from tests.bot.test_render import DISGUISED, _card_links, _card_visible, _slack_visible
from tests.bot.test_slack_polls import start_poll, vote

TEAM = "TPOLLS"
TENANT = "0f0e0d0c-0b0a-4909-8807-060504030201"
FORUM = "19:forum-channel@thread.tacv2"
MEMBER = "7a7a7a7a-0000-4000-8000-00000000aaaa"
POLL = f'poll "Where do you sign in?" "{DISGUISED}" "Nowhere"'


def _mrkdwn(params: dict[str, Any]) -> list[str]:
    """Every mrkdwn string of a Slack message: its text and its blocks' text objects."""
    found = [str(params.get("text", ""))]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn":
                found.append(str(node["text"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    blocks = params.get("blocks", [])
    walk(json.loads(blocks) if isinstance(blocks, str) else blocks)
    return found


def _slack_links(texts: list[str]) -> list[tuple[str, str]]:
    """(shown, target) of every link Slack would draw from these mrkdwn strings."""
    return [(m[1] or m[0], m[0]) for t in texts for m in re.findall(r"<(http[^|>]*)\|?([^>]*)>", t)]


@pytest.fixture
async def slack(sctx: Context) -> AsyncIterator[Harness]:
    async with running_bot(ctx=sctx) as harness:
        yield harness


@pytest.fixture
async def teams(sctx: Context) -> AsyncIterator[TeamsHarness]:
    async with running_teams(ctx=sctx) as harness:
        yield harness


async def test_a_disguised_link_in_a_slack_poll_is_shown_as_typed(
    slack: Harness, sctx: Context
) -> None:
    post = await start_poll(slack, sctx, POLL)
    shown = _mrkdwn(post)
    assert _slack_links(shown) == []
    assert any(DISGUISED in _slack_visible(t) for t in shown), shown

    answer = await vote(slack, post, DISGUISED, "UVOTER1")
    [update] = await slack.fake.wait_for("chat.update", count=1)
    for params in (answer, update.params):
        assert _slack_links(_mrkdwn(params)) == []
    assert DISGUISED in _slack_visible(answer["text"])


async def test_a_disguised_link_in_a_teams_poll_is_shown_as_typed(
    teams: TeamsHarness, sctx: Context
) -> None:
    await teams.say(POLL, tenant=TENANT, user=MEMBER, channel=FORUM)
    await plan(ctx=sctx, until=sctx.clock(), grace=timedelta(hours=6))
    await teams.runtime.sender.drain()
    [posted] = [s for s in teams.fake.to(FORUM) if not s.update and s.cards]
    [card] = posted.cards
    assert _card_links(card) == []
    shown = [_card_visible(i["text"]) for i in card["body"] if i.get("type") == "TextBlock"]
    assert any(DISGUISED in text for text in shown), shown

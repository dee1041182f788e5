"""Text a person typed reaches a channel as those characters: never a link that shows
one address and opens another. Through signed Slack requests and the fake Web API,
and through Teams Activity JSON and the fake connector."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.render.adaptive import render_card
from bot.render.console import render_console
from bot.render.slack import render_message
from handlers import Context, Reply
from handlers.lunch.posts import announcement, attendance_question
from handlers.outbox.planner import plan
from handlers.reflections.commands import _shared_post
from handlers.reflections.records import ReflectionRecord
from handlers.reflections.templates import TEMPLATES
from handlers.scheduling.outbox import _agree, _purpose
from storage.lunch import LunchSession
from tests.bot.slack_harness import Harness, running_bot, submit_view
from tests.bot.teams_harness import TeamsHarness, running_teams
from tests.bot.test_render import DISGUISED, _card_links, _card_visible, _slack_visible
from tests.bot.test_slack_facilitation import open_by_click
from tests.bot.test_slack_polls import CHANNEL, CREATOR, start_poll, vote
from tests.bot.test_slack_schedules import TEAM as SCHED_TEAM
from tests.bot.test_slack_schedules import button, set_up_forums, tick
from tests.clock import FakeClock

TEAM = "TPOLLS"
TENANT = "0f0e0d0c-0b0a-4909-8807-060504030201"
FORUM = "19:forum-channel@thread.tacv2"
MEMBER = "7a7a7a7a-0000-4000-8000-00000000aaaa"
HOST = "UHOST"  # set_up_forums works as this facilitator
FORUM_C = "C0FORUM"
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
        # Votes are for the poll channel's members.
        harness.fake.set_channel_members(CHANNEL, [CREATOR, "UVOTER1"])
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


async def test_a_check_in_view_and_ground_rules_reach_the_forum_as_typed(
    slack: Harness, sctx: Context, clock: FakeClock
) -> None:
    slack.fake.set_user(HOST, is_admin=True)
    rules = f"Be kind. {DISGUISED}"
    await set_up_forums(slack, rules_by_channel={FORUM_C: rules})
    clock.now = datetime(2026, 11, 3, 12, 31, tzinfo=UTC)  # first Tuesday, 12:30
    await tick(sctx, slack)
    [prompt] = [
        c.params
        for c in slack.fake.calls_to("chat.postMessage", successful=True)
        if c.params["channel"] == FORUM_C and "this month's discussion" in c.params["text"]
    ]
    assert _slack_links(_mrkdwn(prompt)) == []
    assert any(rules in _slack_visible(t) for t in _mrkdwn(prompt))

    slack.fake.set_channel_members(FORUM_C, [HOST, "UQUIET"])
    await slack.command(text="check-in", team=SCHED_TEAM, user=HOST)
    await tick(sctx, slack)
    [invitation] = [
        c.params
        for c in slack.fake.calls_to("chat.postMessage", successful=True)
        if c.params["channel"] == "UQUIET"
    ]
    form = await open_by_click(slack, button(invitation, "Share my view"), user="UQUIET")
    view = f"See {DISGUISED} <!channel> *now*"
    await submit_view(slack, view=form, answers={"view": view}, team=SCHED_TEAM, user="UQUIET")
    [shared] = await slack.fake.wait_for_matching(
        lambda c: c.method == "chat.postMessage" and "shared their view" in c.params.get("text", "")
    )
    assert _slack_links(_mrkdwn(shared.params)) == []
    assert "<!channel>" not in json.dumps(shared.params)
    assert any(view in _slack_visible(t) for t in _mrkdwn(shared.params))


def _shown_everywhere(reply: Reply, typed_text: str) -> None:
    """On Slack, in a Teams card and in the console: the typed characters, and no link."""
    message = render_message(reply)
    assert _slack_links(_mrkdwn(message)) == []
    assert any(typed_text in _slack_visible(t) for t in _mrkdwn(message))
    card = render_card(reply)
    assert _card_links(card) == []
    texts = [_card_visible(i["text"]) for i in card["body"] if i.get("type") == "TextBlock"]
    assert any(typed_text in t for t in texts), texts
    shown, _buttons = render_console(reply)
    assert typed_text in shown


def test_a_shared_reflection_is_shown_as_typed() -> None:
    now = datetime(2026, 11, 3, tzinfo=UTC)
    answers = {p.id: DISGUISED for p in TEMPLATES["what"].prompts}
    record = ReflectionRecord(
        id=1, created_at=now, updated_at=now, template_id="what", title=DISGUISED, answers=answers
    )
    _shown_everywhere(_shared_post(record=record), DISGUISED)


def test_agreements_and_a_meeting_name_are_shown_as_typed() -> None:
    when = datetime(2026, 11, 3, 12, 30, tzinfo=UTC)
    _shown_everywhere(_purpose(name=DISGUISED, when=when, agreed=[DISGUISED]), DISGUISED)
    _shown_everywhere(_agree(name=DISGUISED, schedule_id=1, when=when), DISGUISED)


def test_a_lunch_session_is_shown_as_typed() -> None:
    lunch = LunchSession(
        id=1,
        workspace_id=1,
        channel="C0LUNCH",
        title=DISGUISED,
        topic=DISGUISED,
        starts_at=datetime(2026, 11, 10, 12, 30, tzinfo=UTC),
        timezone="Europe/London",
        duration_minutes=45,
        location=DISGUISED,
        host=DISGUISED,
        capacity=None,
        cancelled=False,
    )
    _shown_everywhere(announcement(lunch=lunch, answers=[]), DISGUISED)
    _shown_everywhere(attendance_question(lunch), DISGUISED)

"""Universal Actions in Teams: buttons are Action.Execute (with Action.Submit for older
clients), answered by `adaptiveCard/action` invokes with the card the person should now
see; a poll's shared post refreshes into each reader's own view (their vote; Close and
Export only for its creator, Close for facilitators), as Slack shows them to one person."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from handlers import Context
from tests.bot.teams_harness import FACILITATOR, TeamsHarness, actions, running_teams
from tests.fakes.teams_connector import CARD, Sent

CHANNEL = "19:polls@thread.tacv2"
TEAM = "19:team@thread.tacv2"  # the team the harness's channel activities name
CREATOR, MEMBER = str(uuid.uuid4()), str(uuid.uuid4())


@pytest.fixture
async def bot(ctx: Context) -> AsyncIterator[TeamsHarness]:
    async with running_teams(ctx=ctx) as harness:
        harness.fake.set_roster(TEAM, [CREATOR, MEMBER, FACILITATOR])
        yield harness


def titles(card: dict[str, Any]) -> list[str]:
    return [a["title"] for a in actions(card)]


def seen(card: dict[str, Any]) -> str:
    return json.dumps(card["body"], ensure_ascii=False)


async def posted_poll(bot: TeamsHarness, tenant: str) -> Sent:
    for user in (MEMBER, FACILITATOR):  # each has met the bot, so Teams knows their id
        await bot.say("privacy", tenant=tenant, user=user)
    await bot.say(
        'poll "Where shall we meet?" "Café" "Canteen"', tenant=tenant, user=CREATOR, channel=CHANNEL
    )
    await bot.runtime.sender.drain()
    [post] = [s for s in bot.fake.to(CHANNEL) if s.cards]
    return post


async def test_the_shared_post_refreshes_into_each_readers_own_view(bot: TeamsHarness) -> None:
    tenant = str(uuid.uuid4())
    post = await posted_poll(bot, tenant)
    [shared] = post.cards
    # Everyone sees the same post: votes and results, no one's controls.
    assert titles(shared) == ["Café", "Canteen", "Results"]
    vote = actions(shared)[0]
    assert vote["type"] == "Action.Execute" and vote["fallback"]["type"] == "Action.Submit"
    assert shared["refresh"]["action"]["verb"] == "refresh"
    assert shared["refresh"]["userIds"] == [f"29:{CREATOR}"]

    mine = await bot.execute(post, title=None, tenant=tenant, user=CREATOR, channel=CHANNEL)
    assert mine["type"] == CARD
    assert titles(mine["value"]) == ["Café", "Canteen", "Results", "Close poll", "Export CSV"]
    theirs = await bot.execute(post, title=None, tenant=tenant, user=FACILITATOR, channel=CHANNEL)
    assert titles(theirs["value"]) == ["Café", "Canteen", "Results", "Close poll"]
    member = await bot.execute(post, title=None, tenant=tenant, user=MEMBER, channel=CHANNEL)
    assert titles(member["value"]) == ["Café", "Canteen", "Results"]


async def test_a_vote_answers_with_the_voters_view_and_updates_the_post(
    bot: TeamsHarness,
) -> None:
    tenant = str(uuid.uuid4())
    post = await posted_poll(bot, tenant)
    before = len(bot.fake.sent)
    answer = await bot.execute(post, title="Café", tenant=tenant, user=MEMBER, channel=CHANNEL)
    assert answer["type"] == CARD
    assert "You voted for “Café”" in seen(answer["value"])
    assert "Close poll" not in titles(answer["value"])
    # The shared post is redrawn for everyone, and the voter now sees their own view.
    [update] = bot.fake.sent[before:]
    assert update.update and update.id == post.id
    [shared] = update.cards
    assert "1 vote · 100%" in seen(shared) and "You voted" not in seen(shared)
    # Voters are not listed: every client receives the card, and it would say who voted.
    assert shared["refresh"]["userIds"] == [f"29:{CREATOR}"]
    # A client without Universal Actions sends the fallback, and it still counts.
    fallback = actions(shared)[1]["fallback"]["data"]
    await bot.post(bot.activity(tenant=tenant, user=MEMBER, channel=CHANNEL, value=fallback))
    again = await bot.execute(post, title=None, tenant=tenant, user=MEMBER, channel=CHANNEL)
    assert "You voted for “Canteen”" in seen(again["value"])


async def test_only_the_creator_can_close_and_the_answer_is_the_final_view(
    bot: TeamsHarness,
) -> None:
    tenant = str(uuid.uuid4())
    post = await posted_poll(bot, tenant)
    mine = await bot.execute(post, title=None, tenant=tenant, user=CREATOR, channel=CHANNEL)
    closed = await bot.execute(
        mine["value"], title="Close poll", tenant=tenant, user=CREATOR, channel=CHANNEL
    )
    assert closed["type"] == CARD and "Closed: final results" in seen(closed["value"])
    assert "Café" not in titles(closed["value"])  # no more votes


async def test_a_form_answers_in_place_with_its_errors_then_its_result(
    bot: TeamsHarness,
) -> None:
    tenant, user = str(uuid.uuid4()), str(uuid.uuid4())
    [form] = await bot.say("reflect what", tenant=tenant, user=user)
    [submit] = [a for a in actions(form.cards[0]) if a["type"] == "Action.Execute"]
    refused = await bot.execute(form, title=submit["title"], tenant=tenant, user=user)
    assert refused["type"] == CARD
    assert any(i.get("color") == "Attention" for i in refused["value"]["body"])
    filled = {
        item["id"]: "A thought about the meeting"
        for item in refused["value"]["body"]
        if item["type"] == "Input.Text" and item.get("isRequired")
    }
    saved = await bot.execute(
        refused["value"], title=submit["title"], tenant=tenant, user=user, inputs=filled
    )
    assert saved["type"] == CARD
    assert not any(i["type"].startswith("Input.") for i in saved["value"]["body"])
    assert "saved" in seen(saved["value"]).lower()


async def test_an_action_the_bot_does_not_know_is_answered_not_refused(
    bot: TeamsHarness,
) -> None:
    tenant, user = str(uuid.uuid4()), str(uuid.uuid4())
    stale = {
        "type": "AdaptiveCard",
        "version": "1.5",
        "body": [],
        "actions": [{"type": "Action.Execute", "title": "Old", "verb": "old", "data": {"x": 1}}],
    }
    answer = await bot.execute(stale, title="Old", tenant=tenant, user=user)
    assert answer["type"] == "application/vnd.microsoft.activity.message"
    assert "out of date" in answer["value"]


async def test_a_card_action_is_answered_even_when_its_reply_cannot_be_sent(
    bot: TeamsHarness,
) -> None:
    tenant, user = str(uuid.uuid4()), str(uuid.uuid4())
    [helped] = await bot.say("tpi", tenant=tenant, user=user)  # "Did you mean tip?"
    bot.fake.token = "rotated"  # the connector now refuses the bot's token
    answer = await bot.execute(helped, title="Run tip", tenant=tenant, user=user)
    assert answer["type"] == "application/vnd.microsoft.activity.message"
    assert "went wrong" in answer["value"]

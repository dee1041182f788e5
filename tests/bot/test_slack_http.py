"""Slack, end to end: signed HTTP into the real app, answers checked on the fake Web API."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from handlers import Actor, Context
from tests.bot.slack_harness import Harness, running_bot


@pytest.fixture
async def bot(ctx: Context) -> AsyncIterator[Harness]:
    async with running_bot(ctx=ctx) as harness:
        yield harness


def _texts(answer: dict[str, Any]) -> str:
    """Everything a person would read in a Block Kit message."""
    parts = [answer.get("text", "")]
    for block in answer.get("blocks", []):
        if block["type"] in ("section", "header"):
            parts.append(block["text"]["text"])
        elif block["type"] == "context":
            parts.extend(e.get("text", "") for e in block["elements"])
    return "\n".join(parts)


async def test_five_signed_tip_commands_give_five_different_tips(
    bot: Harness, actor: Actor, ctx: Context
) -> None:
    headers = []
    for _ in range(5):
        answer = await bot.command(text="tip", team=actor.workspace, user=actor.user)
        assert answer["response_type"] == "ephemeral"
        headers.append(next(b for b in answer["blocks"] if b["type"] == "header")["text"]["text"])
    assert len(set(headers)) == 5
    assert {h.removeprefix("Top tip: ") for h in headers} == {t.title for t in ctx.pack.tips}


async def test_resources_principles_and_help_answer(
    bot: Harness, actor: Actor, ctx: Context
) -> None:
    resources = _texts(await bot.command(text="resources", team=actor.workspace, user=actor.user))
    assert ctx.pack.resources[0].name in resources
    principles = _texts(await bot.command(text="principles", team=actor.workspace, user=actor.user))
    assert all(p.title in principles for p in ctx.pack.principles)
    helped = _texts(await bot.command(text="help", team=actor.workspace, user=actor.user))
    assert "tip [topic]" in helped


async def test_junk_gets_help_with_did_you_mean(bot: Harness, actor: Actor) -> None:
    answer = await bot.command(text="resorces", team=actor.workspace, user=actor.user)
    assert "Did you mean `resources`?" in _texts(answer)
    assert "tip [topic]" in _texts(answer)


async def test_a_not_found_is_a_kind_ephemeral_message(bot: Harness, actor: Actor) -> None:
    answer = await bot.command(text="case zzzz", team=actor.workspace, user=actor.user)
    assert answer["response_type"] == "ephemeral"
    assert "No case study matches" in _texts(answer)


async def test_another_tip_button_by_click(bot: Harness, actor: Actor) -> None:
    first = await bot.command(text="tip", team=actor.workspace, user=actor.user)
    [button] = next(b for b in first["blocks"] if b["type"] == "actions")["elements"]
    second = await bot.click(action_id=button["action_id"], team=actor.workspace, user=actor.user)
    assert second["replace_original"] is False
    assert _texts(second).startswith("Top tip: ")
    assert _texts(second).split("\n")[0] != _texts(first).split("\n")[0]


@pytest.mark.parametrize(
    ("case", "kwargs"),
    [
        ("unsigned", {"secret": None}),
        ("forged", {"secret": "not-the-real-secret"}),
        ("stale", {"timestamp": int(time.time()) - 6 * 60}),
        ("garbled", {"signature": "v0=deadbeef"}),
    ],
)
async def test_unsigned_forged_and_stale_requests_get_401(
    bot: Harness, actor: Actor, case: str, kwargs: dict[str, Any]
) -> None:
    body = bot.command_body(text="tip", team=actor.workspace, user=actor.user, key="never")
    sent = await bot.post(body, content_type="application/x-www-form-urlencoded", **kwargs)
    assert sent.status == 401, case
    assert bot.fake.responses_to("never") == []


async def test_a_mention_is_answered_in_its_thread(bot: Harness, actor: Actor) -> None:
    event = {
        "type": "app_mention",
        "user": actor.user,
        "text": f"<@{bot.fake.bot_user_id}> principles",
        "ts": "1700000001.000100",
        "channel": "C0FORUM",
        "event_ts": "1700000001.000100",
    }
    sent = await bot.event(event=event, team=actor.workspace, event_id="EvMention1")
    assert sent.status == 200
    [call] = await bot.fake.wait_for("chat.postMessage")
    assert call.params["thread_ts"] == "1700000001.000100"
    assert call.params["channel"] == "C0FORUM"
    assert "CCPL principles" in call.params["text"]


async def test_slack_retries_of_an_event_are_answered_once(bot: Harness, actor: Actor) -> None:
    def dm(text: str, ts: str) -> dict[str, Any]:
        return {
            "type": "message",
            "channel_type": "im",
            "user": actor.user,
            "text": text,
            "ts": ts,
            "channel": "D0LEADER",
            "event_ts": ts,
        }

    first = await bot.event(event=dm("lessons", "1.1"), team=actor.workspace, event_id="EvA")
    await bot.fake.wait_for("chat.postMessage", count=1)
    retried = await bot.event(
        event=dm("lessons", "1.1"), team=actor.workspace, event_id="EvA", retry=1
    )
    later = await bot.event(event=dm("help", "1.2"), team=actor.workspace, event_id="EvB")
    calls = await bot.fake.wait_for("chat.postMessage", count=2)
    assert [first.status, retried.status, later.status] == [200, 200, 200]
    assert len(calls) == 2
    assert calls[0].params["text"] == "Lessons learned"
    assert calls[1].params["text"] == "Here is what I can do."


async def test_healthz_reports_the_database(bot: Harness) -> None:
    async with bot.http.get(f"{bot.root}/healthz") as resp:
        assert resp.status == 200
        assert (await resp.json())["status"] == "ok"

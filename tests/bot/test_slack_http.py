"""Slack, end to end: signed HTTP into the real app, answers checked on the fake Web API."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.slack.app import is_slow
from handlers import Actor, Context, Reply
from handlers.core.registry import REGISTRY, Registry, command
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


async def _first_of_two_answers(bot: Harness, *, text: str, actor: Actor) -> dict[str, Any]:
    """A slow command answers twice (at once, then with its files); both are awaited so
    nothing is still running when the test ends."""
    key = uuid.uuid4().hex
    body = bot.command_body(text=text, team=actor.workspace, user=actor.user, key=key)
    sent = await bot.post(body, content_type="application/x-www-form-urlencoded")
    assert sent.status == 200
    answers = await bot.fake.wait_for_response(count=2, key=key)
    return answers[0]


async def test_every_slow_command_says_preparing_first_and_tip_does_not(
    bot: Harness, actor: Actor
) -> None:
    slow = [spec for spec in REGISTRY.commands() if spec.slow]
    assert slow, "export and my-data are declared slow"
    for spec in slow:
        for word in (spec.name, *spec.aliases):
            first = await _first_of_two_answers(bot, text=word, actor=actor)
            assert first["text"] == "Preparing your files…", word
    tip = await bot.command(text="tip", team=actor.workspace, user=actor.user)
    assert "Preparing" not in _texts(tip)
    tip_spec = REGISTRY.command("tip")
    assert tip_spec is not None and not tip_spec.slow


def test_a_new_command_declared_slow_is_slow_without_touching_the_slack_edge() -> None:
    registry = Registry()

    @command(name="report", usage="report", summary="a long report", slow=True, registry=registry)
    @command(name="quick", usage="quick", summary="a short answer", registry=registry)
    async def handler(*, ctx: Context, actor: Actor, args: tuple[str, ...]) -> Reply:
        return Reply(text="done")

    assert is_slow(text="report this month", registry=registry)
    assert is_slow(text="/ccpl REPORT", registry=registry)
    assert not is_slow(text="quick", registry=registry)
    assert not is_slow(text="", registry=registry)
    assert not is_slow(text="unknown words", registry=registry)


# What a view_submission's parts may be, well formed or not: Slack signs the request,
# but the bot must not fall over on a payload it did not expect.
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
_STATE = st.fixed_dictionaries(
    {
        "type": st.sampled_from(
            [
                "plain_text_input",
                "number_input",
                "static_select",
                "multi_static_select",
                "checkboxes",
                "conversations_select",
                "datepicker",
                "timepicker",
                "radio_buttons",
            ]
        )
        | _JSON
    },
    optional={
        "value": _JSON,
        "selected_option": _JSON,
        "selected_options": _JSON,
        "selected_conversation": _JSON,
        "selected_date": _JSON,
        "selected_time": _JSON,
    },
)
_BLOCK = st.fixed_dictionaries(
    {"type": st.just("input") | _JSON}, optional={"block_id": st.text(max_size=10) | _JSON}
)
_VIEW = st.fixed_dictionaries(
    {
        "type": st.just("modal"),
        "callback_id": st.sampled_from(sorted(REGISTRY.action_ids())) | st.text(max_size=12),
    },
    optional={
        "private_metadata": st.text(max_size=20) | _JSON,
        "blocks": st.lists(_BLOCK | _JSON, max_size=4) | _JSON,
        "state": st.fixed_dictionaries(
            {
                "values": st.dictionaries(
                    st.text(max_size=10),
                    st.dictionaries(st.text(max_size=6), _STATE | _JSON, max_size=2),
                    max_size=4,
                )
                | _JSON
            }
        )
        | _JSON,
    },
)
# At most one top-level part is replaced by junk, so most submissions reach the forms.
_BROKEN = st.sampled_from([None, None, None, "team", "user", "view"])


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(view=_VIEW, broken=_BROKEN, junk=_JSON)
async def test_malformed_form_submissions_never_get_a_server_error(
    bot: Harness, view: dict[str, Any], broken: str | None, junk: Any
) -> None:
    payload = {
        "type": "view_submission",
        "team": {"id": "TFUZZ", "domain": "ccpl"},
        "user": {"id": "UFUZZ", "team_id": "TFUZZ", "username": "leader"},
        "api_app_id": bot.fake.app_id,
        "token": "legacy-unused",
        "trigger_id": "13345224609.738474920.8088930838d88f008e0",
        "view": view,
    }
    if broken is not None:
        payload[broken] = junk
    sent = await bot.post(
        urlencode({"payload": json.dumps(payload)}),
        content_type="application/x-www-form-urlencoded",
    )
    assert sent.status < 500, sent

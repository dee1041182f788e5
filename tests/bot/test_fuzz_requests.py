"""Signed requests full of bad input, through the real aiohttp app and Bolt runtime.

Every registered command word, action id and form is sent odd values: huge and
superscript numbers, NUL bytes, overlong text, values of the wrong JSON type.
No answer may be a server error and nothing may be logged as an error or with a
traceback. Afterwards ordinary commands and /healthz still work: nothing is wedged
(on SQLite the one connection was released every time).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from handlers import Actor, Context
from handlers.core.registry import REGISTRY
from tests.bot.slack_harness import Harness, fill_view, running_bot, trigger_id

FORM = "application/x-www-form-urlencoded"
TEAM = "TFUZZ" + uuid.uuid4().hex[:6].upper()
PEOPLE = ("UFACILITATOR", "UFUZZMEMBER")
BATCH = 12  # requests sent at once per example: concurrency is part of the point
EXAMPLES = 85  # 85 x 12 = 1,020 requests per test, three tests

ODD_WORDS = st.sampled_from(
    [
        "99999999999999999999",
        "-1",
        "0",
        "²",
        "٣",
        "1e9",
        "\x00",
        "a\x00b",
        "x" * 20_000,
        "Europe/" + "x" * 20_000,
        "#C0FORUM",
        "<#C0FORUM|forum>",
        "<@U123>",
        '"unclosed',
        "“curly”",
        "1|2026-13-45T99:99",
        "1|" + "9" * 40,
        "🙂",
        "\u202e",
        "%s%n",
        "",
    ]
)
WORDS = ODD_WORDS | st.text(max_size=24)
TEXT = st.lists(WORDS, max_size=4).map(" ".join)
COMMAND_WORDS = sorted(REGISTRY.words())
ACTION_IDS = sorted(REGISTRY.action_ids())
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | WORDS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
async def bot(sctx: Context, caplog: pytest.LogCaptureFixture) -> AsyncIterator[Harness]:
    """The bot, checked after the whole burst: nothing logged as an error, nothing wedged.

    On a database of its own: the burst leaves thousands of odd rows behind.
    """
    caplog.set_level(logging.WARNING)
    async with running_bot(ctx=sctx) as harness:
        yield harness
        await _still_works(harness, caplog)


def _errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        f"{r.name}: {r.getMessage()[:200]}"
        # The fixture checks after the test: the burst's records are the call phase's.
        for r in [*caplog.get_records("call"), *caplog.records]
        if r.exc_info is not None or r.levelno >= logging.ERROR
    ]


async def _settle(*, within: float = 30.0) -> None:
    """Wait for the work Bolt runs after each ack, so its failures are in the log."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        running = [
            t
            for t in asyncio.all_tasks()
            if "run_ack_function_asynchronously" in repr(t.get_coro()) and not t.done()
        ]
        if not running:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("requests were still running after 30 s")


async def _still_works(bot: Harness, caplog: pytest.LogCaptureFixture) -> None:
    await _settle()
    assert _errors(caplog) == []
    async with asyncio.timeout(5):
        async with bot.http.get(f"{bot.root}/healthz") as resp:
            assert resp.status == 200
        actor = Actor(platform="slack", workspace=TEAM, user="UAFTER" + uuid.uuid4().hex[:6])
        answer = await bot.command(text="tip", team=actor.workspace, user=actor.user)
        assert answer["text"].startswith("Top tip")


async def _send(bot: Harness, bodies: list[str]) -> None:
    sent = await asyncio.gather(*(bot.post(b, content_type=FORM) for b in bodies))
    assert all(s.status < 500 for s in sent), [s.status for s in sent]


@FUZZ
@given(
    batch=st.lists(
        st.tuples(st.sampled_from(COMMAND_WORDS), TEXT, st.sampled_from(PEOPLE)),
        min_size=BATCH,
        max_size=BATCH,
    )
)
# The holes found on main, always tried first.
@example(
    batch=[
        ("reflections", "99999999999999999999", PEOPLE[1]),
        ("reflections", "²", PEOPLE[1]),
        ("lunch", "cancel ²", PEOPLE[0]),
        ("forum", "remove ²", PEOPLE[0]),
        ("quiet", "#C0FORUM ²", PEOPLE[0]),
        ("room", "99999999999999999999", PEOPLE[0]),
        ("principles", "²", PEOPLE[1]),
        ("tip", "\x00", PEOPLE[1]),
    ]
)
async def test_every_command_with_odd_words_is_answered_without_a_server_error(
    bot: Harness, batch: list[tuple[str, str, str]]
) -> None:
    bodies = [
        bot.command_body(text=f"{word} {rest}", team=TEAM, user=user, key=uuid.uuid4().hex)
        for word, rest, user in batch
    ]
    await _send(bot, bodies)


def _press(*, action_id: str, value: Any, user: str, bot: Harness) -> str:
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM, "domain": "ccpl"},
        "user": {"id": user, "team_id": TEAM},
        "api_app_id": bot.fake.app_id,
        "trigger_id": trigger_id(),
        "response_url": bot.fake.response_url(uuid.uuid4().hex),
        "channel": {"id": "C0FORUM", "name": "forum"},
        "container": {"type": "message", "message_ts": "1.2", "channel_id": "C0FORUM"},
        "actions": [{"type": "button", "action_id": action_id, "block_id": "b1", "value": value}],
    }
    return urlencode({"payload": json.dumps(payload)})


@FUZZ
@given(
    batch=st.lists(
        st.tuples(
            st.sampled_from(ACTION_IDS) | st.text(min_size=1, max_size=12),
            WORDS | JSON,
            st.sampled_from(PEOPLE),
        ),
        min_size=BATCH,
        max_size=BATCH,
    )
)
async def test_every_button_with_odd_values_is_answered_without_a_server_error(
    bot: Harness, batch: list[tuple[str, Any, str]]
) -> None:
    bodies = [
        _press(action_id=action_id, value=value, user=user, bot=bot)
        for action_id, value, user in batch
    ]
    await _send(bot, bodies)


# Commands that open a form, and who may open it.
FORM_COMMANDS = (
    ("reflect", PEOPLE[1]),
    ("reflect nmc", PEOPLE[1]),
    ("reflect gibbs", PEOPLE[1]),
    ("lunch add", PEOPLE[0]),
    ("forum setup", PEOPLE[0]),
    ("profile", PEOPLE[1]),
    ("poll", PEOPLE[0]),
)


@pytest.fixture
async def forms(bot: Harness) -> list[dict[str, Any]]:
    """Every form the commands open, as Slack received it."""
    for text, user in FORM_COMMANDS:
        body = bot.command_body(text=text, team=TEAM, user=user, key=uuid.uuid4().hex)
        await bot.post(body, content_type=FORM)
    await _settle()
    views = [c.params["view"] for c in bot.fake.calls_to("views.open")]
    assert len(views) >= 4, [v.get("callback_id") for v in views]
    return views


def _state(kind: str, junk: Any) -> dict[str, Any]:
    """A field's state with a value of any type under each key Slack might use."""
    return {
        "type": kind,
        "value": junk,
        "selected_option": junk,
        "selected_options": junk,
        "selected_date": junk,
        "selected_time": junk,
        "selected_conversation": junk,
    }


@FUZZ
@given(data=st.data())
async def test_every_form_with_wrongly_typed_values_gets_field_errors_not_a_server_error(
    bot: Harness, forms: list[dict[str, Any]], data: st.DataObject
) -> None:
    bodies = []
    for _ in range(BATCH):
        view = fill_view(data.draw(st.sampled_from(forms)), {})
        for block_id, by_action in view["state"]["values"].items():
            if data.draw(st.booleans()):
                [(action_id, state)] = by_action.items()
                junk = data.draw(WORDS | JSON)
                view["state"]["values"][block_id] = {action_id: _state(state["type"], junk)}
        if data.draw(st.integers(0, 4)) == 0:
            view["private_metadata"] = data.draw(WORDS)
        payload = {
            "type": "view_submission",
            "team": {"id": TEAM, "domain": "ccpl"},
            "user": {"id": data.draw(st.sampled_from(PEOPLE)), "team_id": TEAM},
            "api_app_id": bot.fake.app_id,
            "trigger_id": trigger_id(),
            "view": view,
        }
        bodies.append(urlencode({"payload": json.dumps(payload)}))
    await _send(bot, bodies)

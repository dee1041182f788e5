"""Bad input never gets a server error, a traceback or silence, and replays run once."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from handlers import Actor, Context
from tests.bot.slack_harness import Harness, running_bot
from tests.bot.teams_harness import running_teams


@pytest.fixture
async def bot(ctx: Context) -> AsyncIterator[Harness]:
    async with running_bot(ctx=ctx) as harness:
        yield harness


def tracebacks(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Records that carry an exception, or are errors: what a person's input must never cause."""
    return [
        f"{r.name}: {r.getMessage()}"
        for r in caplog.records
        if r.exc_info is not None or r.levelno >= logging.ERROR
    ]


async def test_a_timestamp_that_is_not_a_number_is_refused_with_401(
    bot: Harness, actor: Actor, caplog: pytest.LogCaptureFixture
) -> None:
    body = bot.command_body(text="tip", team=actor.workspace, user=actor.user, key="never")
    sent = await bot.post(
        body,
        content_type="application/x-www-form-urlencoded",
        headers={"X-Slack-Request-Timestamp": "soon"},
        signature="v0=" + "0" * 64,
        secret=None,
    )
    assert sent.status == 401
    assert tracebacks(caplog) == []


@pytest.mark.parametrize(
    "text",
    [
        "reflections 99999999999999999999",
        "reflections ²",
        "reflection ²",
        "reflection 99999999999999999999",
        "reflections \x00",
        "tip \x00",
        "lunch going ²",
        "poll close ²",
        "poll close 99999999999999999999",
        "quiet 25:99-²",
        "forum next ²",
        "export \x00\x00",
    ],
)
async def test_odd_numbers_and_nul_bytes_get_a_clear_answer(
    bot: Harness, actor: Actor, text: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    answer = await bot.command(text=text, team=actor.workspace, user=actor.user)
    assert answer["text"]
    assert tracebacks(caplog) == []


@pytest.mark.parametrize("body", ["array", "no type", "type not a string", "not an object"])
async def test_a_teams_body_that_is_not_an_activity_is_a_400(
    ctx: Context, body: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_teams(ctx=ctx) as teams:
        activity = teams.activity(tenant="tenant-" + uuid.uuid4().hex, user="u1", text="tip")
        sent: Any = {
            "array": [activity],
            "no type": {k: v for k, v in activity.items() if k != "type"},
            "type not a string": {**activity, "type": ["message"]},
            "not an object": "message",
        }[body]
        answer = await teams.post(sent)
    assert answer.status == 400, answer
    assert tracebacks(caplog) == []

"""Bad input never gets a server error, a traceback or silence, and replays run once."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest

from handlers import Actor, Context
from tests.bot.slack_harness import Harness, running_bot


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

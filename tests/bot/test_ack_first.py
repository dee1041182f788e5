"""Ack first, always: a slow channel holds up neither a person's answer nor another
channel's post. Through signed requests to the real runtime, as `serve` builds it."""

from __future__ import annotations

import asyncio
import time

from handlers import Context
from tests.bot.slack_harness import Harness, running_bot, submit_view
from tests.fakes.slack_web_api import Hold

TEAM = "TACK"
HOST = "UHOST"
SLOW = "C0SLOW"


async def _held_drain(bot: Harness) -> Hold:
    """A poll in a channel whose posts Slack leaves unanswered: the sender's drain is
    then stuck on it until released."""
    slow = bot.fake.hold(SLOW)
    async with asyncio.timeout(5):
        answer = await bot.command(
            text='poll "Which day suits?" "Tuesday" "Thursday"', team=TEAM, user=HOST, channel=SLOW
        )
        assert "Posting your" in answer["text"], answer
        await slow.arrived.wait()
    return slow


async def test_a_modal_submit_is_acked_at_once_while_a_drain_is_held(sctx: Context) -> None:
    async with running_bot(ctx=sctx) as bot:
        bot.fake.set_user(HOST, is_admin=True)
        slow = await _held_drain(bot)
        try:
            view = await bot.open_form(text="lunch add", team=TEAM, user=HOST, channel="C0LUNCH")
            answers = {
                "title": "Leading across boundaries",
                "topic": sctx.pack.lunch_topics[0].id,
                "date": "2026-11-10",
                "time": "12:30",
                "duration": "45",
                "location": "Room 2, Trust HQ",
                "host": "Dr Example",
                "capacity": "2",
            }
            started = time.monotonic()
            async with asyncio.timeout(5):
                sent = await submit_view(bot, view=view, answers=answers, team=TEAM, user=HOST)
            acked_in = time.monotonic() - started
            assert sent.status == 200 and sent.body == "", sent.body
            assert acked_in < 1.0, f"acked in {acked_in:.2f}s"
            # What the session sends goes out too, past the stuck channel.
            [first, *_] = await bot.fake.wait_for("chat.postMessage", successful=True)
            assert first.params["channel"] != SLOW
        finally:
            slow.released.set()
        await bot.settle()
        posted = [c.params["channel"] for c in bot.fake.calls_to("chat.postMessage")]
        assert posted.count(SLOW) == 1, posted


async def test_a_slow_channel_does_not_delay_another_channels_post(sctx: Context) -> None:
    async with running_bot(ctx=sctx) as bot:
        bot.fake.set_user(HOST, is_admin=True)
        slow = await _held_drain(bot)
        try:
            async with asyncio.timeout(5):
                answer = await bot.command(
                    text='poll "Lunch or tea?" "Lunch" "Tea"',
                    team=TEAM,
                    user=HOST,
                    channel="C0FAST",
                )
            assert "Posting your" in answer["text"], answer
            [fast] = await bot.fake.wait_for("chat.postMessage", successful=True)
            assert fast.params["channel"] == "C0FAST"
        finally:
            slow.released.set()
        await bot.settle()
        posted = [c.params["channel"] for c in bot.fake.calls_to("chat.postMessage")]
        assert sorted(posted) == ["C0FAST", SLOW]

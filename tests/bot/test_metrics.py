"""/metrics: what an operator watches during a fan-out, and who may read it.

The bot runs whole on loopback (signed Slack requests in, the fake Web API out);
time is a FakeClock. A held channel keeps one post in flight, so the scrape in the
middle of the fan-out catches the outbox part-drained.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from content import ContentPack
from handlers import Actor, Context
from handlers.outbox.planner import plan
from storage import Database
from tests.bot.slack_harness import Harness, running_bot
from tests.bot.test_schedule_engine import facilitator_roles, setup_forum
from tests.clock import FakeClock

CHANNELS = [f"C0FAN{n}" for n in range(6)]
SLOW = CHANNELS[-1]
DUE = datetime(2026, 11, 3, 12, 30, tzinfo=UTC)
DUE_PHRASE = "first Tuesday of the month at 12:30"
NEXT = datetime(2026, 12, 1, 12, 30, tzinfo=UTC)


async def _scrape(bot: Harness, *, token: str | None = None) -> tuple[int, str]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with bot.http.get(f"{bot.root}/metrics", headers=headers) as response:
        return response.status, await response.text()


def _value(text: str, metric: str, labels: dict[str, str] | None = None, **more: str) -> float:
    """One sample's value; 0 when the series has not been created yet."""
    wanted = {**(labels or {}), **more}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == metric and all(sample.labels.get(k) == v for k, v in wanted.items()):
                return sample.value
    return 0.0


async def _gauges(bot: Harness) -> tuple[float, float]:
    status, text = await _scrape(bot)
    assert status == 200
    return _value(text, "ccpl_outbox_depth"), _value(text, "ccpl_outbox_oldest_due_seconds")


async def _depth_falls_to(bot: Harness, floor: float) -> float:
    depth = float("inf")
    async with asyncio.timeout(10):
        while depth > floor:
            depth, _ = await _gauges(bot)
            await asyncio.sleep(0.02)  # real time, for the sender's task; the clock stands still
    return depth


async def test_outbox_depth_rises_with_a_fan_out_and_falls_as_it_is_sent(
    pack: ContentPack, own_database: Database, clock: FakeClock, actor: Actor
) -> None:
    ctx = Context(pack=pack, database=own_database, clock=clock, resolve_roles=facilitator_roles)
    clock.now = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    for channel in CHANNELS:
        await setup_forum(ctx, dataclasses.replace(actor, channel=channel), when=DUE_PHRASE)
    async with running_bot(ctx=ctx) as bot:
        assert await _gauges(bot) == (0, 0)
        before = _value((await _scrape(bot))[1], "ccpl_outbox_posts_total", result="sent")

        clock.now = DUE
        await plan(ctx=ctx, until=clock.now, grace=timedelta(hours=6))
        clock.advance(timedelta(seconds=90))
        assert await _gauges(bot) == (len(CHANNELS), 90)

        held = bot.fake.hold(SLOW)
        assert bot.runtime is not None
        bot.runtime.sender.wake()
        await bot.fake.wait_for("chat.postMessage", count=len(CHANNELS) - 1)
        await held.arrived.wait()
        # Each row is marked just after its post returns: wait for the marks to land.
        depth = await _depth_falls_to(bot, 1)
        assert depth == 1  # the slow channel's post, still in flight

        held.released.set()
        await bot.settle()
        assert await _gauges(bot) == (0, 0)
        _, text = await _scrape(bot)
        sent = _value(text, "ccpl_outbox_posts_total", platform="slack", result="sent")
        assert sent - before == len(CHANNELS)
        assert _value(text, "ccpl_database_up") == 1

        # Next month's round meets a 429 (waited out, then sent) and a channel that is gone.
        bot.fake.fail_next("chat.postMessage", status=429, retry_after=0)
        bot.fake.fail_next("chat.postMessage", status=200, error="channel_not_found")
        clock.now = NEXT
        planned = (await plan(ctx=ctx, until=clock.now, grace=timedelta(hours=6))).planned
        bot.runtime.sender.wake()
        await bot.settle()
        _, after = await _scrape(bot)
        slack = {"platform": "slack"}
        assert (
            _value(after, "ccpl_rate_limited_total", slack)
            - _value(text, "ccpl_rate_limited_total", slack)
            == 1
        )
        assert (
            _value(after, "ccpl_outbox_posts_total", slack, result="failed")
            - _value(text, "ccpl_outbox_posts_total", slack, result="failed")
            == 1
        )
        assert _value(after, "ccpl_outbox_posts_total", slack, result="sent") - sent == (
            planned - 1
        )
        assert _value(after, "ccpl_outbox_depth") == 0


async def test_commands_are_counted_by_their_registry_name_never_by_what_was_typed(
    ctx: Context, team: str
) -> None:
    async with running_bot(ctx=ctx) as bot:
        _, before = await _scrape(bot)
        await bot.command(text="tip", team=team, user="UMETRICS")
        await bot.command(text="zebracrossing-secret", team=team, user="UMETRICS")
        _, after = await _scrape(bot)
    ok = {"kind": "command", "name": "tip", "outcome": "ok"}
    assert _value(after, "ccpl_answers_total", ok) == _value(before, "ccpl_answers_total", ok) + 1
    unknown = {"kind": "command", "name": "unknown"}
    assert _value(after, "ccpl_answers_total", unknown) > _value(
        before, "ccpl_answers_total", unknown
    )
    assert "zebracrossing" not in after
    assert _value(after, "ccpl_answer_seconds_count", kind="command") >= 2


async def test_with_a_token_metrics_answer_only_its_bearer(
    ctx: Context, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="ccpl.requests")
    async with running_bot(ctx=ctx, metrics_token="s3cret-scrape-token") as bot:
        assert (await _scrape(bot))[0] == 401
        assert (await _scrape(bot, token="s3cret-scrape-tokem"))[0] == 401
        async with bot.http.get(
            f"{bot.root}/metrics", headers={"Authorization": "Basic s3cret-scrape-token"}
        ) as response:
            assert response.status == 401
        status, text = await _scrape(bot, token="s3cret-scrape-token")
        assert status == 200 and "ccpl_outbox_depth" in text
        async with bot.http.get(f"{bot.root}/healthz") as response:
            assert response.status == 200  # the load balancer's probe needs no token
    # Prometheus scrapes every few seconds: a refused scrape is news, a good one is not.
    scrapes = [r for r in caplog.records if r.getMessage().startswith("/metrics ")]
    assert [r.getMessage().split()[2] for r in scrapes] == ["refused"] * 3
    assert all("s3cret" not in r.getMessage() for r in caplog.records)

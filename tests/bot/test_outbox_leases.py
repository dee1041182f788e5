"""Recovery within a minute: short leases, renewed while a drain holds rows, and a
drain that never takes its own rows twice. Time is a FakeClock; nothing sleeps on it."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.outbox_sender import OutboxSender
from content import ContentPack
from handlers import Actor, Context
from handlers.outbox.planner import plan
from storage import Database
from tests.bot.test_schedule_engine import facilitator_roles, setup_forum
from tests.clock import FakeClock
from tests.fakes.poster import Crash, RecordingPoster

GRACE = timedelta(hours=6)
SLOW = "CSLOW"


@pytest.fixture
def fctx(pack: ContentPack, own_database: Database, clock: FakeClock) -> Context:
    return Context(pack=pack, database=own_database, clock=clock, resolve_roles=facilitator_roles)


@dataclasses.dataclass
class HoldingPoster(RecordingPoster):
    """Posts to SLOW wait until released, as a slow channel's would."""

    arrived: asyncio.Event = dataclasses.field(default_factory=asyncio.Event)
    released: asyncio.Event = dataclasses.field(default_factory=asyncio.Event)
    later: asyncio.Event = dataclasses.field(default_factory=asyncio.Event)

    async def post(self, *, target: str, **kwargs: Any) -> str | None:
        if target == SLOW:
            self.arrived.set()
            await self.released.wait()
        posted = await super().post(target=target, **kwargs)
        if target == "CLATER":
            self.later.set()
        return posted


async def _forums(ctx: Context, actor: Actor, channels: list[str], when: str) -> None:
    for channel in channels:
        await setup_forum(ctx, dataclasses.replace(actor, channel=channel), when=when)


def _clock(ctx: Context) -> FakeClock:
    clock = ctx.clock
    assert isinstance(clock, FakeClock)
    clock.now = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    return clock


async def test_a_killed_senders_rows_go_out_within_a_minute(fctx: Context, actor: Actor) -> None:
    clock = _clock(fctx)
    channels = [f"C{n}" for n in range(5)]
    await _forums(fctx, actor, channels, "first Tuesday of the month at 12:30")
    clock.now = datetime(2026, 11, 3, 12, 30, tzinfo=UTC)
    await plan(ctx=fctx, until=clock.now, grace=GRACE)
    with pytest.raises(Crash):  # killed holding every row
        await OutboxSender(ctx=fctx, poster=RecordingPoster(crash_after=0)).drain()
    standby = RecordingPoster()
    clock.advance(timedelta(seconds=30))
    await OutboxSender(ctx=fctx, poster=standby).drain()
    assert standby.posts == []  # still the dead sender's, for all anyone knows
    clock.advance(timedelta(seconds=31))
    await OutboxSender(ctx=fctx, poster=standby).drain()
    assert sorted(p.target for p in standby.posts if p.target in channels) == channels


async def test_a_live_drain_renews_its_lease_so_nobody_doubles_it(
    fctx: Context, actor: Actor
) -> None:
    clock = _clock(fctx)
    await _forums(fctx, actor, [SLOW, "CFAST"], "first Tuesday of the month at 12:30")
    clock.now = datetime(2026, 11, 3, 12, 30, tzinfo=UTC)
    await plan(ctx=fctx, until=clock.now, grace=GRACE)
    slow = HoldingPoster()
    holder = OutboxSender(ctx=fctx, poster=slow)
    draining = asyncio.create_task(holder.drain())
    try:
        async with asyncio.timeout(5):
            await slow.arrived.wait()
        for _ in range(10):  # ten minutes stuck on one post, beating all along
            clock.advance(timedelta(seconds=20))
            await holder.renew()
        other = RecordingPoster()
        await OutboxSender(ctx=fctx, poster=other).drain()
        assert other.to(SLOW) == []
    finally:
        slow.released.set()
    async with asyncio.timeout(5):
        await draining
    assert len(slow.to(SLOW)) == 1


async def test_a_drain_never_takes_its_own_rows_twice(fctx: Context, actor: Actor) -> None:
    clock = _clock(fctx)
    await _forums(fctx, actor, [SLOW], "first Tuesday of the month at 12:30")
    await _forums(fctx, actor, ["CLATER"], "first Tuesday of the month at 13:30")
    clock.now = datetime(2026, 11, 3, 12, 30, tzinfo=UTC)
    await plan(ctx=fctx, until=clock.now, grace=GRACE)
    slow = HoldingPoster()
    holder = OutboxSender(ctx=fctx, poster=slow)
    draining = asyncio.create_task(holder.drain())
    try:
        async with asyncio.timeout(5):
            await slow.arrived.wait()
        # The heartbeat stalled (a slow database) long enough for the lease to lapse,
        # and a new row wakes the same drain.
        clock.now = datetime(2026, 11, 3, 13, 30, tzinfo=UTC)
        await plan(ctx=fctx, until=clock.now, grace=GRACE)
        holder.wake()
        async with asyncio.timeout(5):
            await slow.later.wait()
    finally:
        slow.released.set()
    async with asyncio.timeout(5):
        await draining
    assert len(slow.to(SLOW)) == 1

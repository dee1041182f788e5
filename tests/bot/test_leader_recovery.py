"""A leader that loses its lock connection steps down, and a standby takes over at the
next election round. Two processes' worth of connections on one PostgreSQL."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.clock import Clock
from bot.leader import Leadership
from bot.outbox_sender import OutboxSender
from content import ContentPack
from handlers import Actor, Context, Platform
from storage import Database, upgrade
from storage.outbox import SCHEDULER_LOCK
from tests.bot.test_schedule_engine import facilitator_roles, setup_forum
from tests.clock import FakeClock
from tests.fakes.poster import RecordingPoster
from tests.fakes.postgres import drop_database, fresh_database, postgres_url_or_skip


@pytest.fixture
async def postgres() -> AsyncIterator[Database]:
    url = await fresh_database(postgres_url_or_skip())
    database = Database(url=url)
    await upgrade(database=database)
    yield database
    await database.dispose()
    await drop_database(url)


async def _cut_the_leaders_connection(database: Database) -> None:
    """What a PostgreSQL restart or a dropped network does to the lock's connection."""
    engine = create_async_engine(database.url)
    try:
        async with engine.connect() as conn:
            ended = await conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory'"
                    " AND objid::bigint = :key"
                ),
                {"key": SCHEDULER_LOCK},
            )
            assert ended.scalars().all() == [True]
    finally:
        await engine.dispose()


async def test_a_leader_that_lost_its_lock_steps_down(postgres: Database) -> None:
    one, two = Leadership(database=postgres), Leadership(database=postgres)
    try:
        assert await one.try_acquire()
        assert not await two.try_acquire()
        await _cut_the_leaders_connection(postgres)
        assert await two.try_acquire()  # the lock went with the connection
        assert not await one.try_acquire()  # and the old leader knows it
        assert not one.held and two.held
        await _cut_the_leaders_connection(postgres)
        assert await two.try_acquire()  # alone, it reconnects and leads again
    finally:
        await one.release()
        await two.release()


async def test_a_standby_takes_over_at_the_next_election(
    postgres: Database, pack: ContentPack
) -> None:
    clock = FakeClock(datetime(2026, 11, 1, 9, 0, tzinfo=UTC))
    ctx = Context(pack=pack, database=postgres, clock=clock, resolve_roles=facilitator_roles)
    lead = Actor(platform=Platform.SLACK, workspace="TELECT", user="UF", channel="C0FORUM")
    await setup_forum(ctx, lead, when="first Tuesday of the month at 12:30")
    first, second = RecordingPoster(), RecordingPoster()
    one = Clock(
        ctx=ctx,
        sender=OutboxSender(ctx=ctx, poster=first),
        leadership=Leadership(database=postgres),
        grace=timedelta(hours=6),
    )
    other = dataclasses.replace(ctx, database=Database(url=postgres.url.render_as_string(False)))
    two = Clock(
        ctx=other,
        sender=OutboxSender(ctx=other, poster=second),
        leadership=Leadership(database=other.database),
        grace=timedelta(hours=6),
    )
    try:
        await one.tick()
        await two.elect()
        assert one.leadership.held and not two.leadership.held
        await _cut_the_leaders_connection(postgres)
        clock.now = datetime(2026, 11, 3, 12, 30, tzinfo=UTC)
        await two.elect()  # takes over, and catches up at once
        assert two.leadership.held
        assert (len(first.to("C0FORUM")), len(second.to("C0FORUM"))) == (0, 1)
        await one.tick()  # the old leader's next wake-up does nothing
        assert not one.leadership.held and len(first.to("C0FORUM")) == 0
    finally:
        await one.stop()
        await two.stop()
        await other.database.dispose()

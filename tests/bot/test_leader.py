"""Exactly one scheduler: two clock processes on one PostgreSQL, one of them posts."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import Clock
from bot.leader import Leadership
from bot.outbox_sender import OutboxSender
from content import ContentPack
from handlers import Actor, Context, Platform
from storage import Database, upgrade
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


def _clock(ctx: Context, poster: RecordingPoster, database: Database) -> Clock:
    process = dataclasses.replace(ctx, database=Database(url=database.url.render_as_string(False)))
    return Clock(
        ctx=process,
        sender=OutboxSender(ctx=process, poster=poster),
        leadership=Leadership(database=process.database),
        grace=timedelta(hours=6),
    )


async def test_only_the_leader_plans_and_posts(postgres: Database, pack: ContentPack) -> None:
    clock = FakeClock(datetime(2026, 11, 1, 9, 0, tzinfo=UTC))
    ctx = Context(pack=pack, database=postgres, clock=clock, resolve_roles=facilitator_roles)
    lead = Actor(platform=Platform.SLACK, workspace="TLEAD", user="UF", channel="C0FORUM")
    await setup_forum(ctx, lead, when="first Tuesday of the month at 12:30")
    first, second = RecordingPoster(), RecordingPoster()
    one, two = _clock(ctx, first, postgres), _clock(ctx, second, postgres)
    try:
        clock.now = datetime(2026, 11, 3, 12, 30, tzinfo=UTC)
        await one.tick()
        await two.tick()
        assert one.leadership.held and not two.leadership.held
        assert (len(first.to("C0FORUM")), len(second.posts)) == (1, 0)
        await one.stop()  # the leader goes away; the standby takes over
        clock.now = datetime(2026, 12, 1, 12, 30, tzinfo=UTC)
        await two.tick()
        assert two.leadership.held
        # The standby posts December's prompt (and the facilitators' monthly digest).
        assert (len(first.to("C0FORUM")), len(second.to("C0FORUM"))) == (1, 1)
    finally:
        await one.stop()
        await two.stop()
        await one.ctx.database.dispose()
        await two.ctx.database.dispose()


async def test_jobs_are_rebuilt_from_the_database(
    own_database: Database, pack: ContentPack
) -> None:
    clock = FakeClock(datetime(2026, 11, 1, 9, 0, tzinfo=UTC))
    ctx = Context(pack=pack, database=own_database, clock=clock, resolve_roles=facilitator_roles)
    lead = Actor(platform=Platform.SLACK, workspace="TJOBS", user="UF", channel="C0FORUM")
    await setup_forum(ctx, lead, when="first Tuesday of the month at 12:30")
    scheduler = Clock(
        ctx=ctx,
        sender=OutboxSender(ctx=ctx, poster=RecordingPoster()),
        leadership=Leadership(database=own_database),
        grace=timedelta(hours=6),
    )
    await scheduler.rebuild()
    runs = sorted(job.id for job in scheduler.scheduler.get_jobs())
    assert "due:2026-11-03T12:30:00+00:00" in runs

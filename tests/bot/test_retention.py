"""Retention: the elected scheduler deletes what has outlived its stated life, daily.

Each kind of record is seeded just inside and just outside its retention, at a
FakeClock's now; reflections, however old, stay until their author deletes them.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from bot.clock import RETENTION_EVERY, Clock
from bot.leader import Leadership
from bot.outbox_sender import OutboxSender
from bot.settings import SettingsError, load_settings
from content import ContentPack
from handlers import Actor, Context, handle_text
from storage import Database, ensure_scope, upgrade
from storage.models import (
    Activity,
    AuditEntry,
    CheckIn,
    OutboxMessage,
    Poll,
    PollVote,
    ProcessedEvent,
    Reflection,
)
from storage.outbox import SCHEDULER_LOCK
from storage.reflections import NewReflection, create_reflection
from storage.retention import Retention
from tests.clock import FakeClock
from tests.fakes.poster import RecordingPoster
from tests.fakes.postgres import drop_database, fresh_database, postgres_url_or_skip

NOW = datetime(2027, 6, 1, 3, 0, tzinfo=UTC)
POLICY = Retention(participation=30, audit=60, outbox=10, checkins=20, polls=40, event_ids=2)


def _ages(days: int) -> tuple[datetime, datetime]:
    """A moment an hour inside the retention, and one an hour past it."""
    return NOW - timedelta(days=days) + timedelta(hours=1), NOW - timedelta(days=days, hours=1)


async def _seed(database: Database, team: str) -> None:
    async with database.transaction() as session:
        scope = await ensure_scope(session, platform="slack", workspace=team, user="U1", now=NOW)
        ws, me = scope.workspace_id, scope.member_id
        kept, old = _ages(POLICY.participation)
        for day in (kept.date(), old.date() - timedelta(days=1)):
            session.add(
                Activity(
                    workspace_id=ws,
                    channel="C1",
                    member_id=me,
                    day=day,
                    messages=1,
                    replies=0,
                    reactions=0,
                )
            )
        for at in _ages(POLICY.audit):
            session.add(AuditEntry(workspace_id=ws, actor="U1", action="a", detail="", at=at))
        fresh, stale = _ages(POLICY.outbox)
        outbox = [("sent", fresh), ("sent", stale), ("failed", stale), ("pending", stale)]
        for n, (status, at) in enumerate(outbox):
            session.add(
                OutboxMessage(
                    workspace_id=ws,
                    key=f"retention:{team}:{n}",
                    kind="forum",
                    target="C1",
                    payload={},
                    due_at=at,
                    status=status,
                    attempts=1,
                    next_attempt_at=at,
                )
            )
        for status, at in [("closed", _ages(POLICY.checkins)[0])] + [
            (s, _ages(POLICY.checkins)[1]) for s in ("closed", "pending")
        ]:
            session.add(
                CheckIn(
                    workspace_id=ws,
                    member_id=me,
                    channel="C1",
                    prompt="p",
                    sent_at=at,
                    status=status,
                )
            )
        for closed, at in [(True, _ages(POLICY.polls)[0])] + [
            (c, _ages(POLICY.polls)[1]) for c in (True, False)
        ]:
            poll = Poll(
                workspace_id=ws,
                member_id=me,
                channel="C1",
                question="q?",
                options=["a", "b"],
                anonymous=False,
                salt=None,
                closed=closed,
                created_at=at,
            )
            session.add(poll)
            await session.flush()
            session.add(
                PollVote(
                    poll_id=poll.id, ballot=f"b{poll.id}", workspace_id=ws, member_id=me, choice=0
                )
            )
        for n, at in enumerate(_ages(POLICY.event_ids)):
            session.add(ProcessedEvent(workspace_id=ws, event_id=f"Ev{n}", received_at=at))
        await create_reflection(
            session,
            scope=scope,
            now=NOW - timedelta(days=3000),
            reflection=NewReflection(template_id=None, title="years ago", answers={"n": "kept"}),
        )


async def _left(database: Database, team: str) -> Counter[str]:
    left: Counter[str] = Counter()
    async with database.transaction() as session:
        scope = await ensure_scope(session, platform="slack", workspace=team, user="U1", now=NOW)
        for model, name in [
            (Activity, "participation"),
            (AuditEntry, "audit"),
            (OutboxMessage, "outbox"),
            (CheckIn, "checkins"),
            (Poll, "polls"),
            (PollVote, "ballots"),
            (ProcessedEvent, "event_ids"),
            (Reflection, "reflections"),
        ]:
            owned = model.workspace_id == scope.workspace_id  # type: ignore[attr-defined]
            left[name] = await session.scalar(select(func.count()).select_from(model).where(owned))
    return left


def _clock(ctx: Context) -> Clock:
    return Clock(
        ctx=ctx,
        sender=OutboxSender(ctx=ctx, poster=RecordingPoster()),
        leadership=Leadership(database=ctx.database),
        grace=timedelta(hours=6),
    )


@pytest.fixture
def rctx(pack: ContentPack, own_database: Database, clock: FakeClock) -> Context:
    clock.now = NOW
    return Context(pack=pack, database=own_database, clock=clock, retention=POLICY)


SEEDED = Counter(
    participation=2,
    audit=2,
    outbox=4,
    checkins=3,
    polls=3,
    ballots=3,
    event_ids=2,
    reflections=1,
)
# Past their life: one of each, plus a failed outbox row; pending, open and in-flight
# rows are kept whatever their age, as are reflections.
AFTER = Counter(
    participation=1,
    audit=1,
    outbox=2,
    checkins=2,
    polls=2,
    ballots=2,
    event_ids=1,
    reflections=1,
)


async def test_the_leader_deletes_each_kind_past_its_retention_and_keeps_reflections(
    rctx: Context, team: str
) -> None:
    await _seed(rctx.database, team)
    assert await _left(rctx.database, team) == SEEDED
    clock = _clock(rctx)
    try:
        removed = await clock.tidy()
        assert await _left(rctx.database, team) == AFTER
        assert removed == {
            "participation": 1,
            "audit": 1,
            "outbox": 2,
            "checkins": 1,
            "polls": 1,
            "event_ids": 1,
        }
        # A day later on the fake clock, the rows kept an hour ago have aged out too.
        assert isinstance(rctx.clock, FakeClock)
        rctx.clock.advance(RETENTION_EVERY)
        await clock.tidy()
        left = await _left(rctx.database, team)
        assert left["audit"] == left["participation"] == left["event_ids"] == 0
        assert left["reflections"] == 1 and left["outbox"] == 1  # the pending row
    finally:
        await clock.leadership.release()


@pytest.mark.postgres
async def test_a_standby_scheduler_deletes_nothing(
    pack: ContentPack, clock: FakeClock, team: str
) -> None:
    # PostgreSQL alone: SQLite serves one process, which always leads.
    url = await fresh_database(postgres_url_or_skip())
    database = Database(url=url)
    other = create_async_engine(database.url, poolclass=NullPool)
    try:
        await upgrade(database=database)
        clock.now = NOW
        ctx = Context(pack=pack, database=database, clock=clock, retention=POLICY)
        await _seed(database, team)
        async with other.connect() as conn:
            await conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": SCHEDULER_LOCK})
            assert await _clock(ctx).tidy() == {}
            assert await _left(database, team) == SEEDED
    finally:
        await other.dispose()
        await database.dispose()
        await drop_database(url)


async def test_the_clock_runs_retention_every_day(rctx: Context) -> None:
    clock = _clock(rctx)
    await clock.start()
    try:
        job = clock.scheduler.get_job("retention")
        assert job is not None and job.trigger.interval == RETENTION_EVERY
    finally:
        await clock.stop()


async def test_privacy_says_how_long_each_record_is_kept(ctx: Context, actor: Actor) -> None:
    told = dataclasses.replace(ctx, retention=POLICY)
    reply = await handle_text(ctx=told, actor=actor, text="privacy")
    kept = next(s for s in reply.sections if s.heading == "How long things are kept")
    assert "Your participation counts: 30 days." in kept.text
    assert "The log of facilitator actions: 60 days." in kept.text
    assert "Your reflections: until you delete them" in kept.text


def test_retention_is_read_from_the_environment_and_a_bad_value_is_named() -> None:
    settings = load_settings(
        environ={"CCPL_KEEP_AUDIT_DAYS": "30", "CCPL_KEEP_EVENT_IDS_DAYS": "1"}, env_file=None
    )
    assert settings.retention == Retention(audit=30, event_ids=1)
    for bad in ("0", "forever", "9999", "-5"):
        with pytest.raises(SettingsError, match="CCPL_KEEP_POLLS_DAYS must be a whole number"):
            load_settings(environ={"CCPL_KEEP_POLLS_DAYS": bad}, env_file=None)

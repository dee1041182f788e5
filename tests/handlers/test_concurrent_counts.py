"""Exact counts under concurrency on PostgreSQL: lunch places, waitlist promotions, tip rounds.

Every request here runs at once through its own connection (and, for tips, from several
OS processes), the way several `serve` processes share one database in production.
SQLite serialises writers, so mostly PostgreSQL shows these races; the lunch tests run on
SQLite as well, so both backends keep the same counts, and tips from several processes
run on one SQLite file too.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import random
import re
import sys
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from bot.outbox_sender import OutboxSender
from content import ContentPack
from handlers import Action, Actor, Context, Platform, Reply, handle_action, handle_text
from handlers.facilitation.checkins import send_checkins
from handlers.lunch.commands import answer
from handlers.lunch.payloads import Answer
from storage import Database, upgrade
from storage.crypto import KEYRING
from storage.lunch import NewSession, create_session
from storage.models import AuditEntry, LunchSession, Member, Rsvp, TipShown, Workspace
from storage.models import CheckIn as CheckInRow
from storage.participation import sync_channel
from storage.schedules import NewSchedule, create_schedule
from tests.clock import FakeClock
from tests.fakes.poster import RecordingPoster
from tests.fakes.postgres import drop_database, fresh_database, postgres_url_or_skip

OPENED = "A place opened up"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    url = await fresh_database(postgres_url_or_skip())
    db = Database(url=url)
    await upgrade(database=db)
    await db.dispose()
    try:
        yield url
    finally:
        await drop_database(url)


@pytest.fixture
def own_ctx(pack: ContentPack, own_database: Database) -> Context:
    """A database of this test's own, on each backend: the sender drains every due row."""
    return Context(pack=pack, database=own_database, clock=FakeClock(), rng=random.Random())


@pytest.fixture
async def pg(pg_url: str, pack: ContentPack) -> AsyncIterator[Context]:
    db = Database(url=pg_url)
    try:
        yield Context(pack=pack, database=db, clock=FakeClock(), rng=random.Random())
    finally:
        await db.dispose()


async def _warm(ctx: Context, *, connections: int) -> None:
    """Open the pool's connections first, so the presses overlap instead of queueing on connects."""
    if not ctx.database.is_postgres:
        return  # SQLite keeps one connection
    gate = asyncio.Barrier(connections)
    # A few connects at a time: thirty at once on a busy machine can outlast the
    # connect timeout, which is a fault of the warming, not of the code under test.
    connecting = asyncio.Semaphore(4)

    async def hold() -> None:
        async with connecting:
            conn = await ctx.database.engine.connect()
        try:
            await conn.execute(text("SELECT 1"))
            await gate.wait()
        finally:
            await conn.close()

    await asyncio.gather(*(hold() for _ in range(connections)))


def _people(team: str, count: int, *, prefix: str = "U") -> list[Actor]:
    return [
        Actor(platform=Platform.SLACK, workspace=team, user=f"{prefix}{n:03}") for n in range(count)
    ]


async def _lunch(ctx: Context, *, team: str, capacity: int) -> int:
    host = Actor(platform=Platform.SLACK, workspace=team, user="UHOST")
    async with ctx.acting(host) as (session, scope):
        lunch = await create_session(
            session,
            scope=scope,
            new=NewSession(
                title="Leading across boundaries",
                topic="Boundaries",
                starts_at=ctx.clock() + timedelta(days=7),
                timezone="Europe/London",
                duration_minutes=45,
                location="Room 2",
                host="Sam",
                channel="CLUNCH",
                capacity=capacity,
            ),
            now=ctx.clock(),
        )
        return lunch.id


async def _statuses(ctx: Context, *, lunch_id: int) -> dict[str, str]:
    async with ctx.database.transaction() as session:
        rows = await session.execute(
            select(Member.external_id, Rsvp.status)
            .join(Member, Member.id == Rsvp.member_id)
            .where(Rsvp.session_id == lunch_id)
        )
        return {user: status for user, status in rows.all()}


async def _press_all(
    ctx: Context, *, people: list[Actor], lunch_id: int, status: Answer
) -> list[Reply]:
    return list(
        await asyncio.gather(
            *(answer(ctx=ctx, actor=p, session_id=lunch_id, status=status) for p in people)
        )
    )


def _told(replies: list[Reply], poster: RecordingPoster) -> Counter[str]:
    """Who was told a place opened, however it reached them: a follow-up or the outbox."""
    told: Counter[str] = Counter()
    for reply in replies:
        for post in reply.also_post:
            if OPENED in post.reply.text:
                assert post.reply.attachments, "a promotion carries its calendar invite"
                told[post.channel] += 1
    for posted in poster.posts:
        if OPENED in posted.reply.text:
            assert posted.reply.attachments, "a promotion carries its calendar invite"
            told[posted.target] += 1
    return told


async def test_a_hundred_pressing_going_at_once_fill_twenty_places_exactly(
    own_ctx: Context,
) -> None:
    team = "T" + uuid.uuid4().hex[:10].upper()
    lunch_id = await _lunch(own_ctx, team=team, capacity=20)
    people = _people(team, 100)

    replies = await _press_all(own_ctx, people=people, lunch_id=lunch_id, status=Answer.GOING)

    statuses = await _statuses(own_ctx, lunch_id=lunch_id)
    assert Counter(statuses.values()) == {"going": 20, "waitlist": 80}
    invited = {p.user for p, r in zip(people, replies, strict=True) if r.attachments}
    assert len(invited) == 20
    assert invited == {user for user, status in statuses.items() if status == "going"}
    numbers = sorted(
        int(m.group(1)) for r in replies if (m := re.search(r"number (\d+)", r.text)) is not None
    )
    assert numbers == list(range(1, 81))


async def test_ten_leaving_at_once_promote_ten_people_each_told_once(own_ctx: Context) -> None:
    team = "T" + uuid.uuid4().hex[:10].upper()
    lunch_id = await _lunch(own_ctx, team=team, capacity=20)
    going, waiting = _people(team, 20, prefix="UG"), _people(team, 15, prefix="UW")
    invited: Counter[str] = Counter()
    for person in [*going, *waiting]:
        first = await answer(ctx=own_ctx, actor=person, session_id=lunch_id, status=Answer.GOING)
        invited[person.user] += len(first.attachments)

    replies = await _press_all(own_ctx, people=going[:10], lunch_id=lunch_id, status=Answer.CANT)
    poster = RecordingPoster()
    await OutboxSender(ctx=own_ctx, poster=poster).drain()

    statuses = await _statuses(own_ctx, lunch_id=lunch_id)
    assert Counter(statuses.values()) == {"going": 20, "waitlist": 5, "cant": 10}
    promoted = {p.user for p in waiting if statuses[p.user] == "going"}
    assert promoted == {p.user for p in waiting[:10]}  # in the order they joined the queue
    told = _told(replies, poster)
    assert set(told) == promoted
    assert set(told.values()) == {1}
    # One calendar invite for each person who ended up going: on their press, or when promoted.
    invited += told
    assert {user: invited[user] for user, s in statuses.items() if s == "going"} == {
        user: 1 for user, s in statuses.items() if s == "going"
    }


# A worker process: imports and connects first, says it is ready, then on "go" asks for
# tips all at once, so the four processes really overlap.
WORKER = """
import asyncio, os, random, sys
from sqlalchemy import text
from content import load_pack
from handlers import Actor, Context, Platform, handle_text
from storage import Database
from storage.crypto import KEYRING, DataKey

async def main(url, team, user, count):
    db = Database(url=url)
    ctx = Context(pack=load_pack(), database=db, rng=random.Random())
    actor = Actor(platform=Platform.SLACK, workspace=team, user=user)
    async with db.engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
    print("ready", flush=True)
    await asyncio.to_thread(sys.stdin.readline)
    replies = await asyncio.gather(
        *(handle_text(ctx=ctx, actor=actor, text="tip") for _ in range(count))
    )
    await db.dispose()
    assert all(r.text.startswith("Top tip: ") for r in replies), [r.text for r in replies]

KEYRING.use(DataKey.from_text(os.environ["CCPL_TEST_WORKER_KEY"]))
asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])))
"""


@pytest.mark.postgres
async def test_a_hundred_tips_at_once_from_four_processes_never_repeat_within_a_round(
    pg: Context, pg_url: str
) -> None:
    await _tips_from_four_processes(pg, url=pg_url)


async def test_on_sqlite_too_four_processes_sharing_one_file_never_repeat_a_tip_in_a_round(
    pack: ContentPack, tmp_path: Path
) -> None:
    # Four processes on one SQLite file, as `serve` and the clock share one in a small
    # deployment: a returning member's tip takes the write lock before reading the round.
    url = f"sqlite+aiosqlite:///{tmp_path / 'shared.db'}"
    db = Database(url=url)
    await upgrade(database=db)
    try:
        ctx = Context(pack=pack, database=db, clock=FakeClock(), rng=random.Random())
        await _tips_from_four_processes(ctx, url=url)
    finally:
        await db.dispose()


async def _tips_from_four_processes(ctx: Context, *, url: str) -> None:
    team, user = "T" + uuid.uuid4().hex[:10].upper(), "UTIPS"
    env = {**os.environ, "CCPL_TEST_WORKER_KEY": KEYRING.key().text()}
    workers = [
        await asyncio.create_subprocess_exec(
            *(sys.executable, "-c", WORKER, url, team, user, "25"),
            cwd=ROOT,
            env=env,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        for _ in range(4)
    ]
    for worker in workers:
        assert worker.stdout is not None
        assert await worker.stdout.readline() == b"ready\n"
    for worker in workers:
        assert worker.stdin is not None
        worker.stdin.write(b"go\n")
        await worker.stdin.drain()
    codes = await asyncio.gather(*(w.wait() for w in workers))
    assert codes == [0, 0, 0, 0]

    async with ctx.database.transaction() as session:
        rows = (
            await session.execute(
                select(TipShown.cycle, TipShown.tip_id)
                .join(Member, Member.id == TipShown.member_id)
                .where(Member.external_id == user)
                .order_by(TipShown.id)
            )
        ).all()
    assert len(rows) == 100
    rounds: dict[int, list[str]] = {}
    for cycle, tip_id in rows:
        rounds.setdefault(cycle, []).append(tip_id)
    repeats = {cycle: tips for cycle, tips in rounds.items() if len(set(tips)) != len(tips)}
    assert repeats == {}
    assert len(rounds) == 100 // len(ctx.pack.tips)


async def test_fifty_facilitators_adding_one_person_at_once_grant_and_audit_once(
    own_ctx: Context,
) -> None:
    team = "T" + uuid.uuid4().hex[:10].upper()
    granters = [
        dataclasses.replace(p, roles=frozenset({"facilitator"}))
        for p in _people(team, 50, prefix="UF")
    ]
    added = await asyncio.gather(
        *(handle_text(ctx=own_ctx, actor=g, text="facilitators add <@UNEW>") for g in granters)
    )
    removed = await asyncio.gather(
        *(handle_text(ctx=own_ctx, actor=g, text="facilitators remove <@UNEW>") for g in granters)
    )

    assert sum("can now run" in r.text for r in added) == 1
    assert sum("no longer facilitators" in r.text for r in removed) == 1
    async with own_ctx.database.transaction() as session:
        actions = Counter(
            (
                await session.scalars(
                    select(AuditEntry.action)
                    .join(Workspace, Workspace.id == AuditEntry.workspace_id)
                    .where(Workspace.external_id == team)
                )
            ).all()
        )
    assert actions == {"facilitators.add": 1, "facilitators.remove": 1}


async def test_thirty_booking_a_journal_club_at_once_share_one_session(own_ctx: Context) -> None:
    team = "T" + uuid.uuid4().hex[:10].upper()
    host = Actor(platform=Platform.SLACK, workspace=team, user="UHOST")
    async with own_ctx.acting(host) as (session, scope):
        club = await create_schedule(
            session,
            scope=scope,
            now=own_ctx.clock(),
            new=NewSchedule(
                kind="journal_club",
                name="Journal club",
                channel="CJOURNAL",
                rrule="FREQ=MONTHLY;BYDAY=2TH;BYHOUR=12;BYMINUTE=30",
                description="second Thursday of the month at 12:30",
                starts_on=date(2026, 11, 1),
                timezone="Europe/London",
                duration_minutes=60,
            ),
        )
    when = datetime(2026, 11, 12, 12, 30, tzinfo=UTC)
    press = Action(action_id="journal.book", value=f"{club.id}|{when.isoformat()}")
    people = _people(team, 30)
    for person in people:
        async with own_ctx.acting(person):
            pass  # known members, so the presses differ only in the booking
    await _warm(own_ctx, connections=30)

    await asyncio.gather(*(handle_action(ctx=own_ctx, actor=p, action=press) for p in people))

    async with own_ctx.database.transaction() as session:
        sessions = (
            await session.scalars(
                select(LunchSession.id)
                .join(Workspace, Workspace.id == LunchSession.workspace_id)
                .where(Workspace.external_id == team)
            )
        ).all()
    assert len(sessions) == 1
    statuses = await _statuses(own_ctx, lunch_id=sessions[0])
    assert Counter(statuses.values()) == {"going": 30}


async def test_ten_facilitators_checking_in_at_once_invite_each_quiet_member_once(
    own_ctx: Context,
) -> None:
    """Two sends read "not asked in 30 days" before either wrote: each member asked once."""
    team = "T" + uuid.uuid4().hex[:10].upper()
    quiet = _people(team, 12, prefix="Q")
    facilitators = _people(team, 10, prefix="F")
    channel = "CFORUM"
    for person in (*quiet, *facilitators):
        async with own_ctx.acting(person):
            pass  # each person has a member row, as after using the bot
    async with own_ctx.acting(facilitators[0]) as (session, scope):
        await sync_channel(
            session,
            workspace_id=scope.workspace_id,
            channel=channel,
            users=[p.user for p in (*quiet, *facilitators)],
            now=own_ctx.clock() - timedelta(days=90),
        )
    await _warm(own_ctx, connections=len(facilitators))

    await asyncio.gather(
        *(send_checkins(ctx=own_ctx, actor=f, channel=channel) for f in facilitators)
    )

    async with own_ctx.database.transaction() as session:
        invited = Counter(
            (
                await session.execute(
                    select(Member.external_id)
                    .join(CheckInRow, CheckInRow.member_id == Member.id)
                    .join(Workspace, Workspace.id == Member.workspace_id)
                    .where(Workspace.external_id == team)
                )
            ).scalars()
        )
    assert set(invited) == {p.user for p in quiet} | {p.user for p in facilitators}
    assert set(invited.values()) == {1}, invited.most_common(3)

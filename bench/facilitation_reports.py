"""The quiet and room reports on a 20,000-member forum with 200,000 and 2,000,000 activity rows.

One workspace, 20,000 members spread over the content pack's professions, a forum
channel everyone is in and nine smaller channels. Activity rows (one per member,
channel and day, two years of days) are generated inside the database with
INSERT ... SELECT, skewed so that a minority contributes most and many people have
been silent for the last 30 days. The benchmark loads 200,000 rows, times
`quiet_members` and `room_breakdown` on the forum as `/ccpl quiet` and `/ccpl room`
call them (each in its own `database.transaction()`), grows the same data set to
2,000,000 rows and times them again, on SQLite and on PostgreSQL. Everyone's latest
row is in the first 200,000, so both sizes must give the same answers: only the
history behind them grows. Run from the repository root:

    .venv/bin/python -m bench.facilitation_reports [--backend sqlite|postgres|both] [--scale F]

See bench/README.md for how to read it.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import gc
import math
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    Integer,
    MetaData,
    String,
    Table,
    event,
    func,
    insert,
    select,
    text,
)

from bench.common import bench_database
from content import load_pack
from handlers.facilitation.participation import DEFAULT_DAYS
from storage import Database
from storage.models import Activity, ChannelMember, Member, Workspace
from storage.participation import ProfessionCount, QuietMember, quiet_members, room_breakdown

TEAM = "T0REPORTS"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
SINCE = NOW - timedelta(days=DEFAULT_DAYS)  # what `/ccpl quiet` and `/ccpl room` default to
HISTORY_DAYS = 730  # two years of days
FORUM = "CFORUM0001"
# The other channels, with the share of members in each.
OTHER_CHANNELS = {
    f"CTEAM000{n}": share
    for n, share in enumerate((0.40, 0.25, 0.20, 0.15, 0.12, 0.10, 0.08, 0.05, 0.03), start=1)
}
MEMBERS = 20_000
SMALL_ROWS = 200_000
LARGE_ROWS = 2_000_000
TARGET_MS = 200.0
# Steps through a pair's days; each is prime, so coprime with any span it does not divide.
STEPS = (7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67)
REPORTS = ("quiet", "room")
BACKENDS = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
REPO = Path(__file__).resolve().parent.parent


# --------------------------------------------------------------------------------------------
# The data set, designed in Python, generated in the database
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Pair:
    """One member's activity in one channel: `slots` rows in the full data set.

    Row n of the pair falls on the day `end_back + (shift + n * step) % span` days
    before today: distinct days for n < slots <= span, since `step` is coprime with
    `span`. Its global slot number is `first_slot + n`; row `newest` has the latest day.
    """

    channel: str
    member: int  # index into Design.members
    first_slot: int
    slots: int
    end_back: int
    span: int
    shift: int
    step: int
    newest: int


@dataclass(frozen=True, slots=True)
class Design:
    members: list[dict[str, Any]]  # Member columns, minus workspace_id
    joins: list[tuple[str, int, datetime | None]]  # channel, member index, joined_at
    pairs: list[Pair]
    total: int  # slots over all pairs: the full data set's activity rows
    small: int  # rows in the first load
    multiplier: int  # slot * multiplier % total is a slot's rank
    cut: int  # the first load: every pair's newest row, and the other rows ranked below this


def _people(
    *, rng: random.Random, members: int
) -> tuple[list[dict[str, Any]], list[float], list[int]]:
    """Each member's row, how much they contribute, and how long ago they stopped."""
    professions = [p.id for p in load_pack().professions]
    # A few professions are far more common than others, as in a real community.
    profession_weights = [1.0 / (1 + i) ** 0.8 for i in range(len(professions))]
    created = NOW - timedelta(days=HISTORY_DAYS + 30)
    people: list[dict[str, Any]] = []
    weight: list[float] = []
    end_back: list[int] = []
    for n in range(members):
        draw = rng.random()
        opted_out = draw < 0.01
        paused_until = None
        if 0.01 <= draw < 0.025:  # paused now
            paused_until = NOW + timedelta(days=rng.randint(1, 30))
        elif 0.025 <= draw < 0.035:  # paused once, back now
            paused_until = NOW - timedelta(days=rng.randint(1, 300))
        profession = (
            None if rng.random() < 0.04 else rng.choices(professions, weights=profession_weights)[0]
        )
        people.append(
            {
                "external_id": f"U{n:09d}",
                "created_at": created,
                "profession": profession,
                "counting_opt_out": opted_out,
                "paused_until": paused_until,
            }
        )
        silent = opted_out or rng.random() < 0.20
        weight.append(0.0 if silent else rng.paretovariate(1.16))
        end_back.append(rng.randint(0, 3) if rng.random() < 0.55 else rng.randint(31, 600))

    return people, weight, end_back


def _joins(*, rng: random.Random, members: int) -> list[tuple[str, int, datetime | None]]:
    """Who is in which channel, and when they joined (None: before counting began)."""
    joins: list[tuple[str, int, datetime | None]] = []
    for n in range(members):
        draw = rng.random()
        if draw < 0.0015:  # joined within the report's window: not reported as quiet
            joined_at: datetime | None = NOW - timedelta(hours=rng.randint(1, 24 * 29))
        elif draw < 0.08:
            joined_at = NOW - timedelta(days=rng.randint(60, HISTORY_DAYS))
        else:  # there before counting began
            joined_at = None
        joins.append((FORUM, n, joined_at))
    for channel, share in OTHER_CHANNELS.items():
        joins.extend(
            (channel, n, None) for n in sorted(rng.sample(range(members), k=round(share * members)))
        )
    return joins


def design(*, members: int, small: int, total: int, seed: int) -> Design:
    """Who is in which channel, and how many rows each (member, channel) pair gets.

    About a fifth of members never contribute anywhere; the others' weights follow a
    Pareto law, so a minority makes most of the rows. Almost half stopped
    contributing between one and twenty months ago. Opted-out members
    have no rows (opting out erases them).

    The first `small` rows are each pair's newest row plus an even spread of the
    others, so both sizes give the same reports (everyone's last day is the same)
    and only the amount of history differs.
    """
    rng = random.Random(seed)
    people, weight, end_back = _people(rng=rng, members=members)
    joins = _joins(rng=rng, members=members)

    # Weights per (channel, member), then whole row counts that add up to `total`,
    # none larger than the days the pair has room for.
    keys: list[tuple[str, int]] = []
    wants: list[float] = []
    for channel, member, _ in joins:
        if weight[member] > 0:
            factor = 1.0 if channel == FORUM else 0.6
            keys.append((channel, member))
            wants.append(weight[member] * factor * rng.uniform(0.3, 1.7))
    room = [HISTORY_DAYS - end_back[m] for _, m in keys]
    slots = _apportion(wants=wants, room=room, total=total)

    pairs: list[Pair] = []
    first = 0
    for (channel, member), count, space in sorted(zip(keys, slots, room, strict=True)):
        if count == 0:
            continue
        span = rng.randint(count, space)
        step = next(s for s in rng.sample(STEPS, len(STEPS)) if span % s)
        shift = rng.randrange(span)
        # The row with the smallest (shift + n * step) % span among n < count.
        inverse, back = pow(step, -1, span), 0
        while (newest := (back - shift) * inverse % span) >= count:
            back += 1
        pairs.append(
            Pair(
                channel=channel,
                member=member,
                first_slot=first,
                slots=count,
                end_back=end_back[member],
                span=span,
                shift=shift,
                step=step,
                newest=newest,
            )
        )
        first += count
    assert first == total
    # Close to the golden ratio of `total` and coprime with it, so slot * multiplier % total
    # is a permutation that spreads the first-loaded rows evenly over every pair.
    multiplier = int(total * 0.6180339887) | 1
    while math.gcd(multiplier, total) != 1:
        multiplier += 2
    # The cut below which the other rows' ranks give the first load exactly `small` rows.
    newest_ranks = sorted((p.first_slot + p.newest) * multiplier % total for p in pairs)
    others = small - len(pairs)
    if others < 0:
        raise ValueError(f"{small:,} rows cannot hold the newest row of {len(pairs):,} pairs")
    cut = others
    while (below := cut - bisect.bisect_left(newest_ranks, cut)) < others:
        cut += others - below
    return Design(
        members=people,
        joins=joins,
        pairs=pairs,
        total=total,
        small=small,
        multiplier=multiplier,
        cut=cut,
    )


def _apportion(*, wants: list[float], room: list[int], total: int) -> list[int]:
    """Whole numbers proportional to `wants`, each at most its `room`, adding up to `total`."""
    if total > sum(room):
        raise ValueError("more rows asked for than the members have days for")
    counts = [0] * len(wants)
    left = total
    while left > 0:
        open_ = [i for i in range(len(wants)) if counts[i] < room[i] and wants[i] > 0]
        weight = sum(wants[i] for i in open_)
        added = 0
        for i in open_:
            share = min(room[i] - counts[i], int(left * wants[i] / weight))
            counts[i] += share
            added += share
        left -= added
        if added == 0:  # less than one row each: hand out the rest one at a time
            for i in sorted(open_, key=lambda i: -wants[i])[:left]:
                counts[i] += 1
            left = total - sum(counts)
    return counts


_scratch = MetaData()
PAIRS = Table(
    "bench_pairs",
    _scratch,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("channel", String(64), nullable=False),
    Column("member_id", Integer, nullable=False),
    Column("first_slot", BigInteger, nullable=False),
    Column("slots", Integer, nullable=False),
    Column("end_back", Integer, nullable=False),
    Column("span", Integer, nullable=False),
    Column("shift", Integer, nullable=False),
    Column("step", Integer, nullable=False),
    Column("newest", Integer, nullable=False),
)
NUMBERS = Table("bench_numbers", _scratch, Column("n", Integer, primary_key=True))
DAYS = Table(
    "bench_days",
    _scratch,
    Column("n", Integer, primary_key=True, autoincrement=False),
    Column("day", Date, nullable=False),
)


# The first load takes every pair's newest row and the other rows ranked below :cut;
# the second load takes the rest.
GENERATE = """
INSERT INTO activity (workspace_id, channel, member_id, day, messages, replies, reactions)
SELECT :workspace_id, p.channel, p.member_id, d.day,
       1 + (p.first_slot + x.n) % 4, (p.first_slot + x.n) % 3, ((p.first_slot + x.n) / 3) % 5
FROM bench_pairs p
JOIN bench_numbers x ON x.n < p.slots
JOIN bench_days d ON d.n = p.end_back + (p.shift + x.n * p.step) % p.span
WHERE {which}
"""
RANK = "(p.first_slot + x.n) * CAST(:multiplier AS BIGINT) % :total"
FIRST_LOAD = text(GENERATE.format(which=f"x.n = p.newest OR {RANK} < :cut"))
SECOND_LOAD = text(GENERATE.format(which=f"x.n <> p.newest AND {RANK} >= :cut"))


async def create(database: Database, plan: Design) -> int:
    """Members, channel members and the scratch tables activity rows are made from.

    Returns the workspace id.
    """
    async with database.transaction() as session:
        workspace_id: int | None = await session.scalar(
            insert(Workspace)
            .values(platform="slack", external_id=TEAM, created_at=NOW - timedelta(days=800))
            .returning(Workspace.id)
        )
        assert workspace_id is not None
        await session.execute(
            insert(Member), [{"workspace_id": workspace_id, **m} for m in plan.members]
        )
        ids = {u: i for u, i in await session.execute(select(Member.external_id, Member.id))}
        member_id = [ids[m["external_id"]] for m in plan.members]
        await session.execute(
            insert(ChannelMember),
            [
                {
                    "workspace_id": workspace_id,
                    "channel": channel,
                    "member_id": member_id[m],
                    "joined_at": joined_at,
                }
                for channel, m, joined_at in plan.joins
            ],
        )
    today = NOW.date()
    async with database.engine.begin() as conn:
        await conn.run_sync(_scratch.create_all)
        await conn.execute(insert(NUMBERS), [{"n": n} for n in range(HISTORY_DAYS)])
        await conn.execute(
            insert(DAYS), [{"n": n, "day": today - timedelta(days=n)} for n in range(HISTORY_DAYS)]
        )
        await conn.execute(
            insert(PAIRS),
            [
                {
                    "id": i,
                    "channel": p.channel,
                    "member_id": member_id[p.member],
                    "first_slot": p.first_slot,
                    "slots": p.slots,
                    "end_back": p.end_back,
                    "span": p.span,
                    "shift": p.shift,
                    "step": p.step,
                    "newest": p.newest,
                }
                for i, p in enumerate(plan.pairs)
            ],
        )
        await conn.exec_driver_sql("ANALYZE")
    return workspace_id


async def generate(
    database: Database, plan: Design, *, workspace_id: int, first: bool
) -> tuple[float, float]:
    """Add the first load's activity rows, or the rest; seconds inserting, seconds settling."""
    started = time.perf_counter()
    async with database.engine.begin() as conn:
        await conn.execute(
            FIRST_LOAD if first else SECOND_LOAD,
            {
                "workspace_id": workspace_id,
                "multiplier": plan.multiplier,
                "total": plan.total,
                "cut": plan.cut,
            },
        )
    inserted = time.perf_counter()
    await settle(database)
    return inserted - started, time.perf_counter() - inserted


async def settle(database: Database) -> None:
    """Leave the database as a long-running one would be after a bulk of new rows.

    Both get fresh statistics. PostgreSQL gets VACUUM ANALYZE, what autovacuum does
    on its own within a minute of this many inserts (setting the visibility map
    index-only scans rely on): run now, so it does not start in the middle of the
    timed runs. SQLite folds its write-ahead log back into the database file.
    """
    async with database.engine.connect() as conn:
        if database.is_postgres:
            outside = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await outside.exec_driver_sql("VACUUM ANALYZE")
            return
        await conn.exec_driver_sql("ANALYZE")
        await conn.commit()
        await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


async def drop_scratch(database: Database) -> None:
    async with database.engine.begin() as conn:
        await conn.run_sync(_scratch.drop_all)


# --------------------------------------------------------------------------------------------
# Measuring
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Census:
    """Row counts read back from the database: proof of the data set's size."""

    members: int
    forum_members: int
    forum_joined_recently: int
    forum_opted_out: int
    forum_paused: int
    channel_rows: int
    channels: int
    activity: int
    forum_activity: int
    forum_contributed: int  # forum members with a row in the window


async def census(database: Database, *, workspace_id: int) -> Census:
    forum = (ChannelMember.workspace_id == workspace_id, ChannelMember.channel == FORUM)
    in_forum = select(ChannelMember.member_id).where(*forum)
    async with database.transaction() as session:

        async def one(statement: Any) -> int:
            return int(await session.scalar(statement) or 0)

        return Census(
            members=await one(
                select(func.count()).select_from(Member).where(Member.workspace_id == workspace_id)
            ),
            forum_members=await one(select(func.count()).where(*forum)),
            forum_joined_recently=await one(
                select(func.count()).where(*forum, ChannelMember.joined_at >= SINCE)
            ),
            forum_opted_out=await one(
                select(func.count()).where(
                    Member.id.in_(in_forum), Member.counting_opt_out.is_(True)
                )
            ),
            forum_paused=await one(
                select(func.count()).where(Member.id.in_(in_forum), Member.paused_until > NOW)
            ),
            channel_rows=await one(
                select(func.count())
                .select_from(ChannelMember)
                .where(ChannelMember.workspace_id == workspace_id)
            ),
            channels=await one(
                select(func.count(func.distinct(ChannelMember.channel))).where(
                    ChannelMember.workspace_id == workspace_id
                )
            ),
            activity=await one(
                select(func.count())
                .select_from(Activity)
                .where(Activity.workspace_id == workspace_id)
            ),
            forum_activity=await one(
                select(func.count()).where(
                    Activity.workspace_id == workspace_id, Activity.channel == FORUM
                )
            ),
            forum_contributed=await one(
                select(func.count(func.distinct(Activity.member_id))).where(
                    Activity.workspace_id == workspace_id,
                    Activity.channel == FORUM,
                    Activity.day >= SINCE.date(),
                )
            ),
        )


@dataclass(slots=True)
class Timing:
    backend: str
    rows: int
    report: str
    times_ms: list[float] = field(default_factory=list)
    found: str = ""
    answer: list[Any] = field(default_factory=list)  # the report's rows, in a stable order
    plan: list[str] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.times_ms)

    @property
    def worst(self) -> float:
        return max(self.times_ms)

    @property
    def met(self) -> str:
        return "OK" if self.median <= TARGET_MS else "MISSED"


def report_call(
    database: Database, *, workspace_id: int, report: str
) -> Callable[[], Awaitable[Sequence[QuietMember] | Sequence[ProfessionCount]]]:
    """One report, as the handler runs it: its own transaction, the forum, the last 30 days."""
    read = quiet_members if report == "quiet" else room_breakdown

    async def call() -> Sequence[QuietMember] | Sequence[ProfessionCount]:
        async with database.transaction() as session:
            return await read(
                session, workspace_id=workspace_id, channel=FORUM, since=SINCE, now=NOW
            )

    return call


def describe_result(result: Sequence[QuietMember] | Sequence[ProfessionCount]) -> str:
    quiet = [r for r in result if isinstance(r, QuietMember)]
    if quiet:
        never = sum(q.last_contributed is None for q in quiet)
        return f"{len(quiet):,} quiet members ({never:,} never contributed)"
    rooms = [r for r in result if isinstance(r, ProfessionCount)]
    members = sum(r.members for r in rooms)
    contributors = sum(r.contributors for r in rooms)
    unset = sum(r.profession is None for r in rooms)
    return (
        f"{len(rooms) - unset} professions + {unset} unset; "
        f"{members:,} members, {contributors:,} contributed"
    )


async def measure_report(
    database: Database,
    *,
    backend: str,
    rows: int,
    workspace_id: int,
    report: str,
    warmup: int,
    runs: int,
    explain: bool,
) -> Timing:
    call = report_call(database, workspace_id=workspace_id, report=report)
    timing = Timing(backend=backend, rows=rows, report=report)
    result: Sequence[QuietMember] | Sequence[ProfessionCount] = []
    for _ in range(warmup):
        result = await call()
    for _ in range(runs):
        gc.collect()  # each run starts from the same heap; the collector stays on
        started = time.perf_counter()
        result = await call()
        timing.times_ms.append((time.perf_counter() - started) * 1000)
    timing.found = describe_result(result)
    timing.answer = sorted(result, key=repr) if report == "room" else list(result)
    if explain:
        timing.plan = await query_plan(database, call)
    return timing


async def query_plan(database: Database, call: Callable[[], Awaitable[object]]) -> list[str]:
    """The report's own SQL, as sent, explained: EXPLAIN QUERY PLAN / EXPLAIN ANALYZE."""
    sent: list[tuple[str, Any]] = []

    def record(_c: Any, _cur: Any, statement: str, parameters: Any, *_: Any) -> None:
        sent.append((statement, parameters))

    event.listen(database.engine.sync_engine, "before_cursor_execute", record)
    try:
        await call()
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", record)
    [(statement, parameters)] = [s for s in sent if s[0].lstrip().upper().startswith("SELECT")]
    async with database.engine.connect() as conn:
        if database.is_sqlite:
            rows: list[Any] = list(
                await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            )
            depth: dict[int, int] = {0: -1}
            lines = []
            for node, parent, _, detail in rows:
                depth[node] = depth.get(parent, -1) + 1
                lines.append("  " * depth[node] + str(detail))
            return lines
        explained = await conn.exec_driver_sql(
            f"EXPLAIN (ANALYZE, BUFFERS) {statement}", parameters
        )
        return [str(line) for (line,) in explained.all()]


# --------------------------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Options:
    backends: tuple[str, ...]
    postgres_url: str | None
    scale: float
    warmup: int
    runs: int
    seed: int
    explain: bool

    @property
    def members(self) -> int:
        return max(100, round(MEMBERS * self.scale))

    @property
    def sizes(self) -> tuple[int, int]:
        small = max(1000, round(SMALL_ROWS * self.scale))
        return small, max(small * 2, round(LARGE_ROWS * self.scale))


def verdict(timing: Timing) -> str:
    """The median against the target; the worst run is shown, but it is where noise lands."""
    return f"target {TARGET_MS:.0f} ms: {timing.met} ({timing.median / TARGET_MS:.2f}x)"


async def run_backend(*, backend: str, options: Options, plan: Design) -> list[Timing]:
    name = BACKENDS[backend]
    url = options.postgres_url if backend == "postgres" else None
    small, large = options.sizes
    timings: list[Timing] = []
    async with bench_database(url=url, prefix="bench-reports") as database:
        async with database.engine.connect() as conn:
            version = (
                await conn.exec_driver_sql(
                    "SELECT sqlite_version()" if database.is_sqlite else "SHOW server_version"
                )
            ).scalar()
        print(f"\n{name} {version}", flush=True)
        started = time.perf_counter()
        workspace_id = await create(database, plan)
        setup = time.perf_counter() - started
        for rows in (small, large):
            inserting, analysing = await generate(
                database, plan, workspace_id=workspace_id, first=rows == small
            )
            if rows == large:
                await drop_scratch(database)
            counted = await census(database, workspace_id=workspace_id)
            settled = "VACUUM ANALYZE" if database.is_postgres else "ANALYZE"
            if rows == small:
                print(
                    f"  members {counted.members:,}; forum {counted.forum_members:,} "
                    f"({counted.forum_joined_recently} joined in the last {DEFAULT_DAYS} days, "
                    f"{counted.forum_opted_out} opted out, {counted.forum_paused} paused); "
                    f"{counted.channel_rows:,} channel memberships in {counted.channels} "
                    f"channels; set up in {setup:.1f} s",
                    flush=True,
                )
            print(
                f"  activity rows {counted.activity:,} (forum {counted.forum_activity:,}; "
                f"{counted.forum_contributed:,} forum members contributed in the last "
                f"{DEFAULT_DAYS} days): inserted in {inserting:.1f} s, {settled} {analysing:.1f} s",
                flush=True,
            )
            if counted.activity != rows:
                raise SystemExit(f"expected {rows:,} activity rows, found {counted.activity:,}")
            for report in REPORTS:
                timing = await measure_report(
                    database,
                    backend=name,
                    rows=rows,
                    workspace_id=workspace_id,
                    report=report,
                    warmup=options.warmup,
                    runs=options.runs,
                    explain=options.explain,
                )
                timings.append(timing)
                print(
                    f"    {report:<6} median {timing.median:7.1f} ms  worst {timing.worst:7.1f} ms"
                    f"  {verdict(timing)}   {timing.found}",
                    flush=True,
                )
                for line in timing.plan:
                    print(f"      | {line}")
    return timings


def summary(timings: list[Timing], options: Options) -> str:
    small, large = options.sizes
    lines = [
        "",
        f"summary: median and worst of {options.runs} runs after {options.warmup} warm-up; "
        f"target {TARGET_MS:.0f} ms per report",
        f"{'backend':<11} {'activity rows':>13}  {'report':<6} {'median ms':>9} {'worst ms':>9}"
        f"  {'/ target':>8}  verdict",
    ]
    for t in timings:
        lines.append(
            f"{t.backend:<11} {t.rows:>13,}  {t.report:<6} {t.median:>9.1f} {t.worst:>9.1f}"
            f"  {t.median / TARGET_MS:>7.2f}x  {t.met}"
        )
    lines.append(
        f"growth, {large:,} / {small:,} rows ({large / small:.0f}x the rows), "
        "ratio of median times:"
    )
    for name in dict.fromkeys(t.backend for t in timings):
        ratios = []
        for report in REPORTS:
            by_rows = {
                t.rows: t.median for t in timings if t.backend == name and t.report == report
            }
            ratios.append(f"{report} {by_rows[large] / by_rows[small]:.2f}x")
        lines.append(f"  {name:<11} " + "   ".join(ratios))
    differ = disagreements(timings)
    lines.append(
        "answers: the same at both sizes"
        + (" and on both backends" if len(options.backends) > 1 else "")
        + (": yes" if not differ else f": NO ({'; '.join(differ)})")
    )
    return "\n".join(lines)


def disagreements(timings: list[Timing]) -> list[str]:
    """Reports whose rows differ from the first measurement's (every last day is the same
    at both sizes, so the quiet list and the room counts must be too)."""
    differ = []
    for report in REPORTS:
        first, *others = [t for t in timings if t.report == report]
        differ += [
            f"{report} on {t.backend} at {t.rows:,} rows"
            for t in others
            if t.answer != first.answer
        ]
    return differ


def find_postgres(explicit: str | None) -> str | None:
    """--database, else $CCPL_TEST_POSTGRES_URL, else a server scripts/test-postgres runs."""
    if explicit:
        return explicit
    if os.environ.get("CCPL_TEST_POSTGRES_URL", "").strip():
        return os.environ["CCPL_TEST_POSTGRES_URL"].strip()
    script = REPO / "scripts" / "test-postgres"
    try:
        status = subprocess.run(
            [str(script), "status"], capture_output=True, text=True, timeout=30, check=False
        )
    except OSError:
        return None
    if status.returncode != 0:
        return None
    return status.stdout.strip() or None


def _parse(argv: Sequence[str] | None) -> Options:
    parser = argparse.ArgumentParser(
        prog="python -m bench.facilitation_reports",
        description="Quiet and room reports over 20,000 members, 200,000 then 2,000,000 "
        "activity rows.",
    )
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument(
        "--database",
        metavar="URL",
        help="PostgreSQL server to make a throwaway database on (default: "
        "$CCPL_TEST_POSTGRES_URL, else the server scripts/test-postgres runs)",
    )
    parser.add_argument(
        "--scale", type=float, default=1.0, help="multiplies members and activity rows"
    )
    parser.add_argument("--warmup", type=int, default=1, help="unmeasured runs per report")
    parser.add_argument("--runs", type=int, default=5, help="measured runs per report")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--explain", action="store_true", help="print each report's query plan at each size"
    )
    args = parser.parse_args(argv)
    if args.scale <= 0 or args.runs < 1 or args.warmup < 0:
        parser.error("--scale must be positive, --runs at least 1, --warmup at least 0")
    backends = ("sqlite", "postgres") if args.backend == "both" else (args.backend,)
    url = find_postgres(args.database) if "postgres" in backends else None
    if "postgres" in backends and url is None:
        parser.error(
            "no PostgreSQL server: start one with scripts/test-postgres, pass --database URL, "
            "or use --backend sqlite"
        )
    return Options(
        backends=backends,
        postgres_url=url,
        scale=args.scale,
        warmup=args.warmup,
        runs=args.runs,
        seed=args.seed,
        explain=args.explain,
    )


async def measure(options: Options) -> list[Timing]:
    started = time.perf_counter()
    small, large = options.sizes
    plan = design(members=options.members, small=small, total=large, seed=options.seed)
    print(
        f"data set designed in {time.perf_counter() - started:.1f} s: {len(plan.pairs):,} "
        f"(member, channel) pairs with activity",
        flush=True,
    )
    timings: list[Timing] = []
    for backend in options.backends:
        timings += await run_backend(backend=backend, options=options, plan=plan)
    return timings


def main(argv: Sequence[str] | None = None) -> int:
    """Run once; 0 when the reports agree everywhere, else 1 (slow is not a failure)."""
    options = _parse(argv)
    small, large = options.sizes
    print(
        f"facilitation reports: quiet and room for #{FORUM} ({options.members:,} members), "
        f"last {DEFAULT_DAYS} days, at {small:,} and {large:,} activity rows; "
        f"{options.warmup} warm-up + {options.runs} runs each; "
        f"{', '.join(BACKENDS[b] for b in options.backends)}; "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs",
        flush=True,
    )
    timings = asyncio.run(measure(options))
    print(summary(timings, options))
    return 1 if disagreements(timings) else 0


if __name__ == "__main__":
    sys.exit(main())

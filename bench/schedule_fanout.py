"""The busiest minute of the month: 1,000 forum prompts and 5,000 lunch reminders at once.

1,000 channels each have a confirmed monthly forum ("first Tuesday of the month at
12:30") and 50 lunch-and-learn sessions with 100 people going each start the next
day, so their "tomorrow" reminders fall due at the same moment as the forum prompts.
With a controlled clock set to that moment, the benchmark measures the wall time of
the real `plan()` plus the real `OutboxSender.drain()` (through `SlackPoster` and
`build_client`, whose retry handler waits out Retry-After) until nothing is pending,
against a fake Slack that enforces 1 message/s per channel, a global rate and random
429s. It checks that every target got exactly one message and compares the time
with the floor the rate limit alone imposes. Run from the repository root:

    .venv/bin/python -m bench.schedule_fanout [--scale 0.1] [--database URL]

See bench/README.md for how to read it.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import logging
import multiprocessing
import os
import platform
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
from sqlalchemy import func, insert, select

from bench.common import bench_database
from bot.outbox_sender import DrainReport, OutboxSender
from bot.slack.client import build_client
from bot.slack.poster import SlackPoster
from content import load_pack
from handlers import Context
from handlers.outbox.planner import plan
from handlers.scheduling.recurrence import parse_recurrence
from storage import Database
from storage.lunch import GOING
from storage.models import LunchSession, Member, OutboxMessage, Rsvp, Schedule, Workspace
from storage.outbox import next_due, set_planned_until
from tests.clock import FakeClock
from tests.fakes.slack_web_api import FakeSlackWebApi

TOKEN = "xoxb-bench-token"
TEAM = "T0FANOUT"
ZONE = ZoneInfo("Europe/London")
WHEN = "first Tuesday of the month at 12:30"
CREATED = datetime(2026, 10, 20, 9, 0, tzinfo=UTC)  # set up a fortnight before
GRACE = timedelta(hours=6)  # the production default (CCPL_CATCHUP_GRACE_HOURS)
TARGET_RATIO = 1.10
MAX_DRAINS = 50  # each backs off further; far more than 8 attempts ever need


# --------------------------------------------------------------------------------------------
# Fake Slack, in a process of its own
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Limits:
    """What the fake enforces on chat.postMessage (see FakeSlackWebApi.enforce_rate_limits)."""

    per_channel: float
    global_rate: float
    random_429: float
    retry_after: int
    seed: int


@dataclass(frozen=True, slots=True)
class FakeReport:
    """What Slack saw, reduced to plain data so it can cross a process boundary."""

    accepted: dict[str, int]
    rate_limited: dict[str, int]
    calls: dict[str, int]
    other_failures: dict[str, int]
    invalid: list[str]


def _report_of(fake: FakeSlackWebApi) -> FakeReport:
    failures = Counter(
        f"{c.method}: HTTP {c.status} {c.response.get('error')}"
        for c in fake.calls
        if not c.ok and c.status != 429
    )
    return FakeReport(
        accepted=dict(fake.accepted_posts),
        rate_limited=dict(fake.rate_limited),
        calls=dict(Counter(c.method for c in fake.calls)),
        other_failures=dict(failures),
        invalid=[f"{i.method}: {i.error}"[:300] for i in fake.invalid[:5]],
    )


def _limit(fake: FakeSlackWebApi, limits: Limits) -> None:
    fake.enforce_rate_limits(
        per_channel_per_second=limits.per_channel,
        global_per_second=limits.global_rate,
        random_429_rate=limits.random_429,
        retry_after=limits.retry_after,
        seed=limits.seed,
    )


def _serve_fake(conn: Connection, limits: Limits) -> None:
    """Child process: serve the fake, answer "report" with a FakeReport, end on "stop"."""

    async def serve() -> None:
        async with FakeSlackWebApi() as fake:
            _limit(fake, limits)
            conn.send(fake.base_url)
            while (command := await asyncio.to_thread(conn.recv)) != "stop":
                if command == "report":
                    conn.send(_report_of(fake))

    asyncio.run(serve())


@asynccontextmanager
async def fake_slack(
    *, limits: Limits, in_process: bool
) -> AsyncIterator[tuple[str, Callable[[], Awaitable[FakeReport]]]]:
    """Yield the fake's base URL and a way to ask what it saw.

    By default the fake runs in a child process: Slack's own CPU time is not ours, and
    on a 2-core machine it would otherwise be charged to the sender, which shares one
    event loop (and one GIL) with everything in this process.
    """
    if in_process:
        async with FakeSlackWebApi() as fake:
            _limit(fake, limits)

            async def local_report() -> FakeReport:
                return _report_of(fake)

            yield fake.base_url, local_report
        return
    spawn = multiprocessing.get_context("spawn")
    ours, theirs = spawn.Pipe()
    child = spawn.Process(target=_serve_fake, args=(theirs, limits), name="fake-slack")
    child.start()
    try:
        for _ in range(120):
            if await asyncio.to_thread(ours.poll, 0.5) or not child.is_alive():
                break
        if not ours.poll():
            raise RuntimeError(f"the fake Slack process did not start (exit code {child.exitcode})")
        base_url = str(ours.recv())

        async def remote_report() -> FakeReport:
            ours.send("report")
            report = await asyncio.to_thread(ours.recv)
            assert isinstance(report, FakeReport)
            return report

        yield base_url, remote_report
    finally:
        if child.is_alive():
            ours.send("stop")
        await asyncio.to_thread(child.join, 10)
        if child.is_alive():
            child.terminate()


# --------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Expected:
    """The moment everything falls due and who must hear at it, by Slack channel id."""

    moment: datetime
    channels: frozenset[str]
    dms: frozenset[str]

    @property
    def targets(self) -> frozenset[str]:
        return self.channels | self.dms


async def seed(*, database: Database, channels: int, sessions: int, going: int) -> Expected:
    """Insert the rows the forms would have made, in bulk (1,000 modals would take minutes).

    Schedules carry exactly the fields `forums.save` + `confirm` store, with the RRULE
    from the real phrase parser; sessions and RSVPs those `lunch.save` and `rsvp` store.
    """
    recurrence = parse_recurrence(text=WHEN)
    [moment] = recurrence.occurrences(
        start=CREATED.astimezone(ZONE).date(), zone=ZONE, after=CREATED, count=1
    )
    starts_at = moment + timedelta(days=1)  # so the "tomorrow" reminder is due at `moment`
    async with database.transaction() as session:
        workspace_id = await session.scalar(
            insert(Workspace)
            .values(platform="slack", external_id=TEAM, created_at=CREATED)
            .returning(Workspace.id)
        )
        assert workspace_id is not None
        users = [f"U{n:08d}" for n in range(sessions * going)]
        await session.execute(
            insert(Member),
            [
                {"workspace_id": workspace_id, "external_id": u, "created_at": CREATED}
                for u in users
            ],
        )
        member_ids = {
            user: member_id
            for user, member_id in await session.execute(select(Member.external_id, Member.id))
        }
        forum_channels = [f"C{n:08d}" for n in range(channels)]
        await session.execute(
            insert(Schedule),
            [
                {
                    "workspace_id": workspace_id,
                    "kind": "forum",
                    "name": f"Place leads forum {n}",
                    "channel": channel,
                    "rrule": recurrence.rrule,
                    "description": recurrence.description[:200],
                    "starts_on": CREATED.astimezone(ZONE).date(),
                    "timezone": ZONE.key,
                    "duration_minutes": 60,
                    "ground_rules": None,
                    "confirmed": True,
                    "paused": False,
                    "prompts_planned": 0,
                    "created_at": CREATED,
                }
                for n, channel in enumerate(forum_channels)
            ],
        )
        session_ids = list(
            await session.scalars(
                insert(LunchSession).returning(LunchSession.id),
                [
                    {
                        "workspace_id": workspace_id,
                        "channel": f"CLUNCH{n:04d}",
                        "title": f"Leading across boundaries {n}",
                        "topic": "Working across organisational boundaries",
                        "starts_at": starts_at,
                        "timezone": ZONE.key,
                        "duration_minutes": 45,
                        "location": "Room 2, Trust HQ",
                        "host": "Dr Example",
                        "capacity": None,
                        "announcement_ts": None,
                        "cancelled": False,
                        "created_at": CREATED,
                    }
                    for n in range(sessions)
                ],
            )
        )
        await session.execute(
            insert(Rsvp),
            [
                {
                    "workspace_id": workspace_id,
                    "session_id": session_id,
                    "member_id": member_ids[users[s * going + g]],
                    "status": GOING,
                    "answered_at": CREATED + timedelta(seconds=g),
                    "attended": None,
                }
                for s, session_id in enumerate(session_ids)
                for g in range(going)
            ],
        )
        # The clock has been running: it last planned a minute before.
        await set_planned_until(session, when=moment - timedelta(minutes=1))
    return Expected(
        moment=moment,
        channels=frozenset(forum_channels),
        dms=frozenset("D" + u[1:] for u in users),
    )


async def outbox_statuses(database: Database) -> dict[str, int]:
    async with database.transaction() as session:
        rows = await session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        )
        return {status: count for status, count in rows}


# --------------------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Options:
    channels: int
    sessions: int
    going: int
    limits: Limits
    batch: int
    concurrency: int
    database: str | None
    in_process: bool
    profile: Path | None
    timeline: bool


@dataclass(slots=True)
class Run:
    """What one measured fan-out did and how long it took."""

    expected: Expected
    planned: int = 0
    plan_seconds: float = 0.0
    drain_seconds: float = 0.0
    drains: int = 0
    drain: DrainReport = field(default_factory=DrainReport)
    clock_advanced: timedelta = timedelta()
    statuses: dict[str, int] = field(default_factory=dict)
    slack: FakeReport | None = None
    cpu_main: float = 0.0
    cpu_process: float = 0.0
    posts: list[tuple[float, int]] = field(default_factory=list)

    @property
    def wall(self) -> float:
        return self.plan_seconds + self.drain_seconds


async def measure(*, options: Options) -> Run:
    """Seed, then time plan + drain-until-done at the moment everything falls due."""
    answers = _PostAnswers()
    async with (
        fake_slack(limits=options.limits, in_process=options.in_process) as (base_url, report),
        bench_database(url=options.database, prefix="ccpl-fanout") as database,
        aiohttp.ClientSession(trace_configs=[answers.trace]) as slack_http,
    ):
        expected = await seed(
            database=database,
            channels=options.channels,
            sessions=options.sessions,
            going=options.going,
        )
        clock = FakeClock(expected.moment)
        ctx = Context(pack=load_pack(), database=database, clock=clock)
        # One HTTP session, client and sender for the whole run, as bot.runtime wires them.
        sender = OutboxSender(
            ctx=ctx,
            poster=SlackPoster(
                client=build_client(token=TOKEN, base_url=base_url, session=slack_http)
            ),
            batch=options.batch,
            concurrency=options.concurrency,
        )
        run = Run(expected=expected)
        profiler = cProfile.Profile() if options.profile else None
        gc.collect()
        if profiler is not None:
            profiler.enable()
        cpu_main, cpu_process = time.thread_time(), time.process_time()
        started = time.perf_counter()
        planned = await plan(ctx=ctx, until=clock(), grace=GRACE)
        run.planned = planned.planned
        run.plan_seconds = time.perf_counter() - started
        started = answers.started = time.perf_counter()
        for _ in range(MAX_DRAINS):
            done = await sender.drain()
            run.drains += 1
            for name in ("sent", "skipped", "retried", "failed"):
                setattr(run.drain, name, getattr(run.drain, name) + getattr(done, name))
            async with database.transaction() as session:
                due = await next_due(session)
            if due is None:
                break
            # What the client gave up on waits for the outbox's back-off: jump the
            # controlled clock there (no real sleep), and keep counting wall time.
            run.clock_advanced += max(timedelta(), due - clock.now)
            clock.now = max(clock.now, due)
        run.drain_seconds = time.perf_counter() - started
        run.cpu_main = time.thread_time() - cpu_main
        run.cpu_process = time.process_time() - cpu_process
        if profiler is not None and options.profile is not None:
            profiler.disable()
            profiler.dump_stats(options.profile)
        run.posts = answers.seen
        run.statuses = await outbox_statuses(database)
        run.slack = await report()
    return run


class _PostAnswers:
    """When each chat.postMessage was answered, and how (200 or 429), seen from the sender's
    side of the HTTP session: seconds since the drain started."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.seen: list[tuple[float, int]] = []
        self.trace = aiohttp.TraceConfig()
        self.trace.on_request_end.append(self._ended)

    async def _ended(
        self,
        session: aiohttp.ClientSession,
        context: object,
        params: aiohttp.TraceRequestEndParams,
    ) -> None:
        if params.url.path.endswith("/chat.postMessage"):
            self.seen.append((time.perf_counter() - self.started, params.response.status))


TICK = 0.25  # seconds per column of the timeline


def timeline(posts: Sequence[tuple[float, int]]) -> list[str]:
    """Accepted posts and 429s per quarter second of the drain, a row per second."""
    if not posts:
        return []
    ticks = int(max(t for t, _ in posts) / TICK) + 1
    accepted, refused = [0] * ticks, [0] * ticks
    for t, status in posts:
        (refused if status == 429 else accepted)[int(t / TICK)] += 1
    per_row = round(1 / TICK)
    lines = [f"timeline            drain second: posts accepted | 429s, per {TICK:g} s"]
    for second in range(0, ticks, per_row):
        ok = " ".join(f"{n:4d}" for n in accepted[second : second + per_row])
        no = " ".join(f"{n:3d}" for n in refused[second : second + per_row])
        lines.append(f"  {second * TICK:5.1f} s  {ok:<19} | {no}")
    return lines


def tail(posts: Sequence[tuple[float, int]]) -> str:
    """How the drain ended: its last 429 and its last accepted post."""
    last_ok = max((t for t, status in posts if status != 429), default=0.0)
    last_429 = max((t for t, status in posts if status == 429), default=0.0)
    late = sum(1 for t, status in posts if status != 429 and t > last_ok - 1)
    return (
        f"last accepted post at {last_ok:.2f} s of the drain; last 429 at {last_429:.2f} s; "
        f"{late} posts accepted in the last second"
    )


@dataclass(frozen=True, slots=True)
class Verdict:
    delivered: int
    duplicates: int
    lost: int
    unexpected: int


def judge(run: Run) -> Verdict:
    """Exactly one accepted post per expected channel or DM, and none anywhere else."""
    assert run.slack is not None
    accepted = run.slack.accepted
    targets = run.expected.targets
    return Verdict(
        delivered=sum(1 for t in targets if accepted.get(t, 0) >= 1),
        duplicates=sum(1 for t in targets if accepted.get(t, 0) > 1),
        lost=sum(1 for t in targets if accepted.get(t, 0) == 0),
        unexpected=sum(n for t, n in accepted.items() if t not in targets),
    )


def describe(*, run: Run, verdict: Verdict, options: Options) -> str:
    """The figures, one per line."""
    assert run.slack is not None
    expected = len(run.expected.targets)
    limits = options.limits
    floor = expected / limits.global_rate
    ratio = run.wall / floor
    refused = run.slack.rate_limited
    causes = ", ".join(f"{c} {refused.get(c, 0)}" for c in ("channel", "global", "random"))
    calls = ", ".join(f"{m} {n}" for m, n in sorted(run.slack.calls.items()))
    statuses = ", ".join(f"{s} {n}" for s, n in sorted(run.statuses.items()))
    d = run.drain
    exact = verdict.duplicates == verdict.lost == verdict.unexpected == 0
    lines = [
        f"messages expected   {expected} ({len(run.expected.channels)} forum prompts + "
        f"{len(run.expected.dms)} lunch reminders, due {run.expected.moment:%Y-%m-%d %H:%M %Z})",
        f"delivered           {verdict.delivered}",
        f"duplicates          {verdict.duplicates}",
        f"lost                {verdict.lost}",
        f"unexpected posts    {verdict.unexpected}",
        f"429s seen           {sum(refused.values())} ({causes})",
        f"API calls           {sum(run.slack.calls.values())} ({calls})",
        f"outbox              {statuses}; planned {run.planned}; {run.drains} drain(s): "
        f"sent {d.sent}, retried later {d.retried}, failed {d.failed}, skipped {d.skipped}; "
        f"clock moved {run.clock_advanced.total_seconds():.0f} s",
        f"wall time           {run.wall:.2f} s (plan {run.plan_seconds:.2f} s + "
        f"drain {run.drain_seconds:.2f} s); {expected / run.wall:.0f} messages/s",
        f"sender CPU          {run.cpu_main:.2f} s on the event loop's thread "
        f"({run.cpu_main / run.wall:.0%} of wall time), {run.cpu_process:.2f} s in all threads; "
        f"{run.cpu_process / expected * 1000:.2f} ms per message (plan and send)",
        f"drain's end         {tail(run.posts)}",
        f"rate-limit floor    {floor:.2f} s = {expected} messages / {limits.global_rate:g} per s "
        f"(per-channel floor ~0 s: one message per channel at {limits.per_channel:g}/s)",
        f"ratio               {ratio:.2f}x the floor (target <= {TARGET_RATIO:.2f}x: "
        f"{'met' if ratio <= TARGET_RATIO and exact else 'not met'})",
    ]
    if run.slack.other_failures:
        failures = ", ".join(f"{k} x{n}" for k, n in run.slack.other_failures.items())
        lines.append(f"other failed calls  {failures}")
    for invalid in run.slack.invalid:
        lines.append(f"invalid payload     {invalid}")
    if options.timeline:
        lines += timeline(run.posts)
    return "\n".join(lines)


def _parse(argv: Sequence[str] | None) -> Options:
    parser = argparse.ArgumentParser(
        prog="python -m bench.schedule_fanout",
        description="1,000 forum prompts + 5,000 lunch reminders due at once, "
        "through the real planner, outbox sender and Slack client, against a rate-limited fake.",
    )
    parser.add_argument(
        "--scale", type=float, default=1.0, help="shrink or grow channels and sessions (0.1: quick)"
    )
    parser.add_argument("--channels", type=int, default=1000, help="forum channels at scale 1")
    parser.add_argument("--sessions", type=int, default=50, help="lunch sessions at scale 1")
    parser.add_argument("--going", type=int, default=100, help="people going to each session")
    parser.add_argument(
        "--global-rate", type=float, default=400.0, help="messages/s across all channels"
    )
    parser.add_argument("--per-channel-rate", type=float, default=1.0, help="messages/s each")
    parser.add_argument("--random-429", type=float, default=0.01, help="share of posts refused")
    parser.add_argument("--seed", type=int, default=1, help="for the random 429s")
    parser.add_argument("--batch", type=int, default=2000, help="OutboxSender(batch=...)")
    parser.add_argument("--concurrency", type=int, default=64, help="OutboxSender(concurrency=...)")
    parser.add_argument(
        "--database",
        metavar="URL",
        help="run on a throwaway database on this PostgreSQL server "
        "(e.g. postgresql+asyncpg://ccpl@127.0.0.1:5433/ccpl_test); default: SQLite",
    )
    parser.add_argument(
        "--in-process-fake",
        action="store_true",
        help="serve the fake Slack in this process (default: a child process)",
    )
    parser.add_argument(
        "--profile", metavar="FILE", type=Path, help="cProfile plan + drain into FILE (slower)"
    )
    parser.add_argument(
        "--timeline",
        action="store_true",
        help="print posts accepted and 429s per quarter second of the drain",
    )
    args = parser.parse_args(argv)
    channels = max(1, round(args.channels * args.scale))
    sessions = max(1, round(args.sessions * args.scale))
    if min(args.going, args.batch, args.concurrency) < 1 or args.global_rate <= 0:
        parser.error("--going, --batch, --concurrency and --global-rate must be positive")
    if not 0 <= args.random_429 <= 1:
        parser.error("--random-429 is a share between 0 and 1")
    return Options(
        channels=channels,
        sessions=sessions,
        going=args.going,
        limits=Limits(
            per_channel=args.per_channel_rate,
            global_rate=args.global_rate,
            random_429=args.random_429,
            retry_after=1,
            seed=args.seed,
        ),
        batch=args.batch,
        concurrency=args.concurrency,
        database=args.database,
        in_process=args.in_process_fake,
        profile=args.profile,
        timeline=args.timeline,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run once; 0 when nothing was lost or doubled, else 1 (slow is not a failure)."""
    options = _parse(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    limits = options.limits
    print(
        f"schedule fan-out: {options.channels} forum channels + {options.sessions} lunch "
        f"sessions x {options.going} going; "
        f"{'PostgreSQL' if options.database else 'SQLite'}; fake Slack "
        f"{'in process' if options.in_process else 'in a child process'}: "
        f"{limits.per_channel:g}/s per channel, {limits.global_rate:g}/s global, "
        f"{limits.random_429:.1%} random 429s (Retry-After {limits.retry_after}); "
        f"OutboxSender(batch={options.batch}, concurrency={options.concurrency}); "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs",
        flush=True,
    )
    run = asyncio.run(measure(options=options))
    verdict = judge(run)
    print(describe(run=run, verdict=verdict, options=options))
    if options.profile is not None:
        print(f"profile written to {options.profile} (python -m pstats {options.profile})")
    return 1 if verdict.duplicates or verdict.lost or verdict.unexpected else 0


if __name__ == "__main__":
    sys.exit(main())

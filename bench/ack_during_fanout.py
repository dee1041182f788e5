"""Answers during the busiest minute: a modal submit and a command while 6,000 posts go out.

The fan-out of bench.schedule_fanout (1,000 forum prompts and 5,000 lunch reminders
due at once, against a fake Slack with 1 message/s per channel, a global rate and
random 429s) runs in the real runtime's outbox sender, as `serve` wires it. Once the
fan-out is under way, a facilitator submits the "lunch add" modal and a member runs
`/ccpl tip`, both through signed HTTP requests to the real aiohttp app. Slack gives up
on an answer after 3 seconds; the target is an ack within 1 second. Run from the
repository root:

    .venv/bin/python -m bench.ack_during_fanout [--scale 1] [--database URL]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass

from aiohttp import ClientSession
from aiohttp.test_utils import TestServer

from bench.common import bench_database
from bench.schedule_fanout import GRACE, Limits, _limit, seed
from bot.http import build_web_app
from bot.runtime import build_runtime
from bot.settings import load_settings
from content import load_pack
from handlers import Context
from handlers.outbox.planner import plan
from tests.bot.slack_harness import SECRET, Harness, submit_view
from tests.clock import FakeClock
from tests.fakes.slack_web_api import FakeSlackWebApi

TARGET_SECONDS = 1.0
HOST = "UBENCHHOST"
TEAM_OF_SEED = "T0FANOUT"


@dataclass(frozen=True, slots=True)
class Timing:
    sent_before: int
    modal_ack: float
    command_answer: float
    sent_during: int


async def _answers_while_busy(bot: Harness, *, ctx: Context, started_after: int) -> Timing:
    """Wait until the fan-out is under way, then time a modal submit and a command."""
    await bot.fake.wait_for("chat.postMessage", count=started_after, successful=True, timeout=60)
    sent_before = len(bot.fake.calls_to("chat.postMessage", successful=True))
    view = await bot.open_form(text="lunch add", team=TEAM_OF_SEED, user=HOST, channel="C0LUNCH")
    answers = {
        "title": "Leading across boundaries",
        "topic": ctx.pack.lunch_topics[0].id,
        "date": "2026-11-20",
        "time": "12:30",
        "duration": "45",
        "location": "Room 2, Trust HQ",
        "host": "Dr Example",
        "capacity": "20",
    }
    started = time.perf_counter()
    sent = await submit_view(bot, view=view, answers=answers, team=TEAM_OF_SEED, user=HOST)
    modal_ack = time.perf_counter() - started
    assert sent.status == 200, sent
    started = time.perf_counter()
    await bot.command(text="tip", team=TEAM_OF_SEED, user="UMEMBER")
    command_answer = time.perf_counter() - started
    sent_during = len(bot.fake.calls_to("chat.postMessage", successful=True)) - sent_before
    return Timing(
        sent_before=sent_before,
        modal_ack=modal_ack,
        command_answer=command_answer,
        sent_during=sent_during,
    )


async def run(*, scale: float, database_url: str | None) -> Timing:
    limits = Limits(per_channel=1.0, global_rate=400.0, random_429=0.01, retry_after=1, seed=7)
    async with (
        FakeSlackWebApi() as fake,
        bench_database(url=database_url, prefix="ccpl-ack") as database,
    ):
        _limit(fake, limits)
        fake.set_user(HOST, is_admin=True)
        expected = await seed(
            database=database,
            channels=round(1000 * scale),
            sessions=max(1, round(50 * scale)),
            going=100,
        )
        ctx = Context(pack=load_pack(), database=database, clock=FakeClock(expected.moment))
        await plan(ctx=ctx, until=ctx.clock(), grace=GRACE)
        settings = load_settings(
            environ={
                "SLACK_BOT_TOKEN": "xoxb-bench-token",
                "SLACK_SIGNING_SECRET": SECRET,
                "SLACK_API_URL": fake.base_url,
                "DATABASE_URL": "sqlite+aiosqlite:///unused.db",
            },
            env_file=None,
        )
        runtime = await build_runtime(settings=settings, ctx=ctx, clock=False)
        server = TestServer(build_web_app(database=database, slack=runtime.slack), host="127.0.0.1")
        await server.start_server()
        try:
            async with ClientSession() as http:
                bot = Harness(fake=fake, root=str(server.make_url("/")), http=http, runtime=runtime)
                runtime.sender.wake()
                return await _answers_while_busy(bot, ctx=ctx, started_after=200)
        finally:
            await server.close()
            await runtime.stop()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ack_during_fanout")
    parser.add_argument("--scale", type=float, default=1.0, help="1 = 6,000 posts (default)")
    parser.add_argument("--database", default=None, help="a PostgreSQL URL; default SQLite")
    options = parser.parse_args(argv)
    timing = asyncio.run(run(scale=options.scale, database_url=options.database))
    backend = "PostgreSQL" if options.database else "SQLite"
    print(f"{backend}, fan-out of {round(6000 * options.scale):,} posts already under way")
    print(f"  posts sent before the requests: {timing.sent_before:,}")
    for name, seconds in (
        ("modal submit ack", timing.modal_ack),
        ("/ccpl tip answer", timing.command_answer),
    ):
        verdict = "ok" if seconds <= TARGET_SECONDS else "OVER"
        print(
            f"  {name}: {seconds * 1000:,.0f} ms "
            f"({seconds / TARGET_SECONDS:.2f}x the {TARGET_SECONDS:.0f} s target) {verdict}"
        )
    print(f"  posts sent while they were answered: {timing.sent_during:,}")
    return 0 if max(timing.modal_ack, timing.command_answer) <= TARGET_SECONDS else 1


if __name__ == "__main__":
    raise SystemExit(main())

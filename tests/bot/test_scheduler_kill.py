"""`kill -9` of the `scheduler` mid fan-out, on PostgreSQL: a second scheduler delivers
every post within 90 s, and only posts in flight at the kill can be doubled."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bench.schedule_fanout import seed
from content import load_pack
from handlers import Context
from handlers.outbox.planner import plan
from storage import Database, upgrade
from tests.clock import FakeClock
from tests.conftest import TEST_DATA_KEY
from tests.fakes.postgres import drop_database, fresh_database, postgres_url_or_skip
from tests.fakes.slack_web_api import FakeSlackWebApi

POSTS = 1400
IN_FLIGHT = 64  # the sender's concurrency: the most a kill can leave unmarked


@pytest.fixture
async def fanned_out() -> AsyncIterator[tuple[str, frozenset[str]]]:
    """A PostgreSQL database with 1,400 forum prompts due and unsent."""
    url = await fresh_database(postgres_url_or_skip())
    database = Database(url=url)
    try:
        await upgrade(database=database)
        expected = await seed(database=database, channels=POSTS, sessions=1, going=1)
        ctx = Context(pack=load_pack(), database=database, clock=FakeClock(expected.moment))
        await plan(ctx=ctx, until=expected.moment, grace=timedelta(hours=6))
        yield url, expected.channels
    finally:
        await database.dispose()
        await drop_database(url)


async def _scheduler(url: str, fake: FakeSlackWebApi, cwd: Path) -> asyncio.subprocess.Process:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "CCPL_"))},
        "SLACK_BOT_TOKEN": "xoxb-process-test",
        "SLACK_SIGNING_SECRET": "unused-in-the-scheduler",
        "SLACK_API_URL": fake.base_url,
        "DATABASE_URL": url,
        # The key the test sealed its data with, as every process of one deployment shares.
        "CCPL_DATA_KEY": TEST_DATA_KEY.text(),
        # This checkout's code, whatever the installed package points at.
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
    }
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "scheduler",
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=(cwd / "scheduler.log").open("ab"),
    )


async def test_kill_9_mid_fan_out_delivers_everything_within_90_s(
    fanned_out: tuple[str, frozenset[str]], tmp_path: Path
) -> None:
    url, channels = fanned_out
    async with FakeSlackWebApi() as fake:
        # Slow enough (about 100 posts a second) that the kill lands mid fan-out.
        fake.enforce_rate_limits(per_channel_per_second=None, global_per_second=100)
        first = await _scheduler(url, fake, tmp_path)
        try:
            await fake.wait_for("chat.postMessage", count=300, successful=True, timeout=20)
        finally:
            first.send_signal(signal.SIGKILL)
            await first.wait()
        killed_at = time.monotonic()
        before = sum(fake.accepted_posts[c] for c in channels)
        assert before < POSTS, "the fan-out finished before the kill"
        second = await _scheduler(url, fake, tmp_path)
        try:
            async with asyncio.timeout(90):
                while not all(fake.accepted_posts[c] for c in channels):
                    await fake.wait_for(count=len(fake.calls) + 1, timeout=90)
        finally:
            second.terminate()
            await second.wait()
        took = time.monotonic() - killed_at
        doubled = sum(fake.accepted_posts[c] - 1 for c in channels)
        # Shown with -s: the figures the README quotes.
        print(
            f"kill -9 after {before} posts: all {POSTS} out {took:.0f} s later, {doubled} doubled"
        )
        assert took < 90
        assert doubled <= IN_FLIGHT

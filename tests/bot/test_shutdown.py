"""Stopping and starting cleanly: SIGTERM exits 0 within 10 s, giving back what it held;
a start-up failure names its real cause.

The process tests run `python -m bot` from this checkout (PYTHONPATH), not whatever
copy happens to be installed.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.outbox_sender import OutboxSender
from content import ContentPack
from handlers import Actor, Context
from handlers.outbox.planner import plan
from storage import Database
from storage.crypto import DataKey
from tests.bot.processes import free_port
from tests.bot.test_outbox_leases import GRACE, SLOW, HoldingPoster
from tests.bot.test_schedule_engine import facilitator_roles, setup_forum
from tests.clock import FakeClock
from tests.fakes.poster import RecordingPoster
from tests.fakes.slack_web_api import FakeSlackWebApi

CHECKOUT = Path(__file__).resolve().parents[2]


def _env(tmp_path: Path, **settings: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "CCPL_", "DATAB"))}
    return {
        **clean,
        "PYTHONPATH": str(CHECKOUT),
        "CCPL_DATA_KEY": DataKey.generate().text(),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
        "PORT": str(free_port()),
        **settings,
    }


@asynccontextmanager
async def _started(
    command: str, env: dict[str, str], cwd: Path, ready: bytes
) -> AsyncIterator[tuple[asyncio.subprocess.Process, list[bytes]]]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", command, cwd=cwd, env=env, stderr=asyncio.subprocess.PIPE
    )
    assert process.stderr is not None
    said: list[bytes] = []
    try:
        async with asyncio.timeout(30):
            while not any(ready in line for line in said):
                line = await process.stderr.readline()
                assert line, f"{command} exited during start-up:\n{b''.join(said).decode()}"
                said.append(line)
        yield process, said
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def _terminate(process: asyncio.subprocess.Process, said: list[bytes]) -> float:
    assert process.stderr is not None
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    async with asyncio.timeout(10):
        said.append(await process.stderr.read())
        await process.wait()
    return time.monotonic() - started


@pytest.mark.parametrize(
    ("command", "ready"), [("serve", b"listening on port"), ("scheduler", b"scheduler started")]
)
async def test_sigterm_stops_the_process_cleanly_within_ten_seconds(
    tmp_path: Path, command: str, ready: bytes
) -> None:
    async with FakeSlackWebApi() as fake:
        env = _env(
            tmp_path,
            SLACK_BOT_TOKEN="xoxb-process-test",
            SLACK_SIGNING_SECRET="a-signing-secret",
            SLACK_API_URL=fake.base_url,
        )
        async with _started(command, env, tmp_path, ready) as (process, said):
            took = await _terminate(process, said)
    log = b"".join(said).decode()
    assert process.returncode == 0, log
    assert took < 10
    assert "Traceback" not in log
    assert f"{command} stopped cleanly" in log


async def test_an_unreachable_slack_api_at_start_up_is_named_as_such(tmp_path: Path) -> None:
    closed = f"http://127.0.0.1:{free_port()}/api/"
    env = _env(
        tmp_path,
        SLACK_BOT_TOKEN="xoxb-process-test",
        SLACK_SIGNING_SECRET="a-signing-secret",
        SLACK_API_URL=closed,
    )
    for command in ("serve", "scheduler"):
        done = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            command,
            cwd=tmp_path,
            env=env,
            stderr=asyncio.subprocess.PIPE,
        )
        async with asyncio.timeout(30):
            _, err = await done.communicate()
        said = err.decode()
        assert done.returncode == 1, said
        [reason] = [line for line in said.splitlines() if line.startswith("ccpl-bot:")]
        assert "cannot reach the Slack API" in reason and "SLACK_API_URL" in reason
        assert "database" not in reason
        assert "Traceback" not in said


async def test_a_port_already_taken_is_named_as_such(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        port = taken.getsockname()[1]
        async with FakeSlackWebApi() as fake:
            env = _env(
                tmp_path,
                SLACK_BOT_TOKEN="xoxb-process-test",
                SLACK_SIGNING_SECRET="a-signing-secret",
                SLACK_API_URL=fake.base_url,
                PORT=str(port),
            )
            done = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "serve",
                cwd=tmp_path,
                env=env,
                stderr=asyncio.subprocess.PIPE,
            )
            async with asyncio.timeout(30):
                _, err = await done.communicate()
    said = err.decode()
    assert done.returncode == 1, said
    [reason] = [line for line in said.splitlines() if line.startswith("ccpl-bot:")]
    assert f"port {port} is already in use" in reason and "PORT" in reason
    assert "database" not in reason
    assert "Traceback" not in said


@pytest.fixture
def fctx(pack: ContentPack, own_database: Database, clock: FakeClock) -> Context:
    return Context(pack=pack, database=own_database, clock=clock, resolve_roles=facilitator_roles)


async def _due_posts(ctx: Context, actor: Actor, channels: list[str]) -> None:
    clock = ctx.clock
    assert isinstance(clock, FakeClock)
    clock.now = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    for channel in channels:
        await setup_forum(
            ctx,
            dataclasses.replace(actor, channel=channel),
            when="first Tuesday of the month at 12:30",
        )
    clock.now = datetime(2026, 11, 3, 12, 30, tzinfo=UTC)
    await plan(ctx=ctx, until=clock.now, grace=GRACE)


async def test_a_stopping_sender_gives_back_what_it_has_not_sent(
    fctx: Context, actor: Actor
) -> None:
    await _due_posts(fctx, actor, [SLOW, "CFAST"])
    slow = HoldingPoster()
    sender = OutboxSender(ctx=fctx, poster=slow)
    running = asyncio.create_task(sender.run())
    sender.wake()
    async with asyncio.timeout(5):
        await slow.arrived.wait()
    # Stuck on a post that never lands: after the grace it is cancelled and given back.
    given_back = await sender.stop(grace=0.2)
    running.cancel()
    assert given_back >= 1
    standby = RecordingPoster()
    # At the same moment, not a lease later: another sender takes the row at once.
    await OutboxSender(ctx=fctx, poster=standby).drain()
    assert len(standby.to(SLOW)) == 1
    assert standby.to("CFAST") == []  # sent before the stop, never twice


async def test_a_stopping_sender_lets_a_post_in_flight_land(fctx: Context, actor: Actor) -> None:
    await _due_posts(fctx, actor, [SLOW])
    slow = HoldingPoster()
    sender = OutboxSender(ctx=fctx, poster=slow)
    draining = asyncio.create_task(sender.drain())
    async with asyncio.timeout(5):
        await slow.arrived.wait()
    stopping = asyncio.create_task(sender.stop(grace=5))
    await asyncio.sleep(0.05)
    slow.released.set()
    assert await stopping == 0
    await draining
    assert len(slow.to(SLOW)) == 1
    standby = RecordingPoster()
    await OutboxSender(ctx=fctx, poster=standby).drain()
    assert standby.posts == []
    # Once stopped, a late wake-up (a tick of the clock) claims nothing.
    report = await sender.drain()
    assert report.sent == 0

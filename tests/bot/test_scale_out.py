"""The container's process layout, and growing past one machine, on one PostgreSQL.

The commands come from the Procfile, the one source the Dockerfile and compose.yaml
are checked against: release (`db upgrade`), web (`serve`), clock (`scheduler`).
Every process is real, configured only by its environment, and talks to the loopback
fake of the Slack Web API, which counts every post.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import shlex
import sys
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from aiohttp import ClientSession
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from content import load_pack
from handlers import Actor, Context, Platform
from handlers.lunch.payloads import RSVP_PRESS, Answer, RsvpPress
from storage import Database
from storage.models import OutboxMessage, Rsvp
from tests.bot.processes import free_port, lunch_with_places
from tests.bot.slack_harness import SECRET, Harness
from tests.bot.test_schedule_engine import facilitator_roles, setup_forum
from tests.clock import FakeClock
from tests.conftest import TEST_DATA_KEY
from tests.fakes.postgres import drop_database, fresh_database, postgres_url_or_skip
from tests.fakes.slack_web_api import FakeSlackWebApi

ROOT = Path(__file__).resolve().parents[2]
TEAM = "TSCALE"
READY = {"web": b"listening on port", "clock": b"scheduler started"}

pytestmark = pytest.mark.postgres


def procfile() -> dict[str, list[str]]:
    """Each process type's command, as the Procfile (and so the container) runs it."""
    lines = (ROOT / "Procfile").read_text(encoding="utf-8").splitlines()
    return {
        kind.strip(): shlex.split(command)
        for kind, _, command in (line.partition(":") for line in lines if line.strip())
    }


def _argv(kind: str) -> list[str]:
    program, *args = procfile()[kind]
    assert program == "ccpl-bot"
    # This checkout's code, whatever `ccpl-bot` on PATH was installed from.
    return [sys.executable, "-m", "bot", *args]


def _env(*, url: str, fake: FakeSlackWebApi, port: int | None = None) -> dict[str, str]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "CCPL_", "DATAB"))},
        "PYTHONPATH": str(ROOT),
        "SLACK_BOT_TOKEN": "xoxb-scale-out",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake.base_url,
        "DATABASE_URL": url,
        "CCPL_DATA_KEY": TEST_DATA_KEY.text(),
        "CCPL_HOST": "127.0.0.1",
    }
    if port is not None:
        env["PORT"] = str(port)
    return env


@dataclasses.dataclass
class Running:
    kind: str
    process: asyncio.subprocess.Process
    root: str | None  # a web process's address


async def _start(
    stack: AsyncExitStack, kind: str, *, url: str, fake: FakeSlackWebApi, cwd: Path
) -> Running:
    """One process of the layout; returns once it says it is ready."""
    port = free_port() if kind == "web" else None
    process = await asyncio.create_subprocess_exec(
        *_argv(kind),
        cwd=cwd,
        env=_env(url=url, fake=fake, port=port),
        stderr=asyncio.subprocess.PIPE,
    )

    async def stop() -> None:
        if process.returncode is None:
            process.terminate()
            await process.wait()

    stack.push_async_callback(stop)
    assert process.stderr is not None
    said = b""
    async with asyncio.timeout(60):
        while READY[kind] not in said:
            line = await process.stderr.readline()
            assert line, f"{kind} exited during start-up:\n{said.decode()}"
            said += line
    # Keep reading, so a chatty process never blocks on a full pipe.
    stack.push_async_callback(_cancelled, asyncio.create_task(_drain(process)))
    return Running(kind=kind, process=process, root=f"http://127.0.0.1:{port}" if port else None)


async def _drain(process: asyncio.subprocess.Process) -> None:
    assert process.stderr is not None
    while await process.stderr.readline():
        pass


async def _cancelled(task: asyncio.Task[None]) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def _release(*, url: str, fake: FakeSlackWebApi, cwd: Path) -> str:
    process = await asyncio.create_subprocess_exec(
        *_argv("release"), cwd=cwd, env=_env(url=url, fake=fake), stdout=asyncio.subprocess.PIPE
    )
    out, _ = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0
    return out.decode()


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    url = await fresh_database(postgres_url_or_skip())
    try:
        yield url
    finally:
        await drop_database(url)


def _sample(text: str, name: str) -> float:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name:
                return sample.value
    raise AssertionError(f"{name} not in /metrics")


def test_the_dockerfile_and_compose_run_the_procfiles_commands() -> None:
    commands = procfile()
    assert set(commands) == {"release", "web", "clock"}
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    for kind, command in commands.items():
        assert services[kind]["command"] == command, kind
    assert services["web"]["deploy"]["replicas"] == 2
    assert services["clock"].get("deploy", {}).get("replicas", 1) == 1
    assert services["web"]["depends_on"]["release"]["condition"] == (
        "service_completed_successfully"
    )
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert f"CMD {commands['web']}".replace("'", '"') in dockerfile
    assert "--require-hashes -r /tmp/requirements.lock" in dockerfile
    assert "USER ccpl" in dockerfile and "/healthz" in dockerfile
    assert dockerfile.count("FROM python:3.11-slim") == 2  # build stage, then the image


# The layout compose.yaml runs (release, then web processes and a clock), grown to three
# web processes behind a balancer and two clocks, one elected.

WEBS, CLOCKS = 3, 2
PEOPLE, PLACES = 30, 10
FORUMS = [f"C0SCALE{n}" for n in range(8)]


async def _forums_due_a_minute_ago(url: str) -> None:
    """Forums set up yesterday, meeting every day at the minute just gone: the elected
    clock's first planning finds each one due, a fan-out across channels."""
    database = Database(url=url)
    zone = ZoneInfo("Europe/London")
    just_gone = (datetime.now(UTC) - timedelta(minutes=1)).astimezone(zone)
    clock = FakeClock(datetime.now(UTC) - timedelta(days=1))
    ctx = Context(pack=load_pack(), database=database, clock=clock, resolve_roles=facilitator_roles)
    lead = Actor(platform=Platform.SLACK, workspace=TEAM, user="UHOST", channel=FORUMS[0])
    try:
        for channel in FORUMS:
            await setup_forum(
                ctx,
                dataclasses.replace(lead, channel=channel),
                when=f"every day at {just_gone:%H:%M}",
            )
    finally:
        await database.dispose()


async def _lunch(url: str) -> int:
    return await lunch_with_places(
        url,
        team=TEAM,
        channel="C0LUNCH",
        places=PLACES,
        title="Population health",
        topic="population health",
    )


async def _table(url: str, query: Any) -> list[Any]:
    database = Database(url=url)
    try:
        async with database.transaction() as session:
            return list((await session.execute(query)).all())
    finally:
        await database.dispose()


def _mention(n: int) -> dict[str, Any]:
    ts = f"{int(time.time())}.{n:06}"
    return {
        "type": "app_mention",
        "user": f"UM{n:03}",
        "text": "<@U0CCPLBOT> principles",
        "ts": ts,
        "channel": "C0MENTION",
        "event_ts": ts,
    }


async def _mentions_delivered_thrice(bots: list[Harness]) -> int:
    """Each mention sent to one process, redelivered to another, and retried on a third."""
    mentions = 6
    for n in range(mentions):
        event = _mention(n)
        event_id = f"EvScale{uuid.uuid4().hex[:10]}"
        first = bots[n % WEBS].event(event=event, team=TEAM, event_id=event_id)
        again = bots[(n + 1) % WEBS].event(event=event, team=TEAM, event_id=event_id)
        retried = bots[(n + 2) % WEBS].event(event=event, team=TEAM, event_id=event_id, retry=1)
        sent = await asyncio.gather(first, again, retried)
        assert [s.status for s in sent] == [200, 200, 200]
    return mentions


async def test_the_container_layout_scaled_out_answers_once_and_posts_once(
    pg_url: str, tmp_path: Path
) -> None:
    async with FakeSlackWebApi() as fake, AsyncExitStack() as stack, ClientSession() as http:
        await _release(url=pg_url, fake=fake, cwd=tmp_path)
        await _forums_due_a_minute_ago(pg_url)
        lunch_id = await _lunch(pg_url)
        started = await asyncio.gather(
            *(
                _start(stack, kind, url=pg_url, fake=fake, cwd=tmp_path)
                for kind in ["web"] * WEBS + ["clock"] * CLOCKS
            )
        )
        bots = [Harness(fake=fake, root=r.root, http=http) for r in started if r.root]

        going = RSVP_PRESS.encode(RsvpPress(session_id=lunch_id, answer=Answer.GOING))
        rsvps = asyncio.gather(
            *(
                bots[n % WEBS].click(
                    action_id="lunch.rsvp", value=going, team=TEAM, user=f"U{n:03}"
                )
                for n in range(PEOPLE)
            )
        )
        tips = asyncio.gather(
            *(bots[n % WEBS].command(text="tip", team=TEAM, user=f"UT{n:03}") for n in range(9))
        )
        mentions = await _mentions_delivered_thrice(bots)
        answers, tipped = await asyncio.gather(rsvps, tips)

        # Every request answered once, on its own response URL, by whichever process took it.
        assert len(fake.responses) == PEOPLE + len(tipped)
        assert len([a for a in answers if "waitlist" in a["text"]]) == PEOPLE - PLACES
        statuses = Counter(status for (status,) in await _table(pg_url, select(Rsvp.status)))
        assert statuses == {"going": PLACES, "waitlist": PEOPLE - PLACES}

        # Each mention answered once in its thread, despite three deliveries.
        replies = await fake.wait_for_matching(
            lambda call: (
                call.method == "chat.postMessage" and call.params.get("channel") == "C0MENTION"
            ),
            count=mentions,
            timeout=30,
        )
        assert len({r.params["thread_ts"] for r in replies}) == mentions

        # The elected clock's fan-out: every forum post sent, each exactly once.
        planned = await _forum_rows_sent(pg_url)
        assert {target for target, _ in planned} == set(FORUMS)
        per_channel = Counter(
            call.params["channel"]
            for call in fake.calls_to("chat.postMessage", successful=True)
            if call.params["channel"] in FORUMS
        )
        assert per_channel == Counter(target for target, _ in planned)
        invites = await fake.wait_for("files.completeUploadExternal", count=PLACES)
        await asyncio.sleep(0.5)  # real time: a late duplicate from any process would land now
        assert len(fake.calls_to("files.completeUploadExternal")) == len(invites) == PLACES
        assert Counter(
            call.params["channel"]
            for call in fake.calls_to("chat.postMessage", successful=True)
            if call.params["channel"] in FORUMS
        ) == Counter(target for target, _ in planned)
        posts = [
            (c.params["channel"], c.params.get("thread_ts"), c.params.get("text"))
            for c in fake.calls_to("chat.postMessage", successful=True)
        ]
        assert len(posts) == len(set(posts))  # nothing was posted twice, anywhere
        await _healthy_then_stopped_cleanly(http, started)
        fake.assert_all_valid()


async def _healthy_then_stopped_cleanly(http: ClientSession, started: list[Running]) -> None:
    """Every web process answers /healthz; one clock leads; SIGTERM stops each cleanly."""
    for root in [r.root for r in started if r.root is not None]:
        async with http.get(f"{root}/healthz") as response:
            assert response.status == 200
            assert (await response.json())["status"] == "ok"
        async with http.get(f"{root}/metrics") as response:
            page = await response.text()
        assert _sample(page, "ccpl_scheduler_elected") == 1  # a clock leads
        assert _sample(page, "ccpl_scheduler_leader") == 0  # and no web process does
    for running in started:
        running.process.terminate()
    assert await asyncio.gather(*(r.process.wait() for r in started)) == [0] * len(started)


async def _forum_rows_sent(url: str) -> list[tuple[str, str]]:
    """The forum rows due by now, once every one of them has been sent."""
    query = select(OutboxMessage.target, OutboxMessage.status).where(
        OutboxMessage.target.in_(FORUMS), OutboxMessage.due_at <= datetime.now(UTC)
    )
    async with asyncio.timeout(90):
        while True:
            rows = await _table(url, query)
            if {t for t, _ in rows} == set(FORUMS) and all(s == "sent" for _, s in rows):
                return [(t, s) for t, s in rows]
            await asyncio.sleep(0.2)  # real time: the processes run on the real clock

"""Several `ccpl-bot serve` processes on one PostgreSQL: a full session stays exact.

This is how the bot grows past one machine: processes behind a load balancer,
each with its own connections. A hundred people pressing Going at once, spread
over three processes, must fill twenty places exactly and send twenty invites.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path

import pytest
from aiohttp import ClientSession
from sqlalchemy import select

from handlers.lunch.payloads import RSVP_PRESS, Answer, RsvpPress
from storage import Database, upgrade
from storage.models import Rsvp
from tests.bot.processes import free_port, lunch_with_places
from tests.bot.slack_harness import SECRET, Harness
from tests.conftest import TEST_DATA_KEY
from tests.fakes.postgres import drop_database, fresh_database, postgres_url_or_skip
from tests.fakes.slack_web_api import FakeSlackWebApi

ROOT = Path(__file__).resolve().parents[2]
TEAM = "TMANY"
PROCESSES = 3
PEOPLE = 100
PLACES = 20

pytestmark = pytest.mark.postgres


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    url = await fresh_database(postgres_url_or_skip())
    database = Database(url=url)
    await upgrade(database=database)
    await database.dispose()
    try:
        yield url
    finally:
        await drop_database(url)


async def _serve(stack: AsyncExitStack, *, url: str, fake: FakeSlackWebApi, tmp_path: Path) -> str:
    """One `serve` process on the shared database; returns its address once it listens."""
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "CCPL_"))},
        "PYTHONPATH": str(ROOT),
        "SLACK_BOT_TOKEN": "xoxb-many-processes",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake.base_url,
        "DATABASE_URL": url,
        "CCPL_DATA_KEY": TEST_DATA_KEY.text(),
        "PORT": str(port),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "serve", cwd=tmp_path, env=env, stderr=asyncio.subprocess.PIPE
    )

    async def stop() -> None:
        process.terminate()
        await process.wait()

    stack.push_async_callback(stop)
    assert process.stderr is not None
    said = b""
    async with asyncio.timeout(60):
        while b"listening on port" not in said:
            line = await process.stderr.readline()
            assert line, f"serve exited during start-up:\n{said.decode()}"
            said += line
    return f"http://127.0.0.1:{port}"


async def _session(url: str) -> int:
    return await lunch_with_places(
        url,
        team=TEAM,
        channel="C0FORUM",
        places=PLACES,
        title="Shared decision making",
        topic="shared decisions",
    )


async def _answers(url: str, *, lunch_id: int) -> Counter[str]:
    database = Database(url=url)
    try:
        async with database.transaction() as session:
            rows = await session.scalars(select(Rsvp.status).where(Rsvp.session_id == lunch_id))
            return Counter(rows)
    finally:
        await database.dispose()


async def test_a_hundred_going_over_three_processes_fill_twenty_places_exactly(
    pg_url: str, tmp_path: Path
) -> None:
    lunch_id = await _session(pg_url)
    going = RSVP_PRESS.encode(RsvpPress(session_id=lunch_id, answer=Answer.GOING))
    async with FakeSlackWebApi() as fake, AsyncExitStack() as stack, ClientSession() as http:
        roots = await asyncio.gather(
            *(_serve(stack, url=pg_url, fake=fake, tmp_path=tmp_path) for _ in range(PROCESSES))
        )
        bots = [Harness(fake=fake, root=root, http=http) for root in roots]

        answers = await asyncio.gather(
            *(
                bots[n % PROCESSES].click(
                    action_id="lunch.rsvp", value=going, team=TEAM, user=f"U{n:03}"
                )
                for n in range(PEOPLE)
            )
        )

        waiting = [a for a in answers if "waitlist" in a["text"]]
        assert len(waiting) == PEOPLE - PLACES
        assert await _answers(pg_url, lunch_id=lunch_id) == {
            "going": PLACES,
            "waitlist": PEOPLE - PLACES,
        }
        invites = await fake.wait_for("files.completeUploadExternal", count=PLACES)
        await asyncio.sleep(0)  # nothing else is queued behind the twentieth
        assert len([f for f in fake.files if f.filename == "session.ics"]) == PLACES == len(invites)
        fake.assert_all_valid()

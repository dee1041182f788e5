"""`ccpl-bot serve` as a real process, configured only through its settings."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import ClientSession

from storage.crypto import DataKey
from tests.bot.processes import free_port
from tests.bot.slack_harness import SECRET, Harness
from tests.fakes.slack_web_api import FakeSlackWebApi


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[Harness]:
    async with FakeSlackWebApi() as fake:
        port = free_port()
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "CCPL_"))},
            "SLACK_BOT_TOKEN": "xoxb-process-test",
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": fake.base_url,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'served.db'}",
            "PORT": str(port),
            "CCPL_DATA_KEY": DataKey.generate().text(),
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "serve",
            cwd=tmp_path,
            env=env,
            stderr=asyncio.subprocess.PIPE,
        )
        assert process.stderr is not None
        try:
            said = b""
            async with asyncio.timeout(30):
                # Wait for the server's own word that it listens, not a guessed delay.
                while b"listening on port" not in said:
                    line = await process.stderr.readline()
                    assert line, f"serve exited during start-up:\n{said.decode()}"
                    said += line
            async with ClientSession() as http:
                yield Harness(fake=fake, root=f"http://127.0.0.1:{port}", http=http)
        finally:
            process.terminate()
            await process.wait()
        fake.assert_all_valid()


async def test_serve_answers_signed_commands_and_refuses_unsigned(served: Harness) -> None:
    tips = set()
    for _ in range(5):
        answer = await served.command(text="tip", team="TPROC", user="ULEADER")
        tips.add(answer["text"])
    assert len(tips) == 5
    for text, expected in [
        ("resources", "Leadership development resources"),
        ("principles", "The five CCPL principles"),
        ("help", "Here is what I can do."),
        ("flibble", "I don't know `flibble`. Here is what I can do."),
    ]:
        answer = await served.command(text=text, team="TPROC", user="ULEADER")
        assert answer["text"] == expected
    body = served.command_body(text="tip", team="TPROC", user="ULEADER", key="x")
    refused = await served.post(body, content_type="application/x-www-form-urlencoded", secret=None)
    assert refused.status == 401
    async with served.http.get(f"{served.root}/healthz") as resp:
        assert resp.status == 200

"""`ccpl-bot serve` as a real process, configured for Teams by environment variables only."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from pathlib import Path

from aiohttp import ClientSession

from storage.crypto import DataKey
from tests.bot.teams_harness import APP_ID


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def test_serve_takes_teams_at_api_messages_and_refuses_unsigned(tmp_path: Path) -> None:
    port = _free_port()
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("SLACK_", "CCPL_", "MICROSOFT_"))
        },
        "MICROSOFT_APP_ID": APP_ID,
        "MICROSOFT_APP_PASSWORD": "not-used-by-this-test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'served.db'}",
        "PORT": str(port),
        "CCPL_DATA_KEY": DataKey.generate().text(),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "serve", cwd=tmp_path, env=env, stderr=asyncio.subprocess.PIPE
    )
    assert process.stderr is not None
    try:
        said = b""
        async with asyncio.timeout(30):
            while b"listening on port" not in said:
                line = await process.stderr.readline()
                assert line, f"serve exited during start-up:\n{said.decode()}"
                said += line
        activity = {
            "type": "message",
            "text": "tip",
            "serviceUrl": "https://smba.example/uk/",
            "conversation": {"id": "a:1", "conversationType": "personal", "tenantId": "t"},
            "from": {"id": "29:1"},
        }
        async with ClientSession() as http:
            url = f"http://127.0.0.1:{port}/api/messages"
            async with http.post(url, json=activity) as response:
                assert response.status == 401
            forged = {"Authorization": "Bearer eyJhbGciOiJub25lIn0.eyJhdWQiOiJ4In0."}
            async with http.post(url, json=activity, headers=forged) as response:
                assert response.status == 401
            async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                assert response.status == 200
    finally:
        process.terminate()
        await process.wait()
    assert b"not-used-by-this-test" not in said  # the secret never reaches a log

"""`ccpl-bot serve` as a real process, configured for Teams by environment variables only."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from pathlib import Path

import pytest
from aiohttp import ClientSession

from bot.cli import listen_host
from bot.settings import load_settings
from storage.crypto import DataKey
from tests.bot.processes import free_port
from tests.bot.teams_harness import APP_ID


async def test_serve_takes_teams_at_api_messages_and_refuses_unsigned(tmp_path: Path) -> None:
    port = free_port()
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


def _outward_address() -> str | None:
    """This machine's address on its network, if it has one besides loopback."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.connect(("192.0.2.1", 9))  # TEST-NET-1: no packet is sent for UDP connect
            address: str = sock.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


def test_anonymous_mode_listens_on_loopback_only_and_other_modes_everywhere() -> None:
    anonymous = load_settings(environ={"CCPL_TEAMS_ANONYMOUS": "1"}, env_file=None)
    assert listen_host(anonymous) == "127.0.0.1"
    signed = load_settings(environ={"MICROSOFT_APP_ID": APP_ID}, env_file=None)
    assert listen_host(signed) == "0.0.0.0"


async def test_serve_in_anonymous_mode_says_and_keeps_to_loopback(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("SLACK_", "CCPL_", "MICROSOFT_"))
        },
        "CCPL_TEAMS_ANONYMOUS": "1",
        "CCPL_DATA_KEY": DataKey.generate().text(),
        # This checkout's code, whichever one the environment has installed.
        "PYTHONPATH": str(Path(__file__).parents[2]),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'served.db'}",
        "PORT": str(port),
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
        assert f"listening on port {port} at 127.0.0.1 only".encode() in said, said.decode()
        healthz = f"http://127.0.0.1:{port}/healthz"
        async with ClientSession() as http, http.get(healthz) as response:
            assert response.status == 200
        outward = _outward_address()
        if outward is not None:
            with pytest.raises(OSError):
                _, writer = await asyncio.wait_for(asyncio.open_connection(outward, port), 5)
                writer.close()
    finally:
        process.terminate()
        await process.wait()

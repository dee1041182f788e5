"""Helpers for the tests that start real `ccpl-bot` processes."""

from __future__ import annotations

import random
import socket
from datetime import UTC, datetime, timedelta

from handlers import Platform
from storage import Database, ensure_scope
from storage.lunch import NewSession, create_session


def free_port() -> int:
    """A loopback port nothing listens on now, for a process to take.

    Chosen below the kernel's ephemeral range: a port the kernel hands out (bind to 0)
    can be given next to an outgoing connection's local end, and then the process that
    was meant to listen there finds it taken.
    """
    lowest_ephemeral = _ephemeral_range()[0]
    rng = random.SystemRandom()
    for _ in range(200):
        port = rng.randrange(10_000, lowest_ephemeral)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free loopback port below the ephemeral range")


def _ephemeral_range() -> tuple[int, int]:
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            low, high = (int(x) for x in f.read().split())
    except (OSError, ValueError):
        return 32768, 60999  # Linux's default
    return (low, high) if low > 11_000 else (32768, 60999)


async def lunch_with_places(
    url: str, *, team: str, channel: str, places: int, title: str, topic: str
) -> int:
    """A lunch-and-learn a week from now with this many places, made in the database the
    processes share (before they start, so its id is known to the test)."""
    database = Database(url=url)
    try:
        async with database.transaction() as session:
            now = datetime.now(UTC)
            scope = await ensure_scope(
                session, platform=Platform.SLACK, workspace=team, user="UHOST", now=now
            )
            lunch = await create_session(
                session,
                scope=scope,
                now=now,
                new=NewSession(
                    title=title,
                    topic=topic,
                    starts_at=now + timedelta(days=7),
                    timezone="Europe/London",
                    duration_minutes=45,
                    location="Teams",
                    host="UHOST",
                    channel=channel,
                    capacity=places,
                ),
            )
            return lunch.id
    finally:
        await database.dispose()

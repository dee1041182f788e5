"""Helpers for the tests that start real `ccpl-bot` processes."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta

from handlers import Platform
from storage import Database, ensure_scope
from storage.lunch import NewSession, create_session


def free_port() -> int:
    """A loopback port nothing listens on now, for a process to take."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


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

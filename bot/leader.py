"""Electing the one process that schedules, with a PostgreSQL advisory lock.

The lock lives on a dedicated connection (no pool), so it is held exactly as
long as this process is alive and connected; if the process dies, PostgreSQL
releases it and a standby takes over. The leader checks its lock connection at
every election round (every 10 s) and steps down when it is lost, say after a
PostgreSQL restart, so two processes never both think they lead. SQLite serves
one process, which leads.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from storage import Database
from storage.outbox import holds_leader_lock, release_leader_lock, try_leader_lock

log = logging.getLogger(__name__)

# A hung server must not hang the election: a check slower than this counts as lost.
CHECK_TIMEOUT = 5.0


class Leadership:
    def __init__(self, *, database: Database) -> None:
        self.database = database
        self._engine: AsyncEngine | None = None
        self._conn: AsyncConnection | None = None

    @property
    def held(self) -> bool:
        return self._conn is not None or self.database.is_sqlite

    async def try_acquire(self) -> bool:
        """True when this process now leads (or still does, its lock checked)."""
        if self.database.is_sqlite:
            return True
        if self._conn is not None:
            if await self._still_held(self._conn):
                return True
            log.warning("lost the scheduler lock connection; stepping down")
            await self._drop()
        try:
            async with asyncio.timeout(CHECK_TIMEOUT):
                return await self._acquire()
        except Exception as exc:  # unreachable or hung: a standby for now, asked again soon
            log.warning("could not stand for scheduler: %s", type(exc).__name__)
            await self._drop()
            return False

    async def _acquire(self) -> bool:
        if self._engine is None:
            self._engine = create_async_engine(
                self.database.url,
                poolclass=NullPool,
                connect_args=self.database.connect_args,
            )
        conn = await self._engine.connect()
        self._conn = conn  # kept for `_drop` should the lock query time out
        if await try_leader_lock(conn):
            return True
        await self._drop()
        return False

    @staticmethod
    async def _still_held(conn: AsyncConnection) -> bool:
        try:
            async with asyncio.timeout(CHECK_TIMEOUT):
                return await holds_leader_lock(conn)
        except Exception:  # the connection is gone (or hung), and the lock with it
            return False

    async def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            # A dead connection may fail to close; it is gone either way.
            with contextlib.suppress(Exception):
                await conn.close()

    async def release(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                await release_leader_lock(self._conn)
            await self._drop()
        if self._engine is not None:
            await self._engine.dispose()
            self._engine = None

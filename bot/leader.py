"""Electing the one process that schedules, with a PostgreSQL advisory lock.

The lock lives on a dedicated connection (no pool), so it is held exactly as
long as this process is alive and connected; if the process dies, PostgreSQL
releases it and a standby takes over. SQLite serves one process, which leads.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from storage import Database
from storage.outbox import release_leader_lock, try_leader_lock


class Leadership:
    def __init__(self, *, database: Database) -> None:
        self.database = database
        self._engine: AsyncEngine | None = None
        self._conn: AsyncConnection | None = None

    @property
    def held(self) -> bool:
        return self._conn is not None or self.database.is_sqlite

    async def try_acquire(self) -> bool:
        """True when this process now leads (or already did)."""
        if self.held:
            return True
        if self._engine is None:
            self._engine = create_async_engine(self.database.url, poolclass=NullPool)
        conn = await self._engine.connect()
        if await try_leader_lock(conn):
            self._conn = conn
            return True
        await conn.close()
        return False

    async def release(self) -> None:
        if self._conn is not None:
            await release_leader_lock(self._conn)
            await self._conn.close()
            self._conn = None
        if self._engine is not None:
            await self._engine.dispose()
            self._engine = None

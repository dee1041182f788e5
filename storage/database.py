"""One engine and session factory per process, tuned per backend."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

SUPPORTED_DRIVERS = ("sqlite+aiosqlite", "postgresql+asyncpg")


class DatabaseUnavailable(RuntimeError):
    """The database did not answer; callers turn this into a kind, retryable message."""


def normalise_url(raw: str) -> URL:
    """Accept the URL forms hosting platforms hand out and pick the async driver.

    `postgres://` and `postgresql://` come from Heroku-style add-ons; `sqlite:///`
    from people's habits. Anything else is refused so a typo fails at start-up.
    """
    url = make_url(raw)
    if url.drivername in ("postgres", "postgresql", "postgresql+psycopg2"):
        url = url.set(drivername="postgresql+asyncpg")
    elif url.drivername == "sqlite":
        url = url.set(drivername="sqlite+aiosqlite")
    if url.drivername not in SUPPORTED_DRIVERS:
        raise ValueError(f"unsupported database driver {url.drivername!r}")
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the web and clock processes read while one writes; foreign keys
    # are off by default in SQLite and our cascades depend on them.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class Database:
    """Owns the engine; hands out sessions that never expire loaded objects."""

    def __init__(self, *, url: str, echo: bool = False) -> None:
        self.url = normalise_url(url)
        # Parameters carry people's words (reflections, answers): never in an error's text.
        kwargs: dict[str, Any] = {"echo": echo, "hide_parameters": True}
        if self.is_postgres:
            # A pool as large as the concurrency we expect: connections returned
            # beyond pool_size are closed and reopened, which halved throughput
            # at 32 concurrent commands. Pre-ping notices a restarted server.
            kwargs.update(pool_size=40, max_overflow=10, pool_pre_ping=True)
        else:
            # SQLite has one writer. A single connection queues work in asyncio
            # instead of making connections contend for the file lock, where
            # SQLite's busy handler sleeps and latency jumps to hundreds of ms.
            kwargs.update(pool_size=1, max_overflow=0, pool_timeout=30)
        self.engine: AsyncEngine = create_async_engine(self.url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    @property
    def is_postgres(self) -> bool:
        return self.url.get_backend_name() == "postgresql"

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction; connection failures become DatabaseUnavailable."""
        try:
            async with self.sessions() as session, session.begin():
                yield session
        except DBAPIError as exc:
            if isinstance(exc, OperationalError | InterfaceError) or exc.connection_invalidated:
                raise DatabaseUnavailable(type(exc.orig).__name__) from exc
            raise
        except OSError as exc:
            raise DatabaseUnavailable(type(exc).__name__) from exc

    async def ping(self, *, within: float = 2.0) -> bool:
        """True when the database answers a trivial query in time (for /healthz)."""
        try:
            async with asyncio.timeout(within), self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except (TimeoutError, OperationalError, DBAPIError, OSError):
            return False
        return True

    async def dispose(self) -> None:
        await self.engine.dispose()

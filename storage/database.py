"""One engine and session factory per process, tuned per backend."""

from __future__ import annotations

import asyncio
import sqlite3
import ssl
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import NullPool, QueuePool
from sqlalchemy.util import greenlet_spawn

from storage.direct import Direct, NotDirect
from storage.sqlite_inline import InlineConnection, connect_inline

SUPPORTED_DRIVERS = ("sqlite+aiosqlite", "postgresql+asyncpg")

# A person waits on these, and Slack gives us 3 seconds: a database that does not
# answer in time is reported as unavailable rather than left to hang the request.
CONNECT_TIMEOUT = 1.5  # opening a connection to PostgreSQL
CHECKOUT_TIMEOUT = 2.0  # getting a working connection: pool slot, pre-ping, BEGIN
# Every pooled connection busy is a burst (a hundred people pressing Going), not a
# sick server: each connection comes back within a statement timeout, so queue longer.
POOL_WAIT = 10.0
POOL_SIZE = 40
MAX_OVERFLOW = 10
# New connections opened at once. A burst on a cold pool (fifty people pressing at once
# after a restart) would otherwise have the server fork fifty backends together, and on
# a small machine each connect then outlasts CONNECT_TIMEOUT: a burst read as an outage.
MAX_OPENING = 8
STATEMENT_TIMEOUT = 3.0  # any one statement, for a server that stops mid-query
SQLITE_BUSY_MS = 3000  # another process holding SQLite's write lock


# libpq's TLS parameters, as managed PostgreSQL services (Azure's included) write them in
# the URLs they hand out; asyncpg takes none of them as keywords, only its `ssl` argument.
TLS_PARAMETERS = ("sslmode", "sslrootcert", "sslcert", "sslkey", "sslpassword", "sslcrl")
SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
# Other libpq parameters that asyncpg or SQLAlchemy's dialect also take as they are.
PASSED_THROUGH = (
    "prepared_statement_cache_size",
    "prepared_statement_name_func",
    "target_session_attrs",
    "async_fallback",
)


class BadDatabaseUrl(ValueError):
    """A URL parameter the driver cannot use, or a certificate it cannot read; one line."""


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


def _tls_context(params: dict[str, str], *, mode: str) -> ssl.SSLContext:
    """An SSL context doing what libpq does for `mode` with these certificate files."""
    root = params.get("sslrootcert")
    verifying = mode in ("verify-ca", "verify-full") or (mode == "require" and root)
    try:
        if verifying:
            context = ssl.create_default_context(cafile=None if root in (None, "system") else root)
            # verify-ca checks the chain but not the name, as in libpq.
            context.check_hostname = mode == "verify-full"
        else:
            # "require" without a root certificate: encrypted, server not verified (libpq's).
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        if "sslcrl" in params:
            context.load_verify_locations(cafile=params["sslcrl"])
            context.verify_flags |= ssl.VERIFY_CRL_CHECK_LEAF
        if "sslcert" in params:
            context.load_cert_chain(
                params["sslcert"], params.get("sslkey"), password=params.get("sslpassword")
            )
    except (OSError, ssl.SSLError) as exc:
        raise BadDatabaseUrl(
            f"DATABASE_URL's certificate files cannot be read: {exc.strerror or exc}"
        ) from None
    return context


def _tls_argument(params: dict[str, str]) -> ssl.SSLContext | str | bool | None:
    mode = params.get("sslmode", "verify-full" if "sslrootcert" in params else "")
    if not mode:
        return None
    if mode not in SSL_MODES:
        raise BadDatabaseUrl(
            f"DATABASE_URL has sslmode={mode!r}; use one of {', '.join(SSL_MODES)}"
        )
    if mode == "disable":
        return False
    if mode in ("allow", "prefer") and len(params) == 1:
        return mode  # asyncpg's own: try TLS, fall back to plain
    return _tls_context(params, mode="require" if mode in ("allow", "prefer") else mode)


def connect_options(raw: str) -> tuple[URL, dict[str, Any]]:
    """The URL for SQLAlchemy and the driver's extra connect arguments.

    libpq's `sslmode`, `sslrootcert`, `sslcert`, `sslkey`, `sslpassword` and `sslcrl`
    become asyncpg's `ssl` argument; `application_name` a server setting. Any other
    parameter asyncpg would refuse is named in one line, instead of a traceback at connect.
    """
    url = normalise_url(raw)
    if url.get_backend_name() != "postgresql":
        return url, {}
    query = {
        key: value if isinstance(value, str) else value[-1] for key, value in url.query.items()
    }
    unknown = sorted(set(query) - {*TLS_PARAMETERS, *PASSED_THROUGH, "application_name"})
    if unknown:
        raise BadDatabaseUrl(
            f"DATABASE_URL has a parameter the PostgreSQL driver does not take: {unknown[0]!r}; "
            f"remove it (TLS: {', '.join(TLS_PARAMETERS)})"
        )
    args: dict[str, Any] = {}
    tls = _tls_argument({k: v for k, v in query.items() if k in TLS_PARAMETERS})
    if tls is not None:
        args["ssl"] = tls
    if "application_name" in query:
        args["server_settings"] = {"application_name": query["application_name"]}
    kept = {k: v for k, v in url.query.items() if k in PASSED_THROUGH}
    return url.set(query=kept), args


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the web and clock processes read while one writes; foreign keys
    # are off by default in SQLite and our cascades depend on them. The busy timeout
    # is the connection's own (storage/sqlite_inline.py).
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class Database:
    """Owns the engine; hands out sessions that never expire loaded objects."""

    def __init__(self, *, url: str, echo: bool = False) -> None:
        self.url, self.connect_args = connect_options(url)
        # Parameters carry people's words (reflections, answers): never in an error's text.
        kwargs: dict[str, Any] = {"echo": echo, "hide_parameters": True}
        if self.is_postgres:
            # A pool as large as the concurrency we expect: connections returned
            # beyond pool_size are closed and reopened, which halved throughput
            # at 32 concurrent commands. Pre-ping notices a restarted server.
            kwargs.update(
                pool_size=POOL_SIZE,
                max_overflow=MAX_OVERFLOW,
                pool_pre_ping=True,
                pool_timeout=POOL_WAIT,
                # `timeout` bounds connecting; `command_timeout` each statement, so a
                # server that stops answering mid-flight frees its connection.
                connect_args={
                    **self.connect_args,
                    "timeout": CONNECT_TIMEOUT,
                    "command_timeout": STATEMENT_TIMEOUT,
                },
            )
        else:
            # SQLite has one writer. A single connection queues work in asyncio
            # instead of making connections contend for the file lock, where
            # SQLite's busy handler sleeps and latency jumps to hundreds of ms.
            kwargs.update(pool_size=1, max_overflow=0, pool_timeout=30)
            kwargs["async_creator"] = partial(self._connect_sqlite, self.url)
        self.engine: AsyncEngine = create_async_engine(self.url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._probes: set[asyncio.Task[None]] = set()
        # Per event loop: a semaphore belongs to the loop it first waits on.
        self._opening: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore]
        self._opening = weakref.WeakKeyDictionary()

    @asynccontextmanager
    async def patient_engine(self) -> AsyncIterator[AsyncEngine]:
        """An engine whose statements take as long as they need, for migrations: one that
        rewrites a large table can run for minutes, and the app's engine gives up on any
        statement after STATEMENT_TIMEOUT. SQLite's engine has no such limit."""
        if not self.is_postgres:
            yield self.engine
            return
        engine = create_async_engine(
            self.url,
            hide_parameters=True,
            poolclass=NullPool,
            connect_args={**self.connect_args, "timeout": CONNECT_TIMEOUT},
        )
        try:
            yield engine
        finally:
            await engine.dispose()

    @staticmethod
    async def _connect_sqlite(url: URL) -> InlineConnection:
        """Statements on the event loop's thread, waits for another process's lock off it."""
        [database], options = url.get_dialect()().create_connect_args(url)
        return await connect_inline(database=database, busy_ms=SQLITE_BUSY_MS, **options)

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
                await self._connect(session)
                yield session
        except DBAPIError as exc:
            if isinstance(exc, OperationalError | InterfaceError) or exc.connection_invalidated:
                raise DatabaseUnavailable(type(exc.orig).__name__) from exc
            raise
        except (OSError, PoolTimeout) as exc:
            # OSError covers TimeoutError: a connect or a statement that ran out of time.
            raise DatabaseUnavailable(type(exc).__name__) from exc

    @asynccontextmanager
    async def direct(self) -> AsyncIterator[Direct]:
        """A transaction on SQLite's own connection (storage/direct.py), committed at the
        end and rolled back on any exception; `NotDirect` on PostgreSQL."""
        if not self.is_sqlite:
            raise NotDirect("PostgreSQL")
        try:
            # The pool's connection itself: a Connection around it would close in a
            # task of its own, a loop turn more on every command.
            pooled = await self.engine.raw_connection()
            try:
                driver = pooled.driver_connection
                assert isinstance(driver, InlineConnection)
                # The write lock first: the cycle this reads must still be the latest
                # when it writes, in this process and any other on the same file.
                await driver.execute_fetchall("BEGIN IMMEDIATE")
                try:
                    yield Direct(connection=driver, dialect=self.engine.dialect)
                except BaseException:
                    await driver.rollback()
                    raise
                await driver.commit()
            finally:
                await greenlet_spawn(pooled.close)
        except (sqlite3.OperationalError, PoolTimeout) as exc:
            raise DatabaseUnavailable(type(exc).__name__) from exc

    async def _connect(self, session: AsyncSession) -> None:
        """Take the connection now, within a deadline: a pre-ping or BEGIN on a server
        that has stopped answering would otherwise wait out each statement timeout."""
        if self.is_sqlite:
            return  # one local connection, queued in the pool: its wait is pool_timeout
        pool = self.engine.sync_engine.pool
        if not isinstance(pool, QueuePool) or pool.checkedin():
            await self._check_out(session, busy=False)  # an idle connection is waiting
            return
        if pool.checkedout() >= POOL_SIZE + MAX_OVERFLOW:
            await self._check_out(session, busy=True)
            return
        # This checkout opens a connection: queue behind the others being opened (a
        # burst), then give the connect itself the usual deadline (a sick server).
        opening = self._opening.setdefault(
            asyncio.get_running_loop(), asyncio.Semaphore(MAX_OPENING)
        )
        try:
            async with asyncio.timeout(POOL_WAIT):
                await opening.acquire()
        except TimeoutError:
            raise DatabaseUnavailable("TimeoutError") from None
        try:
            await self._check_out(session, busy=False)
        finally:
            opening.release()

    @staticmethod
    async def _check_out(session: AsyncSession, *, busy: bool) -> None:
        try:
            async with asyncio.timeout(POOL_WAIT if busy else CHECKOUT_TIMEOUT):
                await session.connection()
        except TimeoutError:
            raise DatabaseUnavailable("TimeoutError") from None

    async def ping(self, *, within: float = 1.5) -> bool:
        """True when the database answers a trivial query in time (for /healthz).

        The query runs in a task of its own: on a hung server, cancelling it waits
        for its connection to be cleaned up, and /healthz must not wait for that.
        """
        probe = asyncio.create_task(self._select_one())
        self._probes.add(probe)
        probe.add_done_callback(self._probes.discard)
        done, _ = await asyncio.wait({probe}, timeout=within)
        if not done:
            probe.cancel()
            return False
        return not probe.cancelled() and probe.exception() is None

    async def _select_one(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()

"""An aiosqlite connection that runs statements on the event loop's own thread.

aiosqlite sends every call (cursor, execute, fetch, close, commit) to a worker thread
and wakes the loop when it is done. A local SQLite statement takes microseconds, but
each of those hops waits for the loop's next turn, and with one connection shared by
every request a transaction held the database for dozens of turns: under 32
concurrent commands that, not the SQL, set the pace. Here a statement runs where it
is awaited, so a transaction finishes without giving up the loop.

Blocking the loop is only acceptable while SQLite answers at once. The one thing that
makes it wait is another process holding the write lock (the clock process, a second
server): the connection has no busy timeout of its own, so such a statement fails at
once with SQLITE_BUSY, and is then run again on the worker thread with the patient
busy timeout, off the loop. A statement that failed busy did nothing, so running it
again is safe. While anything is on the worker thread, later calls queue behind it
there, so the connection is never used from two threads at once.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from functools import partial
from typing import Any

import aiosqlite

SQLITE_BUSY = 5  # the primary result code; extended busy codes share its low byte


def _busy(exc: sqlite3.OperationalError) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    return isinstance(code, int) and code & 0xFF == SQLITE_BUSY


class InlineConnection(aiosqlite.Connection):
    """aiosqlite's connection, answering on the caller's thread unless SQLite is busy."""

    def __init__(self, *, connector: Callable[[], sqlite3.Connection], busy_ms: int) -> None:
        super().__init__(connector, iter_chunk_size=64)
        self.busy_ms = busy_ms
        self._queued = 0  # calls sent to the worker thread and not yet finished there
        self._queued_lock = threading.Lock()

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        if not self._queued:
            try:
                return fn(*args, **kwargs)
            except sqlite3.OperationalError as exc:
                if not _busy(exc):
                    raise
        return await self._patiently(partial(fn, *args, **kwargs))

    async def _patiently(self, call: Callable[[], Any]) -> Any:
        """Run `call` on the worker thread, waiting up to the busy timeout for the lock."""
        with self._queued_lock:
            self._queued += 1
        return await super()._execute(self._waiting, call)  # type: ignore[no-untyped-call]

    def _waiting(self, call: Callable[[], Any]) -> Any:
        conn = self._conn
        try:
            conn.execute(f"PRAGMA busy_timeout={self.busy_ms}")
            try:
                return call()
            finally:
                conn.execute("PRAGMA busy_timeout=0")
        finally:
            with self._queued_lock:
                self._queued -= 1


async def connect_inline(*, database: str, busy_ms: int, **kwargs: Any) -> InlineConnection:
    """A connection to `database`, for `create_async_engine(async_creator=...)`.

    It opens with no busy timeout (see the module's note); `busy_ms` is how long a
    statement waits for another process's write lock once it has moved off the loop.
    """
    connector = partial(sqlite3.connect, database, timeout=0, **kwargs)
    connection = InlineConnection(connector=connector, busy_ms=busy_ms)
    await connection  # starts its worker thread and opens the file there
    return connection

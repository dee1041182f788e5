"""What the benchmarks share: a fresh, migrated database to measure against."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from storage import Database, upgrade
from storage.crypto import KEYRING, DataKey


@asynccontextmanager
async def bench_database(*, url: str | None, prefix: str) -> AsyncIterator[Database]:
    """SQLite in a temp dir, or a throwaway database on the PostgreSQL server at `url`.

    A fresh data key seals what the benchmark writes, as `CCPL_DATA_KEY` does in
    production, so sealing's cost is part of every figure.
    """
    KEYRING.use(DataKey.generate())
    if url is None:
        with tempfile.TemporaryDirectory(prefix=f"{prefix}-") as tmp:
            database = Database(url=f"sqlite+aiosqlite:///{Path(tmp) / 'ccpl.db'}")
            try:
                await upgrade(database=database)
                yield database
            finally:
                await database.dispose()
        return
    from tests.fakes.postgres import drop_database, fresh_database

    try:
        fresh = await fresh_database(url, prefix=prefix.replace("-", "_"))
    except Exception as exc:  # refused, bad password, no CREATEDB: say which, not a traceback
        raise SystemExit(
            f"cannot create a throwaway database on {url}: {type(exc).__name__}: {exc}\n"
            "(scripts/test-postgres starts a local server and prints its URL)"
        ) from None
    database = Database(url=fresh)
    try:
        await upgrade(database=database)
        yield database
    finally:
        await database.dispose()
        await drop_database(fresh)

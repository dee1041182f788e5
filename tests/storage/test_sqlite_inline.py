"""SQLite statements run on the event loop, yet another process's write lock never stalls it.

The other process is a second connection to the same file holding SQLite's write lock
(`BEGIN IMMEDIATE`), as the clock process does while it writes.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from storage import Database, Member, TipCycle, ensure_scope, show_tip, upgrade

NOW = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("inline") / "ccpl.db"


@pytest.fixture(scope="module")
async def database(path: Path) -> AsyncIterator[Database]:
    database = Database(url=f"sqlite:///{path}")
    await upgrade(database=database)
    yield database
    await database.dispose()


@pytest.fixture
def other_process(path: Path) -> Iterator[sqlite3.Connection]:
    other = sqlite3.connect(path, isolation_level=None)
    yield other
    other.close()


async def _first_use(database: Database, *, user: str) -> int:
    async with database.transaction() as session:
        scope = await ensure_scope(
            session, platform="slack", workspace="TLOCKED", user=user, now=NOW
        )
        return scope.member_id


async def _members(database: Database) -> list[str]:
    async with database.transaction() as session:
        return list((await session.scalars(select(Member.external_id))).all())


async def test_a_write_waiting_for_another_process_leaves_the_loop_free(
    database: Database, other_process: sqlite3.Connection
) -> None:
    other_process.execute("BEGIN IMMEDIATE")
    waiting = asyncio.create_task(_first_use(database, user="UWAITS"))
    started = time.monotonic()
    done, _ = await asyncio.wait({waiting}, timeout=0.3)
    # Waiting inside SQLite on the loop's thread would have held this wait for the
    # whole busy timeout (3 s) and then returned with the write done or failed.
    assert not done
    assert time.monotonic() - started < 1.5
    other_process.execute("COMMIT")
    assert await waiting > 0
    assert "UWAITS" in await _members(database)


async def test_a_write_given_up_while_waiting_leaves_the_connection_working(
    database: Database, other_process: sqlite3.Connection
) -> None:
    other_process.execute("BEGIN IMMEDIATE")
    given_up = asyncio.create_task(_first_use(database, user="UGIVESUP"))
    done, _ = await asyncio.wait({given_up}, timeout=0.3)
    assert not done
    given_up.cancel()
    # Queued behind the abandoned write on the same connection, then run once the
    # other process lets go.
    after = asyncio.create_task(_first_use(database, user="UAFTER"))
    other_process.execute("COMMIT")
    assert await after > 0
    with pytest.raises(asyncio.CancelledError):
        await given_up
    members = await _members(database)
    assert "UAFTER" in members
    assert "UGIVESUP" not in members


async def _tip(database: Database, *, user: str) -> str:
    def first_unseen(cycle: TipCycle) -> tuple[str, int]:
        return next(t for t in ("a", "b", "c", "d") if t not in cycle.seen), cycle.number

    _, tip, _ = await show_tip(
        database, platform="slack", workspace="TLOCKED", user=user, now=NOW, choose=first_unseen
    )
    return tip


async def test_a_returning_members_tip_waits_for_another_process_off_the_loop(
    database: Database, other_process: sqlite3.Connection
) -> None:
    assert await _tip(database, user="UTIPS") == "a"  # known from now on: the direct path
    other_process.execute("BEGIN IMMEDIATE")
    waiting = asyncio.create_task(_tip(database, user="UTIPS"))
    done, _ = await asyncio.wait({waiting}, timeout=0.3)
    assert not done
    other_process.execute("COMMIT")
    assert await waiting == "b"


async def test_a_tip_given_up_while_waiting_writes_nothing_and_the_next_one_runs(
    database: Database, other_process: sqlite3.Connection
) -> None:
    assert await _tip(database, user="UCANCEL") == "a"
    other_process.execute("BEGIN IMMEDIATE")
    given_up = asyncio.create_task(_tip(database, user="UCANCEL"))
    done, _ = await asyncio.wait({given_up}, timeout=0.3)
    assert not done
    given_up.cancel()
    after = asyncio.create_task(_tip(database, user="UCANCEL"))
    other_process.execute("COMMIT")
    # The abandoned tip never read the round, so the next one is still the second tip.
    assert await after == "b"
    with pytest.raises(asyncio.CancelledError):
        await given_up

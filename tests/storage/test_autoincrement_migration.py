"""Migration 0014 keeps every row, and from then on a deleted row's id is never given
to the next one (outbox keys name ids), on both backends."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text

from storage import Database, upgrade
from tests.fakes.postgres import drop_database, fresh_database, postgres_url_or_skip

NOW = "'2026-11-30 12:00:00'"

# One new row for each table whose ids outbox keys name, written without an id.
NEW_ROW = {
    "members": "INSERT INTO members (workspace_id, external_id, created_at)"
    f" VALUES (1, (SELECT 'U' || CAST(count(*) AS VARCHAR) FROM members), {NOW})",
    "schedules": "INSERT INTO schedules (workspace_id, kind, name, channel, rrule, description,"
    " starts_on, timezone, duration_minutes, confirmed, paused, prompts_planned, created_at)"
    " VALUES (1, 'forum', 'n', 'C1', 'FREQ=MONTHLY;BYDAY=1TU', 'first Tuesday', '2026-11-01',"
    f" 'Europe/London', 60, true, false, 0, {NOW})",
    "lunch_sessions": "INSERT INTO lunch_sessions (workspace_id, channel, title, topic,"
    " starts_at, timezone, duration_minutes, location, host, cancelled, created_at)"
    f" VALUES (1, 'C1', 't', 't', {NOW}, 'Europe/London', 45, 'l', 'h', false, {NOW})",
    "checkins": "INSERT INTO checkins (workspace_id, member_id, channel, prompt, sent_at, status)"
    f" VALUES (1, 1, 'C1', 'p', {NOW}, 'pending')",
    "polls": "INSERT INTO polls (workspace_id, member_id, channel, question, options, anonymous,"
    f" closed, created_at) VALUES (1, 1, 'C1', 'q', '[]', false, false, {NOW})",
}

ROWS = (
    # No ids given: each backend numbers them 1, 2 in a new database, as the app does.
    f"INSERT INTO workspaces (platform, external_id, created_at) VALUES ('slack', 'T1', {NOW})",
    *(statement for statement in NEW_ROW.values() for _ in range(2)),
    "INSERT INTO tip_history (workspace_id, member_id, tip_id, cycle, shown_at)"
    f" VALUES (1, 2, 'listen-first', 0, {NOW})",
    "INSERT INTO poll_votes (poll_id, ballot, workspace_id, member_id, choice)"
    " VALUES (2, 'member:1', 1, 1, 0)",
    "INSERT INTO outbox (workspace_id, key, kind, target, payload, due_at, status, attempts,"
    f" next_attempt_at) VALUES (1, 'poll:2', 'poll', 'C1', '{{}}', {NOW}, 'sent', 1, {NOW})",
)


@pytest.fixture(params=["sqlite", "postgres"])
async def at_0013(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """A database one migration behind, with rows in it, as a server has it before this
    release."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    else:
        url = await fresh_database(postgres_url_or_skip())
    database = Database(url=url)
    await upgrade(database=database, revision="0013")
    async with database.engine.begin() as conn:
        for statement in ROWS:
            await conn.execute(text(statement))
    yield database
    await database.dispose()
    if request.param == "postgres":
        await drop_database(url)


async def scalar(database: Database, sql: str) -> object:
    async with database.engine.connect() as conn:
        return await conn.scalar(text(sql))


async def test_every_row_and_reference_is_kept(at_0013: Database) -> None:
    await upgrade(database=at_0013)
    for table in NEW_ROW:
        assert await scalar(at_0013, f"SELECT count(*) FROM {table}") == 2, table
    # Rows referencing the rebuilt tables were not cascaded away with the old copies.
    assert await scalar(at_0013, "SELECT member_id FROM tip_history") == 2
    assert await scalar(at_0013, "SELECT ballot FROM poll_votes WHERE poll_id = 2") == "member:1"


async def test_the_newest_id_once_deleted_is_not_given_again(at_0013: Database) -> None:
    await upgrade(database=at_0013)
    async with at_0013.engine.begin() as conn:
        # Children first, so the member's delete finds nothing left to cascade to.
        for table in reversed(NEW_ROW):
            await conn.execute(text(f"DELETE FROM {table} WHERE id = 2"))
        for statement in NEW_ROW.values():
            await conn.execute(text(statement))
    for table in NEW_ROW:
        assert await scalar(at_0013, f"SELECT max(id) FROM {table}") == 3, table

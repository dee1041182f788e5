"""Installations and organisation settings at rest: the migration onto a database in use,
and what an uninstall leaves behind."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, text

from storage import Database, upgrade
from storage.installations import (
    find_installation,
    installation_for_team,
    save_installation,
    uninstall,
)
from storage.models import OutboxMessage
from storage.organisations import organisation_timezone, set_timezone
from tests.fakes.postgres import drop_database, fresh_database, postgres_url_or_skip

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
TOKEN = "xoxb-1-installed-secret-token"


@pytest.fixture(params=["sqlite", "postgres"])
async def old_database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """A database at the revision before installations, with a workspace and a due post."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    else:
        url = await fresh_database(postgres_url_or_skip())
    database = Database(url=url)
    await upgrade(database=database, revision="0010")
    async with database.engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO workspaces (id, platform, external_id, created_at)"
                " VALUES (1, 'slack', 'TOLD', :now)"
            ),
            {"now": NOW.replace(tzinfo=None)},
        )
        await conn.execute(
            text(
                "INSERT INTO outbox (id, workspace_id, key, kind, target, payload, due_at,"
                " status, attempts, next_attempt_at)"
                " VALUES (1, 1, 'forum:1:x', 'forum', 'C1', '{}', :now, 'pending', 0, :now)"
            ),
            {"now": NOW.replace(tzinfo=None)},
        )
    yield database
    await database.dispose()
    if request.param == "postgres":
        await drop_database(url)


async def test_the_migration_keeps_what_is_stored_and_holds_installations_and_settings(
    old_database: Database,
) -> None:
    await upgrade(database=old_database)
    async with old_database.transaction() as session:
        await save_installation(
            session,
            enterprise_id=None,
            team_id="TOLD",
            is_enterprise_install=False,
            data={"team_id": "TOLD", "bot_token": TOKEN, "user_id": "U1"},
            now=NOW,
        )
    async with old_database.transaction() as session:
        found = await installation_for_team(session, team_id="TOLD")
        assert found is not None and found["bot_token"] == TOKEN
        # Uninstalling skips the post that was already due there, and forgets the token.
        skipped = await uninstall(session, enterprise_id=None, team_id="TOLD", now=NOW)
    assert skipped == 1
    async with old_database.transaction() as session:
        assert await find_installation(session, enterprise_id=None, team_id="TOLD") is None
        status = await session.scalar(select(OutboxMessage.status).where(OutboxMessage.id == 1))
        raw = [
            str(v)
            for v in (await session.execute(text("SELECT data FROM slack_installations"))).scalars()
        ]
    assert status == "skipped"
    assert raw == ["None"]

    # Installing again lifts the uninstall.
    data = {"team_id": "TOLD", "bot_token": TOKEN, "user_id": "U1"}
    async with old_database.transaction() as session:
        await save_installation(
            session,
            enterprise_id=None,
            team_id="TOLD",
            is_enterprise_install=False,
            data=data,
            now=NOW,
        )
    async with old_database.transaction() as session:
        assert await installation_for_team(session, team_id="TOLD") == data

    # An organisation already stored sets its own time zone, on its platform only.
    async with old_database.transaction() as session:
        await set_timezone(session, workspace_id=1, timezone="Europe/Dublin", now=NOW)
    async with old_database.transaction() as session:
        found = await organisation_timezone(session, platform="slack", workspace="TOLD")
        other = await organisation_timezone(session, platform="teams", workspace="TOLD")
    assert (found, other) == ("Europe/Dublin", None)

"""Migration 0015 gives organisations already set up their own retention periods, unset,
on both backends."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from storage import Database, upgrade
from storage.organisations import organisation, own_retention, set_retention
from tests.fakes.postgres import drop_database, fresh_database, postgres_url_or_skip

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgres"])
async def at_0013(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """A database one migration behind, as a server has it before this release."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    else:
        url = await fresh_database(postgres_url_or_skip())
    database = Database(url=url)
    await upgrade(database=database, revision="0013")
    yield database
    await database.dispose()
    if request.param == "postgres":
        await drop_database(url)


async def test_an_organisations_time_zone_is_kept_and_its_retention_starts_unset(
    at_0013: Database,
) -> None:
    async with at_0013.engine.begin() as conn:
        for n in (1, 2):
            await conn.execute(
                text(
                    "INSERT INTO workspaces (id, platform, external_id, created_at)"
                    " VALUES (:n, 'slack', :team, '2026-01-01')"
                ),
                {"n": n, "team": f"T{n}"},
            )
        await conn.execute(
            text(
                "INSERT INTO organisation_settings (workspace_id, timezone, updated_at)"
                " VALUES (1, 'Europe/Dublin', '2026-06-01')"
            )
        )
    await upgrade(database=at_0013)

    async with at_0013.transaction() as session:
        before = await organisation(session, workspace_id=1)
        assert before.timezone == "Europe/Dublin" and before.retention == {}
        await set_retention(
            session, workspace_id=1, days={"participation": 90, "audit": None}, now=NOW
        )
        await set_retention(session, workspace_id=2, days={"polls": 30}, now=NOW)
    async with at_0013.transaction() as session:
        first = await organisation(session, platform="slack", workspace="T1")
        assert first.timezone == "Europe/Dublin"  # the row already there keeps its zone
        assert first.retention == {"participation": 90}
        assert await own_retention(session, workspace_id=2) == {"polls": 30}

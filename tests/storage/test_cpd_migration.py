"""Migration 0011 adds CPD settings to a database already in use, on both backends."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text

from storage import Database, Scope, upgrade
from storage.cpd import (
    SavedCpdSettings,
    cpd_settings_of,
    next_export_number,
    save_cpd_settings,
)
from tests.fakes.postgres import drop_database, fresh_database, postgres_url_or_skip


@pytest.fixture(params=["sqlite", "postgres"])
async def at_0010(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """A database one migration behind, as a server has it before this release."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    else:
        url = await fresh_database(postgres_url_or_skip())
    database = Database(url=url)
    await upgrade(database=database, revision="0010")
    yield database
    await database.dispose()
    if request.param == "postgres":
        await drop_database(url)


async def test_members_and_reflections_already_stored_gain_blank_settings(
    at_0010: Database,
) -> None:
    async with at_0010.engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO workspaces (id, platform, external_id, created_at)"
                " VALUES (1, 'slack', 'T1', '2026-01-01')"
            )
        )
        await conn.execute(
            text(
                "INSERT INTO members (id, workspace_id, external_id, created_at, profession)"
                " VALUES (1, 1, 'U1', '2026-01-01', 'pharmacists')"
            )
        )
    await upgrade(database=at_0010)

    scope = Scope(workspace_id=1, member_id=1)
    async with at_0010.transaction() as session:
        assert await cpd_settings_of(session, scope=scope) == SavedCpdSettings()
        chosen = SavedCpdSettings(
            regulator="gphc",
            renewal_date=date(2027, 3, 31),
            full_name="Siân Ŵyn",
            registration_number="2087654",
        )
        await save_cpd_settings(session, scope=scope, settings=chosen)
        assert [await next_export_number(session, scope=scope) for _ in range(2)] == [1, 2]
    async with at_0010.transaction() as session:
        assert await cpd_settings_of(session, scope=scope) == chosen
    async with at_0010.engine.connect() as conn:
        profession = await conn.scalar(text("SELECT profession FROM members WHERE id = 1"))
        raw = await conn.scalar(text("SELECT full_name FROM cpd_settings"))
    assert profession == "pharmacists"  # the member's existing row is untouched
    assert raw is not None and "Siân" not in raw  # sealed at rest

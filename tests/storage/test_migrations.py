"""The schema the code expects is exactly the one the migrations build."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

import storage.database as database_module
from storage import Database, DatabaseUnavailable, current_revision, head_revision, upgrade
from storage.migrate import alembic_config
from tests.fakes.postgres import drop_database, fresh_database, postgres_url_or_skip


async def test_models_and_migrations_do_not_drift(database: Database) -> None:
    def check(conn: Connection) -> None:
        config = alembic_config(url="")
        config.attributes["connection"] = conn
        command.check(config)  # raises when autogenerate would emit anything

    async with database.engine.connect() as conn:
        await conn.run_sync(check)


async def test_database_is_at_head_and_upgrade_is_idempotent(database: Database) -> None:
    await upgrade(database=database)
    assert await current_revision(database=database) == head_revision()


async def test_constraints_have_conventional_names(database: Database) -> None:
    def names(conn: Connection) -> set[str]:
        found = set()
        inspector = inspect(conn)
        for table in ("members", "tip_history", "processed_events"):
            found |= {fk["name"] for fk in inspector.get_foreign_keys(table) if fk["name"]}
        return found

    async with database.engine.connect() as conn:
        found = await conn.run_sync(names)
    assert "fk_members_workspace_id_workspaces" in found
    assert "fk_tip_history_member_id_members" in found


async def test_migrations_on_postgresql_are_not_cut_short_by_the_apps_statement_timeout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The app gives up on any statement after a few seconds; a migration that rewrites a
    # large table may run for minutes. Here the app's limit is made far shorter than any
    # CREATE TABLE, and every migration must still run.
    monkeypatch.setattr(database_module, "STATEMENT_TIMEOUT", 0.001)
    url = await fresh_database(postgres_url_or_skip())
    try:
        database = Database(url=url)
        try:
            with pytest.raises(DatabaseUnavailable):
                async with database.transaction() as session:
                    await session.execute(text("SELECT pg_sleep(0.05)"))
            await upgrade(database=database)
        finally:
            await database.dispose()
        monkeypatch.undo()
        checked = Database(url=url)
        try:
            assert await current_revision(database=checked) == head_revision()
        finally:
            await checked.dispose()
    finally:
        await drop_database(url)

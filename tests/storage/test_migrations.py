"""The schema the code expects is exactly the one the migrations build."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from storage import Database, current_revision, head_revision, upgrade
from storage.migrate import alembic_config


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

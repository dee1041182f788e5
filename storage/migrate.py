"""Alembic, driven from code so `ccpl-bot db upgrade` needs no alembic.ini."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.database import Database

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(*, url: str) -> Config:
    """A Config pointing at our migrations; the URL is only used when no connection is lent."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config(url="")).get_current_head()
    assert head is not None
    return head


async def current_revision(*, database: Database) -> str | None:
    """The revision the database is at, or None when it was never migrated."""

    def read(conn: Connection) -> str | None:
        return MigrationContext.configure(conn).get_current_revision()

    async with database.engine.connect() as conn:
        return await conn.run_sync(read)


async def upgrade(*, database: Database, revision: str = "head") -> None:
    """Bring the schema up to `revision` on the database's own engine."""
    config = alembic_config(url=database.url.render_as_string(hide_password=False))

    def run(conn: Connection) -> None:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)

    async with database.patient_engine() as engine, engine.connect() as conn:
        if database.is_sqlite:
            # SQLite alters a table by copying it and dropping the original, and with foreign
            # keys on, that drop deletes every row referencing it, through ON DELETE CASCADE:
            # upgrading through a change to `members` once erased every reflection. The
            # switch works only outside a transaction, so before the migration's own.
            await conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            await conn.commit()
        try:
            async with conn.begin():
                await conn.run_sync(run)
                if database.is_sqlite:
                    await _no_broken_references(conn)
        finally:
            if database.is_sqlite:
                await conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                await conn.commit()


class BrokenReferences(RuntimeError):
    """A migration left rows pointing at rows that are gone; it was rolled back."""


async def _no_broken_references(conn: AsyncConnection) -> None:
    broken = (await conn.exec_driver_sql("PRAGMA foreign_key_check")).all()
    if broken:
        tables = sorted({row[0] for row in broken})
        raise BrokenReferences(f"the migration left broken references in {', '.join(tables)}")

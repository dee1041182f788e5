"""Alembic, driven from code so `ccpl-bot db upgrade` needs no alembic.ini."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

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

    async with database.engine.begin() as conn:
        await conn.run_sync(run)

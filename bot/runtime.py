"""Assembling the shared services from settings, once per process."""

from __future__ import annotations

import logging

from bot.settings import Settings
from content import load_pack
from handlers import Context
from storage import Database, current_revision, head_revision, upgrade

log = logging.getLogger(__name__)


class NotMigrated(RuntimeError):
    """The database schema is behind the code; `ccpl-bot db upgrade` fixes it."""


async def open_database(*, settings: Settings) -> Database:
    """Open the database and make sure its schema matches the code.

    An embedded SQLite file is migrated on the spot (there is one process and
    no release phase). A shared PostgreSQL server is migrated by the release
    step, so here we only refuse to run against an older schema.
    """
    database = Database(url=settings.database_url)
    if database.is_sqlite:
        await upgrade(database=database)
        return database
    revision = await current_revision(database=database)
    if revision != head_revision():
        await database.dispose()
        raise NotMigrated(
            f"the database is at revision {revision or 'none'}, the code needs "
            f"{head_revision()}: run `ccpl-bot db upgrade`"
        )
    return database


async def build_context(*, settings: Settings) -> Context:
    """The handlers' context: the content pack (with any overlay) and the database."""
    pack = load_pack(overlay=settings.content_dir)
    database = await open_database(settings=settings)
    log.info("ready: %r", settings)
    return Context(pack=pack, database=database, timezone=settings.timezone)

"""Assembling the shared services from settings, once per process."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

import aiohttp
from slack_bolt.async_app import AsyncApp

from bot.clock import Clock
from bot.leader import Leadership
from bot.outbox_sender import OutboxSender
from bot.settings import Settings
from bot.slack.app import build_app
from bot.slack.client import build_client
from bot.slack.poster import SlackPoster
from bot.slack.respond import Responder
from bot.slack.roles import SlackRoles
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


@dataclass(kw_only=True)
class SlackRuntime:
    """The Slack side of a process: Bolt app, outbox sender and, where it runs here, the clock."""

    app: AsyncApp
    sender: OutboxSender
    clock: Clock | None
    http: aiohttp.ClientSession

    async def stop(self) -> None:
        if self.clock is not None:
            await self.clock.stop()
        await self.http.close()


async def slack_runtime(
    *, settings: Settings, ctx: Context, clock: bool | None = None, verify: bool = True
) -> SlackRuntime:
    """Wire Slack to the handlers. The clock runs here in the `scheduler` process, and in
    `serve` on SQLite (one process); elsewhere `serve` only sends what it has just queued."""
    # One HTTP session for every call to Slack: connections are kept alive.
    http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60))
    client = build_client(
        token=settings.slack_bot_token, base_url=settings.slack_api_url, session=http
    )
    roles = SlackRoles(client=client, facilitators=settings.facilitators)
    sender = OutboxSender(ctx=ctx, poster=SlackPoster(client=client))
    run_clock = ctx.database.is_sqlite if clock is None else clock
    scheduler = (
        Clock(
            ctx=ctx,
            sender=sender,
            leadership=Leadership(database=ctx.database),
            grace=settings.catch_up_grace,
        )
        if run_clock
        else None
    )

    async def changed() -> None:
        if scheduler is not None:
            await scheduler.changed()
        else:
            await sender.drain()

    wired = replace(ctx, resolve_roles=roles, schedules_changed=changed)
    responder = Responder(session=http)
    app = build_app(
        ctx=wired,
        client=client,
        responder=responder,
        signing_secret=settings.slack_signing_secret or "",
        verify=verify,
    )
    if scheduler is not None:
        await scheduler.start()
    return SlackRuntime(app=app, sender=sender, clock=scheduler, http=http)

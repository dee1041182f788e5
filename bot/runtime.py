"""Assembling the shared services from settings, once per process."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from dataclasses import dataclass, replace
from pathlib import Path

import aiohttp
from microsoft_agents.hosting.aiohttp import CloudAdapter
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError

from bot.clock import Clock
from bot.leader import Leadership
from bot.outbox_sender import OutboxSender
from bot.roles import PlatformDirectory, PlatformRoles
from bot.routing import PlatformPosters, PosterFor
from bot.settings import Settings, SettingsError
from bot.slack.app import build_app
from bot.slack.directory import SlackDirectory
from bot.slack.install import SlackInstall, manifest_scopes
from bot.slack.installations import DatabaseStateStore
from bot.slack.poster import WorkspacePosters
from bot.slack.respond import Responder
from bot.slack.roles import SlackRoles
from bot.slack.tokens import OAuthApp, SlackTokens
from bot.teams.app import TeamsBot
from bot.teams.auth import KeySource, RemoteKeys, TeamsAuth
from bot.teams.connector import (
    Connector,
    ConnectorFactory,
    EntraTokens,
    StaticToken,
    TokenSource,
)
from bot.teams.directory import TeamsDirectory
from bot.teams.endpoint import TeamsEndpoint
from bot.teams.files import FileOffers
from bot.teams.poster import TeamsPoster
from bot.teams.roles import TeamsRoles
from bot.teams.service_urls import ServiceUrls
from content import load_pack
from handlers import Context, Platform
from handlers.core.context import ChannelLister, RoleResolver
from storage import Database, current_revision, head_revision, upgrade
from storage.crypto import KEYRING, BadKey, DataKey
from storage.database import normalise_url
from storage.sealing import KeyMismatch, check_key

log = logging.getLogger(__name__)


class PlatformUnreachable(RuntimeError):
    """A chat platform's API did not answer at start-up; the message names which, and why."""


async def check_slack(*, runtime: Runtime, settings: Settings, within: float = 10.0) -> None:
    """Ask Slack who we are before taking requests, so a wrong SLACK_API_URL or a dead
    network stops start-up with its own name rather than failing every answer later."""
    tokens = runtime.slack_tokens
    if runtime.slack is None or tokens is None or tokens.multi:
        return  # with OAuth there is no one token to check; each install brings its own
    try:
        async with asyncio.timeout(within):
            found = await runtime.slack.client.auth_test()
        await tokens.started(team_id=str(found.get("team_id") or ""))
    except SlackApiError as exc:
        raise PlatformUnreachable(
            f"Slack refused SLACK_BOT_TOKEN ({exc.response.get('error', 'an error')}): "
            "check the token (Slack app > OAuth & Permissions)"
        ) from None
    except (TimeoutError, aiohttp.ClientError, OSError) as exc:
        raise PlatformUnreachable(
            f"cannot reach the Slack API at {settings.slack_api_url} ({type(exc).__name__}): "
            "check SLACK_API_URL and the network"
        ) from None


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


def key_file(*, settings: Settings) -> Path:
    """Where the console keeps its own data key: beside its SQLite file, else here."""
    url = normalise_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        database = Path(url.database)
        return database.with_name(database.name + ".key")
    return Path("ccpl-data.key")


def _local_key(path: Path) -> DataKey:
    try:
        # O_EXCL: two consoles starting at once agree on the first key written.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        try:
            return DataKey.from_text(path.read_text(encoding="utf-8"))
        except BadKey as exc:
            raise SettingsError(f"{path} does not hold a data key: {exc}") from None
    key = DataKey.generate()
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(key.text() + "\n")
    return key


def load_data_key(*, settings: Settings, local: bool = False) -> None:
    """Load the key that seals what people write into the process's keyring.

    Servers must be given CCPL_DATA_KEY: a key made up on the spot would seal
    text nobody could read after a restart or on another instance. The local
    console (`local`) keeps its own key in a file instead, so it runs on a
    fresh machine with no settings.
    """
    key = settings.data_key
    if key is None and local:
        key = _local_key(key_file(settings=settings))
    if key is None:
        raise SettingsError(
            "CCPL_DATA_KEY is required for this command: make one with `ccpl-bot keys new` "
            "and keep it safe, since what people wrote cannot be read without it"
        )
    KEYRING.use(key, older=settings.old_data_keys)


async def build_context(*, settings: Settings, local_key: bool = False) -> Context:
    """The handlers' context: the content pack (with any overlay) and the database,
    whose sealed text the data key must open."""
    pack = load_pack(overlay=settings.content_dir)
    load_data_key(settings=settings, local=local_key)
    database = await open_database(settings=settings)
    try:
        await check_key(database=database)
    except KeyMismatch:
        await database.dispose()
        raise
    log.info("ready: %r", settings)
    return Context(
        pack=pack, database=database, timezone=settings.timezone, retention=settings.retention
    )


@dataclass(kw_only=True)
class Runtime:
    """The platforms of a process (Slack, Teams or both), one outbox sender and,
    where it runs here, the clock."""

    slack: AsyncApp | None
    teams: TeamsEndpoint | None
    slack_tokens: SlackTokens | None
    sender: OutboxSender
    clock: Clock | None
    http: aiohttp.ClientSession
    connector: Connector | None = None
    sending: asyncio.Task[None] | None = None

    def leads(self) -> bool:
        """Whether this process runs the clock now (for /metrics)."""
        return self.clock is not None and self.clock.leadership.held

    async def stop(self, *, grace: float = 0.0) -> int:
        """Stop sending (posts in flight get `grace` seconds to land), give back the
        outbox rows not sent, stop the clock and release its lock. Returns how many
        rows were given back."""
        given_back = await self.sender.stop(grace=grace)
        if self.sending is not None:
            self.sending.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.sending
        if self.clock is not None:
            await self.clock.stop()
        if self.connector is not None:
            await self.connector.close()
        await self.http.close()
        return given_back


def _teams_tokens(settings: Settings, http: aiohttp.ClientSession) -> TokenSource:
    if settings.microsoft_app_id is None:
        return StaticToken("")  # anonymous local development: the emulator wants none
    return EntraTokens(
        app_id=settings.microsoft_app_id,
        password=settings.microsoft_app_password or "",
        tenant_id=settings.microsoft_app_tenant_id,
        session=http,
    )


@dataclass(kw_only=True)
class _Platforms:
    """What each configured platform brings: a poster, roles and a channel directory."""

    posters: dict[str, PosterFor]
    resolvers: dict[str, RoleResolver]
    directories: dict[str, ChannelLister]
    slack: SlackTokens | None = None
    connector: Connector | None = None
    teams_poster: TeamsPoster | None = None
    files: FileOffers | None = None


def _slack_tokens(*, settings: Settings, ctx: Context, http: aiohttp.ClientSession) -> SlackTokens:
    oauth = None
    if settings.slack_oauth:
        oauth = OAuthApp(
            client_id=settings.slack_client_id or "",
            client_secret=settings.slack_client_secret or "",
        )
    return SlackTokens(
        database=ctx.database,
        base_url=settings.slack_api_url,
        session=http,
        clock=ctx.clock,
        token=settings.slack_bot_token,
        oauth=oauth,
    )


def _wire_slack(
    *, settings: Settings, ctx: Context, http: aiohttp.ClientSession, into: _Platforms
) -> None:
    tokens = _slack_tokens(settings=settings, ctx=ctx, http=http)
    into.slack = tokens
    into.posters[Platform.SLACK] = WorkspacePosters(tokens=tokens)
    into.resolvers[Platform.SLACK] = SlackRoles(
        tokens=tokens, facilitators=settings.facilitators, admins=settings.admins
    )
    into.directories[Platform.SLACK] = SlackDirectory(tokens=tokens)


def _wire_teams(
    *,
    settings: Settings,
    ctx: Context,
    http: aiohttp.ClientSession,
    clock: bool | None,
    tokens: TokenSource | None,
    loopback: bool,
    into: _Platforms,
) -> None:
    connector = Connector(
        tokens=tokens or _teams_tokens(settings, http),
        app_id=settings.microsoft_app_id or "",
        service_urls=(
            ServiceUrls.local() if settings.teams_anonymous else ServiceUrls(loopback=loopback)
        ),
    )
    # Files offered from a separate scheduler process could not be fetched by `serve`.
    files = FileOffers(session=http)
    teams_poster = TeamsPoster(
        database=ctx.database, connector=connector, files=None if clock else files
    )
    bound = teams_poster.bound
    into.connector, into.teams_poster, into.files = connector, teams_poster, files
    into.posters[Platform.TEAMS] = lambda workspace_id: bound(workspace_id=workspace_id)
    into.resolvers[Platform.TEAMS] = TeamsRoles(
        facilitators=settings.facilitators, admins=settings.admins
    )
    into.directories[Platform.TEAMS] = TeamsDirectory(
        database=ctx.database, connector=connector, clock=ctx.clock
    )


def _install(*, settings: Settings, ctx: Context) -> SlackInstall | None:
    if not settings.slack_oauth:
        return None
    return SlackInstall(
        states=DatabaseStateStore(database=ctx.database, clock=ctx.clock),
        scopes=settings.slack_scopes or manifest_scopes(),
        redirect_uri=settings.slack_redirect_uri,
    )


def _teams_endpoint(
    *, settings: Settings, ctx: Context, platforms: _Platforms, keys: KeySource | None
) -> TeamsEndpoint | None:
    connector, poster, files = platforms.connector, platforms.teams_poster, platforms.files
    if connector is None or poster is None or files is None:
        return None
    auth = (
        TeamsAuth(
            app_id=settings.microsoft_app_id,
            tenant_id=settings.microsoft_app_tenant_id,
            tenants=settings.teams_tenants,
            keys=keys or RemoteKeys(),
        )
        if settings.microsoft_app_id is not None
        else None
    )
    factory = ConnectorFactory(tokens=connector.tokens, app_id=connector.app_id)
    return TeamsEndpoint(
        bot=TeamsBot(ctx=ctx, connector=connector, poster=poster, files=files),
        adapter=CloudAdapter(channel_service_client_factory=factory),
        auth=auth,
    )


def _scheduler(
    *, settings: Settings, ctx: Context, sender: OutboxSender, clock: bool | None
) -> Clock | None:
    run_clock = ctx.database.is_sqlite if clock is None else clock
    if not run_clock:
        return None
    return Clock(
        ctx=ctx,
        sender=sender,
        leadership=Leadership(database=ctx.database),
        grace=settings.catch_up_grace,
    )


async def build_runtime(
    *,
    settings: Settings,
    ctx: Context,
    clock: bool | None = None,
    verify: bool = True,
    teams_tokens: TokenSource | None = None,
    teams_keys: KeySource | None = None,
    teams_loopback: bool = False,
) -> Runtime:
    """Wire the configured platforms to the handlers. The clock runs here in the
    `scheduler` process, and in `serve` on SQLite (one process); elsewhere `serve`
    only sends what it has just queued. Tests hand in Teams' token and key sources, and
    `teams_loopback` for their loopback connector, which production never calls."""
    # One HTTP session for every call to Slack and Entra: connections are kept alive.
    http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60))
    platforms = _Platforms(posters={}, resolvers={}, directories={})
    if settings.has_slack:
        _wire_slack(settings=settings, ctx=ctx, http=http, into=platforms)
    if settings.has_teams:
        _wire_teams(
            settings=settings,
            ctx=ctx,
            http=http,
            clock=clock,
            tokens=teams_tokens,
            loopback=teams_loopback,
            into=platforms,
        )
    sender = OutboxSender(ctx=ctx, route=PlatformPosters(posters=platforms.posters))
    scheduler = _scheduler(settings=settings, ctx=ctx, sender=sender, clock=clock)

    async def changed() -> None:
        # A signal, never a wait: the person's answer (and Slack's 3 s) comes first.
        if scheduler is not None:
            scheduler.nudge()
        else:
            sender.wake()

    wired = replace(
        ctx,
        resolve_roles=PlatformRoles(resolvers=platforms.resolvers),
        schedules_changed=changed,
        channel_members=PlatformDirectory(directories=platforms.directories),
    )
    slack = None
    if platforms.slack is not None:
        slack = build_app(
            ctx=wired,
            tokens=platforms.slack,
            responder=Responder(session=http),
            signing_secret=settings.slack_signing_secret or "",
            verify=verify,
            install=_install(settings=settings, ctx=ctx),
        )
    teams = _teams_endpoint(settings=settings, ctx=wired, platforms=platforms, keys=teams_keys)
    if scheduler is not None:
        await scheduler.start()
    return Runtime(
        slack=slack,
        teams=teams,
        slack_tokens=platforms.slack,
        sender=sender,
        clock=scheduler,
        http=http,
        connector=platforms.connector,
        sending=asyncio.create_task(sender.run()),
    )

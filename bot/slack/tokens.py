"""Which token speaks for which Slack workspace.

One deployment may serve one workspace with `SLACK_BOT_TOKEN`, or many, each
with the token it was given when it installed the app (OAuth). Roles, channel
directories and the outbox ask here for a workspace's Web API client; Bolt's
own authorizer does the same for requests. Clients are cached for a minute and
dropped at once when the workspace uninstalls the app or its token changes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiohttp
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.token_rotation.async_rotator import AsyncTokenRotator
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.client import build_client
from bot.slack.installations import DatabaseInstallationStore
from bot.slack.pace import Pace
from storage import Database
from storage.installations import installation_for_team, is_uninstalled, reinstate, uninstall

log = logging.getLogger(__name__)

CACHE_SECONDS = 60.0
# Bolt's default: a token expiring within two hours is refreshed before use.
ROTATE_MINUTES = 120


class NotInstalled(Exception):
    """The app is not (or no longer) installed in this workspace: nothing may be sent there."""


@dataclass(frozen=True, kw_only=True)
class OAuthApp:
    """The Slack app's OAuth credentials (`SLACK_CLIENT_ID`, `SLACK_CLIENT_SECRET`)."""

    client_id: str
    client_secret: str


@dataclass(frozen=True, slots=True)
class _Cached:
    until: float
    client: AsyncWebClient
    bot_user: str | None


class SlackTokens:
    """A Web API client per workspace: the one token, or each installation's own."""

    def __init__(
        self,
        *,
        database: Database,
        base_url: str,
        session: aiohttp.ClientSession,
        clock: Callable[[], datetime],
        token: str | None = None,
        oauth: OAuthApp | None = None,
    ) -> None:
        self.database = database
        self.clock = clock
        self.token = token
        self.oauth = oauth
        # The client every workspace-specific one is copied from; with no token, it is
        # the one OAuth's own calls (oauth.v2.access) go through.
        self.base = build_client(token=token, base_url=base_url, session=session)
        self.store = DatabaseInstallationStore(database=database, clock=clock, forget=self.forget)
        self._cache: dict[str, _Cached] = {}
        # Each workspace's pace outlives its cached client: Slack limits each apart.
        self._paces: dict[str, Pace] = {}

    @property
    def multi(self) -> bool:
        return self.oauth is not None

    async def client_for(self, *, team_id: str) -> AsyncWebClient:
        """The client for this workspace; NotInstalled when nothing may be sent there."""
        return (await self._entry(team_id)).client

    async def bot_user(self, *, team_id: str) -> str:
        """The bot's own user id in this workspace, so member lists can leave it out."""
        entry = await self._entry(team_id)
        if entry.bot_user is not None:
            return entry.bot_user
        found = await entry.client.auth_test()
        bot_user = str(found.get("user_id") or "")
        self._cache[team_id] = _Cached(until=entry.until, client=entry.client, bot_user=bot_user)
        return bot_user

    async def forget(self, enterprise_id: str | None = None, team_id: str | None = None) -> None:
        """Drop cached clients: one workspace's, or every one for an org-wide change."""
        if team_id:
            self._cache.pop(team_id, None)
        else:
            self._cache.clear()

    async def _entry(self, team_id: str) -> _Cached:
        cached = self._cache.get(team_id)
        if cached is not None and cached.until > time.monotonic():
            return cached
        entry = await (self._installed(team_id) if self.multi else self._single(team_id))
        self._cache[team_id] = entry
        return entry

    async def _single(self, team_id: str) -> _Cached:
        async with self.database.transaction() as session:
            gone = await is_uninstalled(session, team_id=team_id)
        if gone:
            raise NotInstalled(team_id)
        return _Cached(until=time.monotonic() + CACHE_SECONDS, client=self.base, bot_user=None)

    async def _installed(self, team_id: str) -> _Cached:
        async with self.database.transaction() as session:
            data = await installation_for_team(session, team_id=team_id)
        if data is None or not data.get("bot_token"):
            raise NotInstalled(team_id)
        installation = await self._rotated(Installation(**data))
        client = build_client(
            token=installation.bot_token,
            base_url=self.base.base_url,
            session=self.base.session,
            pace=self._paces.setdefault(team_id, Pace()),
        )
        return _Cached(
            until=time.monotonic() + CACHE_SECONDS,
            client=client,
            bot_user=installation.bot_user_id,
        )

    async def _rotated(self, installation: Installation) -> Installation:
        """A token about to expire is refreshed (token rotation) and the new one kept."""
        if self.oauth is None or installation.bot_refresh_token is None:
            return installation
        rotator = AsyncTokenRotator(
            client=self.base,
            client_id=self.oauth.client_id,
            client_secret=self.oauth.client_secret,
        )
        fresh = await rotator.perform_token_rotation(
            installation=installation, minutes_before_expiration=ROTATE_MINUTES
        )
        if fresh is None:
            return installation
        await self.store.async_save(fresh)
        return fresh

    async def started(self, *, team_id: str) -> None:
        """A single token that works here: any uninstall recorded for its workspace is over."""
        async with self.database.transaction() as session:
            await reinstate(session, team_id=team_id)
        await self.forget(None, team_id)

    async def uninstalled(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        """`app_uninstalled`: nothing more goes to that workspace, and what was due is skipped."""
        async with self.database.transaction() as session:
            skipped = await uninstall(
                session, enterprise_id=enterprise_id, team_id=team_id, now=self.clock()
            )
        await self.forget(enterprise_id, team_id)
        log.warning(
            "slack app uninstalled: enterprise=%s team=%s; %d pending post(s) skipped",
            enterprise_id or "-",
            team_id or "-",
            skipped,
        )

    async def revoked(self, *, enterprise_id: str | None, team_id: str | None, event: Any) -> None:
        """`tokens_revoked`: a revoked bot token stops posting there, as an uninstall does."""
        tokens = event.get("tokens") if isinstance(event, dict) else None
        if not isinstance(tokens, dict) or not tokens.get("bot"):
            log.info("slack user token(s) revoked: team=%s; the bot is unaffected", team_id or "-")
            return
        await self.uninstalled(enterprise_id=enterprise_id, team_id=team_id)

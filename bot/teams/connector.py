"""Calls to the Bot Connector: send, update, open a 1:1 chat, read a team's roster,
with a token we choose.

The token comes from a `TokenSource`: Entra's client-credentials grant in
production, a fixed string in tests and anonymous local development. The SDK
would otherwise reach for Entra itself on every turn.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

import aiohttp
from microsoft_agents.activity import (
    Activity,
    ChannelAccount,
    ConversationParameters,
)
from microsoft_agents.hosting.core.authorization import AuthenticationConstants, ClaimsIdentity
from microsoft_agents.hosting.core.connector import ConnectorClientBase
from microsoft_agents.hosting.core.connector.client import UserTokenClient
from microsoft_agents.hosting.core.connector.teams import TeamsConnectorClient
from microsoft_agents.hosting.core.turn_context import TurnContext

from bot import metrics
from bot.posting import PostFailed
from bot.teams.service_urls import ServiceUrls

log = logging.getLogger(__name__)

BOT_FRAMEWORK_SCOPE = "https://api.botframework.com/.default"
# Failures another try cannot mend: the conversation is gone or the bot was removed.
PERMANENT_STATUSES = {400, 403, 404}
TIMEOUT = aiohttp.ClientTimeout(total=30)
ROSTER_PAGE = 500  # the most Teams returns in one page
GENERAL = "General"  # the name Teams shows for the channel its API leaves unnamed
MAX_ROSTER_PAGES = 200  # 100,000 people: a guard against a token that never ends


class TokenSource(Protocol):
    async def token(self) -> str:
        """A bearer token for the Bot Connector ("" for none)."""
        ...  # pragma: no cover


@dataclass(frozen=True)
class StaticToken:
    """A fixed token: "" for the local emulator's anonymous mode, anything in tests."""

    value: str = ""

    async def token(self) -> str:
        return self.value


@dataclass
class EntraTokens:
    """Client-credentials tokens from Entra for our app, cached until shortly before expiry."""

    app_id: str
    password: str
    tenant_id: str | None
    session: aiohttp.ClientSession
    authority: str = "https://login.microsoftonline.com"
    _cached: tuple[float, str] | None = None
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def __repr__(self) -> str:
        return f"EntraTokens(app_id={self.app_id!r})"  # never the password or a token

    async def token(self) -> str:
        async with self._lock:
            if self._cached and time.monotonic() < self._cached[0]:
                return self._cached[1]
            # Multi-tenant bots ask the Bot Framework's own tenant; single-tenant ones their own.
            tenant = self.tenant_id or "botframework.com"
            async with self.session.post(
                f"{self.authority}/{tenant}/oauth2/v2.0/token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": self.app_id,
                    "client_secret": self.password,
                    "scope": BOT_FRAMEWORK_SCOPE,
                },
                timeout=TIMEOUT,
            ) as response:
                if response.status != 200:
                    raise PostFailed(f"token request refused ({response.status})", permanent=False)
                body = await response.json()
            value = str(body["access_token"])
            lifetime = float(body.get("expires_in", 3600))
            self._cached = (time.monotonic() + max(lifetime - 300, 60), value)
            return value


class ConnectorFactory:
    """What the SDK's adapter asks for a connector on each turn: ours, with our token.

    Replies go through `Connector`, so this client is only there because the
    adapter insists on one.
    """

    def __init__(self, *, tokens: TokenSource, app_id: str) -> None:
        self.tokens = tokens
        self.app_id = app_id

    async def create_connector_client(
        self,
        context: TurnContext | None,
        claims_identity: ClaimsIdentity,
        service_url: str,
        audience: str,
        scopes: list[str] | None = None,
        use_anonymous: bool = False,
    ) -> ConnectorClientBase:
        return TeamsConnectorClient(endpoint=service_url, token=await self.tokens.token())

    async def create_user_token_client(
        self,
        context: TurnContext,
        claims_identity: ClaimsIdentity,
        use_anonymous: bool = False,
    ) -> UserTokenClient:
        # No user sign-in flows here; the adapter still wants an object to close.
        return UserTokenClient(
            endpoint=AuthenticationConstants.AGENTS_SDK_OAUTH_URL,
            token="",
            app_id=self.app_id or "anonymous",
        )


def _failure(exc: Exception) -> PostFailed:
    if isinstance(exc, aiohttp.ClientResponseError):
        if exc.status == 429:
            metrics.rate_limited(platform="teams")
        return PostFailed(
            f"connector answered {exc.status}", permanent=exc.status in PERMANENT_STATUSES
        )
    if isinstance(exc, PostFailed):
        return exc
    return PostFailed(type(exc).__name__, permanent=False)


class Connector:
    """One kept-alive client per service URL; the token is refreshed in place.

    `service_urls` says where calls may go: our token goes with each one, so an
    address outside it is never called, whatever was stored.
    """

    def __init__(
        self, *, tokens: TokenSource, app_id: str, service_urls: ServiceUrls | None = None
    ) -> None:
        self.tokens = tokens
        self.app_id = app_id
        self.service_urls = service_urls or ServiceUrls()
        self._clients: dict[str, TeamsConnectorClient] = {}

    async def _client(self, service_url: str) -> TeamsConnectorClient:
        if not self.service_urls.allows(service_url):
            raise PostFailed("not a Teams service URL", permanent=True)
        token = await self.tokens.token()
        base = service_url if service_url.endswith("/") else service_url + "/"
        client = self._clients.get(base)
        if client is None:
            session = aiohttp.ClientSession(base_url=base, timeout=TIMEOUT)
            client = TeamsConnectorClient(endpoint=base, token=token, session=session)
            self._clients[base] = client
        if token:
            client.client.headers["Authorization"] = f"Bearer {token}"
        return client

    async def send(self, *, service_url: str, conversation_id: str, activity: Activity) -> str:
        """Post to a conversation and return the new message's id; raise PostFailed."""
        try:
            client = await self._client(service_url)
            sent = await client.conversations.send_to_conversation(conversation_id, activity)
        except (aiohttp.ClientError, TimeoutError, OSError, PostFailed) as exc:
            raise _failure(exc) from None
        return sent.id or ""

    async def update(
        self, *, service_url: str, conversation_id: str, activity_id: str, activity: Activity
    ) -> None:
        activity.id = activity_id
        try:
            client = await self._client(service_url)
            await client.conversations.update_activity(conversation_id, activity_id, activity)
        except (aiohttp.ClientError, TimeoutError, OSError, PostFailed) as exc:
            raise _failure(exc) from None

    async def team_members(self, *, service_url: str, team_id: str) -> list[ChannelAccount]:
        """Everyone in a team, page by page (`pagedmembers`); raise PostFailed."""
        members: list[ChannelAccount] = []
        token: str | None = None
        try:
            client = await self._client(service_url)
            for _ in range(MAX_ROSTER_PAGES):
                page = await client.conversations.get_conversation_paged_members(
                    team_id, page_size=ROSTER_PAGE, continuation_token=token
                )
                members += page.members or []
                token = page.continuation_token
                if not token:
                    return members
        except (aiohttp.ClientError, TimeoutError, OSError, PostFailed) as exc:
            raise _failure(exc) from None
        raise PostFailed("the roster did not end", permanent=False)

    async def channel_list(self, *, service_url: str, team_id: str) -> dict[str, str]:
        """A team's channels by id, with their names; raise PostFailed.

        Teams gives the General channel (whose id is the team's) no name.
        """
        try:
            client = await self._client(service_url)
            channels = await client.fetch_channel_list(team_id)
        except (aiohttp.ClientError, TimeoutError, OSError, PostFailed) as exc:
            raise _failure(exc) from None
        return {c.id: c.name or GENERAL for c in channels if c.id}

    async def open_personal_chat(self, *, service_url: str, tenant_id: str, user_ref: str) -> str:
        """The 1:1 chat between the bot and a person, created if need be (Teams returns
        the existing one when there is one)."""
        parameters: dict[str, Any] = {
            "is_group": False,
            "members": [ChannelAccount(id=user_ref)],
            "tenant_id": tenant_id,
            "channel_data": {"tenant": {"id": tenant_id}},
        }
        if self.app_id:
            parameters["agent"] = ChannelAccount(id=f"28:{self.app_id}")
        try:
            client = await self._client(service_url)
            created = await client.conversations.create_conversation(
                ConversationParameters(**parameters)
            )
        except (aiohttp.ClientError, TimeoutError, OSError, PostFailed) as exc:
            raise _failure(exc) from None
        if not created.id:
            raise PostFailed("no conversation id from the connector", permanent=False)
        return created.id

    async def close(self) -> None:
        for client in self._clients.values():
            await client.close()
        self._clients.clear()

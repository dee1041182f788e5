"""`POST /api/messages`: authenticate, then hand the activity to the SDK's adapter."""

from __future__ import annotations

import logging
import warnings
from typing import Any

from aiohttp import web
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core.authorization import ClaimsIdentity
from microsoft_agents.hosting.core.turn_context import TurnContext

from bot.teams.app import TeamsBot
from bot.teams.auth import TeamsAuth, Unauthorized, service_url_matches, tenant_matches

log = logging.getLogger(__name__)


async def _log_turn_error(context: TurnContext, error: Exception) -> None:
    # Replaces the SDK's default, which prints a traceback and posts the error's text.
    log.error("Teams turn failed: %s", type(error).__name__)


def _is_activity(body: object) -> bool:
    """An object with a type, as every Bot Framework activity has."""
    return isinstance(body, dict) and isinstance(body.get("type"), str) and bool(body["type"])


class TeamsEndpoint:
    """`auth=None` is anonymous local development (the Agents Playground or the
    Bot Framework Emulator); it is only ever chosen by an explicit setting."""

    def __init__(self, *, bot: TeamsBot, adapter: CloudAdapter, auth: TeamsAuth | None) -> None:
        self.bot = bot
        self.adapter = adapter
        self.auth = auth
        adapter.on_turn_error = _log_turn_error

    async def handle(self, request: web.Request) -> web.StreamResponse:
        identity = ClaimsIdentity()
        if self.auth is not None:
            try:
                identity = await self.auth.identify(request.headers.get("Authorization"))
            except Unauthorized as exc:
                log.warning("refused a request to /api/messages: %s", exc)
                return web.json_response({"error": "unauthorized"}, status=401)
        try:
            body = await request.json()
        except ValueError:
            return web.json_response({"error": "expected an activity"}, status=400)
        if not _is_activity(body):
            # The SDK indexes into the body as an activity and fails with a server error.
            return web.json_response({"error": "expected an activity"}, status=400)
        if not self._tenant_allowed(identity, body):
            return web.json_response({"error": "unauthorized"}, status=401)
        service_url = body.get("serviceUrl")
        if not service_url_matches(identity, service_url):
            log.warning("refused an activity whose service URL its token does not name")
            return web.json_response({"error": "unauthorized"}, status=401)
        # Before the adapter: nothing is stored or sent for an address that is not Teams'.
        if not self.bot.connector.service_urls.allows(service_url):
            log.warning("refused an activity whose service URL is not a Teams service host")
            return web.json_response({"error": "unauthorized"}, status=401)
        with warnings.catch_warnings():
            # The SDK's request adapter reads this plain string key, so it must be one.
            warnings.simplefilter("ignore", web.NotAppKeyWarning)
            request["claims_identity"] = identity
        response = await self.adapter.process(request, self.bot)
        return response if response is not None else web.Response(status=202)

    def _tenant_allowed(self, identity: ClaimsIdentity, body: dict[str, Any]) -> bool:
        """Each tenant is its own workspace: refuse one off CCPL_TEAMS_TENANTS, and an
        Entra token used for another tenant's activity."""
        if self.auth is None:
            return True
        tenant = activity_tenant(body)
        if not self.auth.serves(tenant):
            log.warning("refused an activity from a tenant not in CCPL_TEAMS_TENANTS")
            return False
        if not tenant_matches(identity, tenant):
            log.warning("refused an activity from another tenant than its token's")
            return False
        return True


def activity_tenant(body: dict[str, Any]) -> str | None:
    """The tenant an activity comes from, where Teams puts it."""
    conversation = body.get("conversation")
    if isinstance(conversation, dict) and isinstance(conversation.get("tenantId"), str):
        return str(conversation["tenantId"])
    channel_data = body.get("channelData")
    tenant = channel_data.get("tenant") if isinstance(channel_data, dict) else None
    found = tenant.get("id") if isinstance(tenant, dict) else None
    return found if isinstance(found, str) else None

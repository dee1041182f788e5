"""Who is a facilitator in Slack: workspace admins and owners, CCPL_FACILITATORS and
CCPL_ADMINS."""

from __future__ import annotations

import time

from slack_sdk.errors import SlackApiError

from bot.slack.tokens import NotInstalled, SlackTokens
from handlers import Actor
from handlers.core.roles import ADMIN, FACILITATOR

CACHE_SECONDS = 600.0


class SlackRoles:
    """Resolves roles with users.info, cached briefly so busy commands cost one call."""

    def __init__(
        self,
        *,
        tokens: SlackTokens,
        facilitators: frozenset[str],
        admins: frozenset[str] = frozenset(),
    ) -> None:
        self.tokens = tokens
        self.facilitators = facilitators
        self.admins = admins
        self._cache: dict[tuple[str, str], tuple[float, frozenset[str]]] = {}

    async def __call__(self, actor: Actor) -> frozenset[str]:
        key = (actor.workspace, actor.user)
        cached = self._cache.get(key)
        if cached and time.monotonic() - cached[0] < CACHE_SECONDS:
            return cached[1]
        roles = set(actor.roles)
        if actor.user in self.facilitators:
            roles.add(FACILITATOR)
        if actor.user in self.admins:
            roles |= {ADMIN, FACILITATOR}
        try:
            client = await self.tokens.client_for(team_id=actor.workspace)
            info = await client.users_info(user=actor.user)
            user = info.get("user") or {}
            if user.get("is_admin") or user.get("is_owner"):
                roles |= {ADMIN, FACILITATOR}
        except (SlackApiError, NotInstalled):
            pass  # unknown to Slack, or not installed there: only the configured list applies
        found = frozenset(roles)
        self._cache[key] = (time.monotonic(), found)
        return found

"""Who is in a Slack channel, read with conversations.members, for the facilitation reports."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.errors import SlackApiError

from bot.slack.tokens import NotInstalled, SlackTokens
from handlers import Actor

PAGE = 1000


class SlackDirectory:
    """Lists a channel's members, leaving out the bot itself."""

    def __init__(self, *, tokens: SlackTokens) -> None:
        self.tokens = tokens

    async def __call__(self, actor: Actor, channel: str) -> Sequence[str] | None:
        """Every member id, page by page; None when Slack will not say (not in the channel)."""
        members: list[str] = []
        cursor: str | None = None
        try:
            client = await self.tokens.client_for(team_id=actor.workspace)
            bot = await self.tokens.bot_user(team_id=actor.workspace)
            while True:
                page = await client.conversations_members(
                    channel=channel, limit=PAGE, cursor=cursor
                )
                members += [m for m in page.get("members") or [] if m != bot]
                cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
                if not cursor:
                    return members
        except (SlackApiError, NotInstalled):
            return None

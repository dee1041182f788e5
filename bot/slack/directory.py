"""Who is in a Slack channel, read with conversations.members, for the facilitation reports."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from handlers import Actor

PAGE = 1000


class SlackDirectory:
    """Lists a channel's members, leaving out the bot itself."""

    def __init__(self, *, client: AsyncWebClient) -> None:
        self.client = client
        self._bot_user: str | None = None

    async def bot_user(self) -> str:
        if self._bot_user is None:
            found = await self.client.auth_test()
            self._bot_user = str(found.get("user_id") or "")
        return self._bot_user

    async def __call__(self, actor: Actor, channel: str) -> Sequence[str] | None:
        """Every member id, page by page; None when Slack will not say (not in the channel)."""
        members: list[str] = []
        cursor: str | None = None
        try:
            bot = await self.bot_user()
            while True:
                page = await self.client.conversations_members(
                    channel=channel, limit=PAGE, cursor=cursor
                )
                members += [m for m in page.get("members") or [] if m != bot]
                cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
                if not cursor:
                    return members
        except SlackApiError:
            return None

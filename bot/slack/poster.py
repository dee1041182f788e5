"""Posting a neutral Reply to a Slack channel or person: message, files, pin, update;
for the outbox, with the token of the row's own workspace."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.posting import PostFailed
from bot.render.slack import render_error, render_message
from bot.slack.tokens import NotInstalled, SlackTokens
from handlers import Reply
from storage.installations import team_of_workspace

log = logging.getLogger(__name__)

# Errors that another try cannot fix: the channel or person is gone or closed to us.
PERMANENT = {
    "channel_not_found",
    "not_in_channel",
    "is_archived",
    "user_not_found",
    "account_inactive",
    "cannot_dm_bot",
    "invalid_blocks",
    "msg_too_long",
    "no_text",
    "restricted_action",
}


def slack_message(reply: Reply) -> dict[str, Any]:
    return (
        render_message(reply)
        if reply.sections
        else render_error(reply.text, mentions=reply.mentions)
    )


class SlackPoster:
    def __init__(self, *, client: AsyncWebClient) -> None:
        self.client = client

    async def post(
        self,
        *,
        target: str,
        reply: Reply,
        direct: bool,
        update: str | None = None,
        pin: bool = False,
        thread: str | None = None,
    ) -> str | None:
        try:
            return await self._post(
                target=target, reply=reply, direct=direct, update=update, pin=pin, thread=thread
            )
        except SlackApiError as exc:
            error = str(exc.response.get("error", "unknown_error"))
            raise PostFailed(error, permanent=error in PERMANENT) from None
        except (OSError, TimeoutError) as exc:
            raise PostFailed(type(exc).__name__, permanent=False) from None

    async def _post(
        self,
        *,
        target: str,
        reply: Reply,
        direct: bool,
        update: str | None,
        pin: bool,
        thread: str | None,
    ) -> str | None:
        message = slack_message(reply)
        # chat.postMessage to a user id posts in their DM with the app, so a
        # reminder costs one call, not a conversations.open as well.
        channel = target
        if update:
            await self.client.chat_update(channel=channel, ts=update, **message)
            return update
        if thread:
            message["thread_ts"] = thread
        sent = await self.client.chat_postMessage(channel=channel, **message)
        ts = str(sent["ts"])
        # The message is out. What follows must not fail the post as a whole, or
        # the outbox would send the message again: a failed extra is logged instead.
        try:
            if reply.attachments:
                await self.client.files_upload_v2(
                    channel=str(sent["channel"]),
                    file_uploads=[
                        {"content": a.content, "filename": a.filename, "title": a.title}
                        for a in reply.attachments
                    ],
                )
            if pin:
                await self.client.pins_add(channel=str(sent["channel"]), timestamp=ts)
        except SlackApiError as exc:
            log.warning("posted %s, but a file or pin failed: %s", ts, exc.response.get("error"))
        return ts


class WorkspacePosters:
    """The outbox's Slack posters: each row is posted with its own workspace's token."""

    def __init__(self, *, tokens: SlackTokens) -> None:
        self.tokens = tokens
        self._teams: dict[int, str] = {}  # a workspace's team id never changes

    def __call__(self, workspace_id: int) -> WorkspacePoster:
        return WorkspacePoster(posters=self, workspace_id=workspace_id)

    async def client_for(self, *, workspace_id: int) -> AsyncWebClient:
        team = self._teams.get(workspace_id)
        if team is None:
            async with self.tokens.database.transaction() as session:
                team = await team_of_workspace(session, workspace_id=workspace_id)
            if team is None:
                raise NotInstalled(str(workspace_id))
            self._teams[workspace_id] = team
        return await self.tokens.client_for(team_id=team)


class WorkspacePoster:
    """A `Poster` for one workspace, finding its token when it posts."""

    def __init__(self, *, posters: WorkspacePosters, workspace_id: int) -> None:
        self.posters = posters
        self.workspace_id = workspace_id

    async def post(
        self,
        *,
        target: str,
        reply: Reply,
        direct: bool,
        update: str | None = None,
        pin: bool = False,
        thread: str | None = None,
    ) -> str | None:
        try:
            client = await self.posters.client_for(workspace_id=self.workspace_id)
        except NotInstalled:
            # Uninstalled (or its token revoked): another try will not mend that.
            raise PostFailed("app not installed in this workspace", permanent=True) from None
        return await SlackPoster(client=client).post(
            target=target, reply=reply, direct=direct, update=update, pin=pin, thread=thread
        )

"""Channel activity and App Home: the Events API listeners beyond commands and mentions.

Message and reaction events only become counts (who, where, which day);
their text is never read into storage or logs.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.render.slack import render_home
from bot.slack.manifest import subscribed_event_types
from handlers import Actor, Context, Platform
from handlers.facilitation.participation import joined, left, record_contribution, refresh_members
from handlers.home.tab import home
from storage import DatabaseUnavailable
from storage.participation import MESSAGE, REACTION, REPLY

log = logging.getLogger(__name__)

# Message subtypes that are someone speaking; edits, deletions, joins and bots are not.
SPOKEN = {None, "thread_broadcast", "file_share", "me_message"}
CHANNEL_TYPES = {"channel", "group"}


def _actor(body: dict[str, Any], *, user: str, channel: str | None) -> Actor:
    return Actor(
        platform=Platform.SLACK, workspace=body.get("team_id", ""), user=user, channel=channel
    )


def _bot_user(body: dict[str, Any]) -> str | None:
    for authorization in body.get("authorizations") or []:
        if authorization.get("is_bot"):
            return str(authorization.get("user_id"))
    return None


def _counts(event: dict[str, Any], body: dict[str, Any]) -> bool:
    kind = event.get("type")
    if kind == "message":
        return (
            event.get("channel_type") in CHANNEL_TYPES
            and not event.get("bot_id")
            and event.get("subtype") in SPOKEN
            and bool(event.get("user"))
        )
    if kind == "reaction_added":
        return (event.get("item") or {}).get("type") == "message" and bool(event.get("user"))
    if kind == "member_joined_channel":
        return bool(event.get("user")) and event.get("user") != _bot_user(body)
    return kind == "member_left_channel" and bool(event.get("user"))


async def _count(*, ctx: Context, body: dict[str, Any], event: dict[str, Any]) -> None:
    kind = event["type"]
    if kind == "reaction_added":
        actor = _actor(body, user=event["user"], channel=event["item"].get("channel"))
        await record_contribution(ctx=ctx, actor=actor, kind=REACTION)
        return
    actor = _actor(body, user=event["user"], channel=event.get("channel"))
    if kind == "member_joined_channel":
        await joined(ctx=ctx, actor=actor)
    elif kind == "member_left_channel":
        await left(ctx=ctx, actor=actor)
    else:
        thread = event.get("thread_ts")
        reply = bool(thread) and thread != event.get("ts")
        await record_contribution(ctx=ctx, actor=actor, kind=REPLY if reply else MESSAGE)


class CountParticipation(AsyncMiddleware):
    """Counting is one small write, so it is done before Slack gets its 200.

    That keeps it ordered with later requests, and needs no listener. The bot being
    invited to a channel is left to its listener: reading the member list can take a
    while. A class rather than a function middleware, so Bolt does not work out its
    arguments on every request, commands included.
    """

    def __init__(self, *, ctx: Context) -> None:
        self.ctx = ctx

    async def async_process(
        self,
        *,
        req: AsyncBoltRequest,
        resp: BoltResponse,
        next: Callable[[], Awaitable[BoltResponse]],
    ) -> BoltResponse | None:
        body = req.body
        event = body.get("event") or {}
        if body.get("type") != "event_callback" or not _counts(event, body):
            return await next()
        try:
            await _count(ctx=self.ctx, body=body, event=event)
        except DatabaseUnavailable:
            log.warning("database unavailable: a %s event went uncounted", event.get("type"))
        return BoltResponse(status=200, body="")


def register_events(*, app: AsyncApp, ctx: Context) -> None:
    """Count contributions, follow channel membership, and publish each person's home tab."""

    app.middleware(CountParticipation(ctx=ctx))

    @app.event("member_joined_channel")
    async def on_bot_joined(body: dict[str, Any], event: dict[str, Any]) -> None:
        # Only the bot's own arrival reaches here: read who is already in the room.
        actor = _actor(body, user=event.get("user", ""), channel=event.get("channel"))
        await refresh_members(ctx=ctx, actor=actor, channel=actor.channel or "", force=True)

    @app.event("reaction_removed")
    async def on_reaction_removed() -> None:
        """A reaction taken back still showed someone was there; counts stay."""

    @app.event("message")
    async def on_other_message() -> None:
        """Edits, deletions and bots' posts are not contributions."""

    @app.event("app_home_opened")
    async def on_home(body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient) -> None:
        if event.get("tab") != "home":
            return
        actor = _actor(body, user=event.get("user", ""), channel=None)
        try:
            reply = await home(ctx=ctx, actor=actor)
        except DatabaseUnavailable:
            log.warning("database unavailable: home tab not refreshed")
            return
        await client.views_publish(user_id=actor.user, view=render_home(reply))

    # Last, so every listener above wins: Bolt answers 404 to an event no listener
    # takes, and Slack retries it. A reaction to a file, the bot leaving a channel,
    # or any event that needs no work is acknowledged all the same.
    for kind in subscribed_event_types():
        app.event(kind)(_nothing_to_do)


async def _nothing_to_do() -> None:
    """A subscribed event with no work for the bot: acknowledged, so Slack does not retry it."""

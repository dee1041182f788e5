"""Bolt listeners: acknowledge at once, then run the neutral handler and answer."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond, AsyncSay
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.render.slack import render_error, render_message
from handlers import (
    Action,
    Actor,
    Context,
    Delivery,
    HandlerError,
    Platform,
    Reply,
    handle_action,
    handle_text,
)
from storage import DatabaseUnavailable, claim_event

log = logging.getLogger(__name__)

UNAVAILABLE = (
    "Sorry, I couldn't reach my database just now, so nothing was changed. "
    "Please try again in a minute."
)
ACTION_IDS = re.compile(r"^(tip|help)\.")


def _actor(body: dict[str, Any], *, user: str | None = None) -> Actor:
    team = body.get("team_id") or (body.get("team") or {}).get("id") or ""
    who = user or body.get("user_id") or (body.get("user") or {}).get("id") or ""
    return Actor(platform=Platform.SLACK, workspace=team, user=who)


async def _answer(run: Callable[[], Awaitable[Reply]]) -> tuple[dict[str, Any], Delivery]:
    """Run a handler and render whatever it gives, errors included, for Slack."""
    try:
        reply = await run()
    except HandlerError as exc:
        return render_error(exc.message), Delivery.EPHEMERAL
    except DatabaseUnavailable:
        log.warning("database unavailable while answering")
        return render_error(UNAVAILABLE), Delivery.EPHEMERAL
    return render_message(reply), reply.delivery


def build_app(
    *, ctx: Context, client: AsyncWebClient, signing_secret: str, verify: bool = True
) -> AsyncApp:
    """The Bolt app for one workspace's token. Signature checks are always on in use."""
    app = AsyncApp(
        client=client,
        signing_secret=signing_secret,
        request_verification_enabled=verify,
        # We answer through response_url after ack(), never in the HTTP response.
        process_before_response=False,
    )

    @app.middleware
    async def drop_event_retries(body: dict[str, Any], next: Callable[[], Awaitable[None]]) -> Any:
        """Slack redelivers an event it thinks we missed; answer each event_id once."""
        event_id = body.get("event_id")
        if body.get("type") == "event_callback" and event_id:
            async with ctx.database.transaction() as session:
                fresh = await claim_event(
                    session,
                    platform=Platform.SLACK,
                    workspace=body.get("team_id", ""),
                    event_id=event_id,
                    now=ctx.clock(),
                )
            if not fresh:
                return BoltResponse(status=200, body="")
        await next()
        return None

    @app.command("/ccpl")
    async def on_command(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        message, delivery = await _answer(
            lambda: handle_text(ctx=ctx, actor=_actor(body), text=body.get("text", ""))
        )
        kind = "in_channel" if delivery is Delivery.CHANNEL else "ephemeral"
        await respond(**message, response_type=kind)

    @app.action(ACTION_IDS)
    async def on_action(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        pressed = body["actions"][0]
        action = Action(action_id=pressed["action_id"], value=pressed.get("value") or "")
        message, _ = await _answer(
            lambda: handle_action(ctx=ctx, actor=_actor(body), action=action)
        )
        await respond(**message, response_type="ephemeral", replace_original=False)

    @app.event("app_mention")
    async def on_mention(body: dict[str, Any], event: dict[str, Any], say: AsyncSay) -> None:
        actor = _actor(body, user=event.get("user"))
        message, _ = await _answer(
            lambda: handle_text(ctx=ctx, actor=actor, text=event.get("text", ""))
        )
        await say(**message, thread_ts=event.get("thread_ts") or event.get("ts"))

    @app.event({"type": "message", "channel_type": "im"})
    async def on_direct_message(body: dict[str, Any], event: dict[str, Any], say: AsyncSay) -> None:
        if event.get("subtype") or event.get("bot_id"):
            return  # edits, joins and our own posts are not requests
        actor = _actor(body, user=event.get("user"))
        message, _ = await _answer(
            lambda: handle_text(ctx=ctx, actor=actor, text=event.get("text", ""))
        )
        await say(**message)

    @app.event("message")
    async def ignore_other_messages() -> None:
        """Channel chatter is not for us; acknowledging stops Bolt's warnings."""

    return app

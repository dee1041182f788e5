"""Bolt listeners: acknowledge at once, run the neutral handler, deliver its reply."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncSay
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.outage import UNAVAILABLE, unavailable_form
from bot.posting import PostFailed
from bot.render.slack_forms import render_modal, submitted_values
from bot.slack.events import register_events
from bot.slack.poster import SlackPoster, slack_message
from bot.slack.respond import Responder
from handlers import (
    Action,
    Actor,
    Context,
    Delivery,
    HandlerError,
    Invalid,
    Platform,
    Reply,
    handle_action,
    handle_text,
)
from storage import DatabaseUnavailable, claim_event

log = logging.getLogger(__name__)

UNAVAILABLE_FORM = unavailable_form(button="Save")
SENT_TO_DM = "Sent to our direct messages."
ANY = re.compile(r".+")


def _typed(text: str) -> str:
    """Slack escapes &, < and > in what people type; handlers want the characters."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _actor(body: dict[str, Any], *, user: str | None = None, channel: str | None = None) -> Actor:
    team = body.get("team_id") or (body.get("team") or {}).get("id") or ""
    who = body.get("user") or {}
    return Actor(
        platform=Platform.SLACK,
        workspace=team,
        user=user or body.get("user_id") or who.get("id") or "",
        name=body.get("user_name") or who.get("username") or who.get("name"),
        channel=channel or body.get("channel_id") or (body.get("channel") or {}).get("id"),
    )


class SlackDelivery:
    """Puts a neutral Reply where it belongs: modal, ephemeral answer, DM, files, channel."""

    def __init__(self, *, client: AsyncWebClient, responder: Responder) -> None:
        self.client = client
        self.poster = SlackPoster(client=client)
        self.responder = responder

    async def run(self, produce: Callable[[], Awaitable[Reply]]) -> Reply:
        """A handler's reply, with domain errors and outages turned into kind replies."""
        try:
            return await produce()
        except HandlerError as exc:
            return Reply(text=exc.message)
        except DatabaseUnavailable:
            log.warning("database unavailable while answering")
            return Reply(text=UNAVAILABLE)

    async def deliver(
        self,
        *,
        reply: Reply,
        user: str,
        response_url: str | None = None,
        say: AsyncSay | None = None,
        trigger_id: str | None = None,
        thread_ts: str | None = None,
    ) -> None:
        if reply.form is not None:
            if trigger_id:
                await self.client.views_open(trigger_id=trigger_id, view=render_modal(reply.form))
                return
            # Mentions and DMs carry no trigger to open a modal with.
            reply = Reply(text="Type the /ccpl command to open the form.")
        if reply.delivery is Delivery.DM or reply.attachments:
            await self.poster.post(target=user, reply=reply, direct=True)
            if response_url:
                await self.responder.send(
                    url=response_url,
                    text=SENT_TO_DM,
                    response_type="ephemeral",
                    replace_original=False,
                )
        elif response_url:
            kind = "in_channel" if reply.delivery is Delivery.CHANNEL else "ephemeral"
            await self.responder.send(
                url=response_url,
                **slack_message(reply),
                response_type=kind,
                replace_original=False,
            )
        elif say is not None:
            await say(**slack_message(reply), thread_ts=thread_ts)
        else:
            # After a modal closes there is nowhere else to answer: a direct message.
            await self.poster.post(target=user, reply=reply, direct=True)
        for post in reply.also_post:
            try:
                await self.poster.post(
                    target=post.channel,
                    reply=post.reply,
                    direct=post.reply.delivery is Delivery.DM,
                    update=post.update,
                    thread=post.thread,
                )
            except PostFailed as exc:
                log.warning("a follow-up post failed: %s", exc.reason)


def _form_errors(exc: Invalid, view: dict[str, Any]) -> dict[str, str]:
    fields = [b["block_id"] for b in view.get("blocks", []) if b.get("type") == "input"]
    errors = {k: v for k, v in exc.errors.items() if k in fields}
    return errors or {fields[0]: exc.message}


def build_app(
    *,
    ctx: Context,
    client: AsyncWebClient,
    responder: Responder,
    signing_secret: str,
    verify: bool = True,
) -> AsyncApp:
    """The Bolt app for one workspace's token. Signature checks are always on in use."""
    app = AsyncApp(
        client=client,
        signing_secret=signing_secret,
        request_verification_enabled=verify,
        process_before_response=False,
    )
    out = SlackDelivery(client=client, responder=responder)

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
    async def on_command(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        actor = _actor(body)
        text = _typed(body.get("text", ""))
        if text.strip().lower().split()[:1] in (["export"], ["my-data"]):
            # These build files; say so at once so nobody wonders or asks twice.
            await responder.send(
                url=body["response_url"], text="Preparing your files…", response_type="ephemeral"
            )
        reply = await out.run(lambda: handle_text(ctx=ctx, actor=actor, text=text))
        await out.deliver(
            reply=reply,
            user=actor.user,
            response_url=body.get("response_url"),
            trigger_id=body.get("trigger_id"),
        )

    @app.action(ANY)
    async def on_action(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        pressed = body["actions"][0]
        action = Action(action_id=pressed["action_id"], value=pressed.get("value") or "")
        actor = _actor(body)
        reply = await out.run(lambda: handle_action(ctx=ctx, actor=actor, action=action))
        await out.deliver(
            reply=reply,
            user=actor.user,
            response_url=body.get("response_url"),
            trigger_id=body.get("trigger_id"),
        )

    @app.view(ANY)
    async def on_form(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        """Validate and save before answering, so errors keep the modal open with its text."""
        actor = _actor(body)
        action = Action(
            action_id=view["callback_id"],
            value=view.get("private_metadata") or "",
            values=submitted_values(view),
        )
        try:
            reply = await handle_action(ctx=ctx, actor=actor, action=action)
        except Invalid as exc:
            await ack(response_action="errors", errors=_form_errors(exc, view))
            return
        except DatabaseUnavailable:
            log.warning("database unavailable at form submission; the modal stays open")
            fields = _form_errors(Invalid(UNAVAILABLE_FORM), view)
            await ack(response_action="errors", errors=fields)
            return
        except HandlerError as exc:
            await ack(response_action="errors", errors=_form_errors(Invalid(exc.message), view))
            return
        await ack()
        await out.deliver(reply=reply, user=actor.user)

    @app.event("app_mention")
    async def on_mention(body: dict[str, Any], event: dict[str, Any], say: AsyncSay) -> None:
        actor = _actor(body, user=event.get("user"), channel=event.get("channel"))
        text = _typed(event.get("text", ""))
        reply = await out.run(lambda: handle_text(ctx=ctx, actor=actor, text=text))
        thread = event.get("thread_ts") or event.get("ts")
        await out.deliver(reply=reply, user=actor.user, say=say, thread_ts=thread)

    @app.event({"type": "message", "channel_type": "im"})
    async def on_direct_message(body: dict[str, Any], event: dict[str, Any], say: AsyncSay) -> None:
        if event.get("subtype") or event.get("bot_id"):
            return  # edits, joins and our own posts are not requests
        actor = _actor(body, user=event.get("user"))
        text = _typed(event.get("text", ""))
        reply = await out.run(lambda: handle_text(ctx=ctx, actor=actor, text=text))
        await out.deliver(reply=reply, user=actor.user, say=say)

    # After the direct-message listener: Bolt runs the first listener that matches.
    register_events(app=app, ctx=ctx, client=client)
    return app

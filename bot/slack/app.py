"""Bolt listeners: acknowledge at once, run the neutral handler, deliver its reply."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

import aiohttp
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncSay
from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.delivery import (
    FAILED,
    FieldErrors,
    Refused,
    Replayed,
    action_name,
    command_name,
    log_failure,
    post_follow_ups,
    run_action,
    run_command,
    submit_form,
)
from bot.logs import library_logger
from bot.outage import unavailable_form
from bot.posting import PostFailed
from bot.render.slack_forms import render_modal, submitted_values
from bot.slack.events import register_events
from bot.slack.install import INSTALL_PATH, REDIRECT_PATH, SlackInstall
from bot.slack.once import DIGEST_KEY, ClaimingDatabase, signed_once
from bot.slack.poster import SlackPoster, slack_message
from bot.slack.respond import Responder
from bot.slack.tokens import ROTATE_MINUTES, SlackTokens
from handlers import Action, Actor, Context, Delivery, Platform, Reply, parse
from handlers.core.registry import REGISTRY, Registry
from storage import claim_event

log = logging.getLogger(__name__)

UNAVAILABLE_FORM = unavailable_form(button="Save")
SENT_TO_DM = "Sent to our direct messages."
NOT_DELIVERED = (
    "Sorry, I couldn't send that to you as a direct message just now. Please try again in a minute."
)
ANY = re.compile(r".+")


def _typed(text: str) -> str:
    """Slack escapes &, < and > in what people type; handlers want the characters."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


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
            # Mentions and DMs carry no trigger to open a modal with. A form that
            # comes back with problems says what they were (its reply's text).
            reply = Reply(
                text=f"{reply.text} Type the /ccpl command to open the form."
                if reply.form.errors
                else "Type the /ccpl command to open the form."
            )
        await self._answer(
            reply=reply, user=user, response_url=response_url, say=say, thread_ts=thread_ts
        )
        await post_follow_ups(poster=self.poster, reply=reply)

    async def _answer(
        self,
        *,
        reply: Reply,
        user: str,
        response_url: str | None,
        say: AsyncSay | None,
        thread_ts: str | None,
    ) -> None:
        if reply.delivery is Delivery.DM or reply.attachments:
            await self._direct(reply=reply, user=user, response_url=response_url)
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

    @asynccontextmanager
    async def after_ack(self, *, what: str, response_url: str | None) -> AsyncIterator[None]:
        """Work after the ack that fails is told to the person where we can reach them,
        and logged by the command's name and the failure's kind, never its content."""
        try:
            yield
        except Replayed:
            log.warning("dropped a replayed Slack request")
        except PostFailed as exc:
            log.warning("could not deliver the answer to %s: %s", what, exc.reason)
            await self._tell(response_url=response_url, text=NOT_DELIVERED)
        except (SlackApiError, aiohttp.ClientError, OSError) as exc:
            # Slack refused or could not be reached: an outage of theirs, not a bug of ours.
            log.warning("could not deliver the answer to %s: %s", what, type(exc).__name__)
            await self._tell(response_url=response_url, text=NOT_DELIVERED)
        except Exception as exc:  # a person is waiting; Bolt would log the message text
            log_failure(what=what, exc=exc)
            await self._tell(response_url=response_url, text=FAILED)

    async def _tell(self, *, response_url: str | None, text: str) -> None:
        if not response_url:
            return  # nowhere left to reach them: the log line is all there is
        try:
            await self.responder.send(
                url=response_url, text=text, response_type="ephemeral", replace_original=False
            )
        except Exception as exc:  # the response URL itself failed: only the log remains
            log.warning("could not tell the person either: %s", type(exc).__name__)

    async def _direct(self, *, reply: Reply, user: str, response_url: str | None) -> None:
        await self.poster.post(target=user, reply=reply, direct=True)
        if response_url:
            await self.responder.send(
                url=response_url,
                text=SENT_TO_DM,
                response_type="ephemeral",
                replace_original=False,
            )


def is_slow(*, text: str, registry: Registry = REGISTRY) -> bool:
    """Whether the command typed is declared slow (it builds files, say)."""
    spec = registry.command(parse(text=text, registry=registry).name)
    return spec is not None and spec.slow


def _input_ids(view: dict[str, Any]) -> list[str]:
    """The modal's fields, in the order shown: where errors can be put."""
    blocks = view.get("blocks")
    return [
        b["block_id"]
        for b in (blocks if isinstance(blocks, list) else ())
        if isinstance(b, dict) and b.get("type") == "input" and isinstance(b.get("block_id"), str)
    ]


def _has_id(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("id"), str) and bool(value["id"])


def _pressed(body: Mapping[str, Any]) -> bool:
    actions = body.get("actions")
    return (
        isinstance(actions, list)
        and bool(actions)
        and isinstance(actions[0], dict)
        and isinstance(actions[0].get("action_id"), str)
    )


def well_formed(body: Mapping[str, Any]) -> bool:
    """Whether a button press or form has what Slack always sends, shaped as Slack sends it."""
    kind = body.get("type")
    if kind not in ("block_actions", "view_submission", "view_closed"):
        return True
    if not (_has_id(body.get("team")) and _has_id(body.get("user"))):
        return False
    if not isinstance(body.get("channel") or {}, dict):
        return False
    if kind == "block_actions":
        return _pressed(body)
    view = body.get("view")
    return isinstance(view, dict) and all(
        isinstance(view.get(key), str) for key in ("type", "callback_id")
    )


class RefuseMalformed(AsyncMiddleware):
    """Bolt's own matching reads into these payloads before any listener runs, and a
    part of the wrong shape would be a server error; it is a bad request instead."""

    async def async_process(
        self,
        *,
        req: AsyncBoltRequest,
        resp: BoltResponse,
        next: Callable[[], Awaitable[BoltResponse]],
    ) -> BoltResponse | None:
        if well_formed(req.body):
            return await next()
        log.warning("refused an interactive Slack payload not shaped as Slack sends it")
        return BoltResponse(status=400, body="")


class RunOnce(AsyncMiddleware):
    """Marks a signed command or interaction for its claim (bot/slack/once.py): a replay
    inside the signature's window is acknowledged and not run a second time."""

    async def async_process(
        self,
        *,
        req: AsyncBoltRequest,
        resp: BoltResponse,
        next: Callable[[], Awaitable[BoltResponse]],
    ) -> BoltResponse | None:
        digest = signed_once(req)
        if digest is not None:
            req.context[DIGEST_KEY] = digest
        return await next()


def _oauth_settings(
    *, tokens: SlackTokens, install: SlackInstall | None
) -> AsyncOAuthSettings | None:
    if tokens.oauth is None or install is None:
        return None
    return AsyncOAuthSettings(
        client_id=tokens.oauth.client_id,
        client_secret=tokens.oauth.client_secret,
        scopes=list(install.scopes),
        redirect_uri=install.redirect_uri,
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        state_store=install.states,
        installation_store=tokens.store,
        token_rotation_expiration_minutes=ROTATE_MINUTES,
    )


def build_app(
    *,
    ctx: Context,
    tokens: SlackTokens,
    responder: Responder,
    signing_secret: str,
    verify: bool = True,
    install: SlackInstall | None = None,
) -> AsyncApp:
    """The Bolt app: one workspace's token, or (with OAuth) each installation's own, which
    Bolt finds for every request. Signature checks are always on in use."""
    oauth = _oauth_settings(tokens=tokens, install=install)
    app = AsyncApp(
        client=tokens.base,
        signing_secret=signing_secret,
        request_verification_enabled=verify,
        process_before_response=False,
        # The authorizer gets our client too, so token rotation reaches SLACK_API_URL.
        installation_store=tokens.store if oauth is not None else None,
        oauth_settings=oauth,
        # Bolt gives its loggers this one's level and filters; see bot/logs.py.
        logger=library_logger("slack_bolt.app"),
    )
    # First of ours: the function middleware after it are handed parts of the payload.
    app.middleware(RefuseMalformed())
    app.middleware(RunOnce())
    app.middleware(DropEventRetries(ctx=ctx))
    _listen_to_commands(app=app, ctx=ctx, responder=responder)
    _listen_to_forms(app=app, ctx=ctx, responder=responder)
    _listen_to_messages(app=app, ctx=ctx, responder=responder)
    _listen_to_uninstalls(app=app, tokens=tokens)
    # After the direct-message listener: Bolt runs the first listener that matches.
    register_events(app=app, ctx=ctx)
    return app


def _listen_to_uninstalls(*, app: AsyncApp, tokens: SlackTokens) -> None:
    """Uninstalling the app, or revoking its token, stops every post to that workspace."""

    @app.event("app_uninstalled")
    async def on_uninstalled(context: AsyncBoltContext) -> None:
        await tokens.uninstalled(enterprise_id=context.enterprise_id, team_id=context.team_id)

    @app.event("tokens_revoked")
    async def on_revoked(context: AsyncBoltContext, event: dict[str, Any]) -> None:
        await tokens.revoked(
            enterprise_id=context.enterprise_id, team_id=context.team_id, event=event
        )


class DropEventRetries(AsyncMiddleware):
    """Slack redelivers an event it thinks we missed; answer each event_id once.

    A class rather than a function middleware: Bolt works out a function middleware's
    arguments on every request, commands included, and this only reads the body.
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
        event_id = body.get("event_id")
        if body.get("type") == "event_callback" and event_id:
            async with self.ctx.database.transaction() as session:
                fresh = await claim_event(
                    session,
                    platform=Platform.SLACK,
                    workspace=body.get("team_id", ""),
                    event_id=event_id,
                    now=self.ctx.clock(),
                )
            if not fresh:
                return BoltResponse(status=200, body="")
        return await next()


def _listen_to_commands(*, app: AsyncApp, ctx: Context, responder: Responder) -> None:
    """`/ccpl` and button presses: acknowledged at once, answered on the response URL."""

    @app.command("/ccpl")
    async def on_command(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        await ack()
        # Bolt's client for this request carries the token of the workspace it came from.
        out = SlackDelivery(client=client, responder=responder)
        actor = _actor(body)
        text = _typed(_text(body.get("text")))
        url = _text(body.get("response_url")) or None
        once = _once(ctx=ctx, context=context, actor=actor)
        async with out.after_ack(what=command_name(text), response_url=url):
            if url and is_slow(text=text):
                await _settle(once)
                # Slow commands build files; say so at once so nobody wonders or asks twice.
                await out.responder.send(
                    url=url, text="Preparing your files…", response_type="ephemeral"
                )
            outcome = await run_command(ctx=_claiming(ctx, once), actor=actor, text=text)
            await _settle(once)
            await out.deliver(
                reply=outcome.reply,
                user=actor.user,
                response_url=url,
                trigger_id=_text(body.get("trigger_id")) or None,
            )

    @app.action(ANY)
    async def on_action(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        await ack()
        out = SlackDelivery(client=client, responder=responder)
        pressed = body["actions"][0]
        # Slack sends a string; anything else is forged or broken, and carries nothing.
        action = Action(action_id=pressed["action_id"], value=_text(pressed.get("value")))
        actor = _actor(body)
        url = _text(body.get("response_url")) or None
        once = _once(ctx=ctx, context=context, actor=actor)
        async with out.after_ack(what=action_name(action.action_id), response_url=url):
            outcome = await run_action(ctx=_claiming(ctx, once), actor=actor, action=action)
            await _settle(once)
            await out.deliver(
                reply=outcome.reply,
                user=actor.user,
                response_url=url,
                trigger_id=_text(body.get("trigger_id")) or None,
            )


def _once(*, ctx: Context, context: AsyncBoltContext, actor: Actor) -> ClaimingDatabase | None:
    """The database that claims this signed request in its first transaction, if signed."""
    digest = context.get(DIGEST_KEY)
    if not isinstance(digest, str):
        return None
    return ClaimingDatabase(ctx.database, workspace=actor.workspace, digest=digest, now=ctx.clock())


def _claiming(ctx: Context, once: ClaimingDatabase | None) -> Context:
    return ctx if once is None else replace(ctx, database=once)


async def _settle(once: ClaimingDatabase | None) -> None:
    if once is not None:
        await once.settle()


def _listen_to_forms(*, app: AsyncApp, ctx: Context, responder: Responder) -> None:
    @app.view(ANY)
    async def on_form(
        ack: AsyncAck,
        body: dict[str, Any],
        view: dict[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
    ) -> None:
        """Validate and save before answering, so errors keep the modal open with its text."""
        out = SlackDelivery(client=client, responder=responder)
        actor = _actor(body)
        action = Action(
            action_id=view["callback_id"],
            value=_text(view.get("private_metadata")),
            values=submitted_values(view),
        )
        fields = _input_ids(view)
        once = _once(ctx=ctx, context=context, actor=actor)
        try:
            outcome = await submit_form(
                ctx=_claiming(ctx, once), actor=actor, action=action, fields=fields
            )
            await _settle(once)
        except Replayed:
            log.warning("dropped a replayed Slack request")
            await ack()
            return
        if isinstance(outcome, FieldErrors):
            await ack(response_action="errors", errors=dict(outcome.errors))
        elif isinstance(outcome, Refused) and fields:
            errors = outcome.on_form(first=fields[0], unavailable_form=UNAVAILABLE_FORM)
            await ack(response_action="errors", errors=errors)
        else:
            # Saved, or a refusal with no field to show it under: the modal closes.
            await ack()
            async with out.after_ack(what=action_name(action.action_id), response_url=None):
                await out.deliver(reply=outcome.reply, user=actor.user)


def _listen_to_messages(*, app: AsyncApp, ctx: Context, responder: Responder) -> None:
    """Mentions are answered in their thread; direct messages in the DM."""

    @app.event("app_mention")
    async def on_mention(
        body: dict[str, Any], event: dict[str, Any], say: AsyncSay, client: AsyncWebClient
    ) -> None:
        out = SlackDelivery(client=client, responder=responder)
        actor = _actor(body, user=event.get("user"), channel=event.get("channel"))
        text = _typed(event.get("text", ""))
        outcome = await run_command(ctx=ctx, actor=actor, text=text)
        thread = event.get("thread_ts") or event.get("ts")
        async with out.after_ack(what=command_name(text), response_url=None):
            await out.deliver(reply=outcome.reply, user=actor.user, say=say, thread_ts=thread)

    @app.event({"type": "message", "channel_type": "im"})
    async def on_direct_message(
        body: dict[str, Any], event: dict[str, Any], say: AsyncSay, client: AsyncWebClient
    ) -> None:
        if event.get("subtype") or event.get("bot_id"):
            return  # edits, joins and our own posts are not requests
        out = SlackDelivery(client=client, responder=responder)
        actor = _actor(body, user=event.get("user"))
        text = _typed(event.get("text", ""))
        outcome = await run_command(ctx=ctx, actor=actor, text=text)
        async with out.after_ack(what=command_name(text), response_url=None):
            await out.deliver(reply=outcome.reply, user=actor.user, say=say)

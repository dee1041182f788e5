"""The Teams bot: activities in, the neutral handlers, replies out through the connector.

Messages are commands (`@CCPL tip` in a channel, `tip` in a personal chat).
With the team's consent the bot also receives every channel message; those,
thread replies and reactions are counted for the facilitation reports (never
their text), and only @mentions are answered. Card buttons and forms come back
as messages whose `value` is the card's submit data. Anything private (forms,
files, answers meant for one person) goes to the person's 1:1 chat, because
Teams has no messages that only one member of a channel can see.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any

from microsoft_agents.activity import Activity, Attachment, ChannelAccount, InvokeResponse
from microsoft_agents.hosting.core.turn_context import TurnContext

from bot.delivery import (
    Answered,
    FieldErrors,
    post_follow_ups,
    run_action,
    run_command,
    submit_form,
)
from bot.outage import UNAVAILABLE, unavailable_form
from bot.posting import PostFailed
from bot.render.adaptive import (
    CONTENT_TYPE,
    REFRESH,
    Pressed,
    Submitted,
    render_form,
    submission,
)
from bot.render.adaptive import card as adaptive_card
from bot.render.markup import to_plain
from bot.teams.connector import Connector
from bot.teams.files import FileOffers
from bot.teams.poster import TeamsPoster, message_activity
from handlers import (
    Action,
    Actor,
    Context,
    Delivery,
    FieldKind,
    Form,
    Platform,
    Reply,
)
from handlers.facilitation.participation import joined, left, record_contribution, refresh_members
from storage import DatabaseUnavailable, claim_event, ensure_scope
from storage.conversations import (
    ConversationRef,
    known_channels,
    remember_conversation,
    remember_person,
    team_channels,
    users_by_ref,
)
from storage.forgotten import passive_scope
from storage.participation import MESSAGE, REACTION, REPLY

log = logging.getLogger(__name__)

UNAVAILABLE_FORM = unavailable_form(button="the button")
SOMETHING_WRONG = "Sorry, something went wrong on my side. Please try again."
SENT_FORM = "I've sent you a form in our personal chat."
SENT_FILE = "I've sent you the file in our personal chat."
SENT_ANSWER = "I've answered in our personal chat, as it's just for you."
WELCOME = (
    "Hello! I'm CCPL, the learning network bot. Type **help** to see what I can do, "
    "or **tip** for a leadership tip."
)
CHANNEL_WELCOME = (
    "Hello! I'm CCPL, the learning network bot. Mention me with **@CCPL help** to see "
    "what I can do, or **@CCPL tip** for a leadership tip."
)
FILE_EXPIRED = "That file offer has expired. Ask me again and I'll send a fresh one."
STALE_CARD = "That card is out of date. Ask me again for a fresh one."
ACTION_INVOKE = "adaptiveCard/action"  # a Universal Action: Action.Execute or a refresh
MESSAGE_RESPONSE = "application/vnd.microsoft.activity.message"
_TAGS = re.compile(r"<(?!#)[^>]+>")
CHANNEL_ID_PREFIX = "19:"  # Teams channel and group chat ids; people's start 29:


@dataclass(frozen=True, kw_only=True, slots=True)
class Turn:
    """Where an activity came from, and so where its answers go."""

    actor: Actor
    workspace_id: int
    service_url: str
    tenant_id: str
    conversation_id: str  # a channel message's conversation includes its thread
    personal: bool
    user_ref: str
    reply_to_id: str | None
    fresh: bool = True  # False for a message the connector delivered twice
    # False for a channel message not addressed to the bot: counted, never answered.
    addressed: bool = True
    team_id: str | None = None


def _channel_id(activity: Activity, data: Mapping[str, Any]) -> str:
    channel = (data.get("channel") or {}).get("id")
    if isinstance(channel, str) and channel:
        return channel
    # A thread's conversation id is the channel's plus ";messageid=...".
    return activity.conversation.id.split(";", 1)[0]


def mentions_bot(activity: Activity) -> bool:
    bot = activity.recipient.id if activity.recipient else None
    return any(m.mentioned is not None and m.mentioned.id == bot for m in activity.get_mentions())


def addressed(activity: Activity) -> bool:
    """Whether a message is for the bot. With consent to read a team's channel
    messages the bot receives all of them; it answers only its @mentions (and
    card submissions), and everything in a personal or group chat."""
    if activity.type in ("invoke", "installationUpdate"):
        return True
    if activity.type != "message":
        return False  # membership changes and reactions are only counted
    kind = activity.conversation.conversation_type if activity.conversation else None
    if kind != "channel":
        return True
    return activity.value is not None or mentions_bot(activity)


def is_reply(activity: Activity) -> bool:
    """A reply in a thread, rather than a new post: a root post's conversation id
    names the post itself (";messageid=<its id>"), a reply's names the root."""
    if activity.reply_to_id:
        return True
    _, _, root = activity.conversation.id.partition(";messageid=")
    return bool(root) and root != activity.id


def command_text(activity: Activity, *, people: Mapping[str, str] | None = None) -> str:
    """The words typed to the bot, without its @mention and the HTML Teams wraps them in.

    Anyone else @mentioned becomes their Entra object id (from the mention, or from
    `people`, their Teams ids already known), so `facilitators add @Ann` names Ann;
    a channel @mentioned becomes `<#its id>`, so `quiet @Forum` names the channel.
    """
    bot = activity.recipient.id if activity.recipient else None
    text = activity.remove_recipient_mention() if activity.text else ""
    for mention in activity.get_mentions():
        person = mention.mentioned
        if person is None or not mention.text or person.id == bot:
            continue
        if (person.id or "").startswith(CHANNEL_ID_PREFIX):
            # A channel @mentioned: named as handlers name channels, `<#id>`.
            text = text.replace(mention.text, f" <#{person.id}> ")
            continue
        user = person.aad_object_id or (people or {}).get(person.id or "")
        if user:
            text = text.replace(mention.text, f" {user} ")
    return html.unescape(_TAGS.sub(" ", text)).replace("\xa0", " ").strip()


def _mentioned_refs(activity: Activity) -> set[str]:
    """Teams ids of people mentioned without an object id."""
    bot = activity.recipient.id if activity.recipient else None
    return {
        m.mentioned.id
        for m in activity.get_mentions()
        if m.mentioned is not None
        and m.mentioned.id
        and m.mentioned.id != bot
        and not m.mentioned.aad_object_id
    }


def _card_response(activity: Activity) -> dict[str, Any]:
    """An `adaptiveCard/action` answer: the card that replaces the one pressed, for the
    person who pressed it. A plain answer becomes a card of its text."""
    cards = [a.content for a in activity.attachments or [] if a.content_type == CONTENT_TYPE]
    # A one-line answer was rendered as message text already; it only needs a card.
    line = {"type": "TextBlock", "text": activity.text or "", "wrap": True}
    content = cards[0] if cards else adaptive_card([line])
    return {"statusCode": 200, "type": CONTENT_TYPE, "value": content}


def _message_response(text: str) -> dict[str, Any]:
    """An `adaptiveCard/action` answer that leaves the card as it is and shows a line."""
    return {"statusCode": 200, "type": MESSAGE_RESPONSE, "value": text}


def _first_line(text: str) -> str:
    line = to_plain(text).strip().split("\n", 1)[0]
    return line if len(line) <= 200 else line[:199] + "…"


def _where_it_went(reply: Reply) -> str:
    """The thread's note: what went to the personal chat, never what it says."""
    if reply.form is not None:
        return SENT_FORM
    if reply.attachments:
        return SENT_FILE
    return SENT_ANSWER


class TeamsBot:
    """The agent the SDK's adapter calls for each activity."""

    def __init__(
        self,
        *,
        ctx: Context,
        connector: Connector,
        poster: TeamsPoster,
        files: FileOffers,
    ) -> None:
        self.ctx = ctx
        self.connector = connector
        self.poster = poster
        self.files = files

    async def on_turn(self, context: TurnContext) -> None:
        activity = context.activity
        try:
            turn = await self._turn(activity)
        except DatabaseUnavailable:
            log.warning("database unavailable at a Teams activity")
            if addressed(activity):
                await self._unavailable(activity)
            return
        if turn is None:
            return
        if not turn.fresh:
            log.info("dropped a Teams %s delivered twice", activity.type)
            return
        try:
            await self._dispatch(context, turn)
        except PostFailed as exc:
            log.warning("could not answer in Teams: %s", exc.reason)
        except Exception as exc:
            # The SDK's default would show the exception's text in the chat, and the
            # text can quote what someone typed (a database error's parameters), so
            # neither the chat nor the log gets more than its type.
            log.error("unexpected %s answering a Teams activity", type(exc).__name__)
            if turn.addressed:
                with contextlib.suppress(PostFailed):
                    await self._send(turn, turn.conversation_id, Reply(text=SOMETHING_WRONG))

    async def _dispatch(self, context: TurnContext, turn: Turn) -> None:
        activity = context.activity
        kind = activity.type
        if kind == "invoke" and activity.name == ACTION_INVOKE:
            try:
                body = await self._execute(turn, activity)
            except Exception as exc:
                # Unanswered, the invoke would be a 501 and Teams would show an error
                # on the card; the log gets the type only, as in `on_turn`.
                log.error("unexpected %s answering a Teams card action", type(exc).__name__)
                body = _message_response(SOMETHING_WRONG)
            await context.send_activity(
                Activity(type="invokeResponse", value=InvokeResponse(status=200, body=body))
            )
        elif kind == "invoke" and activity.name == "fileConsent/invoke":
            # Acknowledged whatever happens next: Teams shows an error for anything else.
            await context.send_activity(
                Activity(type="invokeResponse", value=InvokeResponse(status=200))
            )
            await self._file_answer(turn, activity)
        elif kind == "installationUpdate" and (activity.action or "").startswith("add"):
            welcome = WELCOME if turn.personal else CHANNEL_WELCOME
            await self._send(turn, turn.conversation_id, Reply(text=welcome))
        elif kind == "conversationUpdate":
            await self._membership(turn, activity)
        elif kind == "messageReaction":
            if activity.reactions_added and self._counts(turn, activity):
                await self._count(turn, REACTION)
        elif kind == "message":
            await self._message(turn, activity)
        # The rest need nothing more: the conversation's reference is already kept.

    async def _message(self, turn: Turn, activity: Activity) -> None:
        """Count a person's channel message; answer it when it is addressed to the bot."""
        sent = submission(activity.value)
        if sent is None and self._counts(turn, activity):
            await self._count(turn, REPLY if is_reply(activity) else MESSAGE)
        if not turn.addressed:
            return
        if isinstance(sent, Submitted):
            await self._submit(turn, sent)
        elif isinstance(sent, Pressed):
            action = Action(action_id=sent.action_id, value=sent.value)
            outcome = await run_action(ctx=self.ctx, actor=turn.actor, action=action)
            # A button in a channel (an RSVP, a vote) would fill its thread with notes.
            await self.deliver(turn, outcome.reply, note=False)
        else:
            text = await self._command_text(turn, activity)
            outcome = await run_command(ctx=self.ctx, actor=turn.actor, text=text)
            await self.deliver(turn, outcome.reply)

    async def _command_text(self, turn: Turn, activity: Activity) -> str:
        """The typed words, with people mentioned by their Teams id alone looked up."""
        people: Mapping[str, str] = {}
        refs = _mentioned_refs(activity)
        if refs:
            async with self.ctx.database.transaction() as session:
                people = await users_by_ref(session, workspace_id=turn.workspace_id, user_refs=refs)
        return command_text(activity, people=people)

    @staticmethod
    def _counts(turn: Turn, activity: Activity) -> bool:
        """A person taking part in a channel (not a chat), not a bot."""
        sender = activity.from_property
        return (
            turn.actor.channel is not None
            and (activity.conversation.conversation_type or "") == "channel"
            and sender is not None
            and not (sender.id or "").startswith("28:")
        )

    async def _count(self, turn: Turn, kind: str) -> None:
        """One count (never the text); an outage loses the count, not the answer."""
        try:
            await record_contribution(ctx=self.ctx, actor=turn.actor, kind=kind)
        except DatabaseUnavailable:
            log.warning("database unavailable: a Teams %s went uncounted", kind)

    def _member(self, turn: Turn, account: ChannelAccount, channel: str) -> Actor:
        return replace(
            turn.actor,
            user=account.aad_object_id or account.id or "",
            name=account.name,
            channel=channel,
        )

    async def _membership(self, turn: Turn, activity: Activity) -> None:
        """Follow a team's members in each of its channels the bot knows: a standard
        channel has its team's members. The bot's own arrival reads the roster."""
        kind = activity.conversation.conversation_type if activity.conversation else None
        if kind != "channel" or not turn.actor.channel:
            return  # chats are not reported on
        bot = activity.recipient.id if activity.recipient else None
        added = [m for m in activity.members_added or [] if m.id]
        removed = [m for m in activity.members_removed or [] if m.id and m.id != bot]
        if any(m.id == bot for m in added):
            await refresh_members(
                ctx=self.ctx, actor=turn.actor, channel=turn.actor.channel, force=True
            )
        people = [m for m in added if m.id != bot and not (m.id or "").startswith("28:")]
        if not people and not removed:
            return
        channels: Sequence[str] = [turn.actor.channel]
        data = activity.channel_data if isinstance(activity.channel_data, Mapping) else {}
        # A private or shared channel's own members change alone; a team's, every channel.
        if turn.team_id and not str(data.get("eventType") or "").startswith("channelMember"):
            async with self.ctx.database.transaction() as session:
                channels = await team_channels(
                    session, workspace_id=turn.workspace_id, team_id=turn.team_id
                ) or [turn.actor.channel]
        now = self.ctx.clock()
        for account in people:
            member = self._member(turn, account, turn.actor.channel)
            async with self.ctx.database.transaction() as session:
                scope = await passive_scope(
                    session,
                    platform=member.platform,
                    workspace=member.workspace,
                    user=member.user,
                    now=now,
                )
                if scope is None:
                    continue  # asked to be forgotten: joining a team does not undo that
                await remember_person(
                    session,
                    scope=scope,
                    user_ref=account.id or "",
                    service_url=turn.service_url,
                    now=now,
                )
            for channel in channels:
                await joined(ctx=self.ctx, actor=self._member(turn, account, channel))
        for account in removed:
            for channel in channels:
                await left(ctx=self.ctx, actor=self._member(turn, account, channel))

    async def _turn(self, activity: Activity) -> Turn | None:
        """Who and where, and keep the conversation's reference for posting later."""
        data: Mapping[str, Any] = (
            activity.channel_data if isinstance(activity.channel_data, Mapping) else {}
        )
        conversation = activity.conversation
        sender = activity.from_property
        tenant = conversation.tenant_id or (data.get("tenant") or {}).get("id")
        if not tenant or sender is None or not sender.id or not activity.service_url:
            log.info("ignored a Teams activity without tenant, sender or service URL")
            return None
        kind = conversation.conversation_type or "personal"
        personal = kind == "personal"
        channel = None if personal else _channel_id(activity, data)
        actor = Actor(
            platform=Platform.TEAMS,
            workspace=tenant,
            user=sender.aad_object_id or sender.id,
            name=sender.name,
            channel=channel,
        )
        # Every activity refreshes the references (two small upserts): a service URL
        # can move, and someone who used forget-me and came back is reachable again.
        remembered = await self._remember(activity, actor, data, kind, channel)
        if remembered is None:
            return None
        workspace_id, fresh = remembered
        return Turn(
            fresh=fresh,
            addressed=addressed(activity),
            team_id=(data.get("team") or {}).get("id") if channel is not None else None,
            actor=actor,
            workspace_id=workspace_id,
            service_url=activity.service_url,
            tenant_id=tenant,
            conversation_id=conversation.id,
            personal=personal,
            user_ref=sender.id,
            reply_to_id=activity.reply_to_id,
        )

    async def _remember(
        self,
        activity: Activity,
        actor: Actor,
        data: Mapping[str, Any],
        kind: str,
        channel: str | None,
    ) -> tuple[int, bool] | None:
        """Upsert the references; False when this message was already handled (a redelivery).

        None for an activity not addressed to the bot (a channel message it only
        counts) from someone who used forget-me: it must not bring them back.
        """
        assert activity.from_property is not None and activity.service_url
        now = self.ctx.clock()
        async with self.ctx.database.transaction() as session:
            find = ensure_scope if addressed(activity) else passive_scope
            found = await find(
                session,
                platform=actor.platform,
                workspace=actor.workspace,
                user=actor.user,
                now=now,
            )
            if found is None:
                return None
            scope = found
            fresh = True
            if activity.type in ("message", "messageReaction") and activity.id:
                # Activity ids are unique within a conversation, and conversation ids are
                # long, so the key is a digest of both.
                key = f"{activity.conversation.id}/{activity.id}".encode()
                fresh = await claim_event(
                    session,
                    platform=Platform.TEAMS,
                    workspace=actor.workspace,
                    event_id="teams:" + hashlib.sha256(key).hexdigest()[:40],
                    now=now,
                )
            await remember_person(
                session,
                scope=scope,
                user_ref=activity.from_property.id,
                service_url=activity.service_url,
                now=now,
                conversation_id=activity.conversation.id if kind == "personal" else None,
            )
            if channel is not None:
                await remember_conversation(
                    session,
                    workspace_id=scope.workspace_id,
                    conversation_id=channel,
                    kind=kind,
                    service_url=activity.service_url,
                    now=now,
                    name=(data.get("channel") or {}).get("name"),
                    team_id=(data.get("team") or {}).get("id"),
                )
            return scope.workspace_id, fresh

    async def _unavailable(self, activity: Activity) -> None:
        if activity.type != "message" or not activity.service_url:
            return
        try:
            await self.connector.send(
                service_url=activity.service_url,
                conversation_id=activity.conversation.id,
                activity=message_activity(Reply(text=UNAVAILABLE)),
            )
        except PostFailed as exc:
            log.warning("could not say the database is unavailable: %s", exc.reason)

    async def _personal_chat(self, turn: Turn) -> str:
        if turn.personal:
            return turn.conversation_id
        where = await self.poster.person(workspace_id=turn.workspace_id, user=turn.actor.user)
        return where.conversation_id

    async def _send(
        self, turn: Turn, conversation_id: str, reply: Reply, *, personal: bool | None = None
    ) -> str:
        named = await self.poster.named(workspace_id=turn.workspace_id, reply=reply)
        return await self.connector.send(
            service_url=turn.service_url,
            conversation_id=conversation_id,
            activity=message_activity(
                named, personal=turn.personal if personal is None else personal
            ),
        )

    async def _form_card(
        self,
        turn: Turn,
        form: Form,
        *,
        values: Mapping[str, Any] | None = None,
        errors: Mapping[str, str] | None = None,
    ) -> Activity:
        channels: list[tuple[str, str]] = []
        if any(f.kind is FieldKind.CHANNEL for f in form.fields):
            if turn.actor.channel:
                channels.append((turn.actor.channel, "This channel"))
            for known in await self._known_channels(turn):
                if known.conversation_id != turn.actor.channel:
                    label = known.name or "A channel the bot is in"
                    channels.append((known.conversation_id, label))
        content = render_form(form, channels=channels, values=values, errors=errors)
        return Activity(
            type="message",
            summary=form.title,
            attachments=[Attachment(content_type=CONTENT_TYPE, content=content)],
        )

    async def _known_channels(self, turn: Turn) -> list[ConversationRef]:
        """The channels the bot is in, named from their teams' lists where Teams
        sent no name with their messages."""
        async with self.ctx.database.transaction() as session:
            known = await known_channels(session, workspace_id=turn.workspace_id)
        unnamed = [k.conversation_id for k in known if not k.name]
        if not unnamed:
            return known
        await self.poster.learn_names(workspace_id=turn.workspace_id, conversation_ids=unnamed)
        async with self.ctx.database.transaction() as session:
            return await known_channels(session, workspace_id=turn.workspace_id)

    async def deliver(self, turn: Turn, reply: Reply, *, note: bool = True) -> None:
        """Put a reply where it belongs: where it was asked, or the person's 1:1 chat.

        Teams cannot show one member of a channel a reply the rest cannot see, so
        public answers (a tip, help, a post) go to the thread and anything private
        to the personal chat; with `note`, the thread is told what went there.
        """
        private = (
            (reply.delivery is not Delivery.CHANNEL and not reply.public)
            or reply.form is not None
            or bool(reply.attachments)
        )
        where = turn.conversation_id
        if private and not turn.personal:
            where = await self._personal_chat(turn)
            if note:
                await self._send(turn, turn.conversation_id, Reply(text=_where_it_went(reply)))
        if reply.form is not None:
            card = await self._form_card(turn, reply.form)
            await self.connector.send(
                service_url=turn.service_url, conversation_id=where, activity=card
            )
        elif reply.sections or reply.buttons or reply.text:
            await self._send(turn, where, reply, personal=turn.personal or private)
        if reply.attachments:
            offers = [
                self.files.offer(attachment=a, member=turn.actor.user) for a in reply.attachments
            ]
            await self.connector.send(
                service_url=turn.service_url,
                conversation_id=where,
                activity=Activity.model_validate({"type": "message", "attachments": offers}),
            )
        poster = self.poster.bound(workspace_id=turn.workspace_id)
        await post_follow_ups(poster=poster, reply=reply)

    async def _execute(self, turn: Turn, activity: Activity) -> dict[str, Any]:
        """Answer a Universal Action with what the person pressing should now see.

        A refresh draws the reader's own view of a shared post. A button on such a
        post runs, then answers with that view (their vote, their controls), while the
        shared post is updated for everyone by the action's follow-ups. A form answers
        with its errors or its result, in place. Any other button is answered as
        Action.Submit is, and the card says briefly what happened.
        """
        value = activity.value if isinstance(activity.value, Mapping) else {}
        raw = value.get("action")
        action: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
        sent = submission(action.get("data"))
        if isinstance(sent, Submitted):
            return _card_response(await self._form_result(turn, sent))
        if sent is None:
            return _message_response(STALE_CARD)
        if action.get("verb") == REFRESH:
            return await self._view(turn, sent)
        pressed = Action(action_id=sent.action_id, value=sent.value)
        outcome = await run_action(ctx=self.ctx, actor=turn.actor, action=pressed)
        reply = outcome.reply
        if sent.view is None or not isinstance(outcome, Answered):
            await self.deliver(turn, reply, note=False)
            return _message_response(_first_line(reply.text))
        if reply.form is not None or reply.attachments:
            await self.deliver(turn, reply, note=False)
        else:  # the view shows what the reply would say
            poster = self.poster.bound(workspace_id=turn.workspace_id)
            await post_follow_ups(poster=poster, reply=reply)
        return await self._view(turn, sent.view)

    async def _view(self, turn: Turn, view: Pressed) -> dict[str, Any]:
        """The reader's own view of a shared post, as the card Teams shows them."""
        action = Action(action_id=view.action_id, value=view.value)
        outcome = await run_action(ctx=self.ctx, actor=turn.actor, action=action)
        if not isinstance(outcome, Answered):
            return _message_response(outcome.message)
        drawn = await self.poster.activity(
            workspace_id=turn.workspace_id, reply=outcome.reply, personal=turn.personal
        )
        return _card_response(drawn)

    async def _submit(self, turn: Turn, sent: Submitted) -> None:
        """Save a form; on errors show the same card again with the errors and the text kept."""
        await self._replace(turn, await self._form_result(turn, sent))

    async def _form_result(self, turn: Turn, sent: Submitted) -> Activity:
        """Run a form: what replaces it (the answer, or the form with its errors)."""
        form = sent.form
        action = Action(
            action_id=form.form_id,
            value=form.state,
            values=MappingProxyType(dict(sent.values)),
        )
        fields = [f.id for f in form.fields]
        outcome = await submit_form(ctx=self.ctx, actor=turn.actor, action=action, fields=fields)
        if isinstance(outcome, Answered):
            return await self._saved(turn, form, outcome.reply)
        if isinstance(outcome, FieldErrors):
            errors = dict(outcome.errors)
        else:
            first = fields[0] if fields else ""
            errors = outcome.on_form(first=first, unavailable_form=UNAVAILABLE_FORM)
        return await self._form_card(turn, form, values=sent.values, errors=errors)

    async def _saved(self, turn: Turn, form: Form, reply: Reply) -> Activity:
        """What replaces a saved form; a form or file that follows goes out now."""
        if reply.form is None and not reply.attachments:
            # The saved form becomes the answer, as a modal closes in Slack; a post it
            # makes elsewhere (a shared reflection) follows, with no second message here.
            poster = self.poster.bound(workspace_id=turn.workspace_id)
            await post_follow_ups(poster=poster, reply=reply)
            return await self.poster.activity(
                workspace_id=turn.workspace_id, reply=reply, personal=turn.personal
            )
        await self.deliver(turn, reply)
        return message_activity(Reply(text=f"{form.title}: sent."))

    async def _replace(self, turn: Turn, activity: Activity) -> None:
        if turn.reply_to_id:
            await self.connector.update(
                service_url=turn.service_url,
                conversation_id=turn.conversation_id,
                activity_id=turn.reply_to_id,
                activity=activity,
            )
        else:
            await self.connector.send(
                service_url=turn.service_url,
                conversation_id=turn.conversation_id,
                activity=activity,
            )

    async def _file_answer(self, turn: Turn, activity: Activity) -> None:
        value = activity.value if isinstance(activity.value, Mapping) else {}
        token = str((value.get("context") or {}).get("token") or "")
        offered = self.files.take(token=token, member=turn.actor.user)
        if value.get("action") != "accept":
            done = Reply(text="No problem: the file was not saved.")
        elif offered is None:
            done = Reply(text=FILE_EXPIRED)
        else:
            info = await self.files.upload(
                attachment=offered, upload_info=dict(value.get("uploadInfo") or {})
            )
            await self.connector.send(
                service_url=turn.service_url,
                conversation_id=turn.conversation_id,
                activity=Activity.model_validate({"type": "message", "attachments": [info]}),
            )
            done = Reply(text=f"Saved {offered.filename} to your OneDrive.")
        await self._replace(turn, message_activity(done))

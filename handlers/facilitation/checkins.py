"""Gentle one-to-one check-ins: a quiet member is invited, privately, to share a view.

The invitation names no facilitator and no statistic. The answer goes
straight to the forum thread and is never stored; an anonymous one carries
no name there. Answering changes nothing on the invitation itself until its
round closes, when every invitation of the round is closed alike (see
storage.checkins), so storage cannot say who wrote what.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from handlers.core.context import Context
from handlers.core.errors import Invalid, NotFound
from handlers.core.forms import validate
from handlers.core.model import (
    Actor,
    Button,
    ChannelPost,
    Delivery,
    Field,
    FieldKind,
    FieldValue,
    Form,
    Reply,
    Section,
)
from handlers.core.outbox import OutboxKind
from handlers.core.payloads import CHANNEL, ID, Codec, record
from handlers.core.registry import Role, action, command
from handlers.core.roles import audit
from handlers.core.text import typed
from handlers.facilitation.participation import open_report, quiet_others, refresh_members
from handlers.facilitation.quiet import SEND_CHECKINS
from handlers.scheduling.prompts import journal_resources, prompt_rotation
from storage.checkins import (
    CLOSED,
    PENDING,
    CheckIn,
    add_checkin,
    checkin_of,
    close_rounds,
    decline_checkin,
    eligible,
    get_checkin,
    latest_forum_prompt,
    mark_checkin_answered,
    mark_checkin_not_now,
)
from storage.outbox import enqueue
from storage.schedules import get_schedule

# No one is asked more often than this, however quiet they stay.
ASK_AT_MOST_EVERY = timedelta(days=30)
VIEW_LIMIT = 2000

SHARE = "checkin.share"
SHARE_ANONYMOUSLY = "checkin.anon"
NOT_NOW_ACTION = "checkin.later"
STOP = "checkin.stop"
VIEW_FORM = "checkin.view"


class Sharing(StrEnum):
    """How a view form posts its answer; the values are what older forms carry."""

    NAMED = "named"
    ANONYMOUS = "anon"


@dataclass(frozen=True, slots=True)
class ViewState:
    """The view form's state: which invitation it answers, and how."""

    checkin_id: int
    sharing: Sharing


VIEW_STATE: Codec[ViewState] = record(ViewState)


GENERAL_PROMPT = "What matters most to you about how we work together in this network?"


@command(
    name="check-in",
    aliases=("checkin", "check-ins", "checkins"),
    usage="check-in [#channel]",
    summary="invite quiet members' views one-to-one (facilitators)",
    role=Role.FACILITATOR,
    order=180,
)
async def check_in(*, ctx: Context, actor: Actor, args: tuple[str, ...]) -> Reply:
    """`/ccpl check-in [#channel]`: invite each quiet member of the channel, one to one."""
    target = await open_report(ctx=ctx, actor=actor, args=args, command="check-in")
    return await send_checkins(ctx=ctx, actor=actor, channel=target.channel, days=target.days)


async def send_checkins(*, ctx: Context, actor: Actor, channel: str, days: int = 30) -> Reply:
    now = ctx.clock()
    async with ctx.acting(actor) as (session, scope):
        await close_rounds(session, workspace_id=scope.workspace_id, now=now)
        quiet = await quiet_others(
            session,
            workspace_id=scope.workspace_id,
            asker=actor.user,
            channel=channel,
            since=now - timedelta(days=days),
            now=now,
        )
        found = await eligible(
            session,
            workspace_id=scope.workspace_id,
            users=[q.user for q in quiet.members],
            asked_since=now - ASK_AT_MOST_EVERY,
        )
        latest = await latest_forum_prompt(
            session, workspace_id=scope.workspace_id, channel=channel
        )
        prompt, thread = GENERAL_PROMPT, None
        if latest is not None:
            schedule = await get_schedule(
                session, workspace_id=scope.workspace_id, schedule_id=latest.schedule_id
            )
            prompt = _prompt_text(
                ctx=ctx, number=latest.number, kind=schedule.kind if schedule else "forum"
            )
            thread = latest.thread
        for invitee in found.invite:
            row = await add_checkin(
                session,
                workspace_id=scope.workspace_id,
                member_id=invitee.member_id,
                channel=channel,
                thread=thread,
                prompt=prompt,
                now=now,
            )
            await enqueue(
                session,
                workspace_id=scope.workspace_id,
                key=f"checkin:{row.id}",
                kind=OutboxKind.CHECKIN,
                target=invitee.user,
                member_id=invitee.member_id,
                payload={"checkin_id": row.id},
                due_at=now,
                now=now,
            )
        audit(
            session,
            ctx=ctx,
            actor=actor,
            scope=scope,
            action="checkin.send",
            detail=f"{channel}: {len(found.invite)} invited",
        )
    if found.invite:
        await ctx.schedules_changed()
    left_out = []
    if quiet.asker_left_out:
        left_out.append("you, who sent the invitations")
    if found.recently_asked:
        left_out.append(f"{found.recently_asked} already invited in the last 30 days")
    if found.opted_out:
        left_out.append(f"{found.opted_out} asked not to receive check-ins")
    note = f"Left out: {'; '.join(left_out)}." if left_out else None
    if not found.invite:
        text = f"No one in <#{channel}> to invite just now."
        return Reply(text=text, sections=(Section(text=text, note=note),))
    names = ", ".join(f"<@{i.user}>" for i in found.invite)
    text = (
        f"Sending a kind, private invitation to {len(found.invite)} member(s) of <#{channel}>: "
        f"{names}. They can share a view with their name, anonymously, or not at all."
    )
    return Reply(
        text=text,
        sections=(Section(text=text, note=note),),
        mentions=tuple(i.user for i in found.invite),
    )


def _prompt_text(*, ctx: Context, number: int, kind: str) -> str:
    if kind == "journal_club":
        resources = journal_resources(ctx.pack)
        pick = resources[number % len(resources)]
        return f"This month's reading or listening: {pick.name}. What did it make you think?"
    rotation = prompt_rotation(ctx.pack)
    return rotation[number % len(rotation)].text


def invitation(*, checkin: CheckIn) -> Reply:
    """The direct message: warm, no statistics, no facilitator named, an easy way out."""
    text = (
        f"Hello. The conversation in <#{checkin.channel}> is about:\n> {checkin.prompt}\n\n"
        "Every view helps, whatever your profession or role, and there are no wrong answers. "
        "Would you like to add yours? You can share it with your name, anonymously, "
        "or not at all."
    )
    value = str(checkin.id)
    return Reply(
        text="Would you like to share your view?",
        sections=(
            Section(
                text=text,
                buttons=(
                    Button(action_id=SHARE, label="Share my view", value=value, style="primary"),
                    Button(action_id=SHARE_ANONYMOUSLY, label="Share anonymously", value=value),
                    Button(action_id=NOT_NOW_ACTION, label="Not now", value=value),
                    Button(action_id=STOP, label="Don't ask me again", value=value),
                ),
            ),
        ),
        delivery=Delivery.DM,
    )


async def compose_invitation(*, ctx: Context, workspace_id: int, checkin_id: int) -> Reply | None:
    """Composed when sent, so an invitation answered or withdrawn meanwhile is dropped."""
    async with ctx.database.transaction() as session:
        await close_rounds(session, workspace_id=workspace_id, now=ctx.clock())
        row = await get_checkin(session, workspace_id=workspace_id, checkin_id=checkin_id)
        if row is None or row.status != PENDING:
            return None
        return invitation(checkin=row)


def _pending(row: CheckIn | None) -> CheckIn:
    """The invitation, if it still waits for an answer; otherwise say kindly why not."""
    if row is None:
        raise NotFound("I can't find that invitation.")
    if row.status == CLOSED:
        raise NotFound(CLOSED_MESSAGE)
    if row.status != PENDING:
        raise NotFound("You've already answered this invitation. Thank you.")
    return row


CLOSED_MESSAGE = (
    "This check-in has closed, so it takes no more views. Thank you for reading; "
    "you are always welcome to post in the channel yourself."
)


async def _close_due_rounds(*, ctx: Context, actor: Actor) -> None:
    """Close any round whose time is up, in a transaction of its own.

    Closing touches other people's invitations (and perhaps the actor's own older
    one); done beside a response, on PostgreSQL they would share its transaction
    id and so hint at who had just responded.
    """
    async with ctx.acting(actor) as (session, scope):
        await close_rounds(session, workspace_id=scope.workspace_id, now=ctx.clock())


async def _mine(*, ctx: Context, actor: Actor, checkin_id: int) -> CheckIn:
    """The actor's own invitation, still waiting for an answer."""
    await _close_due_rounds(ctx=ctx, actor=actor)
    async with ctx.acting(actor) as (session, scope):
        return _pending(await checkin_of(session, scope=scope, checkin_id=checkin_id))


def _view_field(*, kept: str = "") -> Field:
    return Field(
        id="view",
        label="Your view",
        kind=FieldKind.MULTILINE,
        required=True,
        max_length=VIEW_LIMIT,
        initial=kept,
        guarded=True,
        required_message="Write your view, or close this to leave it.",
    )


# What a submitted view is checked against; the form shown adds the invitation's words.
VIEW_CHECKS = Form(form_id=VIEW_FORM, title="Share your view", fields=(_view_field(),))


def _view_form(*, checkin: CheckIn, anonymous: bool, kept: str = "") -> Form:
    where = "in the thread" if checkin.thread else "in the channel"
    how = "with no name on it" if anonymous else "with your name"
    return Form(
        form_id=VIEW_FORM,
        title="Share anonymously" if anonymous else "Share your view",
        intro=f"“{checkin.prompt}”\n\nYour view will appear {where} {how}. "
        "Please leave out anything that could identify a patient or person using services.",
        fields=(_view_field(kept=kept),),
        submit="Share",
        state=VIEW_STATE.encode(
            ViewState(
                checkin_id=checkin.id,
                sharing=Sharing.ANONYMOUS if anonymous else Sharing.NAMED,
            )
        ),
    )


@action(VIEW_FORM, codec=VIEW_STATE)
async def share(
    *, ctx: Context, actor: Actor, payload: ViewState, values: Mapping[str, FieldValue]
) -> Reply:
    """Post the view to the forum thread and mark the invitation answered, nothing more."""
    anonymous = payload.sharing is Sharing.ANONYMOUS
    submitted = validate(form=VIEW_CHECKS, values=values, today=ctx.clock().date())
    view = submitted.text("view")
    await _close_due_rounds(ctx=ctx, actor=actor)
    async with ctx.acting(actor) as (session, scope):
        row = await checkin_of(session, scope=scope, checkin_id=payload.checkin_id)
        answered = row is not None and await mark_checkin_answered(
            session, scope=scope, checkin_id=row.id
        )
    if row is not None and row.status == CLOSED:
        raise Invalid(CLOSED_MESSAGE, field="view")
    if row is None or not answered:
        raise Invalid("This invitation has already been answered. Thank you.", field="view")
    channel, thread = row.channel, row.thread
    quoted = "\n".join(f"> {typed(line)}" for line in view.splitlines())
    if anonymous:
        post = Reply(text=f"A member shared this view anonymously:\n{quoted}")
    else:
        post = Reply(text=f"<@{actor.user}> shared their view:\n{quoted}", mentions=(actor.user,))
    where = "the thread" if thread else f"<#{channel}>"
    how = "anonymously" if anonymous else "with your name"
    return Reply(
        text=f"Thank you. Your view is in {where}, shared {how}.",
        also_post=(ChannelPost(channel=channel, thread=thread, reply=post),),
    )


async def _close(*, ctx: Context, actor: Actor, checkin_id: int, stop: bool) -> Reply:
    await _close_due_rounds(ctx=ctx, actor=actor)
    async with ctx.acting(actor) as (session, scope):
        _pending(await checkin_of(session, scope=scope, checkin_id=checkin_id))
        settle = decline_checkin if stop else mark_checkin_not_now
        await settle(session, scope=scope, checkin_id=checkin_id)
    if stop:
        return Reply(
            text="Understood: you won't receive check-ins again. "
            "`/ccpl privacy` turns them back on if you change your mind."
        )
    return Reply(text="No problem at all. Thank you for reading.")


@action(SEND_CHECKINS, codec=CHANNEL, role=Role.FACILITATOR, what="/ccpl check-in")
async def send_from_report(
    *, ctx: Context, actor: Actor, payload: str, values: Mapping[str, FieldValue]
) -> Reply:
    """The quiet report's button: invite the channel's quiet members one to one."""
    await refresh_members(ctx=ctx, actor=actor, channel=payload)
    return await send_checkins(ctx=ctx, actor=actor, channel=payload)


async def _open_view_form(*, ctx: Context, actor: Actor, checkin_id: int, anonymous: bool) -> Reply:
    row = await _mine(ctx=ctx, actor=actor, checkin_id=checkin_id)
    return Reply(text="Share your view", form=_view_form(checkin=row, anonymous=anonymous))


@action(SHARE, codec=ID)
async def open_named(
    *, ctx: Context, actor: Actor, payload: int, values: Mapping[str, FieldValue]
) -> Reply:
    """ "Share my view": the form for a view posted with the member's name."""
    return await _open_view_form(ctx=ctx, actor=actor, checkin_id=payload, anonymous=False)


@action(SHARE_ANONYMOUSLY, codec=ID)
async def open_anonymous(
    *, ctx: Context, actor: Actor, payload: int, values: Mapping[str, FieldValue]
) -> Reply:
    """ "Share anonymously": the same form, for a view posted with no name."""
    return await _open_view_form(ctx=ctx, actor=actor, checkin_id=payload, anonymous=True)


@action(NOT_NOW_ACTION, codec=ID)
async def not_now(
    *, ctx: Context, actor: Actor, payload: int, values: Mapping[str, FieldValue]
) -> Reply:
    """ "Not now": this invitation ends; later ones may still come."""
    return await _close(ctx=ctx, actor=actor, checkin_id=payload, stop=False)


@action(STOP, codec=ID)
async def stop_asking(
    *, ctx: Context, actor: Actor, payload: int, values: Mapping[str, FieldValue]
) -> Reply:
    """ "Don't ask me again": this invitation ends and no more are sent."""
    return await _close(ctx=ctx, actor=actor, checkin_id=payload, stop=True)

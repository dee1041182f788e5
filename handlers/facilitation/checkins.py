"""Gentle one-to-one check-ins: a quiet member is invited, privately, to share a view.

The invitation names no facilitator and no statistic. The answer goes
straight to the forum thread and is never stored; an anonymous one carries
no name there, and the check-in row records only "answered", the same for
named and anonymous answers, so storage cannot say who wrote what.
"""

from __future__ import annotations

from datetime import timedelta

from handlers.core.context import Context
from handlers.core.errors import Invalid, NotFound
from handlers.core.model import (
    Action,
    Actor,
    Button,
    ChannelPost,
    Delivery,
    Field,
    FieldKind,
    Form,
    Reply,
    Section,
)
from handlers.core.outbox import OutboxKind
from handlers.core.pii import find_pii, pii_message
from handlers.core.registry import Role, command
from handlers.core.roles import audit, require_facilitator
from handlers.facilitation.participation import open_report, refresh_members
from handlers.facilitation.quiet import SEND_CHECKINS
from handlers.scheduling.prompts import journal_resources, prompt_rotation
from storage.checkins import (
    ANSWERED,
    DECLINED,
    NOT_NOW,
    PENDING,
    add_checkin,
    checkin_of,
    eligible,
    get_checkin,
    latest_forum_prompt,
)
from storage.models import CheckIn, Member
from storage.outbox import enqueue
from storage.participation import quiet_members
from storage.schedules import get_schedule

# No one is asked more often than this, however quiet they stay.
ASK_AT_MOST_EVERY = timedelta(days=30)
VIEW_LIMIT = 2000

SHARE = "checkin.share"
SHARE_ANONYMOUSLY = "checkin.anon"
NOT_NOW_ACTION = "checkin.later"
STOP = "checkin.stop"
VIEW_FORM = "checkin.view"
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
        quiet = await quiet_members(
            session,
            workspace_id=scope.workspace_id,
            channel=channel,
            since=now - timedelta(days=days),
            now=now,
        )
        found = await eligible(
            session,
            workspace_id=scope.workspace_id,
            users=[q.user for q in quiet if q.user != actor.user],
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
        row = await get_checkin(session, workspace_id=workspace_id, checkin_id=checkin_id)
        if row is None or row.status != PENDING:
            return None
        return invitation(checkin=row)


async def _mine(*, ctx: Context, actor: Actor, raw: str, pending: bool = True) -> CheckIn:
    if not raw.isdigit():
        raise NotFound("That invitation is out of date.")
    async with ctx.acting(actor) as (session, scope):
        row = await checkin_of(session, scope=scope, checkin_id=int(raw))
    if row is None:
        raise NotFound("I can't find that invitation.")
    if pending and row.status != PENDING:
        raise NotFound("You've already answered this invitation. Thank you.")
    return row


def _view_form(*, checkin: CheckIn, anonymous: bool, kept: str = "") -> Form:
    where = "in the thread" if checkin.thread else "in the channel"
    how = "with no name on it" if anonymous else "with your name"
    return Form(
        form_id=VIEW_FORM,
        title="Share anonymously" if anonymous else "Share your view",
        intro=f"“{checkin.prompt}”\n\nYour view will appear {where} {how}. "
        "Please leave out anything that could identify a patient or person using services.",
        fields=(
            Field(
                id="view",
                label="Your view",
                kind=FieldKind.MULTILINE,
                required=True,
                max_length=VIEW_LIMIT,
                initial=kept,
            ),
        ),
        submit="Share",
        state=f"{checkin.id}:{'anon' if anonymous else 'named'}",
    )


async def _share(*, ctx: Context, actor: Actor, action: Action) -> Reply:
    raw, _, how = action.value.partition(":")
    anonymous = how == "anon"
    view = action.text("view")
    if not view:
        raise Invalid("Write your view, or close this to leave it.", field="view")
    if len(view) > VIEW_LIMIT:
        raise Invalid(f"Please keep it under {VIEW_LIMIT} characters.", field="view")
    findings = find_pii(text=view, today=ctx.clock().date())
    if findings:
        message = pii_message(findings=findings)
        raise Invalid(message, field="view", errors={"view": message})
    async with ctx.acting(actor) as (session, scope):
        row = await checkin_of(session, scope=scope, checkin_id=int(raw) if raw.isdigit() else -1)
        if row is None or row.status != PENDING:
            raise Invalid("This invitation has already been answered. Thank you.", field="view")
        row.status = ANSWERED
        channel, thread = row.channel, row.thread
    quoted = "\n".join(f"> {line}" for line in view.splitlines())
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


async def _close(*, ctx: Context, actor: Actor, raw: str, stop: bool) -> Reply:
    row = await _mine(ctx=ctx, actor=actor, raw=raw)
    async with ctx.acting(actor) as (session, scope):
        found = await checkin_of(session, scope=scope, checkin_id=row.id)
        assert found is not None
        found.status = DECLINED if stop else NOT_NOW
        if stop:
            member = await session.get(Member, scope.member_id)
            assert member is not None
            member.checkins_opt_out = True
    if stop:
        return Reply(
            text="Understood: you won't receive check-ins again. "
            "`/ccpl privacy` turns them back on if you change your mind."
        )
    return Reply(text="No problem at all. Thank you for reading.")


async def on_action(*, ctx: Context, actor: Actor, action: Action) -> Reply | None:
    if action.action_id == SEND_CHECKINS:
        # The channel comes from our own button, in any platform's id format.
        await require_facilitator(ctx=ctx, actor=actor, what="/ccpl check-in")
        await refresh_members(ctx=ctx, actor=actor, channel=action.value)
        return await send_checkins(ctx=ctx, actor=actor, channel=action.value)
    if action.action_id in (SHARE, SHARE_ANONYMOUSLY):
        row = await _mine(ctx=ctx, actor=actor, raw=action.value)
        return Reply(
            text="Share your view",
            form=_view_form(checkin=row, anonymous=action.action_id == SHARE_ANONYMOUSLY),
        )
    if action.action_id == VIEW_FORM:
        return await _share(ctx=ctx, actor=actor, action=action)
    if action.action_id in (NOT_NOW_ACTION, STOP):
        return await _close(ctx=ctx, actor=actor, raw=action.value, stop=action.action_id == STOP)
    return None

"""A person's home page: tip of the day, sessions, CPD progress, check-ins, forum health.

Opening it changes nothing: the tip of the day is the same for everyone that
day and does not count as seen, so `/ccpl tip` keeps its no-repeat promise.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core.context import Context
from handlers.core.model import Actor, Button, Reply, Section
from handlers.core.organisation import for_organisation
from handlers.core.roles import is_admin, is_facilitator
from handlers.core.text import local, typed
from handlers.facilitation.checkins import NOT_NOW_ACTION, SHARE, SHARE_ANONYMOUSLY
from handlers.facilitation.participation import quiet_others
from handlers.library.citations import cite
from handlers.library.tips import ANOTHER
from handlers.lunch.posts import RSVP
from handlers.reflections.cpd import member_status, progress_text
from handlers.scheduling.forums import FORUM_KINDS
from storage import Scope
from storage.checkins import pending_checkins
from storage.lunch import rsvp_of, upcoming_sessions
from storage.participation import contributors_since, room_breakdown
from storage.schedules import list_schedules

SESSIONS_SHOWN = 3
SESSIONS_AHEAD = timedelta(days=60)
ANSWER_LABELS = {"going": "Going", "maybe": "Maybe", "not_going": "Can't make it"}
QUIET_WINDOW = timedelta(days=30)


async def home(*, ctx: Context, actor: Actor) -> Reply:
    """Everything a member needs at a glance; facilitators also see forum health."""
    now = ctx.clock()
    ctx = await for_organisation(ctx=ctx, actor=actor)
    facilitator = await is_facilitator(ctx=ctx, actor=actor)
    admin = facilitator and await is_admin(ctx=ctx, actor=actor)
    async with ctx.acting(actor) as (session, scope):
        sections = [
            _tip_of_the_day(ctx=ctx, now=now),
            await _sessions(session, scope=scope, now=now),
            await _cpd(session, ctx=ctx, scope=scope, now=now),
            await _checkins(session, scope=scope),
        ]
        if facilitator:
            sections.append(
                await _forum_health(session, ctx=ctx, actor=actor, scope=scope, now=now)
            )
    if admin:
        sections.append(
            Section(
                heading="This organisation",
                text=f"Time zone: {ctx.timezone.key}.\n"
                f"Records kept: {ctx.retention.summary()}.\n"
                "Change these, and who else may, with `/ccpl settings`.",
            )
        )
    return Reply(text="Your CCPL learning network home", sections=tuple(sections))


def _tip_of_the_day(*, ctx: Context, now: datetime) -> Section:
    tips = ctx.pack.tips
    tip = tips[now.astimezone(ctx.timezone).date().toordinal() % len(tips)]
    return Section(
        heading=f"Tip of the day: {tip.title}",
        text=f"{tip.text}\n\n_Reflect:_ {tip.question}",
        note=cite(pack=ctx.pack, source_id=tip.source),
        buttons=(Button(action_id=ANOTHER, label="Another tip"),),
    )


async def _sessions(session: AsyncSession, *, scope: Scope, now: datetime) -> Section:
    coming = [
        s
        for s in await upcoming_sessions(session, workspace_id=scope.workspace_id, after=now)
        if s.starts_at <= now + SESSIONS_AHEAD
    ][:SESSIONS_SHOWN]
    if not coming:
        return Section(heading="Upcoming sessions", text="No lunch-and-learn sessions booked yet.")
    lines = []
    buttons: list[Button] = []
    for lunch in coming:
        answer = await rsvp_of(session, lunch=lunch, member_id=scope.member_id)
        when = local(lunch.starts_at.astimezone(ZoneInfo(lunch.timezone)))
        yours = f" (you: {ANSWER_LABELS.get(answer or '', answer)})" if answer else ""
        lines.append(f"• **{typed(lunch.title)}**, {when}{yours}")
        if answer != "going":
            buttons.append(
                Button(action_id=RSVP, label=f"Going: {lunch.title}", value=f"{lunch.id}:going")
            )
    return Section(heading="Upcoming sessions", text="\n".join(lines), buttons=tuple(buttons))


async def _cpd(session: AsyncSession, *, ctx: Context, scope: Scope, now: datetime) -> Section:
    """Progress against the member's own regulator, over the dates it will count."""
    standing, _, records = await member_status(session, ctx=ctx, scope=scope, now=now)
    text = f"{len(records)} reflection(s) logged.\n{progress_text(standing)}"
    return Section(
        heading="My reflections and CPD",
        text=text,
        note=" ".join(standing.caveats()) or "Private to you.",
        buttons=(
            Button(action_id="help.run", label="Reflect", value="reflect", style="primary"),
            Button(action_id="help.run", label="My reflections", value="reflections"),
            Button(action_id="help.run", label="CPD settings", value="cpd"),
            Button(action_id="help.run", label="Export for revalidation", value="export"),
        ),
    )


async def _checkins(session: AsyncSession, *, scope: Scope) -> Section:
    pending = list(await pending_checkins(session, scope=scope))[:3]
    if not pending:
        return Section(heading="Invitations to share a view", text="None waiting.")
    lines = "\n".join(f"• <#{c.channel}>: “{c.prompt}”" for c in pending)
    buttons = tuple(
        b
        for c in pending
        for b in (
            Button(action_id=SHARE, label="Share my view", value=str(c.id)),
            Button(action_id=SHARE_ANONYMOUSLY, label="Share anonymously", value=str(c.id)),
            Button(action_id=NOT_NOW_ACTION, label="Not now", value=str(c.id)),
        )
    )
    return Section(heading="Invitations to share a view", text=lines, buttons=buttons)


async def _forum_health(
    session: AsyncSession, *, ctx: Context, actor: Actor, scope: Scope, now: datetime
) -> Section:
    """Per forum channel: who spoke this month, how many are quiet, which professions spoke."""
    forums = await list_schedules(
        session, workspace_id=scope.workspace_id, kinds=tuple(FORUM_KINDS)
    )
    channels = list(dict.fromkeys(f.channel for f in forums))
    if not channels:
        return Section(
            heading="Forum health",
            text="No forums yet. `/ccpl forum setup` in a channel starts one.",
        )
    local_now = now.astimezone(ctx.timezone)
    month_start = local_now.date().replace(day=1)
    names = {p.id: p.name for p in ctx.pack.professions}
    lines = []
    for channel in channels[:10]:
        this_month = await contributors_since(
            session, workspace_id=scope.workspace_id, channels=[channel], since=month_start
        )
        # The count `/ccpl quiet` would list for this facilitator.
        quiet = await quiet_others(
            session,
            workspace_id=scope.workspace_id,
            asker=actor.user,
            channel=channel,
            since=now - QUIET_WINDOW,
            now=now,
        )
        room = await room_breakdown(
            session,
            workspace_id=scope.workspace_id,
            channel=channel,
            since=now - QUIET_WINDOW,
            now=now,
        )
        heard = sorted(
            names.get(r.profession, r.profession) for r in room if r.profession and r.contributors
        )
        lines.append(
            f"• <#{channel}>: {this_month} contributor(s) this month, "
            f"{len(quiet.members)} quiet for 30 days; "
            f"professions heard: {', '.join(heard) if heard else 'none recorded'}"
        )
    return Section(
        heading="Forum health (facilitators)",
        text="\n".join(lines),
        note="Counts only, never content. `/ccpl quiet` and `/ccpl room` give the detail.",
    )

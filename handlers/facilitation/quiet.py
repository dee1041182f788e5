"""`/ccpl quiet [#channel] [days]`: who has gone quiet, for a facilitator's eyes only."""

from __future__ import annotations

from datetime import date

from handlers.core.context import Context
from handlers.core.errors import NotAllowed
from handlers.core.model import Actor, Button, Reply, Section
from handlers.core.registry import command
from handlers.core.roles import audit, require_facilitator
from handlers.facilitation.participation import nobody_known, open_report, quiet_others
from handlers.people.nudges import is_quiet_hours, set_quiet_hours
from storage.participation import channel_size, synced_at

SEND_CHECKINS = "checkin.send"
SHOWN = 50


def since_text(*, last: date | None, today: date, counting_since: date | None) -> str:
    if last is None:
        start = f" (counting began {counting_since:%-d %b %Y})" if counting_since else ""
        return f"nothing counted yet{start}"
    days = (today - last).days
    return f"last contributed {days} days ago ({last:%-d %b %Y})"


@command(
    name="quiet",
    usage="quiet [#channel] [days]",
    summary="who has gone quiet (facilitators; only you see it)",
    order=170,
)
async def quiet(*, ctx: Context, actor: Actor, args: tuple[str, ...]) -> Reply:
    """One word, two uses: a member's quiet hours, or a facilitator's quiet report."""
    if args and is_quiet_hours(args):
        return await set_quiet_hours(ctx=ctx, actor=actor, args=args)
    try:
        await require_facilitator(ctx=ctx, actor=actor, what="/ccpl quiet")
    except NotAllowed as exc:
        raise NotAllowed(
            f"{exc.message} To set hours when no direct message reaches you, use "
            "`/ccpl quiet 19:00-08:00`."
        ) from None
    return await quiet_report(ctx=ctx, actor=actor, args=args)


async def quiet_report(*, ctx: Context, actor: Actor, args: tuple[str, ...]) -> Reply:
    """Members with no counted contribution in the window, gently framed, with a next step."""
    target = await open_report(ctx=ctx, actor=actor, args=args, command="quiet")
    now = ctx.clock()
    async with ctx.acting(actor) as (session, scope):
        found = await quiet_others(
            session,
            workspace_id=scope.workspace_id,
            asker=actor.user,
            channel=target.channel,
            since=target.since(now),
            now=now,
        )
        began = await synced_at(session, workspace_id=scope.workspace_id, channel=target.channel)
        known = await channel_size(session, workspace_id=scope.workspace_id, channel=target.channel)
        audit(
            session,
            ctx=ctx,
            actor=actor,
            scope=scope,
            action="report.quiet",
            detail=f"{target.channel}, {target.days} days",
        )
    where = f"<#{target.channel}>"
    if not known:
        return Reply(text=nobody_known(target.channel))
    quiet = found.members
    if not quiet:
        if found.asker_left_out:
            return Reply(
                text=f"No one else in {where} has gone quiet in the last {target.days} days.",
            )
        return Reply(
            text=f"Everyone in {where} has contributed in the last {target.days} days.",
        )
    today = now.astimezone(ctx.timezone).date()
    counting_since = began.astimezone(ctx.timezone).date() if began else None
    lines = [
        f"• <@{q.user}>: "
        + since_text(last=q.last_contributed, today=today, counting_since=counting_since)
        for q in quiet[:SHOWN]
    ]
    if len(quiet) > SHOWN:
        lines.append(f"…and {len(quiet) - SHOWN} more.")
    summary = (
        f"{len(quiet)} member(s) of {where} have not contributed in the last {target.days} days."
    )
    return Reply(
        text=summary,
        mentions=tuple(q.user for q in quiet[:SHOWN]),
        sections=(
            Section(
                heading=f"Quiet members, last {target.days} days",
                text=summary + "\n" + "\n".join(lines),
                note=(
                    "Only you can see this, and you are not listed yourself. People who "
                    "joined in this window, paused "
                    "people and people who opted out of counting are left out. Silence is "
                    "not disengagement: a kind one-to-one invitation often helps."
                ),
                buttons=(
                    Button(
                        action_id=SEND_CHECKINS,
                        label="Invite their view one-to-one",
                        value=target.channel,
                        style="primary",
                    ),
                ),
            ),
        ),
    )

"""`/ccpl room [#channel] [days]`: which professions are in a channel, and which are heard.

For facilitators only, and delivered to them privately: a text breakdown
and a bar chart, then the professions not heard from and those not in the
room at all. The monthly digest reuses the same picture.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from content import ContentPack
from handlers.core.context import Context
from handlers.core.model import Actor, Attachment, Delivery, Reply, Section
from handlers.core.registry import Role, command
from handlers.core.roles import audit
from handlers.facilitation.participation import nobody_known, open_report
from handlers.facilitation.profile import profession_name
from handlers.facilitation.room_chart import Bar, render_chart
from storage.participation import ProfessionCount, room_breakdown
from storage.schedules import list_schedules

NOTE = (
    "Only you can see this. Professions are as members set them with `/ccpl profile`; "
    "paused people and anyone who opted out of counting are left out."
)
_NAMED_CHANNEL = re.compile(r"^<#[A-Za-z0-9]+\|([^>]+)>$")


@dataclass(frozen=True, kw_only=True, slots=True)
class RoomPicture:
    """One channel's breakdown, worded and ready to draw."""

    bars: tuple[Bar, ...]
    members: int
    contributors: int
    not_set: int
    silent: tuple[str, ...]  # professions present but not heard from
    absent: tuple[str, ...]  # pack professions with nobody in the channel


def picture(*, pack: ContentPack, counts: Sequence[ProfessionCount]) -> RoomPicture:
    """Pack professions in pack order (absent ones as empty bars), then others, then not set."""
    by_id = {c.profession: c for c in counts}
    order = [p.id for p in pack.professions]
    order += sorted(c.profession for c in counts if c.profession and c.profession not in order)
    bars: list[Bar] = []
    silent: list[str] = []
    absent: list[str] = []
    for profession in order:
        found = by_id.get(profession)
        name = profession_name(pack, profession)
        members, heard = (found.members, found.contributors) if found else (0, 0)
        bars.append(Bar(label=name, members=members, contributors=heard))
        if members == 0:
            absent.append(name)
        elif heard == 0:
            silent.append(name)
    unset = by_id.get(None)
    if unset is not None:
        bars.append(Bar(label="Not set", members=unset.members, contributors=unset.contributors))
    return RoomPicture(
        bars=tuple(bars),
        members=sum(c.members for c in counts),
        contributors=sum(c.contributors for c in counts),
        not_set=unset.members if unset else 0,
        silent=tuple(silent),
        absent=tuple(absent),
    )


def breakdown_text(room: RoomPicture, *, days: int) -> str:
    """The chart in words, for screen readers and for anyone skimming a notification."""
    lines = [
        f"• {b.label}: {b.members} in the channel, {b.contributors} contributed"
        for b in room.bars
        if b.members
    ]
    if room.silent:
        lines.append(f"\n**Not heard from in the last {days} days:** " + ", ".join(room.silent))
    elif room.members > room.not_set:
        lines.append(f"\nEvery profession in the channel has been heard from in {days} days.")
    if room.absent:
        lines.append("**Not in the room:** " + ", ".join(room.absent))
    if room.not_set:
        lines.append(
            f"{room.not_set} of {room.members} people "
            f"{'has' if room.not_set == 1 else 'have'} not set a profession; "
            "`/ccpl profile` lets them."
        )
    return "\n".join(lines)


async def chart(*, room: RoomPicture, title: str, subtitle: str) -> bytes:
    """Drawn off the event loop: matplotlib is synchronous and CPU-bound."""
    return await asyncio.to_thread(render_chart, bars=room.bars, title=title, subtitle=subtitle)


def _named(args: tuple[str, ...]) -> str | None:
    for word in args:
        found = _NAMED_CHANNEL.match(word)
        if found:
            return "#" + found.group(1)
    return None


@command(
    name="room",
    aliases=("whos-in-the-room",),
    usage="room [#channel] [days]",
    summary="which professions are in a channel and heard from, with a chart (facilitators)",
    role=Role.FACILITATOR,
    order=230,
)
async def room(*, ctx: Context, actor: Actor, args: tuple[str, ...]) -> Reply:
    """Members against contributors per profession in a channel, as text and a PNG chart."""
    target = await open_report(ctx=ctx, actor=actor, args=args, command="room")
    now = ctx.clock()
    async with ctx.acting(actor) as (session, scope):
        counts = await room_breakdown(
            session,
            workspace_id=scope.workspace_id,
            channel=target.channel,
            since=target.since(now),
            now=now,
        )
        label = _named(args)
        if label is None:
            schedules = await list_schedules(
                session,
                workspace_id=scope.workspace_id,
                channel=target.channel,
            )
            label = schedules[0].name if schedules else f"channel {target.channel}"
        audit(
            session,
            ctx=ctx,
            actor=actor,
            scope=scope,
            action="report.room",
            detail=f"{target.channel}, {target.days} days",
        )
    where = f"<#{target.channel}>"
    view = picture(pack=ctx.pack, counts=counts)
    if view.members == 0:
        return Reply(text=nobody_known(target.channel))
    title = f"Who's in the room: {label}"
    window = window_text(now=now, days=target.days, ctx=ctx)
    png = await chart(room=view, title=title, subtitle=window[:1].upper() + window[1:])
    heard = f"{view.contributors} of {view.members} people in {where} contributed"
    summary = f"{heard} in the last {target.days} days." + (
        f" Not heard from: {', '.join(view.silent)}." if view.silent else ""
    )
    today = now.astimezone(ctx.timezone).date()
    return Reply(
        text=summary,
        sections=(
            Section(
                heading=f"{title}, last {target.days} days",
                text=f"{heard}.\n" + breakdown_text(view, days=target.days),
                note=NOTE,
            ),
        ),
        attachments=(
            Attachment(
                filename=f"room-{target.channel}-{today:%Y-%m-%d}.png",
                content=png,
                title=f"{title}, {window}",
            ),
        ),
        delivery=Delivery.DM,
    )


def window_text(*, now: datetime, days: int, ctx: Context) -> str:
    return f"last {days} days, to {now.astimezone(ctx.timezone):%-d %b %Y}"

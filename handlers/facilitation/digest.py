"""The monthly facilitator digest: who is in the room in each forum's channel.

Planned for 09:00 local on the first of each month, one direct message per
facilitator, and composed when sent, so it shows the latest 30 days and
skips anyone who is no longer a facilitator.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from handlers.core.context import Context
from handlers.core.model import Actor, Attachment, Delivery, Platform, Reply, Section
from handlers.facilitation.participation import quiet_others, refresh_members
from handlers.facilitation.room import (
    RoomPicture,
    breakdown_text,
    chart,
    picture,
    window_text,
)
from storage.facilitators import digest_recipients
from storage.outbox import OutboxRow
from storage.participation import room_breakdown
from storage.repositories import workspace_address
from storage.schedules import list_schedules

log = logging.getLogger(__name__)

DIGEST = "digest"
SEND_AT_HOUR = 9
WINDOW = timedelta(days=30)
# Each channel is a few blocks and one image; Slack takes 50 blocks and 10 files a message.
MAX_CHANNELS = 8


def digest_moments(*, zone: ZoneInfo, since: datetime, until: datetime) -> list[datetime]:
    """09:00 local on the first of each month, in (since, until], as UTC instants."""
    local = since.astimezone(zone)
    year, month = local.year, local.month
    found: list[datetime] = []
    while True:
        at = datetime(year, month, 1, SEND_AT_HOUR, tzinfo=zone)
        if at > until:
            return found
        if at > since:
            found.append(at.astimezone(UTC))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def digest_key(*, workspace_id: int, month: str, member_id: int) -> str:
    return f"{DIGEST}:{workspace_id}:{month}:{member_id}"


@dataclass(frozen=True, kw_only=True, slots=True)
class _Channel:
    channel: str
    name: str
    room: RoomPicture
    quiet: int


async def compose_digest(*, ctx: Context, row: OutboxRow) -> Reply | None:
    """The digest for one facilitator, or None when it no longer applies."""
    now = ctx.clock()
    async with ctx.database.transaction() as session:
        workspace = await workspace_address(session, workspace_id=row.workspace_id)
        recipients = await digest_recipients(session, workspace_id=row.workspace_id, now=now)
        schedules = await list_schedules(session, workspace_id=row.workspace_id)
    if workspace is None or (row.member_id, row.target) not in recipients:
        return None
    names: dict[str, str] = {}
    for schedule in schedules:
        names.setdefault(schedule.channel, schedule.name)
    if not names:
        return None
    reader = Actor(
        platform=Platform(workspace.platform), workspace=workspace.external_id, user=row.target
    )
    for channel in names:
        try:
            await refresh_members(ctx=ctx, actor=reader, channel=channel)
        except Exception:
            # Stored membership is a day old at most; a stale list beats no digest.
            log.warning("digest: could not refresh members of %s", channel, exc_info=True)
    channels: list[_Channel] = []
    async with ctx.database.transaction() as session:
        for channel, name in names.items():
            counts = await room_breakdown(
                session, workspace_id=row.workspace_id, channel=channel, since=now - WINDOW, now=now
            )
            # As `/ccpl quiet` counts for this reader, whom the digest points to it.
            quiet = await quiet_others(
                session,
                workspace_id=row.workspace_id,
                asker=reader.user,
                channel=channel,
                since=now - WINDOW,
                now=now,
            )
            channels.append(
                _Channel(
                    channel=channel,
                    name=name,
                    room=picture(pack=ctx.pack, counts=counts),
                    quiet=len(quiet.members),
                )
            )
    return await _digest(ctx=ctx, month=str(row.payload.get("month", "")), channels=channels)


async def _digest(*, ctx: Context, month: str, channels: list[_Channel]) -> Reply:
    now = ctx.clock()
    try:
        heading = datetime.strptime(month, "%Y-%m").strftime("%B %Y")
    except ValueError:
        heading = f"{now.astimezone(ctx.timezone):%B %Y}"
    days = WINDOW.days
    window = window_text(now=now, days=days, ctx=ctx)
    shown = sorted(channels, key=lambda c: (-c.room.members, c.channel))[:MAX_CHANNELS]
    sections = [
        Section(
            heading=f"Facilitator digest: {heading}",
            text=f"Who is in the room, and who is heard, in {len(channels)} channel(s) with a "
            f"forum or meeting over the last {days} days.",
        )
    ]
    attachments: list[Attachment] = []
    for c in shown:
        where = f"<#{c.channel}>"
        if c.room.members == 0:
            sections.append(
                Section(
                    heading=c.name,
                    text=f"{where}: I don't know of anyone in the channel yet. Check I've "
                    "been added to it.",
                )
            )
            continue
        quiet = (
            f"{c.quiet} quiet (nothing counted in {days} days): `/ccpl quiet {where}` shows who."
            if c.quiet
            else f"Nobody has been quiet for {days} days."
        )
        sections.append(
            Section(
                heading=c.name,
                text=f"{where}: {c.room.contributors} of {c.room.members} people contributed. "
                f"{quiet}\n" + breakdown_text(c.room, days=days),
            )
        )
        title = f"Who's in the room: {c.name}"
        png = await chart(room=c.room, title=title, subtitle=window[:1].upper() + window[1:])
        attachments.append(
            Attachment(
                filename=f"room-{c.channel}-{month or 'digest'}.png",
                content=png,
                title=f"{title}, last {days} days",
            )
        )
    if len(channels) > len(shown):
        sections.append(
            Section(
                text=f"…and {len(channels) - len(shown)} more channel(s): "
                "`/ccpl room #channel` shows any of them."
            )
        )
    sections[-1] = Section(
        heading=sections[-1].heading,
        text=sections[-1].text,
        note="Only facilitators receive this. Professions are as members set them with "
        "`/ccpl profile`; paused people and anyone who opted out of counting are left out.",
    )
    silent = sorted({name for c in shown for name in c.room.silent})
    summary = f"Facilitator digest for {heading}: who is in the room in {len(channels)} channel(s)."
    if silent:
        summary += f" Not heard from somewhere: {', '.join(silent)}."
    return Reply(
        text=summary,
        sections=tuple(sections),
        attachments=tuple(attachments),
        delivery=Delivery.DM,
    )

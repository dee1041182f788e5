"""Participation counts and channel membership, and the reports read from them.

Only counts are stored (messages, thread replies, reactions per member,
channel and day), never text. The reports run in the database over the
unique (workspace, channel, member, day) index, so they stay fast at
millions of rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, Exists, Integer, case, delete, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.forgotten import forgotten_among
from storage.models import Activity, ChannelMember, ChannelSync, Member
from storage.repositories import Scope, upsert_insert

MESSAGE = "messages"
REPLY = "replies"
REACTION = "reactions"
KINDS = (MESSAGE, REPLY, REACTION)


async def counting_allowed(session: AsyncSession, *, scope: Scope) -> bool:
    opted_out = await session.scalar(
        select(Member.counting_opt_out).where(
            Member.id == scope.member_id, Member.workspace_id == scope.workspace_id
        )
    )
    return not opted_out


async def record_activity(
    session: AsyncSession, *, scope: Scope, channel: str, day: date, kind: str
) -> bool:
    """Count one contribution; False (and nothing stored) for someone who opted out."""
    if kind not in KINDS:
        raise ValueError(kind)
    if not await counting_allowed(session, scope=scope):
        return False
    insert = upsert_insert(session)
    counts = {k: int(k == kind) for k in KINDS}
    statement = insert(Activity).values(
        workspace_id=scope.workspace_id,
        channel=channel,
        member_id=scope.member_id,
        day=day,
        **counts,
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["workspace_id", "channel", "member_id", "day"],
            set_={kind: getattr(Activity, kind) + 1},
        )
    )
    # Someone who speaks is in the room, even if we never saw them join.
    await member_joined(session, scope=scope, channel=channel, at=None)
    return True


async def member_joined(
    session: AsyncSession, *, scope: Scope, channel: str, at: datetime | None
) -> None:
    """Add the member to the channel; `at` None means there before counting began."""
    insert = upsert_insert(session)
    await session.execute(
        insert(ChannelMember)
        .values(
            workspace_id=scope.workspace_id,
            channel=channel,
            member_id=scope.member_id,
            joined_at=at,
        )
        .on_conflict_do_nothing(index_elements=["workspace_id", "channel", "member_id"])
    )


async def member_left(session: AsyncSession, *, scope: Scope, channel: str) -> None:
    await session.execute(
        delete(ChannelMember).where(
            ChannelMember.workspace_id == scope.workspace_id,
            ChannelMember.channel == channel,
            ChannelMember.member_id == scope.member_id,
        )
    )


async def synced_at(session: AsyncSession, *, workspace_id: int, channel: str) -> datetime | None:
    """When the channel's members were last read from the platform (None: never)."""
    found: datetime | None = await session.scalar(
        select(ChannelSync.synced_at).where(
            ChannelSync.workspace_id == workspace_id, ChannelSync.channel == channel
        )
    )
    return found


async def sync_channel(
    session: AsyncSession, *, workspace_id: int, channel: str, users: Sequence[str], now: datetime
) -> None:
    """Make the stored member list match the platform's.

    On the first sync everyone was there before counting began (joined_at
    None); on later ones, a newcomer we missed the join event for is dated
    now, so a fresh arrival is not reported as quiet.
    """
    first = await synced_at(session, workspace_id=workspace_id, channel=channel) is None
    insert = upsert_insert(session)
    forgotten = await forgotten_among(session, workspace_id=workspace_id, users=set(users))
    wanted = [u for u in dict.fromkeys(users) if u not in forgotten]
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        await session.execute(
            insert(Member)
            .values(
                [{"workspace_id": workspace_id, "external_id": u, "created_at": now} for u in chunk]
            )
            .on_conflict_do_nothing(index_elements=["workspace_id", "external_id"])
        )
        ids = (
            await session.scalars(
                select(Member.id).where(
                    Member.workspace_id == workspace_id, Member.external_id.in_(chunk)
                )
            )
        ).all()
        await session.execute(
            insert(ChannelMember)
            .values(
                [
                    {
                        "workspace_id": workspace_id,
                        "channel": channel,
                        "member_id": member_id,
                        "joined_at": None if first else now,
                    }
                    for member_id in ids
                ]
            )
            .on_conflict_do_nothing(index_elements=["workspace_id", "channel", "member_id"])
        )
    present = select(Member.id).where(
        Member.workspace_id == workspace_id, Member.external_id.in_(wanted)
    )
    await session.execute(
        delete(ChannelMember).where(
            ChannelMember.workspace_id == workspace_id,
            ChannelMember.channel == channel,
            ChannelMember.member_id.not_in(present),
        )
    )
    await session.execute(
        insert(ChannelSync)
        .values(workspace_id=workspace_id, channel=channel, synced_at=now)
        .on_conflict_do_update(index_elements=["workspace_id", "channel"], set_={"synced_at": now})
    )


def _counted_members(
    *, workspace_id: int, channel: str, now: datetime
) -> list[ColumnElement[bool]]:
    """Channel members who can be reported on: not opted out of counting, not paused."""
    return [
        ChannelMember.workspace_id == workspace_id,
        ChannelMember.channel == channel,
        Member.counting_opt_out.is_(False),
        or_(Member.paused_until.is_(None), Member.paused_until <= now),
    ]


def _spoke_since(*, workspace_id: int, channel: str, since: datetime) -> Exists:
    """Whether the channel member of the outer query has a counted day in the window:
    one probe of the unique (workspace, channel, member, day) index."""
    return exists(
        select(Activity.id).where(
            Activity.workspace_id == workspace_id,
            Activity.channel == channel,
            Activity.member_id == ChannelMember.member_id,
            Activity.day >= since.date(),
        )
    ).correlate(ChannelMember)


@dataclass(frozen=True, slots=True)
class QuietMember:
    user: str
    last_contributed: date | None  # None: not since counting began


async def quiet_members(
    session: AsyncSession, *, workspace_id: int, channel: str, since: datetime, now: datetime
) -> list[QuietMember]:
    """Members with no counted contribution since `since`, longest quiet first.

    Leaves out people who joined within the window, paused people and people
    who opted out of counting.
    """
    # Who is quiet is decided by one index probe per member (no row in the window);
    # the last day is then read once, only for them, and sorted by its label so
    # the database does not evaluate the subquery again for the ORDER BY.
    spoke = _spoke_since(workspace_id=workspace_id, channel=channel, since=since)
    last_day = (
        select(func.max(Activity.day))
        .where(
            Activity.workspace_id == workspace_id,
            Activity.channel == channel,
            Activity.member_id == ChannelMember.member_id,
        )
        .correlate(ChannelMember)
        .scalar_subquery()
        .label("last_day")
    )
    rows = await session.execute(
        select(Member.external_id, last_day)
        .select_from(ChannelMember)
        .join(Member, Member.id == ChannelMember.member_id)
        .where(
            *_counted_members(workspace_id=workspace_id, channel=channel, now=now),
            or_(ChannelMember.joined_at.is_(None), ChannelMember.joined_at < since),
            ~spoke,
        )
        .order_by(last_day.asc().nulls_first(), Member.external_id)
    )
    return [QuietMember(user=user, last_contributed=last) for user, last in rows]


@dataclass(frozen=True, slots=True)
class ProfessionCount:
    profession: str | None  # None: not set
    members: int
    contributors: int


async def room_breakdown(
    session: AsyncSession, *, workspace_id: int, channel: str, since: datetime, now: datetime
) -> list[ProfessionCount]:
    """Per profession: channel members, and how many contributed since `since`."""
    contributed = _spoke_since(workspace_id=workspace_id, channel=channel, since=since)
    rows = await session.execute(
        select(
            Member.profession,
            func.count(),
            func.sum(case((contributed, 1), else_=0), type_=Integer),
        )
        .select_from(ChannelMember)
        .join(Member, Member.id == ChannelMember.member_id)
        .where(*_counted_members(workspace_id=workspace_id, channel=channel, now=now))
        .group_by(Member.profession)
    )
    return [
        ProfessionCount(profession=p, members=int(m), contributors=int(c or 0)) for p, m, c in rows
    ]


@dataclass(frozen=True, slots=True)
class ChannelCounts:
    channel: str
    messages: int
    replies: int
    reactions: int
    last_day: date


async def own_counts(session: AsyncSession, *, scope: Scope, since: date) -> list[ChannelCounts]:
    """A member's own counts per channel since a day: what `/ccpl privacy` shows them."""
    rows = await session.execute(
        select(
            Activity.channel,
            func.sum(Activity.messages),
            func.sum(Activity.replies),
            func.sum(Activity.reactions),
            func.max(Activity.day),
        )
        .where(
            Activity.workspace_id == scope.workspace_id,
            Activity.member_id == scope.member_id,
            Activity.day >= since,
        )
        .group_by(Activity.channel)
        .order_by(Activity.channel)
    )
    return [
        ChannelCounts(channel=c, messages=int(m), replies=int(r), reactions=int(x), last_day=d)
        for c, m, r, x, d in rows
    ]


async def set_counting(session: AsyncSession, *, scope: Scope, counted: bool) -> int:
    """Opt in or out; opting out also erases the counts already held. Returns rows erased."""
    member = await session.get(Member, scope.member_id)
    assert member is not None and member.workspace_id == scope.workspace_id
    member.counting_opt_out = not counted
    if counted:
        return 0
    result = await session.execute(
        delete(Activity).where(
            Activity.workspace_id == scope.workspace_id, Activity.member_id == scope.member_id
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def contributors_since(
    session: AsyncSession, *, workspace_id: int, channels: Sequence[str], since: date
) -> int:
    """Distinct people who contributed in any of the channels since a day."""
    if not channels:
        return 0
    found = await session.scalar(
        select(func.count(func.distinct(Activity.member_id))).where(
            Activity.workspace_id == workspace_id,
            Activity.channel.in_(channels),
            Activity.day >= since,
        )
    )
    return int(found or 0)


async def channel_size(session: AsyncSession, *, workspace_id: int, channel: str) -> int:
    """How many members the bot knows in a channel (0: not added, or never read)."""
    found = await session.scalar(
        select(func.count()).where(
            ChannelMember.workspace_id == workspace_id, ChannelMember.channel == channel
        )
    )
    return int(found or 0)


async def is_channel_member(session: AsyncSession, *, scope: Scope, channel: str) -> bool:
    """Whether the bot's directory has the scoped member in the channel."""
    found = await session.scalar(
        select(ChannelMember.id).where(
            ChannelMember.workspace_id == scope.workspace_id,
            ChannelMember.channel == channel,
            ChannelMember.member_id == scope.member_id,
        )
    )
    return found is not None

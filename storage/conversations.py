"""Teams conversation references: where the bot may post without being asked.

Teams lets a bot post proactively only to conversations it has been part of,
at the service URL that came with their activities. Every query here is
scoped to one workspace (a Teams tenant).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.forgotten import forgotten_among
from storage.models import Member, TeamsConversation, TeamsMember, Workspace
from storage.repositories import Scope, upsert_insert

KNOWN_CHANNELS_SHOWN = 50
CHUNK = 500  # rows per statement, well under every backend's parameter limit


@dataclass(frozen=True, kw_only=True, slots=True)
class ConversationRef:
    """Enough to post to a conversation: its id and the service URL that serves it."""

    conversation_id: str
    service_url: str
    name: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class PersonRef:
    """Enough to reach one person: their Teams id, and their 1:1 chat once it exists."""

    member_id: int
    user_ref: str
    service_url: str
    conversation_id: str | None


async def remember_conversation(
    session: AsyncSession,
    *,
    workspace_id: int,
    conversation_id: str,
    kind: str,
    service_url: str,
    now: datetime,
    name: str | None = None,
    team_id: str | None = None,
) -> None:
    """Insert or refresh a channel or group chat; the service URL can move between regions."""
    insert = upsert_insert(session)
    values = {"kind": kind, "service_url": service_url, "updated_at": now}
    if name:
        values["name"] = name
    if team_id:
        values["team_id"] = team_id
    await session.execute(
        insert(TeamsConversation)
        .values(workspace_id=workspace_id, conversation_id=conversation_id, **values)
        .on_conflict_do_update(index_elements=["workspace_id", "conversation_id"], set_=values)
    )


async def remember_person(
    session: AsyncSession,
    *,
    scope: Scope,
    user_ref: str,
    service_url: str,
    now: datetime,
    conversation_id: str | None = None,
) -> None:
    """Insert or refresh how to reach a member; a known 1:1 chat is kept when none is given."""
    insert = upsert_insert(session)
    values: dict[str, object] = {
        "user_ref": user_ref,
        "service_url": service_url,
        "updated_at": now,
    }
    if conversation_id:
        values["conversation_id"] = conversation_id
    await session.execute(
        insert(TeamsMember)
        .values(workspace_id=scope.workspace_id, member_id=scope.member_id, **values)
        .on_conflict_do_update(index_elements=["workspace_id", "member_id"], set_=values)
    )


async def find_conversation(
    session: AsyncSession, *, workspace_id: int, conversation_id: str
) -> ConversationRef | None:
    row = (
        await session.execute(
            select(TeamsConversation.service_url, TeamsConversation.name).where(
                TeamsConversation.workspace_id == workspace_id,
                TeamsConversation.conversation_id == conversation_id,
            )
        )
    ).first()
    if row is None:
        return None
    return ConversationRef(conversation_id=conversation_id, service_url=row[0], name=row[1])


async def find_person(session: AsyncSession, *, workspace_id: int, user: str) -> PersonRef | None:
    """A member by their platform id (the AAD object id) within the workspace."""
    row = (
        await session.execute(
            select(
                TeamsMember.member_id,
                TeamsMember.user_ref,
                TeamsMember.service_url,
                TeamsMember.conversation_id,
            )
            .join(Member, Member.id == TeamsMember.member_id)
            .where(
                TeamsMember.workspace_id == workspace_id,
                Member.workspace_id == workspace_id,
                Member.external_id == user,
            )
        )
    ).first()
    if row is None:
        return None
    return PersonRef(member_id=row[0], user_ref=row[1], service_url=row[2], conversation_id=row[3])


async def set_personal_chat(
    session: AsyncSession, *, workspace_id: int, member_id: int, conversation_id: str
) -> None:
    """Keep the 1:1 chat the bot just opened, so the next message goes straight there."""
    row = await session.scalar(
        select(TeamsMember).where(
            TeamsMember.workspace_id == workspace_id, TeamsMember.member_id == member_id
        )
    )
    if row is not None:
        row.conversation_id = conversation_id


async def known_channels(session: AsyncSession, *, workspace_id: int) -> list[ConversationRef]:
    """Channels the bot has seen in this tenant, most recently active first."""
    rows = await session.execute(
        select(
            TeamsConversation.conversation_id,
            TeamsConversation.service_url,
            TeamsConversation.name,
        )
        .where(
            TeamsConversation.workspace_id == workspace_id,
            TeamsConversation.kind == "channel",
        )
        .order_by(TeamsConversation.updated_at.desc(), TeamsConversation.id.desc())
        .limit(KNOWN_CHANNELS_SHOWN)
    )
    return [ConversationRef(conversation_id=r[0], service_url=r[1], name=r[2]) for r in rows]


async def channel_names(
    session: AsyncSession, *, workspace_id: int, conversation_ids: Collection[str]
) -> dict[str, str]:
    """The names of these channels, where Teams has told us them."""
    if not conversation_ids:
        return {}
    rows = await session.execute(
        select(TeamsConversation.conversation_id, TeamsConversation.name).where(
            TeamsConversation.workspace_id == workspace_id,
            TeamsConversation.conversation_id.in_(list(conversation_ids)),
            TeamsConversation.name.is_not(None),
        )
    )
    return {r[0]: r[1] for r in rows if r[1]}


async def unnamed_channel_teams(
    session: AsyncSession, *, workspace_id: int, conversation_ids: Collection[str]
) -> list[TeamRef]:
    """The teams of those of these channels whose names the bot does not know."""
    if not conversation_ids:
        return []
    rows = await session.execute(
        select(TeamsConversation.team_id, TeamsConversation.service_url)
        .where(
            TeamsConversation.workspace_id == workspace_id,
            TeamsConversation.conversation_id.in_(list(conversation_ids)),
            TeamsConversation.name.is_(None),
            TeamsConversation.team_id.is_not(None),
        )
        .distinct()
    )
    return [TeamRef(team_id=r[0], service_url=r[1]) for r in rows if r[0]]


async def set_channel_names(
    session: AsyncSession, *, workspace_id: int, names: Mapping[str, str]
) -> None:
    """Names for channels the bot knows, read from their team's channel list."""
    for conversation_id, name in names.items():
        await session.execute(
            update(TeamsConversation)
            .where(
                TeamsConversation.workspace_id == workspace_id,
                TeamsConversation.conversation_id == conversation_id,
            )
            .values(name=name)
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class TeamRef:
    """The team a channel belongs to, and where its roster is read."""

    team_id: str
    service_url: str


async def workspace_of(session: AsyncSession, *, platform: str, tenant: str) -> int | None:
    """The workspace id of a tenant, without creating it."""
    found: int | None = await session.scalar(
        select(Workspace.id).where(Workspace.platform == platform, Workspace.external_id == tenant)
    )
    return found


async def team_of(
    session: AsyncSession, *, workspace_id: int, conversation_id: str
) -> TeamRef | None:
    """The team of a channel the bot has seen (None for chats and unknown channels)."""
    row = (
        await session.execute(
            select(TeamsConversation.team_id, TeamsConversation.service_url).where(
                TeamsConversation.workspace_id == workspace_id,
                TeamsConversation.conversation_id == conversation_id,
                TeamsConversation.team_id.is_not(None),
            )
        )
    ).first()
    if row is None or not row[0]:
        return None
    return TeamRef(team_id=row[0], service_url=row[1])


async def team_channels(session: AsyncSession, *, workspace_id: int, team_id: str) -> list[str]:
    """The channels of one team that the bot has seen."""
    rows = await session.scalars(
        select(TeamsConversation.conversation_id).where(
            TeamsConversation.workspace_id == workspace_id,
            TeamsConversation.team_id == team_id,
            TeamsConversation.kind == "channel",
        )
    )
    return list(rows)


async def remember_people(
    session: AsyncSession,
    *,
    workspace_id: int,
    people: Mapping[str, str],
    service_url: str,
    now: datetime,
) -> None:
    """Keep how to reach everyone on a roster ({object id: Teams user id}), so a
    check-in can reach a member who has never written to the bot."""
    insert = upsert_insert(session)
    forgotten = await forgotten_among(session, workspace_id=workspace_id, users=set(people))
    users = [u for u in people if u not in forgotten]
    for start in range(0, len(users), CHUNK):
        chunk = users[start : start + CHUNK]
        await session.execute(
            insert(Member)
            .values(
                [{"workspace_id": workspace_id, "external_id": u, "created_at": now} for u in chunk]
            )
            .on_conflict_do_nothing(index_elements=["workspace_id", "external_id"])
        )
        ids = await session.execute(
            select(Member.external_id, Member.id).where(
                Member.workspace_id == workspace_id, Member.external_id.in_(chunk)
            )
        )
        statement = insert(TeamsMember).values(
            [
                {
                    "workspace_id": workspace_id,
                    "member_id": member_id,
                    "user_ref": people[user],
                    "service_url": service_url,
                    "updated_at": now,
                }
                for user, member_id in ids
            ]
        )
        # A known personal chat is kept: only the id and service URL are refreshed.
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=["workspace_id", "member_id"],
                set_={
                    "user_ref": statement.excluded.user_ref,
                    "service_url": statement.excluded.service_url,
                    "updated_at": statement.excluded.updated_at,
                },
            )
        )


async def refs_of_users(
    session: AsyncSession, *, workspace_id: int, users: Collection[str]
) -> list[str]:
    """Teams user ids ("29:...") of people known by their object ids, in the order
    given; people the bot has not met are left out."""
    if not users:
        return []
    rows = await session.execute(
        select(Member.external_id, TeamsMember.user_ref)
        .join(Member, Member.id == TeamsMember.member_id)
        .where(
            TeamsMember.workspace_id == workspace_id,
            Member.workspace_id == workspace_id,
            Member.external_id.in_(list(users)),
        )
    )
    found = {r[0]: r[1] for r in rows}
    return [found[u] for u in users if u in found]


async def users_by_ref(
    session: AsyncSession, *, workspace_id: int, user_refs: Collection[str]
) -> dict[str, str]:
    """Object ids of people known by their Teams user ids ("29:..."), for mentions
    that arrive without one."""
    if not user_refs:
        return {}
    rows = await session.execute(
        select(TeamsMember.user_ref, Member.external_id)
        .join(Member, Member.id == TeamsMember.member_id)
        .where(
            TeamsMember.workspace_id == workspace_id,
            Member.workspace_id == workspace_id,
            TeamsMember.user_ref.in_(list(user_refs)),
        )
    )
    return {r[0]: r[1] for r in rows}

"""Check-ins: who was invited when, and how it ended. Never what anyone answered."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import CheckIn, Member, OutboxMessage
from storage.repositories import Scope

PENDING = "pending"
ANSWERED = "answered"  # named and anonymous alike, so the row cannot tell which
NOT_NOW = "not_now"
DECLINED = "declined"


@dataclass(frozen=True, slots=True)
class Invitee:
    member_id: int
    user: str


@dataclass(frozen=True, slots=True)
class Eligibility:
    invite: list[Invitee]
    recently_asked: int
    opted_out: int


async def eligible(
    session: AsyncSession, *, workspace_id: int, users: Sequence[str], asked_since: datetime
) -> Eligibility:
    """Of these users, who may be invited: not opted out, not asked since `asked_since`."""
    if not users:
        return Eligibility(invite=[], recently_asked=0, opted_out=0)
    recent = select(CheckIn.member_id).where(
        CheckIn.workspace_id == workspace_id, CheckIn.sent_at >= asked_since
    )
    rows = await session.execute(
        select(Member.id, Member.external_id, Member.checkins_opt_out, Member.id.in_(recent))
        .where(Member.workspace_id == workspace_id, Member.external_id.in_(users))
        .order_by(Member.external_id)
    )
    invite: list[Invitee] = []
    asked = opted = 0
    for member_id, user, opted_out, was_asked in rows:
        if opted_out:
            opted += 1
        elif was_asked:
            asked += 1
        else:
            invite.append(Invitee(member_id=member_id, user=user))
    return Eligibility(invite=invite, recently_asked=asked, opted_out=opted)


async def add_checkin(
    session: AsyncSession,
    *,
    workspace_id: int,
    member_id: int,
    channel: str,
    thread: str | None,
    prompt: str,
    now: datetime,
) -> CheckIn:
    row = CheckIn(
        workspace_id=workspace_id,
        member_id=member_id,
        channel=channel,
        thread=thread,
        prompt=prompt[:500],
        sent_at=now,
        status=PENDING,
    )
    session.add(row)
    await session.flush()
    return row


async def checkin_of(session: AsyncSession, *, scope: Scope, checkin_id: int) -> CheckIn | None:
    """The member's own check-in; another person's id finds nothing."""
    found: CheckIn | None = await session.scalar(
        select(CheckIn).where(
            CheckIn.id == checkin_id,
            CheckIn.workspace_id == scope.workspace_id,
            CheckIn.member_id == scope.member_id,
        )
    )
    return found


async def get_checkin(
    session: AsyncSession, *, workspace_id: int, checkin_id: int
) -> CheckIn | None:
    found: CheckIn | None = await session.scalar(
        select(CheckIn).where(CheckIn.id == checkin_id, CheckIn.workspace_id == workspace_id)
    )
    return found


async def pending_checkins(session: AsyncSession, *, scope: Scope) -> Sequence[CheckIn]:
    return (
        await session.scalars(
            select(CheckIn)
            .where(
                CheckIn.workspace_id == scope.workspace_id,
                CheckIn.member_id == scope.member_id,
                CheckIn.status == PENDING,
            )
            .order_by(CheckIn.sent_at.desc())
        )
    ).all()


@dataclass(frozen=True, slots=True)
class LatestPrompt:
    schedule_id: int
    number: int
    thread: str | None


async def latest_forum_prompt(
    session: AsyncSession, *, workspace_id: int, channel: str
) -> LatestPrompt | None:
    """The forum prompt most recently posted in a channel, and its thread."""
    row = (
        await session.execute(
            select(OutboxMessage.payload, OutboxMessage.sent_ref)
            .where(
                and_(
                    OutboxMessage.workspace_id == workspace_id,
                    OutboxMessage.kind == "forum_prompt",
                    OutboxMessage.target == channel,
                    OutboxMessage.status == "sent",
                )
            )
            .order_by(OutboxMessage.sent_at.desc(), OutboxMessage.id.desc())
            .limit(1)
        )
    ).first()
    if row is None:
        return None
    payload, ref = row
    return LatestPrompt(
        schedule_id=int(payload["schedule_id"]), number=int(payload.get("number", 0)), thread=ref
    )

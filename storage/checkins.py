"""Check-ins: who was invited when, and how it ended. Never what anyone answered."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import CheckIn as CheckInRow
from storage.models import Member, OutboxMessage
from storage.repositories import Scope

PENDING = "pending"
ANSWERED = "answered"  # named and anonymous alike, so the row cannot tell which
NOT_NOW = "not_now"
DECLINED = "declined"


@dataclass(frozen=True, kw_only=True, slots=True)
class CheckIn:
    """One invitation as read at one moment: where it points and how it ended, no answer."""

    id: int
    channel: str
    thread: str | None
    prompt: str
    status: str


def _read(row: CheckInRow) -> CheckIn:
    return CheckIn(
        id=row.id, channel=row.channel, thread=row.thread, prompt=row.prompt, status=row.status
    )


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
    recent = select(CheckInRow.member_id).where(
        CheckInRow.workspace_id == workspace_id, CheckInRow.sent_at >= asked_since
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
    row = CheckInRow(
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
    return _read(row)


def _own(scope: Scope, checkin_id: int) -> tuple[ColumnElement[bool], ...]:
    return (
        CheckInRow.id == checkin_id,
        CheckInRow.workspace_id == scope.workspace_id,
        CheckInRow.member_id == scope.member_id,
    )


async def checkin_of(session: AsyncSession, *, scope: Scope, checkin_id: int) -> CheckIn | None:
    """The member's own check-in; another person's id finds nothing."""
    found: CheckInRow | None = await session.scalar(
        select(CheckInRow).where(*_own(scope, checkin_id))
    )
    return None if found is None else _read(found)


async def get_checkin(
    session: AsyncSession, *, workspace_id: int, checkin_id: int
) -> CheckIn | None:
    found: CheckInRow | None = await session.scalar(
        select(CheckInRow).where(
            CheckInRow.id == checkin_id, CheckInRow.workspace_id == workspace_id
        )
    )
    return None if found is None else _read(found)


async def pending_checkins(session: AsyncSession, *, scope: Scope) -> Sequence[CheckIn]:
    rows = await session.scalars(
        select(CheckInRow)
        .where(
            CheckInRow.workspace_id == scope.workspace_id,
            CheckInRow.member_id == scope.member_id,
            CheckInRow.status == PENDING,
        )
        .order_by(CheckInRow.sent_at.desc())
    )
    return [_read(row) for row in rows]


async def _settle(session: AsyncSession, *, scope: Scope, checkin_id: int, status: str) -> bool:
    """Move the member's own pending check-in to `status`; False if it was not pending.

    The status is checked in the update itself, so two answers at once settle it once.
    """
    result = await session.execute(
        update(CheckInRow)
        .where(*_own(scope, checkin_id), CheckInRow.status == PENDING)
        .values(status=status)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def mark_checkin_answered(session: AsyncSession, *, scope: Scope, checkin_id: int) -> bool:
    """Answered, named or anonymous alike; False if it had already been settled."""
    return await _settle(session, scope=scope, checkin_id=checkin_id, status=ANSWERED)


async def mark_checkin_not_now(session: AsyncSession, *, scope: Scope, checkin_id: int) -> bool:
    return await _settle(session, scope=scope, checkin_id=checkin_id, status=NOT_NOW)


async def decline_checkin(session: AsyncSession, *, scope: Scope, checkin_id: int) -> bool:
    """Declined, and the member asks for no more check-ins at all."""
    settled = await _settle(session, scope=scope, checkin_id=checkin_id, status=DECLINED)
    await session.execute(
        update(Member)
        .where(Member.id == scope.member_id, Member.workspace_id == scope.workspace_id)
        .values(checkins_opt_out=True)
    )
    return settled


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

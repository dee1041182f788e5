"""Facilitators granted in the bot, and who should receive facilitator digests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEntry, FacilitatorGrant, Member
from storage.repositories import Scope, upsert_insert

# Someone who ran a facilitator command this recently still counts as one for digests.
RECENT_FACILITATION = timedelta(days=90)


async def is_granted(session: AsyncSession, *, scope: Scope) -> bool:
    found = await session.scalar(
        select(FacilitatorGrant.id).where(
            FacilitatorGrant.workspace_id == scope.workspace_id,
            FacilitatorGrant.member_id == scope.member_id,
        )
    )
    return found is not None


async def grant(session: AsyncSession, *, scope: Scope, by: str, now: datetime) -> bool:
    """Make the scope's member a facilitator; False when they already were."""
    insert = upsert_insert(session)
    result = await session.execute(
        insert(FacilitatorGrant)
        .values(
            workspace_id=scope.workspace_id, member_id=scope.member_id, added_by=by, added_at=now
        )
        .on_conflict_do_nothing(index_elements=["workspace_id", "member_id"])
        .returning(FacilitatorGrant.id)
    )
    return result.scalar_one_or_none() is not None


async def revoke(session: AsyncSession, *, scope: Scope) -> bool:
    result = await session.execute(
        delete(FacilitatorGrant).where(
            FacilitatorGrant.workspace_id == scope.workspace_id,
            FacilitatorGrant.member_id == scope.member_id,
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def forget_grantor(session: AsyncSession, *, workspace_id: int, user: str) -> None:
    """Clear a forgotten person's id from the grants they made; the grants themselves stand."""
    await session.execute(
        update(FacilitatorGrant)
        .where(FacilitatorGrant.workspace_id == workspace_id, FacilitatorGrant.added_by == user)
        .values(added_by=None)
    )


@dataclass(frozen=True, slots=True)
class Granted:
    user: str
    # None once the person who granted it asked to be forgotten.
    added_by: str | None
    added_at: datetime


async def granted(session: AsyncSession, *, scope: Scope) -> list[Granted]:
    """Everyone granted the role in the scope's workspace, earliest first."""
    rows = await session.execute(
        select(Member.external_id, FacilitatorGrant.added_by, FacilitatorGrant.added_at)
        .join(Member, Member.id == FacilitatorGrant.member_id)
        .where(FacilitatorGrant.workspace_id == scope.workspace_id)
        .order_by(FacilitatorGrant.added_at, Member.external_id)
    )
    return [Granted(user=u, added_by=b, added_at=a) for u, b, a in rows]


async def digest_recipients(
    session: AsyncSession, *, workspace_id: int, now: datetime
) -> list[tuple[int, str]]:
    """(member id, user id) of granted facilitators and anyone who facilitated lately.

    Platform admins are not stored, so recent entries in the audit log stand
    in for "is a facilitator" when choosing who gets the monthly digest.
    """
    grants = select(FacilitatorGrant.member_id).where(FacilitatorGrant.workspace_id == workspace_id)
    recent = select(AuditEntry.actor).where(
        AuditEntry.workspace_id == workspace_id, AuditEntry.at >= now - RECENT_FACILITATION
    )
    rows = await session.execute(
        select(Member.id, Member.external_id)
        .where(
            Member.workspace_id == workspace_id,
            Member.id.in_(grants) | Member.external_id.in_(recent),
        )
        .order_by(Member.external_id)
    )
    return [(member_id, user) for member_id, user in rows]

"""Lunch-and-learn sessions and RSVPs, always within one workspace."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import LunchSession, Member, Rsvp

GOING = "going"
MAYBE = "maybe"
CANT = "cant"
WAITLIST = "waitlist"


async def add_session(
    session: AsyncSession, *, workspace_id: int, now: datetime, fields: dict[str, Any]
) -> LunchSession:
    row = LunchSession(workspace_id=workspace_id, created_at=now, cancelled=False, **fields)
    session.add(row)
    await session.flush()
    return row


async def get_session(
    session: AsyncSession, *, workspace_id: int, session_id: int
) -> LunchSession | None:
    found: LunchSession | None = await session.scalar(
        select(LunchSession).where(
            LunchSession.workspace_id == workspace_id, LunchSession.id == session_id
        )
    )
    return found


async def session_with_answer(
    session: AsyncSession, *, workspace_id: int, session_id: int, member_id: int
) -> tuple[LunchSession | None, str | None]:
    """A session and one member's answer to it in one query: a reminder's whole lookup."""
    found = (
        await session.execute(
            select(LunchSession, Rsvp.status)
            .outerjoin(
                Rsvp,
                (Rsvp.session_id == LunchSession.id)
                & (Rsvp.workspace_id == LunchSession.workspace_id)
                & (Rsvp.member_id == member_id),
            )
            .where(LunchSession.workspace_id == workspace_id, LunchSession.id == session_id)
        )
    ).first()
    return (found[0], found[1]) if found is not None else (None, None)


async def upcoming_sessions(
    session: AsyncSession, *, workspace_id: int, after: datetime
) -> Sequence[LunchSession]:
    query = select(LunchSession).where(
        LunchSession.workspace_id == workspace_id,
        LunchSession.cancelled.is_(False),
        LunchSession.starts_at >= after,
    )
    return (await session.scalars(query.order_by(LunchSession.starts_at))).all()


async def sessions_between(
    session: AsyncSession, *, start: datetime, end: datetime
) -> Sequence[LunchSession]:
    """Sessions in every workspace starting in [start, end): the planner's input."""
    query = select(LunchSession).where(
        LunchSession.cancelled.is_(False),
        LunchSession.starts_at >= start,
        LunchSession.starts_at < end,
    )
    return (await session.scalars(query.order_by(LunchSession.id))).all()


async def rsvps(session: AsyncSession, *, lunch: LunchSession) -> Sequence[tuple[Rsvp, str]]:
    """Every answer with the member's platform user id, in the order given."""
    query = (
        select(Rsvp, Member.external_id)
        .join(Member, Member.id == Rsvp.member_id)
        .where(Rsvp.workspace_id == lunch.workspace_id, Rsvp.session_id == lunch.id)
        .order_by(Rsvp.answered_at, Rsvp.id)
    )
    return [(row, user) for row, user in (await session.execute(query)).all()]


async def rsvp_of(session: AsyncSession, *, lunch: LunchSession, member_id: int) -> str | None:
    """One member's current answer, if any."""
    found: str | None = await session.scalar(
        select(Rsvp.status).where(
            Rsvp.workspace_id == lunch.workspace_id,
            Rsvp.session_id == lunch.id,
            Rsvp.member_id == member_id,
        )
    )
    return found


async def set_rsvp(
    session: AsyncSession, *, lunch: LunchSession, member_id: int, status: str, now: datetime
) -> Rsvp:
    """Record an answer; a changed answer moves to the back of any queue."""
    found: Rsvp | None = await session.scalar(
        select(Rsvp).where(
            Rsvp.workspace_id == lunch.workspace_id,
            Rsvp.session_id == lunch.id,
            Rsvp.member_id == member_id,
        )
    )
    if found is None:
        found = Rsvp(
            workspace_id=lunch.workspace_id,
            session_id=lunch.id,
            member_id=member_id,
            status=status,
            answered_at=now,
        )
        session.add(found)
    elif found.status != status:
        found.status = status
        found.answered_at = now
    await session.flush()
    return found

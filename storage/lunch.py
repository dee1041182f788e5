"""Lunch-and-learn sessions and RSVPs, always within one workspace."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import LunchSession as LunchSession
from storage.models import Member, Schedule
from storage.models import Rsvp as Rsvp
from storage.repositories import Scope

GOING = "going"
MAYBE = "maybe"
CANT = "cant"
WAITLIST = "waitlist"


@dataclass(frozen=True, kw_only=True, slots=True)
class NewSession:
    """A lunch-and-learn as set up in the form (or booked from a journal club)."""

    title: str
    topic: str
    starts_at: datetime
    timezone: str
    duration_minutes: int
    location: str
    host: str
    channel: str
    capacity: int | None = None


async def create_session(
    session: AsyncSession, *, scope: Scope, new: NewSession, now: datetime
) -> LunchSession:
    row = LunchSession(
        workspace_id=scope.workspace_id,
        created_at=now,
        cancelled=False,
        title=new.title,
        topic=new.topic,
        starts_at=new.starts_at,
        timezone=new.timezone,
        duration_minutes=new.duration_minutes,
        location=new.location,
        host=new.host,
        capacity=new.capacity,
        channel=new.channel,
    )
    session.add(row)
    await session.flush()
    return row


async def cancel_session(session: AsyncSession, *, scope: Scope, session_id: int) -> None:
    """Mark a session cancelled; it drops out of listings and the planner."""
    await session.execute(
        update(LunchSession)
        .where(LunchSession.workspace_id == scope.workspace_id, LunchSession.id == session_id)
        .values(cancelled=True)
        .execution_options(synchronize_session="fetch")
    )


async def session_starting(
    session: AsyncSession, *, scope: Scope, channel: str, starts_at: datetime
) -> LunchSession | None:
    """The live session in a channel at exactly that time, such as a booked journal club."""
    near = await upcoming_sessions(
        session, workspace_id=scope.workspace_id, after=starts_at - timedelta(seconds=1)
    )
    return next((s for s in near if s.starts_at == starts_at and s.channel == channel), None)


async def book_occurrence(
    session: AsyncSession, *, scope: Scope, schedule_id: int, new: NewSession, now: datetime
) -> LunchSession:
    """The session for one meeting of a schedule, created by the first to book it.

    The schedule's row is locked first, so people booking the same meeting at once
    share one session instead of each finding none and creating their own.
    """
    await session.execute(
        select(Schedule.id)
        .where(Schedule.workspace_id == scope.workspace_id, Schedule.id == schedule_id)
        .with_for_update()
    )
    found = await session_starting(
        session, scope=scope, channel=new.channel, starts_at=new.starts_at
    )
    return found or await create_session(session, scope=scope, new=new, now=now)


async def get_session(
    session: AsyncSession, *, workspace_id: int, session_id: int
) -> LunchSession | None:
    found: LunchSession | None = await session.scalar(
        select(LunchSession).where(
            LunchSession.workspace_id == workspace_id, LunchSession.id == session_id
        )
    )
    return found


async def lock_session(
    session: AsyncSession, *, scope: Scope, session_id: int
) -> LunchSession | None:
    """The session, locked until the transaction ends: its places are counted under this lock.

    Two answers counting places at once would both see the last place free. The row lock
    (`FOR UPDATE` on PostgreSQL) makes every answer to one session take its turn; SQLite
    has one writer at a time already and ignores the clause.
    """
    found: LunchSession | None = await session.scalar(
        select(LunchSession)
        .where(LunchSession.workspace_id == scope.workspace_id, LunchSession.id == session_id)
        .with_for_update()
        # Another transaction's change must be seen, not the copy this session loaded.
        .execution_options(populate_existing=True)
    )
    return found


# Built once: reminders fan out to hundreds, and building the statement cost more than
# running it.
_SESSION_WITH_ANSWER = (
    select(LunchSession, Rsvp.status)
    .outerjoin(
        Rsvp,
        (Rsvp.session_id == LunchSession.id)
        & (Rsvp.workspace_id == LunchSession.workspace_id)
        & (Rsvp.member_id == bindparam("member_id")),
    )
    .where(
        LunchSession.workspace_id == bindparam("workspace_id"),
        LunchSession.id == bindparam("session_id"),
    )
)


async def session_with_answer(
    session: AsyncSession, *, workspace_id: int, session_id: int, member_id: int
) -> tuple[LunchSession | None, str | None]:
    """A session and one member's answer to it in one query: a reminder's whole lookup."""
    found = (
        await session.execute(
            _SESSION_WITH_ANSWER,
            {"member_id": member_id, "workspace_id": workspace_id, "session_id": session_id},
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


async def record_rsvp(
    session: AsyncSession, *, scope: Scope, session_id: int, status: str, now: datetime
) -> None:
    """Record the member's answer; a changed answer moves to the back of any queue."""
    await _answer(session, scope=scope, session_id=session_id, status=status, now=now)


async def record_attendance(
    session: AsyncSession, *, scope: Scope, session_id: int, attended: bool, now: datetime
) -> None:
    """Whether the member came; saying so also counts as having been going."""
    row = await _answer(session, scope=scope, session_id=session_id, status=GOING, now=now)
    row.attended = attended


@dataclass(frozen=True, kw_only=True, slots=True)
class Promoted:
    """Who was given an open place, and since when they had waited (names the promotion)."""

    member_id: int
    user: str
    waiting_since: datetime


async def promote_from_waitlist(
    session: AsyncSession, *, scope: Scope, session_id: int
) -> Promoted | None:
    """Give the first person waiting the open place; call it under `lock_session`."""
    query = (
        select(Rsvp, Member.external_id)
        .join(Member, Member.id == Rsvp.member_id)
        .where(
            Rsvp.workspace_id == scope.workspace_id,
            Rsvp.session_id == session_id,
            Rsvp.status == WAITLIST,
        )
        .order_by(Rsvp.answered_at, Rsvp.id)
        .limit(1)
    )
    first = (await session.execute(query)).first()
    if first is None:
        return None
    row, user = first
    row.status = GOING
    await session.flush()
    return Promoted(member_id=row.member_id, user=str(user), waiting_since=row.answered_at)


async def _answer(
    session: AsyncSession, *, scope: Scope, session_id: int, status: str, now: datetime
) -> Rsvp:
    found: Rsvp | None = await session.scalar(
        select(Rsvp).where(
            Rsvp.workspace_id == scope.workspace_id,
            Rsvp.session_id == session_id,
            Rsvp.member_id == scope.member_id,
        )
    )
    if found is None:
        found = Rsvp(
            workspace_id=scope.workspace_id,
            session_id=session_id,
            member_id=scope.member_id,
            status=status,
            answered_at=now,
        )
        session.add(found)
    elif found.status != status:
        found.status = status
        found.answered_at = now
    await session.flush()
    return found

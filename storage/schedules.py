"""Schedule queries: per workspace for people, across workspaces only for the planner."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Agreement, Schedule


async def add_schedule(
    session: AsyncSession, *, workspace_id: int, now: datetime, fields: dict[str, Any]
) -> Schedule:
    row = Schedule(
        workspace_id=workspace_id,
        created_at=now,
        confirmed=False,
        paused=False,
        prompts_planned=0,
        **fields,
    )
    session.add(row)
    await session.flush()
    return row


async def get_schedule(
    session: AsyncSession, *, workspace_id: int, schedule_id: int
) -> Schedule | None:
    found: Schedule | None = await session.scalar(
        select(Schedule).where(Schedule.workspace_id == workspace_id, Schedule.id == schedule_id)
    )
    return found


async def list_schedules(
    session: AsyncSession, *, workspace_id: int, kinds: Sequence[str], channel: str | None = None
) -> Sequence[Schedule]:
    """Confirmed schedules of the given kinds, in one channel or the whole workspace."""
    query = select(Schedule).where(
        Schedule.workspace_id == workspace_id,
        Schedule.confirmed.is_(True),
        Schedule.kind.in_(kinds),
    )
    if channel is not None:
        query = query.where(Schedule.channel == channel)
    return (await session.scalars(query.order_by(Schedule.id))).all()


async def remove_schedule(session: AsyncSession, *, workspace_id: int, schedule_id: int) -> bool:
    result = await session.execute(
        delete(Schedule).where(Schedule.workspace_id == workspace_id, Schedule.id == schedule_id)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def active_schedules(session: AsyncSession) -> Sequence[Schedule]:
    """Every confirmed, unpaused schedule in every workspace: the planner's input."""
    query = select(Schedule).where(Schedule.confirmed.is_(True), Schedule.paused.is_(False))
    return (await session.scalars(query.order_by(Schedule.id))).all()


async def add_agreement(
    session: AsyncSession, *, schedule: Schedule, meeting_at: datetime, text: str, now: datetime
) -> None:
    session.add(
        Agreement(
            workspace_id=schedule.workspace_id,
            schedule_id=schedule.id,
            meeting_at=meeting_at,
            text=text,
            recorded_at=now,
        )
    )


async def latest_agreements(
    session: AsyncSession, *, schedule: Schedule, before: datetime
) -> Sequence[Agreement]:
    """What the most recent meeting before `before` agreed, oldest first."""
    last = await session.scalar(
        select(Agreement.meeting_at)
        .where(
            Agreement.workspace_id == schedule.workspace_id,
            Agreement.schedule_id == schedule.id,
            Agreement.meeting_at < before,
        )
        .order_by(Agreement.meeting_at.desc())
        .limit(1)
    )
    if last is None:
        return ()
    query = select(Agreement).where(
        Agreement.workspace_id == schedule.workspace_id,
        Agreement.schedule_id == schedule.id,
        Agreement.meeting_at == last,
    )
    return (await session.scalars(query.order_by(Agreement.id))).all()

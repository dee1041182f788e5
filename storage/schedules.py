"""Schedule queries: per workspace for people, across workspaces only for the planner."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Agreement, OutboxMessage
from storage.models import Schedule as Schedule
from storage.outbox import PENDING
from storage.repositories import Scope


@dataclass(frozen=True, kw_only=True, slots=True)
class NewSchedule:
    """A schedule as set up in a form, before it is stored as a draft."""

    kind: str
    name: str
    channel: str
    rrule: str
    description: str
    timezone: str
    duration_minutes: int
    starts_on: date
    ground_rules: str | None = None
    holiday_policy: str = "none"
    holiday_region: str = "ENG"


async def create_schedule(
    session: AsyncSession, *, scope: Scope, new: NewSchedule, now: datetime
) -> Schedule:
    """A draft: nothing is planned until someone confirms it."""
    row = Schedule(
        workspace_id=scope.workspace_id,
        created_at=now,
        confirmed=False,
        paused=False,
        prompts_planned=0,
        kind=new.kind,
        name=new.name,
        channel=new.channel,
        rrule=new.rrule,
        description=new.description,
        timezone=new.timezone,
        duration_minutes=new.duration_minutes,
        starts_on=new.starts_on,
        ground_rules=new.ground_rules,
        holiday_policy=new.holiday_policy,
        holiday_region=new.holiday_region,
        created_by=scope.member_id,
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


def set_up_by(*, schedule: Schedule, scope: Scope) -> bool:
    """Whether the scoped member set this schedule up; never for one made before
    owners were kept, nor once its organiser used forget-me."""
    return schedule.created_by is not None and schedule.created_by == scope.member_id


async def list_schedules(
    session: AsyncSession,
    *,
    workspace_id: int,
    kinds: Sequence[str] | None = None,
    channel: str | None = None,
) -> Sequence[Schedule]:
    """Confirmed schedules of the given kinds (every kind when None), in one channel or all."""
    query = select(Schedule).where(
        Schedule.workspace_id == workspace_id, Schedule.confirmed.is_(True)
    )
    if kinds is not None:
        query = query.where(Schedule.kind.in_(kinds))
    if channel is not None:
        query = query.where(Schedule.channel == channel)
    return (await session.scalars(query.order_by(Schedule.id))).all()


async def draft_schedule(
    session: AsyncSession, *, scope: Scope, schedule_id: int
) -> Schedule | None:
    """A schedule still waiting to be confirmed or discarded."""
    found = await get_schedule(session, workspace_id=scope.workspace_id, schedule_id=schedule_id)
    return None if found is None or found.confirmed else found


async def confirm_schedule(session: AsyncSession, *, scope: Scope, schedule_id: int) -> None:
    await session.execute(
        update(Schedule)
        .where(Schedule.workspace_id == scope.workspace_id, Schedule.id == schedule_id)
        .values(confirmed=True)
        .execution_options(synchronize_session="fetch")
    )


async def pause_schedule(
    session: AsyncSession, *, scope: Scope, schedule_id: int, paused: bool
) -> None:
    """Pause (or resume) a schedule; the planner skips a paused one."""
    await session.execute(
        update(Schedule)
        .where(Schedule.workspace_id == scope.workspace_id, Schedule.id == schedule_id)
        .values(paused=paused)
        .execution_options(synchronize_session="fetch")
    )


async def remove_schedule(session: AsyncSession, *, scope: Scope, schedule_id: int) -> bool:
    result = await session.execute(
        delete(Schedule).where(
            Schedule.workspace_id == scope.workspace_id, Schedule.id == schedule_id
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def active_schedules(session: AsyncSession) -> Sequence[Schedule]:
    """Every confirmed, unpaused schedule in every workspace: the planner's input."""
    query = select(Schedule).where(Schedule.confirmed.is_(True), Schedule.paused.is_(False))
    return (await session.scalars(query.order_by(Schedule.id))).all()


async def record_agreements(
    session: AsyncSession,
    *,
    scope: Scope,
    schedule_id: int,
    meeting_at: datetime,
    texts: Sequence[str],
    now: datetime,
) -> bool:
    """Keep what one meeting agreed; False when the meeting is no longer scheduled."""
    schedule = await get_schedule(session, workspace_id=scope.workspace_id, schedule_id=schedule_id)
    if schedule is None:
        return False
    session.add_all(
        Agreement(
            workspace_id=scope.workspace_id,
            schedule_id=schedule_id,
            meeting_at=meeting_at,
            text=text,
            recorded_at=now,
        )
        for text in texts
    )
    return True


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


# Built once, and run as a Core statement: the planner takes a number for every forum
# prompt it plans. Through the ORM an UPDATE also brings the session's loaded objects up
# to date, testing every one of them: with every schedule loaded by the planner, each
# prompt cost as much as all the others. The number comes back from RETURNING instead.
_TAKE_PROMPT_NUMBER = (
    update(Schedule)
    .where(Schedule.id == bindparam("schedule"))
    .values(prompts_planned=Schedule.prompts_planned + 1)
    .returning(Schedule.prompts_planned)
)


async def take_prompt_number(session: AsyncSession, *, schedule_id: int) -> int:
    """The next prompt in a schedule's rotation, counted as used in the same statement.

    One UPDATE ... RETURNING, so two planners can never hand out the same number.
    """
    connection = await session.connection()
    taken = await connection.execute(_TAKE_PROMPT_NUMBER, {"schedule": schedule_id})
    return int(taken.scalar_one()) - 1


async def set_holiday_policy(
    session: AsyncSession, *, scope: Scope, schedule_id: int, policy: str
) -> None:
    """What the schedule does with a post on a bank holiday from now on."""
    await session.execute(
        update(Schedule)
        .where(Schedule.workspace_id == scope.workspace_id, Schedule.id == schedule_id)
        .values(holiday_policy=policy)
        .execution_options(synchronize_session="fetch")
    )


@dataclass(frozen=True, kw_only=True, slots=True)
class WaitingPost:
    """A schedule's post planned but not yet taken by the sender."""

    id: int
    key: str
    kind: str
    payload: dict[str, Any]


async def waiting_posts(
    session: AsyncSession, *, workspace_id: int, schedule_id: int, prefixes: Sequence[str]
) -> list[WaitingPost]:
    """Pending rows of one schedule (keyed `<prefix>:<schedule id>:...`), locked so a
    sender cannot claim one meanwhile. A row being sent is left alone: it is on its way.
    """
    keyed = [
        OutboxMessage.key.startswith(f"{prefix}:{schedule_id}:", autoescape=True)
        for prefix in prefixes
    ]
    rows = await session.scalars(
        select(OutboxMessage)
        .where(
            OutboxMessage.workspace_id == workspace_id,
            OutboxMessage.status == PENDING,
            or_(*keyed),
        )
        .order_by(OutboxMessage.id)
        .with_for_update()
    )
    return [WaitingPost(id=r.id, key=r.key, kind=r.kind, payload=dict(r.payload)) for r in rows]


async def move_waiting_post(
    session: AsyncSession, *, row_id: int, due_at: datetime, payload: dict[str, Any], now: datetime
) -> None:
    """A waiting post to a new time; its key, the date the rule gave, stays."""
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id, OutboxMessage.status == PENDING)
        .values(due_at=due_at, next_attempt_at=max(due_at, now), payload=payload)
        .execution_options(synchronize_session=False)
    )

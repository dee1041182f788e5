"""A schedule's posts already planned, brought into line with a changed bank-holiday policy.

The planner writes a post when it falls due, keyed by the date the rule gave,
so most posts simply follow the new policy when their turn comes. Those planned
but not yet sent (a sender behind, a platform retrying) are moved, put back or
skipped here; each keeps its key, so the planner never plans it twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core.outbox import OutboxKind
from handlers.scheduling.holidays import Policy, replanned
from handlers.scheduling.recurrence import Recurrence
from storage.outbox import mark_skipped
from storage.schedules import Schedule, WaitingPost, move_waiting_post, waiting_posts

PURPOSE_BEFORE = timedelta(minutes=30)
# How a schedule's posts are keyed: `forum:<id>:<date>` for prompts, the kind for the rest.
FORUM_KEY = "forum"
KEY_PREFIXES = (FORUM_KEY, OutboxKind.MEETING_PURPOSE.value, OutboxKind.MEETING_AGREE.value)


def iso(when: datetime) -> str:
    """How an occurrence is written in keys and payloads."""
    return when.isoformat(timespec="minutes")


def _due(*, kind: str, at: datetime, length: timedelta) -> datetime:
    if kind == OutboxKind.MEETING_PURPOSE:
        return at - PURPOSE_BEFORE
    if kind == OutboxKind.MEETING_AGREE:
        return at + length
    return at


async def follow_policy(
    session: AsyncSession, *, schedule: Schedule, policy: Policy, now: datetime
) -> None:
    """Move, put back or skip each post of this schedule still waiting to be sent."""
    waiting = await waiting_posts(
        session,
        workspace_id=schedule.workspace_id,
        schedule_id=schedule.id,
        prefixes=KEY_PREFIXES,
    )
    for post in waiting:
        await _follow(session, post=post, schedule=schedule, policy=policy, now=now)


async def _follow(
    session: AsyncSession, *, post: WaitingPost, schedule: Schedule, policy: Policy, now: datetime
) -> None:
    # The key's last part is the date the rule gave: `forum:3:2026-12-25T12:30+00:00`.
    original = datetime.fromisoformat(post.key.split(":", 2)[2])
    adjusted = replanned(
        recurrence=Recurrence(rrule=schedule.rrule, description=schedule.description),
        start=schedule.starts_on,
        zone=ZoneInfo(schedule.timezone),
        original=original,
        policy=policy,
    )
    if adjusted.at is None:
        await mark_skipped(session, row_id=post.id, now=now, why="bank holiday: skipped")
        return
    length = timedelta(minutes=schedule.duration_minutes)
    await move_waiting_post(
        session,
        row_id=post.id,
        due_at=_due(kind=post.kind, at=adjusted.at, length=length),
        payload=post.payload | {"occurrence": iso(adjusted.at)},
        now=now,
    )

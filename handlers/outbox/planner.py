"""Planning: turn schedules and sessions into outbox rows, once per occurrence.

The planner looks at the window since it last planned up to now. Every due
post gets a key naming what and when (`forum:42:2026-12-01T12:30:00+00:00`),
so planning the same window twice adds nothing. Anything older than the grace
window when first seen (the process was down) is recorded as skipped, with a
log line, instead of arriving hours late.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core.context import Context
from handlers.facilitation.digest import DIGEST, digest_key, digest_moments
from handlers.scheduling.forums import MEETING, recurrence_of
from storage.facilitators import digest_recipients
from storage.lunch import GOING, rsvps, sessions_between
from storage.models import LunchSession, Schedule
from storage.outbox import (
    PENDING,
    SKIPPED,
    enqueue_many,
    existing_keys,
    planned_until,
    set_planned_until,
)
from storage.schedules import active_schedules

log = logging.getLogger(__name__)

PURPOSE_BEFORE = timedelta(minutes=30)
REMINDERS = {"week": timedelta(days=7), "day": timedelta(days=1), "soon": timedelta(minutes=15)}


@dataclass(frozen=True, kw_only=True, slots=True)
class Due:
    key: str
    kind: str
    target: str
    due_at: datetime
    payload: dict[str, Any]
    member_id: int | None = None


@dataclass(kw_only=True)
class PlanReport:
    since: datetime
    until: datetime
    planned: int = 0
    skipped: list[str] = field(default_factory=list)


def _iso(when: datetime) -> str:
    return when.isoformat(timespec="minutes")


def schedule_dues(*, schedule: Schedule, since: datetime, until: datetime) -> Iterator[Due]:
    """The posts one schedule owes in (since, until]."""
    recurrence = recurrence_of(schedule)
    zone = ZoneInfo(schedule.timezone)
    if schedule.kind != MEETING:
        for when in recurrence.between(
            start=schedule.starts_on, zone=zone, since=since, until=until
        ):
            yield Due(
                key=f"forum:{schedule.id}:{_iso(when)}",
                kind="forum_prompt",
                target=schedule.channel,
                due_at=when,
                payload={"schedule_id": schedule.id, "occurrence": _iso(when)},
            )
        return
    # Meetings: a purpose nudge before, an agreements prompt after.
    length = timedelta(minutes=schedule.duration_minutes)
    for when in recurrence.between(
        start=schedule.starts_on, zone=zone, since=since - length, until=until + PURPOSE_BEFORE
    ):
        payload = {"schedule_id": schedule.id, "occurrence": _iso(when)}
        for kind, at in (
            ("meeting_purpose", when - PURPOSE_BEFORE),
            ("meeting_agree", when + length),
        ):
            if since < at <= until:
                yield Due(
                    key=f"{kind}:{schedule.id}:{_iso(when)}",
                    kind=kind,
                    target=schedule.channel,
                    due_at=at,
                    payload=payload,
                )


def lunch_dues(
    *, lunch: LunchSession, going: list[tuple[int, str]], since: datetime, until: datetime
) -> Iterator[Due]:
    """Reminders to those going, then the attendance question after it ends."""
    for name, before in REMINDERS.items():
        at = lunch.starts_at - before
        if since < at <= until and at >= lunch.created_at:
            for member_id, user in going:
                yield Due(
                    key=f"lunch-remind:{lunch.id}:{member_id}:{name}",
                    kind="lunch_reminder",
                    target=user,
                    due_at=at,
                    member_id=member_id,
                    payload={"session_id": lunch.id, "reminder": name},
                )
    ends = lunch.starts_at + timedelta(minutes=lunch.duration_minutes)
    if since < ends <= until:
        for member_id, user in going:
            yield Due(
                key=f"lunch-attended:{lunch.id}:{member_id}",
                kind="lunch_attendance",
                target=user,
                due_at=ends,
                member_id=member_id,
                payload={"session_id": lunch.id},
            )


async def _digest_dues(
    session: AsyncSession,
    *,
    ctx: Context,
    schedules: Sequence[Schedule],
    since: datetime,
    until: datetime,
    now: datetime,
) -> list[tuple[Due, int, Schedule | None]]:
    """The monthly digest to each facilitator of a workspace with a forum or meeting.

    No query at all unless the first of a month at 09:00 falls in the window,
    then one per such workspace, so the per-minute plan stays as fast as before.
    """
    moments = digest_moments(zone=ctx.timezone, since=since, until=until)
    found: list[tuple[Due, int, Schedule | None]] = []
    if not moments:
        return found
    for workspace_id in sorted({s.workspace_id for s in schedules}):
        recipients = await digest_recipients(session, workspace_id=workspace_id, now=now)
        for at in moments:
            month = f"{at.astimezone(ctx.timezone):%Y-%m}"
            found += [
                (
                    Due(
                        key=digest_key(workspace_id=workspace_id, month=month, member_id=member_id),
                        kind=DIGEST,
                        target=user,
                        due_at=at,
                        member_id=member_id,
                        payload={"month": month},
                    ),
                    workspace_id,
                    None,
                )
                for member_id, user in recipients
            ]
    return found


async def plan(*, ctx: Context, until: datetime, grace: timedelta) -> PlanReport:
    """Write every post due in (last planned, until] to the outbox, in one transaction.

    Dues are gathered first, checked against the outbox in a few queries and
    inserted together: a fan-out to thousands is a handful of statements.
    """
    now = ctx.clock()
    async with ctx.database.transaction() as session:
        since = await planned_until(session) or until - grace
        report = PlanReport(since=since, until=until)
        if until <= since:
            return report
        found: list[tuple[Due, int, Schedule | None]] = []
        schedules = await active_schedules(session)
        for schedule in schedules:
            found += [
                (due, schedule.workspace_id, schedule)
                for due in schedule_dues(schedule=schedule, since=since, until=until)
            ]
        found += await _digest_dues(
            session, ctx=ctx, schedules=schedules, since=since, until=until, now=now
        )
        horizon = max(REMINDERS.values())
        for lunch in await sessions_between(
            session, start=since - timedelta(days=1), end=until + horizon + timedelta(minutes=1)
        ):
            going = [
                (r.member_id, user)
                for r, user in await rsvps(session, lunch=lunch)
                if r.status == GOING
            ]
            found += [
                (due, lunch.workspace_id, None)
                for due in lunch_dues(lunch=lunch, going=going, since=since, until=until)
            ]
        known = await existing_keys(session, keys=[due.key for due, _, _ in found])
        rows = []
        for due, workspace_id, owner in found:
            if due.key in known:
                continue
            known.add(due.key)
            late = until - due.due_at
            status = PENDING if late <= grace else SKIPPED
            if status == SKIPPED:
                log.warning(
                    "skipped %s: due %s, %s late (grace %s)", due.key, due.due_at, late, grace
                )
                report.skipped.append(due.key)
            else:
                report.planned += 1
                if owner is not None and due.kind == "forum_prompt":
                    # The rotation advances only for a post not planned before.
                    due.payload["number"] = owner.prompts_planned
                    owner.prompts_planned += 1
            rows.append(
                {
                    "workspace_id": workspace_id,
                    "key": due.key,
                    "kind": due.kind,
                    "target": due.target,
                    "member_id": due.member_id,
                    "payload": due.payload,
                    "due_at": due.due_at,
                    "status": status,
                    "attempts": 0,
                    "next_attempt_at": max(due.due_at, now) if status == PENDING else now,
                }
            )
        await enqueue_many(session, rows=rows)
        await set_planned_until(session, when=until)
    return report

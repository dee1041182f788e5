"""Planning: turn schedules and sessions into outbox rows, once per occurrence.

The planner looks at the window since it last planned up to now. Every due
post gets a key naming what and when (`forum:42:2026-12-01T12:30:00+00:00`),
so planning the same window twice adds nothing. Anything older than the grace
window when first seen (the process was down) is recorded as skipped, with a
log line, instead of arriving hours late. What is due comes from each
feature's `@plans` function (handlers/core/outbox.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from handlers.core.context import Context
from handlers.core.outbox import Due, Window, planners
from storage.outbox import (
    PENDING,
    SKIPPED,
    PlannedPost,
    enqueue_many,
    existing_keys,
    planned_until,
    set_planned_until,
)

log = logging.getLogger(__name__)


@dataclass(kw_only=True)
class PlanReport:
    since: datetime
    until: datetime
    planned: int = 0
    skipped: list[str] = field(default_factory=list)


async def plan(*, ctx: Context, until: datetime, grace: timedelta) -> PlanReport:
    """Write every post due in (last planned, until] to the outbox, in one transaction.

    Dues are gathered from every feature's planner first, checked against the
    outbox in a few queries and inserted together: a fan-out to thousands is a
    handful of statements.
    """
    now = ctx.clock()
    async with ctx.database.transaction() as session:
        since = await planned_until(session) or until - grace
        report = PlanReport(since=since, until=until)
        if until <= since:
            return report
        window = Window(since=since, until=until, now=now)
        found: list[Due] = []
        for planner in planners():
            found += await planner(session, ctx=ctx, window=window)
        known = await existing_keys(session, keys=[due.key for due in found])
        rows = []
        for due in found:
            if due.key in known:
                continue
            known.add(due.key)
            row = _row(due, report=report, until=until, grace=grace, now=now)
            if row.status == PENDING and due.when_planned is not None:
                await due.when_planned(session, due.payload)
            rows.append(row)
        await enqueue_many(session, posts=rows)
        await set_planned_until(session, when=until)
    return report


def _row(
    due: Due, *, report: PlanReport, until: datetime, grace: timedelta, now: datetime
) -> PlannedPost:
    """The outbox row for a due post seen for the first time: pending, or skipped if too late."""
    late = until - due.due_at
    status = PENDING if late <= grace else SKIPPED
    if status == SKIPPED:
        log.warning("skipped %s: due %s, %s late (grace %s)", due.key, due.due_at, late, grace)
        report.skipped.append(due.key)
    else:
        report.planned += 1
    return PlannedPost(
        workspace_id=due.workspace_id,
        key=due.key,
        kind=due.kind.value,
        target=due.target,
        member_id=due.member_id,
        payload=due.payload,
        due_at=due.due_at,
        status=status,
        next_attempt_at=max(due.due_at, now) if status == PENDING else now,
    )

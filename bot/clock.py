"""The scheduler runtime: APScheduler wakes us; the database says what is due.

Jobs are rebuilt from the database at start, on every change made in this
process, and once a minute for changes made by the web process. A job holds
no client or token, only the time at which to plan and send; planning is
idempotent, so an extra or repeated wake-up does no harm.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.leader import Leadership
from bot.outbox_sender import OutboxSender
from handlers import Context
from handlers.lunch.outbox import REMINDERS
from handlers.outbox.planner import plan
from handlers.scheduling.forums import next_dates
from handlers.scheduling.outbox import PURPOSE_BEFORE
from storage.lunch import sessions_between
from storage.outbox import next_due
from storage.retention import enforce
from storage.schedules import active_schedules

log = logging.getLogger(__name__)

RESYNC = timedelta(seconds=60)
# How often the leader checks its lock and a standby stands: a dead leader is
# replaced within this, once PostgreSQL has noticed the connection is gone.
ELECTION = timedelta(seconds=10)
# Records past their retention are deleted this often (and once at start), by the leader.
RETENTION_EVERY = timedelta(days=1)


class Clock:
    def __init__(
        self,
        *,
        ctx: Context,
        sender: OutboxSender,
        leadership: Leadership,
        grace: timedelta,
    ) -> None:
        self.ctx = ctx
        self.sender = sender
        self.leadership = leadership
        self.grace = grace
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        self._wanted = asyncio.Event()
        self._following: asyncio.Task[None] | None = None

    async def tick(self) -> None:
        """Plan what fell due and send it, if this process leads."""
        if not await self.leadership.try_acquire():
            return
        report = await plan(ctx=self.ctx, until=self.ctx.clock(), grace=self.grace)
        if report.planned:
            log.info("planned %d post(s)", report.planned)
        await self.sender.drain()
        await self.rebuild()

    async def tidy(self) -> dict[str, int]:
        """Delete what has outlived its retention, if this process leads; counts only."""
        if not await self.leadership.try_acquire():
            return {}
        removed = await enforce(self.ctx.database, policy=self.ctx.retention, now=self.ctx.clock())
        if any(removed.values()):
            log.info(
                "retention: deleted %s",
                ", ".join(f"{n} {kind}" for kind, n in removed.items() if n),
                extra={"outcome": "retention", **{f"deleted_{k}": n for k, n in removed.items()}},
            )
        return removed

    async def elect(self) -> None:
        """Check the leader's lock, or stand as leader; a new leader catches up at once."""
        was = self.leadership.held
        if await self.leadership.try_acquire() and not was:
            log.info("took over as the scheduler")
            await self.tick()

    async def wake_times(self) -> list[datetime]:
        """Every moment something is next due: schedules, sessions, outbox retries."""
        now = self.ctx.clock()
        times: list[datetime] = []
        async with self.ctx.database.transaction() as session:
            for schedule in await active_schedules(session):
                for when in next_dates(schedule=schedule, after=now - PURPOSE_BEFORE, count=1):
                    times += [
                        when - PURPOSE_BEFORE,
                        when,
                        when + timedelta(minutes=schedule.duration_minutes),
                    ]
            for lunch in await sessions_between(
                session, start=now - timedelta(days=1), end=now + timedelta(days=8)
            ):
                times += [lunch.starts_at - before for before in REMINDERS.values()]
                times.append(lunch.starts_at + timedelta(minutes=lunch.duration_minutes))
            retry = await next_due(session)
            if retry is not None:
                times.append(retry)
        return sorted({t for t in times if t > now})

    async def rebuild(self) -> None:
        """Replace the date jobs with ones for what the database says comes next."""
        for job in self.scheduler.get_jobs():
            if job.id.startswith("due:"):
                job.remove()
        for when in (await self.wake_times())[:50]:
            self.scheduler.add_job(
                self.tick,
                DateTrigger(run_date=when.astimezone(ZoneInfo("UTC"))),
                id=f"due:{when.isoformat()}",
                replace_existing=True,
                misfire_grace_time=int(self.grace.total_seconds()),
                coalesce=True,
            )

    async def start(self) -> None:
        self._following = asyncio.create_task(self._follow())
        self.scheduler.start()
        self.scheduler.add_job(
            self.tick,
            IntervalTrigger(seconds=RESYNC.total_seconds()),
            id="resync",
            replace_existing=True,
            coalesce=True,
            max_instances=1,
        )
        self.scheduler.add_job(
            self.elect,
            IntervalTrigger(seconds=ELECTION.total_seconds()),
            id="election",
            replace_existing=True,
            coalesce=True,
            max_instances=1,
        )
        self.scheduler.add_job(
            self.tidy,
            IntervalTrigger(seconds=RETENTION_EVERY.total_seconds()),
            id="retention",
            replace_existing=True,
            coalesce=True,
            max_instances=1,
        )
        await self.tick()
        await self.tidy()

    async def changed(self) -> None:
        """A schedule or session changed in this process: send anything due and re-plan."""
        await self.tick()

    def nudge(self) -> None:
        """`changed` as a signal that returns at once, for a person's request; the
        sender takes new rows even while a drain runs."""
        self._wanted.set()
        self.sender.wake()

    async def _follow(self) -> None:
        while True:
            await self._wanted.wait()
            self._wanted.clear()
            try:
                await self.tick()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("a scheduler tick failed; the next one tries again")

    async def stop(self) -> None:
        if self._following is not None:
            self._following.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._following
            self._following = None
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        await self.leadership.release()

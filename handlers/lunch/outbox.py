"""The scheduled posts of a lunch-and-learn: reminders to those going and the
attendance question after it, planned ahead; the announcement, the cancellation
and "a place opened up", queued when they happen; each composed when it is sent."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core.context import Context
from handlers.core.model import Delivery, Reply, Section
from handlers.core.outbox import Due, OutboxKind, Outgoing, Window, composes, plans
from handlers.core.text import typed
from handlers.lunch.posts import announcement, attendance_question, invite, when_text
from storage.lunch import (
    GOING,
    LunchSession,
    get_session,
    rsvps,
    session_with_answer,
    sessions_between,
)
from storage.outbox import OutboxRow

REMINDERS = {"week": timedelta(days=7), "day": timedelta(days=1), "soon": timedelta(minutes=15)}


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
                    kind=OutboxKind.LUNCH_REMINDER,
                    workspace_id=lunch.workspace_id,
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
                kind=OutboxKind.LUNCH_ATTENDANCE,
                workspace_id=lunch.workspace_id,
                target=user,
                due_at=ends,
                member_id=member_id,
                payload={"session_id": lunch.id},
            )


@plans(order=30)
async def plan_lunches(session: AsyncSession, *, ctx: Context, window: Window) -> list[Due]:
    found: list[Due] = []
    horizon = max(REMINDERS.values())
    for lunch in await sessions_between(
        session,
        start=window.since - timedelta(days=1),
        end=window.until + horizon + timedelta(minutes=1),
    ):
        going = [
            (r.member_id, user)
            for r, user in await rsvps(session, lunch=lunch)
            if r.status == GOING
        ]
        found += lunch_dues(lunch=lunch, going=going, since=window.since, until=window.until)
    return found


def _how_soon(starts: datetime, *, now: datetime, zone: ZoneInfo) -> str:
    """Worded at send time, so a reminder held by quiet hours still reads true."""
    minutes = int((starts - now).total_seconds() // 60)
    if minutes <= 60:
        return f"in {max(minutes, 0)} minutes"
    days = (starts.astimezone(zone).date() - now.astimezone(zone).date()).days
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    if days == 7:
        return "in a week"
    return f"in {days} days"


@composes(OutboxKind.LUNCH_ANNOUNCE)
async def compose_announcement(*, ctx: Context, row: OutboxRow) -> Outgoing | None:
    async with ctx.database.transaction() as session:
        lunch = await get_session(
            session, workspace_id=row.workspace_id, session_id=row.payload["session_id"]
        )
        if lunch is None:
            return None
        answers = list(await rsvps(session, lunch=lunch))
        return Outgoing(reply=announcement(lunch=lunch, answers=answers))


async def _with_answer(*, ctx: Context, row: OutboxRow) -> tuple[LunchSession | None, str | None]:
    # One person's answer with the session, one query: reminders fan out to hundreds.
    async with ctx.database.transaction() as session:
        return await session_with_answer(
            session,
            workspace_id=row.workspace_id,
            session_id=row.payload["session_id"],
            member_id=row.member_id or -1,
        )


async def _still_going(*, ctx: Context, row: OutboxRow) -> LunchSession | None:
    """The session, while it is on and this person is still going; else None."""
    lunch, answer = await _with_answer(ctx=ctx, row=row)
    if lunch is None or lunch.cancelled or answer != GOING:
        return None
    return lunch


@composes(OutboxKind.LUNCH_CANCELLED)
async def compose_cancelled(*, ctx: Context, row: OutboxRow) -> Outgoing | None:
    lunch, _ = await _with_answer(ctx=ctx, row=row)
    if lunch is None:
        return None
    text = f"**{typed(lunch.title)}** ({when_text(lunch)}) is cancelled. Sorry for any trouble."
    return Outgoing(
        reply=Reply(
            text=text.replace("**", ""),
            sections=(Section(text=text),),
            attachments=(invite(lunch, now=ctx.clock(), cancelled=True),),
            delivery=Delivery.DM,
        )
    )


@composes(OutboxKind.LUNCH_REMINDER)
async def compose_reminder(*, ctx: Context, row: OutboxRow) -> Outgoing | None:
    lunch = await _still_going(ctx=ctx, row=row)
    if lunch is None:
        return None
    soon = _how_soon(lunch.starts_at, now=ctx.clock(), zone=ZoneInfo(lunch.timezone))
    text = (
        f"Reminder: **{typed(lunch.title)}** starts {soon}: {when_text(lunch)}. "
        f"Where: {typed(lunch.location)}"
    )
    return Outgoing(
        reply=Reply(
            text=text.replace("**", ""), sections=(Section(text=text),), delivery=Delivery.DM
        )
    )


@composes(OutboxKind.LUNCH_ATTENDANCE)
async def compose_attendance(*, ctx: Context, row: OutboxRow) -> Outgoing | None:
    lunch = await _still_going(ctx=ctx, row=row)
    return Outgoing(reply=attendance_question(lunch)) if lunch is not None else None


@composes(OutboxKind.LUNCH_PROMOTED)
async def compose_promoted(*, ctx: Context, row: OutboxRow) -> Outgoing | None:
    """Told at send time, and only while the place is still theirs and the session on."""
    lunch = await _still_going(ctx=ctx, row=row)
    if lunch is None:
        return None
    return Outgoing(
        reply=Reply(
            text=f"A place opened up: you're now going to {typed(lunch.title)}.",
            attachments=(invite(lunch, now=ctx.clock()),),
            delivery=Delivery.DM,
        )
    )

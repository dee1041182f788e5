"""The scheduled posts of forums, journal clubs and meetings: when each is due,
and what it says when it is sent."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core.context import Context
from handlers.core.model import Button, Delivery, Reply, Section
from handlers.core.outbox import Due, OutboxKind, Outgoing, Window, composes, plans
from handlers.core.text import local, typed
from handlers.scheduling.forums import FORUM_KINDS, MEETING, policy_of, recurrence_of
from handlers.scheduling.holidays import planned
from handlers.scheduling.prompts import journal_resources, prompt_rotation
from handlers.scheduling.replan import FORUM_KEY
from handlers.scheduling.replan import PURPOSE_BEFORE as PURPOSE_BEFORE
from handlers.scheduling.replan import iso as _iso
from storage.outbox import OutboxRow
from storage.schedules import (
    Schedule,
    active_schedules,
    get_schedule,
    latest_agreements,
    take_prompt_number,
)

RECORD_AGREEMENTS = "meeting.agree"
BOOK_JOURNAL_CLUB = "journal.book"


def _advance_rotation(
    schedule: Schedule,
) -> Callable[[AsyncSession, dict[str, Any]], Awaitable[None]]:
    async def numbered(session: AsyncSession, payload: dict[str, Any]) -> None:
        payload["number"] = await take_prompt_number(session, schedule_id=schedule.id)

    return numbered


def _forum_dues(*, schedule: Schedule, since: datetime, until: datetime) -> Iterator[Due]:
    for occurrence in planned(
        recurrence=recurrence_of(schedule),
        start=schedule.starts_on,
        zone=ZoneInfo(schedule.timezone),
        since=since,
        until=until,
        policy=policy_of(schedule),
    ):
        when = occurrence.at or occurrence.original
        yield Due(
            # Keyed by the date the rule gave, so a post moved off a bank holiday is
            # planned once however the planner's windows fall around it.
            key=f"{FORUM_KEY}:{schedule.id}:{_iso(occurrence.original)}",
            kind=OutboxKind.FORUM_PROMPT,
            workspace_id=schedule.workspace_id,
            target=schedule.channel,
            due_at=when,
            payload={"schedule_id": schedule.id, "occurrence": _iso(when)},
            # The rotation advances only for a post not planned before.
            when_planned=_advance_rotation(schedule),
        )


def _meeting_dues(*, schedule: Schedule, since: datetime, until: datetime) -> Iterator[Due]:
    """A purpose nudge before each meeting, an agreements prompt after it."""
    length = timedelta(minutes=schedule.duration_minutes)
    for occurrence in planned(
        recurrence=recurrence_of(schedule),
        start=schedule.starts_on,
        zone=ZoneInfo(schedule.timezone),
        since=since - length,
        until=until + PURPOSE_BEFORE,
        policy=policy_of(schedule),
    ):
        when = occurrence.at or occurrence.original
        original = _iso(occurrence.original)
        payload = {"schedule_id": schedule.id, "occurrence": _iso(when)}
        for kind, at in (
            (OutboxKind.MEETING_PURPOSE, when - PURPOSE_BEFORE),
            (OutboxKind.MEETING_AGREE, when + length),
        ):
            if since < at <= until:
                yield Due(
                    key=f"{kind}:{schedule.id}:{original}",
                    kind=kind,
                    workspace_id=schedule.workspace_id,
                    target=schedule.channel,
                    due_at=at,
                    payload=payload,
                )


def schedule_dues(*, schedule: Schedule, since: datetime, until: datetime) -> Iterator[Due]:
    """The posts one schedule owes in (since, until]."""
    if schedule.kind == MEETING:
        return _meeting_dues(schedule=schedule, since=since, until=until)
    return _forum_dues(schedule=schedule, since=since, until=until)


@plans(order=10)
async def plan_schedules(session: AsyncSession, *, ctx: Context, window: Window) -> list[Due]:
    return [
        due
        for schedule in await active_schedules(session)
        for due in schedule_dues(schedule=schedule, since=window.since, until=window.until)
    ]


@dataclass(frozen=True, kw_only=True, slots=True)
class _Occurrence:
    schedule: Schedule
    when: datetime
    number: int


async def _occurrence(session: AsyncSession, *, row: OutboxRow) -> _Occurrence | None:
    """The schedule a row belongs to and its date in the schedule's zone; None if deleted."""
    schedule = await get_schedule(
        session, workspace_id=row.workspace_id, schedule_id=row.payload["schedule_id"]
    )
    if schedule is None:
        return None
    when = datetime.fromisoformat(row.payload["occurrence"]).astimezone(ZoneInfo(schedule.timezone))
    return _Occurrence(schedule=schedule, when=when, number=int(str(row.payload.get("number", 0))))


@composes(OutboxKind.FORUM_PROMPT)
async def compose_forum_prompt(*, ctx: Context, row: OutboxRow) -> Outgoing | None:
    async with ctx.database.transaction() as session:
        found = await _occurrence(session, row=row)
    if found is None:
        return None
    schedule = found.schedule
    first = found.number == 0
    if schedule.kind == "journal_club":
        sections = [_journal_reading(ctx=ctx, found=found, occurrence=row.payload["occurrence"])]
    else:
        sections = [_discussion(ctx=ctx, found=found)]
    if first and schedule.ground_rules:
        sections.append(Section(heading="Ground rules", text=typed(schedule.ground_rules)))
    return Outgoing(
        reply=Reply(
            text=f"{typed(schedule.name)}: this month's discussion",
            sections=tuple(sections),
            delivery=Delivery.CHANNEL,
        ),
        pin=first and schedule.ground_rules is not None,
    )


def _journal_reading(*, ctx: Context, found: _Occurrence, occurrence: str) -> Section:
    resources = journal_resources(ctx.pack)
    pick = resources[found.number % len(resources)]
    return Section(
        heading=f"{found.schedule.name}: {local(found.when)}",
        text=f"This month's reading or listening: **{pick.name}**. {pick.description}",
        buttons=(
            Button(
                action_id=BOOK_JOURNAL_CLUB,
                label="Book your place",
                value=f"{found.schedule.id}|{occurrence}",
                style="primary",
            ),
        ),
    )


def _discussion(*, ctx: Context, found: _Occurrence) -> Section:
    rotation = prompt_rotation(ctx.pack)
    prompt = rotation[found.number % len(rotation)]
    principle = ctx.pack.principle(prompt.principle)
    return Section(
        heading=f"{found.schedule.name}: {FORUM_KINDS.get(found.schedule.kind, 'Forum')}",
        text=f"{prompt.text}\n\nReply in this thread: every view counts, "
        "and quieter voices especially.",
        note=f"Principle {principle.number}: {principle.title}" if principle else None,
    )


@composes(OutboxKind.MEETING_PURPOSE)
async def compose_meeting_purpose(*, ctx: Context, row: OutboxRow) -> Outgoing | None:
    async with ctx.database.transaction() as session:
        found = await _occurrence(session, row=row)
        if found is None:
            return None
        agreed = await latest_agreements(session, schedule=found.schedule, before=found.when)
        return Outgoing(
            reply=_purpose(
                name=found.schedule.name, when=found.when, agreed=[a.text for a in agreed]
            )
        )


@composes(OutboxKind.MEETING_AGREE)
async def compose_meeting_agree(*, ctx: Context, row: OutboxRow) -> Outgoing | None:
    async with ctx.database.transaction() as session:
        found = await _occurrence(session, row=row)
    if found is None:
        return None
    return Outgoing(
        reply=_agree(name=found.schedule.name, schedule_id=found.schedule.id, when=found.when)
    )


def _purpose(*, name: str, when: datetime, agreed: list[str]) -> Reply:
    last = (
        "Last time you agreed:\n" + "\n".join(f"• {typed(a)}" for a in agreed)
        if agreed
        else "Nothing was recorded from last time."
    )
    return Reply(
        text=f"{typed(name)} starts at {when:%H:%M}: why are we meeting?",
        sections=(
            Section(
                heading=f"{name} at {when:%H:%M}: why are we meeting?",
                text="Take a minute at the start to agree the purpose: what do we want "
                f"to leave with?\n\n{last}",
            ),
        ),
        delivery=Delivery.CHANNEL,
    )


def _agree(*, name: str, schedule_id: int, when: datetime) -> Reply:
    return Reply(
        text=f"{typed(name)}: what did we agree?",
        sections=(
            Section(
                heading=f"{name}: what did we agree?",
                text="Who will do what, and by when? Record it now and I'll show it again "
                "before the next meeting, so nothing agreed is lost.",
                buttons=(
                    Button(
                        action_id=RECORD_AGREEMENTS,
                        label="Record what we agreed",
                        value=f"{schedule_id}|{when.isoformat(timespec='minutes')}",
                        style="primary",
                    ),
                ),
            ),
        ),
        delivery=Delivery.CHANNEL,
    )

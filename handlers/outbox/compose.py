"""What each planned outbox row says, composed when it is sent.

Composing at send time means a reminder for a cancelled session, or to
someone who is no longer going, is dropped rather than sent stale.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from handlers.core.context import Context
from handlers.core.model import Button, Delivery, Reply, Section
from handlers.facilitation.checkins import CHECKIN_KIND, compose_invitation
from handlers.facilitation.digest import DIGEST, compose_digest
from handlers.lunch.posts import announcement, attendance_question, invite, when_text
from handlers.polls.posts import POLL_KIND, poll_message
from handlers.scheduling.forums import FORUM_KINDS, local
from handlers.scheduling.prompts import journal_resources, prompt_rotation
from storage.lunch import GOING, get_session, rsvps, session_with_answer
from storage.models import OutboxMessage
from storage.polls import get_poll, vote_counts
from storage.schedules import get_schedule, latest_agreements

RECORD_AGREEMENTS = "meeting.agree"
BOOK_JOURNAL_CLUB = "journal.book"


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


@dataclass(frozen=True, kw_only=True, slots=True)
class Outgoing:
    reply: Reply
    pin: bool = False


async def compose(*, ctx: Context, row: OutboxMessage) -> Outgoing | None:
    """The message for a row, or None when it no longer applies."""
    if row.kind == DIGEST:
        digest = await compose_digest(ctx=ctx, row=row)
        return Outgoing(reply=digest) if digest is not None else None
    payload = row.payload
    if row.kind == CHECKIN_KIND:
        invited = await compose_invitation(
            ctx=ctx, workspace_id=row.workspace_id, checkin_id=int(payload["checkin_id"])
        )
        return Outgoing(reply=invited) if invited else None
    async with ctx.database.transaction() as session:
        if row.kind == POLL_KIND:
            poll = await get_poll(
                session, workspace_id=row.workspace_id, poll_id=payload["poll_id"]
            )
            if poll is None:
                return None
            counts = await vote_counts(session, poll=poll)
            return Outgoing(reply=poll_message(poll=poll, counts=counts))
        if row.kind in ("forum_prompt", "meeting_purpose", "meeting_agree"):
            schedule = await get_schedule(
                session, workspace_id=row.workspace_id, schedule_id=payload["schedule_id"]
            )
            if schedule is None:
                return None
            when = datetime.fromisoformat(payload["occurrence"]).astimezone(
                ZoneInfo(schedule.timezone)
            )
            if row.kind == "forum_prompt":
                return _forum_prompt(
                    ctx=ctx,
                    payload=payload,
                    name=schedule.name,
                    kind=schedule.kind,
                    rules=schedule.ground_rules,
                    schedule_id=schedule.id,
                    when=when,
                )
            if row.kind == "meeting_purpose":
                agreed = await latest_agreements(session, schedule=schedule, before=when)
                return Outgoing(
                    reply=_purpose(name=schedule.name, when=when, agreed=[a.text for a in agreed])
                )
            return Outgoing(reply=_agree(name=schedule.name, schedule_id=schedule.id, when=when))
        if row.kind == "lunch_announce":
            lunch = await get_session(
                session, workspace_id=row.workspace_id, session_id=payload["session_id"]
            )
            if lunch is None:
                return None
            answers = list(await rsvps(session, lunch=lunch))
            return Outgoing(reply=announcement(lunch=lunch, answers=answers))
        # One person's answer with the session, one query: reminders fan out to hundreds.
        lunch, answer = await session_with_answer(
            session,
            workspace_id=row.workspace_id,
            session_id=payload["session_id"],
            member_id=row.member_id or -1,
        )
        if lunch is None:
            return None
    if row.kind == "lunch_cancelled":
        text = f"**{lunch.title}** ({when_text(lunch)}) is cancelled. Sorry for any trouble."
        return Outgoing(
            reply=Reply(
                text=text.replace("**", ""),
                sections=(Section(text=text),),
                attachments=(invite(lunch, now=ctx.clock(), cancelled=True),),
                delivery=Delivery.DM,
            )
        )
    if lunch.cancelled or answer != GOING:
        return None
    if row.kind == "lunch_reminder":
        soon = _how_soon(lunch.starts_at, now=ctx.clock(), zone=ZoneInfo(lunch.timezone))
        text = (
            f"Reminder: **{lunch.title}** starts {soon}: {when_text(lunch)}. "
            f"Where: {lunch.location}"
        )
        return Outgoing(
            reply=Reply(
                text=text.replace("**", ""), sections=(Section(text=text),), delivery=Delivery.DM
            )
        )
    return Outgoing(reply=attendance_question(lunch))


def _forum_prompt(
    *,
    ctx: Context,
    payload: dict[str, object],
    name: str,
    kind: str,
    rules: str | None,
    schedule_id: int,
    when: datetime,
) -> Outgoing:
    number = int(str(payload.get("number", 0)))
    first = number == 0
    sections: list[Section] = []
    if kind == "journal_club":
        resources = journal_resources(ctx.pack)
        pick = resources[number % len(resources)]
        sections.append(
            Section(
                heading=f"{name}: {local(when)}",
                text=f"This month's reading or listening: **{pick.name}**. {pick.description}",
                buttons=(
                    Button(
                        action_id=BOOK_JOURNAL_CLUB,
                        label="Book your place",
                        value=f"{schedule_id}|{payload['occurrence']}",
                        style="primary",
                    ),
                ),
            )
        )
    else:
        rotation = prompt_rotation(ctx.pack)
        prompt = rotation[number % len(rotation)]
        principle = ctx.pack.principle(prompt.principle)
        sections.append(
            Section(
                heading=f"{name}: {FORUM_KINDS.get(kind, 'Forum')}",
                text=f"{prompt.text}\n\nReply in this thread: every view counts, "
                "and quieter voices especially.",
                note=f"Principle {principle.number}: {principle.title}" if principle else None,
            )
        )
    if first and rules:
        sections.append(Section(heading="Ground rules", text=rules))
    return Outgoing(
        reply=Reply(
            text=f"{name}: this month's discussion",
            sections=tuple(sections),
            delivery=Delivery.CHANNEL,
        ),
        pin=first and rules is not None,
    )


def _purpose(*, name: str, when: datetime, agreed: list[str]) -> Reply:
    last = (
        "Last time you agreed:\n" + "\n".join(f"• {a}" for a in agreed)
        if agreed
        else "Nothing was recorded from last time."
    )
    return Reply(
        text=f"{name} starts at {when:%H:%M}: why are we meeting?",
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
        text=f"{name}: what did we agree?",
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

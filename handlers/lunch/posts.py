"""The posts and files of a lunch-and-learn: announcement, invite, attendance question."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from handlers.core.model import Attachment, Button, Delivery, Reply, Section
from handlers.core.text import local, typed
from handlers.lunch.invites import session_invite
from storage.lunch import CANT, GOING, MAYBE, WAITLIST, LunchSession, Rsvp

RSVP = "lunch.rsvp"
ATTENDED = "lunch.attended"
VIEW = "lunch.view"
ANSWERS = {GOING: "Going", MAYBE: "Maybe", CANT: "Can't make it"}


def announcement(
    *, lunch: LunchSession, answers: list[tuple[Rsvp, str]], reader: str | None = None
) -> Reply:
    """The channel post: details, live counts and the RSVP buttons. With `reader` (a
    user id) it is that person's own view of it, which also shows their answer."""
    counts = {status: sum(1 for r, _ in answers if r.status == status) for status in ANSWERS}
    waiting = sum(1 for r, _ in answers if r.status == WAITLIST)
    places = f" of {lunch.capacity}" if lunch.capacity else ""
    tally = f"Going: {counts[GOING]}{places} · Maybe: {counts[MAYBE]}"
    if waiting:
        tally += f" · Waitlist: {waiting}"
    yours = next((r.status for r, user in answers if reader and user == reader), None)
    if yours is not None:
        tally = f"Your answer: {ANSWERS.get(yours, 'Waitlist')} · {tally}"
    when = local(lunch.starts_at.astimezone(ZoneInfo(lunch.timezone)))
    details = (
        f"**Topic:** {typed(lunch.topic)}\n**When:** {when} ({lunch.duration_minutes} minutes)\n"
        f"**Where:** {typed(lunch.location)}\n**Host:** {typed(lunch.host)}"
    )
    if lunch.cancelled:
        return Reply(
            text=f"Cancelled: {typed(lunch.title)}",
            sections=(Section(heading=f"Cancelled: {lunch.title}", text=details),),
            delivery=Delivery.CHANNEL,
        )
    buttons = tuple(
        Button(
            action_id=RSVP,
            label=label,
            value=f"{lunch.id}:{status}",
            style="primary" if status == GOING else None,
        )
        for status, label in ANSWERS.items()
    )
    return Reply(
        text=f"Lunch and learn: {typed(lunch.title)}",
        sections=(
            Section(
                heading=f"Lunch and learn: {lunch.title}", text=details, note=tally, buttons=buttons
            ),
        ),
        delivery=Delivery.CHANNEL,
        # Each reader may see their own answer where a platform can show it (Teams'
        # card refresh). No one is listed as a viewer: the card would name who answered.
        view=Button(action_id=VIEW, label="Refresh", value=str(lunch.id)),
    )


def invite(lunch: LunchSession, *, now: datetime, cancelled: bool = False) -> Attachment:
    content = session_invite(
        uid=f"lunch-{lunch.workspace_id}-{lunch.id}@ccpl-bot",
        title=lunch.title,
        description=f"{lunch.topic}. Host: {lunch.host}",
        starts_at=lunch.starts_at,
        minutes=lunch.duration_minutes,
        location=lunch.location,
        stamp=now,
        cancelled=cancelled,
    )
    return Attachment(filename="session.ics", content=content, title=f"{lunch.title} (calendar)")


def when_text(lunch: LunchSession) -> str:
    return local(lunch.starts_at.astimezone(ZoneInfo(lunch.timezone)))


def attendance_question(lunch: LunchSession) -> Reply:
    question = f"Did you attend **{typed(lunch.title)}** ({when_text(lunch)})?"
    return Reply(
        text=question.replace("**", ""),
        sections=(
            Section(
                text=question,
                buttons=(
                    Button(
                        action_id=ATTENDED,
                        label="Yes, I attended",
                        value=f"{lunch.id}:yes",
                        style="primary",
                    ),
                    Button(action_id=ATTENDED, label="No", value=f"{lunch.id}:no"),
                ),
            ),
        ),
        delivery=Delivery.DM,
    )

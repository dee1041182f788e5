"""Lunch-and-learn sessions: announce, RSVP with a waitlist, invite, remind, attendance.

The channel announcement carries RSVP buttons and a live count. Answers
beyond capacity join a waitlist that is promoted in order when someone drops
out. Posts go through the outbox like every scheduled message, so the
announcement's Slack timestamp is known for later updates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core.context import Context
from handlers.core.errors import Invalid, NotFound
from handlers.core.forms import SUMMARY, Submission, validate_partially
from handlers.core.model import (
    Actor,
    Button,
    ChannelPost,
    Delivery,
    Field,
    FieldKind,
    FieldValue,
    Form,
    Option,
    Reply,
    Section,
)
from handlers.core.outbox import OutboxKind
from handlers.core.payloads import CHANNEL, ID
from handlers.core.registry import Role, Subcommand, action, command
from handlers.core.roles import audit
from handlers.core.text import typed, whole_number
from handlers.lunch.payloads import (
    ATTENDANCE,
    REFLECT_ON,
    RSVP_PRESS,
    Answer,
    AttendancePress,
    Attended,
    ReflectOn,
    RsvpPress,
)
from handlers.lunch.posts import ANSWERS, ATTENDED, RSVP, VIEW, announcement, invite
from handlers.reflections.form import reflection_form
from handlers.reflections.templates import TEMPLATES
from handlers.scheduling.outbox import BOOK_JOURNAL_CLUB
from handlers.scheduling.payloads import OCCURRENCE, Occurrence
from storage import Scope
from storage.lunch import (
    GOING,
    MAYBE,
    WAITLIST,
    LunchSession,
    NewSession,
    Rsvp,
    book_occurrence,
    cancel_session,
    create_session,
    get_session,
    lock_session,
    promote_from_waitlist,
    record_attendance,
    record_rsvp,
    rsvps,
    upcoming_sessions,
)
from storage.outbox import enqueue, sent_ref
from storage.schedules import get_schedule

SAVE = "lunch.save"
REFLECT = "lunch.reflect"
OWN_TOPIC = "own"


WHEN_FORMAT = "Enter the date as YYYY-MM-DD and the time as HH:MM."
TOPIC_NEEDED = "Choose or write a topic."


def _form(*, ctx: Context, channel: str) -> Form:
    topics = tuple(Option(value=t.id, label=t.title) for t in ctx.pack.lunch_topics)
    return Form(
        form_id=SAVE,
        title="New lunch and learn",
        submit="Announce",
        state=CHANNEL.encode(channel),
        fields=(
            Field(
                id="title",
                label="Title",
                required=True,
                max_length=150,
                guarded=True,
                required_message="Please give the session a title.",
            ),
            Field(
                id="topic",
                label="Topic",
                kind=FieldKind.SELECT,
                required=True,
                options=(*topics, Option(value=OWN_TOPIC, label="Our own topic (below)")),
                required_message=TOPIC_NEEDED,
                invalid_message=TOPIC_NEEDED,
            ),
            Field(
                id="own_topic", label="Own topic (if chosen above)", max_length=150, guarded=True
            ),
            Field(
                id="date",
                label="Date",
                kind=FieldKind.DATE,
                required=True,
                required_message=WHEN_FORMAT,
                invalid_message=WHEN_FORMAT,
            ),
            Field(
                id="time",
                label="Start time",
                kind=FieldKind.TIME,
                required=True,
                initial="12:30",
                required_message=WHEN_FORMAT,
                invalid_message=WHEN_FORMAT,
            ),
            Field(
                id="duration",
                label="Length in minutes",
                kind=FieldKind.NUMBER,
                min_value=10,
                max_value=240,
                initial="45",
                invalid_message="Enter minutes from 10 to 240.",
            ),
            Field(id="location", label="Joining link or place", required=True, max_length=300),
            Field(id="host", label="Host", required=True, max_length=100),
            Field(
                id="capacity",
                label="Places (leave empty for no limit)",
                kind=FieldKind.NUMBER,
                min_value=1,
                max_value=1000,
                invalid_message="Enter a number of places, or leave it empty.",
            ),
        ),
    )


def _announce_key(session_id: int) -> str:
    """The announcement's outbox key, which also finds the post to update."""
    return f"lunch-announce:{session_id}"


def _refreshed_announcement(
    *, lunch: LunchSession, answers: Sequence[tuple[Rsvp, str]], ts: str | None
) -> tuple[ChannelPost, ...]:
    """The channel's announcement redrawn with today's answers, once it has been posted."""
    if not ts:
        return ()
    reply = announcement(lunch=lunch, answers=list(answers))
    return (ChannelPost(channel=lunch.channel, update=ts, reply=reply),)


@command(
    name="lunch",
    aliases=("lunch-and-learn",),
    usage="lunch add|list|cancel",
    summary="lunch-and-learn sessions with RSVP and reminders",
    subcommands=(
        Subcommand(words=("add", "new", "setup"), role=Role.FACILITATOR),
        Subcommand(words=("cancel",), role=Role.FACILITATOR),
    ),
    order=120,
)
async def lunch(*, ctx: Context, actor: Actor, args: tuple[str, ...]) -> Reply:
    """`lunch add|list|cancel n`."""
    verb = args[0].lower() if args else "list"
    if verb in ("add", "new", "setup"):
        if not actor.channel:
            raise NotFound("Run `/ccpl lunch add` in the channel to announce it in.")
        return Reply(text="Opening the session form", form=_form(ctx=ctx, channel=actor.channel))
    if verb == "list":
        return await _listing(ctx=ctx, actor=actor)
    if verb == "cancel":
        return await _cancel(ctx=ctx, actor=actor, which=args[1:])
    raise NotFound("Try `/ccpl lunch add`, `lunch list` or `lunch cancel 1`.")


def _read(*, ctx: Context, channel: str, values: Mapping[str, FieldValue]) -> NewSession:
    """The form checked from its definition, plus the rules that span its fields."""
    form = _form(ctx=ctx, channel=channel)
    answers, errors = validate_partially(form=form, values=values, today=ctx.clock().date())
    topic = _topic(ctx=ctx, answers=answers, errors=errors)
    starts_at = _starts_at(ctx=ctx, answers=answers, errors=errors)
    if errors or starts_at is None:
        raise Invalid(SUMMARY, errors=errors)
    return NewSession(
        title=answers.text("title"),
        topic=topic,
        starts_at=starts_at,
        timezone=ctx.timezone.key,
        duration_minutes=answers.number("duration") or 45,
        location=answers.text("location"),
        host=answers.text("host"),
        capacity=answers.number("capacity"),
        channel=channel,
    )


def _topic(*, ctx: Context, answers: Submission, errors: dict[str, str]) -> str:
    """One of the pack's topics, or the group's own when that is chosen."""
    chosen = answers.text("topic")
    if chosen != OWN_TOPIC:
        return next((t.title for t in ctx.pack.lunch_topics if t.id == chosen), "")
    own = answers.text("own_topic")
    if not own:
        errors.setdefault("own_topic", TOPIC_NEEDED)
    return own


def _starts_at(*, ctx: Context, answers: Submission, errors: dict[str, str]) -> datetime | None:
    """The start in the network's time zone; it must still be to come."""
    day, clock = answers.day("date"), answers.clock_time("time")
    if day is None or clock is None:
        return None
    starts_at = datetime.combine(day, clock, tzinfo=ctx.timezone)
    if starts_at <= ctx.clock():
        errors.setdefault("date", "That time has already passed.")
    return starts_at


async def _announce_later(session: AsyncSession, *, ctx: Context, lunch: LunchSession) -> None:
    await enqueue(
        session,
        workspace_id=lunch.workspace_id,
        key=_announce_key(lunch.id),
        kind=OutboxKind.LUNCH_ANNOUNCE,
        target=lunch.channel,
        payload={"session_id": lunch.id},
        due_at=ctx.clock(),
        now=ctx.clock(),
    )


@action(SAVE, codec=CHANNEL, role=Role.FACILITATOR, what="/ccpl lunch add")
async def save(
    *, ctx: Context, actor: Actor, payload: str, values: Mapping[str, FieldValue]
) -> Reply:
    """Store the session and announce it in the channel the form was opened in."""
    new = _read(ctx=ctx, channel=payload, values=values)
    async with ctx.acting(actor) as (session, scope):
        lunch = await create_session(session, scope=scope, new=new, now=ctx.clock())
        await _announce_later(session, ctx=ctx, lunch=lunch)
        audit(
            session,
            ctx=ctx,
            actor=actor,
            scope=scope,
            action="lunch.add",
            detail=f"session {lunch.id} in {lunch.channel}",
        )
    await ctx.schedules_changed()
    return Reply(text=f"Announcing {typed(lunch.title)} in the channel now.")


@action(RSVP, codec=RSVP_PRESS)
async def rsvp(
    *, ctx: Context, actor: Actor, payload: RsvpPress, values: Mapping[str, FieldValue]
) -> Reply:
    """An RSVP button on the announcement (or on someone's home tab)."""
    return await answer(ctx=ctx, actor=actor, session_id=payload.session_id, status=payload.answer)


@action(VIEW, codec=ID)
async def view(
    *, ctx: Context, actor: Actor, payload: int, values: Mapping[str, FieldValue]
) -> Reply:
    """One reader's own view of the announcement: the counts, and their own answer."""
    async with ctx.acting(actor) as (session, scope):
        lunch = await _lunch(session, scope=scope, session_id=payload)
        answers = await rsvps(session, lunch=lunch)
    return announcement(lunch=lunch, answers=list(answers), reader=actor.user)


async def answer(*, ctx: Context, actor: Actor, session_id: int, status: Answer) -> Reply:
    """Record an answer, promote the waitlist if a place opened, refresh the count."""
    now = ctx.clock()
    async with ctx.acting(actor) as (session, scope):
        # Counting places and taking one happen under the session's row lock, so a
        # hundred presses at once fill exactly its capacity and queue the rest in order.
        lunch = await _lunch(session, scope=scope, session_id=session_id, lock=True)
        if lunch.cancelled:
            raise NotFound(f"{typed(lunch.title)} has been cancelled.")
        answers = await rsvps(session, lunch=lunch)
        was = next((r.status for r, _ in answers if r.member_id == scope.member_id), None)
        wanted = _placed(lunch=lunch, answers=answers, scope=scope, was=was, status=status)
        await record_rsvp(session, scope=scope, session_id=lunch.id, status=wanted, now=now)
        promoted = (
            was == GOING
            and wanted != GOING
            and await _promote(session, scope=scope, lunch=lunch, now=now)
        )
        answers = await rsvps(session, lunch=lunch)
        ts = await sent_ref(session, key=_announce_key(lunch.id))
    if promoted:
        await ctx.schedules_changed()
    posts = _refreshed_announcement(lunch=lunch, answers=answers, ts=ts)
    return _answered(lunch=lunch, answers=answers, wanted=wanted, now=now, posts=posts)


def _placed(
    *,
    lunch: LunchSession,
    answers: Sequence[tuple[Rsvp, str]],
    scope: Scope,
    was: str | None,
    status: Answer,
) -> str:
    """The answer as recorded: going while places last, else the waitlist."""
    if was == WAITLIST and status == GOING:
        return WAITLIST  # keep their place in the queue
    going = sum(1 for r, _ in answers if r.status == GOING and r.member_id != scope.member_id)
    if status == GOING and was != GOING and lunch.capacity and going >= lunch.capacity:
        return WAITLIST
    return str(status)


async def _promote(
    session: AsyncSession, *, scope: Scope, lunch: LunchSession, now: datetime
) -> bool:
    """Give the freed place to the first in line and tell them through the outbox.

    The key names this promotion (the person and when they joined the queue), so a
    retried send or a replayed request tells them once; if they leave and queue
    again, a later promotion has a new key and is told again.
    """
    promoted = await promote_from_waitlist(session, scope=scope, session_id=lunch.id)
    if promoted is None:
        return False
    since = int(promoted.waiting_since.timestamp() * 1_000_000)
    await enqueue(
        session,
        workspace_id=lunch.workspace_id,
        key=f"lunch-promoted:{lunch.id}:{promoted.member_id}:{since}",
        kind=OutboxKind.LUNCH_PROMOTED,
        target=promoted.user,
        member_id=promoted.member_id,
        payload={"session_id": lunch.id},
        due_at=now,
        now=now,
    )
    return True


def _answered(
    *,
    lunch: LunchSession,
    answers: Sequence[tuple[Rsvp, str]],
    wanted: str,
    now: datetime,
    posts: tuple[ChannelPost, ...],
) -> Reply:
    if wanted == GOING:
        return Reply(
            text=f"You're going to {typed(lunch.title)}. Your calendar invite is attached.",
            attachments=(invite(lunch, now=now),),
            delivery=Delivery.DM,
            also_post=posts,
        )
    if wanted == WAITLIST:
        place = sum(1 for r, _ in answers if r.status == WAITLIST)
        text = (
            f"{typed(lunch.title)} is full, so you're on the waitlist (number {place}). "
            "I'll tell you if a place opens up."
        )
        return Reply(text=text, also_post=posts)
    return Reply(
        text=f"Thanks: you've answered “{ANSWERS[wanted]}” for {typed(lunch.title)}.",
        also_post=posts,
    )


async def _lunch(
    session: AsyncSession, *, scope: Scope, session_id: int, lock: bool = False
) -> LunchSession:
    found = (
        await lock_session(session, scope=scope, session_id=session_id)
        if lock
        else await get_session(session, workspace_id=scope.workspace_id, session_id=session_id)
    )
    if found is None:
        raise NotFound("I can't find that session.")
    return found


async def _listing(*, ctx: Context, actor: Actor) -> Reply:
    async with ctx.acting(actor) as (session, scope):
        sessions = await upcoming_sessions(
            session, workspace_id=scope.workspace_id, after=ctx.clock()
        )
        shown = [
            announcement(lunch=lunch, answers=list(await rsvps(session, lunch=lunch)))
            for lunch in sessions
        ]
    if not shown:
        return Reply(text="No lunch-and-learn sessions are coming up.")
    sections = [Section(heading="Coming up", text=f"{len(shown)} session(s).")]
    for number, reply in enumerate(shown, start=1):
        first = reply.sections[0]
        sections.append(
            Section(
                text=f"**{number}. {first.heading}**\n{first.text}",
                note=first.note,
                buttons=first.buttons,
            )
        )
    return Reply(text="Lunch-and-learn sessions coming up", sections=tuple(sections))


async def _cancel(*, ctx: Context, actor: Actor, which: tuple[str, ...]) -> Reply:
    number = whole_number(which[0]) if which else None
    if number is None:
        raise Invalid("Say which session, by its number in `/ccpl lunch list`: e.g. `cancel 1`.")
    now = ctx.clock()
    async with ctx.acting(actor) as (session, scope):
        sessions = await upcoming_sessions(session, workspace_id=scope.workspace_id, after=now)
        index = number - 1
        if not 0 <= index < len(sessions):
            raise NotFound(f"There is no session number {which[0]}; see `/ccpl lunch list`.")
        lunch = sessions[index]
        await cancel_session(session, scope=scope, session_id=lunch.id)
        answers = await rsvps(session, lunch=lunch)
        for row, user in answers:
            if row.status in (GOING, WAITLIST, MAYBE):
                await enqueue(
                    session,
                    workspace_id=lunch.workspace_id,
                    key=f"lunch-cancelled:{lunch.id}:{row.member_id}",
                    kind=OutboxKind.LUNCH_CANCELLED,
                    target=user,
                    member_id=row.member_id,
                    payload={"session_id": lunch.id},
                    due_at=now,
                    now=now,
                )
        ts = await sent_ref(session, key=_announce_key(lunch.id))
        audit(
            session,
            ctx=ctx,
            actor=actor,
            scope=scope,
            action="lunch.cancel",
            detail=f"session {lunch.id}",
        )
    await ctx.schedules_changed()
    posts = _refreshed_announcement(lunch=lunch, answers=answers, ts=ts)
    told = sum(1 for r, _ in answers if r.status in (GOING, WAITLIST, MAYBE))
    return Reply(
        text=f"Cancelled {typed(lunch.title)}; telling the {told} people who answered.",
        also_post=posts,
    )


@action(ATTENDED, codec=ATTENDANCE)
async def attended(
    *, ctx: Context, actor: Actor, payload: AttendancePress, values: Mapping[str, FieldValue]
) -> Reply:
    """The question after a session: a yes is offered a reflection with its CPD minutes."""
    yes = payload.answer is Attended.YES
    async with ctx.acting(actor) as (session, scope):
        lunch = await _lunch(session, scope=scope, session_id=payload.session_id, lock=True)
        await record_attendance(
            session, scope=scope, session_id=lunch.id, attended=yes, now=ctx.clock()
        )
    if not yes:
        return Reply(text="Thanks for letting me know.")
    buttons = tuple(
        Button(
            action_id=f"{REFLECT}.{t.id}",
            label=t.name,
            value=REFLECT_ON.encode(ReflectOn(session_id=lunch.id, template=t.id)),
        )
        for t in TEMPLATES.values()
    )
    return Reply(
        text="Thanks: your attendance is recorded.",
        sections=(
            Section(
                text=f"Thanks: your attendance at **{typed(lunch.title)}** is recorded. Log a "
                f"reflection while it's fresh? Its {lunch.duration_minutes} minutes of "
                "CPD are filled in for you.",
                buttons=buttons,
            ),
        ),
    )


async def reflect_on(
    *, ctx: Context, actor: Actor, payload: ReflectOn, values: Mapping[str, FieldValue]
) -> Reply:
    """A template button after attending: the reflection form, the session filled in."""
    async with ctx.acting(actor) as (session, scope):
        lunch = await _lunch(session, scope=scope, session_id=payload.session_id)
    return Reply(
        text="Opening the reflection form",
        form=reflection_form(
            pack=ctx.pack,
            template=TEMPLATES[payload.template],
            session=f"Lunch and learn: {lunch.title}",
            minutes=lunch.duration_minutes,
        ),
    )


# One id per reflection template, so each button is its own action.
for _template in TEMPLATES:
    action(f"{REFLECT}.{_template}", codec=REFLECT_ON)(reflect_on)


@action(BOOK_JOURNAL_CLUB, codec=OCCURRENCE)
async def book_journal_club(
    *, ctx: Context, actor: Actor, payload: Occurrence, values: Mapping[str, FieldValue]
) -> Reply:
    """The journal club prompt's button: a place at that month's session."""
    when = payload.at
    async with ctx.acting(actor) as (session, scope):
        schedule = await get_schedule(
            session,
            workspace_id=scope.workspace_id,
            schedule_id=payload.schedule_id,
        )
        if schedule is None:
            raise NotFound("That journal club no longer runs.")
        lunch = await book_occurrence(
            session,
            scope=scope,
            schedule_id=schedule.id,
            new=NewSession(
                title=schedule.name,
                topic="Journal club",
                starts_at=when,
                timezone=schedule.timezone,
                duration_minutes=schedule.duration_minutes,
                location=f"<#{schedule.channel}>",
                host="Facilitator",
                channel=schedule.channel,
            ),
            now=ctx.clock(),
        )
        lunch_id = lunch.id
    return await answer(ctx=ctx, actor=actor, session_id=lunch_id, status=Answer.GOING)

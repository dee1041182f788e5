"""Forums, journal clubs and meetings: recurring posts in a channel.

Setting one up is two steps: the form, then a preview of the next three
dates in local time that the facilitator confirms. Only confirmed schedules
are planned.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core.context import Context
from handlers.core.errors import Invalid, NotAllowed, NotFound
from handlers.core.forms import SUMMARY, validate_partially
from handlers.core.model import (
    Actor,
    Button,
    Field,
    FieldKind,
    FieldValue,
    Form,
    Option,
    Reply,
    Section,
)
from handlers.core.payloads import ID
from handlers.core.registry import Role, Subcommand, action, command
from handlers.core.roles import audit, is_facilitator, require_facilitator
from handlers.core.text import local, typed, whole_number
from handlers.scheduling.holidays import (
    POLICY_LABELS,
    REGIONS,
    HolidayPolicy,
    Policy,
    Preview,
    preview,
)
from handlers.scheduling.payloads import SETUP, SetupKind, SetupState
from handlers.scheduling.recurrence import EXAMPLES as RECURRENCE_EXAMPLES
from handlers.scheduling.recurrence import Recurrence, RecurrenceError, parse_recurrence
from handlers.scheduling.replan import follow_policy
from storage import Scope
from storage.schedules import (
    NewSchedule,
    Schedule,
    confirm_schedule,
    create_schedule,
    draft_schedule,
    list_schedules,
    pause_schedule,
    remove_schedule,
    set_holiday_policy,
    set_up_by,
)

SAVE = "forum.save"
CONFIRM = "forum.confirm"
DISCARD = "forum.discard"
FORUM_KINDS = {
    "forum": "Monthly forum",
    "journal_club": "Journal club",
    "wicked_issues": "Wicked issues forum",
    "community_of_practice": "Community of practice",
}
MEETING = "meeting"
EXAMPLES = "e.g. “first Tuesday of the month at 12:30” or “every other Wednesday 13:00”"
# What `forum holidays 1 <word>` understands; "keep" is how people say the default.
POLICY_WORDS = {
    "keep": HolidayPolicy.NONE,
    "none": HolidayPolicy.NONE,
    "skip": HolidayPolicy.SKIP,
    "move": HolidayPolicy.MOVE,
}
POLICY_DONE = {
    HolidayPolicy.NONE: "posts on a bank holiday as on any other day",
    HolidayPolicy.SKIP: "skips a post that falls on a bank holiday",
    HolidayPolicy.MOVE: "moves a post off a bank holiday to the next working day",
}


class Timetable(Protocol):
    """What dating a schedule needs; a stored schedule has it."""

    @property
    def rrule(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def starts_on(self) -> date: ...
    @property
    def timezone(self) -> str: ...
    @property
    def holiday_policy(self) -> str: ...
    @property
    def holiday_region(self) -> str: ...


def recurrence_of(schedule: Timetable) -> Recurrence:
    return Recurrence(rrule=schedule.rrule, description=schedule.description)


def policy_of(schedule: Timetable) -> Policy:
    return Policy.read(policy=schedule.holiday_policy, region=schedule.holiday_region)


def upcoming(*, schedule: Timetable, after: datetime, count: int) -> Preview:
    """The next dates with bank holidays applied, and what was skipped or moved."""
    return preview(
        recurrence=recurrence_of(schedule),
        start=schedule.starts_on,
        zone=ZoneInfo(schedule.timezone),
        after=after,
        count=count,
        policy=policy_of(schedule),
    )


def next_dates(*, schedule: Timetable, after: datetime, count: int) -> list[datetime]:
    return upcoming(schedule=schedule, after=after, count=count).dates


def setup_form(*, ctx: Context, channel: str, kind: str | None, meeting: bool) -> Form:
    what = SetupKind.MEETING if meeting else SetupKind.FORUM
    fields = [
        Field(
            id="name",
            label="Name",
            required=True,
            max_length=100,
            hint="e.g. 'Place leads forum' or 'Team huddle'",
            guarded=True,
            required_message="Please give it a name.",
        ),
    ]
    if not meeting:
        fields.append(
            Field(
                id="kind",
                label="Kind",
                kind=FieldKind.SELECT,
                required=True,
                options=tuple(Option(value=k, label=v) for k, v in FORUM_KINDS.items()),
                initial=kind or "forum",
                required_message="Choose a kind.",
                invalid_message="Choose a kind.",
            )
        )
    fields += [
        Field(
            id="recurrence",
            label="When",
            required=True,
            max_length=200,
            hint=EXAMPLES,
            required_message=f"Please give a schedule. {RECURRENCE_EXAMPLES}",
        ),
        Field(id="timezone", label="Time zone", max_length=64, initial=ctx.timezone.key),
        Field(
            id="duration",
            label="Length in minutes",
            kind=FieldKind.NUMBER,
            min_value=10,
            max_value=480,
            initial="60",
            invalid_message="Enter minutes from 10 to 480.",
        ),
        Field(
            id="holidays",
            label="On a bank holiday",
            kind=FieldKind.SELECT,
            options=tuple(Option(value=k.value, label=v) for k, v in POLICY_LABELS.items()),
            initial=HolidayPolicy.NONE.value,
            invalid_message="Choose what happens on a bank holiday.",
        ),
        Field(
            id="region",
            label="Bank holidays of",
            kind=FieldKind.SELECT,
            options=tuple(Option(value=k, label=v) for k, v in REGIONS.items()),
            initial="ENG",
            invalid_message="Choose England and Wales, Scotland or Northern Ireland.",
        ),
    ]
    if not meeting:
        fields.append(
            Field(
                id="ground_rules",
                label="Ground rules (optional; pinned with the first post)",
                kind=FieldKind.MULTILINE,
                max_length=2000,
                guarded=True,
            )
        )
    return Form(
        form_id=SAVE,
        title="New meeting" if meeting else "New forum",
        fields=tuple(fields),
        submit="Preview dates",
        state=SETUP.encode(SetupState(what=what, channel=channel)),
    )


@command(
    name="forum",
    aliases=("forums", "journal"),
    usage="forum setup|list|next|pause|resume|remove|holidays",
    summary="monthly forums and journal clubs (facilitators)",
    subcommands=(
        Subcommand(words=("setup", "add", "new", "create"), role=Role.FACILITATOR),
        Subcommand(words=("pause",), role=Role.FACILITATOR),
        Subcommand(words=("resume",), role=Role.FACILITATOR),
        Subcommand(words=("remove",), role=Role.FACILITATOR),
        Subcommand(words=("holidays",), role=Role.FACILITATOR),
    ),
    order=110,
)
async def forum(*, ctx: Context, actor: Actor, args: tuple[str, ...]) -> Reply:
    """`forum setup|list|next|pause|resume|remove [n]`, `forum holidays n keep|skip|move`."""
    verb = args[0].lower() if args else "list"
    rest = args[1:]
    if verb in ("setup", "add", "new", "create"):
        channel = _channel(actor)
        kind = "journal_club" if rest and rest[0].lower() in ("journal", "journal-club") else None
        return Reply(
            text="Opening the forum form",
            form=setup_form(ctx=ctx, channel=channel, kind=kind, meeting=False),
        )
    if verb in ("list", "next"):
        return await _listing(ctx=ctx, actor=actor, kinds=tuple(FORUM_KINDS), heading="Forums")
    if verb in ("pause", "resume", "remove"):
        return await _change(ctx=ctx, actor=actor, verb=verb, which=rest, kinds=tuple(FORUM_KINDS))
    if verb == "holidays":
        return await _holidays(ctx=ctx, actor=actor, which=rest, kinds=tuple(FORUM_KINDS))
    raise NotFound(
        "Try `/ccpl forum setup`, `list`, `next`, `pause 1`, `resume 1`, `remove 1` "
        "or `holidays 1 skip`."
    )


@command(
    name="meeting",
    aliases=("meetings",),
    usage="meeting [list]",
    summary="a recurring meeting with purpose and agreement nudges",
    order=130,
)
async def meeting(*, ctx: Context, actor: Actor, args: tuple[str, ...]) -> Reply:
    """`meeting` sets a recurring meeting with purpose and agreement nudges; `meeting list`."""
    verb = args[0].lower() if args else "setup"
    if verb in ("setup", "add", "new"):
        channel = _channel(actor)
        return Reply(
            text="Opening the meeting form",
            form=setup_form(ctx=ctx, channel=channel, kind=None, meeting=True),
        )
    if verb in ("list", "next"):
        return await _listing(ctx=ctx, actor=actor, kinds=(MEETING,), heading="Meetings")
    if verb in ("pause", "resume", "remove"):
        return await _change(ctx=ctx, actor=actor, verb=verb, which=args[1:], kinds=(MEETING,))
    if verb == "holidays":
        return await _holidays(ctx=ctx, actor=actor, which=args[1:], kinds=(MEETING,))
    raise NotFound(
        "Try `/ccpl meeting`, `meeting list`, `meeting pause 1`, `meeting remove 1` "
        "or `meeting holidays 1 skip`."
    )


def _channel(actor: Actor) -> str:
    if not actor.channel:
        raise NotFound("Run this in the channel the posts should go to.")
    return actor.channel


def _read_form(
    *, ctx: Context, payload: SetupState, values: Mapping[str, FieldValue]
) -> tuple[NewSchedule, Recurrence]:
    """The form checked from its definition, then the schedule and time zone read."""
    meeting = payload.what is SetupKind.MEETING
    form = setup_form(ctx=ctx, channel=payload.channel, kind=None, meeting=meeting)
    answers, errors = validate_partially(form=form, values=values, today=ctx.clock().date())
    zone = _zone(answers.text("timezone") or "Europe/London", errors=errors)
    recurrence = _recurrence(answers.text("recurrence"), errors=errors)
    if errors or recurrence is None:
        raise Invalid(SUMMARY, errors=errors)
    # What the schedule itself says wins: "1-2pm" is an hour, "UK time" is London's.
    zone = ZoneInfo(recurrence.zone) if recurrence.zone else zone
    minutes = (
        int(recurrence.duration.total_seconds() // 60)
        if recurrence.duration
        else answers.number("duration") or 60
    )
    new = NewSchedule(
        kind=MEETING if meeting else answers.text("kind"),
        name=answers.text("name"),
        channel=payload.channel,
        rrule=recurrence.rrule,
        description=recurrence.description[:200],
        timezone=zone.key,
        duration_minutes=minutes,
        starts_on=ctx.clock().astimezone(zone).date(),
        ground_rules=answers.text("ground_rules") or None,
        holiday_policy=answers.text("holidays") or HolidayPolicy.NONE.value,
        holiday_region=answers.text("region") or "ENG",
    )
    return new, recurrence


def _zone(name: str, *, errors: dict[str, str]) -> ZoneInfo:
    try:
        # The longest IANA name is about 30 characters; a longer one would reach the
        # file system as a path, which refuses it with OSError (name too long).
        if len(name) > 64 or "\x00" in name:
            raise ValueError(name[:40])
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        errors.setdefault("timezone", f"“{name[:40]}” is not a time zone; try Europe/London.")
        return ZoneInfo("Europe/London")


def _recurrence(text: str, *, errors: dict[str, str]) -> Recurrence | None:
    if "recurrence" in errors:
        return None
    try:
        return parse_recurrence(text=text)
    except RecurrenceError as exc:
        errors["recurrence"] = str(exc)
        return None


@action(SAVE, codec=SETUP)
async def save(
    *, ctx: Context, actor: Actor, payload: SetupState, values: Mapping[str, FieldValue]
) -> Reply:
    """Store a draft from the form and show the next three dates to confirm."""
    if payload.what is SetupKind.FORUM:
        # Meetings share this form and anyone may set one up, so the role is per payload.
        await require_facilitator(ctx=ctx, actor=actor, what="/ccpl forum setup")
    new, recurrence = _read_form(ctx=ctx, payload=payload, values=values)
    now = ctx.clock()
    ahead = upcoming(schedule=new, after=now, count=3)
    if not ahead.dates:
        raise Invalid("That schedule has no dates after today.", field="recurrence")
    async with ctx.acting(actor) as (session, scope):
        row = await create_schedule(session, scope=scope, new=new, now=now)
    return Reply(
        text=f"Check the dates for {typed(row.name)}",
        sections=(
            Section(
                heading=f"{row.name}: {recurrence.description}",
                text=_dates(ahead=ahead, timezone=new.timezone),
                note="Nothing is scheduled until you confirm.",
                buttons=(
                    Button(action_id=CONFIRM, label="Confirm", value=str(row.id), style="primary"),
                    Button(action_id=DISCARD, label="Discard", value=str(row.id)),
                ),
            ),
        ),
    )


@action(CONFIRM, codec=ID)
async def confirm(
    *, ctx: Context, actor: Actor, payload: int, values: Mapping[str, FieldValue]
) -> Reply:
    """Schedule a previewed draft."""
    return await _decide(ctx=ctx, actor=actor, schedule_id=payload, keep=True)


@action(DISCARD, codec=ID)
async def discard(
    *, ctx: Context, actor: Actor, payload: int, values: Mapping[str, FieldValue]
) -> Reply:
    """Drop a previewed draft; nothing was ever scheduled."""
    return await _decide(ctx=ctx, actor=actor, schedule_id=payload, keep=False)


async def _decide(*, ctx: Context, actor: Actor, schedule_id: int, keep: bool) -> Reply:
    async with ctx.acting(actor) as (session, scope):
        row = await draft_schedule(session, scope=scope, schedule_id=schedule_id)
        if row is None:
            raise NotFound("That draft has already been confirmed or discarded.")
        if row.kind != MEETING:
            await require_facilitator(ctx=ctx, actor=actor, what="/ccpl forum setup")
        if not keep:
            await remove_schedule(session, scope=scope, schedule_id=row.id)
            return Reply(text=f"Discarded {typed(row.name)}; nothing was scheduled.")
        await confirm_schedule(session, scope=scope, schedule_id=row.id)
        if row.kind != MEETING:
            audit(
                session,
                ctx=ctx,
                actor=actor,
                scope=scope,
                action="forum.setup",
                detail=f"schedule {row.id} in {row.channel}: {row.rrule}",
            )
        first = next_dates(schedule=row, after=ctx.clock(), count=1)
    await ctx.schedules_changed()
    when = local(first[0]) if first else "no future date"
    return Reply(text=f"{typed(row.name)} is scheduled: {row.description}. First post {when}.")


async def _listing(*, ctx: Context, actor: Actor, kinds: tuple[str, ...], heading: str) -> Reply:
    async with ctx.acting(actor) as (session, scope):
        rows = await list_schedules(session, workspace_id=scope.workspace_id, kinds=kinds)
    if not rows:
        hint = "`/ccpl meeting`" if kinds == (MEETING,) else "`/ccpl forum setup`"
        return Reply(text=f"Nothing is scheduled yet. A facilitator can start with {hint}.")
    now = ctx.clock()
    sections = []
    for number, row in enumerate(rows, start=1):
        upcoming = [] if row.paused else next_dates(schedule=row, after=now, count=1)
        state = "paused" if row.paused else f"next {local(upcoming[0])}" if upcoming else "ended"
        kind = FORUM_KINDS.get(row.kind, "Meeting")
        sections.append(
            Section(
                text=f"**{number}. {typed(row.name)}** ({kind}) in <#{row.channel}>\n"
                f"{row.description}; {state}{_holiday_state(row)}"
            )
        )
    return Reply(
        text=heading, sections=(Section(heading=heading, text=f"{len(rows)} scheduled."), *sections)
    )


def _holiday_state(schedule: Timetable) -> str:
    """Said in a list only when it differs from the default, which posts as on any day."""
    policy = policy_of(schedule).policy
    return {
        HolidayPolicy.SKIP: "; skips bank holidays",
        HolidayPolicy.MOVE: "; moves off bank holidays",
    }.get(policy, "")


async def _change(
    *, ctx: Context, actor: Actor, verb: str, which: tuple[str, ...], kinds: tuple[str, ...]
) -> Reply:
    """Pause, resume or remove by list number: for whoever set it up, or a facilitator."""
    number = whole_number(which[0]) if which else None
    if number is None:
        raise Invalid(f"Say which one, by its number in the list: e.g. `{verb} 1`.")
    # Asked first: it takes its own transaction, which must not nest inside ours.
    facilitator = await is_facilitator(ctx=ctx, actor=actor)
    async with ctx.acting(actor) as (session, scope):
        row, owner = await _owned(
            session, scope=scope, number=number, kinds=kinds, facilitator=facilitator, verb=verb
        )
        if verb == "remove":
            await remove_schedule(session, scope=scope, schedule_id=row.id)
        else:
            await pause_schedule(session, scope=scope, schedule_id=row.id, paused=verb == "pause")
        _audit_change(
            session,
            ctx=ctx,
            actor=actor,
            scope=scope,
            row=row,
            owner=owner,
            action=f"schedule.{verb}",
            detail=f"schedule {row.id}",
        )
    await ctx.schedules_changed()
    done = {"pause": "paused", "resume": "resumed", "remove": "removed"}[verb]
    return Reply(text=f"{typed(row.name)} is {done}.")


async def _owned(
    session: AsyncSession,
    *,
    scope: Scope,
    number: int,
    kinds: tuple[str, ...],
    facilitator: bool,
    verb: str,
) -> tuple[Schedule, bool]:
    """The schedule at this list number and whether the actor set it up; refused
    unless they did or are a facilitator."""
    rows = await list_schedules(session, workspace_id=scope.workspace_id, kinds=kinds)
    if not 0 < number <= len(rows):
        raise NotFound(f"There is no number {number} in the list; see `list`.")
    row = rows[number - 1]
    owner = set_up_by(schedule=row, scope=scope)
    if not owner and not facilitator:
        raise NotAllowed(
            f"Only the person who set it up, or a facilitator, can {verb} {typed(row.name)}. "
            "If it needs changing, ask them."
        )
    return row, owner


def _audit_change(
    session: AsyncSession,
    *,
    ctx: Context,
    actor: Actor,
    scope: Scope,
    row: Schedule,
    owner: bool,
    action: str,
    detail: str,
) -> None:
    """Forums are facilitators' business, so always on the record; a meeting only when
    a facilitator changes someone else's."""
    if not owner or row.kind != MEETING:
        audit(session, ctx=ctx, actor=actor, scope=scope, action=action, detail=detail)


async def _holidays(
    *, ctx: Context, actor: Actor, which: tuple[str, ...], kinds: tuple[str, ...]
) -> Reply:
    """Change what a confirmed schedule does on a bank holiday, and show the dates it
    now posts on; posts already planned but not yet sent follow at once."""
    number = whole_number(which[0]) if which else None
    chosen = POLICY_WORDS.get(which[1].lower()) if len(which) > 1 else None
    if number is None or chosen is None:
        raise Invalid(
            "Say which one, by its number in the list, and what to do on a bank holiday: "
            "keep, skip or move. For example `holidays 1 move`."
        )
    facilitator = await is_facilitator(ctx=ctx, actor=actor)
    now = ctx.clock()
    async with ctx.acting(actor) as (session, scope):
        row, owner = await _owned(
            session,
            scope=scope,
            number=number,
            kinds=kinds,
            facilitator=facilitator,
            verb="change the bank holidays of",
        )
        before = row.holiday_policy
        await set_holiday_policy(session, scope=scope, schedule_id=row.id, policy=chosen.value)
        policy = Policy(policy=chosen, region=row.holiday_region)
        await follow_policy(session, schedule=row, policy=policy, now=now)
        _audit_change(
            session,
            ctx=ctx,
            actor=actor,
            scope=scope,
            row=row,
            owner=owner,
            action="schedule.holidays",
            detail=f"schedule {row.id}: {before} to {chosen.value}",
        )
        ahead = preview(
            recurrence=recurrence_of(row),
            start=row.starts_on,
            zone=ZoneInfo(row.timezone),
            after=now,
            count=3,
            policy=policy,
        )
    await ctx.schedules_changed()
    return Reply(
        text=f"{typed(row.name)} now {POLICY_DONE[chosen]}.",
        sections=(
            Section(
                heading=f"{row.name}: {row.description}",
                text=f"From now on it {POLICY_DONE[chosen]}.\n\n"
                + _dates(ahead=ahead, timezone=row.timezone),
                note=f"Bank holidays of {REGIONS.get(row.holiday_region, 'England and Wales')}.",
            ),
        ),
    )


def _dates(*, ahead: Preview, timezone: str) -> str:
    """The next dates in local time, then each bank holiday or short month on the way."""
    listing = "\n".join(f"• {local(d)}" for d in ahead.dates)
    changes = "".join(f"\n{note}" for note in ahead.notes)
    how_many = {1: "date", 2: "two dates"}.get(len(ahead.dates), "three dates")
    return f"The next {how_many} ({timezone}):\n{listing}{changes}"

"""A person's control over scheduled direct messages: pause, resume, quiet hours."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from handlers.core.context import Context
from handlers.core.errors import Invalid
from handlers.core.model import Actor, Reply
from handlers.core.registry import command
from storage.people import QuietHours, pause_member, resume_member
from storage.people import set_quiet_hours as store_quiet_hours

UNITS = {"day": 1, "days": 1, "week": 7, "weeks": 7, "month": 30, "months": 30}
_DURATION = re.compile(r"^(\d{1,3})\s*(day|days|week|weeks|month|months)$")
_QUIET = re.compile(r"^(\d{1,2})(?::(\d{2}))?\s*-\s*(\d{1,2})(?::(\d{2}))?$")
QUIET_USAGE = "Give quiet hours as a range, e.g. `/ccpl quiet 19:00-08:00`, or `/ccpl quiet off`."


class DirectMessageSettings(Protocol):
    """A person's settings for scheduled direct messages, as the sender reads them."""

    @property
    def paused_until(self) -> datetime | None: ...
    @property
    def quiet_from(self) -> time | None: ...
    @property
    def quiet_until(self) -> time | None: ...
    @property
    def timezone(self) -> str | None: ...


@command(
    name="pause",
    usage="pause 2 weeks / resume",
    summary="pause or restart reminders and nudges by direct message",
    order=140,
)
async def pause(*, ctx: Context, actor: Actor, args: tuple[str, ...]) -> Reply:
    """`pause 2 weeks`: no scheduled direct messages until then."""
    found = _DURATION.match(" ".join(args).lower().strip())
    if not found or int(found.group(1)) == 0:
        raise Invalid("Say how long, e.g. `/ccpl pause 2 weeks` or `/ccpl pause 3 days`.")
    days = int(found.group(1)) * UNITS[found.group(2)]
    if days > 365:
        raise Invalid("You can pause for up to a year at a time.")
    until = ctx.clock() + timedelta(days=days)
    async with ctx.acting(actor) as (session, scope):
        await pause_member(session, scope=scope, until=until)
    shown = until.astimezone(ctx.timezone).strftime("%-d %B %Y")
    return Reply(
        text=f"Paused: no reminders or nudges by direct message until {shown}. "
        "`/ccpl resume` turns them back on."
    )


@command(
    name="resume",
    usage="resume",
    summary="restart reminders and nudges by direct message",
    listed=False,
    order=141,
)
async def resume(*, ctx: Context, actor: Actor, args: tuple[str, ...]) -> Reply:
    async with ctx.acting(actor) as (session, scope):
        await resume_member(session, scope=scope)
    return Reply(text="Welcome back: reminders and nudges are on again.")


def is_quiet_hours(args: tuple[str, ...]) -> bool:
    """`quiet 19:00-08:00` and `quiet off` set hours; anything else asks for the report."""
    text = " ".join(args).strip().lower()
    return text in ("off", "none") or _QUIET.match(text) is not None


@command(
    name="quiet-hours",
    aliases=("quiethours",),
    usage="quiet 19:00-08:00 / quiet off",
    summary="hours when no direct message reaches you",
    order=150,
)
async def set_quiet_hours(*, ctx: Context, actor: Actor, args: tuple[str, ...]) -> Reply:
    """`quiet 19:00-08:00` holds direct messages until the quiet hours end; `quiet off`."""
    text = " ".join(args).strip().lower()
    hours = None if text in ("off", "none") else _quiet_hours(text)
    async with ctx.acting(actor) as (session, scope):
        await store_quiet_hours(session, scope=scope, hours=hours, default_zone=ctx.timezone.key)
    if hours is None:
        return Reply(text="Quiet hours are off.")
    return Reply(
        text=f"Quiet hours set: nothing by direct message from {hours.start:%H:%M} to "
        f"{hours.end:%H:%M} ({ctx.timezone.key})."
    )


def _quiet_hours(text: str) -> QuietHours:
    """`19:00-08:00` (or `19-8`) as quiet hours, or `Invalid` saying how to write them."""
    found = _QUIET.match(text)
    try:
        if not found:
            raise ValueError
        start = time(int(found.group(1)), int(found.group(2) or 0))
        end = time(int(found.group(3)), int(found.group(4) or 0))
    except ValueError:
        raise Invalid(QUIET_USAGE) from None
    if start == end:
        raise Invalid("The start and end of quiet hours must differ.")
    return QuietHours(start=start, end=end)


def hold_until(
    *, member: DirectMessageSettings, now: datetime, default_zone: ZoneInfo
) -> datetime | None:
    """When a scheduled DM to this member may go: None now, or the end of quiet hours."""
    if member.quiet_from is None or member.quiet_until is None:
        return None
    zone = ZoneInfo(member.timezone) if member.timezone else default_zone
    local = now.astimezone(zone)
    start, end = member.quiet_from, member.quiet_until
    clock = local.time()
    inside = start <= clock < end if start < end else clock >= start or clock < end
    if not inside:
        return None
    ends = datetime.combine(local.date(), end, tzinfo=zone)
    if ends <= local:
        ends += timedelta(days=1)
    return ends


def is_paused(*, member: DirectMessageSettings, now: datetime) -> bool:
    return member.paused_until is not None and member.paused_until > now

"""Counting who takes part, and knowing who is in a channel, for the facilitation reports.

Platform adapters call `record_contribution`, `joined` and `left` from
their events; reports start with `open_report`.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core.context import Context
from handlers.core.errors import Invalid
from handlers.core.model import Actor
from handlers.core.text import whole_number
from storage import Scope
from storage.forgotten import passive_scope
from storage.participation import (
    KINDS,
    QuietMember,
    member_joined,
    member_left,
    quiet_members,
    record_activity,
    sync_channel,
    synced_at,
)

# Events keep membership current; a daily re-read catches any we missed while down.
RESYNC_AFTER = timedelta(hours=24)
DEFAULT_DAYS = 30
MAX_DAYS = 365

# `<#id>` is how a platform names a channel (Slack's C123, a Teams channel @mentioned).
_CHANNEL = re.compile(r"^<#([\w:@.;-]+)(?:\|[^>]*)?>$|^#?([A-Z][A-Z0-9]{6,})$")


@asynccontextmanager
async def _unasked(ctx: Context, actor: Actor) -> AsyncIterator[tuple[AsyncSession, Scope | None]]:
    """A transaction for something the person did not ask the bot to do; no scope for
    someone who used forget-me, whom channel events must not bring back."""
    async with ctx.database.transaction() as session:
        scope = await passive_scope(
            session,
            platform=actor.platform,
            workspace=actor.workspace,
            user=actor.user,
            now=ctx.clock(),
        )
        yield session, scope


async def record_contribution(*, ctx: Context, actor: Actor, kind: str) -> bool:
    """Count one message, thread reply or reaction in `actor.channel`. Never any text."""
    if kind not in KINDS or not actor.channel:
        return False
    now = ctx.clock()
    async with _unasked(ctx, actor) as (session, scope):
        if scope is None:
            return False
        return await record_activity(
            session,
            scope=scope,
            channel=actor.channel,
            day=now.astimezone(ctx.timezone).date(),
            kind=kind,
        )


async def joined(*, ctx: Context, actor: Actor) -> None:
    if actor.channel:
        async with _unasked(ctx, actor) as (session, scope):
            if scope is not None:
                await member_joined(session, scope=scope, channel=actor.channel, at=ctx.clock())


async def left(*, ctx: Context, actor: Actor) -> None:
    if actor.channel:
        async with _unasked(ctx, actor) as (session, scope):
            if scope is not None:
                await member_left(session, scope=scope, channel=actor.channel)


async def refresh_members(*, ctx: Context, actor: Actor, channel: str, force: bool = False) -> None:
    """Read the channel's members from the platform when never read, or not for a day."""
    now = ctx.clock()
    async with ctx.acting(actor) as (session, scope):
        last = await synced_at(session, workspace_id=scope.workspace_id, channel=channel)
    if not force and last is not None and now - last < RESYNC_AFTER:
        return
    users = await ctx.channel_members(actor, channel)
    if users is None:
        return
    async with ctx.acting(actor) as (session, scope):
        await sync_channel(
            session, workspace_id=scope.workspace_id, channel=channel, users=users, now=now
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class ReportTarget:
    channel: str
    days: int

    def since(self, now: datetime) -> datetime:
        return now - timedelta(days=self.days)


def report_target(*, actor: Actor, args: tuple[str, ...], command: str) -> ReportTarget:
    """`[#channel] [days]` in either order; the current channel and 30 days by default."""
    channel = actor.channel
    days = DEFAULT_DAYS
    for word in args:
        found = _CHANNEL.match(word)
        if found:
            channel = found.group(1) or found.group(2)
        elif (number := whole_number(word)) is not None:
            days = number
        elif word.lower() not in ("days", "day"):
            raise Invalid(
                f"I didn't follow “{word}”. Try `/ccpl {command} #channel 30`: "
                "a channel (optional) and a number of days (optional)."
            )
    if not 1 <= days <= MAX_DAYS:
        raise Invalid(f"Choose between 1 and {MAX_DAYS} days.")
    if not channel:
        raise Invalid(f"Name a channel, e.g. `/ccpl {command} #forum`, or run it in one.")
    return ReportTarget(channel=channel, days=days)


async def open_report(
    *, ctx: Context, actor: Actor, args: tuple[str, ...], command: str
) -> ReportTarget:
    """What every facilitator report does first (the role is checked by then): read
    the arguments, and make sure the channel's member list is current."""
    target = report_target(actor=actor, args=args, command=command)
    await refresh_members(ctx=ctx, actor=actor, channel=target.channel)
    return target


def nobody_known(channel: str) -> str:
    """What a report says for a channel whose members the bot has never seen."""
    return (
        f"I don't know of anyone in <#{channel}> yet. People are counted once they join "
        "or post while I'm in the channel: check I've been added, then try again."
    )


@dataclass(frozen=True, kw_only=True, slots=True)
class QuietOthers:
    """The quiet members a facilitator could invite, and whether they left themselves out."""

    members: list[QuietMember]
    asker_left_out: bool


async def quiet_others(
    session: AsyncSession,
    *,
    workspace_id: int,
    asker: str,
    channel: str,
    since: datetime,
    now: datetime,
) -> QuietOthers:
    """Who has gone quiet, less the facilitator asking: one answer for `quiet` and
    `check-in`, so the report never lists someone a check-in would not invite."""
    quiet = await quiet_members(
        session, workspace_id=workspace_id, channel=channel, since=since, now=now
    )
    others = [q for q in quiet if q.user != asker]
    return QuietOthers(members=others, asker_left_out=len(others) < len(quiet))

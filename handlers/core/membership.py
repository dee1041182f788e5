"""Whether someone is in a channel, for the actions that act in one on their behalf.

Sharing a reflection into a channel, voting in a channel's poll and reading its
results, and recording a meeting's agreements are for that channel's members.
Button values and card data come back from the client, so the channel they
name is checked here rather than trusted.
"""

from __future__ import annotations

from datetime import timedelta
from enum import Enum

from handlers.core.context import Context
from handlers.core.model import Actor
from storage.participation import channel_size, is_channel_member, sync_channel, synced_at

# The directory follows join and leave events, so it can lag behind someone who has
# just joined. A "no" re-reads the platform's list, but at most this often per
# channel, so forged payloads cannot turn us into a flood of member-list calls.
REREAD_AFTER = timedelta(minutes=1)


class Membership(Enum):
    MEMBER = "member"
    NOT_MEMBER = "not member"
    # The bot knows nobody in the channel, even after asking the platform.
    UNKNOWN = "unknown"


async def channel_membership(*, ctx: Context, actor: Actor, channel: str) -> Membership:
    """The actor's membership of the channel by the directory the bot keeps.

    Opens its own transactions, so call it before `ctx.acting`, not inside it.
    """
    now = ctx.clock()
    async with ctx.acting(actor) as (session, scope):
        if await is_channel_member(session, scope=scope, channel=channel):
            return Membership.MEMBER
        last = await synced_at(session, workspace_id=scope.workspace_id, channel=channel)
    fresh = last is not None and now - last < REREAD_AFTER
    users = None if fresh else await ctx.channel_members(actor, channel)
    async with ctx.acting(actor) as (session, scope):
        if users is not None:
            await sync_channel(
                session, workspace_id=scope.workspace_id, channel=channel, users=users, now=now
            )
            if await is_channel_member(session, scope=scope, channel=channel):
                return Membership.MEMBER
        known = await channel_size(session, workspace_id=scope.workspace_id, channel=channel)
    return Membership.NOT_MEMBER if known else Membership.UNKNOWN


async def in_channel(*, ctx: Context, actor: Actor, channel: str) -> bool:
    """Only a confirmed member counts: a channel the bot cannot see into is refused."""
    return await channel_membership(ctx=ctx, actor=actor, channel=channel) is Membership.MEMBER

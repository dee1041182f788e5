"""What an organisation chose for itself, applied to each command it runs.

The deployment's settings (CCPL_TIMEZONE and the like) are every organisation's
defaults; one that set its own time zone with `/ccpl settings` gets its dates and
times in that zone, and no other organisation is affected.
"""

from __future__ import annotations

from dataclasses import replace
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from handlers.core.context import Context
from handlers.core.model import Actor
from storage.organisations import organisation_timezone


def zone_named(name: str) -> ZoneInfo | None:
    """The IANA zone of this name, or None: names come from people and the database."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


async def for_organisation(*, ctx: Context, actor: Actor) -> Context:
    """The context as the actor's organisation has set it up."""
    async with ctx.database.transaction() as session:
        name = await organisation_timezone(
            session, platform=actor.platform, workspace=actor.workspace
        )
    zone = zone_named(name) if name else None
    return ctx if zone is None else replace(ctx, timezone=zone)

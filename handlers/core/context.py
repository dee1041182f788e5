"""What handlers need from the outside world, handed in rather than imported."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from content import ContentPack
from handlers.core.model import Actor
from storage import Database, Scope, ensure_scope
from storage.retention import Retention


def utc_now() -> datetime:
    return datetime.now(UTC)


RoleResolver = Callable[[Actor], Awaitable[frozenset[str]]]


async def no_roles(actor: Actor) -> frozenset[str]:
    return actor.roles


# Who is in a channel, from the platform: (actor in the workspace, channel) -> user ids,
# or None where the platform cannot say (the console).
ChannelLister = Callable[[Actor, str], Awaitable[Sequence[str] | None]]


async def no_lister(actor: Actor, channel: str) -> Sequence[str] | None:
    return None


async def nothing_changed() -> None:
    """Default for `schedules_changed` where no scheduler runs in this process."""


@dataclass(frozen=True, kw_only=True)
class Context:
    """Shared services. Tests swap the clock and the random source to control them."""

    pack: ContentPack
    database: Database
    clock: Callable[[], datetime] = utc_now
    rng: random.Random = field(default_factory=random.Random)
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/London"))
    # The platform says who is a facilitator or admin (Slack: admins and owners; both
    # platforms: CCPL_FACILITATORS and CCPL_ADMINS).
    resolve_roles: RoleResolver = no_roles
    # Called after a schedule changes, so an in-process scheduler rebuilds its jobs.
    schedules_changed: Callable[[], Awaitable[None]] = nothing_changed
    # Reads a channel's members so reports know who is in the room.
    channel_members: ChannelLister = no_lister
    # How long records are kept: enforced by the scheduler, told in `privacy`.
    retention: Retention = field(default_factory=Retention)
    # The deployment's periods, where an organisation's own have replaced some in `retention`.
    retention_defaults: Retention | None = None

    @property
    def deployment_retention(self) -> Retention:
        """The periods CCPL_KEEP_*_DAYS set, whatever this organisation chose."""
        return self.retention_defaults or self.retention

    @asynccontextmanager
    async def acting(self, actor: Actor) -> AsyncIterator[tuple[AsyncSession, Scope]]:
        """One transaction on behalf of the actor, with their workspace and member scope."""
        async with self.database.transaction() as session:
            scope = await ensure_scope(
                session,
                platform=actor.platform,
                workspace=actor.workspace,
                user=actor.user,
                now=self.clock(),
            )
            yield session, scope

"""Roles and channel directories by platform, for a process serving Slack and Teams."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from handlers import Actor
from handlers.core.context import ChannelLister, RoleResolver


class PlatformRoles:
    def __init__(self, *, resolvers: Mapping[str, RoleResolver]) -> None:
        self.resolvers = dict(resolvers)

    async def __call__(self, actor: Actor) -> frozenset[str]:
        resolver = self.resolvers.get(actor.platform)
        return await resolver(actor) if resolver is not None else actor.roles


class PlatformDirectory:
    """Channel members by platform; None (cannot say) where a platform has no directory."""

    def __init__(self, *, directories: Mapping[str, ChannelLister]) -> None:
        self.directories = dict(directories)

    async def __call__(self, actor: Actor, channel: str) -> Sequence[str] | None:
        directory = self.directories.get(actor.platform)
        return await directory(actor, channel) if directory is not None else None

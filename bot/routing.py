"""Which platform's poster sends an outbox row: the one its workspace lives on.

A process may serve Slack and Teams at once. Each row names its workspace;
the workspace's platform is looked up once per process and cached, so a
large Slack fan-out costs at most one extra query per batch of new workspaces.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from bot.posting import Poster, PostFailed
from storage.outbox import platform_of

PosterFor = Callable[[int], Poster]  # workspace id -> the poster for it


class PosterRoute(Protocol):
    async def prepare(self, session: AsyncSession, *, workspace_ids: Collection[int]) -> None:
        """Learn whatever `poster_for` will need for these workspaces, in the caller's session."""
        ...  # pragma: no cover

    def poster_for(self, *, workspace_id: int) -> Poster:
        """The poster for a row of this workspace; raise PostFailed if there is none here."""
        ...  # pragma: no cover

    def platform_for(self, *, workspace_id: int) -> str:
        """The workspace's platform, as /metrics names it."""
        ...  # pragma: no cover


class OnePoster:
    """Every row through one poster: a process that serves one platform."""

    def __init__(self, *, poster: Poster, platform: str = "unknown") -> None:
        self.poster = poster
        self.platform = platform

    async def prepare(self, session: AsyncSession, *, workspace_ids: Collection[int]) -> None:
        return None

    def poster_for(self, *, workspace_id: int) -> Poster:
        return self.poster

    def platform_for(self, *, workspace_id: int) -> str:
        return self.platform


class PlatformPosters:
    """Rows routed by their workspace's platform (`slack`, `teams`, `console`)."""

    def __init__(self, *, posters: Mapping[str, PosterFor]) -> None:
        self.posters = dict(posters)
        self._platforms: dict[int, str] = {}

    async def prepare(self, session: AsyncSession, *, workspace_ids: Collection[int]) -> None:
        unknown = [w for w in set(workspace_ids) if w not in self._platforms]
        if not unknown:
            return
        self._platforms.update(await platform_of(session, workspace_ids=unknown))

    def platform_for(self, *, workspace_id: int) -> str:
        return self._platforms.get(workspace_id, "unknown")

    def poster_for(self, *, workspace_id: int) -> Poster:
        platform = self._platforms.get(workspace_id)
        factory = self.posters.get(platform or "")
        if factory is None:
            # Perhaps this process lacks that platform's settings; another try may find it.
            raise PostFailed(f"no {platform or 'unknown'} poster in this process", permanent=False)
        return factory(workspace_id)

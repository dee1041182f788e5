"""An in-memory Poster: records what would be posted, and can fail on purpose."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.posting import PostFailed
from handlers import Reply


class Crash(BaseException):
    """Stands for the process dying mid-send: nothing after it runs."""


@dataclass
class Posted:
    target: str
    reply: Reply
    direct: bool
    update: str | None
    pin: bool


@dataclass
class RecordingPoster:
    posts: list[Posted] = field(default_factory=list)
    crash_after: int | None = None
    fail_targets: dict[str, str] = field(default_factory=dict)

    async def post(
        self,
        *,
        target: str,
        reply: Reply,
        direct: bool,
        update: str | None = None,
        pin: bool = False,
        thread: str | None = None,
    ) -> str | None:
        if self.crash_after is not None and len(self.posts) >= self.crash_after:
            raise Crash
        if target in self.fail_targets:
            raise PostFailed(self.fail_targets[target], permanent=False)
        self.posts.append(Posted(target, reply, direct, update, pin))
        return f"{len(self.posts)}.000100"

    def to(self, target: str) -> list[Posted]:
        return [p for p in self.posts if p.target == target]

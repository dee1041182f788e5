"""What a platform must do to deliver scheduled posts, so the sender serves Slack and Teams."""

from __future__ import annotations

from typing import Protocol

from handlers import Reply


class PostFailed(Exception):
    """A post that did not go. `permanent` failures (no such channel) are not retried."""

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class Poster(Protocol):
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
        """Post (or update) and return the platform's message id; raise PostFailed."""
        ...  # pragma: no cover

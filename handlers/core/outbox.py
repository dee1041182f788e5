"""What the outbox needs from each feature: the kinds of row, who composes each,
and who plans them.

A feature declares `@composes(OutboxKind.X)` beside the code that knows what
the post says, and `@plans(order=...)` beside the code that knows when it is
due; handlers/outbox only looks them up, so it never imports a feature.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core.context import Context
from handlers.core.model import Reply
from storage.outbox import OutboxRow


class OutboxKind(StrEnum):
    """Stored in `outbox.kind`: the values are on disk, so they never change."""

    FORUM_PROMPT = "forum_prompt"  # forums and journal clubs alike
    MEETING_PURPOSE = "meeting_purpose"
    MEETING_AGREE = "meeting_agree"
    LUNCH_ANNOUNCE = "lunch_announce"
    LUNCH_CANCELLED = "lunch_cancelled"
    LUNCH_REMINDER = "lunch_reminder"
    LUNCH_ATTENDANCE = "lunch_attendance"
    LUNCH_PROMOTED = "lunch_promoted"
    CHECKIN = "checkin"
    POLL = "poll"
    DIGEST = "digest"


@dataclass(frozen=True, kw_only=True, slots=True)
class Outgoing:
    reply: Reply
    pin: bool = False


class Composer(Protocol):
    def __call__(self, *, ctx: Context, row: OutboxRow) -> Awaitable[Outgoing | None]: ...


@dataclass(frozen=True, kw_only=True, slots=True)
class Due:
    """One post owed, as a feature's planner sees it.

    `when_planned` runs only for a post written as pending for the first time,
    so a feature can advance a rotation without counting replays or skips.
    """

    key: str
    kind: OutboxKind
    workspace_id: int
    target: str
    due_at: datetime
    payload: dict[str, Any]
    member_id: int | None = None
    when_planned: Callable[[AsyncSession, dict[str, Any]], Awaitable[None]] | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class Window:
    """The planning window (since, until], and the moment planning happens."""

    since: datetime
    until: datetime
    now: datetime


class Planner(Protocol):
    def __call__(
        self, session: AsyncSession, *, ctx: Context, window: Window
    ) -> Awaitable[list[Due]]: ...


_COMPOSERS: dict[OutboxKind, Composer] = {}
_PLANNERS: list[tuple[int, Planner]] = []


def composes(kind: OutboxKind) -> Callable[[Composer], Composer]:
    """Declare the function that writes `kind`'s message at send time."""

    def register(composer: Composer) -> Composer:
        if kind in _COMPOSERS:
            raise ValueError(f"two composers for outbox kind {kind}")
        _COMPOSERS[kind] = composer
        return composer

    return register


def composer_for(kind: str) -> Composer | None:
    """The composer for a stored kind, or None for one no feature declares."""
    try:
        return _COMPOSERS.get(OutboxKind(kind))
    except ValueError:
        return None


def plans(*, order: int) -> Callable[[Planner], Planner]:
    """Declare a planner; `order` keeps rows due at the same moment in a fixed order."""

    def register(planner: Planner) -> Planner:
        _PLANNERS.append((order, planner))
        _PLANNERS.sort(key=lambda entry: entry[0])
        return planner

    return register


def planners() -> list[Planner]:
    return [planner for _, planner in _PLANNERS]

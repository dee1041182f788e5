"""What handlers need from the outside world, handed in rather than imported."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from content import ContentPack
from storage import Database


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, kw_only=True)
class Context:
    """Shared services. Tests swap the clock and the random source to control them."""

    pack: ContentPack
    database: Database
    clock: Callable[[], datetime] = utc_now
    rng: random.Random = field(default_factory=random.Random)

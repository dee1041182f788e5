"""Fixtures shared by the end-to-end tests of the platform adapters."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from content import ContentPack
from handlers import Context
from storage import Database
from tests.clock import FakeClock


@pytest.fixture
def sctx(pack: ContentPack, own_database: Database, clock: FakeClock) -> Context:
    """A context on a database of its own (the scheduler reads every workspace),
    with the clock at 09:00 on Sunday 1 November 2026."""
    clock.now = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    return Context(pack=pack, database=own_database, clock=clock)

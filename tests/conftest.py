"""Shared fixtures: one migrated database per backend, a context, unique workspaces.

Each backend's database is created and migrated once per session; tests stay
independent because every test acts in its own freshly named workspace, which
is also how production keeps tenants apart.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from content import ContentPack, load_pack
from handlers import Actor, Context, Platform
from storage import Database, upgrade
from storage.crypto import KEYRING, DataKey
from tests.clock import FakeClock
from tests.fakes.postgres import drop_database, fresh_database, postgres_url_or_skip

# One data key for the whole run, as a server loads CCPL_DATA_KEY once at start-up.
TEST_DATA_KEY = DataKey.generate()


@pytest.fixture(scope="session", autouse=True)
def data_key() -> DataKey:
    KEYRING.use(TEST_DATA_KEY)
    return TEST_DATA_KEY


@pytest.fixture(scope="session")
def pack() -> ContentPack:
    return load_pack()


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
async def database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Database]:
    """A migrated database on each backend the machine has."""
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("sqlite") / "ccpl.db"
        db = Database(url=f"sqlite+aiosqlite:///{path}")
        await upgrade(database=db)
        yield db
        await db.dispose()
        return
    url = await fresh_database(postgres_url_or_skip())
    db = Database(url=url)
    await upgrade(database=db)
    yield db
    await db.dispose()
    await drop_database(url)


@pytest.fixture(params=["sqlite", "postgres"])
async def own_database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """A database for this test alone: for the scheduler, whose state spans workspaces."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'own.db'}"
    else:
        url = await fresh_database(postgres_url_or_skip())
    db = Database(url=url)
    await upgrade(database=db)
    yield db
    await db.dispose()
    if request.param == "postgres":
        await drop_database(url)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def ctx(pack: ContentPack, database: Database, clock: FakeClock) -> Context:
    return Context(pack=pack, database=database, clock=clock, rng=random.Random(7))


@pytest.fixture
def team() -> str:
    return "T" + uuid.uuid4().hex[:10].upper()


@pytest.fixture
def actor(team: str) -> Actor:
    return Actor(platform=Platform.SLACK, workspace=team, user="U" + uuid.uuid4().hex[:8].upper())

"""PostgreSQL for tests: find the test server, make and drop throwaway databases.

``make test`` starts a throwaway cluster with ``scripts/test-postgres`` and exports its URL as
``CCPL_TEST_POSTGRES_URL`` (an SQLAlchemy URL such as
``postgresql+asyncpg://ccpl@127.0.0.1:5433/ccpl_test``).  Tests that need PostgreSQL call
``postgres_url_or_skip()``: without a URL they skip, or fail when ``CCPL_REQUIRE_POSTGRES=1``
(as in CI).

Fixture pattern for ``tests/conftest.py`` (one clean database per test session)::

    from tests.fakes.postgres import postgres_database_url  # noqa: F401  (re-exported fixture)

    @pytest.fixture
    async def pg_engine(postgres_database_url: str) -> AsyncIterator[AsyncEngine]:
        engine = create_async_engine(postgres_database_url)
        yield engine
        await engine.dispose()

or, written out::

    @pytest_asyncio.fixture(scope="session", loop_scope="session")
    async def postgres_database_url() -> AsyncIterator[str]:
        url = await fresh_database(postgres_url_or_skip())
        yield url
        await drop_database(url)
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import AsyncIterator

import asyncpg  # type: ignore[import-untyped]
import pytest
import pytest_asyncio
from sqlalchemy.engine import URL, make_url

__all__ = [
    "ENV_REQUIRE",
    "ENV_URL",
    "asyncpg_dsn",
    "drop_database",
    "fresh_database",
    "postgres_database_url",
    "postgres_url_or_skip",
]

ENV_URL = "CCPL_TEST_POSTGRES_URL"
ENV_REQUIRE = "CCPL_REQUIRE_POSTGRES"
_SKIP_REASON = (
    "PostgreSQL tests need CCPL_TEST_POSTGRES_URL "
    "(make test starts one when PostgreSQL is installed)"
)
_SAFE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def postgres_url_or_skip() -> str:
    """Return ``$CCPL_TEST_POSTGRES_URL``; skip the test without it (fail if required)."""
    url = os.environ.get(ENV_URL, "").strip()
    if url:
        return url
    if os.environ.get(ENV_REQUIRE) == "1":
        pytest.fail(
            f"{ENV_REQUIRE}=1 but {ENV_URL} is not set: PostgreSQL did not start "
            "(run scripts/test-postgres to see why)",
            pytrace=False,
        )
    pytest.skip(_SKIP_REASON)


def asyncpg_dsn(url: str | URL) -> str:
    """Turn an SQLAlchemy URL (``postgresql+asyncpg://...``) into a DSN asyncpg accepts."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _database_name(url: URL) -> str:
    name = url.database or ""
    if not _SAFE_NAME.match(name):
        raise ValueError(f"refusing to handle database {name!r}: not a plain lowercase name")
    return name


async def _connect_to_server(url: URL) -> asyncpg.Connection:
    """Connect to the maintenance database ``postgres`` on the server of ``url``."""
    return await asyncpg.connect(asyncpg_dsn(url.set(database="postgres")))


async def fresh_database(url: str, *, prefix: str = "ccpl_test") -> str:
    """Create a new, uniquely named, empty database on ``url``'s server; return its URL.

    The connecting role needs CREATEDB (``scripts/test-postgres`` grants it to ``ccpl``).
    """
    server = make_url(url)
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(4)}".lower()
    _database_name(server.set(database=name))
    connection = await _connect_to_server(server)
    try:
        await connection.execute(f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8'")
    finally:
        await connection.close()
    return server.set(database=name).render_as_string(hide_password=False)


async def drop_database(url: str) -> None:
    """Drop the database named in ``url`` (ending any sessions still connected to it)."""
    target = make_url(url)
    name = _database_name(target)
    connection = await _connect_to_server(target)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def postgres_database_url() -> AsyncIterator[str]:
    """A fresh database for the test session on the test server (skips without one)."""
    url = await fresh_database(postgres_url_or_skip())
    try:
        yield url
    finally:
        await drop_database(url)

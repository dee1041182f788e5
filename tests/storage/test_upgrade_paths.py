"""Upgrades from every earlier revision, with data written at each one.

On SQLite, altering `members` copies and drops the table, and with foreign keys on
that drop once deleted every reflection through ON DELETE CASCADE; migrations now
run with them off and check every reference before they commit.

One database per backend walks up the migrations a revision at a time; at each
revision a new member writes a reflection (and sees a tip) in that revision's own
schema. At head every one of them is still there and reads back, sealed text
opened with the data key.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncConnection

from handlers import Platform
from storage import Database, current_revision, ensure_scope, head_revision, upgrade
from storage.migrate import alembic_config
from storage.reflections import list_reflections
from storage.sealing import check_key
from storage.types import Sealed, SealedJSON, UTCDateTime
from tests.fakes.postgres import drop_database, fresh_database, postgres_url_or_skip

TEAM = "TUPGRADE"
SEALED_FROM = "0008"  # the revision that seals what people write


def revisions() -> list[str]:
    """Every revision, oldest first."""
    script = ScriptDirectory.from_config(alembic_config(url=""))
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def _tables(rev: str) -> tuple[sa.TableClause, sa.TableClause, sa.TableClause, sa.TableClause]:
    """The four tables written, typed as they are at `rev`."""
    sealed = rev >= SEALED_FROM
    workspaces = sa.table(
        "workspaces",
        sa.column("id", sa.Integer),
        sa.column("platform", sa.String),
        sa.column("external_id", sa.String),
        sa.column("created_at", UTCDateTime()),
    )
    members = sa.table(
        "members",
        sa.column("id", sa.Integer),
        sa.column("workspace_id", sa.Integer),
        sa.column("external_id", sa.String),
        sa.column("created_at", UTCDateTime()),
    )
    tips = sa.table(
        "tip_history",
        sa.column("workspace_id", sa.Integer),
        sa.column("member_id", sa.Integer),
        sa.column("tip_id", sa.String),
        sa.column("cycle", sa.Integer),
        sa.column("shown_at", UTCDateTime()),
    )
    reflections = sa.table(
        "reflections",
        sa.column("workspace_id", sa.Integer),
        sa.column("member_id", sa.Integer),
        sa.column("created_at", UTCDateTime()),
        sa.column("updated_at", UTCDateTime()),
        sa.column("title", Sealed() if sealed else sa.String()),
        sa.column("answers", SealedJSON() if sealed else sa.JSON()),
        sa.column("code_themes", sa.JSON()),
        sa.column("principles", sa.JSON()),
        sa.column("cpd_minutes", sa.Integer),
        sa.column("participatory", sa.Boolean),
    )
    return workspaces, members, tips, reflections


def _has(conn: sa.Connection, table: str) -> bool:
    return sa.inspect(conn).has_table(table)


async def _write_at(conn: AsyncConnection, *, rev: str, n: int) -> bool:
    """A member (and, once the table exists, a reflection) written in `rev`'s schema;
    whether a reflection was written."""
    workspaces, members, tips, reflections = _tables(rev)
    when = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(days=n)
    if n == 0:
        await conn.execute(
            workspaces.insert().values(id=1, platform="slack", external_id=TEAM, created_at=when)
        )
    member = 100 + n
    await conn.execute(
        members.insert().values(id=member, workspace_id=1, external_id=f"U{rev}", created_at=when)
    )
    await conn.execute(
        tips.insert().values(
            workspace_id=1, member_id=member, tip_id="listen-first", cycle=0, shown_at=when
        )
    )
    if not await conn.run_sync(_has, "reflections"):
        return False
    await conn.execute(
        reflections.insert().values(
            workspace_id=1,
            member_id=member,
            created_at=when,
            updated_at=when,
            title=f"Written at {rev} ✓",
            answers={"what": f"what happened, at revision {rev}"},
            code_themes=[],
            principles=[1],
            cpd_minutes=30,
            participatory=False,
        )
    )
    return True


@pytest.fixture(params=["sqlite", "postgres"])
async def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    else:
        url = await fresh_database(postgres_url_or_skip())
    database = Database(url=url)
    try:
        yield database
    finally:
        await database.dispose()
        if request.param == "postgres":
            await drop_database(url)


async def test_data_written_at_every_revision_survives_to_head(empty_database: Database) -> None:
    database = empty_database
    written: list[str] = []
    for n, rev in enumerate(revisions()):
        await upgrade(database=database, revision=rev)
        assert await current_revision(database=database) == rev
        async with database.engine.begin() as conn:
            if await _write_at(conn, rev=rev, n=n):
                written.append(rev)
    assert await current_revision(database=database) == head_revision()
    assert written == [r for r in revisions() if r >= "0002"]

    if database.is_sqlite:  # switched off for the migrations alone
        async with database.engine.connect() as conn:
            assert (await conn.exec_driver_sql("PRAGMA foreign_keys")).scalar_one() == 1
    await check_key(database=database)
    async with database.transaction() as session:
        for rev in revisions():
            scope = await ensure_scope(
                session,
                platform=Platform.SLACK,
                workspace=TEAM,
                user=f"U{rev}",
                now=datetime.now(UTC),
            )
            assert scope.workspace_id == 1 and scope.member_id >= 100  # the old rows, found
            rows, total = await list_reflections(session, scope=scope)
            expected = 1 if rev in written else 0
            assert total == expected, rev
            if expected:
                assert rows[0].title == f"Written at {rev} ✓"
                assert rows[0].answers == {"what": f"what happened, at revision {rev}"}
                assert rows[0].cpd_minutes == 30

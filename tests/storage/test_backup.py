"""`ccpl-bot db backup`: a backup restored into a fresh database holds every reflection.

SQLite is copied live through its online backup API; for PostgreSQL the command
prints the `pg_dump` line, which is run here with the server's own tools, and the
dump restored with the `pg_restore` line it prints for the new database.
"""

from __future__ import annotations

import asyncio
import glob
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import cli
from handlers import Platform
from storage import Database, ensure_scope, upgrade
from storage.reflections import NewReflection, create_reflection, list_reflections
from storage.sealing import check_key
from tests.conftest import TEST_DATA_KEY
from tests.fakes.postgres import drop_database, fresh_database, postgres_url_or_skip

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TEAM = "TBACKUP"
PEOPLE = ("UANNA", "UBEN", "UCHIDI")


def _pg_bin() -> str:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_dump"))
    if not found:
        pytest.skip("pg_dump is not installed")
    return str(Path(found[-1]).parent)


async def _write(database: Database, notes: list[str]) -> dict[str, list[str]]:
    """Each note as a reflection, shared round the people; what each person wrote."""
    written: dict[str, list[str]] = {person: [] for person in PEOPLE}
    async with database.transaction() as session:
        for n, note in enumerate(notes):
            person = PEOPLE[n % len(PEOPLE)]
            scope = await ensure_scope(
                session, platform=Platform.SLACK, workspace=TEAM, user=person, now=NOW
            )
            await create_reflection(
                session,
                scope=scope,
                now=NOW,
                reflection=NewReflection(template_id=None, title=note[:40], answers={"n": note}),
            )
            written[person].append(note)
    return written


async def _read(database: Database) -> dict[str, list[str]]:
    await check_key(database=database)  # the restored copy opens with the same data key
    found: dict[str, list[str]] = {}
    async with database.transaction() as session:
        for person in PEOPLE:
            scope = await ensure_scope(
                session, platform=Platform.SLACK, workspace=TEAM, user=person, now=NOW
            )
            rows, _ = await list_reflections(session, scope=scope)
            found[person] = sorted(r.answers["n"] for r in rows)
    return found


def _backup(monkeypatch: pytest.MonkeyPatch, *, url: str, target: Path) -> int:
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("CCPL_DATA_KEY", TEST_DATA_KEY.text())
    return cli.main(["db", "backup", str(target)])


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[tuple[Database, str]]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'live.db'}"
    database = Database(url=url)
    await upgrade(database=database)
    yield database, url
    await database.dispose()


@settings(max_examples=1, deadline=None)
@given(notes=st.lists(st.text(min_size=1, max_size=300), min_size=5, max_size=30))
async def test_a_live_sqlite_backup_restored_holds_every_reflection(
    notes: list[str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp("backup")
    url = f"sqlite+aiosqlite:///{folder / 'live.db'}"
    live = Database(url=url)
    await upgrade(database=live)
    written = await _write(live, notes)
    with pytest.MonkeyPatch.context() as monkeypatch:
        # Taken while the bot's own connection is open, as it would be in production.
        assert _backup(monkeypatch, url=url, target=folder / "backup.db") == 0
    await _write(live, ["written after the backup"])
    await live.dispose()

    restored = Database(url=f"sqlite+aiosqlite:///{folder / 'backup.db'}")
    try:
        assert await _read(restored) == {p: sorted(n) for p, n in written.items()}
    finally:
        await restored.dispose()


async def test_a_backup_never_overwrites_a_file(
    sqlite_db: tuple[Database, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, url = sqlite_db
    target = tmp_path / "yesterday.db"
    target.write_bytes(b"last night's backup")
    assert _backup(monkeypatch, url=url, target=target) == 2
    assert capsys.readouterr().err == (f"ccpl-bot: {target} already exists; give a new file name\n")
    assert target.read_bytes() == b"last night's backup"


async def test_the_printed_pg_dump_line_backs_up_and_restores_every_reflection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bindir = _pg_bin()
    source_url = await fresh_database(postgres_url_or_skip())
    fresh_url = await fresh_database(postgres_url_or_skip())
    source, fresh = Database(url=source_url), Database(url=fresh_url)
    try:
        await upgrade(database=source)
        written = await _write(source, [f"reflection {n}: what went well ✓" for n in range(12)])
        dump = tmp_path / "ccpl.dump"

        assert _backup(monkeypatch, url=source_url, target=dump) == 0
        dump_line = capsys.readouterr().out.strip()
        assert dump_line.startswith("pg_dump ")
        assert _backup(monkeypatch, url=fresh_url, target=dump) == 0
        restore_line = capsys.readouterr().err.splitlines()[-1].removeprefix("#").strip()
        assert restore_line.startswith("pg_restore ")

        env = {**os.environ, "PATH": f"{bindir}:{os.environ['PATH']}"}
        for line in (dump_line, restore_line):
            process = await asyncio.create_subprocess_shell(
                line, env=env, stderr=asyncio.subprocess.PIPE
            )
            _, said = await asyncio.wait_for(process.communicate(), timeout=60)
            assert process.returncode == 0, said.decode()
        assert await _read(fresh) == {p: sorted(n) for p, n in written.items()}
    finally:
        await source.dispose()
        await fresh.dispose()
        await drop_database(source_url)
        await drop_database(fresh_url)

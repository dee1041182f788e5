"""The data inventory an information-governance lead reads must describe every column stored."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, Table, inspect
from sqlalchemy.engine import Connection

from bot import cli
from storage import Database
from storage.inventory import (
    ENTRIES_FILE,
    InventoryIncomplete,
    load_entries,
    render_inventory,
)
from storage.models import Base

COMMITTED = Path(__file__).parents[2] / "docs" / "governance" / "data-inventory.md"


def _models_copy() -> MetaData:
    """The real tables, in a metadata of their own that a test may add to."""
    copy = MetaData()
    for table in Base.metadata.tables.values():
        table.to_metadata(copy)
    return copy


def test_the_committed_inventory_is_what_the_cli_prints(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main(["data", "inventory"]) == 0
    assert capsys.readouterr().out == COMMITTED.read_text(encoding="utf-8"), (
        "run: ccpl-bot data inventory > docs/governance/data-inventory.md"
    )


def test_a_column_added_without_an_entry_is_named() -> None:
    metadata = _models_copy()
    metadata.tables["reflections"].append_column(Column("mood", String(16)))
    with pytest.raises(InventoryIncomplete, match=r"column reflections\.mood has no entry"):
        render_inventory(metadata=metadata)


def test_a_table_added_without_an_entry_is_named() -> None:
    metadata = _models_copy()
    Table(
        "installations",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("workspace_id", ForeignKey("workspaces.id")),
        Column("bot_token", String(200)),
    )
    with pytest.raises(InventoryIncomplete, match=r"table installations has no entry"):
        render_inventory(metadata=metadata)


def test_an_entry_for_a_column_that_has_gone_is_named(tmp_path: Path) -> None:
    raw = yaml.safe_load(ENTRIES_FILE.read_text(encoding="utf-8"))
    raw["tables"]["members"]["columns"]["nickname"] = {"what": "a name", "why": "greeting"}
    raw["tables"]["activity"]["basis"] = "vibes"
    path = tmp_path / "entries.yml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(InventoryIncomplete) as raised:
        render_inventory(entries=load_entries(path=path))
    assert "entry members.nickname names no column" in str(raised.value)
    assert "activity has unknown basis 'vibes'" in str(raised.value)


def test_the_cli_says_in_one_line_which_column_lacks_an_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = yaml.safe_load(ENTRIES_FILE.read_text(encoding="utf-8"))
    del raw["tables"]["reflections"]["columns"]["answers"]
    path = tmp_path / "data_inventory.yml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    monkeypatch.setattr("storage.inventory.ENTRIES_FILE", path)
    assert cli.main(["data", "inventory"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert "column reflections.answers has no entry" in captured.err


def test_what_people_write_is_marked_sealed_and_ids_are_not() -> None:
    rows = _rows(COMMITTED.read_text(encoding="utf-8"))
    for column in ("title", "answers", "session"):
        assert rows["reflections", column][2] == "sealed"
    assert rows["polls", "question"][2] == "sealed"
    assert rows["agreements", "text"][2] == "sealed"
    assert rows["reflections", "cpd_minutes"][2] == "plain"
    assert rows["members", "external_id"][2] == "plain"
    assert "links to `members`" in rows["reflections", "member_id"][1]


async def test_every_column_of_the_migrated_database_is_in_the_inventory(
    database: Database,
) -> None:
    def columns(conn: Connection) -> set[tuple[str, str]]:
        inspector = inspect(conn)
        return {
            (table, column["name"])
            for table in inspector.get_table_names()
            if table != "alembic_version"
            for column in inspector.get_columns(table)
        }

    async with database.engine.connect() as conn:
        stored = await conn.run_sync(columns)
    described = set(_rows(COMMITTED.read_text(encoding="utf-8")))
    assert stored == described


def _rows(markdown: str) -> dict[tuple[str, str], list[str]]:
    """Each column's cells, keyed by (table, column), read back from the Markdown."""
    rows: dict[tuple[str, str], list[str]] = {}
    table = ""
    for line in markdown.splitlines():
        if line.startswith("## `"):
            table = line.strip("#` ")
        elif line.startswith("| `"):
            cells = [cell.strip() for cell in line.strip("|").split(" | ")]
            rows[table, cells[0].strip("`")] = cells
    return rows

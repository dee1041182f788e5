"""Encryption at rest: what people write is sealed in every table, and still reads back."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, cast

import pytest
from sqlalchemy import select, text

from handlers import Action, Actor, Context, FieldValue, Reply, handle_action, handle_text
from handlers.scheduling.payloads import OCCURRENCE, Occurrence
from storage import Database, upgrade
from storage.crypto import KEYRING, DataKey, is_sealed
from storage.models import Base, Reflection, Schedule, Workspace
from storage.sealing import KeyMismatch, check_key, rotate

# Each fragment is typed by a person below; none may reach the database in clear.
WRITTEN = {
    "title": "Borrowed-minutes huddle",
    "what": "Quietly swapped the handover rota",
    "note": "Silo working surfaced near ward nine",
    "edited": "Rewritten afterwards by myself",
    "question": "Which afternoon suits Tuesday folk",
    "option": "Thursday lunchtime lounge",
    "forum": "Kestrel leadership huddle",
    "agreement": "Asha drafts the rota by Friday",
}


async def _form(ctx: Context, actor: Actor, *, opened: Reply, values: Mapping[str, Any]) -> Reply:
    assert opened.form is not None
    return await handle_action(
        ctx=ctx,
        actor=actor,
        action=Action(
            action_id=opened.form.form_id,
            value=opened.form.state,
            values=cast(Mapping[str, FieldValue], MappingProxyType(dict(values))),
        ),
    )


async def _write_everything(ctx: Context, actor: Actor) -> None:
    here = dataclasses.replace(actor, channel="C0SEALED")
    opened = await handle_text(ctx=ctx, actor=actor, text="reflect what")
    values = {"title": WRITTEN["title"], "what": WRITTEN["what"]}
    await _form(ctx, actor, opened=opened, values=values)
    await handle_text(ctx=ctx, actor=actor, text=f"reflect {WRITTEN['note']}")
    await handle_text(
        ctx=ctx, actor=here, text=f'poll "{WRITTEN["question"]}" "{WRITTEN["option"]}" "Never"'
    )
    opened = await handle_text(ctx=ctx, actor=here, text="meeting")
    setup = {
        "name": WRITTEN["forum"],
        "recurrence": "every Monday at 10:00",
        "timezone": "Europe/London",
        "duration": "60",
    }
    await _form(ctx, here, opened=opened, values=setup)
    async with ctx.database.transaction() as session:
        schedule_id = await session.scalar(
            select(Schedule.id)
            .join(Workspace, Workspace.id == Schedule.workspace_id)
            .where(Workspace.external_id == actor.workspace)
        )
    assert schedule_id is not None
    occurrence = Occurrence(schedule_id=schedule_id, at=datetime(2026, 11, 2, 10, tzinfo=UTC))
    await handle_action(
        ctx=ctx,
        actor=here,
        action=Action(
            action_id="meeting.agreements.save",
            value=OCCURRENCE.encode(occurrence),
            values=MappingProxyType({"item1": WRITTEN["agreement"]}),
        ),
    )


async def dump(database: Database) -> str:
    """Every row of every table, as a database reader with `SELECT *` sees it."""
    lines = []
    async with database.engine.connect() as conn:
        for table in [*Base.metadata.sorted_tables]:
            for row in await conn.execute(text(f"SELECT * FROM {table.name}")):
                lines.append(f"{table.name}: {tuple(row)!r}")
    return "\n".join(lines)


async def test_a_dump_of_every_table_holds_none_of_the_written_text(
    ctx: Context, actor: Actor
) -> None:
    await _write_everything(ctx, actor)
    raw = await dump(ctx.database)
    assert "reflections:" in raw and "agreements:" in raw and "polls:" in raw
    for fragment in WRITTEN.values():
        assert fragment not in raw
        assert fragment.split()[0] not in raw


async def test_lists_exports_and_edits_read_the_sealed_text(ctx: Context, actor: Actor) -> None:
    await _write_everything(ctx, actor)
    listing = await handle_text(ctx=ctx, actor=actor, text="reflections")
    shown = str(listing)
    assert WRITTEN["title"] in shown and WRITTEN["note"][:20] in shown
    exported = await handle_text(ctx=ctx, actor=actor, text="export")
    by_name = {a.filename.rsplit(".", 1)[1]: a.content for a in exported.attachments}
    rows = list(csv.reader(io.StringIO(by_name["csv"].decode("utf-8-sig"))))
    assert any(WRITTEN["what"] in cell for row in rows for cell in row)
    assert by_name["pdf"].startswith(b"%PDF")
    edit = next(
        b
        for section in listing.sections
        if WRITTEN["title"] in str(section)
        for b in section.buttons
        if b.label == "Edit"
    )
    opened = await handle_action(
        ctx=ctx, actor=actor, action=Action(action_id=edit.action_id, value=edit.value)
    )
    assert opened.form is not None
    assert {f.id: f.initial for f in opened.form.fields}["title"] == WRITTEN["title"]
    await _form(ctx, actor, opened=opened, values={"title": WRITTEN["edited"], "what": "x"})
    assert WRITTEN["edited"] in str(await handle_text(ctx=ctx, actor=actor, text="reflections"))
    assert WRITTEN["edited"] not in await dump(ctx.database)


async def test_rotation_reseals_everything_and_old_values_open_during_it(
    own_database: Database, pack: Any, clock: Any, actor: Actor, data_key: DataKey
) -> None:
    import random

    ctx = Context(pack=pack, database=own_database, clock=clock, rng=random.Random(7))
    await _write_everything(ctx, actor)
    new = DataKey.generate()
    try:
        KEYRING.use(new, older=[data_key])
        # Mid-rotation: the old key's values still open beside any new ones.
        before = str(await handle_text(ctx=ctx, actor=actor, text="reflections"))
        assert WRITTEN["title"] in before
        progress: list[str] = []
        changed = await rotate(database=own_database, batch=2, report=progress.append)
        assert changed >= 8 and progress
        assert await rotate(database=own_database, batch=2, report=progress.append) == 0
        raw = await dump(own_database)
        assert data_key.key_id not in raw and new.key_id in raw
        KEYRING.use(new)  # the old key is gone: everything still reads
        assert str(await handle_text(ctx=ctx, actor=actor, text="reflections")) == before
        await check_key(database=own_database)
    finally:
        KEYRING.use(data_key)


async def test_a_wrong_key_is_named_at_start_up_not_read_as_garbage(
    own_database: Database, pack: Any, clock: Any, actor: Actor, data_key: DataKey
) -> None:
    import random

    ctx = Context(pack=pack, database=own_database, clock=clock, rng=random.Random(7))
    await _write_everything(ctx, actor)
    await check_key(database=own_database)
    try:
        KEYRING.use(DataKey.generate())
        with pytest.raises(KeyMismatch, match="CCPL_DATA_KEY") as refused:
            await check_key(database=own_database)
        assert data_key.key_id in str(refused.value)
    finally:
        KEYRING.use(data_key)


async def test_the_columns_people_write_are_sealed_values(ctx: Context, actor: Actor) -> None:
    await _write_everything(ctx, actor)
    async with ctx.database.engine.connect() as conn:
        rows = (await conn.execute(text("SELECT title, answers, session FROM reflections"))).all()
    assert rows and all(
        is_sealed(str(title)) and is_sealed(str(answers)) for title, answers, _ in rows
    )
    async with ctx.database.transaction() as session:
        titles = set(await session.scalars(select(Reflection.title)))
    assert WRITTEN["title"] in titles


async def test_the_migration_seals_text_already_stored(tmp_path: Any) -> None:
    database = Database(url=f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    try:
        await upgrade(database=database, revision="0006")
        async with database.engine.begin() as conn:
            await conn.execute(
                text("INSERT INTO workspaces VALUES (1, 'slack', 'T1', '2026-01-01')")
            )
            await conn.execute(
                text(
                    "INSERT INTO members (id, workspace_id, external_id, created_at)"
                    " VALUES (1, 1, 'U1', '2026-01-01')"
                )
            )
            await conn.execute(
                text(
                    "INSERT INTO reflections (id, workspace_id, member_id, created_at, updated_at,"
                    " title, answers, code_themes, principles, cpd_minutes, participatory)"
                    " VALUES (1, 1, 1, '2026-01-01', '2026-01-01', :title, :answers, '[]', '[]',"
                    " 0, 0)"
                ),
                {"title": WRITTEN["title"], "answers": json.dumps({"what": WRITTEN["what"]})},
            )
        await upgrade(database=database)
        raw = await dump(database)
        assert WRITTEN["title"] not in raw and WRITTEN["what"] not in raw
        async with database.transaction() as session:
            row = await session.get(Reflection, 1)
            assert row is not None
            assert (row.title, row.answers) == (WRITTEN["title"], {"what": WRITTEN["what"]})
    finally:
        await database.dispose()

"""Sealed columns as a whole: checking the loaded key opens them, and re-sealing on rotation.

Sealed values are found from the models' metadata (every `Sealed` or
`SealedJSON` column), so a column sealed later is covered without changing
this code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Column, ColumnClause, TableClause, column, select, table, update

from storage.crypto import KEYRING, Unreadable, is_sealed
from storage.database import Database
from storage.models import Base
from storage.types import Sealed, SealedJSON


class KeyMismatch(RuntimeError):
    """The loaded key does not open what this database holds; the message says what to set."""


@dataclass(frozen=True, slots=True)
class SealedColumn:
    """One sealed column, seen raw: the stored tokens, never the opened text."""

    table: str
    name: str
    # Untyped columns: values pass through as stored, so nothing is opened or re-sealed
    # behind our back.
    raw: TableClause
    pk: ColumnClause[object]
    value: ColumnClause[object]


def _raw(table_name: str, key: str, name: str) -> SealedColumn:
    raw = table(table_name, column(key), column(name))
    return SealedColumn(table=table_name, name=name, raw=raw, pk=raw.c[key], value=raw.c[name])


def sealed_columns() -> list[SealedColumn]:
    """Every sealed column of the models, with its table's single-column primary key."""
    found = []
    for model_table in Base.metadata.sorted_tables:
        keys: list[Column[object]] = list(model_table.primary_key.columns)
        for col in model_table.columns:
            if isinstance(col.type, Sealed | SealedJSON):
                found.append(_raw(model_table.name, keys[0].name, col.name))
    return found


def _loaded_ids() -> set[str]:
    return {key.key_id for key in (KEYRING.key(), *KEYRING.older)}


async def check_key(*, database: Database) -> None:
    """Refuse to start when the loaded key cannot open what is stored, rather than fail later
    on each read (a sample per column: a wrong key fails on any value)."""
    loaded = _loaded_ids()
    async with database.engine.connect() as conn:
        for sealed in sealed_columns():
            token = await conn.scalar(
                select(sealed.value).where(sealed.value.is_not(None)).limit(1)
            )
            if token is None:
                continue
            key_id = str(token).split(":", 2)[1] if is_sealed(str(token)) else "(none)"
            try:
                if key_id not in loaded:
                    raise Unreadable(key_id)
                KEYRING.open(str(token))
            except Unreadable:
                raise KeyMismatch(
                    f"CCPL_DATA_KEY does not open the text in this database (sealed under "
                    f"key {key_id}; CCPL_DATA_KEY is key {KEYRING.key().key_id}): set the key "
                    "it was sealed with, or during a rotation put the old one in "
                    "CCPL_OLD_DATA_KEY"
                ) from None


async def rotate(
    *, database: Database, batch: int = 500, report: Callable[[str], None] = lambda _: None
) -> int:
    """Re-seal every value not under the current key; returns how many changed.

    Each batch commits on its own and skips values already under the current
    key, so an interrupted rotation is finished by running it again.
    """
    current = KEYRING.key().key_id
    changed = 0
    for sealed in sealed_columns():
        done = await _rotate_column(database=database, sealed=sealed, current=current, batch=batch)
        report(f"{sealed.table}.{sealed.name}: {done} re-sealed")
        changed += done
    return changed


async def _rotate_column(
    *, database: Database, sealed: SealedColumn, current: str, batch: int
) -> int:
    changed = 0
    last: object = None
    while True:
        async with database.engine.begin() as conn:
            query = select(sealed.pk, sealed.value).where(sealed.value.is_not(None))
            if last is not None:
                query = query.where(sealed.pk > last)
            rows = (await conn.execute(query.order_by(sealed.pk).limit(batch))).all()
            for key, token in rows:
                if str(token).split(":", 2)[1:2] == [current]:
                    continue
                fresh = KEYRING.seal(KEYRING.open(str(token)))
                # Only if nobody changed it meanwhile: an edit is already under the new key.
                result = await conn.execute(
                    update(sealed.raw)
                    .where(sealed.pk == key, sealed.value == token)
                    .values({sealed.name: fresh})
                )
                changed += result.rowcount
        if len(rows) < batch:
            return changed
        last = rows[-1][0]

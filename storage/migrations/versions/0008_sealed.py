"""sealed text: what people write is encrypted at rest

Revision ID: 0008
Revises: 0007_ownership
Create Date: 2026-11-30 21:40:00.000000

The columns become Text (a sealed value is longer than the text it holds) and
every existing value is sealed under the server's data key, which
`ccpl-bot db upgrade` loads from CCPL_DATA_KEY. The list of columns is written
out here, not read from the models, so this step stays what it was.
"""

from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from storage.crypto import KEYRING, is_sealed

revision: str = "0008"
down_revision: str | None = "0007_ownership"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table, column, the type it had, whether it may be NULL
COLUMNS: tuple[tuple[str, str, sa.types.TypeEngine[Any], bool], ...] = (
    ("reflections", "title", sa.String(length=200), False),
    ("reflections", "answers", sa.JSON(), False),
    ("reflections", "session", sa.String(length=200), True),
    ("schedules", "name", sa.String(length=100), False),
    ("schedules", "ground_rules", sa.String(length=2000), True),
    ("lunch_sessions", "title", sa.String(length=150), False),
    ("lunch_sessions", "topic", sa.String(length=150), False),
    ("lunch_sessions", "location", sa.String(length=300), False),
    ("lunch_sessions", "host", sa.String(length=100), False),
    ("agreements", "text", sa.String(length=3000), False),
    ("polls", "question", sa.String(length=300), False),
    ("polls", "options", sa.JSON(), False),
)
BATCH = 500


def _count_plain() -> int:
    bind = op.get_bind()
    total = 0
    for name, col, _, _ in COLUMNS:
        raw = sa.table(name, sa.column(col))
        total += bind.scalar(sa.select(sa.func.count()).where(raw.c[col].is_not(None))) or 0
    return total


def _seal(value: str) -> str:
    # Already sealed when a previous run stopped part-way (SQLite has no DDL transaction).
    return value if is_sealed(value) else KEYRING.seal(value)


def _open(value: str) -> str:
    return KEYRING.open(value) if is_sealed(value) else value


def _rewrite(name: str, col: str, change: Callable[[str], str]) -> None:
    """Rewrite one column's values through `change`, in batches by id."""
    bind = op.get_bind()
    raw = sa.table(name, sa.column("id"), sa.column(col))
    last = 0
    while True:
        rows = bind.execute(
            sa.select(raw.c.id, raw.c[col])
            .where(raw.c.id > last, raw.c[col].is_not(None))
            .order_by(raw.c.id)
            .limit(BATCH)
        ).all()
        for key, value in rows:
            new = change(str(value))
            if new != value:
                bind.execute(sa.update(raw).where(raw.c.id == key).values({col: new}))
        if len(rows) < BATCH:
            return
        last = rows[-1][0]


def _alter(
    name: str,
    col: str,
    *,
    old: sa.types.TypeEngine[Any],
    new: sa.types.TypeEngine[Any],
    nullable: bool,
) -> None:
    using = None
    # PostgreSQL casts json to and from text only when told to.
    if op.get_bind().dialect.name == "postgresql" and isinstance(old, sa.JSON):
        using = f"{col}::text"
    elif op.get_bind().dialect.name == "postgresql" and isinstance(new, sa.JSON):
        using = f"{col}::json"
    with op.batch_alter_table(name) as batch:
        batch.alter_column(
            col,
            type_=new,
            existing_type=old,
            existing_nullable=nullable,
            postgresql_using=using,
        )


def upgrade() -> None:
    if KEYRING.current is None and _count_plain():
        raise RuntimeError(
            "CCPL_DATA_KEY is needed to seal the text already stored: "
            "set it and run `ccpl-bot db upgrade` again"
        )
    for name, col, old, nullable in COLUMNS:
        _alter(name, col, old=old, new=sa.Text(), nullable=nullable)
        _rewrite(name, col, _seal)


def downgrade() -> None:
    for name, col, old, nullable in COLUMNS:
        _rewrite(name, col, _open)
        _alter(name, col, old=sa.Text(), new=old, nullable=nullable)

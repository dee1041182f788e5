"""autoincrement: SQLite never again gives a deleted row's id to a new one, in the
tables whose ids outbox keys name

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 00:45:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Outbox keys such as `poll:7` name these ids; a reused id meets the old key and the
# new post is refused as already planned.
TABLES = ("members", "schedules", "lunch_sessions", "checkins", "polls")


def _rebuild(*, autoincrement: bool) -> None:
    # PostgreSQL's sequences never reuse an id: nothing to change there.
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in TABLES:
        # SQLite cannot add AUTOINCREMENT to a table; batch mode copies it, rows and all,
        # into a new one (storage.migrate runs this with foreign keys off, so nothing
        # referencing these rows is deleted, and checks every reference before commit).
        with op.batch_alter_table(
            table, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
        ):
            pass


def upgrade() -> None:
    _rebuild(autoincrement=True)


def downgrade() -> None:
    _rebuild(autoincrement=False)

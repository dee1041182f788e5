"""org retention: each organisation's own retention periods, beside its time zone

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-01 00:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("keep_participation", "keep_checkins", "keep_polls", "keep_audit")


def upgrade() -> None:
    with op.batch_alter_table("organisation_settings") as batch:
        for name in COLUMNS:
            batch.add_column(sa.Column(name, sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("organisation_settings") as batch:
        for name in reversed(COLUMNS):
            batch.drop_column(name)

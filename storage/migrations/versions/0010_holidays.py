"""holidays: a schedule's bank-holiday policy and the calendar it follows

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 22:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing schedules keep posting on bank holidays, as they always have.
    with op.batch_alter_table("schedules") as batch:
        batch.add_column(
            sa.Column("holiday_policy", sa.String(length=8), server_default="none", nullable=False)
        )
        batch.add_column(
            sa.Column("holiday_region", sa.String(length=8), server_default="ENG", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("schedules") as batch:
        batch.drop_column("holiday_region")
        batch.drop_column("holiday_policy")

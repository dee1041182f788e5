"""cpd: a member's regulator, revalidation date and the name their export prints

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 23:35:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cpd_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("regulator", sa.String(length=16), nullable=True),
        sa.Column("renewal_date", sa.Date(), nullable=True),
        sa.Column("full_name", sa.Text(), nullable=True),
        sa.Column("registration_number", sa.Text(), nullable=True),
        sa.Column("exports", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_cpd_settings_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_cpd_settings_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cpd_settings")),
        sa.UniqueConstraint(
            "workspace_id", "member_id", name=op.f("uq_cpd_settings_workspace_id_member_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("cpd_settings")

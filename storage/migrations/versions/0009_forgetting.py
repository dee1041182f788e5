"""forgetting: grants outlive their granter's id; check-in responses kept apart

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 21:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Invitations settled before this revision said "answered" per person, which with the
# named posts in a thread points at anonymous authors. Every round holding such a row
# is closed whole, so all its invitations read alike; rounds nobody answered stay open.
CLOSE_SETTLED_ROUNDS = """
UPDATE checkins SET status = 'closed'
WHERE EXISTS (
    SELECT 1 FROM checkins AS settled
    WHERE settled.workspace_id = checkins.workspace_id
      AND settled.channel = checkins.channel
      AND settled.sent_at = checkins.sent_at
      AND settled.status NOT IN ('pending', 'closed')
)
"""


def upgrade() -> None:
    op.create_table(
        "checkin_responses",
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_checkin_responses_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_checkin_responses")),
    )
    with op.batch_alter_table("facilitators", schema=None) as batch_op:
        batch_op.alter_column("added_by", existing_type=sa.String(length=64), nullable=True)
    op.execute(CLOSE_SETTLED_ROUNDS)


def downgrade() -> None:
    # Grants whose granter was forgotten have no id to restore; "" keeps them valid.
    op.execute("UPDATE facilitators SET added_by = '' WHERE added_by IS NULL")
    with op.batch_alter_table("facilitators", schema=None) as batch_op:
        batch_op.alter_column("added_by", existing_type=sa.String(length=64), nullable=False)
    op.drop_table("checkin_responses")

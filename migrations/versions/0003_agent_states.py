"""agent states owned by the application, and their log

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 11:25:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

agents = sa.table(
    "agents",
    sa.column("logged_in", sa.Boolean()),
    sa.column("state", sa.String(16)),
)


def upgrade() -> None:
    op.create_table(
        "agent_state_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("from_state", sa.String(length=16), nullable=False),
        sa.Column("to_state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.id"], name=op.f("fk_agent_state_log_agent_id_agents"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_state_log")),
    )
    with op.batch_alter_table("agent_state_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agent_state_log_agent_id"), ["agent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_agent_state_log_at"), ["at"], unique=False)

    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("state", sa.String(length=16), nullable=False, server_default="logged_out")
        )
        batch_op.add_column(sa.Column("pause_reason", sa.String(length=32), nullable=True))
    op.execute(agents.update().where(agents.c.logged_in.is_(True)).values(state="ready"))
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.drop_column("logged_in")


def downgrade() -> None:
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("logged_in", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute(agents.update().where(agents.c.state != "logged_out").values(logged_in=True))
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.drop_column("pause_reason")
        batch_op.drop_column("state")
    with op.batch_alter_table("agent_state_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agent_state_log_at"))
        batch_op.drop_index(batch_op.f("ix_agent_state_log_agent_id"))
    op.drop_table("agent_state_log")

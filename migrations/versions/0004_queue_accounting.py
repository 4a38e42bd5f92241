"""queue accounting, call legs, callbacks, queue settings, agent skills, recording legs

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 13:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

QUEUE_SETTINGS = ("max_wait", "announce_frequency", "announce_holdtime", "callback", "message_when_empty")


def upgrade() -> None:
    op.create_table(
        "queue_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=True),
        sa.Column("channel_id", sa.String(length=64), nullable=True),
        sa.Column("queue", sa.String(length=48), nullable=False),
        sa.Column("agent", sa.String(length=48), nullable=True),
        sa.Column("event", sa.String(length=24), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"], ["calls.id"], name=op.f("fk_queue_events_call_id_calls"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queue_events")),
    )
    with op.batch_alter_table("queue_events", schema=None) as batch_op:
        for column in ("at", "call_id", "channel_id", "event"):
            batch_op.create_index(batch_op.f(f"ix_queue_events_{column}"), [column], unique=False)
    op.create_table(
        "call_legs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("endpoint", sa.String(length=48), nullable=False),
        sa.Column("channel", sa.String(length=96), nullable=True),
        sa.Column("connected_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["agent_id"], ["agents.id"], name=op.f("fk_call_legs_agent_id_agents")),
        sa.ForeignKeyConstraint(
            ["call_id"], ["calls.id"], name=op.f("fk_call_legs_call_id_calls"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_legs")),
    )
    with op.batch_alter_table("call_legs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_call_legs_call_id"), ["call_id"], unique=False)
    op.create_table(
        "callbacks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("queue", sa.String(length=48), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_result", sa.String(length=16), nullable=True),
        sa.Column("channel_id", sa.String(length=64), nullable=True),
        sa.Column("recording", sa.Text(), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"], ["calls.id"], name=op.f("fk_callbacks_call_id_calls"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_callbacks")),
        sa.UniqueConstraint("call_id", name=op.f("uq_callbacks_call_id")),
    )
    with op.batch_alter_table("callbacks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_callbacks_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_callbacks_channel_id"), ["channel_id"], unique=False)
    op.create_table(
        "ingest_cursors",
        sa.Column("name", sa.String(length=48), nullable=False),
        sa.Column("inode", sa.BigInteger(), nullable=False),
        sa.Column("offset", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_ingest_cursors")),
    )
    op.create_table(
        "agent_skills",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("skill", sa.String(length=32), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.id"], name=op.f("fk_agent_skills_agent_id_agents"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_skills")),
        sa.UniqueConstraint("agent_id", "skill", name=op.f("uq_agent_skills_agent_id")),
    )
    with op.batch_alter_table("agent_skills", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agent_skills_agent_id"), ["agent_id"], unique=False)
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.add_column(sa.Column("wait_s", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("talk_s", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("queue_outcome", sa.String(length=24), nullable=True))
    with op.batch_alter_table("recordings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("leg", sa.String(length=16), nullable=False, server_default="inbound"))
        batch_op.add_column(sa.Column("channel_id", sa.String(length=64), nullable=True))
    with op.batch_alter_table("queues", schema=None) as batch_op:
        batch_op.add_column(sa.Column("max_wait", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("announce_frequency", sa.Integer(), nullable=False, server_default="30")
        )
        for flag in ("announce_holdtime", "callback", "message_when_empty"):
            batch_op.add_column(sa.Column(flag, sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade() -> None:
    with op.batch_alter_table("queues", schema=None) as batch_op:
        for column in reversed(QUEUE_SETTINGS):
            batch_op.drop_column(column)
    with op.batch_alter_table("recordings", schema=None) as batch_op:
        batch_op.drop_column("channel_id")
        batch_op.drop_column("leg")
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.drop_column("queue_outcome")
        batch_op.drop_column("talk_s")
        batch_op.drop_column("wait_s")
    with op.batch_alter_table("agent_skills", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agent_skills_agent_id"))
    op.drop_table("agent_skills")
    op.drop_table("ingest_cursors")
    with op.batch_alter_table("callbacks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_callbacks_channel_id"))
        batch_op.drop_index(batch_op.f("ix_callbacks_status"))
    op.drop_table("callbacks")
    with op.batch_alter_table("call_legs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_call_legs_call_id"))
    op.drop_table("call_legs")
    with op.batch_alter_table("queue_events", schema=None) as batch_op:
        for column in ("event", "channel_id", "call_id", "at"):
            batch_op.drop_index(batch_op.f(f"ix_queue_events_{column}"))
    op.drop_table("queue_events")

"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22 23:42:36.209695
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "counties",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name_zh", sa.String(length=64), nullable=False),
        sa.Column("name_en", sa.String(length=64), nullable=False),
        sa.Column("area_code", sa.String(length=8), nullable=True),
        sa.Column("is_center", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_counties")),
        sa.UniqueConstraint("code", name=op.f("uq_counties_code")),
    )
    op.create_table(
        "service_categories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=48), nullable=False),
        sa.Column("name_zh", sa.String(length=64), nullable=False),
        sa.Column("name_en", sa.String(length=96), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["service_categories.id"],
            name=op.f("fk_service_categories_parent_id_service_categories"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_categories")),
        sa.UniqueConstraint("code", name=op.f("uq_service_categories_code")),
    )
    op.create_table(
        "agents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=48), nullable=False),
        sa.Column("display_name", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=24), nullable=False),
        sa.Column("endpoint", sa.String(length=48), nullable=False),
        sa.Column("county_id", sa.Integer(), nullable=True),
        sa.Column("logged_in", sa.Boolean(), nullable=False),
        sa.Column("state_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["county_id"], ["counties.id"], name=op.f("fk_agents_county_id_counties")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agents")),
        sa.UniqueConstraint("endpoint", name=op.f("uq_agents_endpoint")),
        sa.UniqueConstraint("name", name=op.f("uq_agents_name")),
    )
    op.create_table(
        "members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=24), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("county_id", sa.Integer(), nullable=True),
        sa.Column("address", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["county_id"], ["counties.id"], name=op.f("fk_members_county_id_counties")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_members")),
        sa.UniqueConstraint("phone", name=op.f("uq_members_phone")),
    )
    op.create_table(
        "merchants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("phone", sa.String(length=24), nullable=False),
        sa.Column("county_id", sa.Integer(), nullable=True),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("contract_status", sa.String(length=16), nullable=False),
        sa.Column("credit_points", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["service_categories.id"],
            name=op.f("fk_merchants_category_id_service_categories"),
        ),
        sa.ForeignKeyConstraint(["county_id"], ["counties.id"], name=op.f("fk_merchants_county_id_counties")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_merchants")),
        sa.UniqueConstraint("name", name=op.f("uq_merchants_name")),
    )
    op.create_table(
        "queues",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=48), nullable=False),
        sa.Column("county_id", sa.Integer(), nullable=True),
        sa.Column("strategy", sa.String(length=16), nullable=False),
        sa.Column("ring_timeout", sa.Integer(), nullable=False),
        sa.Column("wrapup_time", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["county_id"], ["counties.id"], name=op.f("fk_queues_county_id_counties")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queues")),
        sa.UniqueConstraint("name", name=op.f("uq_queues_name")),
    )
    op.create_table(
        "calls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=40), nullable=False),
        sa.Column("channel_id", sa.String(length=64), nullable=True),
        sa.Column("linked_id", sa.String(length=64), nullable=True),
        sa.Column("caller_number", sa.String(length=32), nullable=False),
        sa.Column("dialed_number", sa.String(length=32), nullable=False),
        sa.Column("county_id", sa.Integer(), nullable=True),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("via", sa.String(length=16), nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("queue_name", sa.String(length=48), nullable=True),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("disposition", sa.String(length=16), nullable=False),
        sa.Column("hangup_cause", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(["agent_id"], ["agents.id"], name=op.f("fk_calls_agent_id_agents")),
        sa.ForeignKeyConstraint(["county_id"], ["counties.id"], name=op.f("fk_calls_county_id_counties")),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_calls_member_id_members")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calls")),
        sa.UniqueConstraint("uid", name=op.f("uq_calls_uid")),
    )
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_calls_channel_id"), ["channel_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_calls_entered_at"), ["entered_at"], unique=False)

    op.create_table(
        "recordings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("duration_s", sa.Float(), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"], ["calls.id"], name=op.f("fk_recordings_call_id_calls"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recordings")),
    )
    with op.batch_alter_table("recordings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recordings_call_id"), ["call_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("recordings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recordings_call_id"))

    op.drop_table("recordings")
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calls_entered_at"))
        batch_op.drop_index(batch_op.f("ix_calls_channel_id"))

    op.drop_table("calls")
    op.drop_table("queues")
    op.drop_table("merchants")
    op.drop_table("members")
    op.drop_table("agents")
    op.drop_table("service_categories")
    op.drop_table("counties")

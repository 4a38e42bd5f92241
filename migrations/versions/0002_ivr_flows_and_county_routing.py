"""ivr flows and county routing

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03 07:01:50.198463
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ivr_flows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=48), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ivr_flows")),
        sa.UniqueConstraint("name", "version", name=op.f("uq_ivr_flows_name")),
    )
    op.create_table(
        "county_dids",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=24), nullable=False),
        sa.Column("county_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["county_id"], ["counties.id"], name=op.f("fk_county_dids_county_id_counties"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_county_dids")),
        sa.UniqueConstraint("number", name=op.f("uq_county_dids_number")),
    )
    with op.batch_alter_table("county_dids", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_county_dids_county_id"), ["county_id"], unique=False)

    op.create_table(
        "county_prefixes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("county_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["county_id"],
            ["counties.id"],
            name=op.f("fk_county_prefixes_county_id_counties"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_county_prefixes")),
        sa.UniqueConstraint("prefix", name=op.f("uq_county_prefixes_prefix")),
    )
    with op.batch_alter_table("county_prefixes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_county_prefixes_county_id"), ["county_id"], unique=False)

    op.create_table(
        "pending_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("county_id", sa.Integer(), nullable=True),
        sa.Column("queue_name", sa.String(length=48), nullable=True),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("duration_s", sa.Float(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"], ["calls.id"], name=op.f("fk_pending_messages_call_id_calls"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["county_id"], ["counties.id"], name=op.f("fk_pending_messages_county_id_counties")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_messages")),
    )
    with op.batch_alter_table("pending_messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pending_messages_call_id"), ["call_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_pending_messages_created_at"), ["created_at"], unique=False)

    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=16), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("county_id", sa.Integer(), nullable=True),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("call_id", sa.Integer(), nullable=True),
        sa.Column("category_code", sa.String(length=48), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["call_id"], ["calls.id"], name=op.f("fk_tickets_call_id_calls")),
        sa.ForeignKeyConstraint(["county_id"], ["counties.id"], name=op.f("fk_tickets_county_id_counties")),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_tickets_member_id_members")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets")),
        sa.UniqueConstraint("number", name=op.f("uq_tickets_number")),
    )
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.add_column(sa.Column("routing_reason", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("routing_detail", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("category_code", sa.String(length=48), nullable=True))
        batch_op.add_column(sa.Column("urgency", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("flow_version", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("ivr_path", sa.JSON(), nullable=True))

    with op.batch_alter_table("counties", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("hours_days", sa.String(length=16), nullable=False, server_default="always")
        )
        batch_op.add_column(sa.Column("hours_open", sa.String(length=5), nullable=True))
        batch_op.add_column(sa.Column("hours_close", sa.String(length=5), nullable=True))
        batch_op.add_column(sa.Column("overflow_queue", sa.String(length=48), nullable=True))
        batch_op.add_column(sa.Column("overflow_wait", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("menu_digit", sa.String(length=1), nullable=True))

    with op.batch_alter_table("queues", schema=None) as batch_op:
        batch_op.add_column(sa.Column("skill", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("queues", schema=None) as batch_op:
        batch_op.drop_column("skill")

    with op.batch_alter_table("counties", schema=None) as batch_op:
        batch_op.drop_column("menu_digit")
        batch_op.drop_column("overflow_wait")
        batch_op.drop_column("overflow_queue")
        batch_op.drop_column("hours_close")
        batch_op.drop_column("hours_open")
        batch_op.drop_column("hours_days")

    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.drop_column("ivr_path")
        batch_op.drop_column("flow_version")
        batch_op.drop_column("urgency")
        batch_op.drop_column("category_code")
        batch_op.drop_column("language")
        batch_op.drop_column("routing_detail")
        batch_op.drop_column("routing_reason")

    op.drop_table("tickets")
    with op.batch_alter_table("pending_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pending_messages_created_at"))
        batch_op.drop_index(batch_op.f("ix_pending_messages_call_id"))

    op.drop_table("pending_messages")
    with op.batch_alter_table("county_prefixes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_county_prefixes_county_id"))

    op.drop_table("county_prefixes")
    with op.batch_alter_table("county_dids", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_county_dids_county_id"))

    op.drop_table("county_dids")
    op.drop_table("ivr_flows")

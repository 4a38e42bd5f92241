"""tickets' service loop (timeline, numbering, dispatches, return visits, web orders), merchant
categories, counties, staff and credit events, console users, roles, API tokens, audit log, desk events

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 16:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ticket_counters",
        sa.Column("day", sa.String(length=8), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_ticket_counters")),
    )
    op.create_table(
        "merchant_categories",
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["service_categories.id"],
            name=op.f("fk_merchant_categories_category_id_service_categories"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchants.id"],
            name=op.f("fk_merchant_categories_merchant_id_merchants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("merchant_id", "category_id", name=op.f("pk_merchant_categories")),
    )
    op.create_table(
        "merchant_counties",
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("county_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["county_id"],
            ["counties.id"],
            name=op.f("fk_merchant_counties_county_id_counties"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchants.id"],
            name=op.f("fk_merchant_counties_merchant_id_merchants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("merchant_id", "county_id", name=op.f("pk_merchant_counties")),
    )
    op.create_table(
        "merchant_staff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("certificate", sa.String(length=64), nullable=True),
        sa.Column("certificate_no", sa.String(length=64), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchants.id"],
            name=op.f("fk_merchant_staff_merchant_id_merchants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_merchant_staff")),
    )
    with op.batch_alter_table("merchant_staff", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_merchant_staff_merchant_id"), ["merchant_id"], unique=False)

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=48), nullable=False),
        sa.Column("display_name", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("county_id", sa.Integer(), nullable=True),
        sa.Column("language", sa.String(length=8), server_default="zh", nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.id"], name=op.f("fk_users_agent_id_agents"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["county_id"], ["counties.id"], name=op.f("fk_users_county_id_counties")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("agent_id", name=op.f("uq_users_agent_id")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_api_tokens_token_sha256")),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_tokens_user_id"), ["user_id"], unique=False)

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("object_type", sa.String(length=24), nullable=True),
        sa.Column("object_id", sa.String(length=64), nullable=True),
        sa.Column("remote_addr", sa.String(length=64), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_audit_log_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_user_id"), ["user_id"], unique=False)

    op.create_table(
        "desk_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("data", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.id"], name=op.f("fk_desk_events_agent_id_agents"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["call_id"], ["calls.id"], name=op.f("fk_desk_events_call_id_calls"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desk_events")),
    )
    with op.batch_alter_table("desk_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_desk_events_agent_id"), ["agent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_desk_events_call_id"), ["call_id"], unique=False)

    op.create_table(
        "user_roles",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_roles_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "role", name=op.f("pk_user_roles")),
    )
    op.create_table(
        "credit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchants.id"],
            name=op.f("fk_credit_events_merchant_id_merchants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_credit_events_ticket_id_tickets"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_events")),
    )
    with op.batch_alter_table("credit_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_credit_events_merchant_id"), ["merchant_id"], unique=False)

    op.create_table(
        "dispatches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("dispatched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("dispatched_by_id", sa.Integer(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deadline_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fee_cents", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("call_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["call_id"], ["calls.id"], name=op.f("fk_dispatches_call_id_calls")),
        sa.ForeignKeyConstraint(
            ["dispatched_by_id"], ["users.id"], name=op.f("fk_dispatches_dispatched_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"], ["merchants.id"], name=op.f("fk_dispatches_merchant_id_merchants")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_dispatches_ticket_id_tickets"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispatches")),
    )
    with op.batch_alter_table("dispatches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dispatches_merchant_id"), ["merchant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_dispatches_ticket_id"), ["ticket_id"], unique=False)

    op.create_table(
        "ticket_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("from_status", sa.String(length=24), nullable=True),
        sa.Column("to_status", sa.String(length=24), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_ticket_events_actor_id_users")),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_events_ticket_id_tickets"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_events")),
    )
    with op.batch_alter_table("ticket_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ticket_events_ticket_id"), ["ticket_id"], unique=False)

    op.create_table(
        "web_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("phone", sa.String(length=24), nullable=False),
        sa.Column("county_id", sa.Integer(), nullable=True),
        sa.Column("category_code", sa.String(length=48), nullable=True),
        sa.Column("address", sa.String(length=255), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("verified_by_id", sa.Integer(), nullable=True),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("remote_addr", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["county_id"], ["counties.id"], name=op.f("fk_web_orders_county_id_counties")
        ),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_web_orders_member_id_members")),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_web_orders_ticket_id_tickets"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["verified_by_id"], ["users.id"], name=op.f("fk_web_orders_verified_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_orders")),
    )
    with op.batch_alter_table("web_orders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_web_orders_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_web_orders_phone"), ["phone"], unique=False)
        batch_op.create_index(batch_op.f("ix_web_orders_status"), ["status"], unique=False)

    op.create_table(
        "return_visits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("dispatch_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_by_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=24), nullable=True),
        sa.Column("satisfaction", sa.Integer(), nullable=True),
        sa.Column("timely", sa.Boolean(), nullable=True),
        sa.Column("fee_paid", sa.Boolean(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("call_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["call_id"], ["calls.id"], name=op.f("fk_return_visits_call_id_calls")),
        sa.ForeignKeyConstraint(
            ["dispatch_id"],
            ["dispatches.id"],
            name=op.f("fk_return_visits_dispatch_id_dispatches"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(["done_by_id"], ["users.id"], name=op.f("fk_return_visits_done_by_id_users")),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_return_visits_ticket_id_tickets"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_return_visits")),
    )
    with op.batch_alter_table("return_visits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_return_visits_done_at"), ["done_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_return_visits_due_at"), ["due_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_return_visits_ticket_id"), ["ticket_id"], unique=False)

    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source", sa.String(length=8), server_default="call", nullable=False))
        batch_op.add_column(sa.Column("notes", sa.Text(), nullable=True))

    with op.batch_alter_table("merchants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("contact_name", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("address", sa.String(length=255), nullable=True))

    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("urgency", sa.String(length=16), server_default="normal", nullable=False)
        )
        batch_op.add_column(sa.Column("due_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("source", sa.String(length=8), server_default="phone", nullable=False))
        batch_op.add_column(sa.Column("contact_name", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("contact_phone", sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column("address", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("answer", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("merchant_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("created_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))
        batch_op.create_index(batch_op.f("ix_tickets_call_id"), ["call_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tickets_county_id"), ["county_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tickets_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_tickets_member_id"), ["member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tickets_merchant_id"), ["merchant_id"], unique=False)
        batch_op.create_index("ix_tickets_status_type", ["status", "type"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_tickets_created_by_id_users"), "users", ["created_by_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_tickets_merchant_id_merchants"), "merchants", ["merchant_id"], ["id"]
        )

    # Merchants served one category and one county until now: those become their first rows.
    op.execute(
        "INSERT INTO merchant_categories (merchant_id, category_id) "
        "SELECT id, category_id FROM merchants WHERE category_id IS NOT NULL"
    )
    op.execute(
        "INSERT INTO merchant_counties (merchant_id, county_id) "
        "SELECT id, county_id FROM merchants WHERE county_id IS NOT NULL"
    )


def downgrade() -> None:

    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_tickets_merchant_id_merchants"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_tickets_created_by_id_users"), type_="foreignkey")
        batch_op.drop_index("ix_tickets_status_type")
        batch_op.drop_index(batch_op.f("ix_tickets_merchant_id"))
        batch_op.drop_index(batch_op.f("ix_tickets_member_id"))
        batch_op.drop_index(batch_op.f("ix_tickets_created_at"))
        batch_op.drop_index(batch_op.f("ix_tickets_county_id"))
        batch_op.drop_index(batch_op.f("ix_tickets_call_id"))
        batch_op.drop_column("version")
        batch_op.drop_column("closed_at")
        batch_op.drop_column("created_by_id")
        batch_op.drop_column("merchant_id")
        batch_op.drop_column("answer")
        batch_op.drop_column("address")
        batch_op.drop_column("contact_phone")
        batch_op.drop_column("contact_name")
        batch_op.drop_column("source")
        batch_op.drop_column("due_at")
        batch_op.drop_column("urgency")

    with op.batch_alter_table("merchants", schema=None) as batch_op:
        batch_op.drop_column("address")
        batch_op.drop_column("contact_name")

    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_column("notes")
        batch_op.drop_column("source")

    with op.batch_alter_table("return_visits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_return_visits_ticket_id"))
        batch_op.drop_index(batch_op.f("ix_return_visits_due_at"))
        batch_op.drop_index(batch_op.f("ix_return_visits_done_at"))

    op.drop_table("return_visits")
    with op.batch_alter_table("web_orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_orders_status"))
        batch_op.drop_index(batch_op.f("ix_web_orders_phone"))
        batch_op.drop_index(batch_op.f("ix_web_orders_created_at"))

    op.drop_table("web_orders")
    with op.batch_alter_table("ticket_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_events_ticket_id"))

    op.drop_table("ticket_events")
    with op.batch_alter_table("dispatches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dispatches_ticket_id"))
        batch_op.drop_index(batch_op.f("ix_dispatches_merchant_id"))

    op.drop_table("dispatches")
    with op.batch_alter_table("credit_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_events_merchant_id"))

    op.drop_table("credit_events")
    op.drop_table("user_roles")
    with op.batch_alter_table("desk_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_desk_events_call_id"))
        batch_op.drop_index(batch_op.f("ix_desk_events_agent_id"))

    op.drop_table("desk_events")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_user_id"))
        batch_op.drop_index(batch_op.f("ix_audit_log_at"))

    op.drop_table("audit_log")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_user_id"))

    op.drop_table("api_tokens")
    op.drop_table("users")
    with op.batch_alter_table("merchant_staff", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_merchant_staff_merchant_id"))

    op.drop_table("merchant_staff")
    op.drop_table("merchant_counties")
    op.drop_table("merchant_categories")
    op.drop_table("ticket_counters")

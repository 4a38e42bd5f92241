"""tickets indexed by (county, created) and (merchant, created): a county's or a merchant's newest
tickets are read in order instead of sorting all of them (benchmarks.tickets, SQLite)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 18:10:00
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_tickets_county_id")
        batch_op.drop_index("ix_tickets_merchant_id")
        batch_op.create_index("ix_tickets_county_id_created_at", ["county_id", "created_at"], unique=False)
        batch_op.create_index(
            "ix_tickets_merchant_id_created_at", ["merchant_id", "created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_tickets_merchant_id_created_at")
        batch_op.drop_index("ix_tickets_county_id_created_at")
        batch_op.create_index("ix_tickets_merchant_id", ["merchant_id"], unique=False)
        batch_op.create_index("ix_tickets_county_id", ["county_id"], unique=False)

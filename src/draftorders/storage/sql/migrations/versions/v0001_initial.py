"""The schema of release 0.1.0: orders, their transactions, promotion usage.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the three tables of 0.1.0, as it created them."""
    op.create_table(
        "orders",
        sa.Column("id", sa.String, primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("status", sa.String, nullable=False),
        sa.Column("customer_id", sa.String, nullable=True),
        sa.Column("order_date", sa.Date, nullable=False),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_orders_status", "orders", ["status"])
    op.create_index("ix_orders_customer_id", "orders", ["customer_id"])
    op.create_index("ix_orders_order_date", "orders", ["order_date"])
    op.create_table(
        "transactions",
        sa.Column("order_id", sa.String, sa.ForeignKey("orders.id"), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("document", sa.Text, nullable=False),
    )
    op.create_table(
        "promotion_usage",
        sa.Column("promotion_id", sa.String, primary_key=True),
        sa.Column("customer_id", sa.String, primary_key=True),
        sa.Column("uses", sa.Integer, nullable=False),
    )

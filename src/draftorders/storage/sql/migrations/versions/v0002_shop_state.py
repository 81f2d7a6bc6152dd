"""All shop state in the database: tombstones, indexed transactions, payment claims, gateway
notices, customers and their payment methods, sent invoices, sequences, stock and the outbox.

Existing rows are kept: each transaction gets its id, gateway, reference and idempotency key
copied out of its document into indexed columns.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Add the new columns and tables, and fill the transactions' columns from their
    documents."""
    with op.batch_alter_table("orders") as orders:
        orders.add_column(sa.Column("deleted_at", _TZ, nullable=True))
    _transactions()
    _payments()
    _customers()
    _invoices_and_sequences()
    _stock()
    _outbox()


def _transactions() -> None:
    with op.batch_alter_table("transactions") as table:
        table.add_column(sa.Column("id", sa.String, nullable=True))
        table.add_column(sa.Column("gateway", sa.String, nullable=True))
        table.add_column(sa.Column("reference", sa.String, nullable=True))
        table.add_column(sa.Column("idempotency_key", sa.String, nullable=True))
    rows = sa.table(
        "transactions",
        sa.column("order_id", sa.String),
        sa.column("position", sa.Integer),
        sa.column("document", sa.Text),
        sa.column("id", sa.String),
        sa.column("gateway", sa.String),
        sa.column("reference", sa.String),
        sa.column("idempotency_key", sa.String),
    )
    bind = op.get_bind()
    for order_id, position, document in bind.execute(
        sa.select(rows.c.order_id, rows.c.position, rows.c.document)
    ).all():
        data = json.loads(document)["data"]  # the document's fields, as 0.1.0 wrote them
        bind.execute(
            sa.update(rows)
            .where(rows.c.order_id == order_id, rows.c.position == position)
            .values(
                id=data["id"],
                gateway=data["gateway"],
                reference=data.get("reference"),
                idempotency_key=data.get("idempotency_key"),
            )
        )
    with op.batch_alter_table("transactions") as table:
        table.alter_column("id", existing_type=sa.String, nullable=False)
        table.alter_column("gateway", existing_type=sa.String, nullable=False)
        table.create_unique_constraint("uq_transactions_id", ["id"])
        table.create_unique_constraint("uq_transactions_idempotency_key", ["idempotency_key"])
        table.create_index("ix_transactions_gateway_reference", ["gateway", "reference"])


def _payments() -> None:
    op.create_table(
        "payment_claims",
        sa.Column("id", sa.String, primary_key=True),
        sa.Column("order_id", sa.String, sa.ForeignKey("orders.id"), nullable=False),
        sa.Column("idempotency_key", sa.String, nullable=False, unique=True),
        sa.Column("state", sa.String, nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("document", sa.Text, nullable=False),
    )
    op.create_index("ix_payment_claims_order_id", "payment_claims", ["order_id"])
    op.create_index(
        "ux_payment_claims_one_open",
        "payment_claims",
        ["order_id"],
        unique=True,
        sqlite_where=sa.text("state = 'open'"),
        postgresql_where=sa.text("state = 'open'"),
    )
    op.create_table(
        "gateway_notices",
        sa.Column("key", sa.String, primary_key=True),
        sa.Column("transaction_id", sa.String, nullable=False),
        sa.Column("applied_at", _TZ, nullable=False),
    )


def _customers() -> None:
    op.create_table(
        "customers",
        sa.Column("id", sa.String, primary_key=True),
        sa.Column("email_key", sa.String, nullable=True, unique=True),
        sa.Column("name_key", sa.String, nullable=False),
        sa.Column("document", sa.Text, nullable=False),
    )
    op.create_index("ix_customers_name_key", "customers", ["name_key"])
    op.create_table(
        "payment_methods",
        sa.Column("id", sa.String, primary_key=True),
        sa.Column("customer_id", sa.String, sa.ForeignKey("customers.id"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("document", sa.Text, nullable=False),
    )
    op.create_index("ix_payment_methods_customer_id", "payment_methods", ["customer_id"])


def _invoices_and_sequences() -> None:
    op.create_table(
        "sent_invoices",
        sa.Column("id", sa.String, primary_key=True),
        sa.Column("order_id", sa.String, sa.ForeignKey("orders.id"), nullable=False),
        sa.Column("number", sa.String, nullable=False),
        sa.Column("resent", sa.Boolean, nullable=False),
        sa.Column("sent_at", _TZ, nullable=False),
        sa.Column("document", sa.Text, nullable=False),
    )
    op.create_index("ix_sent_invoices_order_id", "sent_invoices", ["order_id"])
    op.create_index("ix_sent_invoices_number", "sent_invoices", ["number"])
    op.create_index(
        "ux_sent_invoices_number",
        "sent_invoices",
        ["number"],
        unique=True,
        sqlite_where=sa.text("resent = 0"),
        postgresql_where=sa.text("resent = false"),
    )
    op.create_table(
        "sequences",
        sa.Column("name", sa.String, primary_key=True),
        sa.Column("last", sa.Integer, nullable=False),
    )


def _stock() -> None:
    op.create_table(
        "stock_levels",
        sa.Column("sku", sa.String, primary_key=True),
        sa.Column("location", sa.String, primary_key=True),
        sa.Column("on_hand", sa.Integer, nullable=False),
        sa.Column("reserved", sa.Integer, nullable=False),
        sa.Column("policy", sa.String, nullable=False),
    )
    op.create_table(
        "stock_reservations",
        sa.Column("order_id", sa.String, primary_key=True),
        sa.Column("until", _TZ, nullable=True),
        sa.Column("document", sa.Text, nullable=False),
    )
    op.create_index("ix_stock_reservations_until", "stock_reservations", ["until"])
    op.create_table(
        "stock_taken",
        sa.Column("order_id", sa.String, primary_key=True),
        sa.Column("document", sa.Text, nullable=False),
    )
    op.create_table(
        "stock_history",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("order_id", sa.String, nullable=True),
        sa.Column("sku", sa.String, nullable=False),
        sa.Column("document", sa.Text, nullable=False),
    )
    op.create_index("ix_stock_history_order_id", "stock_history", ["order_id"])
    op.create_index("ix_stock_history_sku", "stock_history", ["sku"])


def _outbox() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.String, primary_key=True),
        sa.Column("order_id", sa.String, nullable=True),
        sa.Column("status", sa.String, nullable=False),
        sa.Column("due_at", _TZ, nullable=True),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("document", sa.Text, nullable=False),
    )
    op.create_index("ix_outbox_order_id", "outbox", ["order_id"])
    op.create_index("ix_outbox_due", "outbox", ["status", "due_at"])

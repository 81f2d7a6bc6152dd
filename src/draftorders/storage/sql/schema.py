"""The SQL store's tables, as the newest migration leaves them (``METADATA``).

Most records are kept as their JSON document (``draftorders.documents``) beside copies of the
columns queries, locks and unique constraints need. Money records are never deleted: an order
row stays as its tombstone (``deleted_at``), transactions are only inserted, and a claim only
moves from open to recorded.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

__all__ = [
    "CLAIMS",
    "CUSTOMERS",
    "METADATA",
    "NOTICES",
    "ORDERS",
    "OUTBOX",
    "PAYMENT_METHODS",
    "PROMOTION_USAGE",
    "SENT_INVOICES",
    "SEQUENCES",
    "STOCK_HISTORY",
    "STOCK_LEVELS",
    "STOCK_RESERVATIONS",
    "STOCK_TAKEN",
    "TRANSACTIONS",
    "UtcDateTime",
]


class UtcDateTime(sa.TypeDecorator[dt.datetime]):
    """A moment, written and compared in UTC and read back aware. PostgreSQL keeps the offset
    itself; SQLite keeps none, so a moment written at +09:00 and one compared at -05:00 would
    otherwise be compared as wall-clock times."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if not isinstance(value, dt.datetime) or value.tzinfo is None:
            raise ValueError(f"expected an aware datetime, got {value!r}")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> dt.datetime | None:
        if value is None:
            return None
        assert isinstance(value, dt.datetime)
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


METADATA = sa.MetaData()
_TZ = UtcDateTime()

ORDERS = sa.Table(
    "orders",
    METADATA,
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("status", sa.String, nullable=False, index=True),
    sa.Column("customer_id", sa.String, nullable=True, index=True),
    sa.Column("order_date", sa.Date, nullable=False, index=True),
    sa.Column("document", sa.Text, nullable=False),
    sa.Column("updated_at", _TZ, nullable=False),
    sa.Column("deleted_at", _TZ, nullable=True),
)
"""One row per order id ever used: the order as a document, the columns queries filter on,
and ``deleted_at`` once it is deleted (the row stays as its tombstone)."""

TRANSACTIONS = sa.Table(
    "transactions",
    METADATA,
    sa.Column("order_id", sa.String, sa.ForeignKey("orders.id"), primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("document", sa.Text, nullable=False),
    sa.Column("id", sa.String, nullable=False),
    sa.Column("gateway", sa.String, nullable=False),
    sa.Column("reference", sa.String, nullable=True),
    sa.Column("idempotency_key", sa.String, nullable=True),
    sa.UniqueConstraint("id", name="uq_transactions_id"),
    sa.UniqueConstraint("idempotency_key", name="uq_transactions_idempotency_key"),
    sa.Index("ix_transactions_gateway_reference", "gateway", "reference"),
)
"""Each order's transactions, numbered 0, 1, 2... in the order they were recorded; only ever
inserted. The gateway's reference is indexed (notices find payments by it); an idempotency
key is recorded once."""

CLAIMS = sa.Table(
    "payment_claims",
    METADATA,
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("order_id", sa.String, sa.ForeignKey("orders.id"), nullable=False, index=True),
    sa.Column("idempotency_key", sa.String, nullable=False, unique=True),
    sa.Column("state", sa.String, nullable=False),
    sa.Column("created_at", _TZ, nullable=False),
    sa.Column("document", sa.Text, nullable=False),
    sa.Index(
        "ux_payment_claims_one_open",
        "order_id",
        unique=True,
        sqlite_where=sa.text("state = 'open'"),
        postgresql_where=sa.text("state = 'open'"),
    ),
)
"""Money claimed before the gateway is asked; at most one open claim per order."""

NOTICES = sa.Table(
    "gateway_notices",
    METADATA,
    sa.Column("key", sa.String, primary_key=True),
    sa.Column("transaction_id", sa.String, nullable=False),
    sa.Column("applied_at", _TZ, nullable=False),
)
"""Gateway notices already applied (gateway and notice id), so none is applied twice."""

CUSTOMERS = sa.Table(
    "customers",
    METADATA,
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("email_key", sa.String, nullable=True, unique=True),
    sa.Column("name_key", sa.String, nullable=False, index=True),
    sa.Column("document", sa.Text, nullable=False),
)
"""The customer directory; emails are unique, compared case-insensitively (``email_key``), and
names are searched case-insensitively in any script (``name_key``: the name case-folded)."""

PAYMENT_METHODS = sa.Table(
    "payment_methods",
    METADATA,
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("customer_id", sa.String, sa.ForeignKey("customers.id"), nullable=False, index=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("document", sa.Text, nullable=False),
)
"""Customers' saved payment methods (gateway tokens only)."""

SENT_INVOICES = sa.Table(
    "sent_invoices",
    METADATA,
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("order_id", sa.String, sa.ForeignKey("orders.id"), nullable=False, index=True),
    sa.Column("number", sa.String, nullable=False, index=True),
    sa.Column("resent", sa.Boolean, nullable=False),
    sa.Column("sent_at", _TZ, nullable=False),
    sa.Column("document", sa.Text, nullable=False),
    sa.Index(
        "ux_sent_invoices_number",
        "number",
        unique=True,
        sqlite_where=sa.text("resent = 0"),
        postgresql_where=sa.text("resent = false"),
    ),
)
"""Every invoice email: one first send per number, and its re-sends."""

SEQUENCES = sa.Table(
    "sequences",
    METADATA,
    sa.Column("name", sa.String, primary_key=True),
    sa.Column("last", sa.Integer, nullable=False),
)
"""Named sequences (invoice numbers, generated ids): the last number taken."""

STOCK_LEVELS = sa.Table(
    "stock_levels",
    METADATA,
    sa.Column("sku", sa.String, primary_key=True),
    sa.Column("location", sa.String, primary_key=True),
    sa.Column("on_hand", sa.Integer, nullable=False),
    sa.Column("reserved", sa.Integer, nullable=False),
    sa.Column("policy", sa.String, nullable=False),
)
"""Stock per SKU and location (``""`` for the unnamed location)."""

STOCK_RESERVATIONS = sa.Table(
    "stock_reservations",
    METADATA,
    sa.Column("order_id", sa.String, primary_key=True),
    sa.Column("until", _TZ, nullable=True, index=True),
    sa.Column("document", sa.Text, nullable=False),
)
"""Units held for sent invoices."""

STOCK_TAKEN = sa.Table(
    "stock_taken",
    METADATA,
    sa.Column("order_id", sa.String, primary_key=True),
    sa.Column("document", sa.Text, nullable=False),
)
"""What completed orders took and have not had back."""

STOCK_HISTORY = sa.Table(
    "stock_history",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("order_id", sa.String, nullable=True, index=True),
    sa.Column("sku", sa.String, nullable=False, index=True),
    sa.Column("document", sa.Text, nullable=False),
)
"""Every stock move, in the order it was made."""

PROMOTION_USAGE = sa.Table(
    "promotion_usage",
    METADATA,
    sa.Column("promotion_id", sa.String, primary_key=True),
    sa.Column("customer_id", sa.String, primary_key=True),
    sa.Column("uses", sa.Integer, nullable=False),
)
"""Uses of each promotion: by everyone (``customer_id`` empty) and by each customer."""

OUTBOX = sa.Table(
    "outbox",
    METADATA,
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("order_id", sa.String, nullable=True, index=True),
    sa.Column("status", sa.String, nullable=False),
    sa.Column("due_at", _TZ, nullable=True),
    sa.Column("created_at", _TZ, nullable=False),
    sa.Column("document", sa.Text, nullable=False),
    sa.Index("ix_outbox_due", "status", "due_at"),
)
"""Messages to deliver; ``due_at`` is when a pending message is due, or when a dispatcher's
lease on it runs out (NULL once sent or failed)."""

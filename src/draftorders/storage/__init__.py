"""Storage: the :class:`Store` port (one unit of work over every kind of record), its
in-memory default, and the queries every store answers.

The SQL adapter (the ``sql`` extra) is imported from its package, so that the core needs no
database driver: ``from draftorders.storage.sql import SqlStore``.
"""

from draftorders.storage.memory import InMemoryStore
from draftorders.storage.query import CustomerQuery, OrderQuery
from draftorders.storage.records import Tombstone
from draftorders.storage.store import (
    CustomerRecords,
    InvoiceRecords,
    OrderRecords,
    OutboxRecords,
    PaymentRecords,
    StockRecords,
    Store,
    Unit,
    UsageLimits,
    UsageRecords,
)

__all__ = [
    "CustomerQuery",
    "CustomerRecords",
    "InMemoryStore",
    "InvoiceRecords",
    "OrderQuery",
    "OrderRecords",
    "OutboxRecords",
    "PaymentRecords",
    "StockRecords",
    "Store",
    "Tombstone",
    "Unit",
    "UsageLimits",
    "UsageRecords",
]

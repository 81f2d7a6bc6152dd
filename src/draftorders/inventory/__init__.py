"""Inventory: stock levels per SKU and location, reservations for sent invoices, commits on
completion, restocks on refunds, and a change record for every move.

The values are what the store keeps; the moves are pure functions the shop applies inside a
store transaction, so stock is shared by every process of the shop and survives restarts.
"""

from draftorders.inventory.levels import (
    InventoryChange,
    InventoryPolicy,
    Reason,
    Reservation,
    StockKey,
    StockLevel,
    Taken,
)
from draftorders.inventory.moves import Moves

__all__ = [
    "InventoryChange",
    "InventoryPolicy",
    "Moves",
    "Reason",
    "Reservation",
    "StockKey",
    "StockLevel",
    "Taken",
]

"""Inventory: stock per SKU and location, reservations for sent invoices, commits on
completion, restocks on refunds, and the history of every change."""

from draftorders.inventory.stock import (
    Inventory,
    InventoryChange,
    InventoryPolicy,
    Reason,
    StockLevel,
)

__all__ = ["Inventory", "InventoryChange", "InventoryPolicy", "Reason", "StockLevel"]

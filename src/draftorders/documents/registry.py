"""The types a document can hold, by the name written in its ``"type"`` field."""

from __future__ import annotations

from collections.abc import Mapping

from draftorders.catalog import Catalog, Product
from draftorders.customers import Customer
from draftorders.inventory.levels import InventoryChange, Reservation, StockLevel, Taken
from draftorders.invoice.model import Invoice
from draftorders.invoice.sent import SentInvoice
from draftorders.notifications.outbox import OutboxMessage
from draftorders.order import DraftOrder
from draftorders.payments.claims import PaymentClaim
from draftorders.payments.methods import PaymentMethod
from draftorders.payments.transactions import Transaction
from draftorders.pricing.context import PricingContext
from draftorders.promotions.book import PromotionBook
from draftorders.promotions.promotion import Promotion
from draftorders.shipping.zones import ShippingZone
from draftorders.tax.table import TaxTable

__all__ = ["DOCUMENT_TYPES", "NAMES"]

DOCUMENT_TYPES: Mapping[str, type] = {
    "DraftOrder": DraftOrder,
    "Customer": Customer,
    "Product": Product,
    "Catalog": Catalog,
    "PricingContext": PricingContext,
    "Promotion": Promotion,
    "PromotionBook": PromotionBook,
    "TaxTable": TaxTable,
    "ShippingZone": ShippingZone,
    "Transaction": Transaction,
    "PaymentMethod": PaymentMethod,
    "Invoice": Invoice,
    "SentInvoice": SentInvoice,
    "PaymentClaim": PaymentClaim,
    "OutboxMessage": OutboxMessage,
    "StockLevel": StockLevel,
    "Reservation": Reservation,
    "Taken": Taken,
    "InventoryChange": InventoryChange,
}
"""Every type a document's ``"type"`` may name. The names are part of the format: a class
renamed keeps its document name."""

NAMES: Mapping[type, str] = {cls: name for name, cls in DOCUMENT_TYPES.items()}
"""The document name of each type."""

"""The draft order and its parts: lines (catalog products and custom items), manual discounts,
credits and debits, free-form details, note and terms templates, and payment terms."""

from draftorders._compat import renamed
from draftorders.order.details import MAX_DETAILS_BYTES, DetailsFormat, OrderDetails
from draftorders.order.discounts import DiscountKind, ManualDiscount
from draftorders.order.draft import DraftOrder, ShippingLine, Status, normal_code
from draftorders.order.entries import EntryKind, OrderEntry
from draftorders.order.lines import LineItem, LineKind
from draftorders.order.notes import (
    PLACEHOLDERS,
    STANDARD_TEMPLATES,
    NoteTemplate,
    TemplateBook,
    check_placeholders,
    fill,
)
from draftorders.order.terms import PaymentTerms, TermsKind

__all__ = [
    "MAX_DETAILS_BYTES",
    "PLACEHOLDERS",
    "STANDARD_TEMPLATES",
    "DetailsFormat",
    "DiscountKind",
    "DraftOrder",
    "EntryKind",
    "LineItem",
    "LineKind",
    "ManualDiscount",
    "NoteTemplate",
    "OrderDetails",
    "OrderEntry",
    "PaymentTerms",
    "ShippingLine",
    "Status",
    "TemplateBook",
    "TermsKind",
    "check_placeholders",
    "fill",
    "normal_code",
]


__getattr__ = renamed(__name__, globals())

"""The draft order and its parts: lines (catalog products and custom items), manual discounts,
credits and debits, free-form details, note and terms templates, and payment terms."""

from draftorders.order.charges import ChargeKind, OrderCharge
from draftorders.order.details import MAX_DETAILS_BYTES, DetailsFormat, OrderDetails
from draftorders.order.discounts import DiscountKind, ManualDiscount
from draftorders.order.draft import DraftOrder, ShippingLine, Status, normal_code
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
    "ChargeKind",
    "DetailsFormat",
    "DiscountKind",
    "DraftOrder",
    "LineItem",
    "LineKind",
    "ManualDiscount",
    "NoteTemplate",
    "OrderCharge",
    "OrderDetails",
    "PaymentTerms",
    "ShippingLine",
    "Status",
    "TemplateBook",
    "TermsKind",
    "check_placeholders",
    "fill",
    "normal_code",
]

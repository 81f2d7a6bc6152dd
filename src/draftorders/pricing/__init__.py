"""Pricing: ``price(order, context)`` and the immutable breakdown it returns."""

from draftorders._compat import renamed
from draftorders.pricing.breakdown import (
    BillingGroup,
    PricedBilling,
    PricedEntry,
    PricedLine,
    PricedOrder,
    PricedShipping,
    TaxLine,
)
from draftorders.pricing.context import PricingContext
from draftorders.pricing.engine import price

__all__ = [
    "BillingGroup",
    "PricedBilling",
    "PricedEntry",
    "PricedLine",
    "PricedOrder",
    "PricedShipping",
    "PricingContext",
    "TaxLine",
    "price",
]


__getattr__ = renamed(__name__, globals())

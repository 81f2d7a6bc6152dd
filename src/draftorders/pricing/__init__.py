"""Pricing: ``price(order, context)`` and the immutable breakdown it returns."""

from draftorders.pricing.breakdown import (
    BillingGroup,
    PricedBilling,
    PricedCharge,
    PricedLine,
    PricedOrder,
    PricedShipping,
    TaxCharge,
)
from draftorders.pricing.context import PricingContext
from draftorders.pricing.engine import price

__all__ = [
    "BillingGroup",
    "PricedBilling",
    "PricedCharge",
    "PricedLine",
    "PricedOrder",
    "PricedShipping",
    "PricingContext",
    "TaxCharge",
    "price",
]

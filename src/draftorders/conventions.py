"""Named rounding policies that reproduce published conventions of platforms and authorities.

Each preset is a plain :class:`~draftorders.rounding.RoundingPolicy`; derive your own with
``attrs.evolve(preset, ...)``. The golden tests (``tests/test_golden_conventions.py``) check
each against numbers its source publishes, and name the source.
"""

from __future__ import annotations

from draftorders.rounding import (
    InclusiveTarget,
    Remainder,
    RoundingMode,
    RoundingPolicy,
    TaxLevel,
)

__all__ = [
    "COMMERCETOOLS",
    "COMMERCETOOLS_UNIT_PRICE",
    "INVOICE_VAT",
    "SALEOR",
    "SHOPIFY",
    "STRIPE",
]

SHOPIFY = RoundingPolicy(
    mode=RoundingMode.HALF_UP, tax_level=TaxLevel.LINE, remainder=Remainder.FIRST
)
"""Tax rounded half-up per line (US and Canada since 2020); split remainders go to the first
parts, as Shopify's money allocator does."""

STRIPE = RoundingPolicy(mode=RoundingMode.HALF_UP, tax_level=TaxLevel.LINE)
"""Tax rounded half-up per invoice line, then summed."""

COMMERCETOOLS = RoundingPolicy(
    mode=RoundingMode.HALF_EVEN,
    tax_level=TaxLevel.LINE,
    inclusive_target=InclusiveTarget.NET,
)
"""commercetools defaults: half-even rounding, tax calculated at line-item level, and for
tax-inclusive prices the net as the rounding target."""

COMMERCETOOLS_UNIT_PRICE = RoundingPolicy(
    mode=RoundingMode.HALF_EVEN,
    tax_level=TaxLevel.UNIT,
    inclusive_target=InclusiveTarget.NET,
)
"""commercetools with ``TaxCalculationMode.UnitPriceLevel``: tax rounded on the unit price,
then multiplied by the quantity."""

SALEOR = RoundingPolicy(
    mode=RoundingMode.HALF_UP, tax_level=TaxLevel.LINE, remainder=Remainder.LAST
)
"""Saleor: half-up at the currency's precision per line; when an order discount is split over
the lines, the last line takes what is left."""

INVOICE_VAT = RoundingPolicy(mode=RoundingMode.HALF_UP, tax_level=TaxLevel.DOCUMENT)
"""VAT totalled per rate on the invoice and rounded once, half a penny up (UK HMRC's
"round to the nearest penny" on the invoice total)."""

"""What pricing needs besides the order: the shop's rounding, tax and price conventions."""

from __future__ import annotations

import attrs

from draftorders.rounding import RoundingPolicy
from draftorders.tax import TaxCalculator
from draftorders.validate import check_type

__all__ = ["PricingContext"]


@attrs.frozen
class PricingContext:
    """The shop's settings for one pricing run; pricing reads nothing else.

    ``tax`` is None for a shop that charges no tax. With ``prices_include_tax`` the prices
    (lines and shipping) are gross, and tax is extracted from them instead of added.
    """

    rounding: RoundingPolicy = attrs.field(
        factory=RoundingPolicy, validator=check_type(RoundingPolicy)
    )
    tax: TaxCalculator | None = None
    prices_include_tax: bool = attrs.field(default=False, validator=check_type(bool))

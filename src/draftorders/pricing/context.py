"""What pricing needs besides the order: the shop's rounding, tax and price conventions."""

from __future__ import annotations

import datetime as dt

import attrs

from draftorders._validate import calendar_date, check_type
from draftorders.pricing.points import PointsProgram
from draftorders.pricing.rules import RuleBook
from draftorders.promotions import PromotionBook, PromotionUsage
from draftorders.rounding import RoundingPolicy
from draftorders.tax import TaxCalculator, TaxQuote

__all__ = ["PricingContext"]


@attrs.frozen
class PricingContext:
    """The shop's settings for one pricing run; pricing reads nothing else.

    ``tax`` is None for a shop that charges no tax. With ``prices_include_tax`` the prices
    (lines and shipping) are gross, and tax is extracted from them instead of added.
    ``rules`` and ``promotions`` are the shop's pricing rules and promotion book; ``usage``
    how often promotions were used (the service reads it from the store); ``points`` the
    loyalty program, if any.
    """

    rounding: RoundingPolicy = attrs.field(
        factory=RoundingPolicy, validator=check_type(RoundingPolicy)
    )
    tax: TaxCalculator | None = None
    prices_include_tax: bool = attrs.field(default=False, validator=check_type(bool))
    rules: RuleBook = attrs.field(factory=RuleBook, validator=check_type(RuleBook))
    promotions: PromotionBook = attrs.field(
        factory=PromotionBook, validator=check_type(PromotionBook)
    )
    usage: PromotionUsage = attrs.field(
        factory=PromotionUsage, validator=check_type(PromotionUsage)
    )
    points: PointsProgram | None = attrs.field(
        default=None, validator=attrs.validators.optional(check_type(PointsProgram))
    )
    tax_quote: TaxQuote | None = attrs.field(
        default=None, validator=attrs.validators.optional(check_type(TaxQuote))
    )
    """Taxes quoted by an external engine for this order; when set, they replace ``tax``."""
    today: dt.date | None = attrs.field(
        default=None, validator=attrs.validators.optional(calendar_date)
    )
    """The day promotions are judged on; None means the order's date."""

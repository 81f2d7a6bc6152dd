"""The "kind" tags of the values that come in several classes.

A promotion's benefit, a condition, a pricing rule, a tax calculator and a shipping rate's
pricing are each one of several classes; a document names which with a ``"kind"`` field. The
tags are written out here, not derived from class names, so renaming a class never changes the
format. Each table lists every class the library ships for that slot; a value of another class
(a calculator of your own, say) cannot be written as a document.
"""

from __future__ import annotations

from collections.abc import Mapping

from draftorders.pricing.rules import (
    AmountOffList,
    CostPlus,
    FixedPrice,
    GraduatedPricing,
    PercentOffList,
    PricingRule,
    VolumePricing,
)
from draftorders.promotions.benefits import (
    AmountOff,
    Benefit,
    BundlePrice,
    BuyXGetY,
    FreeGift,
    FreeShipping,
    OrderAmountOff,
    OrderPercentOff,
    PercentOff,
    SpendTiers,
)
from draftorders.promotions.conditions import (
    Condition,
    CustomerGroup,
    CustomerTags,
    MinQuantity,
    MinSubtotal,
    OrderContains,
    Period,
    Recurring,
)
from draftorders.shipping.rates import (
    BasePlusPerKg,
    Flat,
    PerItem,
    PriceBrackets,
    RatePricing,
    WeightBrackets,
)
from draftorders.tax.calculator import TaxCalculator
from draftorders.tax.flat import FlatRateTax
from draftorders.tax.table import TableTax

__all__ = ["KIND", "TAGGED", "Tagged"]

KIND = "kind"
"""The field that names the class of a tagged value."""

Tagged = Mapping[type, str]
"""Each class of a slot and its tag."""

TAGGED: Mapping[object, Tagged] = {
    Benefit: {
        PercentOff: "percent_off",
        AmountOff: "amount_off",
        BundlePrice: "bundle_price",
        BuyXGetY: "buy_x_get_y",
        FreeGift: "free_gift",
        OrderPercentOff: "order_percent_off",
        OrderAmountOff: "order_amount_off",
        SpendTiers: "spend_tiers",
        FreeShipping: "free_shipping",
    },
    Condition: {
        Period: "period",
        Recurring: "recurring",
        MinQuantity: "min_quantity",
        MinSubtotal: "min_subtotal",
        CustomerGroup: "customer_group",
        CustomerTags: "customer_tags",
        OrderContains: "order_contains",
    },
    PricingRule: {
        FixedPrice: "fixed_price",
        PercentOffList: "percent_off_list",
        AmountOffList: "amount_off_list",
        VolumePricing: "volume_pricing",
        GraduatedPricing: "graduated_pricing",
        CostPlus: "cost_plus",
    },
    TaxCalculator: {FlatRateTax: "flat_rate", TableTax: "table"},
    RatePricing: {
        Flat: "flat",
        WeightBrackets: "weight_brackets",
        PriceBrackets: "price_brackets",
        PerItem: "per_item",
        BasePlusPerKg: "base_plus_per_kg",
    },
}
"""Every slot (a union type, or a Protocol the library implements) and its tagged classes."""

"""Promotions: data (benefits, conditions, targets), the indexed book, and the planner."""

from draftorders._compat import renamed
from draftorders.promotions.benefits import (
    AmountOff,
    BundlePrice,
    BuyXGetY,
    FreeGift,
    FreeShipping,
    OrderAmountOff,
    OrderPercentOff,
    PercentOff,
    PromotionClass,
    SpendTiers,
)
from draftorders.promotions.book import PromotionBook
from draftorders.promotions.conditions import (
    Condition,
    CustomerGroup,
    CustomerTags,
    MinQuantity,
    MinSubtotal,
    OrderContains,
    OrderFacts,
    Period,
    Recurring,
)
from draftorders.promotions.evaluate import Plan, PromotionContext, plan_promotions
from draftorders.promotions.promotion import Promotion, Target
from draftorders.promotions.usage import PromotionUsage

__all__ = [
    "AmountOff",
    "BundlePrice",
    "BuyXGetY",
    "Condition",
    "CustomerGroup",
    "CustomerTags",
    "FreeGift",
    "FreeShipping",
    "MinQuantity",
    "MinSubtotal",
    "OrderAmountOff",
    "OrderContains",
    "OrderFacts",
    "OrderPercentOff",
    "PercentOff",
    "Period",
    "Plan",
    "Promotion",
    "PromotionBook",
    "PromotionClass",
    "PromotionContext",
    "PromotionUsage",
    "Recurring",
    "SpendTiers",
    "Target",
    "plan_promotions",
]


__getattr__ = renamed(__name__, globals())

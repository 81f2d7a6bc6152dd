"""Promotions: data (benefits, conditions, targets), the indexed book, and the planner."""

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
    Facts,
    MinQuantity,
    MinSubtotal,
    OrderContains,
    Period,
    Recurring,
)
from draftorders.promotions.evaluate import Plan, Situation, plan_promotions
from draftorders.promotions.promotion import Promotion, Target
from draftorders.promotions.usage import PromotionUsage

__all__ = [
    "AmountOff",
    "BundlePrice",
    "BuyXGetY",
    "Condition",
    "CustomerGroup",
    "CustomerTags",
    "Facts",
    "FreeGift",
    "FreeShipping",
    "MinQuantity",
    "MinSubtotal",
    "OrderAmountOff",
    "OrderContains",
    "OrderPercentOff",
    "PercentOff",
    "Period",
    "Plan",
    "Promotion",
    "PromotionBook",
    "PromotionClass",
    "PromotionUsage",
    "Recurring",
    "Situation",
    "SpendTiers",
    "Target",
    "plan_promotions",
]

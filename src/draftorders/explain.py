"""Adjustments: every amount that pricing adds or takes away, with where it came from and why."""

from __future__ import annotations

import enum

import attrs

from draftorders.money import Money

__all__ = ["SHIPPING", "Adjustment", "AdjustmentKind"]

SHIPPING = "shipping"
"""The ``target`` of an adjustment that applies to shipping."""


class AdjustmentKind(enum.Enum):
    """What produced an adjustment."""

    MANUAL = "manual"
    """Typed in by the merchant: a price override or a manual discount."""
    RULE = "rule"
    """A pricing rule (price list, tiers, cost-plus)."""
    PROMOTION = "promotion"
    """A promotion."""
    CREDIT = "credit"
    """An order-level credit (goodwill, store credit, points)."""
    DEBIT = "debit"
    """An order-level debit (handling fee, surcharge)."""
    SHIPPING = "shipping"
    """A shipping charge."""
    TAX = "tax"
    """A tax charged at a rate."""


@attrs.frozen
class Adjustment:
    """A signed change to an amount: negative for discounts, positive for charges.

    ``source`` names the producer in stable words (``"manual:line-discount"``,
    ``"tax:Sales tax"``); ``target`` is a line id or ``"shipping"``; ``reason``
    says how the amount was computed, including any rounding, without locale formatting.
    """

    kind: AdjustmentKind
    source: str
    target: str
    amount: Money
    reason: str

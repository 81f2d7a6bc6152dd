"""Adjustments: every amount that pricing adds or takes away, with where it came from and why."""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any

import attrs

from draftorders.money import Money

__all__ = [
    "MET",
    "SHIPPING",
    "Adjustment",
    "AdjustmentKind",
    "Rejection",
    "Verdict",
    "Why",
    "render",
]

SHIPPING = "shipping"
"""The ``target`` of an adjustment that applies to shipping."""


class AdjustmentKind(enum.Enum):
    """What produced an adjustment."""

    MANUAL = "manual"
    """A discount typed in by the merchant, on a line or on the order."""
    PROMOTION = "promotion"
    """A promotion, on a line or on shipping."""
    CREDIT = "credit"
    """A line's share of a taxable order-level credit."""


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


Why = tuple[Any, ...]
"""A reason not yet rendered: a function that writes it, then the values it writes about."""


def render(why: Why) -> str:
    """The words of a recorded reason."""
    function: Callable[..., str] = why[0]
    return function(*why[1:])


@attrs.frozen
class Rejection:
    """Something considered and not applied (a promotion, a rule, a code), and why not.

    ``shortfall`` says how much more would make it apply, when that is a number
    ("spend 12.34 more"); ``source`` names it as adjustments do (``"promotion:SPRING10"``).
    """

    source: str
    title: str
    reason: str
    shortfall: Money | None = None


@attrs.frozen
class Verdict:
    """Whether something holds for an order (a promotion's condition, a pricing rule): met, or
    not met with why not and, when spending more would make it hold, how much more."""

    met: bool
    reason: str | None = None
    shortfall: Money | None = None

    @classmethod
    def unmet(cls, reason: str, shortfall: Money | None = None) -> Verdict:
        """Not met: ``reason`` says why, with the numbers."""
        return cls(False, reason, shortfall)


MET = Verdict(True)
"""The verdict of what holds."""

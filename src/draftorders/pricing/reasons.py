"""The words of pricing's reasons, written only when an explanation is read.

Each function takes the numbers recorded during pricing (minor units and the scale) and
writes one reason in stable words, with no locale formatting. Pricing records
``(function, *numbers)`` and :func:`draftorders.explain.render` calls it later.
"""

from __future__ import annotations

from fractions import Fraction

from draftorders.explain import Why, render
from draftorders.money import MinorUnits
from draftorders.order.discounts import ManualDiscount
from draftorders.order.lines import LineItem
from draftorders.tax import TaxRate

__all__ = [
    "SHOWN",
    "capped",
    "fixed_discount",
    "list_price",
    "manual_price",
    "percent_discount",
    "quoted",
    "share",
    "share_of",
    "tax",
    "tax_document",
    "tax_net_rounded",
    "tax_per_unit",
    "text",
]

SHOWN = 8
"""Significant digits shown of an exact, unrounded value."""


def rounded(scale: MinorUnits, numerator: int, denominator: int, result: int, mode: str) -> str:
    """How a rounding point moved a value (empty when it did not)."""
    if numerator == result * denominator:
        return ""
    return f", rounded {mode} from {scale.exact(numerator, denominator):.{SHOWN}g}"


def text(words: str) -> str:
    """A reason already in words."""
    return words


def list_price() -> str:
    """The unit price is the list price."""
    return "list price"


def manual_price(item: LineItem) -> str:
    """The unit price was typed in by hand."""
    return f"set by hand (list price {item.list_price.amount})"


def percent_discount(
    scale: MinorUnits, discount: ManualDiscount, base: int, amount: int, mode: str
) -> str:
    """A manual percentage discount on ``base``."""
    numerator, denominator = discount.ratio
    exactly = rounded(scale, base * numerator, denominator, amount, mode)
    return f"{discount.label}: {discount.percentage}% of {scale.decimal(base)}{exactly}"


def fixed_discount(discount: ManualDiscount) -> str:
    """A manual fixed discount."""
    return discount.label


def capped(scale: MinorUnits, why: Why, base: int) -> str:
    """A discount larger than what it discounts, capped."""
    return f"{render(why)}, capped at {scale.decimal(base)} so the amount stays >= 0"


def share(scale: MinorUnits, what: Why, amount: int, net: int, subtotal: int, part: int) -> str:
    """A line's share of an amount split over lines by largest remainder."""
    exact = scale.exact(amount * net, subtotal)
    amounts = f"{scale.decimal(amount)} x {scale.decimal(net)} / {scale.decimal(subtotal)}"
    return (
        f"{render(what)}{amounts} = {exact:.{SHOWN}g}, {scale.decimal(part)} by largest remainder"
    )


def share_of(why: Why) -> str:
    """What a split amount is, before the line's share of it."""
    return f"{render(why)}; this line's share "


def quoted(scale: MinorUnits, rate: TaxRate, charged: int) -> str:
    """Tax as an external engine quoted it."""
    return f"{rate.name} {rate.percentage}%: {scale.decimal(charged)} as quoted by the tax engine"


def tax_per_unit(
    scale: MinorUnits, rate: TaxRate, inclusive: bool, amount: int, quantity: int, charged: int
) -> str:
    """Tax rounded per unit: on one unit's share of ``amount``, times the quantity."""
    basis = "included in" if inclusive else "of"
    unit = scale.decimal(charged // quantity)
    return (
        f"{rate.name} {rate.percentage}% {basis} {scale.decimal(amount)}, rounded per unit: "
        f"{quantity} x {unit} = {scale.decimal(charged)}"
    )


def tax_net_rounded(scale: MinorUnits, rate: TaxRate, gross: int, net: int, charged: int) -> str:
    """Tax in a gross price when the net is the rounded part."""
    return (
        f"{rate.name} {rate.percentage}% included in {scale.decimal(gross)}: net rounded to "
        f"{scale.decimal(net)}, tax {scale.decimal(charged)}"
    )


def tax_document(
    scale: MinorUnits,
    rate: TaxRate,
    whole: Fraction,
    total: int,
    exact: Fraction,
    charged: int,
    mode: str,
) -> str:
    """A line's share of a rate's tax rounded once per document."""
    whole_shown = scale.exact(whole.numerator, whole.denominator)
    mine = scale.exact(exact.numerator, exact.denominator)
    return (
        f"{rate.name} {rate.percentage}% rounded once per invoice: {whole_shown:.{SHOWN}g} -> "
        f"{scale.decimal(total)} ({mode}); this line's exact {mine:.{SHOWN}g} -> "
        f"{scale.decimal(charged)} by largest remainder"
    )


def tax(
    scale: MinorUnits,
    rate: TaxRate,
    inclusive: bool,
    amount: int,
    numerator: int,
    denominator: int,
    charged: int,
    mode: str,
) -> str:
    """Tax at one rate on (or included in) ``amount``."""
    compound = " (compound)" if rate.compound else ""
    basis = "included in" if inclusive else "of"
    exactly = rounded(scale, amount * numerator, denominator, charged, mode)
    return f"{rate.name} {rate.percentage}%{compound} {basis} {scale.decimal(amount)}{exactly}"

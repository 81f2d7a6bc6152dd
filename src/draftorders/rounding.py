"""The rounding policy, and splitting an amount into parts that add up to the minor unit.

Pricing computes in integer minor units (cents for USD, yen for JPY, fils for KWD). Every
rounding in the library goes through :meth:`RoundingPolicy.divide`, which rounds an exact
quotient of two integers to a whole number of minor units with the shop's mode. Splits use
the largest-remainder method on integers, so the parts always add up exactly.
"""

from __future__ import annotations

import decimal
import enum
from collections.abc import Callable, Sequence
from decimal import Decimal

import attrs

from draftorders._validate import check_type
from draftorders.errors import ValidationError
from draftorders.money import minor_units, quantum

__all__ = [
    "COMMERCETOOLS",
    "COMMERCETOOLS_UNIT_PRICE",
    "INVOICE_VAT",
    "SALEOR",
    "SHOPIFY",
    "STRIPE",
    "DiscountBasis",
    "Divider",
    "InclusiveTarget",
    "Remainder",
    "RoundingMode",
    "RoundingPolicy",
    "TaxLevel",
    "allocate",
    "allocate_units",
]

Divider = Callable[[int, int], int]
"""``divide(numerator, denominator)``: the quotient rounded to an integer (denominator > 0)."""


class RoundingMode(enum.Enum):
    """How a value that falls between two minor units is rounded."""

    HALF_UP = decimal.ROUND_HALF_UP
    """Ties away from zero: 0.125 -> 0.13. The default, and what most shops print."""
    HALF_EVEN = decimal.ROUND_HALF_EVEN
    """Ties to the even neighbour (banker's rounding): 0.125 -> 0.12, 0.135 -> 0.14."""
    HALF_DOWN = decimal.ROUND_HALF_DOWN
    """Ties towards zero: 0.125 -> 0.12."""
    DOWN = decimal.ROUND_DOWN
    """Always towards zero (truncate): 0.129 -> 0.12."""
    UP = decimal.ROUND_UP
    """Always away from zero: 0.121 -> 0.13."""


def _half_up(n: int, d: int) -> int:
    return (2 * n + d) // (2 * d) if n >= 0 else -((d - 2 * n) // (2 * d))


def _half_down(n: int, d: int) -> int:
    return (2 * n + d - 1) // (2 * d) if n >= 0 else -((d - 1 - 2 * n) // (2 * d))


def _half_even(n: int, d: int) -> int:
    q, r = divmod(abs(n), d)
    if 2 * r > d or (2 * r == d and q % 2):
        q += 1
    return q if n >= 0 else -q


def _down(n: int, d: int) -> int:
    return n // d if n >= 0 else -(-n // d)


def _up(n: int, d: int) -> int:
    return -(-n // d) if n >= 0 else n // d


_LABELS = {mode: mode.name.lower().replace("_", "-") for mode in RoundingMode}

_DIVIDERS: dict[RoundingMode, Divider] = {
    RoundingMode.HALF_UP: _half_up,
    RoundingMode.HALF_DOWN: _half_down,
    RoundingMode.HALF_EVEN: _half_even,
    RoundingMode.DOWN: _down,
    RoundingMode.UP: _up,
}
"""One integer division per mode; each takes any sign of numerator and a positive denominator."""


class TaxLevel(enum.Enum):
    """Where tax is rounded."""

    UNIT = "unit"
    """Per unit: the tax on one unit's net, rounded, times the quantity."""
    LINE = "line"
    """Per line and rate (the default): the tax on the line's net, rounded."""
    DOCUMENT = "document"
    """Per invoice and rate: the tax on the sum of everything taxed at the rate, rounded once,
    then split back over the lines by largest remainder (VAT-invoice style)."""


class Remainder(enum.Enum):
    """Where the minor units left over by a proportional split go."""

    LARGEST = "largest"
    """To the parts with the largest remainders, ties by key (the default; order-independent)."""
    FIRST = "first"
    """To the first parts (in the order given) that have a remainder."""
    LAST = "last"
    """To the last parts (in the order given) that have a remainder."""


class DiscountBasis(enum.Enum):
    """What an order-level percentage is taken from when there are several."""

    SEQUENTIAL = "sequential"
    """From what the order-level discounts before it left: they compound (the default)."""
    ORIGINAL = "original"
    """From the subtotal before any order-level discount: the percentages add up."""


class InclusiveTarget(enum.Enum):
    """With tax-inclusive prices, which part of the gross is rounded; the other is the rest."""

    TAX = "tax"
    """Round the tax extracted from the gross; net = gross - tax (the default)."""
    NET = "net"
    """Round the net; tax = gross - net."""


@attrs.frozen
class RoundingPolicy:
    """The shop's rounding choices; pricing uses one instance at every rounding point.

    ``mode`` breaks ties (or truncates); ``discount_mode``, if set, rounds percentage
    discounts differently (``DOWN`` truncates them); ``tax_level`` says where tax is
    rounded; ``inclusive_target`` which part of a tax-inclusive price is rounded;
    ``remainder`` where the units left over by a split (order discounts, per-invoice tax) go;
    ``order_discount_basis`` whether order-level percentages compound or add up; and
    ``order_discounts_cover_shipping`` whether whole-order discounts also reduce shipping.
    """

    mode: RoundingMode = attrs.field(
        default=RoundingMode.HALF_UP, validator=check_type(RoundingMode)
    )
    tax_level: TaxLevel = attrs.field(default=TaxLevel.LINE, validator=check_type(TaxLevel))
    inclusive_target: InclusiveTarget = attrs.field(
        default=InclusiveTarget.TAX, validator=check_type(InclusiveTarget)
    )
    discount_mode: RoundingMode | None = attrs.field(
        default=None,
        validator=attrs.validators.optional(check_type(RoundingMode)),
    )
    remainder: Remainder = attrs.field(default=Remainder.LARGEST, validator=check_type(Remainder))
    order_discount_basis: DiscountBasis = attrs.field(
        default=DiscountBasis.SEQUENTIAL, validator=check_type(DiscountBasis)
    )
    order_discounts_cover_shipping: bool = attrs.field(default=False, validator=check_type(bool))

    @property
    def discount_divide(self) -> Divider:
        """``divide`` for percentage discounts: ``discount_mode`` if set, else ``mode``."""
        return _DIVIDERS[self.discount_mode or self.mode]

    @property
    def divide(self) -> Divider:
        """``divide(n, d)``: ``n / d`` rounded to a whole number (of minor units) by the mode."""
        return _DIVIDERS[self.mode]

    def round(self, amount: Decimal, currency_code: str) -> Decimal:
        """Round a Decimal ``amount`` to the minor unit of ``currency_code`` with the mode."""
        return amount.quantize(quantum(currency_code), rounding=self.mode.value)

    @property
    def label(self) -> str:
        """Stable words for explanations, e.g. ``"half-up"``."""
        return _LABELS[self.mode]


def allocate_units(
    total: int,
    weights: Sequence[int],
    keys: Sequence[str],
    remainder: Remainder = Remainder.LARGEST,
) -> list[int]:
    """Split ``total`` minor units over integer ``weights`` in proportion, summing exactly.

    Largest-remainder method: each part gets the floor of its exact share, and the units left
    over go one each to the parts with the largest remainders; ties go to the smallest key, so
    the result does not depend on the order of the parts. With ``remainder`` FIRST or LAST
    they go instead to the first or last parts, in the order given, that have a remainder.
    Either way, when ``total`` does not exceed the sum of the weights, no part exceeds its
    weight.
    """
    if len(weights) != len(keys):
        raise ValidationError("weights", "weights and keys must have the same length")
    if total < 0:
        raise ValidationError("total", f"cannot allocate a negative total ({total})")
    whole = sum(weights)
    if (weights and min(weights) < 0) or (total and whole <= 0):
        raise ValidationError(
            "weights", f"cannot allocate {total}: weights must be >= 0 with a positive sum"
        )
    if not total:
        return [0] * len(weights)
    parts = []
    rests = []  # negated, so that an ascending sort puts the largest remainder first
    for weight in weights:
        part, rest = divmod(total * weight, whole)
        parts.append(part)
        rests.append(-rest)
    leftover = total - sum(parts)
    if leftover:
        if remainder is Remainder.LARGEST:
            # Positions by key, then (stably) by remainder: the tie-break by key without a
            # tuple per part. This runs over every line of an order, twice.
            order = sorted(range(len(parts)), key=keys.__getitem__)
            order.sort(key=rests.__getitem__)
        else:
            order = [i for i, rest in enumerate(rests) if rest]
            if remainder is Remainder.LAST:
                order.reverse()
        for i in order[:leftover]:
            parts[i] += 1
    return parts


def allocate(
    total: Decimal, weights: Sequence[Decimal], keys: Sequence[str], currency_code: str
) -> list[Decimal]:
    """:func:`allocate_units` for Decimal amounts of ``currency_code`` (at its minor unit)."""
    places = minor_units(currency_code)
    q = quantum(currency_code)
    units = [_to_units(value, places, q, "weights") for value in weights]
    parts = allocate_units(_to_units(total, places, q, "total"), units, keys)
    return [Decimal(part) * q for part in parts]


def _to_units(value: Decimal, places: int, q: Decimal, field: str) -> int:
    units = int(value.scaleb(places))
    if Decimal(units) * q != value:
        raise ValidationError(field, f"{value} is not a whole number of minor units")
    return units


# -- presets: published conventions of platforms and authorities ----------------------------
# Each is a plain RoundingPolicy; derive your own with ``attrs.evolve(preset, ...)``. The golden
# tests (``tests/test_golden_conventions.py``) check each against numbers its source publishes,
# and name the source.

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

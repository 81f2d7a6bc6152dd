"""Shipping rates: a method, how its price is worked out, and when it applies.

Prices come from a small pricing object: :class:`Flat`, :class:`WeightBrackets`,
:class:`PriceBrackets`, :class:`PerItem` or :class:`BasePlusPerKg`. A rate can be free at or
above an order amount (after discounts), limited to a weight range, and can name a
dimensional-weight divisor (cm3 per kg) so that bulky packages are charged by volume.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal

import attrs

from draftorders._validate import check_money, check_type, money_amount, non_empty_text, rows
from draftorders.errors import ValidationError
from draftorders.money import Money, to_decimal
from draftorders.shipping.units import plain

__all__ = [
    "BasePlusPerKg",
    "Flat",
    "PerItem",
    "PriceBrackets",
    "RatePricing",
    "ShippingRate",
    "WeightBrackets",
]


def _kg(value: object) -> Decimal:
    number = to_decimal(value, "kg")
    if number < 0:
        raise ValidationError("kg", f"{number} kg must not be negative")
    return number


def _divisor(value: object) -> Decimal:
    number = to_decimal(value, "dim_divisor")
    if number <= 0:
        raise ValidationError("dim_divisor", f"{number} must be greater than zero (e.g. 5000)")
    return number


def _brackets(value: object) -> tuple[tuple[Decimal, Money], ...]:
    pairs = []
    for pair in rows(value, "brackets", 2, "an (up to, price) pair"):
        limit = pair[0].amount if isinstance(pair[0], Money) else _kg(pair[0])
        pairs.append((limit, check_money(pair[1], "brackets")))
    if not pairs:
        raise ValidationError("brackets", "give at least one bracket")
    return tuple(sorted(pairs, key=lambda pair: pair[0]))


def _bracket_price(brackets: tuple[tuple[Decimal, Money], ...], value: Decimal) -> Money | None:
    for limit, price in brackets:
        if value <= limit:
            return price
    return None


@attrs.frozen
class Flat:
    """One price whatever is shipped."""

    price: Money = attrs.field(validator=money_amount)

    def charge(self, kg: Decimal, subtotal: Money, items: int) -> tuple[Money, str] | None:
        """The flat price."""
        return self.price, f"flat {self.price.amount}"


@attrs.frozen
class WeightBrackets:
    """A price per weight bracket: ``((1, 5.00), (5, 9.00))`` is up to 1 kg 5.00, over 1 up
    to 5 kg 9.00; heavier than the last bracket, the rate does not apply."""

    brackets: tuple[tuple[Decimal, Money], ...] = attrs.field(converter=_brackets)

    def charge(self, kg: Decimal, subtotal: Money, items: int) -> tuple[Money, str] | None:
        """The price of the bracket the billable weight falls in."""
        price = _bracket_price(self.brackets, kg)
        if price is None:
            return None
        limit = next(limit for limit, p in self.brackets if p is price)
        return price, f"{plain(kg)} kg is in the bracket up to {plain(limit)} kg: {price.amount}"


@attrs.frozen
class PriceBrackets:
    """A price per order-amount bracket (amounts after discounts): ``((Money(50), 7.00), ...)``."""

    brackets: tuple[tuple[Decimal, Money], ...] = attrs.field(converter=_brackets)

    def charge(self, kg: Decimal, subtotal: Money, items: int) -> tuple[Money, str] | None:
        """The price of the bracket the order amount falls in."""
        price = _bracket_price(self.brackets, subtotal.amount)
        if price is None:
            return None
        return price, f"order {subtotal.amount} is in a bracket priced {price.amount}"


@attrs.frozen
class PerItem:
    """A price for each unit shipped."""

    price: Money = attrs.field(validator=money_amount)

    def charge(self, kg: Decimal, subtotal: Money, items: int) -> tuple[Money, str] | None:
        """The price times the units."""
        total = Money(self.price.amount * items, self.price.currency)
        return total, f"{items} item(s) x {self.price.amount} = {total.amount}"


@attrs.frozen
class BasePlusPerKg:
    """A base price plus a price for each started kilogram."""

    base: Money = attrs.field(validator=money_amount)
    per_kg: Money = attrs.field(validator=money_amount)

    def charge(self, kg: Decimal, subtotal: Money, items: int) -> tuple[Money, str] | None:
        """Base + per kg x the weight rounded up to whole kilograms."""
        started = kg.to_integral_value(rounding=ROUND_CEILING)
        total = Money(self.base.amount + self.per_kg.amount * started, self.base.currency)
        return total, (
            f"{self.base.amount} + {plain(started)} kg x {self.per_kg.amount} = {total.amount}"
        )


RatePricing = Flat | WeightBrackets | PriceBrackets | PerItem | BasePlusPerKg


@attrs.frozen
class ShippingRate:
    """A shipping method of a zone and how it is priced."""

    method: str = attrs.field(validator=non_empty_text)
    pricing: RatePricing = attrs.field(
        validator=check_type(Flat, WeightBrackets, PriceBrackets, PerItem, BasePlusPerKg)
    )
    carrier: str | None = None
    service: str | None = None
    free_from: Money | None = attrs.field(
        default=None, validator=attrs.validators.optional(money_amount)
    )
    """Free when the order amount after discounts is at least this."""
    min_kg: Decimal | None = attrs.field(default=None, converter=attrs.converters.optional(_kg))
    max_kg: Decimal | None = attrs.field(default=None, converter=attrs.converters.optional(_kg))
    dim_divisor: Decimal | None = attrs.field(
        default=None, converter=attrs.converters.optional(_divisor)
    )
    """cm3 per kg for dimensional weight (e.g. 5000); None charges actual weight."""

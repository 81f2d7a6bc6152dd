"""Pricing rules: where a line's unit price comes from when it is not the list price.

A product can carry rules (fixed price, percentage or amount off the list price, volume tiers,
graduated tiers, cost-plus); a line can be given one of them, and one rule per product may be
``automatic``. A customer group can have a price list. Which one prices a line, in order:

1. a unit price typed in by hand on the line (always wins; recorded as manual);
2. the rule chosen for the line;
3. the price list of the customer's group, if it lists the product;
4. the product's automatic rule;
5. the list price.

A rule's unit price is rounded once, per unit, with the shop's rounding mode (graduated tiers
price each unit at its band's price, so they need no rounding).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Protocol

import attrs

from draftorders._frozendict import FrozenDict
from draftorders._validate import (
    check_money,
    check_type,
    money_amount,
    non_empty_text,
    percent_range,
    rows,
    whole_number,
)
from draftorders.errors import ValidationError
from draftorders.explain import Why
from draftorders.money import MinorUnits, Money, percent_ratio, to_decimal
from draftorders.order.lines import LineItem
from draftorders.rounding import Divider

__all__ = [
    "AmountOffList",
    "CostPlus",
    "FixedPrice",
    "GraduatedPricing",
    "PercentOffList",
    "PriceList",
    "PricingRule",
    "RuleBook",
    "VolumePricing",
]

RulePrice = tuple[int, int, Why]
"""(line base, unit price, reason), amounts in minor units."""


class PricingRule(Protocol):
    """A way to price a line of one product."""

    @property
    def id(self) -> str:
        """Unique among the product's rules."""
        ...

    @property
    def automatic(self) -> bool:
        """True if it prices the product's lines unless another rule is chosen."""
        ...

    def price_line(self, item: LineItem, scale: MinorUnits, divide: Divider) -> RulePrice | str:
        """The line's base and unit price with the reason, or why the rule cannot price it."""
        ...


def _text(text: str) -> str:
    return text


def _percent(value: object) -> Decimal:
    number = to_decimal(value, "percent")
    if number < 0:
        raise ValidationError("percent", f"{number} must not be negative")
    return number


def _tiers(value: object) -> tuple[tuple[int, Money], ...]:
    tiers = []
    for pair in rows(value, "tiers", 2, "(min quantity, unit price)"):
        tiers.append(
            (
                whole_number(
                    pair[0],
                    "tiers",
                    minimum=1,
                    message="a tier starts at a whole quantity >= 1, not {value!r}",
                ),
                check_money(pair[1], "tiers"),
            )
        )
    tiers.sort(key=lambda tier: tier[0])
    if not tiers or tiers[0][0] != 1:
        raise ValidationError("tiers", "the first tier must start at quantity 1")
    if len({start for start, _ in tiers}) != len(tiers):
        raise ValidationError("tiers", "two tiers start at the same quantity")
    return tuple(tiers)


def _foreign(item: LineItem, *amounts: Money) -> str | None:
    for amount in amounts:
        if amount.currency.code != item.currency_code:
            return f"its prices are in {amount.currency.code}, the line in {item.currency_code}"
    return None


def _tier_label(tiers: tuple[tuple[int, Money], ...], index: int) -> str:
    start = tiers[index][0]
    if index + 1 < len(tiers):
        return f"{start}-{tiers[index + 1][0] - 1}"
    return f"{start}+"


@attrs.frozen
class FixedPrice:
    """A fixed unit price."""

    id: str = attrs.field(validator=non_empty_text)
    unit_price: Money = attrs.field(validator=money_amount)
    automatic: bool = attrs.field(default=False, validator=check_type(bool))

    def price_line(self, item: LineItem, scale: MinorUnits, divide: Divider) -> RulePrice | str:
        """Every unit at the fixed price."""
        foreign = _foreign(item, self.unit_price)
        if foreign:
            return foreign
        unit = scale.units(self.unit_price.amount)
        why = (_text, f"rule {self.id}: fixed unit price {self.unit_price.amount}")
        return unit * item.quantity, unit, why


@attrs.frozen
class PercentOffList:
    """``percent`` % off the list price, rounded per unit."""

    id: str = attrs.field(validator=non_empty_text)
    percent: Decimal = attrs.field(converter=_percent, validator=percent_range)
    automatic: bool = attrs.field(default=False, validator=check_type(bool))

    def price_line(self, item: LineItem, scale: MinorUnits, divide: Divider) -> RulePrice | str:
        """List price less the percentage, per unit."""
        listed = scale.units(item.list_price.amount)
        numerator, denominator = percent_ratio(self.percent)
        unit = listed - divide(listed * numerator, denominator)
        why = (
            _text,
            f"rule {self.id}: list {item.list_price.amount} less {self.percent}% = "
            f"{scale.decimal(unit)} per unit",
        )
        return unit * item.quantity, unit, why


@attrs.frozen
class AmountOffList:
    """``amount`` off the list price of each unit (never below zero)."""

    id: str = attrs.field(validator=non_empty_text)
    amount: Money = attrs.field(validator=money_amount)
    automatic: bool = attrs.field(default=False, validator=check_type(bool))

    def price_line(self, item: LineItem, scale: MinorUnits, divide: Divider) -> RulePrice | str:
        """List price less the amount, per unit."""
        foreign = _foreign(item, self.amount)
        if foreign:
            return foreign
        unit = max(0, scale.units(item.list_price.amount) - scale.units(self.amount.amount))
        why = (
            _text,
            f"rule {self.id}: list {item.list_price.amount} less {self.amount.amount} = "
            f"{scale.decimal(unit)} per unit",
        )
        return unit * item.quantity, unit, why


@attrs.frozen
class VolumePricing:
    """Quantity breaks where all units take the price of the tier the quantity reaches.

    ``tiers`` are ``(first quantity, unit price)``: ``((1, 10.00), (10, 9.00), (50, 8.00))``.
    """

    id: str = attrs.field(validator=non_empty_text)
    tiers: tuple[tuple[int, Money], ...] = attrs.field(converter=_tiers)
    automatic: bool = attrs.field(default=False, validator=check_type(bool))

    def price_line(self, item: LineItem, scale: MinorUnits, divide: Divider) -> RulePrice | str:
        """Every unit at the price of the highest tier reached."""
        foreign = _foreign(item, *(price for _, price in self.tiers))
        if foreign:
            return foreign
        index = max(i for i, (start, _) in enumerate(self.tiers) if item.quantity >= start)
        price = self.tiers[index][1]
        unit = scale.units(price.amount)
        why = (
            _text,
            f"rule {self.id}: {item.quantity} units reach tier "
            f"{_tier_label(self.tiers, index)} at {price.amount} each",
        )
        return unit * item.quantity, unit, why


@attrs.frozen
class GraduatedPricing:
    """Quantity bands where each unit takes the price of its own band.

    With ``((1, 10.00), (10, 9.00))``, 12 units cost 9 x 10.00 + 3 x 9.00 = 117.00.
    """

    id: str = attrs.field(validator=non_empty_text)
    tiers: tuple[tuple[int, Money], ...] = attrs.field(converter=_tiers)
    automatic: bool = attrs.field(default=False, validator=check_type(bool))

    def price_line(self, item: LineItem, scale: MinorUnits, divide: Divider) -> RulePrice | str:
        """The sum over bands of units in the band x the band's price."""
        foreign = _foreign(item, *(price for _, price in self.tiers))
        if foreign:
            return foreign
        base = 0
        parts = []
        for index, (start, price) in enumerate(self.tiers):
            end = self.tiers[index + 1][0] - 1 if index + 1 < len(self.tiers) else item.quantity
            units = max(0, min(end, item.quantity) - start + 1)
            if units:
                base += units * scale.units(price.amount)
                parts.append(f"{units} x {price.amount}")
        unit = divide(base, item.quantity)
        why = (
            _text,
            f"rule {self.id}: {' + '.join(parts)} = {scale.decimal(base)} "
            f"(about {scale.decimal(unit)} per unit)",
        )
        return base, unit, why


@attrs.frozen
class CostPlus:
    """The product's cost plus ``markup`` %, rounded per unit."""

    id: str = attrs.field(validator=non_empty_text)
    markup: Decimal = attrs.field(converter=_percent)
    automatic: bool = attrs.field(default=False, validator=check_type(bool))

    def price_line(self, item: LineItem, scale: MinorUnits, divide: Divider) -> RulePrice | str:
        """Cost + markup per unit; needs the product's cost."""
        if item.cost is None:
            return f"rule {self.id} needs the product's cost, and {item.sku} has none"
        foreign = _foreign(item, item.cost)
        if foreign:
            return foreign
        cost = scale.units(item.cost.amount)
        numerator, denominator = percent_ratio(self.markup)
        unit = cost + divide(cost * numerator, denominator)
        why = (
            _text,
            f"rule {self.id}: cost {item.cost.amount} + {self.markup}% = "
            f"{scale.decimal(unit)} per unit",
        )
        return unit * item.quantity, unit, why


def _prices(value: Mapping[str, Money]) -> Mapping[str, Money]:
    return FrozenDict({sku: check_money(price, "prices") for sku, price in value.items()})


@attrs.frozen
class PriceList:
    """Unit prices for the customers of one group (``"wholesale"``), by SKU."""

    id: str = attrs.field(validator=non_empty_text)
    group: str = attrs.field(validator=non_empty_text)
    prices: Mapping[str, Money] = attrs.field(converter=_prices)

    def price_line(self, item: LineItem, scale: MinorUnits, divide: Divider) -> RulePrice | str:
        """The listed unit price of the line's product."""
        price = self.prices.get(item.sku) if item.sku is not None else None
        if price is None:
            return f"price list {self.id} has no price for {item.sku}"
        foreign = _foreign(item, price)
        if foreign:
            return foreign
        unit = scale.units(price.amount)
        why = (_text, f"price list {self.id} for group {self.group}: {price.amount}")
        return unit * item.quantity, unit, why


def _rules(value: Mapping[str, Iterable[PricingRule]]) -> Mapping[str, tuple[PricingRule, ...]]:
    table = {}
    for sku, rules in value.items():
        rules = tuple(rules)
        if len({rule.id for rule in rules}) != len(rules):
            raise ValidationError("rules", f"two rules of {sku!r} have the same id")
        if sum(rule.automatic for rule in rules) > 1:
            raise ValidationError("rules", f"{sku!r} has more than one automatic rule")
        table[sku] = rules
    return FrozenDict(table)


def _price_lists(value: Iterable[PriceList] | Mapping[str, PriceList]) -> Mapping[str, PriceList]:
    table: dict[str, PriceList] = {}
    lists = value.values() if isinstance(value, Mapping) else value
    for price_list in lists:
        if price_list.group in table:
            raise ValidationError("price_lists", f"two price lists for group {price_list.group!r}")
        table[price_list.group] = price_list
    return FrozenDict(table)


@attrs.frozen
class RuleBook:
    """The shop's pricing rules by SKU, and its price lists by customer group."""

    products: Mapping[str, tuple[PricingRule, ...]] = attrs.field(factory=dict, converter=_rules)
    price_lists: Mapping[str, PriceList] = attrs.field(factory=tuple, converter=_price_lists)

    def rules_for(self, sku: str | None) -> tuple[PricingRule, ...]:
        """The product's rules (none for custom items)."""
        return self.products.get(sku, ()) if sku is not None else ()

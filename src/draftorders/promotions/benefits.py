"""What a promotion gives: a discount on lines, on the order, or on shipping.

Benefits compute in integer minor units and return the amount with its reason still unrendered
(a :data:`~draftorders.explain.Why`). A product benefit works on one line at a time, on the
line's net after the discounts before it; an order benefit on the targeted subtotal; a shipping
benefit on the shipping charge. No benefit ever returns more than the amount it discounts.
"""

from __future__ import annotations

import enum
from decimal import Decimal

import attrs

from draftorders._validate import check_money, money_amount, percent_range, positive_quantity, rows
from draftorders.errors import ValidationError
from draftorders.explain import Why
from draftorders.money import MinorUnits, Money, percent_ratio, to_decimal
from draftorders.order.lines import LineItem
from draftorders.rounding import Divider

__all__ = [
    "BENEFITS",
    "AmountOff",
    "BundlePrice",
    "BuyXGetY",
    "FreeGift",
    "FreeShipping",
    "OrderAmountOff",
    "OrderPercentOff",
    "PercentOff",
    "PromotionClass",
    "SpendTiers",
]


class PromotionClass(enum.Enum):
    """What a promotion discounts; also its combination class for stacking."""

    PRODUCT = "product"
    ORDER = "order"
    SHIPPING = "shipping"


def _exact_percent(value: object) -> Decimal:
    return to_decimal(value, "percent")


def _why_percent(scale: MinorUnits, percent: Decimal, net: int, amount: int) -> str:
    exact = scale.decimal(net) * percent / 100
    rounded = "" if exact == scale.decimal(amount) else f", rounded from {exact.normalize()}"
    return f"{percent}% of {scale.decimal(net)} = {scale.decimal(amount)}{rounded}"


def _why_text(text: str) -> str:
    return text


def _why_units(scale: MinorUnits, what: str, units: int, unit: int, amount: int) -> str:
    return f"{what}: {units} x {scale.decimal(unit)} = {scale.decimal(amount)}"


def _why_capped(scale: MinorUnits, amount: int, net: int, why: Why) -> str:
    function = why[0]
    return f"{function(*why[1:])}, capped at {scale.decimal(net)}"


def _capped(scale: MinorUnits, amount: int, net: int, why: Why) -> tuple[int, Why]:
    if amount > net:
        return net, (_why_capped, scale, amount, net, why)
    return amount, why


# -- product benefits ---------------------------------------------------------------------------


@attrs.frozen
class PercentOff:
    """``percent`` % off each targeted line."""

    percent: Decimal = attrs.field(converter=_exact_percent, validator=percent_range)
    kind = PromotionClass.PRODUCT

    def line_discount(
        self, item: LineItem, unit: int, net: int, scale: MinorUnits, divide: Divider
    ) -> tuple[int, Why]:
        """``percent`` of the line's net, rounded once."""
        numerator, denominator = percent_ratio(self.percent)
        amount = divide(net * numerator, denominator)
        return amount, (_why_percent, scale, self.percent, net, amount)

    @property
    def label(self) -> str:
        """Stable words for the benefit."""
        return f"{self.percent}% off"


@attrs.frozen
class AmountOff:
    """``amount`` off each targeted unit."""

    amount: Money = attrs.field(validator=money_amount)
    kind = PromotionClass.PRODUCT

    def line_discount(
        self, item: LineItem, unit: int, net: int, scale: MinorUnits, divide: Divider
    ) -> tuple[int, Why]:
        """The amount times the quantity, capped at the line's net."""
        each = scale.units(self.amount.amount)
        total = each * item.quantity
        return _capped(
            scale, total, net, (_why_units, scale, "off each unit", item.quantity, each, total)
        )

    @property
    def label(self) -> str:
        """Stable words for the benefit."""
        return f"{self.amount.amount} off each"


@attrs.frozen
class BundlePrice:
    """Every ``quantity`` units of a line sell for ``price`` together ("3 for 10.00")."""

    quantity: int = attrs.field(validator=positive_quantity)
    price: Money = attrs.field(validator=money_amount)
    kind = PromotionClass.PRODUCT

    def line_discount(
        self, item: LineItem, unit: int, net: int, scale: MinorUnits, divide: Divider
    ) -> tuple[int, Why]:
        """Per complete bundle: the units' price less the bundle price (never below zero)."""
        bundles = item.quantity // self.quantity
        saving = max(0, self.quantity * unit - scale.units(self.price.amount))
        amount = bundles * saving
        why = (
            _why_text,
            f"{bundles} bundle(s) of {self.quantity} at {self.price.amount}: "
            f"{bundles} x {scale.decimal(saving)} = {scale.decimal(amount)}",
        )
        return _capped(scale, amount, net, why)

    @property
    def label(self) -> str:
        """Stable words for the benefit."""
        return f"{self.quantity} for {self.price.amount}"


@attrs.frozen
class BuyXGetY:
    """Buy ``buy`` units, get ``get`` more at ``percent`` % off (100: free), per line."""

    buy: int = attrs.field(validator=positive_quantity)
    get: int = attrs.field(validator=positive_quantity)
    percent: Decimal = attrs.field(
        default=Decimal(100), converter=_exact_percent, validator=percent_range
    )
    kind = PromotionClass.PRODUCT

    def line_discount(
        self, item: LineItem, unit: int, net: int, scale: MinorUnits, divide: Divider
    ) -> tuple[int, Why]:
        """Each full group of buy + get units makes ``get`` units discounted."""
        groups = item.quantity // (self.buy + self.get)
        units = groups * self.get
        numerator, denominator = percent_ratio(self.percent)
        amount = divide(units * unit * numerator, denominator)
        share = "" if self.percent == 100 else f" x {self.percent}%"
        why = (
            _why_text,
            f"{units} unit(s) at {self.percent}% off: {units} x {scale.decimal(unit)}{share} = "
            f"{scale.decimal(amount)}",
        )
        return _capped(scale, amount, net, why)

    @property
    def label(self) -> str:
        """Stable words for the benefit."""
        off = "free" if self.percent == 100 else f"{self.percent}% off"
        return f"buy {self.buy} get {self.get} {off}"


@attrs.frozen
class FreeGift:
    """Up to ``quantity`` units of the targeted gift product free, when it is in the order."""

    quantity: int = attrs.field(default=1, validator=positive_quantity)
    kind = PromotionClass.PRODUCT

    def line_discount(
        self, item: LineItem, unit: int, net: int, scale: MinorUnits, divide: Divider
    ) -> tuple[int, Why]:
        """The gift's units, up to ``quantity``, at their full price."""
        units = min(self.quantity, item.quantity)
        amount = units * unit
        return _capped(scale, amount, net, (_why_units, scale, "free gift", units, unit, amount))

    @property
    def label(self) -> str:
        """Stable words for the benefit."""
        return f"{self.quantity} free gift(s)"


# -- order benefits -----------------------------------------------------------------------------


@attrs.frozen
class OrderPercentOff:
    """``percent`` % off the targeted subtotal, after product discounts."""

    percent: Decimal = attrs.field(converter=_exact_percent, validator=percent_range)
    kind = PromotionClass.ORDER

    def order_discount(self, subtotal: int, scale: MinorUnits, divide: Divider) -> tuple[int, Why]:
        """``percent`` of the subtotal, rounded once."""
        numerator, denominator = percent_ratio(self.percent)
        amount = divide(subtotal * numerator, denominator)
        return amount, (_why_percent, scale, self.percent, subtotal, amount)

    @property
    def label(self) -> str:
        """Stable words for the benefit."""
        return f"{self.percent}% off the order"


@attrs.frozen
class OrderAmountOff:
    """``amount`` off the order, capped at the targeted subtotal."""

    amount: Money = attrs.field(validator=money_amount)
    kind = PromotionClass.ORDER

    def order_discount(self, subtotal: int, scale: MinorUnits, divide: Divider) -> tuple[int, Why]:
        """The amount, capped at the subtotal."""
        amount = scale.units(self.amount.amount)
        return _capped(scale, amount, subtotal, (_why_text, f"{self.amount.amount} off the order"))

    @property
    def label(self) -> str:
        """Stable words for the benefit."""
        return f"{self.amount.amount} off the order"


def _tiers(value: object) -> tuple[tuple[Money, Money], ...]:
    pairs = []
    for pair in rows(value, "tiers", 2, "a (threshold, amount) pair"):
        pairs.append((check_money(pair[0], "tiers"), check_money(pair[1], "tiers")))
    if not pairs:
        raise ValidationError("tiers", "spend tiers need at least one (threshold, amount) pair")
    return tuple(sorted(pairs, key=lambda tier: tier[0].amount))


@attrs.frozen
class SpendTiers:
    """Spend thresholds with amounts off: ``((100, 10), (200, 25))`` is "spend 100 get 10,
    spend 200 get 25"; the highest tier reached applies, on the subtotal after product
    discounts."""

    tiers: tuple[tuple[Money, Money], ...] = attrs.field(converter=_tiers)
    kind = PromotionClass.ORDER

    def threshold(self, scale: MinorUnits) -> int:
        """The lowest spend that earns anything, in minor units."""
        return scale.units(self.tiers[0][0].amount)

    def order_discount(self, subtotal: int, scale: MinorUnits, divide: Divider) -> tuple[int, Why]:
        """The amount of the highest tier reached (0 below the first)."""
        reached = [
            (spend, off) for spend, off in self.tiers if subtotal >= scale.units(spend.amount)
        ]
        if not reached:
            return 0, (_why_text, "no tier reached")
        spend, off = reached[-1]
        nxt = [tier for tier in self.tiers if scale.units(tier[0].amount) > subtotal]
        hint = ""
        if nxt:
            more = scale.decimal(scale.units(nxt[0][0].amount) - subtotal)
            hint = f"; spend {more} more to get {nxt[0][1].amount} off"
        text = f"spent {scale.decimal(subtotal)}, tier {spend.amount} gives {off.amount} off{hint}"
        return _capped(scale, scale.units(off.amount), subtotal, (_why_text, text))

    @property
    def label(self) -> str:
        """Stable words for the benefit."""
        return ", ".join(f"spend {s.amount} get {o.amount}" for s, o in self.tiers)


# -- shipping benefits --------------------------------------------------------------------------


@attrs.frozen
class FreeShipping:
    """Shipping free, or up to ``up_to`` off it."""

    up_to: Money | None = attrs.field(
        default=None, validator=attrs.validators.optional(money_amount)
    )
    kind = PromotionClass.SHIPPING

    def shipping_discount(self, shipping: int, scale: MinorUnits) -> tuple[int, Why]:
        """The shipping charge, capped at ``up_to``."""
        if self.up_to is None:
            return shipping, (_why_text, f"free shipping: {scale.decimal(shipping)} off")
        cap = scale.units(self.up_to.amount)
        amount = min(cap, shipping)
        return amount, (
            _why_text,
            f"shipping up to {self.up_to.amount} off: {scale.decimal(amount)}",
        )

    @property
    def label(self) -> str:
        """Stable words for the benefit."""
        return "free shipping" if self.up_to is None else f"up to {self.up_to.amount} off shipping"


ProductBenefit = PercentOff | AmountOff | BundlePrice | BuyXGetY | FreeGift
OrderBenefit = OrderPercentOff | OrderAmountOff | SpendTiers
Benefit = ProductBenefit | OrderBenefit | FreeShipping
BENEFITS = (
    PercentOff,
    AmountOff,
    BundlePrice,
    BuyXGetY,
    FreeGift,
    OrderPercentOff,
    OrderAmountOff,
    SpendTiers,
    FreeShipping,
)
"""Every benefit class, for type checks at run time."""

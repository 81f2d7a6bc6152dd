"""Small builders the tests share: money, products, orders and contexts in one line each."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from draftorders import (
    Address,
    Catalog,
    DraftOrder,
    FlatRateTax,
    Money,
    PricingContext,
    Product,
    RoundingMode,
    RoundingPolicy,
    TaxRate,
)

TODAY = dt.date(2026, 11, 26)


def money(amount: str, currency: str = "USD") -> Money:
    """``money("12.99")`` is USD 12.99."""
    return Money(Decimal(amount), currency)


def catalog(currency: str = "USD") -> Catalog:
    """A small catalog: MUG 12.99, TEA 7.49 (in ``currency``, same digits)."""
    return Catalog.of(
        Product(sku="MUG", title="Mug", price=money("12.99", currency)),
        Product(sku="TEA", title="Tea", price=money("7.49", currency)),
    )


def empty_order(order_id: str = "D1001", currency: str = "USD") -> DraftOrder:
    """A new, empty draft."""
    return DraftOrder.new(order_id, currency, TODAY)


def shipped_order(currency: str = "USD") -> DraftOrder:
    """An empty draft with a US shipping address, ready for a shipping line."""
    return empty_order(currency=currency).set_shipping_address(Address(country="US"))


def flat_tax(
    percent: str = "8.25",
    *,
    inclusive: bool = False,
    shipping: bool = False,
    mode: RoundingMode = RoundingMode.HALF_UP,
) -> PricingContext:
    """A pricing context with one flat tax rate."""
    return PricingContext(
        rounding=RoundingPolicy(mode),
        tax=FlatRateTax(TaxRate.percent(percent, "Tax"), taxes_shipping=shipping),
        prices_include_tax=inclusive,
    )

"""Helpers the property tests share: amounts in minor units, and an order's totals by name."""

from __future__ import annotations

from decimal import Decimal

from draftorders import Money, PricedOrder, minor_units


def amount(units: int, code: str) -> Decimal:
    """``units`` minor units of ``code`` as a Decimal at its minor unit (1299 USD -> 12.99)."""
    return Decimal(units).scaleb(-minor_units(code))


def money_of(units: int, code: str) -> Money:
    """``units`` minor units of ``code`` as Money."""
    return Money(amount(units, code), code)


def units_of(value: Money) -> int:
    """A Money at its minor unit as an integer number of minor units."""
    scaled = value.amount.scaleb(minor_units(value.currency.code))
    assert scaled == scaled.to_integral_value(), f"{value!r} is finer than the minor unit"
    return int(scaled)


def totals_of(priced: PricedOrder) -> dict[str, Money]:
    """The order's totals by name."""
    return {
        "subtotal": priced.subtotal,
        "discount_total": priced.discount_total,
        "net_subtotal": priced.net_subtotal,
        "shipping_total": priced.shipping_total,
        "debit_total": priced.debit_total,
        "credit_total": priced.credit_total,
        "tax_total": priced.tax_total,
        "total": priced.total,
    }

"""Small builders the tests share: money, products, orders and contexts in one line each."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from draftorders import (
    Address,
    BillingInterval,
    BillingPlan,
    Catalog,
    Customer,
    DraftOrder,
    FlatRateTax,
    ManualDiscount,
    Money,
    OrderDetails,
    PaymentTerms,
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


EDITS: dict[str, Callable[[DraftOrder], DraftOrder]] = {
    "set_customer": lambda o: o.set_customer(Customer(id="C1", name="Ada")),
    "set_billing_address": lambda o: o.set_billing_address(Address(country="GB")),
    "set_shipping_address": lambda o: o.set_shipping_address(Address(country="CA")),
    "set_order_date": lambda o: o.set_order_date(dt.date(2027, 1, 2)),
    "set_notes": lambda o: o.set_notes("call before delivery"),
    "set_terms": lambda o: o.set_terms("returns accepted within 30 days"),
    "set_po_number": lambda o: o.set_po_number("PO-4471"),
    "set_payment_terms": lambda o: o.set_payment_terms(PaymentTerms.net(30)),
    "set_consent": lambda o: o.set_consent(True),
    "set_payment_method": lambda o: o.set_payment_method("PM1"),
    "set_billing_plan": lambda o: o.set_billing_plan(
        "L1", BillingPlan(interval=BillingInterval.MONTH)
    ),
    "set_details": lambda o: o.set_details(OrderDetails.json('{"gift": true}')),
    "set_taxes_enabled": lambda o: o.set_taxes_enabled(False),
    "set_order_discount": lambda o: o.set_order_discount(ManualDiscount.percent("5")),
    "set_shipping": lambda o: o.set_shipping("Express", "19.95"),
    "clear_shipping": lambda o: o.clear_shipping(),
    "add_product": lambda o: o.add_product(catalog(), "TEA"),
    "add_custom_item": lambda o: o.add_custom_item("Engraving", "5.00"),
    "set_quantity": lambda o: o.set_quantity("L1", 3),
    "set_unit_price": lambda o: o.set_unit_price("L1", "10.00"),
    "set_line_discount": lambda o: o.set_line_discount("L1", ManualDiscount.fixed(money("1.00"))),
    "set_discount_percentage": lambda o: o.set_discount_percentage("L1", "10"),
    "remove_line": lambda o: o.remove_line("L1"),
    "set_pricing_rule": lambda o: o.set_pricing_rule("L1", "volume"),
    "set_line_points": lambda o: o.set_line_points("L1", 7),
    "add_code": lambda o: o.add_code("spring10"),
    "remove_code": lambda o: o.remove_code("welcome"),
    "add_credit": lambda o: o.add_credit("Goodwill", "5.00"),
    "add_debit": lambda o: o.add_debit("Handling", "2.50"),
    "remove_entry": lambda o: o.remove_entry("D1"),
    "redeem_points": lambda o: o.redeem_points(100),
}
"""Every public edit of DraftOrder, each with arguments that a draft made by
:func:`editable_order` accepts."""


def editable_order() -> DraftOrder:
    """A draft every edit in :data:`EDITS` applies to: shipping, a line L1, a code, a debit D1."""
    return (
        shipped_order()
        .add_product(catalog(), "MUG", 2)
        .set_shipping("Ground", "5.00")
        .add_code("welcome")
        .add_debit("Handling", "2.50")
    )

"""The guided demo behind ``python -m draftorders demo``: one order from draft to paid."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from draftorders.catalog import Catalog, Product
from draftorders.clock import FixedClock
from draftorders.customers import Address
from draftorders.errors import OrderLocked
from draftorders.events import OrderEvent
from draftorders.invoice import Party
from draftorders.money import Money
from draftorders.order.discounts import ManualDiscount
from draftorders.pricing import PricingContext
from draftorders.rounding import RoundingMode, RoundingPolicy
from draftorders.shop import Ports, Shop, ShopApp
from draftorders.tax import FlatRateTax, TaxRate

__all__ = ["run_demo"]


def _usd(amount: str) -> Money:
    return Money(Decimal(amount), "USD")


def run_demo(out: Callable[[str], None] = print) -> None:
    """Build the quickstart order, print it priced and explained, and walk its lifecycle."""
    catalog = Catalog.of(
        Product(sku="MUG", title="Mug", price=_usd("12.99")),
        Product(sku="TEA", title="Tea", price=_usd("7.49")),
    )
    shop = Shop(
        catalog,
        currency="USD",
        context=PricingContext(
            rounding=RoundingPolicy(RoundingMode.HALF_UP),
            tax=FlatRateTax(TaxRate.percent("8.25", "Sales tax")),
        ),
        seller=Party(name="Tea & Mugs Co.", email="billing@teamugs.example"),
    )
    app = ShopApp(shop, Ports(clock=FixedClock(dt.datetime(2026, 11, 26, 9, 30, tzinfo=dt.UTC))))
    home = Address(country="US", region="NY", city="New York", line1="1 Main St")
    customer = app.customers.create(
        "Ada Lovelace", customer_id="C1", email="ada@example.com", addresses=[home]
    )
    draft = app.drafts.create(customer=customer.id)
    app.drafts.select_address(draft.id, 0, use="shipping")  # the customer's saved address
    order = app.drafts.edit(
        draft.id,
        lambda o: o.add_product(catalog, "MUG", 3),
        lambda o: o.set_line_discount("L1", ManualDiscount.percent("10")),
        lambda o: o.add_custom_item("Engraving", Decimal("5.00")),
        lambda o: o.add_product(catalog, "TEA", 2),
        lambda o: o.set_order_discount(ManualDiscount.fixed(_usd("5.00"))),
        lambda o: o.set_shipping("Ground", Decimal("9.95")),
    )
    priced = app.drafts.price(order.id)
    out(f"Draft order {order.id} for {customer.name}, dated {order.order_date.isoformat()}\n")
    out(priced.table())
    out("")
    out(priced.explain())
    out("\nLifecycle")
    events: list[OrderEvent] = []

    def step(label: str, status: str, happened: tuple[OrderEvent, ...] = ()) -> None:
        events.extend(happened)
        out(f"  {label:<44} -> {status}")

    sent = app.invoicing.send(order.id)
    step(
        f"email invoice {sent.sent.number} (total {priced.total.amount})",
        sent.order.status.value,
        sent.events,
    )
    try:
        app.drafts.edit(order.id, lambda o: o.set_quantity("L3", 3))
    except OrderLocked as error:
        step(f"edit while sent: refused ({type(error).__name__})", sent.order.status.value)
    reverted = app.drafts.revert_to_draft(order.id)
    step(
        "revert to draft (the sent invoice is stale)", reverted.order.status.value, reverted.events
    )
    edited = app.drafts.edit(order.id, lambda o: o.set_quantity("L3", 3))
    step(f"edit: Tea x 3, new total {app.drafts.price(order.id).total.amount}", edited.status.value)
    resent = app.invoicing.send(order.id)
    step(f"email new invoice {resent.sent.number}", resent.order.status.value, resent.events)
    declined = app.cashier.charge(order.id, "tok_chargeDeclined")
    step(
        f"card declined ({declined.transaction.code})", declined.order.status.value, declined.events
    )
    paid = app.cashier.charge(order.id, "tok_visa")
    step(
        f"card charged {paid.transaction.amount.amount}: {paid.summary.status.value}",
        paid.order.status.value,
        paid.events,
    )
    orders = [o.id for o in app.drafts.orders()]
    drafts = [o.id for o in app.drafts.drafts()]
    out(f"\nOrders list: {orders}; drafts: {drafts}")
    out("Events: " + ", ".join(type(event).__name__ for event in events))
    out(f"\nThe last invoice email, as sent to {resent.sent.recipient}:\n")
    out(resent.sent.text)

"""The guided demo behind ``python -m draftorders demo``: one order from draft to paid."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from draftorders.cashier import Cashier
from draftorders.catalog import Catalog, Product
from draftorders.clock import FixedClock
from draftorders.customers import Address, Customer
from draftorders.discounts import ManualDiscount
from draftorders.errors import OrderLocked
from draftorders.invoice import Party
from draftorders.money import Money
from draftorders.payments import FakeGateway
from draftorders.pricing import PricingContext
from draftorders.rounding import RoundingMode, RoundingPolicy
from draftorders.service import DraftOrderService
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
    shop = DraftOrderService(
        catalog,
        currency="USD",
        context=PricingContext(
            rounding=RoundingPolicy(RoundingMode.HALF_UP),
            tax=FlatRateTax(TaxRate.percent("8.25", "Sales tax")),
        ),
        clock=FixedClock(dt.datetime(2026, 11, 26, 9, 30, tzinfo=dt.UTC)),
        seller=Party(name="Tea & Mugs Co.", email="billing@teamugs.example"),
    )
    home = Address(country="US", region="NY", city="New York", line1="1 Main St")
    customer = Customer(id="C1", name="Ada Lovelace", email="ada@example.com", addresses=[home])
    draft = shop.create(customer=customer)
    order = shop.edit(
        draft.id,
        lambda o: o.add_product(catalog, "MUG", 3),
        lambda o: o.set_line_discount("L1", ManualDiscount.percent("10")),
        lambda o: o.add_custom_item("Engraving", Decimal("5.00")),
        lambda o: o.add_product(catalog, "TEA", 2),
        lambda o: o.set_order_discount(ManualDiscount.fixed(_usd("5.00"))),
        lambda o: o.set_shipping_address(home),
        lambda o: o.set_shipping("Ground", Decimal("9.95")),
    )
    priced = shop.price(order.id)
    out(f"Draft order {order.id} for {customer.name}, dated {order.order_date.isoformat()}\n")
    out(priced.table())
    out("")
    out(priced.explain())
    out("\nLifecycle")

    def step(label: str, status: str) -> None:
        out(f"  {label:<44} -> {status}")

    sent = shop.send_invoice(order.id)
    step(f"email invoice {sent.sent.number} (total {priced.total.amount})", sent.order.status.value)
    try:
        shop.edit(order.id, lambda o: o.set_quantity("L3", 3))
    except OrderLocked as error:
        step(f"edit while sent: refused ({type(error).__name__})", sent.order.status.value)
    reverted = shop.revert_to_draft(order.id)
    step("revert to draft (the sent invoice is stale)", reverted.order.status.value)
    edited = shop.edit(order.id, lambda o: o.set_quantity("L3", 3))
    step(f"edit: Tea x 3, new total {shop.price(order.id).total.amount}", edited.status.value)
    resent = shop.send_invoice(order.id)
    step(f"email new invoice {resent.sent.number}", resent.order.status.value)
    cashier = Cashier(shop, FakeGateway())
    declined = cashier.charge(order.id, "tok_chargeDeclined")
    step(f"card declined ({declined.transaction.code})", declined.order.status.value)
    paid = cashier.charge(order.id, "tok_visa")
    step(
        f"card charged {paid.transaction.amount.amount}: {paid.summary.status.value}",
        paid.order.status.value,
    )
    out(f"\nOrders list: {[o.id for o in shop.orders()]}; drafts: {[o.id for o in shop.drafts()]}")
    out("Events: " + ", ".join(type(event).__name__ for event in shop.events))
    out(f"\nThe last invoice email, as sent to {resent.sent.recipient}:\n")
    out(resent.sent.text)

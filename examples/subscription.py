"""A subscription: tea billed monthly for 12 cycles from 2026-01-31, plus a mug bought once.

Prints the first invoice (everything, once), the amount each later cycle repeats at today's
prices, and the invoice dates: each computed from the anchor, so they keep to the month's end
(31 Jan, 28 Feb, 31 Mar, 30 Apr, ...) instead of drifting to the 28th.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from draftorders import (
    Address,
    Catalog,
    DraftOrder,
    FlatRateTax,
    ManualDiscount,
    Money,
    PricedOrder,
    PricingContext,
    Product,
    TaxRate,
    price,
)
from draftorders.billing import BillingInterval, BillingPlan

MONTHLY = BillingPlan(interval=BillingInterval.MONTH, cycles=12)

CATALOG = Catalog.of(
    Product(
        sku="TEA-SUB",
        title="Tea of the month",
        price=Money(Decimal("14.99"), "USD"),
        billing_plan=MONTHLY,
    ),
    Product(sku="MUG", title="Mug", price=Money(Decimal("12.99"), "USD")),
)

CONTEXT = PricingContext(tax=FlatRateTax(TaxRate.percent("8.25", "Sales tax")))

ANCHOR = dt.date(2026, 1, 31)


def build_order() -> DraftOrder:
    """The order: L1 tea subscription (10% off), L2 a mug once, ground shipping."""
    return (
        DraftOrder.new("D2001", "USD", ANCHOR)
        .add_product(CATALOG, "TEA-SUB")
        .set_line_discount("L1", ManualDiscount.percent("10"))
        .add_product(CATALOG, "MUG")
        .set_shipping_address(Address(country="US", region="NY"))
        .set_shipping("Ground", Decimal("4.95"))
    )


def report(priced: PricedOrder, anchor: dt.date) -> str:
    """The first invoice, the amount per cycle of each plan and its invoice dates."""
    billing = priced.billing
    out = [
        f"first invoice on {anchor.isoformat()}: {billing.due_now.amount} {priced.currency} "
        f"(the first cycle, one-off lines {billing.one_off_amount.amount}, "
        f"shipping {priced.shipping_total.amount})",
    ]
    for group in billing.recurring:
        out.append(
            f"{group.plan.describe()} ({', '.join(group.line_ids)}): "
            f"{group.amount.amount} per cycle at today's prices"
        )
        out.extend(
            f"  cycle {n:>2}: {date.isoformat()}"
            for n, date in enumerate(group.schedule(anchor), start=1)
        )
    return "\n".join(out)


if __name__ == "__main__":
    order = build_order()
    print(report(price(order, CONTEXT), order.order_date))

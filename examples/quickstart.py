"""Quickstart: build a draft order, price it, and read every figure with its explanation.

USD, half-up rounding, 8.25% sales tax on every line (not on shipping), a 10% line discount,
a 5.00 order discount split over the lines, and a manual "Ground" shipping line.
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
    RoundingMode,
    RoundingPolicy,
    TaxRate,
    price,
)

CATALOG = Catalog.of(
    Product(sku="MUG", title="Mug", price=Money(Decimal("12.99"), "USD")),
    Product(sku="TEA", title="Tea", price=Money(Decimal("7.49"), "USD")),
)

CONTEXT = PricingContext(
    rounding=RoundingPolicy(RoundingMode.HALF_UP),
    tax=FlatRateTax(TaxRate.percent("8.25", "Sales tax"), taxes_shipping=False),
)


def build_order() -> DraftOrder:
    """The quickstart order: lines L1 (Mug), L2 (Engraving) and L3 (Tea)."""
    order = DraftOrder.new("D1001", "USD", dt.date(2026, 11, 26))
    order = order.add_product(CATALOG, "MUG", quantity=3)  # L1
    order = order.set_line_discount("L1", ManualDiscount.percent("10"))
    order = order.add_custom_item("Engraving", Decimal("5.00"), quantity=1)  # L2
    order = order.add_product(CATALOG, "TEA", quantity=2)  # L3
    order = order.set_order_discount(ManualDiscount.fixed(Money(Decimal("5.00"), "USD")))
    order = order.set_shipping_address(Address(country="US", region="NY", city="New York"))
    return order.set_shipping("Ground", Decimal("9.95"))


def report(priced: PricedOrder) -> str:
    """Every figure of the quickstart, one per line, then the table and the explanation."""
    mug, engraving, tea = (priced.line(line_id) for line_id in ("L1", "L2", "L3"))
    line_discount = next(a for a in mug.adjustments if a.source == "manual:line-discount")
    shares = {
        line.title: next(a for a in line.adjustments if a.source == "manual:order-discount")
        for line in (mug, engraving, tea)
    }
    figures = [
        f"line A discount: {-line_discount.amount.amount}",
        *(f"order discount share {title}: {-adj.amount.amount}" for title, adj in shares.items()),
        *(f"tax {line.title}: {line.tax.amount}" for line in (mug, engraving, tea)),
        f"tax total: {priced.tax_total.amount}",
        f"subtotal after discounts: {priced.net_subtotal.amount}",
        f"shipping: {priced.shipping_total.amount}",
        f"total: {priced.total.amount}",
    ]
    return "\n".join([*figures, "", priced.table(), "", priced.explain()])


if __name__ == "__main__":
    print(report(price(build_order(), CONTEXT)))

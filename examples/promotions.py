"""Pricing rules, promotions, credits and debits: one EUR order, every figure explained.

- "Widget" lists at 10.00 with volume tiers 1-9: 10.00, 10-49: 9.00, 50+: 8.00; 12 ordered.
- "Gadget" 20.00 x 3 with "buy 2 get 1 free"; "Cable" 4.99 x 3 with 15% off.
- "10% off orders of 100 or more", computed on the amounts left after product discounts.
- An exclusive "15% off for wholesale", which this (retail) customer does not get.
- A non-taxable handling debit of 2.50 and a non-taxable goodwill credit of 5.00.
- 20% tax on every line (exclusive), no shipping, rounding half-up.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from draftorders import (
    Catalog,
    Customer,
    DraftOrder,
    FlatRateTax,
    Money,
    PricedOrder,
    PricingContext,
    Product,
    TaxRate,
    price,
)
from draftorders.pricing.rules import RuleBook, VolumePricing
from draftorders.promotions import (
    BuyXGetY,
    CustomerGroup,
    MinSubtotal,
    OrderPercentOff,
    PercentOff,
    Promotion,
    PromotionBook,
    Target,
)


def eur(amount: str) -> Money:
    """``eur("9.99")`` is EUR 9.99."""
    return Money(Decimal(amount), "EUR")


CATALOG = Catalog.of(
    Product(sku="WIDGET", title="Widget", price=eur("10.00")),
    Product(sku="GADGET", title="Gadget", price=eur("20.00")),
    Product(sku="CABLE", title="Cable", price=eur("4.99"), tags={"accessories"}),
)

RULES = RuleBook(
    products={
        "WIDGET": [
            VolumePricing(
                "widget-volume",
                tiers=((1, eur("10.00")), (10, eur("9.00")), (50, eur("8.00"))),
                automatic=True,
            )
        ]
    }
)

PROMOTIONS = PromotionBook(
    [
        Promotion(
            "GADGET-B2G1",
            "Gadgets: buy 2 get 1 free",
            BuyXGetY(buy=2, get=1),
            target=Target(skus={"GADGET"}),
        ),
        Promotion(
            "ACCESSORIES-15",
            "15% off accessories",
            PercentOff("15"),
            target=Target(tags={"accessories"}),
        ),
        Promotion(
            "ORDER-10",
            "10% off orders of 100 or more",
            OrderPercentOff("10"),
            conditions=[MinSubtotal(eur("100.00"))],
        ),
        Promotion(
            "WHOLESALE-15",
            "15% off for wholesale",
            OrderPercentOff("15"),
            conditions=[CustomerGroup({"wholesale"})],
            exclusive=True,
        ),
    ]
)

CONTEXT = PricingContext(
    tax=FlatRateTax(TaxRate.percent("20", "VAT")), rules=RULES, promotions=PROMOTIONS
)


def build_order() -> DraftOrder:
    """Lines L1 Widget x 12, L2 Gadget x 3, L3 Cable x 3, a handling debit, a goodwill credit."""
    customer = Customer(id="C7", name="Grace Hopper", group="retail")
    return (
        DraftOrder.new("D2001", "EUR", dt.date(2026, 11, 26), customer=customer)
        .add_product(CATALOG, "WIDGET", 12)
        .add_product(CATALOG, "GADGET", 3)
        .add_product(CATALOG, "CABLE", 3)
        .add_debit("Handling", Decimal("2.50"), entry_id="handling")
        .add_credit("Goodwill", Decimal("5.00"), entry_id="goodwill")
    )


def report(priced: PricedOrder) -> str:
    """Every figure of the example, then the full explanation."""
    widget, gadget, cable = (priced.line(line_id) for line_id in ("L1", "L2", "L3"))

    def promotion(line_id: str, source: str) -> Decimal:
        line = priced.line(line_id)
        return -sum((a.amount.amount for a in line.adjustments if a.source == source), Decimal(0))

    order_promotion = "promotion:ORDER-10"
    shares = [promotion(line_id, order_promotion) for line_id in ("L1", "L2", "L3")]
    (wholesale,) = [r for r in priced.rejections if r.source == "promotion:WHOLESALE-15"]
    figures = [
        f"Widget: {widget.base.amount} ({widget.unit_price_reason})",
        f"Gadget discount: {promotion('L2', 'promotion:GADGET-B2G1')}",
        f"Cable discount: {promotion('L3', 'promotion:ACCESSORIES-15')}",
        f"order promotion: {sum(shares)} allocated Widget {shares[0]}, Gadget {shares[1]}, "
        f"Cable {shares[2]}",
        f"taxes: {widget.tax.amount}, {gadget.tax.amount}, {cable.tax.amount} "
        f"({priced.tax_total.amount})",
        f"handling debit: {priced.debit_total.amount}; goodwill credit: "
        f"{priced.credit_total.amount}",
        f"total: {priced.total.amount}",
        f"not applied: {wholesale.title}: {wholesale.reason}",
    ]
    return "\n".join([*figures, "", priced.explain()])


if __name__ == "__main__":
    print(report(price(build_order(), CONTEXT)))

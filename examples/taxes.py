"""Taxes: a two-rate Canadian table, German VAT-inclusive prices, and where tax is rounded.

1. Exclusive prices in Quebec: GST 5% and QST 9.975% (not compound); books pay GST only;
   shipping is taxed at the standard rates. Item 100.00, book 20.00, shipping 10.00.
2. Inclusive prices in Germany: an item of 119.00 at 19%, a book of 10.70 at 7%, and a 10%
   order discount taken from the gross prices.
3. Rounding level: two lines of 0.33 at 20%, rounded per line and per invoice.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from draftorders import (
    Address,
    DraftOrder,
    FlatRateTax,
    Jurisdiction,
    ManualDiscount,
    PricedOrder,
    PricingContext,
    RoundingPolicy,
    TableTax,
    TaxLevel,
    TaxRate,
    TaxTable,
    price,
)

GST = TaxRate.percent("5", "GST")
QST = TaxRate.percent("9.975", "QST")
DE_STANDARD = TaxRate.percent("19", "USt 19%")
DE_REDUCED = TaxRate.percent("7", "USt 7%")

TABLE = TaxTable(
    [
        Jurisdiction("CA", "CA", rates=[GST]),
        Jurisdiction("CA-QC", "CA", region="QC", rates=[GST, QST], categories={"books": [GST]}),
        Jurisdiction("DE", "DE", rates=[DE_STANDARD], categories={"reduced": [DE_REDUCED]}),
    ]
)
DAY = dt.date(2026, 11, 26)


def quebec() -> PricedOrder:
    """Example 1: exclusive prices, two rates, a category override, taxed shipping."""
    order = (
        DraftOrder.new("T1", "CAD", DAY)
        .set_shipping_address(Address(country="CA", region="QC", city="Montreal"))
        .add_custom_item("Item", Decimal("100.00"))
        .add_custom_item("Book", Decimal("20.00"), tax_category="books")
        .set_shipping("Courier", Decimal("10.00"))
    )
    return price(order, PricingContext(tax=TableTax(TABLE)))


def germany() -> PricedOrder:
    """Example 2: tax-inclusive prices, two categories, a 10% order discount."""
    order = (
        DraftOrder.new("T2", "EUR", DAY)
        .set_shipping_address(Address(country="DE", city="Berlin"))
        .add_custom_item("Item", Decimal("119.00"))
        .add_custom_item("Book", Decimal("10.70"), tax_category="reduced")
        .set_order_discount(ManualDiscount.percent("10"))
    )
    return price(order, PricingContext(tax=TableTax(TABLE), prices_include_tax=True))


def rounding_level(level: TaxLevel) -> PricedOrder:
    """Example 3: two lines of 0.33 at 20%, tax rounded at ``level``."""
    order = (
        DraftOrder.new("T3", "EUR", DAY)
        .add_custom_item("First", Decimal("0.33"))
        .add_custom_item("Second", Decimal("0.33"))
    )
    context = PricingContext(
        rounding=RoundingPolicy(tax_level=level),
        tax=FlatRateTax(TaxRate.percent("20", "VAT")),
    )
    return price(order, context)


def by_rate(priced: PricedOrder, name: str) -> list[Decimal]:
    """The order's taxes at one rate, item by item (lines, then shipping)."""
    return [c.amount.amount for c in priced.tax_lines if c.rate.name == name]


def report() -> str:
    """Every figure of the three examples."""
    qc, de = quebec(), germany()
    gst, qst = by_rate(qc, "GST"), by_rate(qc, "QST")
    qst_book = [c.amount.amount for c in qc.line("L2").taxes if c.rate.name == "QST"]
    shares = [-sum(a.amount.amount for a in line.adjustments) for line in de.lines]
    net = sum((c.base.amount for c in de.tax_lines), Decimal(0))
    per_line, per_invoice = rounding_level(TaxLevel.LINE), rounding_level(TaxLevel.DOCUMENT)
    return "\n".join(
        [
            "1. Quebec, exclusive",
            f"   GST {' + '.join(map(str, gst))} = {sum(gst)}",
            f"   QST {qst[0]} + {qst_book[0] if qst_book else Decimal('0.00')} + {qst[1]} "
            f"= {sum(qst)}",
            f"   total {qc.total.amount}",
            "2. Germany, inclusive",
            f"   discount {de.discount_total.amount} allocated {shares[0]} and {shares[1]}",
            f"   tax {de.line('L1').tax.amount} and {de.line('L2').tax.amount}",
            f"   net {net}",
            f"   total {de.total.amount}",
            "3. Rounding level, two lines of 0.33 at 20%",
            f"   per line {per_line.tax_total.amount}, per invoice {per_invoice.tax_total.amount}",
        ]
    )


if __name__ == "__main__":
    print(report())
    print()
    print(quebec().explain())

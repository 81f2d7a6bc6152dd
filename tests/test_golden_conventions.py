"""Golden tests: published worked examples of platforms and authorities, to the cent.

Each test names where its numbers come from. The inputs and outputs are the source's; the
policy is the preset (or setting) that is meant to reproduce its convention.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from draftorders import (
    Address,
    DraftOrder,
    FlatRateTax,
    ManualDiscount,
    PricedOrder,
    PricingContext,
    Remainder,
    RoundingMode,
    RoundingPolicy,
    TaxLevel,
    TaxRate,
    allocate,
    price,
)
from draftorders.rounding import (
    COMMERCETOOLS,
    COMMERCETOOLS_UNIT_PRICE,
    INVOICE_VAT,
    SALEOR,
    SHOPIFY,
    STRIPE,
    InclusiveTarget,
    allocate_units,
)

DAY = dt.date(2026, 11, 26)


def order(currency: str, *lines: tuple[str, int]) -> DraftOrder:
    draft = DraftOrder.new("G1", currency, DAY)
    for amount, quantity in lines:
        draft = draft.add_custom_item(f"Item {amount}", Decimal(amount), quantity)
    return draft


def taxed(
    draft: DraftOrder, percent: str, policy: RoundingPolicy, inclusive: bool = False
) -> PricedOrder:
    context = PricingContext(
        rounding=policy,
        tax=FlatRateTax(TaxRate.percent(percent, "Tax")),
        prices_include_tax=inclusive,
    )
    return price(draft, context)


def amounts(values: list[object]) -> list[Decimal]:
    return [Decimal(str(value)) for value in values]


def test_stripe_rounds_tax_per_line_half_up_then_adds_the_lines() -> None:
    """support.stripe.com/questions/rounding-rules-for-stripe-fees (rounding rules table):
    0.43 and 4.84 at 15% -> 0.06 + 0.73 = 0.79 tax, 5.27 subtotal, 6.06 total."""
    priced = taxed(order("USD", ("0.43", 1), ("4.84", 1)), "15", STRIPE)
    assert [line.tax.amount for line in priced.lines] == amounts(["0.06", "0.73"])
    assert priced.tax_total.amount == Decimal("0.79")
    assert priced.net_subtotal.amount == Decimal("5.27")
    assert priced.total.amount == Decimal("6.06")


def test_commercetools_line_item_level_taxes_the_line_total() -> None:
    """commercetools TaxCalculationMode.LineItemLevel (API reference): (1.08 x 3 = 3.24) x 1.19
    = 3.8556 -> 3.86."""
    priced = taxed(order("USD", ("1.08", 3)), "19", COMMERCETOOLS)
    assert priced.total.amount == Decimal("3.86")


def test_commercetools_unit_price_level_taxes_each_unit_then_multiplies() -> None:
    """commercetools TaxCalculationMode.UnitPriceLevel (API reference): (1.08 x 1.19 = 1.2852
    -> 1.29) x 3 = 3.87."""
    priced = taxed(order("USD", ("1.08", 3)), "19", COMMERCETOOLS_UNIT_PRICE)
    assert priced.total.amount == Decimal("3.87")


def test_saleor_rounds_a_half_cent_up() -> None:
    """saleor/saleor-docs pull 818, docs/developer/taxes.mdx: 9.945 -> 9.95; 9.94499 -> 9.94."""
    assert SALEOR.round(Decimal("9.945"), "USD") == Decimal("9.95")
    assert SALEOR.round(Decimal("9.94499"), "USD") == Decimal("9.94")
    assert taxed(order("USD", ("19.89", 1)), "50", SALEOR).tax_total.amount == Decimal("9.95")


def test_zuora_inclusive_tax_rounding_the_net_or_the_tax() -> None:
    """docs.zuora.com, "Rounding rule for inclusive tax mode": 2.99 at 4% tax-inclusive;
    rounding the net gives net 2.88 and tax 0.11; rounding the tax gives 0.115 -> 0.12."""
    draft = order("USD", ("2.99", 1))
    net_rounded = taxed(draft, "4", RoundingPolicy(inclusive_target=InclusiveTarget.NET), True)
    tax_rounded = taxed(draft, "4", RoundingPolicy(inclusive_target=InclusiveTarget.TAX), True)
    (net_charge,) = net_rounded.line("L1").taxes
    assert (net_charge.base.amount, net_charge.amount.amount) == (Decimal("2.88"), Decimal("0.11"))
    assert tax_rounded.tax_total.amount == Decimal("0.12")


def test_stax_bill_rounds_half_even_per_line_and_the_lines_differ_from_the_subtotal() -> None:
    """support.staxbill.com (article 8362693575827): four lines of 17.50 at 7% are 1.225 each,
    1.22 half-even, 4.88 in all, against 4.90 on the 70.00 subtotal."""
    draft = order("USD", *[("17.50", 1)] * 4)
    per_line = taxed(draft, "7", RoundingPolicy(mode=RoundingMode.HALF_EVEN))
    per_invoice = taxed(draft, "7", RoundingPolicy(tax_level=TaxLevel.DOCUMENT))
    assert [line.tax.amount for line in per_line.lines] == amounts(["1.22"] * 4)
    assert per_line.tax_total.amount == Decimal("4.88")
    assert per_invoice.tax_total.amount == Decimal("4.90")


def test_wafeq_rounds_each_line_half_up() -> None:
    """developer.wafeq.com/reference/calculations-and-rounding: 45.30 at 5% -> 2.27 and 33.45
    at 10% -> 3.35; tax 5.62; 78.75 -> 84.37."""
    first = taxed(order("USD", ("45.30", 1)), "5", STRIPE)
    second = taxed(order("USD", ("33.45", 1)), "10", STRIPE)
    assert (first.tax_total.amount, second.tax_total.amount) == (Decimal("2.27"), Decimal("3.35"))
    assert first.total.amount + second.total.amount == Decimal("84.37")


def test_gobl_extracts_inclusive_tax_per_line() -> None:
    """github.com/invopop/gobl pull 923: tax-inclusive 1 x 100.00 at 21% -> 82.64 / 17.36;
    12 x 125.00 at 6% -> 1415.09 / 84.91; 50 x 19.99 at 19% -> 839.92 / 159.58."""
    cases = [
        ("100.00", 1, "21", "82.64", "17.36"),
        ("125.00", 12, "6", "1415.09", "84.91"),
        ("19.99", 50, "19", "839.92", "159.58"),
    ]
    for amount, quantity, percent, net, tax in cases:
        priced = taxed(order("EUR", (amount, quantity)), percent, RoundingPolicy(), True)
        (charge,) = priced.line("L1").taxes
        assert (charge.base.amount, charge.amount.amount) == (Decimal(net), Decimal(tax))


def test_odoo_per_line_rounding_makes_ten_lines_differ_from_one_line_of_ten() -> None:
    """github.com/odoo/odoo issue 155833: 3.60 at 5.5%, rounded per line: one unit 3.80; one
    line of 10 units 37.98; ten lines of one unit 38.00."""
    assert taxed(order("EUR", ("3.60", 1)), "5.5", STRIPE).total.amount == Decimal("3.80")
    assert taxed(order("EUR", ("3.60", 10)), "5.5", STRIPE).total.amount == Decimal("37.98")
    ten_lines = order("EUR", *[("3.60", 1)] * 10)
    assert taxed(ten_lines, "5.5", STRIPE).total.amount == Decimal("38.00")


def test_invoice_level_vat_rounds_once_per_rate() -> None:
    """github.com/odoo/odoo issue 36675: 55.55 and 11.11 at 23%; the invoice total per rate is
    15.33 (rounded once), where per-line rounding shows 15.34."""
    draft = order("EUR", ("55.55", 1), ("11.11", 1))
    assert taxed(draft, "23", INVOICE_VAT).tax_total.amount == Decimal("15.33")
    assert taxed(draft, "23", STRIPE).tax_total.amount == Decimal("15.34")


def test_shopify_money_allocator_gives_leftover_pennies_first_or_last() -> None:
    """github.com/Shopify/money lib/money/allocator.rb: 100 split in three equal parts ->
    33.34 / 33.33 / 33.33; 10.01 split in halves, reversed -> 5.00 / 5.01."""
    thirds = [Decimal("1"), Decimal("1"), Decimal("1")]
    first = allocate(Decimal("100.00"), thirds, ["a", "b", "c"], "USD")
    assert first == amounts(["33.34", "33.33", "33.33"])
    assert allocate_units(1001, [1, 1], ["a", "b"], Remainder.LAST) == [500, 501]
    assert allocate_units(10000, [1, 1, 1], ["a", "b", "c"], SHOPIFY.remainder) == [
        3334,
        3333,
        3333,
    ]


def test_adobe_splits_a_ten_percent_discount_over_two_equal_lines_as_2_00_and_1_99() -> None:
    """experienceleague.adobe.com, cart price rules: 10% off 2 x 19.95 is 1.995 each; the total
    3.99 is split 2.00 / 1.99."""
    draft = order("USD", ("19.95", 1), ("19.95", 1)).set_order_discount(
        ManualDiscount.percent("10")
    )
    priced = price(draft)
    assert priced.discount_total.amount == Decimal("3.99")
    assert [line.discount.amount for line in priced.lines] == amounts(["2.00", "1.99"])


def test_shopify_applies_the_order_percentage_after_product_discounts() -> None:
    """shopify.dev, discount combination examples: Pants 100, Shirts 50, Boots 200; 20% off the
    pants gives 330; then 10% off the order gives 297; with 20 shipping, 317."""
    draft = (
        order("USD", ("100.00", 1), ("50.00", 1), ("200.00", 1))
        .set_line_discount("L1", ManualDiscount.percent("20"))
        .set_order_discount(ManualDiscount.percent("10"))
        .set_shipping_address(Address(country="US"))
        .set_shipping("Standard", Decimal("20.00"))
    )
    priced = price(draft, PricingContext(rounding=SHOPIFY))
    assert priced.net_subtotal.amount == Decimal("297.00")
    assert priced.total.amount == Decimal("317.00")


def test_salesforce_prorates_an_order_percentage_over_the_lines() -> None:
    """help.salesforce.com, B2C Commerce promotion proration: 15% off orders over 100 with
    SKU1 60 and SKU2 50 gives -9.00 and -7.50, -16.50, total 93.50."""
    draft = order("USD", ("60.00", 1), ("50.00", 1)).set_order_discount(
        ManualDiscount.percent("15")
    )
    priced = price(draft)
    assert [line.discount.amount for line in priced.lines] == amounts(["9.00", "7.50"])
    assert priced.total.amount == Decimal("93.50")


def test_hmrc_rounds_vat_half_a_penny_up_and_less_down() -> None:
    """gov.uk/hmrc-internal-manuals/vat-trader-records/vatrec12030: amounts under 0.5p are
    rounded down and 0.5p or more up; the invoice preset follows it on the VAT total."""
    assert INVOICE_VAT.round(Decimal("0.125"), "GBP") == Decimal("0.13")
    assert INVOICE_VAT.round(Decimal("0.1249"), "GBP") == Decimal("0.12")
    draft = order("GBP", ("0.33", 1), ("0.33", 1))
    assert taxed(draft, "20", INVOICE_VAT).tax_total.amount == Decimal("0.13")  # 0.132

"""Taxes: tax tables, jurisdictions, compound rates, and where and how tax is rounded.

Every figure below is worked out by hand; the arithmetic is in the comment next to it.
"""

from __future__ import annotations

import runpy
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from builders import TODAY
from draftorders import (
    Address,
    Customer,
    DraftOrder,
    FlatRateTax,
    InclusiveTarget,
    Jurisdiction,
    ManualDiscount,
    Money,
    PricedOrder,
    PricingContext,
    RoundingMode,
    RoundingPolicy,
    TableTax,
    TaxLevel,
    TaxRate,
    TaxTable,
    ValidationError,
    price,
)

EXAMPLES = Path(__file__).parent.parent / "examples"
taxes = runpy.run_path(str(EXAMPLES / "taxes.py"))

D = Decimal

# -- a small Canadian table -----------------------------------------------------------------------

GST = TaxRate.percent("5", "GST")
QST = TaxRate.percent("9.975", "QST")
HST = TaxRate.percent("13", "HST")
CANADA = TaxTable(
    [
        Jurisdiction("CA", "CA", rates=[GST]),
        Jurisdiction("CA-QC", "CA", region="QC", rates=[GST, QST], categories={"books": [GST]}),
        Jurisdiction("CA-ON", "CA", region="ON", rates=[HST]),
    ]
)
QUEBEC = Address(country="CA", region="QC", city="Montreal")
ONTARIO = Address(country="CA", region="ON", city="Toronto")
ALBERTA = Address(country="CA", region="AB", city="Calgary")


def order(currency: str = "CAD") -> DraftOrder:
    return DraftOrder.new("T1", currency, TODAY)


def table_context(
    table: TaxTable, origin: Address | None = None, **kwargs: object
) -> PricingContext:
    return PricingContext(tax=TableTax(table, origin=origin), **kwargs)  # type: ignore[arg-type]


def flat(
    percent: str,
    *,
    level: TaxLevel = TaxLevel.LINE,
    mode: RoundingMode = RoundingMode.HALF_UP,
    target: InclusiveTarget = InclusiveTarget.TAX,
    inclusive: bool = False,
    shipping: bool = False,
) -> PricingContext:
    return PricingContext(
        rounding=RoundingPolicy(mode, level, target),
        tax=FlatRateTax(TaxRate.percent(percent, "VAT"), taxes_shipping=shipping),
        prices_include_tax=inclusive,
    )


def rates_charged(priced: PricedOrder) -> dict[str, Decimal]:
    """Tax per rate name over the whole order."""
    found: dict[str, Decimal] = {}
    for charge in priced.tax_lines:
        found[charge.rate.name] = found.get(charge.rate.name, D(0)) + charge.amount.amount
    return found


def line_taxes(priced: PricedOrder) -> list[Decimal]:
    return [line.tax.amount for line in priced.lines]


# -- the worked examples in examples/taxes.py ---------------------------------------------------


def test_quebec_example_charges_gst_5_00_1_00_0_50_making_6_50():
    # given the Quebec order: item 100.00, book 20.00, shipping 10.00, GST 5% on all three
    priced = taxes["quebec"]()
    # then GST is charged on the item, the book and shipping
    gst = taxes["by_rate"](priced, "GST")
    assert gst == [D("5.00"), D("1.00"), D("0.50")]
    assert sum(gst) == D("6.50")


def test_quebec_example_charges_qst_9_98_0_00_1_00_making_10_98():
    priced = taxes["quebec"]()
    # 9.975% of 100.00 = 9.975 -> 9.98 half-up; the book pays GST only; 9.975% of 10.00 = 0.9975
    assert taxes["by_rate"](priced, "QST") == [D("9.98"), D("1.00")]
    assert [c.rate.name for c in priced.line("L2").taxes] == ["GST"]
    assert rates_charged(priced) == {"GST": D("6.50"), "QST": D("10.98")}


def test_quebec_example_total_is_147_48():
    priced = taxes["quebec"]()
    # 130.00 + 6.50 + 10.98
    assert priced.tax_total.amount == D("17.48")
    assert priced.total.amount == D("147.48")


def test_germany_example_splits_the_12_97_discount_11_90_and_1_07():
    priced = taxes["germany"]()
    # 10% of 129.70 = 12.97, split 119.00 : 10.70
    assert priced.discount_total.amount == D("12.97")
    shares = [-sum(a.amount.amount for a in line.adjustments) for line in priced.lines]
    assert shares == [D("11.90"), D("1.07")]


def test_germany_example_extracts_tax_17_10_and_0_63_from_a_net_of_99_00():
    priced = taxes["germany"]()
    # 107.10 x 19/119 = 17.10 exactly; 9.63 x 7/107 = 0.63 exactly
    assert line_taxes(priced) == [D("17.10"), D("0.63")]
    assert [c.base.amount for c in priced.tax_lines] == [D("90.00"), D("9.00")]
    assert sum(c.base.amount for c in priced.tax_lines) == D("99.00")
    assert priced.total.amount == D("116.73")


def test_rounding_example_gives_0_14_per_line_and_0_13_per_invoice():
    # 20% of 0.33 = 0.066: 0.07 + 0.07 per line; 0.132 -> 0.13 per invoice
    assert taxes["rounding_level"](TaxLevel.LINE).tax_total.amount == D("0.14")
    assert taxes["rounding_level"](TaxLevel.DOCUMENT).tax_total.amount == D("0.13")


def test_the_taxes_example_script_prints_every_figure():
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / "taxes.py")],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    lines = [line.strip() for line in result.stdout.splitlines()]
    for figure in (
        "GST 5.00 + 1.00 + 0.50 = 6.50",
        "QST 9.98 + 0.00 + 1.00 = 10.98",
        "total 147.48",
        "discount 12.97 allocated 11.90 and 1.07",
        "tax 17.10 and 0.63",
        "net 99.00",
        "total 116.73",
        "per line 0.14, per invoice 0.13",
    ):
        assert figure in lines
    assert result.stdout.startswith(taxes["report"]())


# -- compound rates ------------------------------------------------------------------------------

A5 = TaxRate.percent("5", "A")
B10_COMPOUND = TaxRate.percent("10", "B", compound=True)


def compound_context(inclusive: bool) -> PricingContext:
    table = TaxTable([Jurisdiction("X", "US", rates=[A5, B10_COMPOUND])])
    return table_context(table, prices_include_tax=inclusive)


def test_a_compound_rate_is_charged_on_the_base_plus_the_rates_before_it():
    # given 100.00 at 5% then 10% compound
    o = order("USD").set_shipping_address(Address(country="US")).add_custom_item("X", "100.00")
    # when priced with net prices
    priced = price(o, compound_context(inclusive=False))
    # then A = 5.00 and B = 10% of 105.00 = 10.50
    assert [(c.rate.name, c.amount.amount) for c in priced.tax_lines] == [
        ("A", D("5.00")),
        ("B", D("10.50")),
    ]
    assert priced.tax_total.amount == D("15.50")
    assert priced.total.amount == D("115.50")


def test_an_inclusive_compound_price_nets_back_to_the_exclusive_one():
    # given the gross 115.50 of the exclusive case
    o = order("USD").set_shipping_address(Address(country="US")).add_custom_item("X", "115.50")
    priced = price(o, compound_context(inclusive=True))
    # then the taxes and net are exactly those of 100.00 exclusive
    (line,) = priced.lines
    assert [c.amount.amount for c in line.taxes] == [D("5.00"), D("10.50")]
    assert {c.base.amount for c in line.taxes} == {D("100.00")}
    assert priced.total.amount == D("115.50")


def test_an_inclusive_compound_price_that_does_not_divide_still_adds_up_to_the_gross():
    # 100.00 / 1.155: A = 4.329 -> 4.33, B = 9.0909 -> 9.09, net 86.58
    o = order("USD").set_shipping_address(Address(country="US")).add_custom_item("X", "100.00")
    (line,) = price(o, compound_context(inclusive=True)).lines
    assert [c.amount.amount for c in line.taxes] == [D("4.33"), D("9.09")]
    (base,) = {c.base.amount for c in line.taxes}
    assert base == D("86.58")
    assert base + sum(c.amount.amount for c in line.taxes) == line.net.amount == D("100.00")


# -- when no tax is charged -----------------------------------------------------------------------


def quebec_order() -> DraftOrder:
    return (
        order()
        .set_shipping_address(QUEBEC)
        .add_custom_item("Item", "100.00")
        .set_shipping("Courier", "10.00")
    )


def test_a_tax_exempt_customer_pays_no_tax_and_the_notes_say_so():
    # given a tax-exempt customer
    o = quebec_order().set_customer(Customer(id="C9", name="Charity", tax_exempt=True))
    # when priced in Quebec
    priced = price(o, table_context(CANADA))
    # then nothing is taxed
    assert priced.tax_total.amount == D("0.00")
    assert priced.tax_lines == ()
    assert priced.total.amount == D("110.00")
    assert "customer C9 is tax exempt: no tax charged" in priced.notes


def test_a_customer_who_is_not_exempt_pays_tax():
    o = quebec_order().set_customer(Customer(id="C1", name="Ada"))
    priced = price(o, table_context(CANADA))
    assert priced.tax_total.amount == D("16.48")  # 5.00 + 9.98 + 0.50 + 1.00
    assert not any("exempt" in note for note in priced.notes)


def test_taxes_switched_off_on_the_order_charge_nothing():
    priced = price(quebec_order().set_taxes_enabled(False), table_context(CANADA))
    assert priced.tax_total.amount == D("0.00")
    assert priced.tax_lines == ()
    assert priced.total.amount == D("110.00")
    assert "taxes switched off for this order" in priced.notes


def test_a_non_taxable_custom_item_is_not_taxed_but_the_others_are():
    o = quebec_order().add_custom_item("Gift card", "50.00", taxable=False)
    priced = price(o, table_context(CANADA))
    assert priced.line("L2").taxes == ()
    assert priced.line("L2").tax.amount == D("0.00")
    assert priced.line("L1").tax.amount == D("14.98")
    assert priced.total.amount == D("176.48")  # 160.00 + 14.98 + 1.50


# -- jurisdictions -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        (QUEBEC, {"GST": D("5.50"), "QST": D("10.98")}),
        (ONTARIO, {"HST": D("14.30")}),
        (ALBERTA, {"GST": D("5.50")}),
    ],
    ids=["QC", "ON", "country"],
)
def test_changing_the_address_reprices_with_the_new_jurisdiction(address, expected):
    # given a Quebec order priced once
    first = price(quebec_order(), table_context(CANADA))
    assert rates_charged(first) == {"GST": D("5.50"), "QST": D("10.98")}
    # when the shipping address changes
    moved = price(quebec_order().set_shipping_address(address), table_context(CANADA))
    # then the new place's rates apply (on 100.00 + 10.00 shipping)
    assert rates_charged(moved) == expected


C1 = TaxRate.percent("1", "country")
R2 = TaxRate.percent("2", "region")
P3 = TaxRate.percent("3", "postal")


@pytest.mark.parametrize("reverse", [False, True], ids=["general-first", "specific-first"])
@pytest.mark.parametrize(
    ("address", "rate"),
    [
        (Address(country="CA", region="QC", postal_code="H2X 1Y4"), "postal"),
        (Address(country="CA", region="QC", postal_code="h2x1y4"), "postal"),
        (Address(country="CA", region="QC", postal_code="G1A 0A2"), "region"),
        (Address(country="CA", region="qc"), "region"),
        (Address(country="CA", region="ON", postal_code="H2X 1Y4"), "country"),
        (Address(country="CA"), "country"),
    ],
)
def test_the_most_specific_jurisdiction_wins(address, rate, reverse):
    jurisdictions = [
        Jurisdiction("CA", "CA", rates=[C1]),
        Jurisdiction("QC", "CA", region="QC", rates=[R2]),
        Jurisdiction("MTL", "CA", region="QC", postal_codes=["H2*"], rates=[P3]),
    ]
    if reverse:
        jurisdictions.reverse()
    calculator = TableTax(TaxTable(jurisdictions))
    assert [r.name for r in calculator.line_rates("standard", address)] == [rate]


def test_on_a_tie_the_first_listed_jurisdiction_wins():
    table = TaxTable(
        [
            Jurisdiction("one", "US", region="NY", rates=[C1]),
            Jurisdiction("two", "US", region="NY", rates=[R2]),
        ]
    )
    found = table.find(Address(country="US", region="NY"))
    assert found is not None
    assert found.id == "one"


RANGE_TABLE = TaxTable(
    [
        Jurisdiction("US", "US", rates=[C1]),
        Jurisdiction("NY-range", "US", postal_codes=["10000-14999"], rates=[P3]),
    ]
)


@pytest.mark.parametrize(
    ("postal_code", "rate"),
    [
        ("10000", "postal"),
        ("12345", "postal"),
        ("14999", "postal"),
        ("09999", "country"),
        ("15000", "country"),
        ("1000", "country"),
        ("100000", "country"),
        ("ABCDE", "country"),
    ],
)
def test_a_numeric_postal_range_is_inclusive_at_both_ends(postal_code, rate):
    address = Address(country="US", postal_code=postal_code)
    assert [r.name for r in TableTax(RANGE_TABLE).line_rates("standard", address)] == [rate]


def test_a_postal_range_taxes_an_order_at_its_rate():
    o = order("USD").set_shipping_address(Address(country="US", postal_code="14999"))
    priced = price(o.add_custom_item("X", "100.00"), table_context(RANGE_TABLE))
    assert rates_charged(priced) == {"postal": D("3.00")}


def test_an_address_in_no_jurisdiction_pays_no_tax():
    o = order().set_shipping_address(Address(country="FR")).add_custom_item("X", "100.00")
    priced = price(o.set_shipping("Post", "10.00"), table_context(CANADA))
    assert priced.tax_lines == ()
    assert priced.tax_total.amount == D("0.00")
    assert priced.total.amount == D("110.00")


def test_the_billing_address_is_used_when_there_is_no_shipping_address():
    o = order().set_billing_address(ONTARIO).add_custom_item("X", "100.00")
    assert rates_charged(price(o, table_context(CANADA, origin=QUEBEC))) == {"HST": D("13.00")}


def test_the_shipping_address_beats_the_billing_address():
    o = order().set_billing_address(ONTARIO).set_shipping_address(ALBERTA)
    priced = price(o.add_custom_item("X", "100.00"), table_context(CANADA))
    assert rates_charged(priced) == {"GST": D("5.00")}


def test_the_shop_origin_is_used_when_the_order_has_no_address():
    o = order().add_custom_item("X", "100.00")
    assert rates_charged(price(o, table_context(CANADA, origin=ONTARIO))) == {"HST": D("13.00")}


def test_no_address_and_no_origin_means_no_tax():
    priced = price(order().add_custom_item("X", "100.00"), table_context(CANADA))
    assert priced.tax_lines == ()


DALLAS_RATE = TaxRate.percent("8.25", "Dallas")
HOUSTON_RATE = TaxRate.percent("8", "Houston")
TEXAS = TaxTable(
    [
        Jurisdiction("TX", "US", region="TX", rates=[TaxRate.percent("6.25", "Texas")]),
        Jurisdiction(
            "DAL", "US", region="TX", postal_codes=["75*"], rates=[DALLAS_RATE], origin_based=True
        ),
        Jurisdiction(
            "HOU", "US", region="TX", postal_codes=["77*"], rates=[HOUSTON_RATE], origin_based=True
        ),
        Jurisdiction("OKC", "US", region="OK", rates=[TaxRate.percent("4.5", "Oklahoma")]),
    ]
)
DALLAS = Address(country="US", region="TX", postal_code="75201")
HOUSTON = Address(country="US", region="TX", postal_code="77001")
OKLAHOMA = Address(country="US", region="OK", postal_code="73101")


def test_an_origin_based_jurisdiction_taxes_at_the_origin_rates_from_the_same_region():
    # given a shop in Dallas selling to Houston, both origin-based Texan jurisdictions
    o = order("USD").set_shipping_address(HOUSTON).add_custom_item("X", "100.00")
    # then Dallas' rate applies
    priced = price(o, table_context(TEXAS, origin=DALLAS))
    assert rates_charged(priced) == {"Dallas": D("8.25")}


def test_an_origin_based_jurisdiction_taxes_at_its_own_rates_from_another_region():
    o = order("USD").set_shipping_address(HOUSTON).add_custom_item("X", "100.00")
    priced = price(o, table_context(TEXAS, origin=OKLAHOMA))
    assert rates_charged(priced) == {"Houston": D("8.00")}


def test_a_destination_based_jurisdiction_ignores_the_origin():
    o = order("USD").set_shipping_address(OKLAHOMA).add_custom_item("X", "100.00")
    priced = price(o, table_context(TEXAS, origin=DALLAS))
    assert rates_charged(priced) == {"Oklahoma": D("4.50")}


def test_shipping_category_none_leaves_shipping_untaxed():
    table = TaxTable([Jurisdiction("US", "US", rates=[C1], shipping_category=None)])
    o = order("USD").set_shipping_address(Address(country="US")).add_custom_item("X", "100.00")
    priced = price(o.set_shipping("Ground", "50.00"), table_context(table))
    assert priced.shipping is not None
    assert priced.shipping.taxes == ()
    assert priced.shipping.tax.amount == D("0.00")
    assert priced.tax_total.amount == D("1.00")


def test_shipping_is_taxed_at_its_category_rates():
    table = TaxTable(
        [
            Jurisdiction(
                "US", "US", rates=[C1], categories={"freight": [R2]}, shipping_category="freight"
            )
        ]
    )
    o = order("USD").set_shipping_address(Address(country="US")).add_custom_item("X", "100.00")
    priced = price(o.set_shipping("Ground", "50.00"), table_context(table))
    assert priced.shipping is not None
    assert [(c.rate.name, c.amount.amount) for c in priced.shipping.taxes] == [
        ("region", D("1.00"))
    ]


def test_a_category_overridden_with_no_rates_is_zero_rated():
    table = TaxTable([Jurisdiction("US", "US", rates=[C1, R2], categories={"zero": ()})])
    o = (
        order("USD")
        .set_shipping_address(Address(country="US"))
        .add_custom_item("Bread", "100.00", tax_category="zero")
        .add_custom_item("Wine", "100.00")
    )
    priced = price(o, table_context(table))
    assert priced.line("L1").taxes == ()
    assert priced.line("L1").tax.amount == D("0.00")
    assert priced.line("L2").tax.amount == D("3.00")
    assert priced.tax_total.amount == D("3.00")


# -- where tax is rounded ------------------------------------------------------------------------


def lines_order(*amounts: str, quantity: int = 1, currency: str = "EUR") -> DraftOrder:
    o = order(currency)
    for amount in amounts:
        o = o.add_custom_item("Item", amount, quantity)
    return o


@pytest.mark.parametrize(
    ("level", "tax"),
    [(TaxLevel.UNIT, "0.03"), (TaxLevel.LINE, "0.02"), (TaxLevel.DOCUMENT, "0.02")],
)
def test_each_level_on_three_units_of_0_05_at_10_percent(level, tax):
    # unit: 0.005 -> 0.01, x 3 = 0.03; line and document: 0.015 -> 0.02 (half-up)
    priced = price(lines_order("0.05", quantity=3), flat("10", level=level))
    assert priced.tax_total.amount == D(tax)


@pytest.mark.parametrize(
    ("mode", "tax"),
    [
        (RoundingMode.HALF_UP, "0.06"),
        (RoundingMode.HALF_EVEN, "0.04"),
        (RoundingMode.HALF_DOWN, "0.04"),
        (RoundingMode.DOWN, "0.04"),
        (RoundingMode.UP, "0.06"),
    ],
)
def test_unit_level_rounds_a_tie_per_unit_then_multiplies(mode, tax):
    # two units of 0.25 at 10%: 0.025 per unit, a tie; the line would be 0.05 exactly
    priced = price(lines_order("0.25", quantity=2), flat("10", level=TaxLevel.UNIT, mode=mode))
    assert line_taxes(priced) == [D(tax)]
    line = price(lines_order("0.25", quantity=2), flat("10", level=TaxLevel.LINE, mode=mode))
    assert line_taxes(line) == [D("0.05")]


@pytest.mark.parametrize(
    ("mode", "low", "high"),
    [
        (RoundingMode.HALF_UP, "0.03", "0.04"),
        (RoundingMode.HALF_EVEN, "0.02", "0.04"),
        (RoundingMode.HALF_DOWN, "0.02", "0.03"),
        (RoundingMode.DOWN, "0.02", "0.03"),
        (RoundingMode.UP, "0.03", "0.04"),
    ],
)
def test_line_level_rounds_a_tie_per_line_by_the_mode(mode, low, high):
    # 10% of 0.25 = 0.025 and of 0.35 = 0.035
    priced = price(lines_order("0.25", "0.35"), flat("10", mode=mode))
    assert line_taxes(priced) == [D(low), D(high)]


@pytest.mark.parametrize(
    ("mode", "total", "shares"),
    [
        (RoundingMode.HALF_UP, "0.03", ["0.01", "0.02"]),
        (RoundingMode.HALF_EVEN, "0.02", ["0.01", "0.01"]),
        (RoundingMode.HALF_DOWN, "0.02", ["0.01", "0.01"]),
        (RoundingMode.DOWN, "0.02", ["0.01", "0.01"]),
        (RoundingMode.UP, "0.03", ["0.01", "0.02"]),
    ],
)
def test_document_level_rounds_a_tie_once_and_splits_it_back(mode, total, shares):
    # 10% of 0.10 + 10% of 0.15 = 0.01 + 0.015 = 0.025, a tie; split 10 : 15 by largest remainder
    priced = price(lines_order("0.10", "0.15"), flat("10", level=TaxLevel.DOCUMENT, mode=mode))
    assert priced.tax_total.amount == D(total)
    assert line_taxes(priced) == [D(s) for s in shares]


def test_document_level_gives_a_tied_remainder_to_the_first_key():
    # 20% of 0.33 twice: 0.132 -> 0.13, split 6.6 : 6.6 -> L1 gets the extra cent
    priced = price(lines_order("0.33", "0.33"), flat("20", level=TaxLevel.DOCUMENT))
    assert line_taxes(priced) == [D("0.07"), D("0.06")]


def test_document_level_rounds_shipping_with_the_lines():
    # 10% of 0.05 + 10% of 0.05 shipping = 0.010 exactly; per line it would be 0.01 + 0.01
    o = lines_order("0.05").set_shipping_address(Address(country="DE")).set_shipping("Post", "0.05")
    priced = price(o, flat("10", level=TaxLevel.DOCUMENT, shipping=True))
    assert priced.tax_total.amount == D("0.01")
    per_line = price(o, flat("10", level=TaxLevel.LINE, shipping=True))
    assert per_line.tax_total.amount == D("0.02")


@pytest.mark.parametrize(
    ("level", "target", "tax", "base"),
    [
        # 2 x 1.05 gross at 10%: a unit's tax 1.05/11 = 0.09545 -> 0.10, x 2 = 0.20
        (TaxLevel.UNIT, InclusiveTarget.TAX, "0.20", "1.90"),
        # a unit's net 1.05/1.1 = 0.954545 -> 0.95, x 2 = 1.90; tax 0.20
        (TaxLevel.UNIT, InclusiveTarget.NET, "0.20", "1.90"),
        # the line's tax 2.10/11 = 0.1909 -> 0.19
        (TaxLevel.LINE, InclusiveTarget.TAX, "0.19", "1.91"),
        # the line's net 2.10/1.1 = 1.90909 -> 1.91; tax 0.19
        (TaxLevel.LINE, InclusiveTarget.NET, "0.19", "1.91"),
    ],
)
def test_inclusive_levels_and_targets_on_two_units(level, target, tax, base):
    o = lines_order("1.05", quantity=2)
    priced = price(o, flat("10", level=level, target=target, inclusive=True))
    (charge,) = priced.line("L1").taxes
    assert charge.amount.amount == D(tax)
    assert charge.base.amount == D(base)
    assert charge.amount.amount + charge.base.amount == D("2.10")


@pytest.mark.parametrize(
    ("mode", "tax_target", "net_target"),
    [
        # gross 0.03 at 20%: tax 0.005 and net 0.025 are both ties
        (RoundingMode.HALF_UP, "0.01", "0.00"),
        (RoundingMode.HALF_EVEN, "0.00", "0.01"),
        (RoundingMode.HALF_DOWN, "0.00", "0.01"),
        (RoundingMode.DOWN, "0.00", "0.01"),
        (RoundingMode.UP, "0.01", "0.00"),
    ],
)
def test_each_inclusive_target_rounds_its_own_part_on_a_tie(mode, tax_target, net_target):
    o = lines_order("0.03")
    for target, expected in ((InclusiveTarget.TAX, tax_target), (InclusiveTarget.NET, net_target)):
        priced = price(o, flat("20", mode=mode, target=target, inclusive=True))
        (charge,) = priced.line("L1").taxes
        assert charge.amount.amount == D(expected), target
        assert charge.base.amount + charge.amount.amount == D("0.03"), target


@pytest.mark.parametrize("target", list(InclusiveTarget))
@pytest.mark.parametrize("mode", [RoundingMode.DOWN, RoundingMode.UP, RoundingMode.HALF_UP])
def test_one_line_at_one_rate_is_taxed_the_same_at_line_and_document_level(mode, target):
    # With a single taxed item, rounding "once per invoice" is rounding once per line.
    # gross 1.00 at 10%: tax 0.0909, net 0.90909 -> DOWN: TAX 0.09, NET 0.90 (tax 0.10)
    o = lines_order("1.00")
    by_line = price(o, flat("10", mode=mode, target=target, inclusive=True))
    by_document = price(
        o, flat("10", level=TaxLevel.DOCUMENT, mode=mode, target=target, inclusive=True)
    )
    assert line_taxes(by_document) == line_taxes(by_line)


def test_net_target_at_document_level_rounds_the_net_down():
    # gross 1.00 at 10%, DOWN, net rounded: net 0.90909 -> 0.90, tax 0.10
    priced = price(
        lines_order("1.00"),
        flat(
            "10",
            level=TaxLevel.DOCUMENT,
            mode=RoundingMode.DOWN,
            target=InclusiveTarget.NET,
            inclusive=True,
        ),
    )
    (charge,) = priced.line("L1").taxes
    assert (charge.base.amount, charge.amount.amount) == (D("0.90"), D("0.10"))


def test_jpy_tax_is_whole_yen():
    # 10% of 1,005 yen = 100.5 -> 101 half-up, 100 half-even
    o = lines_order("1005", currency="JPY")
    assert line_taxes(price(o, flat("10"))) == [D("101")]
    assert line_taxes(price(o, flat("10", mode=RoundingMode.HALF_EVEN))) == [D("100")]


def test_kwd_tax_is_in_fils():
    # 5% of 0.125 KWD = 0.00625 -> 0.006 half-up
    (tax,) = line_taxes(price(lines_order("0.125", currency="KWD"), flat("5")))
    assert tax == D("0.006")
    assert tax.as_tuple().exponent == -3


# -- invalid table data --------------------------------------------------------------------------


def test_an_unknown_country_is_refused():
    with pytest.raises(ValidationError):
        Jurisdiction("XX", "XX", rates=[C1])


def test_duplicate_jurisdiction_ids_are_refused():
    with pytest.raises(ValidationError, match="same id"):
        TaxTable([Jurisdiction("A", "US", rates=[C1]), Jurisdiction("A", "CA", rates=[C1])])


@pytest.mark.parametrize("rates", [["5%"], [C1, Decimal("0.05")], [None]])
def test_a_rate_that_is_not_a_tax_rate_is_refused(rates):
    with pytest.raises(ValidationError, match="TaxRate"):
        Jurisdiction("A", "US", rates=rates)


def test_a_category_rate_that_is_not_a_tax_rate_is_refused():
    with pytest.raises(ValidationError, match="TaxRate"):
        Jurisdiction("A", "US", rates=[C1], categories={"books": ["5%"]})


def test_a_table_entry_that_is_not_a_jurisdiction_is_refused():
    with pytest.raises(ValidationError):
        TaxTable(["US"])  # type: ignore[list-item]


@pytest.mark.parametrize("pattern", ["", "   "])
def test_an_empty_postal_pattern_is_refused(pattern):
    with pytest.raises(ValidationError):
        Jurisdiction("A", "US", rates=[C1], postal_codes=[pattern])


@pytest.mark.parametrize("percent", ["-1", "101"])
def test_a_rate_outside_0_to_100_percent_is_refused(percent):
    with pytest.raises(ValidationError):
        TaxRate.percent(percent, "bad")


def test_a_zero_rate_per_unit_with_the_net_rounded_keeps_the_whole_gross():
    # 2 x 0.05 gross less 0.01 = 0.09 at 0%, unit level, net rounded down: a unit's net is
    # 0.045 -> 0.04, x 2 = 0.08; the 0.01 left is tax (at 0%) or net, but never lost
    o = lines_order("0.05", quantity=2).set_line_discount(
        "L1", ManualDiscount.fixed(Money(D("0.01"), "EUR"))
    )
    priced = price(
        o,
        flat(
            "0",
            level=TaxLevel.UNIT,
            mode=RoundingMode.DOWN,
            target=InclusiveTarget.NET,
            inclusive=True,
        ),
    )
    (line,) = priced.lines
    assert line.net.amount == D("0.09")
    (charge,) = line.taxes
    assert charge.base.amount + charge.amount.amount == D("0.09")


def test_an_origin_based_sale_within_the_region_takes_the_origin_postal_rates() -> None:
    # given Texas taxes in-state sales at the seller's local rate; Dallas has its own postal rate
    state = TaxRate.percent("6.25", "TX")
    dallas = TaxRate.percent("8.25", "TX+Dallas")
    table = TaxTable(
        [
            Jurisdiction("US-TX", "US", region="TX", rates=[state], origin_based=True),
            Jurisdiction("US-TX-DAL", "US", region="TX", postal_codes=["75*"], rates=[dallas]),
        ]
    )
    origin = Address(country="US", region="tx", postal_code="75201")
    houston = Address(country="US", region="TX", postal_code="77002")
    # when
    rates = TableTax(table, origin=origin).line_rates("standard", houston)
    # then
    assert rates == (dallas,)


def test_the_tax_summary_lists_each_rate_with_its_taxable_base_and_adds_up() -> None:
    # given the Quebec example: GST on item, book and shipping; QST on item and shipping
    priced = runpy.run_path(str(EXAMPLES / "taxes.py"))["quebec"]()
    # when
    summary = [(s.rate.name, s.taxable.amount, s.tax.amount) for s in priced.tax_summary]
    # then
    assert summary == [
        ("GST", Decimal("130.00"), Decimal("6.50")),
        ("QST", Decimal("110.00"), Decimal("10.98")),
    ]
    assert sum(s.tax.amount for s in priced.tax_summary) == priced.tax_total.amount

"""The promotions example: every published figure, exactly, and in the script's output."""

from __future__ import annotations

import runpy
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from draftorders import AdjustmentKind, PricedOrder, price

EXAMPLES = Path(__file__).parent.parent / "examples"
example = runpy.run_path(str(EXAMPLES / "promotions.py"))


@pytest.fixture(scope="module")
def priced() -> PricedOrder:
    return price(example["build_order"](), example["CONTEXT"])


def discount(priced: PricedOrder, line_id: str, source: str) -> Decimal:
    """The positive amount ``source`` took off the line."""
    return -sum(
        (a.amount.amount for a in priced.line(line_id).adjustments if a.source == source),
        Decimal(0),
    )


def test_the_widget_line_is_12_at_the_volume_tier_price_108_00(priced: PricedOrder) -> None:
    widget = priced.line("L1")
    assert widget.quantity == 12
    assert widget.unit_price.amount == Decimal("9.00")
    assert widget.base.amount == Decimal("108.00")
    assert widget.pricing_rule == "widget-volume"
    assert widget.unit_price_reason == "rule widget-volume: 12 units reach tier 10-49 at 9.00 each"


def test_the_gadget_discount_is_one_free_gadget_20_00(priced: PricedOrder) -> None:
    assert priced.line("L2").base.amount == Decimal("60.00")
    assert discount(priced, "L2", "promotion:GADGET-B2G1") == Decimal("20.00")


def test_the_cable_discount_is_15_percent_of_14_97_rounded_to_2_25(priced: PricedOrder) -> None:
    assert priced.line("L3").base.amount == Decimal("14.97")
    assert discount(priced, "L3", "promotion:ACCESSORIES-15") == Decimal("2.25")


def test_the_order_promotion_is_16_07_on_what_the_product_promotions_left(
    priced: PricedOrder,
) -> None:
    # 108.00 + 40.00 + 12.72 = 160.72; 10% = 16.072 -> 16.07
    shares = [discount(priced, line, "promotion:ORDER-10") for line in ("L1", "L2", "L3")]
    assert sum(shares) == Decimal("16.07")
    (widget_share,) = [a for a in priced.line("L1").adjustments if a.source == "promotion:ORDER-10"]
    assert widget_share.reason.startswith("10% of 160.72 = 16.07, rounded from 16.072")


def test_the_order_promotion_is_allocated_10_80_4_00_1_27(priced: PricedOrder) -> None:
    shares = [discount(priced, line, "promotion:ORDER-10") for line in ("L1", "L2", "L3")]
    assert shares == [Decimal("10.80"), Decimal("4.00"), Decimal("1.27")]


def test_each_applied_promotion_is_a_promotion_adjustment(priced: PricedOrder) -> None:
    assert {a.kind for a in priced.adjustments} == {AdjustmentKind.PROMOTION}
    assert priced.applied_promotions == ("ACCESSORIES-15", "GADGET-B2G1", "ORDER-10")


def test_the_line_nets_are_97_20_36_00_11_45(priced: PricedOrder) -> None:
    assert [line.net.amount for line in priced.lines] == [
        Decimal("97.20"),
        Decimal("36.00"),
        Decimal("11.45"),
    ]
    assert priced.subtotal.amount == Decimal("182.97")
    assert priced.discount_total.amount == Decimal("38.32")
    assert priced.net_subtotal.amount == Decimal("144.65")


def test_taxes_are_19_44_7_20_2_29_and_28_93_in_all(priced: PricedOrder) -> None:
    assert [line.tax.amount for line in priced.lines] == [
        Decimal("19.44"),
        Decimal("7.20"),
        Decimal("2.29"),
    ]
    assert priced.tax_total.amount == Decimal("28.93")


def test_the_handling_debit_and_goodwill_credit_are_2_50_and_5_00(priced: PricedOrder) -> None:
    assert priced.debit_total.amount == Decimal("2.50")
    assert priced.credit_total.amount == Decimal("5.00")
    assert [(c.id, c.amount.amount) for c in priced.entries] == [
        ("handling", Decimal("2.50")),
        ("goodwill", Decimal("5.00")),
    ]


def test_the_total_is_171_08(priced: PricedOrder) -> None:
    # 144.65 + 2.50 + 28.93 - 5.00
    assert priced.total.amount == Decimal("171.08")
    assert str(priced.total.currency) == "EUR"
    assert priced.total.amount == (
        priced.net_subtotal.amount
        + priced.debit_total.amount
        + priced.tax_total.amount
        - priced.credit_total.amount
    )


def test_the_wholesale_promotion_is_not_applied_and_names_the_group(priced: PricedOrder) -> None:
    (wholesale,) = priced.rejections
    assert wholesale.source == "promotion:WHOLESALE-15"
    assert wholesale.title == "15% off for wholesale"
    assert wholesale.reason == "customer C7 is not in group wholesale (group: retail)"
    assert "WHOLESALE-15" not in priced.applied_promotions


def test_the_explanation_lists_the_wholesale_promotion_as_not_applied(
    priced: PricedOrder,
) -> None:
    text = priced.explain()
    assert "Considered, not applied:" in text
    assert (
        "  - promotion:WHOLESALE-15 (15% off for wholesale): customer C7 is not in group "
        "wholesale (group: retail)"
    ) in text.splitlines()


def test_the_example_script_prints_every_figure() -> None:
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / "promotions.py")],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    lines = result.stdout.splitlines()
    for figure in (
        "Widget: 108.00 (rule widget-volume: 12 units reach tier 10-49 at 9.00 each)",
        "Gadget discount: 20.00",
        "Cable discount: 2.25",
        "order promotion: 16.07 allocated Widget 10.80, Gadget 4.00, Cable 1.27",
        "taxes: 19.44, 7.20, 2.29 (28.93)",
        "handling debit: 2.50; goodwill credit: 5.00",
        "total: 171.08",
        "not applied: 15% off for wholesale: customer C7 is not in group wholesale (group: retail)",
    ):
        assert figure in lines

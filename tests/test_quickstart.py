"""The quickstart order of the core issue: every published figure, exactly."""

from __future__ import annotations

import runpy
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from draftorders import PricedOrder, price

EXAMPLES = Path(__file__).parent.parent / "examples"
quickstart = runpy.run_path(str(EXAMPLES / "quickstart.py"))


@pytest.fixture(scope="module")
def priced() -> PricedOrder:
    return price(quickstart["build_order"](), quickstart["CONTEXT"])


def share(priced: PricedOrder, line_id: str) -> Decimal:
    (adjustment,) = [
        a for a in priced.line(line_id).adjustments if a.source == "manual:order-discount"
    ]
    return -adjustment.amount.amount


def test_the_mug_line_discount_is_ten_percent_of_38_97_rounded_half_up(priced: PricedOrder):
    (discount,) = [a for a in priced.line("L1").adjustments if a.source == "manual:line-discount"]
    assert discount.amount.amount == Decimal("-3.90")


def test_the_order_discount_is_allocated_3_19_0_45_1_36(priced: PricedOrder):
    assert [share(priced, line) for line in ("L1", "L2", "L3")] == [
        Decimal("3.19"),
        Decimal("0.45"),
        Decimal("1.36"),
    ]


def test_tax_is_2_63_0_38_1_12_and_4_13_in_all(priced: PricedOrder):
    assert [priced.line(line).tax.amount for line in ("L1", "L2", "L3")] == [
        Decimal("2.63"),
        Decimal("0.38"),
        Decimal("1.12"),
    ]
    assert priced.tax_total.amount == Decimal("4.13")


def test_subtotal_after_discounts_is_50_05_and_total_64_13(priced: PricedOrder):
    assert priced.net_subtotal.amount == Decimal("50.05")
    assert priced.shipping_total.amount == Decimal("9.95")
    assert priced.total.amount == Decimal("64.13")
    assert str(priced.total.currency) == "USD"


def test_shipping_is_not_taxed(priced: PricedOrder):
    assert priced.shipping is not None
    assert priced.shipping.taxes == ()


def test_the_explanation_names_every_source_and_rounding(priced: PricedOrder):
    text = priced.explain()
    assert "10% of 38.97, rounded half-up from 3.897" in text
    assert "5.00 x 35.07 / 55.05 = 3.1852861, 3.19 by largest remainder" in text
    assert "Sales tax 8.25% of 31.88, rounded half-up from 2.6301" in text
    assert text.rstrip().splitlines()[-3].endswith("64.13")


def test_the_example_script_prints_every_figure():
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / "quickstart.py")],
        capture_output=True,
        text=True,
        check=True,
    )
    for figure in (
        "line A discount: 3.90",
        "order discount share Mug: 3.19",
        "order discount share Engraving: 0.45",
        "order discount share Tea: 1.36",
        "tax Mug: 2.63",
        "tax Engraving: 0.38",
        "tax Tea: 1.12",
        "tax total: 4.13",
        "subtotal after discounts: 50.05",
        "total: 64.13",
    ):
        assert figure in result.stdout.splitlines()

"""Order-level credits and debits, and loyalty points earned and redeemed.

Every test prices the same order unless it says otherwise: 2 mugs at 12.99 (25.98) and 1 tea
at 7.49, 33.47 in all, with 10% tax rounded half-up per line: 2.60 + 0.75 = 3.35; 36.82 due.
"""

from __future__ import annotations

from decimal import Decimal

import attrs
import pytest

from builders import catalog, empty_order, flat_tax, money
from draftorders import (
    AdjustmentKind,
    DraftOrder,
    FloatAmountError,
    ManualDiscount,
    PricedOrder,
    PricingContext,
    ValidationError,
    price,
)
from draftorders.explain import Rejection
from draftorders.order.entries import EntryKind
from draftorders.pricing.points import PointsProgram

TAX = flat_tax("10")
PROGRAM = PointsProgram("1", money("0.01"))
WITH_POINTS = attrs.evolve(TAX, points=PROGRAM)


def mugs_and_tea() -> DraftOrder:
    """L1: 2 x MUG 12.99; L2: 1 x TEA 7.49."""
    return empty_order().add_product(catalog(), "MUG", 2).add_product(catalog(), "TEA", 1)


def assert_adds_up(priced: PricedOrder) -> None:
    """Each total is the sum of its parts."""
    lines = priced.lines
    assert sum((line.base.amount for line in lines), Decimal(0)) == priced.subtotal.amount
    assert sum((line.discount.amount for line in lines), Decimal(0)) == (
        priced.discount_total.amount
    )
    assert sum((line.net.amount for line in lines), Decimal(0)) == priced.net_subtotal.amount
    charge_tax = sum((charge.tax.amount for charge in priced.entries), Decimal(0))
    shipping_tax = priced.shipping.tax.amount if priced.shipping is not None else Decimal(0)
    assert sum((line.tax.amount for line in lines), Decimal(0)) + charge_tax + shipping_tax == (
        priced.tax_total.amount
    )
    debits = [c for c in priced.entries if c.kind is EntryKind.DEBIT]
    assert sum((c.amount.amount for c in debits), Decimal(0)) == priced.debit_total.amount
    assert priced.total.amount == (
        priced.net_subtotal.amount
        + priced.shipping_total.amount
        + priced.debit_total.amount
        + priced.tax_total.amount
        - priced.credit_total.amount
    )
    assert priced.points_earned == sum(line.points for line in lines)


def test_the_order_without_charges_costs_36_82() -> None:
    # when
    priced = price(mugs_and_tea(), TAX)
    # then
    assert priced.net_subtotal.amount == Decimal("33.47")
    assert [line.tax.amount for line in priced.lines] == [Decimal("2.60"), Decimal("0.75")]
    assert priced.tax_total.amount == Decimal("3.35")
    assert priced.total.amount == Decimal("36.82")
    assert_adds_up(priced)


# -- debits ------------------------------------------------------------------------------------


def test_a_non_taxable_debit_is_added_after_tax() -> None:
    # given a 2.50 handling fee, not taxable
    order = mugs_and_tea().add_debit("Handling", "2.50", entry_id="handling")
    # when
    priced = price(order, TAX)
    # then
    assert priced.debit_total.amount == Decimal("2.50")
    assert priced.tax_total.amount == Decimal("3.35")
    assert priced.total.amount == Decimal("39.32")
    (charge,) = priced.entries
    assert (charge.id, charge.kind, charge.amount) == ("handling", EntryKind.DEBIT, money("2.50"))
    assert charge.tax.amount == Decimal("0.00")
    assert charge.taxes == ()
    assert charge.reason == "debit Handling, not taxable"
    assert_adds_up(priced)


def test_a_taxable_debit_is_taxed_and_its_tax_is_in_the_tax_total() -> None:
    # given a 5.00 surcharge, taxable at 10%
    order = mugs_and_tea().add_debit("Surcharge", "5.00", taxable=True, entry_id="surcharge")
    # when
    priced = price(order, TAX)
    # then
    (charge,) = priced.entries
    assert charge.tax.amount == Decimal("0.50")
    (tax,) = charge.taxes
    assert (tax.target, tax.base.amount, tax.amount.amount) == (
        "debit:surcharge",
        Decimal("5.00"),
        Decimal("0.50"),
    )
    assert charge.reason == "debit Surcharge, taxable"
    assert priced.debit_total.amount == Decimal("5.00")
    assert priced.tax_total.amount == Decimal("3.85")
    assert priced.total.amount == Decimal("42.32")
    assert_adds_up(priced)


def test_a_taxable_debit_tax_is_rounded_once_with_the_shop_mode() -> None:
    # given a 2.55 taxable debit: 10% is 0.255, half-up 0.26
    order = mugs_and_tea().add_debit("Surcharge", "2.55", taxable=True)
    # when
    priced = price(order, TAX)
    # then
    assert priced.entries[0].tax.amount == Decimal("0.26")
    assert priced.tax_total.amount == Decimal("3.61")
    assert priced.total.amount == Decimal("39.63")
    assert_adds_up(priced)


def test_a_taxable_debit_is_not_taxed_on_a_tax_exempt_order() -> None:
    # given taxes switched off for the order
    order = mugs_and_tea().add_debit("Surcharge", "5.00", taxable=True).set_taxes_enabled(False)
    # when
    priced = price(order, TAX)
    # then
    assert priced.tax_total.amount == Decimal("0.00")
    assert priced.total.amount == Decimal("38.47")
    assert_adds_up(priced)


# -- credits -----------------------------------------------------------------------------------


def test_a_non_taxable_credit_comes_off_after_tax() -> None:
    # given 5.00 goodwill, not taxable
    order = mugs_and_tea().add_credit("Goodwill", "5.00", entry_id="goodwill")
    # when
    priced = price(order, TAX)
    # then
    assert priced.tax_total.amount == Decimal("3.35")
    assert priced.discount_total.amount == Decimal("0.00")
    assert priced.credit_total.amount == Decimal("5.00")
    assert priced.total.amount == Decimal("31.82")
    (charge,) = priced.entries
    assert (charge.id, charge.kind, charge.amount) == ("goodwill", EntryKind.CREDIT, money("5.00"))
    assert charge.reason == "credit Goodwill, not taxable: taken off after tax"
    assert_adds_up(priced)


def test_a_non_taxable_credit_larger_than_what_is_due_is_capped_at_it() -> None:
    # given 50.00 goodwill on 36.82 due
    order = mugs_and_tea().add_credit("Goodwill", "50.00", entry_id="goodwill")
    # when
    priced = price(order, TAX)
    # then
    (charge,) = priced.entries
    assert charge.amount == money("36.82")
    assert charge.reason == (
        "credit Goodwill, not taxable: taken off after tax, capped at 36.82 left to pay"
    )
    assert priced.credit_total.amount == Decimal("36.82")
    assert priced.tax_total.amount == Decimal("3.35")
    assert priced.total.amount == Decimal("0.00")
    assert_adds_up(priced)


def test_a_second_credit_is_capped_at_what_the_first_left_to_pay() -> None:
    # given 30.00 then 10.00 of non-taxable credit on 36.82 due
    order = (
        mugs_and_tea()
        .add_credit("Store credit", "30.00", entry_id="store")
        .add_credit("Goodwill", "10.00", entry_id="goodwill")
    )
    # when
    priced = price(order, TAX)
    # then
    assert [c.amount.amount for c in priced.entries] == [Decimal("30.00"), Decimal("6.82")]
    assert priced.credit_total.amount == Decimal("36.82")
    assert priced.total.amount == Decimal("0.00")
    assert_adds_up(priced)


def test_a_credit_can_pay_for_a_non_taxable_debit() -> None:
    # given a 2.50 debit and a 40.00 credit: due 36.82 + 2.50 = 39.32
    order = (
        mugs_and_tea()
        .add_debit("Handling", "2.50", entry_id="handling")
        .add_credit("Goodwill", "40.00", entry_id="goodwill")
    )
    # when
    priced = price(order, TAX)
    # then
    assert priced.credit_total.amount == Decimal("39.32")
    assert priced.total.amount == Decimal("0.00")
    assert_adds_up(priced)


def test_a_taxable_credit_is_split_over_the_lines_like_an_order_discount() -> None:
    # given 5.00 of taxable credit on 25.98 + 7.49 = 33.47
    order = mugs_and_tea().add_credit("Goodwill", "5.00", taxable=True, entry_id="goodwill")
    # when
    priced = price(order, TAX)
    # then 5.00 x 25.98/33.47 = 3.881 -> 3.88; 5.00 x 7.49/33.47 = 1.119 -> 1.12
    mug, tea = priced.lines
    (mug_share,) = mug.adjustments
    (tea_share,) = tea.adjustments
    assert (mug_share.kind, mug_share.source) == (AdjustmentKind.CREDIT, "credit:goodwill")
    assert (mug_share.amount.amount, tea_share.amount.amount) == (
        Decimal("-3.88"),
        Decimal("-1.12"),
    )
    assert mug_share.reason == (
        "share of taxable credit Goodwill: 5.00 x 25.98 / 33.47 = 3.8810875, "
        "3.88 by largest remainder"
    )
    assert (mug.net.amount, tea.net.amount) == (Decimal("22.10"), Decimal("6.37"))
    assert priced.discount_total.amount == Decimal("5.00")
    assert priced.credit_total.amount == Decimal("0.00")
    assert_adds_up(priced)


def test_a_taxable_credit_lowers_the_tax() -> None:
    # given 5.00 of taxable credit: nets 22.10 and 6.37 are taxed 2.21 and 0.637 -> 0.64
    order = mugs_and_tea().add_credit("Goodwill", "5.00", taxable=True, entry_id="goodwill")
    # when
    priced = price(order, TAX)
    # then
    assert [line.tax.amount for line in priced.lines] == [Decimal("2.21"), Decimal("0.64")]
    assert priced.tax_total.amount == Decimal("2.85")
    assert priced.total.amount == Decimal("31.32")
    (charge,) = priced.entries
    assert charge.amount == money("5.00")
    assert charge.reason == "credit Goodwill, taxable: split over the lines before tax"
    assert_adds_up(priced)


def test_a_taxable_credit_larger_than_the_lines_is_capped_at_their_net() -> None:
    # given 50.00 of taxable credit on 33.47 of lines
    order = mugs_and_tea().add_credit("Goodwill", "50.00", taxable=True)
    # when
    priced = price(order, TAX)
    # then
    assert priced.discount_total.amount == Decimal("33.47")
    assert priced.net_subtotal.amount == Decimal("0.00")
    assert priced.tax_total.amount == Decimal("0.00")
    assert priced.total.amount == Decimal("0.00")
    assert_adds_up(priced)


def test_a_taxable_credit_comes_after_the_manual_order_discount() -> None:
    # given 10% off the order (3.347 -> 3.35, nets 30.12) and then 5.00 of taxable credit
    order = (
        mugs_and_tea()
        .set_order_discount(ManualDiscount.percent("10"))
        .add_credit("Goodwill", "5.00", taxable=True)
    )
    # when
    priced = price(order, TAX)
    # then
    assert priced.discount_total.amount == Decimal("8.35")
    assert priced.net_subtotal.amount == Decimal("25.12")
    assert_adds_up(priced)


# -- editing charges ---------------------------------------------------------------------------


def test_removing_a_charge_prices_the_order_as_without_it() -> None:
    # given a debit and a credit, then the debit removed
    order = (
        mugs_and_tea()
        .add_debit("Handling", "2.50", entry_id="handling")
        .add_credit("Goodwill", "5.00", entry_id="goodwill")
    )
    # when
    edited = order.remove_entry("handling")
    # then
    assert [charge.id for charge in edited.entries] == ["goodwill"]
    assert edited.version == order.version + 1
    priced = price(edited, TAX)
    assert priced.debit_total.amount == Decimal("0.00")
    assert priced.total.amount == Decimal("31.82")
    assert_adds_up(priced)


def test_removing_a_charge_the_order_does_not_have_is_refused() -> None:
    order = mugs_and_tea().add_debit("Handling", "2.50", entry_id="handling")
    with pytest.raises(ValidationError, match="no credit or debit 'goodwill'"):
        order.remove_entry("goodwill")


def test_a_second_charge_with_the_same_id_is_refused() -> None:
    order = mugs_and_tea().add_debit("Handling", "2.50", entry_id="fee")
    with pytest.raises(ValidationError, match="already has an entry 'fee'"):
        order.add_credit("Goodwill", "5.00", entry_id="fee")


def test_charges_without_ids_get_the_next_free_ones() -> None:
    # when
    order = mugs_and_tea().add_debit("Handling", "2.50").add_credit("Goodwill", "1.00")
    # then
    assert [charge.id for charge in order.entries] == ["D1", "C1"]


def test_a_float_charge_amount_is_refused() -> None:
    with pytest.raises(FloatAmountError):
        mugs_and_tea().add_debit("Handling", 2.5)


# -- points ------------------------------------------------------------------------------------


def test_each_line_earns_one_point_per_whole_unit_of_its_net() -> None:
    # when
    priced = price(mugs_and_tea(), WITH_POINTS)
    # then 25.98 -> 25 points, 7.49 -> 7 points
    assert [line.points for line in priced.lines] == [25, 7]
    assert priced.points_earned == 32
    assert_adds_up(priced)


def test_points_are_earned_on_the_net_after_discounts() -> None:
    # given 10% off the mugs: 25.98 - 2.60 = 23.38
    order = mugs_and_tea().set_discount_percentage("L1", "10")
    # when
    priced = price(order, WITH_POINTS)
    # then
    assert [line.points for line in priced.lines] == [23, 7]
    assert priced.points_earned == 30


def test_an_earn_rate_of_two_doubles_the_points_before_rounding_down() -> None:
    # given 2 points per 1.00: 51.96 -> 51, 14.98 -> 14
    context = attrs.evolve(TAX, points=PointsProgram("2", money("0.01")))
    # when
    priced = price(mugs_and_tea(), context)
    # then
    assert [line.points for line in priced.lines] == [51, 14]
    assert priced.points_earned == 65


def test_points_set_by_hand_on_a_line_win_over_the_program() -> None:
    # when
    priced = price(mugs_and_tea().set_line_points("L1", 100), WITH_POINTS)
    # then
    assert [line.points for line in priced.lines] == [100, 7]
    assert priced.points_earned == 107


def test_points_set_by_hand_are_earned_without_a_program() -> None:
    # when
    priced = price(mugs_and_tea().set_line_points("L2", 40), TAX)
    # then
    assert [line.points for line in priced.lines] == [0, 40]
    assert priced.points_earned == 40


def test_clearing_points_set_by_hand_goes_back_to_the_program() -> None:
    order = mugs_and_tea().set_line_points("L1", 100).set_line_points("L1", None)
    # when
    priced = price(order, WITH_POINTS)
    # then
    assert priced.points_earned == 32


def test_redeemed_points_become_a_credit_after_tax() -> None:
    # given 500 points at 0.01 each
    order = mugs_and_tea().redeem_points(500)
    # when
    priced = price(order, WITH_POINTS)
    # then
    assert priced.tax_total.amount == Decimal("3.35")
    assert priced.credit_total.amount == Decimal("5.00")
    assert priced.total.amount == Decimal("31.82")
    assert priced.points_redeemed == 500
    assert "500 points redeemed for 5.00" in priced.notes
    assert "Points: 32 earned, 500 redeemed" in priced.explain()
    assert_adds_up(priced)


def test_only_the_points_needed_to_cover_what_is_due_are_redeemed() -> None:
    # given 10000 points (100.00) offered on 36.82 due
    order = mugs_and_tea().redeem_points(10000)
    # when
    priced = price(order, WITH_POINTS)
    # then
    assert priced.credit_total.amount == Decimal("36.82")
    assert priced.total.amount == Decimal("0.00")
    assert priced.points_redeemed == 3682
    assert (
        "3682 of 10000 points redeemed for 36.82, all that was left to pay; the rest stay with "
        "the customer"
    ) in priced.notes
    assert_adds_up(priced)


def test_redeemed_points_are_capped_at_what_credits_left_to_pay() -> None:
    # given 30.00 of goodwill, then 1000 points (10.00) on 36.82 due
    order = mugs_and_tea().add_credit("Goodwill", "30.00").redeem_points(1000)
    # when
    priced = price(order, WITH_POINTS)
    # then
    assert priced.credit_total.amount == Decimal("36.82")
    assert priced.total.amount == Decimal("0.00")
    assert priced.points_redeemed == 682
    assert (
        "682 of 1000 points redeemed for 6.82, all that was left to pay; the rest stay with the "
        "customer"
    ) in priced.notes
    assert_adds_up(priced)


def test_redeeming_points_without_a_program_is_rejected_and_gives_no_credit() -> None:
    # when
    priced = price(mugs_and_tea().redeem_points(500), TAX)
    # then
    assert priced.rejections == (
        Rejection("points", "points", "500 points not redeemed: no points program"),
    )
    assert priced.credit_total.amount == Decimal("0.00")
    assert priced.points_redeemed == 0
    assert priced.total.amount == Decimal("36.82")
    assert_adds_up(priced)


def test_redeeming_no_points_changes_nothing() -> None:
    # when
    priced = price(mugs_and_tea().redeem_points(500).redeem_points(0), WITH_POINTS)
    # then
    assert priced.credit_total.amount == Decimal("0.00")
    assert priced.points_redeemed == 0
    assert priced.total.amount == Decimal("36.82")


def test_points_charges_and_discounts_together_add_up() -> None:
    # given a taxable debit, a taxable credit, a non-taxable credit and redeemed points
    order = (
        mugs_and_tea()
        .add_debit("Surcharge", "5.00", taxable=True, entry_id="surcharge")
        .add_credit("Coupon", "5.00", taxable=True, entry_id="coupon")
        .add_credit("Goodwill", "2.00", entry_id="goodwill")
        .redeem_points(300)
    )
    context = PricingContext(tax=TAX.tax, points=PROGRAM)
    # when
    priced = price(order, context)
    # then nets 28.47 + debit 5.00 + tax (2.85 + 0.50) - 2.00 - 3.00
    assert priced.net_subtotal.amount == Decimal("28.47")
    assert priced.tax_total.amount == Decimal("3.35")
    assert priced.credit_total.amount == Decimal("5.00")
    assert priced.total.amount == Decimal("31.82")
    assert priced.points_earned == 22 + 6
    assert_adds_up(priced)


def test_the_order_tax_charges_include_a_taxable_debit_and_add_up_to_the_tax_total() -> None:
    # given a taxable 5.00 surcharge at 10%
    order = mugs_and_tea().add_debit("Surcharge", "5.00", taxable=True, entry_id="surcharge")
    # when
    priced = price(order, TAX)
    # then
    assert priced.tax_lines[-1].target == "debit:surcharge"
    assert sum(tax.amount.amount for tax in priced.tax_lines) == priced.tax_total.amount

"""The pricing conventions a shop can choose: how order percentages stack, whether order
discounts cover shipping, and tax exemption ids."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from draftorders import (
    Address,
    Customer,
    DiscountBasis,
    DraftOrder,
    FlatRateTax,
    ManualDiscount,
    PricedOrder,
    PricingContext,
    RoundingPolicy,
    TaxRate,
    price,
)
from draftorders.promotions import OrderPercentOff, Promotion, PromotionBook

DAY = dt.date(2026, 11, 26)
TEN_OFF = PromotionBook([Promotion("TEN", "10% off the order", OrderPercentOff("10"))])


def order_of_350() -> DraftOrder:
    """Pants 100, shirts 50, boots 200, with a manual 15% order discount."""
    draft = DraftOrder.new("C1", "USD", DAY)
    for title, amount in (("Pants", "100.00"), ("Shirts", "50.00"), ("Boots", "200.00")):
        draft = draft.add_custom_item(title, Decimal(amount))
    return draft.set_order_discount(ManualDiscount.percent("15"))


def priced_with(draft: DraftOrder, policy: RoundingPolicy) -> PricedOrder:
    return price(draft, PricingContext(rounding=policy, promotions=TEN_OFF))


def test_order_percentages_compound_by_default() -> None:
    # 10% of 350.00 = 35.00, then 15% of 315.00 = 47.25
    priced = priced_with(order_of_350(), RoundingPolicy())
    assert priced.discount_total.amount == Decimal("82.25")


def test_order_percentages_taken_from_the_original_subtotal_add_up() -> None:
    # 10% and 15% of 350.00: 35.00 + 52.50
    policy = RoundingPolicy(order_discount_basis=DiscountBasis.ORIGINAL)
    priced = priced_with(order_of_350(), policy)
    assert priced.discount_total.amount == Decimal("87.50")
    assert priced.total.amount == Decimal("262.50")


def shipped_order() -> DraftOrder:
    return (
        DraftOrder.new("C2", "USD", DAY)
        .add_custom_item("Lamp", Decimal("100.00"))
        .set_shipping_address(Address(country="US"))
        .set_shipping("Ground", Decimal("20.00"))
        .set_order_discount(ManualDiscount.percent("10"))
    )


def test_order_discounts_leave_shipping_alone_by_default() -> None:
    priced = price(shipped_order())
    assert priced.discount_total.amount == Decimal("10.00")
    assert priced.shipping_total.amount == Decimal("20.00")
    assert priced.total.amount == Decimal("110.00")


def test_order_discounts_can_cover_shipping_and_are_split_onto_it() -> None:
    policy = RoundingPolicy(order_discounts_cover_shipping=True)
    priced = price(shipped_order(), PricingContext(rounding=policy))
    assert priced.line("L1").discount.amount == Decimal("10.00")
    assert priced.shipping is not None
    (adjustment,) = priced.shipping.adjustments
    assert adjustment.source == "manual:order-discount"
    assert adjustment.amount.amount == Decimal("-2.00")
    assert priced.shipping_total.amount == Decimal("18.00")
    assert priced.total.amount == Decimal("108.00")


def test_an_order_promotion_can_cover_shipping_too() -> None:
    policy = RoundingPolicy(order_discounts_cover_shipping=True)
    draft = shipped_order().set_order_discount(None)
    priced = price(draft, PricingContext(rounding=policy, promotions=TEN_OFF))
    assert priced.shipping_total.amount == Decimal("18.00")
    assert priced.total.amount == Decimal("108.00")


def test_a_tax_exempt_customer_exemption_id_is_in_the_notes() -> None:
    customer = Customer(id="C9", name="School", tax_exempt=True, tax_exemption_id="EX-123")
    draft = DraftOrder.new("C3", "USD", DAY, customer=customer).add_custom_item(
        "Desk", Decimal("80.00")
    )
    priced = price(draft, PricingContext(tax=FlatRateTax(TaxRate.percent("8", "Tax"))))
    assert priced.tax_total.amount == Decimal("0.00")
    assert "customer C9 is tax exempt (exemption EX-123): no tax charged" in priced.notes

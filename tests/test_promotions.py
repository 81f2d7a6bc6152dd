"""Promotions: every benefit, target and condition; coupon codes; usage limits; stacking and
best deal; and the explanation of what applied and what did not."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from builders import TODAY, money
from draftorders import (
    Address,
    AdjustmentKind,
    Catalog,
    Customer,
    DraftOrder,
    FixedClock,
    InMemoryStore,
    PricedOrder,
    PricingContext,
    Product,
    RoundingMode,
    RoundingPolicy,
    Shop,
    ShopApp,
    price,
)
from draftorders.errors import UnknownCode
from draftorders.explain import Rejection
from draftorders.order import Status
from draftorders.promotions import (
    AmountOff,
    BundlePrice,
    BuyXGetY,
    CustomerGroup,
    CustomerTags,
    FreeGift,
    FreeShipping,
    MinQuantity,
    MinSubtotal,
    OrderAmountOff,
    OrderContains,
    OrderPercentOff,
    PercentOff,
    Period,
    Promotion,
    PromotionBook,
    PromotionClass,
    PromotionUsage,
    Recurring,
    SpendTiers,
    Target,
)
from draftorders.shop import Ports

CATALOG = Catalog.of(
    Product(
        sku="TEE",
        title="Tee",
        price=money("20.00"),
        tags={"apparel"},
        collections={"summer"},
    ),
    Product(sku="MUG", title="Mug", price=money("12.99"), tags={"kitchen"}),
    Product(sku="CAP", title="Cap", price=money("19.99")),
    Product(sku="SOCK", title="Sock", price=money("17.90")),
    Product(sku="PEN", title="Pen", price=money("4.00")),
    Product(sku="GIFT", title="Gift", price=money("5.00")),
    Product(sku="BIG", title="Big", price=money("100.00")),
)

THURSDAY = TODAY  # 2026-11-26
FRIDAY = dt.date(2026, 11, 27)
ADA = Customer(id="C1", name="Ada", group="retail", tags={"newsletter"})


def order(*lines: tuple[str, int], customer: Customer | None = None) -> DraftOrder:
    """A draft dated TODAY (a Thursday) with lines L1, L2, ... of (sku, quantity)."""
    draft = DraftOrder.new("D1001", "USD", TODAY, customer=customer)
    for sku, quantity in lines:
        draft = draft.add_product(CATALOG, sku, quantity)
    return draft


def shop(*promotions: Promotion, **settings: object) -> PricingContext:
    """A context with these promotions, rounding half-up, no tax."""
    return PricingContext(promotions=PromotionBook(promotions), **settings)  # type: ignore[arg-type]


def on(sku: str) -> Target:
    return Target(skus={sku})


def discount_by(priced: PricedOrder, source: str, line_id: str | None = None) -> Decimal:
    """The positive total of the adjustments from ``source`` (on one line, if given)."""
    return -sum(
        (
            a.amount.amount
            for a in priced.adjustments
            if a.source == source and (line_id is None or a.target == line_id)
        ),
        Decimal(0),
    )


def rejection(priced: PricedOrder, source: str) -> Rejection:
    (found,) = [r for r in priced.rejections if r.source == source]
    return found


def reason(priced: PricedOrder, source: str) -> str:
    return rejection(priced, source).reason


def assert_adds_up(priced: PricedOrder) -> None:
    """The order's totals are the sums of their parts."""
    assert priced.subtotal.amount - priced.discount_total.amount == priced.net_subtotal.amount
    assert sum((line.net.amount for line in priced.lines), Decimal(0)) == (
        priced.net_subtotal.amount
    )
    assert priced.total.amount == (
        priced.net_subtotal.amount
        + priced.shipping_total.amount
        + priced.debit_total.amount
        + priced.tax_total.amount
        - priced.credit_total.amount
    )


# -- benefits ----------------------------------------------------------------------------------


def test_percent_off_25_on_a_19_99_line_is_5_00_off_rounded_half_up() -> None:
    # given 25% off caps: 4.9975, rounded half-up
    context = shop(Promotion("CAP25", "25% off caps", PercentOff("25"), target=on("CAP")))
    # when
    priced = price(order(("CAP", 1)), context)
    # then
    assert discount_by(priced, "promotion:CAP25") == Decimal("5.00")
    assert priced.line("L1").net.amount == Decimal("14.99")
    assert priced.applied_promotions == ("CAP25",)
    assert_adds_up(priced)


def test_percent_off_25_on_17_90_x_2_is_8_95_off() -> None:
    # given 25% off socks, two at 17.90: 35.80 x 25% = 8.95 exactly
    context = shop(Promotion("SOCK25", "25% off socks", PercentOff("25"), target=on("SOCK")))
    # when
    priced = price(order(("SOCK", 2)), context)
    # then
    assert discount_by(priced, "promotion:SOCK25") == Decimal("8.95")
    assert priced.line("L1").net.amount == Decimal("26.85")
    assert_adds_up(priced)


def test_an_order_percentage_rounds_a_half_cent_tie_with_the_shop_mode() -> None:
    # given 10% off an order of 12.25: exactly 1.225
    draft = DraftOrder.new("D1001", "USD", TODAY).add_custom_item("Thing", "12.25")
    promotion = Promotion("TEN", "10% off", OrderPercentOff("10"))
    # when
    half_up = price(draft, shop(promotion))
    half_even = price(draft, shop(promotion, rounding=RoundingPolicy(RoundingMode.HALF_EVEN)))
    # then half-up takes 1.23, half-even 1.22
    assert discount_by(half_up, "promotion:TEN") == Decimal("1.23")
    assert discount_by(half_even, "promotion:TEN") == Decimal("1.22")


def test_a_product_percentage_rounds_a_half_cent_tie_with_the_shop_mode() -> None:
    # given 12.5% off one 5.00 gift: exactly 0.625
    promotion = Promotion("GIFT125", "12.5% off", PercentOff("12.5"), target=on("GIFT"))
    draft = order(("GIFT", 1))
    # when
    half_up = price(draft, shop(promotion))
    half_even = price(draft, shop(promotion, rounding=RoundingPolicy(RoundingMode.HALF_EVEN)))
    # then half-up takes 0.63, half-even 0.62
    assert discount_by(half_up, "promotion:GIFT125") == Decimal("0.63")
    assert discount_by(half_even, "promotion:GIFT125") == Decimal("0.62")


def test_amount_off_takes_the_amount_off_each_unit() -> None:
    # given 1.50 off each tee, three tees
    context = shop(Promotion("TEE150", "1.50 off tees", AmountOff(money("1.50")), target=on("TEE")))
    # when
    priced = price(order(("TEE", 3)), context)
    # then
    assert discount_by(priced, "promotion:TEE150") == Decimal("4.50")
    assert priced.line("L1").net.amount == Decimal("55.50")
    (adjustment,) = priced.line("L1").adjustments
    assert adjustment.reason == "off each unit: 3 x 1.50 = 4.50"


def test_amount_off_more_than_the_unit_price_is_capped_at_the_line() -> None:
    # given 25.00 off each 20.00 tee
    context = shop(Promotion("BIG", "25 off", AmountOff(money("25.00")), target=on("TEE")))
    # when
    priced = price(order(("TEE", 2)), context)
    # then
    assert discount_by(priced, "promotion:BIG") == Decimal("40.00")
    assert priced.line("L1").net.amount == Decimal("0.00")
    assert priced.line("L1").adjustments[0].reason == (
        "off each unit: 2 x 25.00 = 50.00, capped at 40.00"
    )


def test_bundle_price_3_for_10_with_7_units_makes_2_bundles() -> None:
    # given pens at 4.00, "3 for 10.00": each bundle saves 2.00; 7 units are 2 bundles + 1
    context = shop(
        Promotion("PEN3", "3 pens for 10.00", BundlePrice(3, money("10.00")), target=on("PEN"))
    )
    # when
    priced = price(order(("PEN", 7)), context)
    # then
    assert discount_by(priced, "promotion:PEN3") == Decimal("4.00")
    assert priced.line("L1").net.amount == Decimal("24.00")
    assert priced.line("L1").adjustments[0].reason == ("2 bundle(s) of 3 at 10.00: 2 x 2.00 = 4.00")


def test_buy_2_get_1_free_makes_one_unit_in_three_free() -> None:
    # given tees at 20.00, buy 2 get 1 free; 5 tees make one full group
    context = shop(Promotion("B2G1", "buy 2 get 1", BuyXGetY(buy=2, get=1), target=on("TEE")))
    # when
    priced = price(order(("TEE", 5)), context)
    # then
    assert discount_by(priced, "promotion:B2G1") == Decimal("20.00")
    assert priced.line("L1").net.amount == Decimal("80.00")


def test_buy_2_get_1_free_with_6_units_frees_two() -> None:
    context = shop(Promotion("B2G1", "buy 2 get 1", BuyXGetY(buy=2, get=1), target=on("TEE")))
    # when
    priced = price(order(("TEE", 6)), context)
    # then
    assert discount_by(priced, "promotion:B2G1") == Decimal("40.00")


def test_buy_1_get_1_at_50_percent_off_halves_every_second_unit() -> None:
    # given caps at 19.99, buy 1 get 1 half price; 4 caps: 2 at half price = 19.99
    context = shop(Promotion("B1G1", "second half price", BuyXGetY(1, 1, "50"), target=on("CAP")))
    # when
    priced = price(order(("CAP", 4)), context)
    # then
    assert discount_by(priced, "promotion:B1G1") == Decimal("19.99")
    assert priced.line("L1").net.amount == Decimal("59.97")


def test_buy_1_get_1_at_50_percent_off_rounds_once_on_the_discounted_units() -> None:
    # given 2 caps: 1 unit at 50% off 19.99 = 9.995, half-up 10.00
    context = shop(Promotion("B1G1", "second half price", BuyXGetY(1, 1, "50"), target=on("CAP")))
    # when
    priced = price(order(("CAP", 2)), context)
    # then
    assert discount_by(priced, "promotion:B1G1") == Decimal("10.00")


def test_a_free_gift_in_the_order_is_free() -> None:
    # given a free gift promotion and the gift (5.00) on the order with a tee
    context = shop(Promotion("GIFT", "free gift", FreeGift(), target=on("GIFT")))
    # when
    priced = price(order(("TEE", 1), ("GIFT", 2)), context)
    # then one gift unit is free
    assert discount_by(priced, "promotion:GIFT", "L2") == Decimal("5.00")
    assert priced.line("L2").net.amount == Decimal("5.00")
    assert priced.line("L1").net.amount == Decimal("20.00")


def test_a_free_gift_not_in_the_order_is_rejected_saying_to_add_the_gift() -> None:
    # given a free gift promotion and an order without the gift
    context = shop(Promotion("GIFT", "free gift", FreeGift(), target=on("GIFT")))
    # when
    priced = price(order(("TEE", 1)), context)
    # then
    assert priced.applied_promotions == ()
    assert priced.discount_total.amount == Decimal("0.00")
    assert reason(priced, "promotion:GIFT") == "add the gift (GIFT) to the order to get it"


def test_order_percent_off_is_split_over_the_lines_by_largest_remainder() -> None:
    # given 10% off the order: tees 40.00 + mug 12.99 = 52.99, 5.299 -> 5.30
    context = shop(Promotion("ORDER10", "10% off", OrderPercentOff("10")))
    # when
    priced = price(order(("TEE", 2), ("MUG", 1)), context)
    # then 5.30 x 40.00/52.99 = 4.0008 -> 4.00; 5.30 x 12.99/52.99 = 1.2992 -> 1.30
    assert discount_by(priced, "promotion:ORDER10") == Decimal("5.30")
    assert discount_by(priced, "promotion:ORDER10", "L1") == Decimal("4.00")
    assert discount_by(priced, "promotion:ORDER10", "L2") == Decimal("1.30")
    assert priced.net_subtotal.amount == Decimal("47.69")
    assert_adds_up(priced)


def test_order_amount_off_is_capped_at_the_subtotal() -> None:
    # given 100.00 off an order of 52.99
    context = shop(Promotion("HUNDRED", "100 off", OrderAmountOff(money("100.00"))))
    # when
    priced = price(order(("TEE", 2), ("MUG", 1)), context)
    # then
    assert discount_by(priced, "promotion:HUNDRED") == Decimal("52.99")
    assert priced.net_subtotal.amount == Decimal("0.00")
    assert priced.total.amount == Decimal("0.00")
    assert "100.00 off the order, capped at 52.99" in priced.line("L1").adjustments[0].reason


def test_order_amount_off_below_the_subtotal_is_taken_in_full() -> None:
    context = shop(Promotion("FIVE", "5 off", OrderAmountOff(money("5.00"))))
    # when
    priced = price(order(("TEE", 2), ("MUG", 1)), context)
    # then 5.00 x 40/52.99 = 3.7743 -> 3.77; 5.00 x 12.99/52.99 = 1.2257 -> 1.23
    assert discount_by(priced, "promotion:FIVE") == Decimal("5.00")
    assert discount_by(priced, "promotion:FIVE", "L1") == Decimal("3.77")
    assert discount_by(priced, "promotion:FIVE", "L2") == Decimal("1.23")


SPEND = Promotion(
    "SPEND",
    "spend 100 get 10, spend 200 get 25",
    SpendTiers(
        ((money("100.00"), money("10.00")), (money("200.00"), money("25.00"))),
    ),
)


def spend(amount: str) -> PricedOrder:
    draft = DraftOrder.new("D1001", "USD", TODAY).add_custom_item("Thing", amount)
    return price(draft, shop(SPEND))


def test_spend_tiers_below_the_first_tier_are_rejected_with_the_shortfall() -> None:
    # when
    priced = spend("52.99")
    # then
    found = rejection(priced, "promotion:SPEND")
    assert found.reason == "spend 47.01 more to reach the first tier (100.00); subtotal 52.99"
    assert found.shortfall == money("47.01")
    assert priced.discount_total.amount == Decimal("0.00")


def test_spend_tiers_at_the_first_tier_give_its_amount() -> None:
    priced = spend("100.00")
    assert discount_by(priced, "promotion:SPEND") == Decimal("10.00")
    assert priced.total.amount == Decimal("90.00")


def test_spend_tiers_between_tiers_give_the_lower_tier_and_say_how_much_more() -> None:
    priced = spend("150.00")
    assert discount_by(priced, "promotion:SPEND") == Decimal("10.00")
    assert "spend 50.00 more to get 25.00 off" in priced.lines[0].adjustments[0].reason


def test_spend_tiers_at_the_second_tier_give_its_amount() -> None:
    priced = spend("200.00")
    assert discount_by(priced, "promotion:SPEND") == Decimal("25.00")


def test_spend_tiers_above_the_top_tier_give_the_top_amount() -> None:
    priced = spend("250.00")
    assert discount_by(priced, "promotion:SPEND") == Decimal("25.00")
    assert priced.total.amount == Decimal("225.00")


def shipped(shipping: str) -> DraftOrder:
    return (
        order(("TEE", 1))
        .set_shipping_address(Address(country="US"))
        .set_shipping("Ground", shipping)
    )


def test_free_shipping_takes_the_whole_shipping_charge_off() -> None:
    context = shop(Promotion("SHIPFREE", "free shipping", FreeShipping()))
    # when
    priced = price(shipped("9.95"), context)
    # then
    assert priced.shipping is not None
    assert priced.shipping.price.amount == Decimal("9.95")
    assert priced.shipping.discount.amount == Decimal("9.95")
    assert priced.shipping_total.amount == Decimal("0.00")
    assert priced.total.amount == Decimal("20.00")
    (adjustment,) = priced.shipping.adjustments
    assert adjustment.source == "promotion:SHIPFREE"
    assert adjustment.amount.amount == Decimal("-9.95")


def test_free_shipping_up_to_an_amount_takes_at_most_that_amount() -> None:
    context = shop(Promotion("SHIP5", "5 off shipping", FreeShipping(up_to=money("5.00"))))
    # when
    priced = price(shipped("9.95"), context)
    # then
    assert priced.shipping is not None
    assert priced.shipping.discount.amount == Decimal("5.00")
    assert priced.shipping_total.amount == Decimal("4.95")
    assert priced.total.amount == Decimal("24.95")
    assert_adds_up(priced)


def test_free_shipping_up_to_more_than_the_charge_takes_the_charge() -> None:
    context = shop(Promotion("SHIP20", "20 off shipping", FreeShipping(up_to=money("20.00"))))
    # when
    priced = price(shipped("9.95"), context)
    # then
    assert priced.shipping_total.amount == Decimal("0.00")


def test_free_shipping_without_shipping_is_rejected() -> None:
    context = shop(Promotion("SHIPFREE", "free shipping", FreeShipping()))
    # when
    priced = price(order(("TEE", 1)), context)
    # then
    assert reason(priced, "promotion:SHIPFREE") == "the order has no shipping charge to discount"
    assert priced.total.amount == Decimal("20.00")


# -- targets -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [Target(skus={"TEE"}), Target(tags={"apparel"}), Target(collections={"summer"})],
    ids=["sku", "tag", "collection"],
)
def test_a_product_promotion_discounts_only_the_lines_it_targets(target: Target) -> None:
    # given 10% off tees, named by SKU, tag or collection
    context = shop(Promotion("TEN", "10% off", PercentOff("10"), target=target))
    # when
    priced = price(order(("TEE", 2), ("MUG", 1)), context)
    # then
    assert discount_by(priced, "promotion:TEN", "L1") == Decimal("4.00")
    assert priced.line("L2").discount.amount == Decimal("0.00")
    assert priced.net_subtotal.amount == Decimal("48.99")


def test_a_targeted_order_promotion_counts_only_the_targeted_subtotal() -> None:
    # given 10% off the kitchen subtotal as an order promotion
    context = shop(
        Promotion("KITCHEN", "10% kitchen", OrderPercentOff("10"), target=Target(tags={"kitchen"}))
    )
    # when
    priced = price(order(("TEE", 2), ("MUG", 1)), context)
    # then 10% of 12.99 = 1.299 -> 1.30, all on the mug
    assert discount_by(priced, "promotion:KITCHEN") == Decimal("1.30")
    assert discount_by(priced, "promotion:KITCHEN", "L2") == Decimal("1.30")


# -- conditions --------------------------------------------------------------------------------


def tee_promotion(*conditions: object, **options: object) -> Promotion:
    """10% off tees with these conditions: 4.00 off two tees."""
    return Promotion(
        "TEE10",
        "10% off tees",
        PercentOff("10"),
        target=on("TEE"),
        conditions=conditions,  # type: ignore[arg-type]
        **options,  # type: ignore[arg-type]
    )


def test_a_period_that_has_not_started_is_rejected() -> None:
    context = shop(tee_promotion(Period(start=dt.date(2026, 12, 1))))
    # when
    priced = price(order(("TEE", 2)), context)
    # then
    assert reason(priced, "promotion:TEE10") == "starts on 2026-12-01"
    assert priced.discount_total.amount == Decimal("0.00")


def test_a_period_containing_the_day_applies() -> None:
    context = shop(tee_promotion(Period(dt.date(2026, 11, 1), dt.date(2026, 11, 30))))
    # when
    priced = price(order(("TEE", 2)), context)
    # then
    assert discount_by(priced, "promotion:TEE10") == Decimal("4.00")


def test_a_period_includes_its_last_day() -> None:
    context = shop(tee_promotion(Period(end=TODAY)))
    # when
    priced = price(order(("TEE", 2)), context)
    # then
    assert discount_by(priced, "promotion:TEE10") == Decimal("4.00")


def test_a_period_that_has_ended_is_rejected() -> None:
    context = shop(tee_promotion(Period(end=dt.date(2026, 11, 25))))
    # when
    priced = price(order(("TEE", 2)), context)
    # then
    assert reason(priced, "promotion:TEE10") == "ended on 2026-11-25"
    assert priced.discount_total.amount == Decimal("0.00")


FRIDAYS = Recurring("FREQ=WEEKLY;BYDAY=FR", "every Friday")


def test_a_recurring_promotion_applies_on_a_friday_given_by_the_context() -> None:
    # given an order dated Thursday, priced with the context's day a Friday
    context = shop(tee_promotion(FRIDAYS), today=FRIDAY)
    # when
    priced = price(order(("TEE", 2)), context)
    # then
    assert discount_by(priced, "promotion:TEE10") == Decimal("4.00")


def test_a_recurring_promotion_is_rejected_on_a_thursday() -> None:
    # given the order date, a Thursday, and no day in the context
    context = shop(tee_promotion(FRIDAYS))
    # when
    priced = price(order(("TEE", 2)), context)
    # then
    assert reason(priced, "promotion:TEE10") == (
        "valid every Friday; 2026-11-26 is not one of those days"
    )
    assert priced.discount_total.amount == Decimal("0.00")


def test_a_recurring_promotion_uses_the_order_date_without_a_day_in_the_context() -> None:
    # given an order dated Friday
    context = shop(tee_promotion(FRIDAYS))
    # when
    priced = price(order(("TEE", 2)).set_order_date(FRIDAY), context)
    # then
    assert discount_by(priced, "promotion:TEE10") == Decimal("4.00")


def test_the_context_day_wins_over_the_order_date() -> None:
    # given an order dated Friday, priced on a Thursday
    context = shop(tee_promotion(FRIDAYS), today=THURSDAY)
    # when
    priced = price(order(("TEE", 2)).set_order_date(FRIDAY), context)
    # then
    assert reason(priced, "promotion:TEE10").endswith("2026-11-26 is not one of those days")


def test_min_quantity_not_reached_is_rejected_with_the_counts() -> None:
    context = shop(tee_promotion(MinQuantity(3)))
    # when
    priced = price(order(("TEE", 2), ("MUG", 5)), context)
    # then only the targeted tees count
    assert reason(priced, "promotion:TEE10") == "needs 3 units, has 2"
    assert priced.discount_total.amount == Decimal("0.00")


def test_min_quantity_reached_applies() -> None:
    context = shop(tee_promotion(MinQuantity(3)))
    # when
    priced = price(order(("TEE", 3)), context)
    # then
    assert discount_by(priced, "promotion:TEE10") == Decimal("6.00")


def test_min_subtotal_not_reached_is_rejected_with_the_shortfall() -> None:
    context = shop(tee_promotion(MinSubtotal(money("100.00"))))
    # when
    priced = price(order(("TEE", 2)), context)
    # then
    found = rejection(priced, "promotion:TEE10")
    assert found.reason == "spend 60.00 more (subtotal 40.00 of 100.00)"
    assert found.shortfall == money("60.00")


def test_min_subtotal_reached_exactly_applies() -> None:
    context = shop(tee_promotion(MinSubtotal(money("100.00"))))
    # when
    priced = price(order(("TEE", 5)), context)
    # then
    assert discount_by(priced, "promotion:TEE10") == Decimal("10.00")


def test_a_customer_group_condition_applies_to_a_customer_in_the_group() -> None:
    context = shop(tee_promotion(CustomerGroup({"wholesale"})))
    customer = Customer(id="C9", name="Grace", group="wholesale")
    # when
    priced = price(order(("TEE", 2), customer=customer), context)
    # then
    assert discount_by(priced, "promotion:TEE10") == Decimal("4.00")


def test_a_customer_group_condition_rejects_a_customer_of_another_group() -> None:
    context = shop(tee_promotion(CustomerGroup({"wholesale"})))
    # when
    priced = price(order(("TEE", 2), customer=ADA), context)
    # then
    assert reason(priced, "promotion:TEE10") == (
        "customer C1 is not in group wholesale (group: retail)"
    )


def test_a_customer_group_condition_rejects_an_order_without_a_customer() -> None:
    context = shop(tee_promotion(CustomerGroup({"wholesale"})))
    # when
    priced = price(order(("TEE", 2)), context)
    # then
    assert reason(priced, "promotion:TEE10") == (
        "needs a customer in group wholesale; the order has no customer"
    )


def test_a_customer_tags_condition_applies_to_a_tagged_customer() -> None:
    context = shop(tee_promotion(CustomerTags({"newsletter", "vip"})))
    # when
    priced = price(order(("TEE", 2), customer=ADA), context)
    # then
    assert discount_by(priced, "promotion:TEE10") == Decimal("4.00")


def test_a_customer_tags_condition_rejects_a_customer_without_the_tags() -> None:
    context = shop(tee_promotion(CustomerTags({"vip"})))
    # when
    priced = price(order(("TEE", 2), customer=ADA), context)
    # then
    assert reason(priced, "promotion:TEE10") == "customer C1 has none of the tags vip"


def test_a_customer_tags_condition_rejects_an_order_without_a_customer() -> None:
    context = shop(tee_promotion(CustomerTags({"vip"})))
    # when
    priced = price(order(("TEE", 2)), context)
    # then
    assert reason(priced, "promotion:TEE10") == (
        "needs a customer tagged vip; the order has no customer"
    )


def test_an_order_contains_condition_applies_when_the_product_is_in_the_order() -> None:
    context = shop(tee_promotion(OrderContains(skus={"MUG"})))
    # when
    priced = price(order(("TEE", 2), ("MUG", 1)), context)
    # then the tee is discounted because a mug is in the order
    assert discount_by(priced, "promotion:TEE10", "L1") == Decimal("4.00")
    assert priced.line("L2").discount.amount == Decimal("0.00")


def test_an_order_contains_condition_by_tag_applies_when_a_tagged_product_is_in_it() -> None:
    context = shop(tee_promotion(OrderContains(tags={"kitchen"})))
    # when
    priced = price(order(("TEE", 2), ("MUG", 1)), context)
    # then
    assert discount_by(priced, "promotion:TEE10") == Decimal("4.00")


def test_an_order_contains_condition_rejects_an_order_without_the_product() -> None:
    context = shop(tee_promotion(OrderContains(skus={"MUG"})))
    # when
    priced = price(order(("TEE", 2)), context)
    # then
    assert reason(priced, "promotion:TEE10") == "the order holds none of MUG"


# -- coupon codes ------------------------------------------------------------------------------


def test_a_coupon_code_is_matched_case_insensitively() -> None:
    # given a promotion with code "spring10", entered as "Spring10"
    context = shop(tee_promotion(code="spring10"))
    # when
    priced = price(order(("TEE", 2)).add_code("Spring10"), context)
    # then
    assert discount_by(priced, "promotion:TEE10") == Decimal("4.00")
    assert priced.applied_promotions == ("TEE10",)


def test_an_untargeted_coded_promotion_applies_when_its_code_is_entered() -> None:
    context = shop(Promotion("WELCOME", "5 off", OrderAmountOff(money("5.00")), code="WELCOME"))
    # when
    priced = price(order(("TEE", 2)).add_code("welcome"), context)
    # then
    assert discount_by(priced, "promotion:WELCOME") == Decimal("5.00")
    assert priced.total.amount == Decimal("35.00")


def test_several_codes_on_one_order_each_apply_their_promotion() -> None:
    # given a tee code and a mug code, both entered
    context = shop(
        tee_promotion(code="TEES"),
        Promotion("MUG1", "1 off mugs", AmountOff(money("1.00")), target=on("MUG"), code="MUGS"),
    )
    draft = order(("TEE", 2), ("MUG", 3)).add_code("tees").add_code("MUGS")
    # when
    priced = price(draft, context)
    # then
    assert discount_by(priced, "promotion:TEE10") == Decimal("4.00")
    assert discount_by(priced, "promotion:MUG1") == Decimal("3.00")
    assert set(priced.applied_promotions) == {"TEE10", "MUG1"}
    assert priced.rejections == ()


def test_a_coded_promotion_without_its_code_is_rejected() -> None:
    context = shop(tee_promotion(code="spring10"))
    # when
    priced = price(order(("TEE", 2)), context)
    # then
    assert reason(priced, "promotion:TEE10") == "code SPRING10 not entered"
    assert priced.discount_total.amount == Decimal("0.00")


def test_an_entered_code_that_no_promotion_has_is_rejected() -> None:
    context = shop(tee_promotion(code="spring10"))
    # when
    priced = price(order(("TEE", 2)).add_code("spring10").add_code("nope"), context)
    # then
    found = rejection(priced, "code:NOPE")
    assert (found.title, found.reason) == ("NOPE", "no promotion has this code")
    assert discount_by(priced, "promotion:TEE10") == Decimal("4.00")


def test_an_entered_code_whose_promotion_targets_no_line_of_the_order_says_so() -> None:
    # given a coded promotion on tees, its code entered, and an order of mugs only
    context = shop(tee_promotion(code="TEES"))
    # when
    priced = price(order(("MUG", 1)).add_code("tees"), context)
    # then the merchant is told why the code gave nothing
    assert priced.discount_total.amount == Decimal("0.00")
    assert reason(priced, "promotion:TEE10") == "no line is one of TEE"


def test_an_entered_unknown_code_is_rejected_even_with_no_promotions() -> None:
    # when
    priced = price(order(("TEE", 2)).add_code("nope"), shop())
    # then
    assert [(r.source, r.reason) for r in priced.rejections] == [
        ("code:NOPE", "no promotion has this code")
    ]


CLOCK = FixedClock(dt.datetime(2026, 11, 26, 9, 30, tzinfo=dt.UTC))


def shop_with(*promotions: Promotion) -> ShopApp:
    return ShopApp(
        Shop(CATALOG, context=shop(*promotions)), Ports(store=InMemoryStore(), clock=CLOCK)
    )


def test_the_shop_refuses_an_unknown_code_and_saves_nothing() -> None:
    # given a saved draft
    app = shop_with(tee_promotion(code="spring10"))
    draft = app.drafts.edit(app.drafts.create().id, lambda o: o.add_product(CATALOG, "TEE", 2))
    # when
    with pytest.raises(UnknownCode) as raised:
        app.drafts.apply_code(draft.id, "nope")
    # then
    assert raised.value.code == "NOPE"
    stored = app.drafts.get(draft.id)
    assert stored == draft
    assert stored.coupon_codes == ()
    assert app.drafts.price(draft.id).total.amount == Decimal("40.00")


def test_the_shop_saves_a_known_code_upper_cased() -> None:
    app = shop_with(tee_promotion(code="spring10"))
    draft = app.drafts.edit(app.drafts.create().id, lambda o: o.add_product(CATALOG, "TEE", 2))
    # when
    saved = app.drafts.apply_code(draft.id, "Spring10")
    # then
    assert saved.coupon_codes == ("SPRING10",)
    assert app.drafts.get(draft.id).version == draft.version + 1
    assert app.drafts.price(draft.id).total.amount == Decimal("36.00")


# -- usage limits ------------------------------------------------------------------------------


def test_a_promotion_used_up_to_its_total_limit_is_rejected() -> None:
    context = shop(tee_promotion(usage_limit=3), usage=PromotionUsage(total={"TEE10": 3}))
    # when
    priced = price(order(("TEE", 2), customer=ADA), context)
    # then
    assert reason(priced, "promotion:TEE10") == "usage limit reached (3 of 3)"
    assert priced.discount_total.amount == Decimal("0.00")


def test_a_promotion_below_its_total_limit_applies() -> None:
    context = shop(tee_promotion(usage_limit=3), usage=PromotionUsage(total={"TEE10": 2}))
    # when
    priced = price(order(("TEE", 2), customer=ADA), context)
    # then
    assert discount_by(priced, "promotion:TEE10") == Decimal("4.00")


def test_a_customer_who_used_a_promotion_up_to_their_limit_is_refused_it() -> None:
    usage = PromotionUsage(total={"TEE10": 2}, per_customer={("TEE10", "C1"): 2})
    context = shop(tee_promotion(usage_limit_per_customer=2), usage=usage)
    # when
    priced = price(order(("TEE", 2), customer=ADA), context)
    # then
    assert reason(priced, "promotion:TEE10") == "customer C1 has used it 2 of 2 time(s)"
    assert priced.discount_total.amount == Decimal("0.00")


def test_another_customer_still_gets_a_promotion_limited_per_customer() -> None:
    usage = PromotionUsage(total={"TEE10": 2}, per_customer={("TEE10", "C1"): 2})
    context = shop(tee_promotion(usage_limit_per_customer=2), usage=usage)
    # when
    priced = price(order(("TEE", 2), customer=Customer(id="C2", name="Bob")), context)
    # then
    assert discount_by(priced, "promotion:TEE10") == Decimal("4.00")


def test_a_promotion_limited_per_customer_is_refused_without_a_customer() -> None:
    context = shop(tee_promotion(usage_limit_per_customer=1))
    # when
    priced = price(order(("TEE", 2)), context)
    # then
    assert reason(priced, "promotion:TEE10") == (
        "limited per customer, and the order has no customer"
    )


def test_after_payment_of_an_order_using_a_single_use_promotion_the_next_order_is_refused_it() -> (
    None
):
    # given a promotion usable once, and a first order that uses it
    app = shop_with(tee_promotion(usage_limit=1))
    first = app.drafts.create(customer=ADA)
    app.drafts.edit(first.id, lambda o: o.add_product(CATALOG, "TEE", 2))
    assert app.drafts.price(first.id).applied_promotions == ("TEE10",)
    # when the first order is paid in full (by hand), which completes it
    payment = app.cashier.record_payment(first.id)
    assert payment.order.status is Status.COMPLETED
    # then the next order's pricing rejects the promotion
    second = app.drafts.create(customer=Customer(id="C2", name="Bob"))
    app.drafts.edit(second.id, lambda o: o.add_product(CATALOG, "TEE", 2))
    priced = app.drafts.price(second.id)
    assert reason(priced, "promotion:TEE10") == "usage limit reached (1 of 1)"
    assert priced.total.amount == Decimal("40.00")
    assert app.quotes.usage().count("TEE10") == 1


def test_completing_an_order_records_its_promotions_per_customer() -> None:
    # given a promotion usable once per customer, used by C1 on an order completed unpaid
    app = shop_with(tee_promotion(usage_limit_per_customer=1))
    first = app.drafts.create(customer=ADA)
    app.drafts.edit(first.id, lambda o: o.add_product(CATALOG, "TEE", 2))
    app.drafts.complete_unpaid(first.id)
    # when C1 and C2 each order again
    again = app.drafts.create(customer=ADA)
    app.drafts.edit(again.id, lambda o: o.add_product(CATALOG, "TEE", 2))
    other = app.drafts.create(customer=Customer(id="C2", name="Bob"))
    app.drafts.edit(other.id, lambda o: o.add_product(CATALOG, "TEE", 2))
    # then
    assert reason(app.drafts.price(again.id), "promotion:TEE10") == (
        "customer C1 has used it 1 of 1 time(s)"
    )
    assert app.drafts.price(other.id).total.amount == Decimal("36.00")
    assert app.quotes.usage().count_for("TEE10", "C1") == 1


# -- currency ----------------------------------------------------------------------------------


def test_a_promotion_with_amounts_in_another_currency_is_rejected() -> None:
    context = shop(
        Promotion("EURO", "1 EUR off", AmountOff(money("1.00", "EUR")), target=on("TEE"))
    )
    # when
    priced = price(order(("TEE", 2)), context)
    # then
    assert reason(priced, "promotion:EURO") == "its amounts are not in USD, the order's currency"
    assert priced.discount_total.amount == Decimal("0.00")


def test_a_promotion_with_a_condition_in_another_currency_is_rejected() -> None:
    context = shop(tee_promotion(MinSubtotal(money("10.00", "EUR"))))
    # when
    priced = price(order(("TEE", 2)), context)
    # then
    assert reason(priced, "promotion:TEE10") == "its amounts are not in USD, the order's currency"


def test_spend_tiers_in_another_currency_are_rejected() -> None:
    context = shop(
        Promotion("SPEND", "spend", SpendTiers(((money("10.00", "EUR"), money("1.00", "EUR")),)))
    )
    # when
    priced = price(order(("TEE", 2)), context)
    # then
    assert reason(priced, "promotion:SPEND") == "its amounts are not in USD, the order's currency"


# -- stacking ----------------------------------------------------------------------------------

STACKING = frozenset(PromotionClass)


def test_product_promotions_apply_by_priority_lower_first_each_on_what_is_left() -> None:
    # given 10.00 off (priority 1) then 50% off (priority 2) on a 100.00 line
    context = shop(
        Promotion(
            "HALF", "50%", PercentOff("50"), target=on("BIG"), priority=2, combines_with=STACKING
        ),
        Promotion(
            "TENOFF",
            "10 off",
            AmountOff(money("10.00")),
            target=on("BIG"),
            priority=1,
            combines_with=STACKING,
        ),
    )
    # when
    priced = price(order(("BIG", 1)), context)
    # then 10.00 first, then 50% of the 90.00 left
    adjustments = priced.line("L1").adjustments
    assert [(a.source, a.amount.amount) for a in adjustments] == [
        ("promotion:TENOFF", Decimal("-10.00")),
        ("promotion:HALF", Decimal("-45.00")),
    ]
    assert adjustments[1].reason == "50% of 90.00 = 45.00"
    assert priced.line("L1").net.amount == Decimal("45.00")
    assert priced.applied_promotions == ("TENOFF", "HALF")


def test_swapping_priorities_changes_the_sequence_and_the_amounts() -> None:
    # given 50% off (priority 1) then 10.00 off (priority 2) on a 100.00 line
    context = shop(
        Promotion(
            "HALF", "50%", PercentOff("50"), target=on("BIG"), priority=1, combines_with=STACKING
        ),
        Promotion(
            "TENOFF",
            "10 off",
            AmountOff(money("10.00")),
            target=on("BIG"),
            priority=2,
            combines_with=STACKING,
        ),
    )
    # when
    priced = price(order(("BIG", 1)), context)
    # then
    assert [(a.source, a.amount.amount) for a in priced.line("L1").adjustments] == [
        ("promotion:HALF", Decimal("-50.00")),
        ("promotion:TENOFF", Decimal("-10.00")),
    ]
    assert priced.line("L1").net.amount == Decimal("40.00")


def test_two_product_promotions_on_one_line_do_not_stack_by_default() -> None:
    # given two product promotions on tees with default combinations, A before B by id
    context = shop(
        Promotion("A", "10% off", PercentOff("10"), target=on("TEE")),
        Promotion("B", "1 off", AmountOff(money("1.00")), target=on("TEE")),
    )
    # when
    priced = price(order(("TEE", 2)), context)
    # then
    assert priced.applied_promotions == ("A",)
    assert discount_by(priced, "promotion:A") == Decimal("4.00")
    assert discount_by(priced, "promotion:B") == Decimal("0")
    assert reason(priced, "promotion:B") == "does not combine with promotion:A already on its lines"
    assert priced.line("L1").net.amount == Decimal("36.00")


def test_two_product_promotions_stack_when_both_combine_with_product_promotions() -> None:
    context = shop(
        Promotion(
            "A",
            "10% off",
            PercentOff("10"),
            target=on("TEE"),
            combines_with={PromotionClass.PRODUCT, PromotionClass.ORDER},
        ),
        Promotion(
            "B",
            "1 off",
            AmountOff(money("1.00")),
            target=on("TEE"),
            combines_with={PromotionClass.PRODUCT},
        ),
    )
    # when
    priced = price(order(("TEE", 2)), context)
    # then 10% of 40.00, then 1.00 off each of 2 units
    assert priced.applied_promotions == ("A", "B")
    assert discount_by(priced, "promotion:A") == Decimal("4.00")
    assert discount_by(priced, "promotion:B") == Decimal("2.00")
    assert priced.line("L1").net.amount == Decimal("34.00")


def test_two_product_promotions_do_not_stack_when_only_one_allows_it() -> None:
    context = shop(
        Promotion("A", "10% off", PercentOff("10"), target=on("TEE"), combines_with=STACKING),
        Promotion("B", "1 off", AmountOff(money("1.00")), target=on("TEE")),
    )
    # when
    priced = price(order(("TEE", 2)), context)
    # then
    assert priced.applied_promotions == ("A",)
    assert reason(priced, "promotion:B") == "does not combine with promotion:A already on its lines"


def test_non_stacking_product_promotions_on_different_lines_both_apply() -> None:
    context = shop(
        Promotion("A", "10% off tees", PercentOff("10"), target=on("TEE")),
        Promotion("B", "1 off mugs", AmountOff(money("1.00")), target=on("MUG")),
    )
    # when
    priced = price(order(("TEE", 2), ("MUG", 1)), context)
    # then
    assert priced.applied_promotions == ("A", "B")
    assert priced.discount_total.amount == Decimal("5.00")


def test_a_product_and_an_order_promotion_stack_by_default() -> None:
    context = shop(
        Promotion("TEE10", "10% off tees", PercentOff("10"), target=on("TEE")),
        Promotion("ORDER5", "5% off", OrderPercentOff("5")),
    )
    # when
    priced = price(order(("TEE", 2)), context)
    # then 4.00 off the tees, then 5% of the 36.00 left = 1.80
    assert priced.applied_promotions == ("TEE10", "ORDER5")
    assert discount_by(priced, "promotion:TEE10") == Decimal("4.00")
    assert discount_by(priced, "promotion:ORDER5") == Decimal("1.80")
    assert priced.net_subtotal.amount == Decimal("34.20")


def test_an_order_promotion_that_combines_with_nothing_is_rejected_after_a_product_one() -> None:
    context = shop(
        Promotion("TEE10", "10% off tees", PercentOff("10"), target=on("TEE")),
        Promotion("ALONE", "5% off", OrderPercentOff("5"), combines_with=frozenset()),
    )
    # when
    priced = price(order(("TEE", 2)), context)
    # then
    assert priced.applied_promotions == ("TEE10",)
    assert reason(priced, "promotion:ALONE") == (
        "does not combine with promotion:TEE10 (product) already applied to this order"
    )
    assert priced.net_subtotal.amount == Decimal("36.00")


def test_two_order_promotions_do_not_stack_by_default() -> None:
    context = shop(
        Promotion("A", "10% off", OrderPercentOff("10")),
        Promotion("B", "5 off", OrderAmountOff(money("5.00"))),
    )
    # when
    priced = price(order(("TEE", 2)), context)
    # then
    assert priced.applied_promotions == ("A",)
    assert reason(priced, "promotion:B") == (
        "does not combine with promotion:A (order) already applied to this order"
    )
    assert priced.net_subtotal.amount == Decimal("36.00")


def test_an_order_promotion_is_computed_on_the_amount_after_the_product_promotion() -> None:
    # given 25% off tees and 10% off the order, on two tees at 20.00
    context = shop(
        Promotion("TEE25", "25% off tees", PercentOff("25"), target=on("TEE")),
        Promotion("ORDER10", "10% off the order", OrderPercentOff("10")),
    )
    # when
    priced = price(order(("TEE", 2)), context)
    # then 10% of 30.00 = 3.00, not 10% of 40.00 = 4.00
    assert discount_by(priced, "promotion:TEE25") == Decimal("10.00")
    assert discount_by(priced, "promotion:ORDER10") == Decimal("3.00")
    assert priced.discount_total.amount == Decimal("13.00")
    assert priced.net_subtotal.amount == Decimal("27.00")
    order_share = priced.line("L1").adjustments[1]
    assert order_share.reason.startswith("10% of 30.00 = 3.00")


def test_a_min_subtotal_is_judged_after_the_product_promotions_before_it() -> None:
    # given 25% off tees and 10% off orders of 35.00 or more; two tees: 40.00 -> 30.00
    context = shop(
        Promotion("TEE25", "25% off tees", PercentOff("25"), target=on("TEE")),
        Promotion(
            "ORDER10", "10% off", OrderPercentOff("10"), conditions=[MinSubtotal(money("35.00"))]
        ),
    )
    # when
    priced = price(order(("TEE", 2)), context)
    # then
    found = rejection(priced, "promotion:ORDER10")
    assert found.reason == "spend 5.00 more (subtotal 30.00 of 35.00)"
    assert found.shortfall == money("5.00")


# -- exclusive promotions and best deal --------------------------------------------------------


def test_best_deal_picks_an_exclusive_promotion_that_saves_more() -> None:
    # given 10% off tees (4.00 on two tees) and an exclusive 25% off the order (10.00)
    context = shop(
        Promotion("TEE10", "10% off tees", PercentOff("10"), target=on("TEE")),
        Promotion("EXCL", "25% off, alone", OrderPercentOff("25"), exclusive=True),
    )
    # when
    priced = price(order(("TEE", 2)), context)
    # then
    assert priced.applied_promotions == ("EXCL",)
    assert priced.discount_total.amount == Decimal("10.00")
    assert reason(priced, "promotion:TEE10") == (
        "lost to exclusive promotion:EXCL, which saves 10.00 against 4.00 for the promotions "
        "it excludes"
    )


def test_best_deal_picks_the_shared_promotions_when_they_save_more() -> None:
    # given 10% off tees (4.00) and an exclusive 5% off the order (2.00)
    context = shop(
        Promotion("TEE10", "10% off tees", PercentOff("10"), target=on("TEE")),
        Promotion("EXCL", "5% off, alone", OrderPercentOff("5"), exclusive=True),
    )
    # when
    priced = price(order(("TEE", 2)), context)
    # then
    assert priced.applied_promotions == ("TEE10",)
    assert priced.discount_total.amount == Decimal("4.00")
    assert reason(priced, "promotion:EXCL") == (
        "exclusive, and another deal saves more (4.00 against 2.00)"
    )


def test_best_deal_picks_the_better_of_two_exclusive_promotions() -> None:
    context = shop(
        Promotion("TEE10", "10% off tees", PercentOff("10"), target=on("TEE")),
        Promotion("EX20", "20% off, alone", OrderPercentOff("20"), exclusive=True),
        Promotion("EX30", "30% off, alone", OrderPercentOff("30"), exclusive=True),
    )
    # when
    priced = price(order(("TEE", 2)), context)
    # then 30% of 40.00 = 12.00 beats 8.00 and 4.00
    assert priced.applied_promotions == ("EX30",)
    assert priced.discount_total.amount == Decimal("12.00")
    assert reason(priced, "promotion:EX20") == (
        "exclusive, and another deal saves more (12.00 against 8.00)"
    )
    assert reason(priced, "promotion:TEE10").startswith("lost to exclusive promotion:EX30")


def test_an_exclusive_promotion_that_fails_shows_its_own_reason() -> None:
    # given an exclusive wholesale promotion and a retail customer
    context = shop(
        Promotion("TEE10", "10% off tees", PercentOff("10"), target=on("TEE")),
        Promotion(
            "WHOLESALE",
            "25% off wholesale",
            OrderPercentOff("25"),
            exclusive=True,
            conditions=[CustomerGroup({"wholesale"})],
        ),
    )
    # when
    priced = price(order(("TEE", 2), customer=ADA), context)
    # then
    assert priced.applied_promotions == ("TEE10",)
    assert priced.discount_total.amount == Decimal("4.00")
    assert reason(priced, "promotion:WHOLESALE") == (
        "customer C1 is not in group wholesale (group: retail)"
    )


def test_on_a_tie_the_shared_plan_wins_over_the_exclusive_one() -> None:
    # given 10% off tees (4.00) and an exclusive 4.00 off the order
    context = shop(
        Promotion("TEE10", "10% off tees", PercentOff("10"), target=on("TEE")),
        Promotion("EXCL", "4 off, alone", OrderAmountOff(money("4.00")), exclusive=True),
    )
    # when
    priced = price(order(("TEE", 2)), context)
    # then
    assert priced.applied_promotions == ("TEE10",)
    assert reason(priced, "promotion:EXCL") == (
        "exclusive, and another deal saves as much and comes first (4.00 against 4.00)"
    )


# -- explanations ------------------------------------------------------------------------------


def test_an_applied_promotion_is_an_adjustment_with_its_source_and_numbers() -> None:
    context = shop(Promotion("CAP25", "25% off caps", PercentOff("25"), target=on("CAP")))
    # when
    priced = price(order(("CAP", 1)), context)
    # then
    (adjustment,) = priced.line("L1").adjustments
    assert adjustment.kind is AdjustmentKind.PROMOTION
    assert adjustment.source == "promotion:CAP25"
    assert adjustment.target == "L1"
    assert adjustment.amount == money("-5.00")
    assert adjustment.reason == "25% of 19.99 = 5.00, rounded from 4.9975"


def test_an_order_promotion_share_names_the_order_amount_and_the_share() -> None:
    context = shop(Promotion("ORDER10", "10% off", OrderPercentOff("10")))
    # when
    priced = price(order(("TEE", 2), ("MUG", 1)), context)
    # then
    (share,) = priced.line("L2").adjustments
    assert share.kind is AdjustmentKind.PROMOTION
    assert share.source == "promotion:ORDER10"
    assert share.amount == money("-1.30")
    assert share.reason == (
        "10% of 52.99 = 5.30, rounded from 5.299; this line's share 5.30 x 12.99 / 52.99 = "
        "1.2992451, 1.30 by largest remainder"
    )


def test_the_explanation_lists_what_was_considered_and_not_applied() -> None:
    context = shop(
        tee_promotion(MinQuantity(3)),
        Promotion("ORDER10", "10% off the order", OrderPercentOff("10")),
    )
    # when
    text = price(order(("TEE", 2)), context).explain()
    # then
    assert "promotion:ORDER10: 10% of 40.00 = 4.00" in text
    lines = text.splitlines()
    start = lines.index("Considered, not applied:")
    assert lines[start + 1] == "  - promotion:TEE10 (10% off tees): needs 3 units, has 2"


def test_a_free_gift_whose_condition_fails_gives_that_reason_not_add_the_gift() -> None:
    # given a gift for orders holding a cap, and an order of one tee
    gift = Promotion(
        "GIFT",
        "free gift with a cap",
        FreeGift(),
        target=on("GIFT"),
        conditions=[OrderContains(skus={"CAP"})],
    )
    # when
    priced = price(order(("TEE", 1)), shop(gift))
    # then
    assert reason(priced, "promotion:GIFT") == "the order holds none of CAP"


def test_buy_1_get_1_at_half_price_explains_the_percentage_in_its_arithmetic() -> None:
    # given buy 1 get 1 at 50% off, 7 pens at 4.00
    half = Promotion("BOGO", "bogo half", BuyXGetY(1, 1, "50"), target=on("PEN"))
    # when
    priced = price(order(("PEN", 7)), shop(half))
    # then
    (adjustment,) = priced.line("L1").adjustments
    assert adjustment.amount.amount == Decimal("-6.00")
    assert adjustment.reason == "3 unit(s) at 50% off: 3 x 4.00 x 50% = 6.00"


def test_the_book_gives_candidates_in_the_order_they_are_tried() -> None:
    promotions = [
        Promotion("SHIP", "Free shipping", FreeShipping(), priority=-5),
        Promotion("ORDER-B", "5% off", OrderPercentOff("5"), priority=1),
        Promotion("ORDER-A", "5% off", OrderPercentOff("5"), priority=1),
        Promotion("TEE-LATE", "10% off tees", PercentOff("10"), target=on("TEE"), priority=9),
        Promotion("TEE-EARLY", "10% off tees", PercentOff("10"), target=on("TEE"), priority=-9),
        Promotion("CODED", "5% off", OrderPercentOff("5"), code="SAVE", priority=0),
    ]
    book = PromotionBook(promotions)
    tee = order(("TEE", 1))

    tried = [p.id for p in book.candidates(tee.lines, ("SAVE",))]

    # class first (product, order, shipping), then priority, then id; whatever the book's order
    assert tried == ["TEE-EARLY", "TEE-LATE", "CODED", "ORDER-A", "ORDER-B", "SHIP"]
    assert [p.id for p in PromotionBook(reversed(promotions)).candidates(tee.lines, ())] == [
        "TEE-EARLY",
        "TEE-LATE",
        "ORDER-A",
        "ORDER-B",
        "SHIP",
    ]

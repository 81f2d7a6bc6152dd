"""Pricing rules: each kind prices a line exactly, and the order of precedence between them.

A line's unit price comes from, in order: a price typed in by hand, the rule chosen for the
line, the customer group's price list, the product's automatic rule, the list price. A rule's
unit price is rounded once per unit with the shop's rounding mode.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from builders import TODAY, money
from draftorders import (
    Catalog,
    Customer,
    DraftOrder,
    FloatAmountError,
    InvalidPercentage,
    PricedLine,
    PricingContext,
    Product,
    RoundingMode,
    RoundingPolicy,
    ValidationError,
    price,
)
from draftorders.pricing.rules import (
    AmountOffList,
    CostPlus,
    FixedPrice,
    GraduatedPricing,
    PercentOffList,
    PriceList,
    PricingRule,
    RuleBook,
    VolumePricing,
)

CATALOG = Catalog.of(
    Product(sku="CAP", title="Cap", price=money("19.99"), cost=money("8.00")),
    Product(sku="PEN", title="Pen", price=money("12.25")),
    Product(sku="BOLT", title="Bolt", price=money("10.00")),
    Product(sku="NUT", title="Nut", price=money("3.00")),
)

VOLUME_TIERS = ((1, money("10.00")), (10, money("9.00")), (50, money("8.00")))
WHOLESALE = Customer(id="C1", name="Ada", group="wholesale")


def order_of(sku: str, quantity: int = 1, customer: Customer | None = None) -> DraftOrder:
    """A draft with one line L1 of ``quantity`` x ``sku``."""
    return DraftOrder.new("D1001", "USD", TODAY, customer=customer).add_product(
        CATALOG, sku, quantity
    )


def context(
    rules: dict[str, list[PricingRule]] | None = None,
    price_lists: tuple[PriceList, ...] = (),
    mode: RoundingMode = RoundingMode.HALF_UP,
) -> PricingContext:
    """A context with these product rules and price lists, no tax."""
    return PricingContext(
        rounding=RoundingPolicy(mode),
        rules=RuleBook(products=rules or {}, price_lists=price_lists),
    )


def priced_line(
    order: DraftOrder, shop: PricingContext, line_id: str = "L1"
) -> tuple[PricedLine, tuple[object, ...]]:
    """The priced line and the order's rejections."""
    priced = price(order, shop)
    return priced.line(line_id), priced.rejections


# -- each rule kind ----------------------------------------------------------------------------


def test_a_fixed_price_rule_prices_every_unit_at_its_price() -> None:
    # given a cap listing at 19.99 with a fixed price rule of 15.00, chosen for the line
    shop = context({"CAP": [FixedPrice("fixed", money("15.00"))]})
    order = order_of("CAP", 3).set_pricing_rule("L1", "fixed")
    # when
    line, _ = priced_line(order, shop)
    # then
    assert line.unit_price.amount == Decimal("15.00")
    assert line.base.amount == Decimal("45.00")
    assert line.pricing_rule == "fixed"
    assert line.unit_price_reason == "rule fixed: fixed unit price 15.00"


def test_twenty_five_percent_off_a_list_price_of_19_99_is_14_99_rounded_half_up() -> None:
    # given 25% off 19.99: 4.9975 off, rounded half-up to 5.00
    shop = context({"CAP": [PercentOffList("quarter", "25")]})
    order = order_of("CAP").set_pricing_rule("L1", "quarter")
    # when
    line, _ = priced_line(order, shop)
    # then
    assert line.unit_price.amount == Decimal("14.99")
    assert line.base.amount == Decimal("14.99")
    assert line.unit_price_reason == "rule quarter: list 19.99 less 25% = 14.99 per unit"


def test_percent_off_list_is_rounded_per_unit_not_per_line() -> None:
    # given 3 caps at 25% off 19.99: per unit 14.99, so 44.97 (not 59.97 x 0.75 = 44.9775)
    shop = context({"CAP": [PercentOffList("quarter", "25")]})
    order = order_of("CAP", 3).set_pricing_rule("L1", "quarter")
    # when
    line, _ = priced_line(order, shop)
    # then
    assert line.unit_price.amount == Decimal("14.99")
    assert line.base.amount == Decimal("44.97")


@pytest.mark.parametrize(
    ("mode", "unit"),
    [
        (RoundingMode.HALF_UP, Decimal("11.02")),
        (RoundingMode.HALF_EVEN, Decimal("11.03")),
    ],
)
def test_percent_off_list_rounds_a_tie_with_the_shop_mode(
    mode: RoundingMode, unit: Decimal
) -> None:
    # given 10% off 12.25 = 1.225 off exactly: half-up takes 1.23, half-even 1.22
    shop = context({"PEN": [PercentOffList("ten", "10")]}, mode=mode)
    order = order_of("PEN", 2).set_pricing_rule("L1", "ten")
    # when
    line, _ = priced_line(order, shop)
    # then
    assert line.unit_price.amount == unit
    assert line.base.amount == unit * 2


def test_an_amount_off_list_rule_takes_the_amount_off_each_unit() -> None:
    # given 5.00 off a 19.99 cap, 2 units
    shop = context({"CAP": [AmountOffList("five", money("5.00"))]})
    order = order_of("CAP", 2).set_pricing_rule("L1", "five")
    # when
    line, _ = priced_line(order, shop)
    # then
    assert line.unit_price.amount == Decimal("14.99")
    assert line.base.amount == Decimal("29.98")
    assert line.unit_price_reason == "rule five: list 19.99 less 5.00 = 14.99 per unit"


def test_an_amount_off_list_larger_than_the_list_price_prices_the_unit_at_zero() -> None:
    # given 25.00 off a 19.99 cap
    shop = context({"CAP": [AmountOffList("big", money("25.00"))]})
    order = order_of("CAP", 2).set_pricing_rule("L1", "big")
    # when
    line, _ = priced_line(order, shop)
    # then
    assert line.unit_price.amount == Decimal("0.00")
    assert line.base.amount == Decimal("0.00")
    assert line.net.amount == Decimal("0.00")


@pytest.mark.parametrize(
    ("quantity", "unit", "base", "tier"),
    [
        (9, "10.00", "90.00", "1-9"),
        (10, "9.00", "90.00", "10-49"),
        (49, "9.00", "441.00", "10-49"),
        (50, "8.00", "400.00", "50+"),
    ],
)
def test_volume_pricing_prices_every_unit_at_the_tier_the_quantity_reaches(
    quantity: int, unit: str, base: str, tier: str
) -> None:
    # given volume tiers 1-9: 10.00, 10-49: 9.00, 50+: 8.00
    shop = context({"BOLT": [VolumePricing("volume", VOLUME_TIERS)]})
    order = order_of("BOLT", quantity).set_pricing_rule("L1", "volume")
    # when
    line, _ = priced_line(order, shop)
    # then
    assert line.unit_price.amount == Decimal(unit)
    assert line.base.amount == Decimal(base)
    assert line.unit_price_reason == (
        f"rule volume: {quantity} units reach tier {tier} at {unit} each"
    )


def test_graduated_pricing_prices_each_unit_at_its_own_band() -> None:
    # given bands 1-9: 10.00, 10+: 9.00 and 12 units: 9 x 10.00 + 3 x 9.00
    shop = context({"BOLT": [GraduatedPricing("graduated", VOLUME_TIERS[:2])]})
    order = order_of("BOLT", 12).set_pricing_rule("L1", "graduated")
    # when
    line, _ = priced_line(order, shop)
    # then
    assert line.base.amount == Decimal("117.00")
    assert line.unit_price.amount == Decimal("9.75")
    assert line.unit_price_reason == (
        "rule graduated: 9 x 10.00 + 3 x 9.00 = 117.00 (about 9.75 per unit)"
    )


def test_graduated_pricing_within_the_first_band_is_the_first_band_price() -> None:
    # given bands 1-9: 10.00, 10-49: 9.00, 50+: 8.00 and 9 units
    shop = context({"BOLT": [GraduatedPricing("graduated", VOLUME_TIERS)]})
    order = order_of("BOLT", 9).set_pricing_rule("L1", "graduated")
    # when
    line, _ = priced_line(order, shop)
    # then
    assert line.base.amount == Decimal("90.00")


def test_graduated_pricing_across_three_bands_adds_each_band() -> None:
    # given 52 units: 9 x 10.00 + 40 x 9.00 + 3 x 8.00 = 90 + 360 + 24
    shop = context({"BOLT": [GraduatedPricing("graduated", VOLUME_TIERS)]})
    order = order_of("BOLT", 52).set_pricing_rule("L1", "graduated")
    # when
    line, _ = priced_line(order, shop)
    # then
    assert line.base.amount == Decimal("474.00")


def test_cost_plus_prices_the_unit_at_cost_plus_the_markup() -> None:
    # given a cap costing 8.00, with 35% markup: 8.00 + 2.80
    shop = context({"CAP": [CostPlus("cost-plus", "35")]})
    order = order_of("CAP", 2).set_pricing_rule("L1", "cost-plus")
    # when
    line, rejections = priced_line(order, shop)
    # then
    assert line.unit_price.amount == Decimal("10.80")
    assert line.base.amount == Decimal("21.60")
    assert line.pricing_rule == "cost-plus"
    assert line.unit_price_reason == "rule cost-plus: cost 8.00 + 35% = 10.80 per unit"
    assert rejections == ()


def test_cost_plus_rounds_the_markup_per_unit() -> None:
    # given a cap costing 8.00 with 12.34% markup: 0.9872, rounded to 0.99 on each unit
    shop = context({"CAP": [CostPlus("cost-plus", "12.34")]})
    order = order_of("CAP", 3).set_pricing_rule("L1", "cost-plus")
    # when
    line, _ = priced_line(order, shop)
    # then
    assert line.unit_price.amount == Decimal("8.99")
    assert line.base.amount == Decimal("26.97")


def test_cost_plus_without_a_product_cost_falls_back_to_the_list_price_with_a_rejection() -> None:
    # given a pen with no cost and a chosen cost-plus rule
    shop = context({"PEN": [CostPlus("cost-plus", "35")]})
    order = order_of("PEN", 2).set_pricing_rule("L1", "cost-plus")
    # when
    priced = price(order, shop)
    # then
    line = priced.line("L1")
    assert line.unit_price.amount == Decimal("12.25")
    assert line.base.amount == Decimal("24.50")
    assert line.pricing_rule is None
    assert line.unit_price_reason == "list price"
    (rejection,) = priced.rejections
    assert rejection.source == "rule:cost-plus"
    assert rejection.title == "cost-plus"
    assert "cost-plus" in rejection.reason
    assert rejection.reason == "line L1: rule cost-plus needs the product's cost, and PEN has none"


def test_a_rule_priced_in_another_currency_is_rejected_and_the_list_price_used() -> None:
    # given a fixed price in EUR for a USD line
    shop = context({"CAP": [FixedPrice("euro", money("15.00", "EUR"))]})
    order = order_of("CAP").set_pricing_rule("L1", "euro")
    # when
    priced = price(order, shop)
    # then
    assert priced.line("L1").unit_price.amount == Decimal("19.99")
    (rejection,) = priced.rejections
    assert rejection.source == "rule:euro"
    assert rejection.reason == "line L1: its prices are in EUR, the line in USD"


def test_a_percent_off_list_above_100_is_refused_when_the_rule_is_made() -> None:
    with pytest.raises(InvalidPercentage) as caught:
        PercentOffList("too-much", "150")
    assert caught.value.field == "percent"


# -- precedence --------------------------------------------------------------------------------

ALL_OPTIONS = context(
    {
        "CAP": [
            FixedPrice("chosen", money("15.00")),
            FixedPrice("auto", money("18.00"), automatic=True),
        ]
    },
    price_lists=(PriceList("wholesale-prices", "wholesale", {"CAP": money("16.00")}),),
)


def test_a_unit_price_set_by_hand_beats_the_chosen_rule() -> None:
    # given a wholesale customer, a chosen rule, a price list, an automatic rule and a manual price
    order = (
        order_of("CAP", 2, WHOLESALE)
        .set_pricing_rule("L1", "chosen")
        .set_unit_price("L1", money("11.11"))
    )
    # when
    line, rejections = priced_line(order, ALL_OPTIONS)
    # then
    assert line.unit_price.amount == Decimal("11.11")
    assert line.base.amount == Decimal("22.22")
    assert line.pricing_rule is None
    assert line.unit_price_reason == "set by hand (list price 19.99)"
    assert rejections == ()


def test_the_chosen_rule_beats_the_customer_group_price_list() -> None:
    # given a wholesale customer and a chosen rule
    order = order_of("CAP", 2, WHOLESALE).set_pricing_rule("L1", "chosen")
    # when
    line, _ = priced_line(order, ALL_OPTIONS)
    # then
    assert line.unit_price.amount == Decimal("15.00")
    assert line.base.amount == Decimal("30.00")
    assert line.pricing_rule == "chosen"


def test_the_customer_group_price_list_beats_the_automatic_rule() -> None:
    # given a wholesale customer and no chosen rule
    order = order_of("CAP", 2, WHOLESALE)
    # when
    line, _ = priced_line(order, ALL_OPTIONS)
    # then
    assert line.unit_price.amount == Decimal("16.00")
    assert line.base.amount == Decimal("32.00")
    assert line.pricing_rule == "wholesale-prices"
    assert line.unit_price_reason == "price list wholesale-prices for group wholesale: 16.00"


def test_the_automatic_rule_beats_the_list_price() -> None:
    # given a retail customer (no price list) and no chosen rule
    order = order_of("CAP", 2, Customer(id="C2", name="Bob", group="retail"))
    # when
    line, _ = priced_line(order, ALL_OPTIONS)
    # then
    assert line.unit_price.amount == Decimal("18.00")
    assert line.base.amount == Decimal("36.00")
    assert line.pricing_rule == "auto"
    assert line.unit_price_reason == "rule auto: fixed unit price 18.00"


def test_without_any_rule_the_list_price_prices_the_line() -> None:
    # given a product with no rules, and no customer
    order = order_of("PEN", 2)
    # when
    line, rejections = priced_line(order, ALL_OPTIONS)
    # then
    assert line.unit_price.amount == Decimal("12.25")
    assert line.base.amount == Decimal("24.50")
    assert line.pricing_rule is None
    assert line.unit_price_reason == "list price"
    assert rejections == ()


def test_a_product_with_only_a_non_automatic_rule_is_priced_at_its_list_price() -> None:
    # given a rule that is neither chosen nor automatic
    shop = context({"CAP": [FixedPrice("chosen", money("15.00"))]})
    # when
    line, rejections = priced_line(order_of("CAP", 2), shop)
    # then
    assert line.unit_price.amount == Decimal("19.99")
    assert line.pricing_rule is None
    assert rejections == ()


def test_a_price_list_without_the_product_lets_the_automatic_rule_price_it() -> None:
    # given a wholesale price list that lists only the nut
    shop = context(
        {"CAP": [FixedPrice("auto", money("18.00"), automatic=True)]},
        price_lists=(PriceList("wholesale-prices", "wholesale", {"NUT": money("2.00")}),),
    )
    # when
    line, _ = priced_line(order_of("CAP", 1, WHOLESALE), shop)
    # then
    assert line.unit_price.amount == Decimal("18.00")
    assert line.pricing_rule == "auto"


def test_a_chosen_rule_the_product_does_not_have_is_rejected_and_the_next_option_prices() -> None:
    # given a cap whose rules are "chosen" and "auto", and a line asking for "nope"
    order = order_of("CAP", 2).set_pricing_rule("L1", "nope")
    # when
    priced = price(order, ALL_OPTIONS)
    # then the automatic rule prices the line
    line = priced.line("L1")
    assert line.unit_price.amount == Decimal("18.00")
    assert line.base.amount == Decimal("36.00")
    assert line.pricing_rule == "auto"
    (rejection,) = priced.rejections
    assert rejection.source == "rule:nope"
    assert rejection.title == "nope"
    assert rejection.reason == "line L1: CAP has no pricing rule 'nope'"


def test_a_chosen_rule_on_a_product_without_rules_is_rejected_and_the_list_price_used() -> None:
    # given a pen with no rules at all (other products have some), and a line asking for "nope"
    order = order_of("PEN", 2).set_pricing_rule("L1", "nope")
    # when
    priced = price(order, ALL_OPTIONS)
    # then
    line = priced.line("L1")
    assert line.unit_price.amount == Decimal("12.25")
    assert line.base.amount == Decimal("24.50")
    assert [(r.source, r.reason) for r in priced.rejections] == [
        ("rule:nope", "line L1: PEN has no pricing rule 'nope'")
    ]


def test_a_chosen_rule_that_cannot_price_gives_way_to_the_price_list() -> None:
    # given a wholesale customer, a chosen cost-plus rule on a pen without cost, and a price list
    shop = context(
        {"PEN": [CostPlus("cost-plus", "35")]},
        price_lists=(PriceList("wholesale-prices", "wholesale", {"PEN": money("10.00")}),),
    )
    order = order_of("PEN", 2, WHOLESALE).set_pricing_rule("L1", "cost-plus")
    # when
    priced = price(order, shop)
    # then
    line = priced.line("L1")
    assert line.unit_price.amount == Decimal("10.00")
    assert line.base.amount == Decimal("20.00")
    assert line.pricing_rule == "wholesale-prices"
    assert [r.source for r in priced.rejections] == ["rule:cost-plus"]


# -- invalid definitions -----------------------------------------------------------------------


def test_tiers_that_do_not_start_at_quantity_1_are_refused() -> None:
    with pytest.raises(ValidationError, match="first tier must start at quantity 1"):
        VolumePricing("volume", ((2, money("10.00")), (10, money("9.00"))))


def test_a_tier_starting_below_1_is_refused() -> None:
    with pytest.raises(ValidationError, match="a tier starts at a whole quantity >= 1"):
        GraduatedPricing("graduated", ((0, money("10.00")), (10, money("9.00"))))


def test_two_tiers_starting_at_the_same_quantity_are_refused() -> None:
    with pytest.raises(ValidationError, match="two tiers start at the same quantity"):
        GraduatedPricing(
            "graduated", ((1, money("10.00")), (10, money("9.00")), (10, money("8.00")))
        )


def test_no_tiers_at_all_are_refused() -> None:
    with pytest.raises(ValidationError):
        VolumePricing("volume", ())


def test_two_automatic_rules_for_one_sku_are_refused() -> None:
    with pytest.raises(ValidationError, match="more than one automatic rule"):
        RuleBook(
            products={
                "CAP": [
                    FixedPrice("a", money("15.00"), automatic=True),
                    PercentOffList("b", "10", automatic=True),
                ]
            }
        )


def test_two_rules_of_one_sku_with_the_same_id_are_refused() -> None:
    with pytest.raises(ValidationError, match="same id"):
        RuleBook(products={"CAP": [FixedPrice("a", money("15.00")), PercentOffList("a", "10")]})


def test_two_price_lists_for_one_customer_group_are_refused() -> None:
    with pytest.raises(ValidationError, match="two price lists for group 'wholesale'"):
        RuleBook(
            price_lists=(
                PriceList("one", "wholesale", {"CAP": money("16.00")}),
                PriceList("two", "wholesale", {"CAP": money("15.00")}),
            )
        )


def test_a_negative_percentage_off_is_refused() -> None:
    with pytest.raises(ValidationError):
        PercentOffList("minus", "-5")


@pytest.mark.parametrize(
    "build",
    [
        lambda: FixedPrice("fixed", 9.99),
        lambda: AmountOffList("off", 1.5),
        lambda: VolumePricing("volume", ((1, 10.0), (10, money("9.00")))),
        lambda: GraduatedPricing("graduated", ((1, money("10.00")), (10, 9.0))),
        lambda: PercentOffList("percent", 25.0),
        lambda: CostPlus("cost-plus", 35.0),
        lambda: PriceList("list", "wholesale", {"CAP": 16.0}),
    ],
    ids=["fixed", "amount-off", "volume", "graduated", "percent-off", "cost-plus", "price-list"],
)
def test_a_float_price_or_percentage_in_a_rule_is_a_float_amount_error(build) -> None:
    with pytest.raises(FloatAmountError):
        build()


def test_a_price_list_leaves_products_it_does_not_list_and_custom_items_alone() -> None:
    # given a wholesale list that prices only BOLT, and a wholesale order of a pen and a custom item
    shop = context(price_lists=(PriceList("wholesale-2026", "wholesale", {"BOLT": money("7.00")}),))
    order = order_of("PEN", 2, customer=WHOLESALE).add_custom_item("Engraving", "5.00")
    # when
    priced = price(order, shop)
    # then: list prices, and nothing was rejected
    assert [line.unit_price.amount for line in priced.lines] == [Decimal("12.25"), Decimal("5.00")]
    assert [line.pricing_rule for line in priced.lines] == [None, None]
    assert priced.rejections == ()

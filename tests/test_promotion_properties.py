"""Properties of promotions in ``price(order, context)`` over random orders and promotion books.

The strategy builds USD orders from a small catalog whose products carry SKUs, tags and
collections, with manual line and order discounts, an optional customer, an optional shipping
line and an optional flat tax, and a book of up to eight promotions mixing every benefit kind,
target, condition, priority, exclusivity and stacking class. The properties say that however the
promotions stack nothing goes negative, a promotion whose condition fails changes nothing, the
best deal is never worse than any exclusive promotion alone, the breakdown still adds up, every
promotion listed as applied gave the customer something, and pricing is repeatable.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs
from hypothesis import example, given, note
from hypothesis import strategies as st

from builders import TODAY
from draftorders import (
    Address,
    AdjustmentKind,
    Catalog,
    Customer,
    DraftOrder,
    FlatRateTax,
    ManualDiscount,
    Money,
    PricedOrder,
    PricingContext,
    Product,
    RoundingMode,
    RoundingPolicy,
    TaxRate,
    price,
)
from draftorders.promotions import (
    AmountOff,
    BundlePrice,
    BuyXGetY,
    Condition,
    CustomerGroup,
    FreeGift,
    FreeShipping,
    MinQuantity,
    MinSubtotal,
    OrderAmountOff,
    OrderPercentOff,
    PercentOff,
    Period,
    Promotion,
    PromotionBook,
    PromotionClass,
    SpendTiers,
    Target,
)
from draftorders.promotions.benefits import Benefit
from minor_units import totals_of, units_of

CURRENCY = "USD"
SKUS = ("MUG", "TEA", "POT", "CUP", "SPOON", "CARD")
TAGS = ("kitchen", "drink", "gift", "sale")
COLLECTIONS = ("summer", "winter", "core")
GROUPS = ("retail", "wholesale", "vip")
MAX_PRICE = 5_000
"""Unit prices go from 0 to this many cents."""

PRODUCT_KINDS = ("percent", "amount", "bundle", "bxgy", "gift")
ORDER_KINDS = ("order_percent", "order_amount", "tiers")
BENEFIT_KINDS = (*PRODUCT_KINDS, *ORDER_KINDS, "shipping")


def cents(units: int) -> Money:
    """``units`` cents as USD Money (1299 -> USD 12.99)."""
    return Money(Decimal(units).scaleb(-2), CURRENCY)


# -- the strategy --------------------------------------------------------------------------------


@attrs.frozen
class Case:
    """A random order, its promotion book and the rest of the context to price it in."""

    order: DraftOrder
    promotions: tuple[Promotion, ...]
    context: PricingContext

    def with_promotions(self, promotions: tuple[Promotion, ...]) -> PricingContext:
        """The case's context with a book of exactly these promotions."""
        return attrs.evolve(self.context, promotions=PromotionBook(promotions))

    @property
    def gross(self) -> int:
        """The order's lines at their unit prices, before any discount, in cents."""
        return sum(units_of(line.unit_price) * line.quantity for line in self.order.lines)

    @property
    def quantity(self) -> int:
        """Units on all the order's lines."""
        return sum(line.quantity for line in self.order.lines)


# Strategies are built once, at import: Hypothesis validates a strategy the first time it is
# drawn from, and building them anew on every draw costs more than pricing the order.


def cents_up_to(max_value: int) -> st.SearchStrategy[int]:
    """Whole cents from 0 to ``max_value``."""
    return st.integers(min_value=0, max_value=max_value)


PERCENTAGES = st.sampled_from([Decimal(n) for n in (0, 5, 10, 15, 25, 50, 100)]) | st.integers(
    min_value=0, max_value=10_000
).map(lambda n: Decimal(n).scaleb(-2))
"""0 to 100 with up to two decimals, often a round number."""
UNIT_PRICES = cents_up_to(MAX_PRICE)
SHIPPING_PRICES = cents_up_to(3_000)
SMALL = st.integers(min_value=1, max_value=5)
TAG_SETS = st.frozensets(st.sampled_from(TAGS), max_size=2)
COLLECTION_SETS = st.frozensets(st.sampled_from(COLLECTIONS), max_size=2)
CLASS_SETS = st.just(frozenset(PromotionClass)) | st.frozensets(st.sampled_from(PromotionClass))
"""Classes a promotion combines with; often all of them, its own class included."""
DAYS = st.integers(min_value=-30, max_value=30).map(lambda d: TODAY + dt.timedelta(days=d))

PRODUCT_DETAILS = st.tuples(UNIT_PRICES, st.booleans(), TAG_SETS, COLLECTION_SETS)
"""A product's price in cents, whether it is taxable, its tags and its collections."""


def _target(skus: frozenset[str], tags: frozenset[str], collections: frozenset[str]) -> Target:
    if not (skus or tags or collections):
        skus = frozenset({SKUS[0]})
    return Target(skus=skus, tags=tags, collections=collections)


TARGETS = st.builds(
    _target,
    st.frozensets(st.sampled_from(SKUS), max_size=2),
    TAG_SETS,
    st.frozensets(st.sampled_from(COLLECTIONS), max_size=1),
)
"""Any non-empty mix of SKUs, tags and collections."""

BENEFITS: dict[str, st.SearchStrategy[Benefit]] = {
    "percent": st.builds(PercentOff, PERCENTAGES),
    "amount": st.builds(AmountOff, cents_up_to(2_000).map(cents)),
    "bundle": st.builds(BundlePrice, SMALL, cents_up_to(10_000).map(cents)),
    "bxgy": st.builds(
        BuyXGetY,
        st.integers(min_value=1, max_value=4),
        st.integers(min_value=1, max_value=3),
        st.just(Decimal(100)) | PERCENTAGES,
    ),
    "gift": st.builds(FreeGift, st.integers(min_value=1, max_value=4)),
    "order_percent": st.builds(OrderPercentOff, PERCENTAGES),
    "order_amount": st.builds(OrderAmountOff, cents_up_to(20_000).map(cents)),
    "tiers": st.builds(
        SpendTiers,
        st.lists(
            st.tuples(cents_up_to(50_000).map(cents), cents_up_to(10_000).map(cents)),
            min_size=1,
            max_size=3,
        ).map(tuple),
    ),
    "shipping": st.builds(
        FreeShipping,
        st.none() | st.sampled_from([0, 100, 500]).map(cents) | cents_up_to(3_000).map(cents),
    ),
}
"""A benefit of each kind, with random figures."""


def _period(start: dt.date | None, end: dt.date | None) -> Period:
    if start is not None and end is not None and start > end:
        start, end = end, start
    return Period(start, end)


CONDITIONS: st.SearchStrategy[Condition] = st.one_of(
    cents_up_to(30_000).map(lambda n: MinSubtotal(cents(n))),
    st.integers(min_value=1, max_value=30).map(MinQuantity),
    st.frozensets(st.sampled_from(GROUPS), min_size=1, max_size=2).map(CustomerGroup),
    st.builds(_period, st.none() | DAYS, st.none() | DAYS),
)
"""A condition that may or may not be met by a random order."""

TAXES = st.none() | st.builds(
    FlatRateTax,
    rate=st.integers(0, 25_000).map(lambda n: TaxRate.percent(Decimal(n).scaleb(-3), "T")),
    taxes_shipping=st.booleans(),
)
"""No tax, or a flat rate of 0% to 25% with up to three decimals, on shipping or not."""


@st.composite
def catalogs(draw: st.DrawFn) -> Catalog:
    """The products of :data:`SKUS`, each with a random price, tags and collections."""
    products = []
    for sku in SKUS:
        units, taxable, tags, collections = draw(PRODUCT_DETAILS)
        products.append(
            Product(
                sku=sku,
                title=sku.title(),
                price=cents(units),
                taxable=taxable,
                tags=tags,
                collections=collections,
            )
        )
    return Catalog.of(*products)


@st.composite
def promotions(draw: st.DrawFn, promotion_id: str) -> Promotion:
    """A promotion of any benefit kind, target, conditions, priority and stacking."""
    kind = draw(st.sampled_from(BENEFIT_KINDS))
    if kind in PRODUCT_KINDS:
        target: Target | None = draw(TARGETS)
    elif kind in ORDER_KINDS:
        target = draw(st.none() | TARGETS)
    else:
        target = None
    promotion = Promotion(
        promotion_id,
        f"Promotion {promotion_id} ({kind})",
        draw(BENEFITS[kind]),
        target=target,
        conditions=draw(st.lists(CONDITIONS, max_size=2)),
        priority=draw(st.integers(min_value=0, max_value=3)),
        exclusive=draw(st.integers(min_value=0, max_value=3)) == 0,
    )
    if draw(st.booleans()):  # otherwise the default: the other two classes
        promotion = attrs.evolve(promotion, combines_with=draw(CLASS_SETS))
    return promotion


@st.composite
def line_discounts(draw: st.DrawFn, unit: int, quantity: int) -> ManualDiscount | None:
    """None, a percentage, a fixed amount up to the line amount, or per unit up to the price."""
    kind = draw(st.sampled_from(["none", "none", "percent", "fixed", "per_unit"]))
    if kind == "percent":
        return ManualDiscount.percent(draw(PERCENTAGES))
    if kind == "fixed":
        return ManualDiscount.fixed(cents(draw(cents_up_to(unit * quantity))))
    if kind == "per_unit":
        return ManualDiscount.per_unit(cents(draw(cents_up_to(unit))))
    return None


@st.composite
def cases(draw: st.DrawFn) -> Case:
    """A random USD order of 1-8 catalog lines and a random book of 0-8 promotions."""
    catalog = draw(catalogs())
    order = DraftOrder.new("D1001", CURRENCY, TODAY)
    if draw(st.booleans()):
        group = draw(st.none() | st.sampled_from(GROUPS))
        order = order.set_customer(Customer(id="C1", name="Ada", group=group))
    for _ in range(draw(st.integers(min_value=1, max_value=8))):
        sku = draw(st.sampled_from(SKUS))
        quantity = draw(st.integers(min_value=1, max_value=12))
        order = order.add_product(catalog, sku, quantity)
        line = order.lines[-1]
        discount = draw(line_discounts(units_of(line.unit_price), quantity))
        if discount is not None:
            order = order.set_line_discount(line.id, discount)
    if draw(st.booleans()):
        if draw(st.booleans()):
            order = order.set_order_discount(ManualDiscount.percent(draw(PERCENTAGES)))
        else:
            gross = sum(units_of(line.unit_price) * line.quantity for line in order.lines)
            order = order.set_order_discount(ManualDiscount.fixed(cents(draw(cents_up_to(gross)))))
    if draw(st.booleans()):
        order = order.set_shipping_address(Address(country="US"))
        order = order.set_shipping("Standard", cents(draw(SHIPPING_PRICES)))

    count = draw(st.integers(min_value=0, max_value=8))
    book = tuple(draw(promotions(f"P{i}")) for i in range(count))
    tax = draw(TAXES)
    context = PricingContext(
        rounding=RoundingPolicy(draw(st.sampled_from(RoundingMode))),
        tax=tax,
        prices_include_tax=draw(st.booleans()),
        promotions=PromotionBook(book),
    )
    return Case(order, book, context)


@st.composite
def never_met(draw: st.DrawFn, case: Case) -> Promotion:
    """A promotion of any benefit whose conditions this case's order can never meet.

    Its target (when it has one) matches a line of the order, so the book offers it as a
    candidate and pricing must reject it rather than overlook it.
    """
    kind = draw(st.sampled_from(BENEFIT_KINDS))
    order = case.order
    assert "nobody" not in GROUPS
    failing: list[Condition] = [
        CustomerGroup({"nobody"}),  # no customer, or one in another group
        Period(end=TODAY - dt.timedelta(days=draw(st.integers(1, 400)))),
        Period(start=TODAY + dt.timedelta(days=draw(st.integers(1, 400)))),
        MinQuantity(case.quantity + draw(st.integers(1, 10))),  # more units than the order has
        MinSubtotal(cents(case.gross + draw(st.integers(1, 10_000)))),  # more than it costs
    ]
    condition = draw(st.sampled_from(failing))
    met: list[Condition] = [Period(start=TODAY, end=TODAY), MinQuantity(1), MinSubtotal(cents(0))]
    others = draw(st.lists(st.sampled_from(met), max_size=2))
    position = draw(st.integers(min_value=0, max_value=len(others)))
    line = draw(st.sampled_from(order.lines))
    if kind in PRODUCT_KINDS or (kind in ORDER_KINDS and draw(st.booleans())):
        choices = [Target(skus={line.sku})] if line.sku is not None else []
        choices += [Target(tags={tag}) for tag in sorted(line.tags)]
        choices += [Target(collections={c}) for c in sorted(line.collections)]
        target: Target | None = draw(st.sampled_from(choices))
    else:
        target = None
    return Promotion(
        "NEVER",
        "A promotion nobody gets",
        draw(BENEFITS[kind]),
        target=target,
        conditions=[*others[:position], condition, *others[position:]],
        priority=draw(st.integers(min_value=-1, max_value=4)),
        exclusive=draw(st.booleans()),
        combines_with=draw(CLASS_SETS),
    )


# -- helpers -------------------------------------------------------------------------------------


def priced_case(case: Case, promotions: tuple[Promotion, ...] | None = None) -> PricedOrder:
    """Price a case (with a book of ``promotions`` instead of its own, if given), keeping the
    promotions and the explanation in Hypothesis' report of a failing example."""
    if promotions is None:
        promotions, context = case.promotions, case.context
    else:
        context = case.with_promotions(promotions)
    priced = price(case.order, context)
    note(f"promotions: {promotions!r}")
    note(priced.explain())
    return priced


def promotion_discount(priced: PricedOrder) -> int:
    """Cents the promotions took off: lines' promotion adjustments plus the shipping discount."""
    lines = -sum(
        units_of(adj.amount) for adj in priced.adjustments if adj.kind is AdjustmentKind.PROMOTION
    )
    shipping = 0
    if priced.shipping is not None:
        shipping = -sum(
            units_of(adj.amount)
            for adj in priced.shipping.adjustments
            if adj.kind is AdjustmentKind.PROMOTION
        )
    return lines + shipping


def line_amounts(priced: PricedOrder) -> dict[str, tuple[object, ...]]:
    """Each line's net, tax, total and adjustments, keyed by line id."""
    return {
        line.line_id: (
            line.net,
            line.tax,
            line.total,
            tuple((adj.source, adj.amount) for adj in line.adjustments),
        )
        for line in priced.lines
    }


# -- the properties ------------------------------------------------------------------------------


@given(case=cases())
def test_no_net_tax_total_or_shipping_goes_below_zero_whatever_promotions_stack(
    case: Case,
) -> None:
    priced = priced_case(case)
    for line in priced.lines:
        assert line.net.amount >= 0, line
        assert line.tax.amount >= 0, line
        assert line.total.amount >= 0, line
    if priced.shipping is not None:
        assert priced.shipping.amount.amount >= 0, priced.shipping
        assert priced.shipping.tax.amount >= 0, priced.shipping
    assert priced.shipping_total.amount >= 0
    assert priced.total.amount >= 0


@given(case=cases(), data=st.data())
def test_adding_a_promotion_whose_condition_fails_changes_nothing(
    case: Case, data: st.DataObject
) -> None:
    before = priced_case(case)
    never = data.draw(never_met(case), label="never met")
    after = priced_case(case, (*case.promotions, never))

    assert line_amounts(after) == line_amounts(before)
    assert after.shipping == before.shipping
    assert totals_of(after) == totals_of(before)
    assert after.applied_promotions == before.applied_promotions
    assert never.source in {rejection.source for rejection in after.rejections}


@given(case=cases())
def test_best_deal_never_saves_less_than_any_exclusive_promotion_alone(case: Case) -> None:
    priced = priced_case(case)
    saved = promotion_discount(priced)
    for promotion in case.promotions:
        if not promotion.exclusive:
            continue
        alone = price(case.order, case.with_promotions((promotion,)))
        assert saved >= promotion_discount(alone), promotion.id


@given(case=cases())
def test_totals_are_the_sums_of_their_parts_and_promotion_adjustments_name_applied_ones(
    case: Case,
) -> None:
    priced = priced_case(case)
    lines = priced.lines
    assert units_of(priced.subtotal) == sum(units_of(line.base) for line in lines)
    assert units_of(priced.discount_total) == sum(units_of(line.discount) for line in lines)
    assert units_of(priced.net_subtotal) == sum(units_of(line.net) for line in lines)
    assert units_of(priced.subtotal) - units_of(priced.discount_total) == units_of(
        priced.net_subtotal
    )
    for line in lines:
        assert -sum(units_of(adj.amount) for adj in line.adjustments) == units_of(line.discount)

    shipping = priced.shipping
    shipping_tax = units_of(shipping.tax) if shipping is not None else 0
    if shipping is not None:
        assert units_of(shipping.price) - units_of(shipping.discount) == units_of(shipping.amount)
        assert -sum(units_of(adj.amount) for adj in shipping.adjustments) == units_of(
            shipping.discount
        )
        assert shipping.amount == priced.shipping_total
    else:
        assert units_of(priced.shipping_total) == 0
    assert units_of(priced.tax_total) == sum(units_of(line.tax) for line in lines) + shipping_tax

    total = (
        units_of(priced.net_subtotal)
        + units_of(priced.shipping_total)
        + units_of(priced.debit_total)
        - units_of(priced.credit_total)
    )
    if not priced.prices_include_tax:
        total += units_of(priced.tax_total)
    assert units_of(priced.total) == total

    book = {promotion.source: promotion.id for promotion in case.promotions}
    shipping_adjustments = shipping.adjustments if shipping is not None else ()
    for adjustment in (*priced.adjustments, *shipping_adjustments):
        if adjustment.kind is AdjustmentKind.PROMOTION:
            assert adjustment.source in book, adjustment
            assert book[adjustment.source] in priced.applied_promotions, adjustment


def shipping_case(*promotions: Promotion) -> Case:
    """One mug (12.99) shipped for 10.00, with these promotions and no tax."""
    catalog = Catalog.of(Product(sku="MUG", title="Mug", price=cents(1299)))
    order = (
        DraftOrder.new("D1001", CURRENCY, TODAY)
        .add_product(catalog, "MUG", 1)
        .set_shipping_address(Address(country="US"))
        .set_shipping("Standard", cents(1000))
    )
    return Case(order, promotions, PricingContext(promotions=PromotionBook(promotions)))


EVERY_CLASS = frozenset(PromotionClass)


@given(case=cases())
@example(  # two stacking shipping promotions: 3.00 off, then free shipping on the 7.00 left
    case=shipping_case(
        Promotion(
            "SHIP-3", "3.00 off shipping", FreeShipping(cents(300)), combines_with=EVERY_CLASS
        ),
        Promotion("SHIP-FREE", "Free shipping", FreeShipping(), combines_with=EVERY_CLASS),
    )
)
@example(  # a shipping promotion worth nothing
    case=shipping_case(Promotion("SHIP-0", "0.00 off shipping", FreeShipping(cents(0))))
)
def test_every_applied_promotion_gives_the_customer_something(case: Case) -> None:
    # PricedOrder: "applied_promotions lists the promotions that gave something"; each applied
    # promotion is also recorded as one use by the service.
    priced = priced_case(case)
    given_by: dict[str, int] = {}
    shipping_adjustments = priced.shipping.adjustments if priced.shipping is not None else ()
    for adjustment in (*priced.adjustments, *shipping_adjustments):
        if adjustment.kind is AdjustmentKind.PROMOTION:
            given_by[adjustment.source] = given_by.get(adjustment.source, 0) - units_of(
                adjustment.amount
            )
    for promotion_id in priced.applied_promotions:
        source = f"promotion:{promotion_id}"
        assert given_by.get(source, 0) > 0, f"{source} applied but gave {given_by.get(source)}"


@given(case=cases())
def test_pricing_twice_gives_equal_results(case: Case) -> None:
    first = priced_case(case)
    second = price(case.order, case.context)
    assert first == second
    assert first.explain() == second.explain()

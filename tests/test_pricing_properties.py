"""Properties of ``price(order, context)`` over random draft orders.

The strategy below builds orders the way a merchant would, with the public edits: catalog
products and custom items, hand-set unit prices, line and order discounts, shipping, in a
currency with 0, 2 or 3 decimals, priced under any rounding mode, with or without a flat tax,
with net or tax-inclusive prices. The properties say that the breakdown adds up exactly, never
goes negative, stays at the currency's minor unit, and depends only on the order's content.
"""

from __future__ import annotations

import decimal
from collections.abc import Iterator
from decimal import Decimal

import attrs
from hypothesis import given, note
from hypothesis import strategies as st

from builders import TODAY
from draftorders import (
    Address,
    Catalog,
    DiscountKind,
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
    minor_units,
    price,
)
from minor_units import money_of as money
from minor_units import totals_of, units_of

CURRENCIES = ("USD", "JPY", "KWD")
MAX_UNIT_PRICE = 100_000
"""Unit prices go from 0 to this many minor units."""
ORDER_DISCOUNT = "manual:order-discount"


# -- the strategy --------------------------------------------------------------------------------


@attrs.frozen
class Case:
    """A random order and the context to price it in."""

    order: DraftOrder
    context: PricingContext

    @property
    def currency(self) -> str:
        return self.order.currency

    @property
    def places(self) -> int:
        return minor_units(self.order.currency)


def percentages() -> st.SearchStrategy[Decimal]:
    """0 to 100 with up to two decimals (``Decimal("12.5")``, ``Decimal("100")``)."""
    return st.integers(min_value=0, max_value=10_000).map(lambda n: Decimal(n).scaleb(-2))


@st.composite
def line_discounts(
    draw: st.DrawFn, code: str, unit_units: int, quantity: int
) -> ManualDiscount | None:
    """None, a percentage, a fixed amount up to the line amount, or per unit up to the price."""
    kind = draw(st.sampled_from(["none", "percent", "fixed", "per_unit"]))
    if kind == "percent":
        return ManualDiscount.percent(draw(percentages()))
    if kind == "fixed":
        off = draw(st.integers(min_value=0, max_value=unit_units * quantity))
        return ManualDiscount.fixed(money(off, code))
    if kind == "per_unit":
        off = draw(st.integers(min_value=0, max_value=unit_units))
        return ManualDiscount.per_unit(money(off, code))
    return None


@st.composite
def order_discounts(draw: st.DrawFn, code: str, gross_units: int) -> ManualDiscount:
    """A percentage, or a fixed amount up to twice the lines' gross amount.

    A fixed amount is often more than the lines' net after their own discounts: pricing caps it.
    """
    if draw(st.booleans()):
        return ManualDiscount.percent(draw(percentages()), title="order")
    off = draw(st.integers(min_value=0, max_value=2 * gross_units + 1) | st.just(gross_units))
    return ManualDiscount.fixed(money(off, code), title="order")


def tax_calculators() -> st.SearchStrategy[FlatRateTax]:
    """A flat rate of 0% to 30% with up to three decimals, on shipping or not."""
    rates = st.integers(min_value=0, max_value=30_000).map(lambda n: Decimal(n).scaleb(-3))
    return st.builds(
        FlatRateTax,
        rate=rates.map(lambda pct: TaxRate.percent(pct, "Tax")),
        taxes_shipping=st.booleans(),
    )


@st.composite
def cases(
    draw: st.DrawFn,
    *,
    order_discount: st.SearchStrategy[bool] | None = None,
    tax: st.SearchStrategy[FlatRateTax | None] | None = None,
    prices_include_tax: st.SearchStrategy[bool] | None = None,
    taxes_enabled: st.SearchStrategy[bool] | None = None,
) -> Case:
    """A random draft order with 1-15 lines and a pricing context for it.

    The keyword strategies pin parts of the case for properties that need them (a tax, an
    order discount); by default each is drawn freely.
    """
    code = draw(st.sampled_from(CURRENCIES))
    unit_prices = st.integers(min_value=0, max_value=MAX_UNIT_PRICE)

    product_count = draw(st.integers(min_value=1, max_value=4))
    catalog = Catalog.of(
        *(
            Product(
                sku=f"SKU{i}",
                title=f"Product {i}",
                price=money(draw(unit_prices), code),
                taxable=draw(st.booleans()),
            )
            for i in range(product_count)
        )
    )

    order = DraftOrder.new("D1001", code, TODAY)
    for _ in range(draw(st.integers(min_value=1, max_value=15))):
        quantity = draw(st.integers(min_value=1, max_value=20))
        if draw(st.booleans()):
            sku = draw(st.sampled_from([product.sku for product in catalog]))
            order = order.add_product(catalog, sku, quantity)
        else:
            order = order.add_custom_item(
                "Custom", money(draw(unit_prices), code), quantity, taxable=draw(st.booleans())
            )
        line_id = order.lines[-1].id
        override = draw(st.none() | unit_prices)
        if override is not None:
            order = order.set_unit_price(line_id, money(override, code))
        unit_units = units_of(order.line(line_id).unit_price)
        discount = draw(line_discounts(code, unit_units, quantity))
        if discount is not None:
            order = order.set_line_discount(line_id, discount)

    if draw(order_discount if order_discount is not None else st.booleans()):
        gross = sum(units_of(line.unit_price) * line.quantity for line in order.lines)
        order = order.set_order_discount(draw(order_discounts(code, gross)))
    if draw(st.booleans()):
        order = order.set_shipping_address(Address(country="US"))
        order = order.set_shipping("Standard", money(draw(unit_prices), code))
    order = order.set_taxes_enabled(
        draw(taxes_enabled if taxes_enabled is not None else st.just(True) | st.booleans())
    )

    context = PricingContext(
        rounding=RoundingPolicy(draw(st.sampled_from(RoundingMode))),
        tax=draw(tax if tax is not None else st.none() | tax_calculators()),
        prices_include_tax=draw(
            prices_include_tax if prices_include_tax is not None else st.booleans()
        ),
    )
    return Case(order, context)


def priced_case(case: Case) -> PricedOrder:
    """Price a case, keeping the explanation in Hypothesis' report of a failing example."""
    priced = price(case.order, case.context)
    note(f"context: {case.context!r}")
    note(priced.explain())
    return priced


def amounts_of(priced: PricedOrder) -> Iterator[tuple[str, Money]]:
    """Every amount of a priced order, each with a name saying where it is."""
    for line in priced.lines:
        where = line.line_id
        yield f"{where}.unit_price", line.unit_price
        yield f"{where}.base", line.base
        yield f"{where}.discount", line.discount
        yield f"{where}.net", line.net
        yield f"{where}.tax", line.tax
        yield f"{where}.total", line.total
        for i, adjustment in enumerate(line.adjustments):
            yield f"{where}.adjustments[{i}]", adjustment.amount
        for i, charge in enumerate(line.taxes):
            yield f"{where}.taxes[{i}].base", charge.base
            yield f"{where}.taxes[{i}].amount", charge.amount
    if priced.shipping is not None:
        yield "shipping.amount", priced.shipping.amount
        yield "shipping.tax", priced.shipping.tax
        for i, charge in enumerate(priced.shipping.taxes):
            yield f"shipping.taxes[{i}].base", charge.base
            yield f"shipping.taxes[{i}].amount", charge.amount
    yield from totals_of(priced).items()


def line_amounts(priced: PricedOrder) -> dict[str, tuple[object, ...]]:
    """Every amount of every line (and its adjustments and taxes), keyed by line id."""
    return {
        line.line_id: (
            line.unit_price,
            line.base,
            line.discount,
            line.net,
            line.tax,
            line.total,
            tuple((adj.source, adj.amount, adj.reason) for adj in line.adjustments),
            tuple((charge.base, charge.amount, charge.reason) for charge in line.taxes),
        )
        for line in priced.lines
    }


def total_units(values: Iterator[Money] | list[Money]) -> int:
    return sum(units_of(value) for value in values)


# -- the properties ------------------------------------------------------------------------------


@given(case=cases(order_discount=st.just(True)))
def test_order_discount_shares_add_up_to_the_order_discount_applied(case: Case) -> None:
    priced = priced_case(case)
    discount = case.order.order_discount
    assert discount is not None

    # The lines' nets before the order discount: the same order priced without it.
    before = price(case.order.set_order_discount(None), case.context)
    eligible = units_of(before.net_subtotal)
    if discount.kind is DiscountKind.PERCENTAGE:
        assert discount.percentage is not None
        with decimal.localcontext() as ctx:
            ctx.prec = 100
            exact = Decimal(eligible) * discount.percentage / 100
            expected = int(exact.quantize(Decimal(1), rounding=case.context.rounding.mode.value))
    else:
        assert discount.amount is not None
        expected = min(units_of(discount.amount), eligible)

    shares = [adj.amount for adj in priced.adjustments if adj.source == ORDER_DISCOUNT]
    assert all(units_of(share) < 0 for share in shares)
    assert -total_units(shares) == expected
    assert units_of(before.net_subtotal) - units_of(priced.net_subtotal) == expected


@given(case=cases())
def test_totals_are_the_sums_of_their_parts(case: Case) -> None:
    priced = priced_case(case)
    lines = priced.lines
    assert units_of(priced.discount_total) == total_units([line.discount for line in lines])
    assert units_of(priced.subtotal) == total_units([line.base for line in lines])
    assert units_of(priced.net_subtotal) == total_units([line.net for line in lines])

    shipping_tax = units_of(priced.shipping.tax) if priced.shipping is not None else 0
    assert units_of(priced.tax_total) == total_units([line.tax for line in lines]) + shipping_tax

    net_subtotal = units_of(priced.net_subtotal)
    shipping = units_of(priced.shipping_total)
    if priced.prices_include_tax:
        assert units_of(priced.total) == net_subtotal + shipping
    else:
        assert units_of(priced.total) == net_subtotal + shipping + units_of(priced.tax_total)
    assert units_of(priced.subtotal) - units_of(priced.discount_total) == net_subtotal


@given(case=cases())
def test_each_line_adds_up(case: Case) -> None:
    priced = priced_case(case)
    for line in priced.lines:
        base, discount, net = units_of(line.base), units_of(line.discount), units_of(line.net)
        assert base - discount == net, line
        assert units_of(line.tax) == total_units([charge.amount for charge in line.taxes]), line
        assert -total_units([adj.amount for adj in line.adjustments]) == discount, line
        assert base == units_of(line.unit_price) * line.quantity, line
        expected_total = net if priced.prices_include_tax else net + units_of(line.tax)
        assert units_of(line.total) == expected_total, line
    if priced.shipping is not None:
        charges = [charge.amount for charge in priced.shipping.taxes]
        assert units_of(priced.shipping.tax) == total_units(charges)
        assert priced.shipping.amount == priced.shipping_total


@given(case=cases())
def test_no_net_tax_or_total_is_ever_negative(case: Case) -> None:
    priced = priced_case(case)
    for line in priced.lines:
        assert line.net.amount >= 0, line
        assert line.tax.amount >= 0, line
        assert line.total.amount >= 0, line
        assert all(charge.amount.amount >= 0 for charge in line.taxes), line
    for name, value in totals_of(priced).items():
        assert value.amount >= 0, name


@given(case=cases())
def test_every_amount_is_in_the_order_currency_at_its_minor_unit(case: Case) -> None:
    priced = priced_case(case)
    assert priced.currency == case.currency
    for where, value in amounts_of(priced):
        assert isinstance(value, Money), where
        assert value.currency.code == case.currency, where
        exponent = value.amount.as_tuple().exponent
        assert exponent == -case.places, f"{where} = {value.amount!r}"


@given(case=cases(), data=st.data())
def test_reordering_the_lines_changes_no_amount(case: Case, data: st.DataObject) -> None:
    priced = priced_case(case)
    permuted = data.draw(st.permutations(case.order.lines), label="lines")
    reordered = price(attrs.evolve(case.order, lines=tuple(permuted)), case.context)
    assert [line.line_id for line in reordered.lines] == [line.id for line in permuted]
    assert line_amounts(reordered) == line_amounts(priced)
    assert totals_of(reordered) == totals_of(priced)
    assert reordered.shipping == priced.shipping


@given(case=cases())
def test_pricing_twice_gives_the_same_breakdown_and_explanation(case: Case) -> None:
    first = priced_case(case)
    second = price(case.order, case.context)
    assert first == second
    assert first.explain() == second.explain()
    assert first.table() == second.table()


@given(
    case=cases(
        tax=tax_calculators(),
        prices_include_tax=st.just(True),
        taxes_enabled=st.just(True),
    )
)
def test_inclusive_tax_plus_its_base_is_the_gross_amount(case: Case) -> None:
    priced = priced_case(case)
    for line in priced.lines:
        assert line.total == line.net, line
        if not case.order.line(line.line_id).taxable:
            assert line.taxes == (), line
            assert units_of(line.tax) == 0, line
            continue
        (charge,) = line.taxes  # a flat rate: exactly one charge on every taxable line
        assert units_of(charge.base) + units_of(line.tax) == units_of(line.net), line
    if priced.shipping is not None and len(priced.shipping.taxes) == 1:
        (charge,) = priced.shipping.taxes
        assert charge.base.amount + priced.shipping.tax.amount == priced.shipping.amount.amount

"""Properties of tax over random orders, random tax tables and every rounding policy.

Orders are in USD (2 decimals), JPY (0) and KWD (3), with random lines, discounts, shipping
and taxable debits; the tax table has a country, a region and a postal jurisdiction, each with
1-3 rates (some compound) and category overrides; the policy is any RoundingMode, TaxLevel
and InclusiveTarget, with net or tax-inclusive prices. The document-level figures are
recomputed here from exact Fractions, independently of the engine's arithmetic.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from fractions import Fraction

import attrs
from hypothesis import given, note
from hypothesis import strategies as st

from builders import TODAY
from draftorders import (
    Address,
    DraftOrder,
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
    minor_units,
    price,
)
from minor_units import money_of as money
from minor_units import units_of

CURRENCIES = ("USD", "JPY", "KWD")
CATEGORIES = ("standard", "reduced", "zero", "luxury")
ADDRESSES = (
    Address(country="US", region="NY", postal_code="10001"),
    Address(country="US", region="NY", postal_code="12207"),
    Address(country="US", region="CA", postal_code="94103"),
    Address(country="FR", postal_code="75001"),
)


# -- the strategy --------------------------------------------------------------------------------


@attrs.frozen
class Case:
    order: DraftOrder
    context: PricingContext
    calculator: TableTax

    @property
    def places(self) -> int:
        return minor_units(self.order.currency)


@st.composite
def rate_lists(draw: st.DrawFn, prefix: str) -> list[TaxRate]:
    """1-3 uniquely named rates, 0% (often) to 30% with up to three decimals, some compound."""
    count = draw(st.integers(min_value=1, max_value=3))
    return [
        TaxRate.percent(
            Decimal(draw(st.just(0) | st.integers(min_value=0, max_value=30_000))).scaleb(-3),
            f"{prefix}-{i}",
            compound=i > 0 and draw(st.booleans()),
        )
        for i in range(count)
    ]


@st.composite
def jurisdictions(draw: st.DrawFn, jid: str, **where: object) -> Jurisdiction:
    rates = draw(rate_lists(jid))
    categories: dict[str, tuple[TaxRate, ...]] = {}
    if draw(st.booleans()):
        # a subset of the standard rates, in order (a compound rate may lose its predecessor)
        categories["reduced"] = tuple(r for r in rates if draw(st.booleans()))
    if draw(st.booleans()):
        categories["zero"] = ()
    if draw(st.booleans()):
        categories["luxury"] = tuple(draw(rate_lists(f"{jid}-lux")))
    return Jurisdiction(
        jid,
        rates=rates,
        categories=categories,
        shipping_category=draw(st.sampled_from([None, "standard", "reduced", "luxury"])),
        **where,  # type: ignore[arg-type]
    )


@st.composite
def tables(draw: st.DrawFn) -> TaxTable:
    found = [draw(jurisdictions("US", country="US"))]
    if draw(st.booleans()):
        found.append(draw(jurisdictions("NY", country="US", region="NY")))
    if draw(st.booleans()):
        found.append(
            draw(
                jurisdictions(
                    "NYC", country="US", region="NY", postal_codes=("10000-10299", "112*")
                )
            )
        )
    return TaxTable(draw(st.permutations(found)))


@st.composite
def cases(
    draw: st.DrawFn,
    *,
    level: st.SearchStrategy[TaxLevel] | None = None,
    inclusive: st.SearchStrategy[bool] | None = None,
) -> Case:
    code = draw(st.sampled_from(CURRENCIES))
    unit_prices = st.integers(min_value=0, max_value=100_000)
    order = DraftOrder.new("D1", code, TODAY)
    address = draw(st.sampled_from(ADDRESSES))
    ships = draw(st.booleans())
    order = order.set_shipping_address(address) if ships else order.set_billing_address(address)
    for _ in range(draw(st.integers(min_value=1, max_value=8))):
        order = order.add_custom_item(
            "Item",
            money(draw(unit_prices), code),
            draw(st.integers(min_value=1, max_value=12)),
            taxable=draw(st.booleans() | st.just(True)),
            tax_category=draw(st.sampled_from(CATEGORIES)),
        )
        if draw(st.booleans()):
            percent = Decimal(draw(st.integers(min_value=0, max_value=10_000))).scaleb(-2)
            order = order.set_line_discount(order.lines[-1].id, ManualDiscount.percent(percent))
    if draw(st.booleans()):
        percent = Decimal(draw(st.integers(min_value=0, max_value=10_000))).scaleb(-2)
        order = order.set_order_discount(ManualDiscount.percent(percent))
    if ships and draw(st.booleans()):
        order = order.set_shipping("Ground", money(draw(unit_prices), code))
    if draw(st.booleans()):
        order = order.add_debit(
            "Handling",
            money(draw(unit_prices), code),
            taxable=draw(st.booleans()),
            tax_category=draw(st.sampled_from(CATEGORIES)),
        )
    calculator = TableTax(draw(tables()), origin=draw(st.none() | st.sampled_from(ADDRESSES)))
    policy = RoundingPolicy(
        draw(st.sampled_from(RoundingMode)),
        draw(level if level is not None else st.sampled_from(TaxLevel)),
        draw(st.sampled_from(InclusiveTarget)),
    )
    context = PricingContext(
        rounding=policy,
        tax=calculator,
        prices_include_tax=draw(inclusive if inclusive is not None else st.booleans()),
    )
    return Case(order, context, calculator)


def priced_case(case: Case) -> PricedOrder:
    priced = price(case.order, case.context)
    note(f"table: {case.calculator!r}")
    note(f"context: {case.context.rounding!r}, inclusive={case.context.prices_include_tax}")
    note(priced.explain())
    return priced


# -- an independent recomputation ----------------------------------------------------------------


def exact_factors(rates: tuple[TaxRate, ...], inclusive: bool) -> list[tuple[TaxRate, Fraction]]:
    """Each rate's exact share of the amount (net, or gross when prices include tax)."""
    result = []
    charged = Fraction(0)
    for rate in rates:
        share = Fraction(rate.fraction)
        if rate.compound:
            share *= 1 + charged
        result.append((rate, share))
        charged += share
    if inclusive:
        result = [(rate, share / (1 + charged)) for rate, share in result]
    return result


def round_exact(value: Fraction, mode: RoundingMode) -> int:
    """A non-negative Fraction rounded to an integer by ``mode``."""
    assert value >= 0
    floor = value.numerator // value.denominator
    rest = value - floor
    if rest == 0 or mode is RoundingMode.DOWN:
        return floor
    if mode is RoundingMode.UP or rest > Fraction(1, 2):
        return floor + 1
    if rest < Fraction(1, 2) or mode is RoundingMode.HALF_DOWN:
        return floor
    if mode is RoundingMode.HALF_UP:
        return floor + 1
    return floor + floor % 2  # HALF_EVEN


def taxed_items(case: Case, priced: PricedOrder) -> Iterator[tuple[int, tuple[TaxRate, ...]]]:
    """(amount in minor units, rates) of every item the engine should tax."""
    order, calculator = case.order, case.calculator
    destination = order.shipping_address or order.billing_address
    for line in priced.lines:
        item = order.line(line.line_id)
        if item.taxable:
            yield units_of(line.net), calculator.line_rates(item.tax_category, destination)
    if priced.shipping is not None and units_of(priced.shipping.amount):
        yield units_of(priced.shipping.amount), calculator.shipping_rates(destination)
    for charge in order.entries:
        if charge.taxable and charge.kind.name == "DEBIT":
            yield units_of(charge.amount), calculator.line_rates(charge.tax_category, destination)


def per_rate(priced: PricedOrder) -> dict[TaxRate, int]:
    totals: defaultdict[TaxRate, int] = defaultdict(int)
    for charge in priced.tax_lines:
        totals[charge.rate] += units_of(charge.amount)
    return dict(totals)


def every_amount(priced: PricedOrder) -> Iterator[tuple[str, Money]]:
    for line in priced.lines:
        yield f"{line.line_id}.net", line.net
        yield f"{line.line_id}.tax", line.tax
        yield f"{line.line_id}.total", line.total
    for i, charge in enumerate(priced.tax_lines):
        yield f"tax_lines[{i}].base", charge.base
        yield f"tax_lines[{i}].amount", charge.amount
    if priced.shipping is not None:
        yield "shipping.amount", priced.shipping.amount
        yield "shipping.tax", priced.shipping.tax
    for charge in priced.entries:
        yield f"{charge.id}.amount", charge.amount
        yield f"{charge.id}.tax", charge.tax
    yield "net_subtotal", priced.net_subtotal
    yield "tax_total", priced.tax_total
    yield "total", priced.total


# -- the properties ------------------------------------------------------------------------------


@given(case=cases())
def test_taxes_per_rate_add_up_to_the_tax_total(case: Case) -> None:
    priced = priced_case(case)
    assert sum(per_rate(priced).values()) == units_of(priced.tax_total)
    shipping = units_of(priced.shipping.tax) if priced.shipping is not None else 0
    lines = sum(units_of(line.tax) for line in priced.lines)
    debits = sum(units_of(charge.tax) for charge in priced.entries)
    assert lines + shipping + debits == units_of(priced.tax_total)
    assert all(units_of(charge.amount) >= 0 for charge in priced.tax_lines)


@given(case=cases(inclusive=st.just(True)))
def test_inclusive_taxes_plus_their_base_are_the_gross_exactly(case: Case) -> None:
    priced = priced_case(case)
    for line in priced.lines:
        assert line.total == line.net, line
        if not line.taxes:
            assert units_of(line.tax) == 0, line
            continue
        bases = {units_of(charge.base) for charge in line.taxes}
        assert len(bases) == 1, f"{line}: charges disagree on the base {bases}"
        (base,) = bases
        assert base + sum(units_of(c.amount) for c in line.taxes) == units_of(line.net), line
    if priced.shipping is not None and priced.shipping.taxes:
        (base,) = {units_of(charge.base) for charge in priced.shipping.taxes}
        assert base + units_of(priced.shipping.tax) == units_of(priced.shipping.amount)


@given(case=cases())
def test_every_amount_has_the_currency_minor_unit_exponent(case: Case) -> None:
    priced = priced_case(case)
    for where, value in every_amount(priced):
        assert value.currency.code == case.order.currency, where
        assert value.amount.as_tuple().exponent == -case.places, f"{where} = {value.amount!r}"


@given(case=cases(level=st.just(TaxLevel.DOCUMENT)))
def test_document_total_per_rate_is_the_rounded_sum_of_the_exact_taxes(case: Case) -> None:
    priced = priced_case(case)
    policy = case.context.rounding
    inclusive = case.context.prices_include_tax
    net_rounded = inclusive and policy.inclusive_target is InclusiveTarget.NET
    exact: defaultdict[TaxRate, Fraction] = defaultdict(Fraction)
    for units, rates in taxed_items(case, priced):
        for rate, share in exact_factors(rates, inclusive):
            exact[rate] += units * share
    expected = {
        # with the net rounded, the tax is what the rounded net leaves of the gross
        rate: (
            math.ceil(value) - round_exact(math.ceil(value) - value, policy.mode)
            if net_rounded
            else round_exact(value, policy.mode)
        )
        for rate, value in exact.items()
    }
    assert per_rate(priced) == expected


@given(case=cases(level=st.just(TaxLevel.LINE)))
def test_line_level_taxes_each_item_at_each_rate_rounded_once(case: Case) -> None:
    priced = priced_case(case)
    policy = case.context.rounding
    inclusive = case.context.prices_include_tax
    if inclusive and policy.inclusive_target is InclusiveTarget.NET:
        return
    expected = [
        (rate, round_exact(units * share, policy.mode))
        for units, rates in taxed_items(case, priced)
        for rate, share in exact_factors(rates, inclusive)
    ]
    actual = [(charge.rate, units_of(charge.amount)) for charge in priced.tax_lines]
    assert actual == expected

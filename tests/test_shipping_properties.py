"""Shipping properties: billable weight and the packer's promises, on random lines and boxes."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal
from fractions import Fraction

import hypothesis.strategies as st
import pytest
from hypothesis import event, given

from draftorders import (
    Address,
    Dimensions,
    DraftOrder,
    LengthUnit,
    LineItem,
    LineKind,
    Money,
    Weight,
    WeightUnit,
)
from draftorders.shipping import (
    Box,
    Flat,
    Package,
    PackingError,
    ShippingRate,
    ShippingZone,
    find_rates,
    pack,
)

# Independent, exact conversion factors (the legal definitions), as fractions.
KG = {
    WeightUnit.G: Fraction(1, 1000),
    WeightUnit.KG: Fraction(1),
    WeightUnit.LB: Fraction("0.45359237"),
    WeightUnit.OZ: Fraction("0.45359237") / 16,
}
CM = {LengthUnit.MM: Fraction(1, 10), LengthUnit.CM: Fraction(1), LengthUnit.IN: Fraction("2.54")}


def kg_of(weight: Weight | None) -> Fraction:
    return Fraction(0) if weight is None else Fraction(weight.value) * KG[weight.unit]


def sides_of(dimensions: Dimensions) -> list[Fraction]:
    factor = CM[dimensions.unit]
    return sorted(
        (
            Fraction(side) * factor
            for side in (dimensions.length, dimensions.width, dimensions.height)
        ),
        reverse=True,
    )


def volume_of(dimensions: Dimensions) -> Fraction:
    length, width, height = sides_of(dimensions)
    return length * width * height


def hundredths(low: int, high: int) -> st.SearchStrategy[Decimal]:
    """Decimals from low/100 to high/100 in steps of 0.01."""
    return st.integers(low, high).map(lambda n: Decimal(n).scaleb(-2))


weights = st.builds(Weight, hundredths(1, 3000), st.sampled_from(WeightUnit))
unit_sizes = st.builds(
    Dimensions,
    hundredths(10, 4000),
    hundredths(10, 4000),
    hundredths(10, 4000),
    st.sampled_from(LengthUnit),
)
box_sizes = st.builds(
    Dimensions,
    hundredths(500, 9000),
    hundredths(500, 9000),
    hundredths(500, 9000),
    st.sampled_from([LengthUnit.CM, LengthUnit.IN]),
)


@st.composite
def order_lines(draw: st.DrawFn) -> list[LineItem]:
    count = draw(st.integers(1, 6))
    return [
        LineItem(
            id=f"L{number}",
            kind=LineKind.CUSTOM,
            title=f"Item {number}",
            list_price=Money(Decimal("10.00"), "USD"),
            quantity=draw(st.integers(1, 5)),
            weight=None if draw(st.integers(0, 4)) == 0 else draw(weights),
            dimensions=None if draw(st.integers(0, 9)) == 0 else draw(unit_sizes),
            ships_alone=draw(st.booleans()),
            requires_shipping=draw(st.booleans()) or draw(st.booleans()),
        )
        for number in range(1, count + 1)
    ]


@st.composite
def box_catalogs(draw: st.DrawFn) -> list[Box]:
    count = draw(st.integers(0, 4))
    return [
        Box(
            f"B{number}",
            draw(box_sizes),
            Weight(draw(hundredths(100, 5000)), WeightUnit.KG),
            Weight(draw(hundredths(1, 200)), draw(st.sampled_from(WeightUnit))),
        )
        for number in range(count)
    ]


divisors = st.none() | st.integers(1, 10000).map(Decimal) | hundredths(1, 100000)


def fits(item: LineItem, box: Box) -> bool:
    """One unit alone fits the empty box: every sorted side, and the box's maximum weight."""
    assert item.dimensions is not None
    sides_fit = all(
        side <= inner
        for side, inner in zip(sides_of(item.dimensions), sides_of(box.inner), strict=True)
    )
    return sides_fit and kg_of(box.own_weight) + kg_of(item.weight) <= kg_of(box.max_weight)


def unpackable(lines: list[LineItem], boxes: list[Box]) -> set[str]:
    """Ids of the shipped lines whose units cannot be packed, decided independently."""
    bad = set()
    for item in lines:
        if not item.requires_shipping:
            continue
        if item.ships_alone:
            if item.dimensions is None:
                bad.add(item.id)
        elif boxes and (item.dimensions is None or not any(fits(item, box) for box in boxes)):
            bad.add(item.id)
    return bad


def test_the_independent_factors_agree_with_the_definitions():
    assert kg_of(Weight(1, WeightUnit.LB)) == Fraction(45359237, 10**8)
    assert sides_of(Dimensions(1, 10, 3, LengthUnit.IN)) == [
        Fraction("25.4"),
        Fraction("7.62"),
        Fraction("2.54"),
    ]


@given(lines=order_lines(), boxes=box_catalogs())
def test_the_packer_respects_every_box_and_packs_every_unit_exactly_once(
    lines: list[LineItem], boxes: list[Box]
):
    bad = unpackable(lines, boxes)
    event("refused" if bad else "packed into boxes" if boxes else "packed without boxes")
    if bad:
        # then: it refuses only when some unit really fits nowhere, and names such a line
        with pytest.raises(PackingError) as raised:
            pack(lines, boxes)
        assert raised.value.line_id in bad
        return
    packages = pack(lines, boxes)  # every unit fits some box, so packing must succeed

    by_id = {item.id: item for item in lines}
    by_name = {box.name: box for box in boxes}
    packed: Counter[str] = Counter()
    for package in packages:
        assert package.contents, "an empty package"
        for line_id, units in package.contents:
            assert units >= 1
            packed[line_id] += units
        if package.box is None:
            _check_boxless(package, by_id, boxes)
        else:
            _check_boxed(package, by_name[package.box], by_id)
    shipped = {item.id: item.quantity for item in lines if item.requires_shipping}
    assert dict(packed) == shipped


def _check_boxless(package: Package, by_id: dict[str, LineItem], boxes: list[Box]) -> None:
    if package.sides_cm is not None:
        # a unit shipping alone, in its own box
        ((line_id, units),) = package.contents
        item = by_id[line_id]
        assert item.ships_alone
        assert units == 1
        assert item.dimensions is not None
        assert [Fraction(side) for side in package.sides_cm] == sides_of(item.dimensions)
        assert Fraction(package.weight_kg) == kg_of(item.weight)
    else:
        # the loose package: only without a box catalog, weighed by actual weight
        assert not boxes
        assert all(not by_id[line_id].ships_alone for line_id, _ in package.contents)
        expected = sum((kg_of(by_id[i].weight) * n for i, n in package.contents), Fraction(0))
        assert Fraction(package.weight_kg) == expected


def _check_boxed(package: Package, box: Box, by_id: dict[str, LineItem]) -> None:
    inner = sides_of(box.inner)
    assert package.sides_cm is not None
    assert [Fraction(side) for side in package.sides_cm] == inner
    weight = kg_of(box.own_weight)
    volume = Fraction(0)
    for line_id, units in package.contents:
        item = by_id[line_id]
        assert not item.ships_alone
        assert item.dimensions is not None
        assert all(
            side <= room for side, room in zip(sides_of(item.dimensions), inner, strict=True)
        )
        weight += kg_of(item.weight) * units
        volume += volume_of(item.dimensions) * units
    assert Fraction(package.weight_kg) == weight
    assert weight <= kg_of(box.max_weight)
    assert volume <= volume_of(box.inner)


@given(lines=order_lines(), boxes=box_catalogs(), divisor=divisors)
def test_billable_weight_is_never_below_the_actual_weight(
    lines: list[LineItem], boxes: list[Box], divisor: Decimal | None
):
    if unpackable(lines, boxes):
        boxes = []
    if unpackable(lines, boxes):
        return
    packages = pack(lines, boxes)
    for package in packages:
        assert package.billable_kg(divisor) >= package.weight_kg
    if not packages:
        return
    # and for the order as a whole, through find_rates
    address = Address(country="US")
    order = DraftOrder.new("S1", "USD", dt.date(2026, 11, 26)).set_shipping_address(address)
    rate = ShippingRate("R", Flat(Money(Decimal("1.00"), "USD")), dim_divisor=divisor)
    zone = ShippingZone("Z", countries={"US"}, rates=[rate])
    found = find_rates(order, [zone], Money(Decimal("10.00"), "USD"), packages=packages)
    actual = sum((package.weight_kg for package in packages), Decimal(0))
    assert found.option("R").billable_kg >= actual

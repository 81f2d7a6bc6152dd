"""Shipping: the example's figures, exact units, every rate kind, zones and the packer."""

from __future__ import annotations

import datetime as dt
import runpy
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from draftorders import (
    Address,
    Catalog,
    Dimensions,
    DraftOrder,
    LengthUnit,
    LineItem,
    LineKind,
    Money,
    Product,
    ShippingAddressRequired,
    ValidationError,
    Weight,
    WeightUnit,
    price,
)
from draftorders.shipping import (
    BasePlusPerKg,
    Box,
    Flat,
    Package,
    PackingError,
    PerItem,
    PriceBrackets,
    RateSearch,
    ShippingRate,
    ShippingZone,
    WeightBrackets,
    find_rates,
    find_zone,
    pack,
)
from draftorders.shipping.units import dimensions_cm, kilograms, volume_cm3

EXAMPLES = Path(__file__).parent.parent / "examples"
example = runpy.run_path(str(EXAMPLES / "shipping.py"))


def usd(amount: str) -> Money:
    """``usd("9.99")`` is USD 9.99."""
    return Money(Decimal(amount), "USD")


def cm(length: object, width: object, height: object) -> Dimensions:
    return Dimensions(length, width, height, LengthUnit.CM)


def kg(value: str) -> Weight:
    return Weight(value, WeightUnit.KG)


def line(
    line_id: str,
    quantity: int = 1,
    *,
    weight: Weight | None = None,
    dimensions: Dimensions | None = None,
    ships_alone: bool = False,
    requires_shipping: bool = True,
) -> LineItem:
    """A custom line with just what shipping looks at."""
    return LineItem(
        id=line_id,
        kind=LineKind.CUSTOM,
        title=f"Item {line_id}",
        list_price=usd("10.00"),
        quantity=quantity,
        weight=weight,
        dimensions=dimensions,
        ships_alone=ships_alone,
        requires_shipping=requires_shipping,
    )


US = Address(country="US", region="NY", postal_code="10001")


def order(units: int = 1, *, digital: int = 0, address: Address | None = US) -> DraftOrder:
    """An order with ``units`` units to ship and ``digital`` units that need no shipping."""
    draft = DraftOrder.new("S1", "USD", dt.date(2026, 11, 26)).set_shipping_address(address)
    draft = draft.add_custom_item("Parcel", usd("10.00"), units)
    if digital:
        draft = draft.add_custom_item("E-book", usd("5.00"), digital, requires_shipping=False)
    return draft


def quote(
    rate: ShippingRate,
    weight_kg: str,
    *,
    subtotal: str = "10.00",
    sides: tuple[int, int, int] | None = None,
) -> RateSearch:
    """Rates for one hand-made package of ``weight_kg`` (and ``sides`` in cm, if given)."""
    sides_cm = None if sides is None else tuple(Decimal(side) for side in sides)
    package = Package(None, sides_cm, Decimal(weight_kg), (("L1", 1),))  # type: ignore[arg-type]
    zone = ShippingZone("Z", countries={"US"}, rates=[rate])
    return find_rates(order(), [zone], usd(subtotal), packages=[package])


def amount(found: RateSearch, method: str = "R") -> Decimal:
    return found.option(method).amount.amount


# --- the example -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def lamp() -> DraftOrder:
    draft = DraftOrder.new("S1", "USD", dt.date(2026, 11, 26))
    draft = draft.set_shipping_address(example["NEW_YORK"])
    return draft.add_product(example["CATALOG"], "LAMP", 1)


@pytest.fixture(scope="module")
def lamp_and_shade(lamp: DraftOrder) -> DraftOrder:
    return lamp.add_product(example["CATALOG"], "SHADE", 1)


@pytest.fixture(scope="module")
def printed() -> list[str]:
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / "shipping.py")],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return [text.strip() for text in result.stdout.splitlines()]


def test_given_the_lamp_alone_to_new_york_then_it_bills_4_8_kg_standard_9_00_express_15_00(
    lamp: DraftOrder, printed: list[str]
):
    # when
    found = example["search"](lamp)
    # then: 40 x 30 x 20 cm / 5000 = 4.8 kg beats the actual 1.5 kg; 4.8 kg is in the 5 kg bracket
    assert found.zone == "Domestic"
    standard, express = found.options
    assert (standard.method, standard.amount.amount) == ("Standard", Decimal("9.00"))
    assert standard.billable_kg == Decimal("4.8")
    assert (express.method, express.amount.amount) == ("Express", Decimal("15.00"))
    assert express.billable_kg == Decimal("1.5")
    assert printed[:4] == [
        "Lamp to New York: zone Domestic",
        "billable weight 4.8 kg",
        "Standard 9.00 (billable 4.8 kg, dimensional divisor 5000; "
        "4.8 kg is in the bracket up to 5 kg: 9.00)",
        "Express 15.00 (billable 1.5 kg; flat 15.00)",
    ]


def test_given_lamp_and_shade_then_the_order_is_79_00_standard_is_free_and_express_15_00(
    lamp_and_shade: DraftOrder, printed: list[str]
):
    # when
    net = price(lamp_and_shade).net_subtotal
    found = example["search"](lamp_and_shade)
    # then: 4.8 kg (lamp's box) + 0.3 kg (loose shade) = 5.1 kg; 79.00 >= 75.00 is free
    assert net.amount == Decimal("79.00")
    assert found.option("Standard").billable_kg == Decimal("5.1")
    assert found.option("Standard").amount.amount == Decimal("0.00")
    assert found.option("Standard").amount.amount.as_tuple().exponent == -2
    assert found.option("Express").amount.amount == Decimal("15.00")
    assert [o.method for o in found.options] == ["Standard", "Express"]
    assert printed[4:8] == [
        "Lamp and shade (79.00): zone Domestic",
        "billable weight 5.1 kg",
        "Standard 0.00 (billable 5.1 kg, dimensional divisor 5000; "
        "free: order 79.00 is at least 75.00)",
        "Express 15.00 (billable 1.8 kg; flat 15.00)",
    ]


def test_given_an_address_in_no_zone_then_there_are_no_options_and_a_reason(
    lamp_and_shade: DraftOrder, printed: list[str]
):
    # given
    paris = lamp_and_shade.set_shipping_address(Address(country="FR", city="Paris"))
    # when
    found = example["search"](paris)
    # then
    assert found.zone is None
    assert found.options == ()
    assert found.reasons == ("no shipping zone covers FR",)
    assert printed[8:10] == [
        "Lamp and shade to Paris: zone None",
        "no rates: no shipping zone covers FR",
    ]


def test_given_no_shipping_address_then_finding_rates_raises_shipping_address_required(
    lamp_and_shade: DraftOrder, printed: list[str]
):
    # given
    nowhere = lamp_and_shade.set_shipping_address(None)
    # when / then
    with pytest.raises(ShippingAddressRequired) as raised:
        example["search"](nowhere)
    assert raised.value.field == "shipping"
    assert printed[10] == (
        "No shipping address: ShippingAddressRequired: shipping: "
        "add a shipping address to find rates"
    )


def test_the_example_report_is_what_the_script_prints(printed: list[str]):
    assert [text.strip() for text in example["report"]().splitlines()] == printed


# --- units -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("weight", "expected_kg"),
    [
        (Weight(1, WeightUnit.LB), Decimal("0.45359237")),
        (Weight(1, WeightUnit.OZ), Decimal("0.028349523125")),
        (Weight(16, WeightUnit.OZ), Decimal("0.45359237")),
        (Weight(1000, WeightUnit.G), Decimal(1)),
        (Weight("0.35", WeightUnit.KG), Decimal("0.35")),
    ],
    ids=["1 lb", "1 oz", "16 oz", "1000 g", "0.35 kg"],
)
def test_a_weight_converts_to_kilograms_exactly(weight: Weight, expected_kg: Decimal):
    assert kilograms(weight) == expected_kg


def test_an_ounce_is_exactly_a_sixteenth_of_a_pound():
    assert kilograms(Weight(1, WeightUnit.OZ)) * 16 == kilograms(Weight(1, WeightUnit.LB))


def test_an_inch_is_2_54_cm_and_10_mm_is_1_cm():
    assert dimensions_cm(Dimensions(1, 1, 1, LengthUnit.IN)) == (Decimal("2.54"),) * 3
    assert dimensions_cm(Dimensions(10, 10, 10, LengthUnit.MM)) == (Decimal(1),) * 3


def test_dimensions_come_back_largest_side_first():
    assert dimensions_cm(cm(20, 40, 30)) == (Decimal(40), Decimal(30), Decimal(20))
    assert dimensions_cm(Dimensions(2, 10, 5, LengthUnit.IN)) == (
        Decimal("25.40"),
        Decimal("12.70"),
        Decimal("5.08"),
    )


def test_volume_is_exact_in_cubic_centimetres():
    assert volume_cm3(Dimensions(1, 1, 1, LengthUnit.IN)) == Decimal("16.387064")
    assert volume_cm3(Dimensions(100, 100, 100, LengthUnit.MM)) == Decimal(1000)


# --- rate kinds --------------------------------------------------------------------------------


def test_a_flat_rate_is_one_price_whatever_the_weight():
    rate = ShippingRate("R", Flat(usd("15.00")))
    assert amount(quote(rate, "0.1")) == Decimal("15.00")
    assert amount(quote(rate, "250")) == Decimal("15.00")


BRACKETS = WeightBrackets(((1, usd("5.00")), (5, usd("9.00")), (20, usd("18.00"))))


@pytest.mark.parametrize(
    ("weight_kg", "expected"),
    [
        ("0.5", "5.00"),
        ("1", "5.00"),
        ("1.001", "9.00"),
        ("5", "9.00"),
        ("5.01", "18.00"),
        ("20", "18.00"),
    ],
)
def test_weight_brackets_price_at_and_just_over_each_limit(weight_kg: str, expected: str):
    found = quote(ShippingRate("R", BRACKETS), weight_kg)
    assert amount(found) == Decimal(expected)


def test_weight_brackets_beyond_the_last_bracket_are_not_offered_and_say_why():
    found = quote(ShippingRate("R", BRACKETS), "20.01")
    assert found.options == ()
    assert found.reasons == ("R: no bracket for 20.01 kg / order 10.00",)


def test_weight_brackets_are_sorted_whatever_order_they_are_given_in():
    rate = ShippingRate("R", WeightBrackets(((5, usd("9.00")), (1, usd("5.00")))))
    assert amount(quote(rate, "0.5")) == Decimal("5.00")
    assert amount(quote(rate, "3")) == Decimal("9.00")


def test_a_weight_bracket_reason_names_its_own_limit_even_when_prices_are_shared():
    # given: one Money object used for two brackets
    same = usd("7.00")
    rate = ShippingRate("R", WeightBrackets(((1, same), (5, same))))
    # when
    found = quote(rate, "3")
    # then
    assert found.option("R").reason.endswith("3 kg is in the bracket up to 5 kg: 7.00")


@pytest.mark.parametrize(
    ("subtotal", "expected"),
    [("0.00", "7.00"), ("50.00", "7.00"), ("50.01", "4.00"), ("100.00", "4.00")],
)
def test_price_brackets_price_by_the_order_amount_up_to_each_limit(subtotal: str, expected: str):
    rate = ShippingRate("R", PriceBrackets(((usd("50.00"), usd("7.00")), (100, usd("4.00")))))
    assert amount(quote(rate, "1", subtotal=subtotal)) == Decimal(expected)


def test_price_brackets_beyond_the_last_bracket_are_not_offered():
    rate = ShippingRate("R", PriceBrackets(((usd("50.00"), usd("7.00")),)))
    found = quote(rate, "1", subtotal="50.01")
    assert found.options == ()
    assert found.reasons == ("R: no bracket for 1 kg / order 50.01",)


def test_per_item_counts_only_the_units_that_need_shipping():
    # given: 3 parcels to ship and 2 e-books that are not shipped
    draft = order(3, digital=2)
    zone = ShippingZone("Z", countries={"US"}, rates=[ShippingRate("R", PerItem(usd("2.50")))])
    # when
    found = find_rates(draft, [zone], usd("40.00"))
    # then
    assert amount(found) == Decimal("7.50")
    assert found.option("R").reason.endswith("3 item(s) x 2.50 = 7.50")


@pytest.mark.parametrize(
    ("weight_kg", "expected"),
    [("0.1", "7.00"), ("1", "7.00"), ("2", "9.00"), ("2.01", "11.00"), ("10", "25.00")],
)
def test_base_plus_per_kg_charges_every_started_kilogram(weight_kg: str, expected: str):
    # 5.00 + 2.00 per started kg: 2.01 kg is 3 started kilograms
    rate = ShippingRate("R", BasePlusPerKg(usd("5.00"), usd("2.00")))
    assert amount(quote(rate, weight_kg)) == Decimal(expected)


def test_base_plus_per_kg_says_how_many_kilograms_were_started():
    rate = ShippingRate("R", BasePlusPerKg(usd("5.00"), usd("2.00")))
    assert quote(rate, "2.01").option("R").reason == (
        "billable 2.01 kg; 5.00 + 3 kg x 2.00 = 11.00"
    )


def test_a_whole_number_of_kilograms_reads_as_a_plain_number():
    # given: a package of exactly 10 kg
    rate = ShippingRate("R", Flat(usd("15.00")))
    # when
    option = quote(rate, "10").option("R")
    # then: "10", not the scientific "1E+1" that Decimal.normalize() gives
    assert option.billable_kg == Decimal(10)
    assert str(option.billable_kg) == "10"
    assert option.reason == "billable 10 kg; flat 15.00"


@pytest.mark.parametrize(
    ("subtotal", "expected"), [("74.99", "9.00"), ("75.00", "0.00"), ("75.01", "0.00")]
)
def test_a_rate_is_free_from_exactly_its_threshold(subtotal: str, expected: str):
    rate = ShippingRate("R", BRACKETS, free_from=usd("75.00"))
    found = quote(rate, "3", subtotal=subtotal)
    assert amount(found) == Decimal(expected)
    assert str(amount(found)) == expected


def test_a_rate_under_its_minimum_weight_is_not_offered():
    rate = ShippingRate("R", Flat(usd("15.00")), min_kg=1)
    assert quote(rate, "0.99").reasons == ("R: 0.99 kg is under its minimum of 1 kg",)
    assert amount(quote(rate, "1")) == Decimal("15.00")


def test_a_rate_over_its_maximum_weight_is_not_offered():
    rate = ShippingRate("R", Flat(usd("15.00")), max_kg="10")
    assert amount(quote(rate, "10")) == Decimal("15.00")
    assert quote(rate, "10.01").reasons == ("R: 10.01 kg is over its maximum of 10 kg",)


def test_without_a_divisor_a_bulky_package_is_charged_by_its_actual_weight():
    rate = ShippingRate("R", Flat(usd("15.00")))
    assert quote(rate, "1.5", sides=(40, 30, 20)).option("R").billable_kg == Decimal("1.5")


def test_with_divisor_5000_a_bulky_package_is_charged_by_its_volume():
    rate = ShippingRate("R", Flat(usd("15.00")), dim_divisor=5000)
    option = quote(rate, "1.5", sides=(40, 30, 20)).option("R")
    assert option.billable_kg == Decimal("4.8")
    assert "dimensional divisor 5000" in option.reason


def test_with_a_divisor_a_dense_package_is_charged_by_its_actual_weight():
    rate = ShippingRate("R", Flat(usd("15.00")), dim_divisor=5000)
    assert quote(rate, "2", sides=(10, 10, 10)).option("R").billable_kg == Decimal(2)


def test_a_divisor_does_nothing_to_a_package_without_dimensions():
    rate = ShippingRate("R", Flat(usd("15.00")), dim_divisor=5000)
    assert quote(rate, "0.3").option("R").billable_kg == Decimal("0.3")


def test_options_are_sorted_by_price_then_method():
    zone = ShippingZone(
        "Z",
        countries={"US"},
        rates=[
            ShippingRate("Express", Flat(usd("15.00"))),
            ShippingRate("Courier", Flat(usd("9.00"))),
            ShippingRate("Ground", Flat(usd("9.00"))),
        ],
    )
    found = find_rates(order(), [zone], usd("10.00"))
    assert [o.method for o in found.options] == ["Courier", "Ground", "Express"]


# --- zones -----------------------------------------------------------------------------------


def zone(name: str, **where: Any) -> ShippingZone:
    return ShippingZone(name, rates=[ShippingRate("R", Flat(usd("1.00")))], **where)


ZONES = [
    zone("country", countries={"US"}),
    zone("region", countries={"US"}, regions={"NY"}),
    zone("postal", countries={"US"}, postal_codes=["100*"]),
]


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        (Address(country="US", region="NY", postal_code="10001"), "postal"),
        (Address(country="US", region="CA", postal_code="10001"), "postal"),
        (Address(country="US", region="NY", postal_code="12001"), "region"),
        (Address(country="US", region="CA", postal_code="90210"), "country"),
        (Address(country="US"), "country"),
    ],
    ids=["postal+region", "postal only", "region only", "country only", "bare country"],
)
def test_a_postal_glob_beats_a_region_which_beats_a_country(address: Address, expected: str):
    found = find_zone(ZONES, address)
    assert found is not None
    assert found.name == expected
    assert find_zone(list(reversed(ZONES)), address).name == expected  # type: ignore[union-attr]


def test_on_a_tie_the_first_listed_zone_wins():
    first, second = zone("first", countries={"US"}), zone("second", countries={"US", "CA"})
    assert find_zone([first, second], Address(country="US")).name == "first"  # type: ignore[union-attr]
    assert find_zone([second, first], Address(country="US")).name == "second"  # type: ignore[union-attr]


def test_regions_match_whatever_their_case():
    lower = zone("ny", countries={"us"}, regions={"ny"})
    assert find_zone([lower], Address(country="US", region="Ny")) is lower
    assert find_zone([lower], Address(country="us", region="NY")) is lower


def test_an_address_in_no_zone_finds_none():
    assert find_zone(ZONES, Address(country="CA", region="NY")) is None
    assert find_zone([zone("ny", countries={"US"}, regions={"NY"})], Address(country="US")) is None


def test_find_rates_uses_the_most_specific_zone():
    cheap = ShippingZone(
        "Local",
        countries={"US"},
        postal_codes=["100*"],
        rates=[ShippingRate("R", Flat(usd("2.00")))],
    )
    whole = ShippingZone("US", countries={"US"}, rates=[ShippingRate("R", Flat(usd("8.00")))])
    found = find_rates(order(), [whole, cheap], usd("10.00"))
    assert (found.zone, amount(found)) == ("Local", Decimal("2.00"))


# --- the packer ------------------------------------------------------------------------------


SMALL = Box("Small", cm(20, 15, 10), kg("5"), kg("0.2"))
LARGE = Box("Large", cm(40, 30, 30), kg("20"), kg("0.5"))


def test_each_unit_that_ships_alone_gets_its_own_package():
    # given
    lamp = line("L1", 3, weight=kg("1.5"), dimensions=cm(20, 40, 30), ships_alone=True)
    # when
    packages = pack([lamp], [SMALL, LARGE])
    # then
    assert (
        packages
        == (Package(None, (Decimal(40), Decimal(30), Decimal(20)), Decimal("1.5"), (("L1", 1),)),)
        * 3
    )


def test_without_boxes_the_rest_is_one_loose_package_by_actual_weight():
    # given: 2 x 0.3 kg and 1 x 8 oz, plus a lamp that ships alone
    lines = [
        line("L1", 2, weight=kg("0.3")),
        line("L2", 1, weight=Weight(8, WeightUnit.OZ), dimensions=cm(50, 50, 50)),
        line("L3", 1, weight=kg("1.5"), dimensions=cm(40, 30, 20), ships_alone=True),
    ]
    # when
    packages = pack(lines)
    # then
    assert len(packages) == 2
    loose = packages[1]
    assert loose == Package(None, None, Decimal("0.826796185"), (("L1", 2), ("L2", 1)))
    assert loose.billable_kg(Decimal(5000)) == Decimal("0.826796185")


def test_a_unit_goes_into_the_smallest_box_it_fits_in():
    # given: the catalog lists the large box first
    small_unit = line("L1", 1, weight=kg("1"), dimensions=cm(8, 18, 12))
    # when
    (package,) = pack([small_unit], [LARGE, SMALL])
    # then: the box's own weight is counted
    assert package.box == "Small"
    assert package.sides_cm == (Decimal(20), Decimal(15), Decimal(10))
    assert package.weight_kg == Decimal("1.2")
    assert package.contents == (("L1", 1),)


def test_a_unit_too_long_for_the_small_box_goes_into_the_large_one():
    long_unit = line("L1", 1, weight=kg("1"), dimensions=cm(25, 10, 10))
    (package,) = pack([long_unit], [SMALL, LARGE])
    assert package.box == "Large"


def test_the_largest_units_are_packed_first_and_smaller_ones_fill_the_open_package():
    # given: the small unit is listed first, but the large one is packed first
    lines = [
        line("L1", 1, weight=kg("1"), dimensions=cm(10, 10, 10)),
        line("L2", 1, weight=kg("2"), dimensions=cm(35, 25, 25)),
    ]
    # when
    (package,) = pack(lines, [SMALL, LARGE])
    # then: the small unit joins the open large box rather than a new small one
    assert package.box == "Large"
    assert package.contents == (("L2", 1), ("L1", 1))
    assert package.weight_kg == Decimal("3.5")


def test_a_box_never_weighs_more_than_its_maximum():
    # given: at most 2 kg, 0.5 kg of it the box itself; units of 0.5 kg
    box = Box("Crate", cm(50, 50, 50), kg("2"), kg("0.5"))
    books = line("L1", 4, weight=kg("0.5"), dimensions=cm(10, 10, 10))
    # when
    packages = pack([books], [box])
    # then: three fill it to exactly 2 kg, the fourth opens another
    assert [(p.weight_kg, p.contents) for p in packages] == [
        (Decimal("2.0"), (("L1", 3),)),
        (Decimal("1.0"), (("L1", 1),)),
    ]


def test_a_box_never_holds_more_than_its_volume():
    # given: a 1000 cm3 box and 300 cm3 units
    box = Box("Cube", cm(10, 10, 10), kg("50"), kg("0.1"))
    tiles = line("L1", 4, weight=kg("0.1"), dimensions=cm(10, 10, 3))
    # when
    packages = pack([tiles], [box])
    # then
    assert [p.contents for p in packages] == [(("L1", 3),), (("L1", 1),)]


def test_a_unit_that_fits_in_no_box_raises_packing_error_naming_its_line():
    lines = [
        line("L1", 1, weight=kg("1"), dimensions=cm(10, 10, 10)),
        line("L2", 1, weight=kg("1"), dimensions=cm(41, 10, 10)),
    ]
    with pytest.raises(PackingError) as raised:
        pack(lines, [SMALL, LARGE])
    assert raised.value.line_id == "L2"
    assert "L2" in str(raised.value)
    assert isinstance(raised.value, ValidationError)


def test_a_unit_too_heavy_for_every_box_raises_packing_error():
    anvil = line("L1", 1, weight=kg("19.6"), dimensions=cm(10, 10, 10))
    with pytest.raises(PackingError) as raised:
        pack([anvil], [SMALL, LARGE])
    assert raised.value.line_id == "L1"


def test_lines_that_need_no_shipping_are_left_out():
    # given
    ebook = line("L1", 2, requires_shipping=False)
    mug = line("L2", 1, weight=kg("0.4"), dimensions=cm(10, 10, 10))
    # when / then: with boxes the e-book's missing dimensions do not matter
    assert [p.contents for p in pack([ebook, mug], [SMALL])] == [(("L2", 1),)]
    assert [p.contents for p in pack([ebook, mug])] == [(("L2", 1),)]
    assert pack([ebook]) == ()
    assert pack([ebook], [SMALL]) == ()


def test_a_unit_without_dimensions_raises_packing_error_when_boxes_are_used():
    shade = line("L1", 1, weight=kg("0.3"))
    with pytest.raises(PackingError) as raised:
        pack([shade], [SMALL])
    assert raised.value.line_id == "L1"
    assert pack([shade]) == (Package(None, None, Decimal("0.3"), (("L1", 1),)),)


def test_a_unit_that_ships_alone_without_dimensions_raises_packing_error():
    with pytest.raises(PackingError) as raised:
        pack([line("L1", 1, weight=kg("1"), ships_alone=True)])
    assert raised.value.line_id == "L1"


def test_find_rates_packs_into_the_boxes_it_is_given():
    # given: a 1 kg product in a 20 x 15 x 10 cm box of 0.2 kg; divisor 5000 -> 0.6 kg by volume
    catalog = Catalog.of(
        Product(
            sku="MUG",
            title="Mug",
            price=usd("12.00"),
            weight=kg("1"),
            dimensions=cm(10, 10, 10),
        )
    )
    draft = DraftOrder.new("S1", "USD", dt.date(2026, 11, 26)).set_shipping_address(US)
    draft = draft.add_product(catalog, "MUG", 2)
    rate = ShippingRate("R", Flat(usd("5.00")), dim_divisor=5000)
    # when
    found = find_rates(
        draft,
        [ShippingZone("Z", countries={"US"}, rates=[rate])],
        usd("24.00"),
        boxes=[SMALL, LARGE],
    )
    # then: both mugs in one small box, 2.2 kg actual beats 0.6 kg by volume
    assert [(p.box, p.contents) for p in found.packages] == [("Small", (("L1", 2),))]
    assert found.option("R").billable_kg == Decimal("2.2")


# --- invalid rate data -----------------------------------------------------------------------


def test_empty_brackets_are_refused():
    with pytest.raises(ValidationError):
        WeightBrackets(())
    with pytest.raises(ValidationError):
        PriceBrackets([])


def test_a_negative_bracket_limit_is_refused():
    with pytest.raises(ValidationError):
        WeightBrackets(((-1, usd("5.00")),))


@pytest.mark.parametrize("field", ["min_kg", "max_kg", "dim_divisor"])
def test_a_negative_weight_setting_is_refused(field: str):
    with pytest.raises(ValidationError):
        ShippingRate("R", Flat(usd("1.00")), **{field: Decimal("-0.5")})


def test_a_zero_dimensional_divisor_is_refused():
    # a divisor of 0 cm3 per kg means nothing, and would divide by zero when rating a box
    with pytest.raises(ValidationError):
        ShippingRate("R", Flat(usd("1.00")), dim_divisor=0)


def test_a_float_bracket_limit_is_refused():
    with pytest.raises(ValidationError):
        WeightBrackets(((1.5, usd("5.00")),))


def test_two_rates_with_one_method_in_a_zone_are_refused():
    with pytest.raises(ValidationError):
        ShippingZone(
            "Z",
            countries={"US"},
            rates=[
                ShippingRate("Standard", Flat(usd("5.00"))),
                ShippingRate("Standard", Flat(usd("9.00"))),
            ],
        )


def test_an_unknown_country_in_a_zone_is_refused():
    with pytest.raises(ValidationError):
        zone("Z", countries={"US", "ZZ"})


def test_countries_given_as_one_string_are_refused():
    with pytest.raises(ValidationError):
        zone("Z", countries="US")

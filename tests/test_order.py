"""What the edits of a draft order do when they succeed."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from builders import (
    EDITS,
    TODAY,
    catalog,
    editable_order,
    empty_order,
    flat_tax,
    money,
    shipped_order,
)
from draftorders import (
    Address,
    Catalog,
    Customer,
    DetailsFormat,
    DraftOrder,
    FixedClock,
    LineKind,
    ManualDiscount,
    OrderDetails,
    Product,
    Shop,
    ShopApp,
    Status,
    price,
)
from draftorders.lifecycle import complete
from draftorders.shop import Ports

CLOCK = FixedClock(dt.datetime(2026, 11, 26, 9, 30, tzinfo=dt.UTC))


def shop_on(clock: FixedClock = CLOCK) -> ShopApp:
    """A shop selling the builders' catalog, on ``clock``."""
    return ShopApp(Shop(catalog()), Ports(clock=clock))


GIFT_CATALOG = Catalog.of(
    Product(
        sku="BOOK",
        title="Cook book",
        price=money("24.50"),
        tax_category="reduced",
        taxable=False,
        tags=frozenset({"books", "gift"}),
        requires_shipping=False,
    )
)


def mug_order() -> DraftOrder:
    """A draft with one line: L1, two mugs at 12.99."""
    return empty_order().add_product(catalog(), "MUG", 2)


# -- line ids ---------------------------------------------------------------------------------


def test_line_ids_are_numbered_l1_l2_l3_in_the_order_lines_are_added() -> None:
    # given
    order = empty_order()
    # when
    order = (
        order.add_product(catalog(), "MUG")
        .add_custom_item("Engraving", "5.00")
        .add_product(catalog(), "TEA")
    )
    # then
    assert [line.id for line in order.lines] == ["L1", "L2", "L3"]


def test_a_removed_line_id_is_never_reused() -> None:
    # given
    order = empty_order().add_product(catalog(), "MUG").add_product(catalog(), "TEA")
    # when
    order = order.remove_line("L2").add_custom_item("Engraving", "5.00")
    # then
    assert [line.id for line in order.lines] == ["L1", "L3"]


def test_removing_a_line_keeps_the_ids_of_the_other_lines() -> None:
    # given
    order = (
        empty_order()
        .add_product(catalog(), "MUG")
        .add_product(catalog(), "TEA")
        .add_custom_item("Engraving", "5.00")
    )
    # when
    order = order.remove_line("L2")
    # then
    assert [(line.id, line.title) for line in order.lines] == [("L1", "Mug"), ("L3", "Engraving")]


def test_removing_every_line_does_not_restart_the_numbering() -> None:
    # given
    order = mug_order().remove_line("L1")
    # when
    order = order.add_product(catalog(), "TEA")
    # then
    assert [line.id for line in order.lines] == ["L2"]


# -- versions ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(EDITS))
def test_each_edit_returns_a_new_order_one_version_up(name: str) -> None:
    # given
    order = editable_order()
    before = order.version
    # when
    edited = EDITS[name](order)
    # then
    assert edited.version == before + 1
    assert order.version == before


def test_a_new_order_starts_as_a_draft_at_version_1() -> None:
    # given
    order_id, currency = "D1001", "USD"
    # when
    order = DraftOrder.new(order_id, currency, TODAY)
    # then
    assert (order.status, order.version, order.lines) == (Status.DRAFT, 1, ())


def test_setting_the_quantity_changes_only_that_line() -> None:
    # given
    order = mug_order().add_product(catalog(), "TEA")
    # when
    order = order.set_quantity("L1", 5)
    # then
    assert (order.line("L1").quantity, order.line("L2").quantity) == (5, 1)


# -- products and prices ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line_field", "expected"),
    [
        ("title", "Cook book"),
        ("list_price", money("24.50")),
        ("tax_category", "reduced"),
        ("tags", frozenset({"books", "gift"})),
        ("taxable", False),
        ("requires_shipping", False),
        ("sku", "BOOK"),
        ("kind", LineKind.PRODUCT),
    ],
)
def test_adding_a_product_copies_its_catalog_data_onto_the_line(
    line_field: str, expected: object
) -> None:
    # given
    order = empty_order()
    # when
    line = order.add_product(GIFT_CATALOG, "BOOK", 2).line("L1")
    # then
    assert getattr(line, line_field) == expected


def test_a_line_keeps_the_price_it_was_added_at_when_the_catalog_changes() -> None:
    # given
    order = mug_order()
    # when
    repriced = Catalog.of(Product(sku="MUG", title="Mug", price=money("15.00")))
    order = order.add_product(repriced, "MUG")
    # then
    assert order.line("L1").unit_price == money("12.99")
    assert order.line("L2").unit_price == money("15.00")


def test_a_custom_item_is_kept_with_its_own_settings() -> None:
    # given
    order = empty_order()
    # when
    line = order.add_custom_item(
        "Gift card", Decimal("50"), 2, taxable=False, requires_shipping=False, tax_category="gift"
    ).line("L1")
    # then
    assert (line.kind, line.title, line.unit_price, line.quantity) == (
        LineKind.CUSTOM,
        "Gift card",
        money("50.00"),
        2,
    )
    assert (line.taxable, line.requires_shipping, line.tax_category, line.sku) == (
        False,
        False,
        "gift",
        None,
    )


def test_a_manual_unit_price_overrides_the_list_price() -> None:
    # given
    order = mug_order()
    # when
    line = order.set_unit_price("L1", "9.99").line("L1")
    # then
    assert line.unit_price == money("9.99")
    assert line.list_price == money("12.99")


def test_setting_the_unit_price_to_none_goes_back_to_the_list_price() -> None:
    # given
    order = mug_order().set_unit_price("L1", "9.99")
    # when
    order = order.set_unit_price("L1", None)
    # then
    assert order.line("L1").unit_price_override is None
    assert order.line("L1").unit_price == money("12.99")


def test_the_manual_unit_price_is_what_pricing_uses() -> None:
    # given
    order = mug_order()
    # when
    priced = price(order.set_unit_price("L1", "10.00"), flat_tax("0"))
    # then
    assert priced.subtotal == money("20.00")


def test_a_fixed_discount_equal_to_the_line_amount_is_accepted() -> None:
    # given
    order = mug_order()
    # when
    order = order.set_line_discount("L1", ManualDiscount.fixed(money("25.98")))
    # then
    assert order.line("L1").discount == ManualDiscount.fixed(money("25.98"))


def test_a_line_discount_can_be_cleared() -> None:
    # given
    order = mug_order().set_discount_percentage("L1", "10")
    # when
    order = order.set_line_discount("L1", None)
    # then
    assert order.line("L1").discount is None


def test_shipping_can_be_set_and_cleared_on_an_order_with_a_shipping_address() -> None:
    # given
    order = shipped_order().set_shipping("Ground", "9.95")
    # when
    cleared = order.clear_shipping()
    # then
    assert order.shipping is not None
    assert order.shipping.price == money("9.95")
    assert cleared.shipping is None


# -- duplicate --------------------------------------------------------------------------------


def test_duplicating_makes_a_new_draft_with_a_new_id_at_version_1_with_the_same_lines() -> None:
    # given
    order = mug_order().add_custom_item("Engraving", "5.00").set_notes("rush")
    # when
    copied = order.duplicate("D2001", dt.date(2026, 12, 1))
    # then
    assert (copied.id, copied.version, copied.status) == ("D2001", 1, Status.DRAFT)
    assert copied.lines == order.lines
    assert copied.order_date == dt.date(2026, 12, 1)
    assert copied.notes == "rush"


def test_duplicating_a_completed_order_gives_an_editable_draft() -> None:
    # given
    order = mug_order()
    completed = complete(order, price(order, flat_tax())).order
    # when
    copied = completed.duplicate("D2001", TODAY)
    # then
    assert copied.status is Status.DRAFT
    assert copied.set_quantity("L1", 4).line("L1").quantity == 4


def test_a_duplicate_continues_the_line_numbering_of_its_source() -> None:
    # given
    order = mug_order().add_product(catalog(), "TEA").remove_line("L2")
    # when
    copied = order.duplicate("D2001", TODAY).add_custom_item("Engraving", "5.00")
    # then
    assert [line.id for line in copied.lines] == ["L1", "L3"]


# -- dates ------------------------------------------------------------------------------------


def test_the_order_date_defaults_to_today_on_the_shop_clock() -> None:
    # given
    app = shop_on(CLOCK)
    # when
    order = app.drafts.create()
    # then
    assert order.order_date == dt.date(2026, 11, 26)


def test_the_order_date_is_today_in_the_clocks_time_zone() -> None:
    # given
    late_evening = dt.datetime(2026, 11, 26, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    app = shop_on(FixedClock(late_evening))
    # when
    order = app.drafts.create()
    # then
    assert order.order_date == dt.date(2026, 11, 26)


def test_the_order_date_can_be_changed() -> None:
    # given
    order = shop_on(CLOCK).drafts.create()
    # when
    order = order.set_order_date(dt.date(2026, 12, 24))
    # then
    assert order.order_date == dt.date(2026, 12, 24)


def test_an_explicit_order_date_wins_over_the_clock() -> None:
    # given
    app = shop_on(CLOCK)
    # when
    order = app.drafts.create(order_date=dt.date(2026, 1, 15))
    # then
    assert order.order_date == dt.date(2026, 1, 15)


# -- customers and addresses ------------------------------------------------------------------


def test_a_customer_created_on_the_spot_can_be_attached() -> None:
    # given
    order = mug_order()
    walk_in = Customer(id="C42", name="Grace Hopper", email=" grace@example.com ")
    # when
    order = order.set_customer(walk_in)
    # then
    assert order.customer == walk_in
    assert order.customer is not None
    assert order.customer.email == "grace@example.com"


def test_a_customer_can_be_detached() -> None:
    # given
    order = mug_order().set_customer(Customer(id="C42", name="Grace Hopper"))
    # when
    order = order.set_customer(None)
    # then
    assert order.customer is None


def test_an_order_can_be_created_for_a_new_customer_through_the_shop() -> None:
    # given
    app = shop_on(CLOCK)
    customer = Customer(id="C7", name="Ada Lovelace").with_address(Address(country="GB"))
    # when
    order = app.drafts.create(customer=customer)
    # then
    assert app.drafts.get(order.id).customer == customer
    assert app.customers.get("C7") == customer
    assert customer.addresses == (Address(country="GB"),)


@pytest.mark.parametrize(("given", "expected"), [("us", "US"), ("Gb", "GB"), ("DE", "DE")])
def test_an_address_normalises_its_country_to_upper_case(given: str, expected: str) -> None:
    # given
    country = given
    # when
    address = Address(country=country)
    # then
    assert address.country == expected


def test_address_text_fields_are_trimmed_and_blanks_become_none() -> None:
    # given
    city, line2 = "  New York ", "   "
    # when
    address = Address(country="us", city=city, line2=line2)
    # then
    assert (address.city, address.line2) == ("New York", None)


def test_billing_and_shipping_addresses_are_kept_apart() -> None:
    # given
    order = mug_order()
    # when
    order = order.set_billing_address(Address(country="GB")).set_shipping_address(
        Address(country="fr")
    )
    # then
    assert order.billing_address == Address(country="GB")
    assert order.shipping_address == Address(country="FR")


# -- order details ----------------------------------------------------------------------------


def test_json_order_details_read_back_as_data() -> None:
    # given
    details = OrderDetails.json('{"gift": true, "note": "ring twice", "boxes": [1, 2]}')
    # when
    data = details.parsed()
    # then
    assert data == {"gift": True, "note": "ring twice", "boxes": [1, 2]}


def test_json_floats_read_back_as_decimals() -> None:
    # given
    details = OrderDetails.json('{"weight": 1.10, "ratio": 0.1}')
    # when
    data = details.parsed()
    # then
    assert data == {"weight": Decimal("1.10"), "ratio": Decimal("0.1")}
    assert all(isinstance(value, Decimal) for value in data.values())


def test_order_details_from_data_round_trip_through_parsed() -> None:
    # given
    data = {"customer_ref": "PO-77", "lines": [{"sku": "MUG", "qty": 3}], "gift": False}
    # when
    details = OrderDetails.from_data(data)
    # then
    assert details.format is DetailsFormat.JSON
    assert details.parsed() == data


def test_floats_in_order_details_data_come_back_as_decimals() -> None:
    # given
    data = {"weight_kg": 1.25}
    # when
    parsed = OrderDetails.from_data(data).parsed()
    # then
    assert parsed == {"weight_kg": Decimal("1.25")}
    assert isinstance(parsed["weight_kg"], Decimal)


def test_xml_order_details_read_back_as_an_element() -> None:
    # given
    text = '<details><gift wrap="yes">Happy birthday</gift></details>'
    # when
    element = OrderDetails.xml(text).parsed()
    # then
    assert element.tag == "details"
    gift = element.find("gift")
    assert gift is not None
    assert (gift.get("wrap"), gift.text) == ("yes", "Happy birthday")
    assert ET.tostring(element, encoding="unicode") == text


def test_order_details_are_kept_verbatim_on_the_order() -> None:
    # given
    text = '{ "b": 1,  "a": 2 }'
    order = mug_order()
    # when
    order = order.set_details(OrderDetails.json(text))
    # then
    assert order.details is not None
    assert order.details.text == text
    assert order.details.format is DetailsFormat.JSON

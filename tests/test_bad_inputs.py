"""Every bad input is refused with a typed error, and the order it was aimed at is unchanged."""

from __future__ import annotations

import copy
from collections.abc import Callable
from decimal import Decimal

import pytest

from builders import TODAY, catalog, empty_order, money, shipped_order
from draftorders import (
    Address,
    ConcurrencyConflict,
    CurrencyMismatch,
    Customer,
    DiscountExceedsAmount,
    DraftOrder,
    DraftOrdersError,
    DuplicateOrderId,
    FloatAmountError,
    InMemoryStore,
    InvalidAddress,
    InvalidAmount,
    InvalidPercentage,
    InvalidQuantity,
    InvalidTransition,
    MalformedOrderDetails,
    ManualDiscount,
    NotFound,
    OrderDetails,
    OrderLocked,
    OrderNotFound,
    Product,
    ShippingAddressRequired,
    Shop,
    ShopApp,
    UnknownLine,
    UnknownSku,
    ValidationError,
)

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<lolz>&lol9;</lolz>
"""


SMALL_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<lolz>&lol3;</lolz>
"""
"""The same attack scaled down below expat's own amplification limit: only defusing stops it."""


def mug_order() -> DraftOrder:
    """A draft with one line: L1, two mugs at 12.99 (line amount 25.98)."""
    return empty_order().add_product(catalog(), "MUG", 2)


def discounted_mug_order() -> DraftOrder:
    """Two mugs (25.98) with a fixed 20.00 off the line."""
    return mug_order().set_line_discount("L1", ManualDiscount.fixed(money("20.00")))


def assert_unchanged(order: DraftOrder, before: DraftOrder) -> None:
    assert order == before
    assert order.version == before.version


# -- floats where money goes ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "edit"),
    [
        ("price", lambda o: o.add_custom_item("Gift wrap", 12.99)),
        ("unit_price", lambda o: o.set_unit_price("L1", 12.99)),
    ],
    ids=["custom item price", "set_unit_price"],
)
def test_a_float_price_is_refused_and_names_the_field(
    field: str, edit: Callable[[DraftOrder], DraftOrder]
) -> None:
    # given
    order = mug_order()
    before = copy.deepcopy(order)
    # when
    with pytest.raises(FloatAmountError) as caught:
        edit(order)
    # then
    assert caught.value.field == field
    assert "Decimal('12.99')" in str(caught.value)
    assert_unchanged(order, before)


def test_a_float_shipping_price_is_refused_and_names_the_field() -> None:
    # given
    order = shipped_order()
    before = copy.deepcopy(order)
    # when
    with pytest.raises(FloatAmountError) as caught:
        order.set_shipping("Ground", 9.95)
    # then
    assert caught.value.field == "shipping.price"
    assert "Decimal('9.95')" in str(caught.value)
    assert_unchanged(order, before)


def test_a_float_product_price_is_refused_as_a_float_and_names_the_field() -> None:
    # given
    sku, title, price = "MUG", "Mug", 12.99
    # when
    with pytest.raises(FloatAmountError) as caught:
        Product(sku=sku, title=title, price=price)  # type: ignore[arg-type]
    # then
    assert caught.value.field == "price"
    assert "Decimal('12.99')" in str(caught.value)


# -- quantities -------------------------------------------------------------------------------

BAD_QUANTITIES = [
    pytest.param(-1, InvalidQuantity, id="negative"),
    pytest.param(0, InvalidQuantity, id="zero"),
    pytest.param("2", InvalidQuantity, id="text"),
    pytest.param(True, InvalidQuantity, id="bool"),
    pytest.param(Decimal("2"), InvalidQuantity, id="Decimal"),
    pytest.param(1.5, FloatAmountError, id="fractional float"),
    pytest.param(2.0, FloatAmountError, id="whole float"),
]


@pytest.mark.parametrize(("quantity", "error"), BAD_QUANTITIES)
def test_adding_a_product_with_a_bad_quantity_is_refused(
    quantity: object, error: type[ValidationError]
) -> None:
    # given
    order = mug_order()
    before = copy.deepcopy(order)
    # when
    with pytest.raises(error) as caught:
        order.add_product(catalog(), "TEA", quantity)  # type: ignore[arg-type]
    # then
    assert caught.value.field.endswith("quantity")
    assert_unchanged(order, before)


@pytest.mark.parametrize(("quantity", "error"), BAD_QUANTITIES)
def test_adding_a_custom_item_with_a_bad_quantity_is_refused(
    quantity: object, error: type[ValidationError]
) -> None:
    # given
    order = mug_order()
    before = copy.deepcopy(order)
    # when
    with pytest.raises(error) as caught:
        order.add_custom_item("Engraving", "5.00", quantity)  # type: ignore[arg-type]
    # then
    assert caught.value.field.endswith("quantity")
    assert_unchanged(order, before)


@pytest.mark.parametrize(("quantity", "error"), BAD_QUANTITIES)
def test_setting_a_bad_quantity_is_refused(quantity: object, error: type[ValidationError]) -> None:
    # given
    order = mug_order()
    before = copy.deepcopy(order)
    # when
    with pytest.raises(error) as caught:
        order.set_quantity("L1", quantity)  # type: ignore[arg-type]
    # then
    assert caught.value.field.endswith("quantity")
    assert_unchanged(order, before)


# -- currencies -------------------------------------------------------------------------------


def test_a_product_priced_in_another_currency_is_refused() -> None:
    # given
    order = mug_order()
    before = copy.deepcopy(order)
    # when
    with pytest.raises(CurrencyMismatch) as caught:
        order.add_product(catalog("EUR"), "TEA")
    # then
    assert (caught.value.expected, caught.value.got) == ("USD", "EUR")
    assert_unchanged(order, before)


def test_a_custom_item_priced_in_another_currency_is_refused() -> None:
    # given
    order = mug_order()
    before = copy.deepcopy(order)
    # when
    with pytest.raises(CurrencyMismatch) as caught:
        order.add_custom_item("Engraving", money("5.00", "EUR"))
    # then
    assert (caught.value.expected, caught.value.got) == ("USD", "EUR")
    assert caught.value.field == "price"
    assert_unchanged(order, before)


def test_a_unit_price_in_another_currency_is_refused() -> None:
    # given
    order = mug_order()
    before = copy.deepcopy(order)
    # when
    with pytest.raises(CurrencyMismatch) as caught:
        order.set_unit_price("L1", money("10.00", "EUR"))
    # then
    assert (caught.value.expected, caught.value.got) == ("USD", "EUR")
    assert_unchanged(order, before)


def test_a_fixed_line_discount_in_another_currency_is_refused() -> None:
    # given
    order = mug_order()
    before = copy.deepcopy(order)
    # when
    with pytest.raises(CurrencyMismatch) as caught:
        order.set_line_discount("L1", ManualDiscount.fixed(money("1.00", "EUR")))
    # then
    assert (caught.value.expected, caught.value.got) == ("USD", "EUR")
    assert_unchanged(order, before)


def test_a_fixed_order_discount_in_another_currency_is_refused() -> None:
    # given
    order = mug_order()
    before = copy.deepcopy(order)
    # when
    with pytest.raises(CurrencyMismatch) as caught:
        order.set_order_discount(ManualDiscount.fixed(money("1.00", "EUR")))
    # then
    assert (caught.value.expected, caught.value.got) == ("USD", "EUR")
    assert caught.value.field == "order_discount"
    assert_unchanged(order, before)


# -- amounts ----------------------------------------------------------------------------------


@pytest.mark.parametrize("price", ["-1.00", "1.001"], ids=["negative", "finer than a cent"])
def test_a_negative_or_too_precise_custom_price_is_refused(price: str) -> None:
    # given
    order = mug_order()
    before = copy.deepcopy(order)
    # when
    with pytest.raises(InvalidAmount) as caught:
        order.add_custom_item("Engraving", price)
    # then
    assert caught.value.field == "price"
    assert_unchanged(order, before)


# -- percentages ------------------------------------------------------------------------------


@pytest.mark.parametrize("percentage", ["100.01", "101", "-0.01", "-5"])
def test_a_line_percentage_outside_0_to_100_is_refused(percentage: str) -> None:
    # given
    order = mug_order()
    before = copy.deepcopy(order)
    # when
    with pytest.raises(InvalidPercentage) as caught:
        order.set_discount_percentage("L1", percentage)
    # then
    assert caught.value.field == "percentage"
    assert_unchanged(order, before)


@pytest.mark.parametrize("percentage", ["150", "-1"])
def test_an_order_percentage_outside_0_to_100_is_refused(percentage: str) -> None:
    # given
    order = mug_order()
    before = copy.deepcopy(order)
    # when
    with pytest.raises(InvalidPercentage):
        order.set_order_discount(ManualDiscount.percent(percentage))
    # then
    assert_unchanged(order, before)


def test_a_float_percentage_is_refused() -> None:
    # given
    order = mug_order()
    before = copy.deepcopy(order)
    # when
    with pytest.raises(FloatAmountError) as caught:
        order.set_discount_percentage("L1", 10.0)
    # then
    assert caught.value.field == "percentage"
    assert_unchanged(order, before)


# -- discounts larger than what they discount -------------------------------------------------


def test_a_fixed_line_discount_larger_than_the_line_is_refused() -> None:
    # given
    order = mug_order()
    before = copy.deepcopy(order)
    # when
    with pytest.raises(DiscountExceedsAmount) as caught:
        order.set_line_discount("L1", ManualDiscount.fixed(money("25.99")))
    # then
    assert caught.value.field == "lines[L1].discount"
    assert_unchanged(order, before)


def test_a_per_unit_discount_larger_than_the_unit_price_is_refused() -> None:
    # given
    order = mug_order()
    before = copy.deepcopy(order)
    # when
    with pytest.raises(DiscountExceedsAmount) as caught:
        order.set_line_discount("L1", ManualDiscount.per_unit(money("13.00")))
    # then
    assert caught.value.field == "lines[L1].discount"
    assert_unchanged(order, before)


def test_lowering_the_quantity_below_an_existing_fixed_discount_is_refused() -> None:
    # given
    order = discounted_mug_order()
    before = copy.deepcopy(order)
    # when
    with pytest.raises(DiscountExceedsAmount):
        order.set_quantity("L1", 1)
    # then
    assert_unchanged(order, before)


def test_lowering_the_unit_price_below_an_existing_fixed_discount_is_refused() -> None:
    # given
    order = discounted_mug_order()
    before = copy.deepcopy(order)
    # when
    with pytest.raises(DiscountExceedsAmount):
        order.set_unit_price("L1", "9.00")
    # then
    assert_unchanged(order, before)


def test_lowering_the_unit_price_below_an_existing_per_unit_discount_is_refused() -> None:
    # given
    order = mug_order().set_line_discount("L1", ManualDiscount.per_unit(money("10.00")))
    before = copy.deepcopy(order)
    # when
    with pytest.raises(DiscountExceedsAmount):
        order.set_unit_price("L1", "9.99")
    # then
    assert_unchanged(order, before)


def test_a_per_unit_discount_as_the_order_discount_is_refused() -> None:
    # given
    order = mug_order()
    before = copy.deepcopy(order)
    # when
    with pytest.raises(ValidationError) as caught:
        order.set_order_discount(ManualDiscount.per_unit(money("1.00")))
    # then
    assert caught.value.field == "order_discount"
    assert_unchanged(order, before)


# -- lookups ----------------------------------------------------------------------------------


def test_an_unknown_sku_is_refused_as_a_lookup_error() -> None:
    # given
    order = mug_order()
    before = copy.deepcopy(order)
    # when
    with pytest.raises(LookupError) as caught:
        order.add_product(catalog(), "TEAPOT")
    # then
    assert isinstance(caught.value, UnknownSku)
    assert caught.value.key == "TEAPOT"
    assert_unchanged(order, before)


@pytest.mark.parametrize(
    "edit",
    [
        lambda o: o.set_quantity("L9", 2),
        lambda o: o.set_unit_price("L9", "1.00"),
        lambda o: o.set_line_discount("L9", None),
        lambda o: o.set_discount_percentage("L9", "10"),
        lambda o: o.remove_line("L9"),
    ],
    ids=[
        "set_quantity",
        "set_unit_price",
        "set_line_discount",
        "set_discount_percentage",
        "remove_line",
    ],
)
def test_an_unknown_line_id_is_refused(edit: Callable[[DraftOrder], DraftOrder]) -> None:
    # given
    order = mug_order()
    before = copy.deepcopy(order)
    # when
    with pytest.raises(UnknownLine) as caught:
        edit(order)
    # then
    assert caught.value.key == "L9"
    assert_unchanged(order, before)


def test_a_removed_line_is_unknown_afterwards() -> None:
    # given
    order = mug_order().add_product(catalog(), "TEA").remove_line("L1")
    before = copy.deepcopy(order)
    # when
    with pytest.raises(UnknownLine):
        order.set_quantity("L1", 3)
    # then
    assert_unchanged(order, before)


# -- store and shop ---------------------------------------------------------------------------


def test_saving_a_new_order_under_a_used_id_in_the_store_is_refused() -> None:
    # given
    store = InMemoryStore()
    stored = mug_order()
    with store.unit() as unit:
        unit.orders.add(stored)
    before = copy.deepcopy(stored)
    # when
    with pytest.raises(DuplicateOrderId) as caught, store.unit() as unit:
        unit.orders.add(empty_order(stored.id))
    # then
    assert caught.value.order_id == stored.id
    with store.unit(write=False) as unit:
        assert_unchanged(unit.orders.get(stored.id), before)


def test_creating_an_order_under_a_used_id_through_the_shop_is_refused() -> None:
    # given
    app = ShopApp(Shop(catalog()))
    existing = app.drafts.edit(app.drafts.create().id, lambda o: o.add_product(catalog(), "MUG"))
    before = copy.deepcopy(existing)
    # when
    with pytest.raises(DuplicateOrderId) as caught:
        app.drafts.create(order_id=existing.id)
    # then
    assert caught.value.order_id == existing.id
    assert_unchanged(app.drafts.get(existing.id), before)
    assert [o.id for o in app.drafts.find()] == [existing.id]


# -- order details ----------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["{bad", "", "[1, 2", "{'single': 'quotes'}"])
def test_malformed_json_order_details_are_refused(text: str) -> None:
    # given
    order = mug_order()
    before = copy.deepcopy(order)
    # when
    with pytest.raises(MalformedOrderDetails) as caught:
        order.set_details(OrderDetails.json(text))
    # then
    assert caught.value.field == "details"
    assert_unchanged(order, before)


@pytest.mark.parametrize("text", ["<a>", "", "<a></b>", "just text"])
def test_malformed_xml_order_details_are_refused(text: str) -> None:
    # given
    order = mug_order()
    before = copy.deepcopy(order)
    # when
    with pytest.raises(MalformedOrderDetails) as caught:
        order.set_details(OrderDetails.xml(text))
    # then
    assert caught.value.field == "details"
    assert_unchanged(order, before)


@pytest.mark.parametrize(
    "bomb", [BILLION_LAUGHS, SMALL_LAUGHS], ids=["billion laughs", "a thousand laughs"]
)
def test_an_xml_entity_expansion_bomb_is_refused_without_expanding_it(bomb: str) -> None:
    # given
    order = mug_order()
    before = copy.deepcopy(order)
    # when
    with pytest.raises(MalformedOrderDetails) as caught:
        order.set_details(OrderDetails.xml(bomb))
    # then
    assert caught.value.field == "details"
    assert_unchanged(order, before)


def test_an_xml_external_entity_is_refused_without_reading_it() -> None:
    # given
    order = mug_order()
    before = copy.deepcopy(order)
    payload = (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'
    )
    # when
    with pytest.raises(MalformedOrderDetails) as caught:
        order.set_details(OrderDetails.xml(payload))
    # then
    assert caught.value.field == "details"
    assert_unchanged(order, before)


def test_order_details_from_data_that_is_not_json_serialisable_are_refused() -> None:
    # given
    order = mug_order()
    before = copy.deepcopy(order)
    # when
    with pytest.raises(MalformedOrderDetails):
        order.set_details(OrderDetails.from_data({"when": object()}))
    # then
    assert_unchanged(order, before)


# -- shipping ---------------------------------------------------------------------------------


def test_a_shipping_line_without_a_shipping_address_is_refused() -> None:
    # given
    order = mug_order()
    before = copy.deepcopy(order)
    # when
    with pytest.raises(ShippingAddressRequired) as caught:
        order.set_shipping("Ground", "9.95")
    # then
    assert caught.value.field == "shipping"
    assert_unchanged(order, before)


def test_clearing_the_shipping_address_while_a_shipping_line_exists_is_refused() -> None:
    # given
    order = shipped_order().set_shipping("Ground", "9.95")
    before = copy.deepcopy(order)
    # when
    with pytest.raises(ShippingAddressRequired):
        order.set_shipping_address(None)
    # then
    assert_unchanged(order, before)


# -- ids, addresses, customers ----------------------------------------------------------------


@pytest.mark.parametrize("order_id", ["", "-D1", "D 1", "D1!", "x" * 65, 1001])
def test_an_invalid_order_id_is_refused_for_a_new_order(order_id: object) -> None:
    # given
    currency, date = "USD", TODAY
    # when
    with pytest.raises(ValidationError) as caught:
        DraftOrder.new(order_id, currency, date)  # type: ignore[arg-type]
    # then
    assert caught.value.field == "order_id"


def test_an_invalid_order_id_is_refused_when_duplicating() -> None:
    # given
    order = mug_order()
    before = copy.deepcopy(order)
    # when
    with pytest.raises(ValidationError) as caught:
        order.duplicate("not valid!", TODAY)
    # then
    assert caught.value.field == "order_id"
    assert_unchanged(order, before)


def test_an_invalid_order_id_is_refused_by_the_shop_and_nothing_is_stored() -> None:
    # given
    app = ShopApp(Shop(catalog()))
    # when
    with pytest.raises(ValidationError) as caught:
        app.drafts.create(order_id="bad id")
    # then
    assert caught.value.field == "order_id"
    assert app.drafts.find() == []


@pytest.mark.parametrize("country", ["XX", "EU", "ZZ", "USA", "", None])
def test_an_unknown_country_code_is_refused(country: object) -> None:
    # given
    order = mug_order()
    before = copy.deepcopy(order)
    # when
    with pytest.raises(InvalidAddress) as caught:
        order.set_shipping_address(Address(country=country))  # type: ignore[arg-type]
    # then
    assert caught.value.field == "country"
    assert_unchanged(order, before)


@pytest.mark.parametrize("email", ["ada", "ada@", "@example.com", "ada@example", "a b@c.d"])
def test_a_bad_email_is_refused(email: str) -> None:
    # given
    order = mug_order()
    before = copy.deepcopy(order)
    # when
    with pytest.raises(ValidationError) as caught:
        order.set_customer(Customer(id="C1", name="Ada", email=email))
    # then
    assert caught.value.field == "email"
    assert_unchanged(order, before)


# -- the exception tree -----------------------------------------------------------------------

VALIDATION_ERRORS = [
    ValidationError,
    FloatAmountError,
    CurrencyMismatch,
    InvalidQuantity,
    InvalidAmount,
    InvalidPercentage,
    DiscountExceedsAmount,
    InvalidAddress,
    MalformedOrderDetails,
    ShippingAddressRequired,
]
LOOKUP_ERRORS = [NotFound, UnknownSku, UnknownLine, OrderNotFound]
OTHER_ERRORS = [DuplicateOrderId, InvalidTransition, OrderLocked, ConcurrencyConflict]


@pytest.mark.parametrize("error", VALIDATION_ERRORS + LOOKUP_ERRORS + OTHER_ERRORS)
def test_every_error_is_a_draft_orders_error(error: type[Exception]) -> None:
    # given
    base = DraftOrdersError
    # when
    is_library_error = issubclass(error, base)
    # then
    assert is_library_error


@pytest.mark.parametrize("error", VALIDATION_ERRORS)
def test_every_validation_error_is_also_a_value_error(error: type[Exception]) -> None:
    # given
    bases = (ValidationError, ValueError)
    # when
    subclass_of = [issubclass(error, base) for base in bases]
    # then
    assert subclass_of == [True, True]


@pytest.mark.parametrize("error", LOOKUP_ERRORS)
def test_every_not_found_error_is_also_a_lookup_error(error: type[Exception]) -> None:
    # given
    bases = (NotFound, LookupError)
    # when
    subclass_of = [issubclass(error, base) for base in bases]
    # then
    assert subclass_of == [True, True]


@pytest.mark.parametrize("error", OTHER_ERRORS)
def test_state_errors_are_neither_value_errors_nor_lookup_errors(error: type[Exception]) -> None:
    # given
    input_bases = (ValueError, LookupError)
    # when
    subclass_of = [issubclass(error, base) for base in input_bases]
    # then
    assert subclass_of == [False, False]


@pytest.mark.parametrize(
    ("bad_call", "error"),
    [
        (lambda: mug_order().add_custom_item("Gift wrap", 12.99), FloatAmountError),
        (lambda: mug_order().set_quantity("L1", 0), InvalidQuantity),
        (lambda: mug_order().add_product(catalog("EUR"), "TEA"), CurrencyMismatch),
        (lambda: mug_order().set_discount_percentage("L1", "101"), InvalidPercentage),
        (
            lambda: mug_order().set_line_discount("L1", ManualDiscount.fixed(money("99.00"))),
            DiscountExceedsAmount,
        ),
        (lambda: OrderDetails.json("{bad"), MalformedOrderDetails),
        (lambda: mug_order().set_shipping("Ground", "1.00"), ShippingAddressRequired),
        (lambda: Address(country="XX"), InvalidAddress),
        (lambda: Customer(id="C1", name="Ada", email="nope"), ValidationError),
        (lambda: DraftOrder.new("bad id", "USD", TODAY), ValidationError),
    ],
    ids=[
        "float",
        "quantity",
        "currency",
        "percentage",
        "discount",
        "details",
        "shipping",
        "address",
        "email",
        "order id",
    ],
)
def test_bad_input_errors_can_be_caught_as_value_error(
    bad_call: Callable[[], object], error: type[ValidationError]
) -> None:
    # given
    call = bad_call
    # when
    with pytest.raises(ValueError) as caught:  # noqa: PT011 (the point is catching ValueError)
        call()
    # then
    assert isinstance(caught.value, error)
    assert isinstance(caught.value, DraftOrdersError)

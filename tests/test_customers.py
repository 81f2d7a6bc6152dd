"""The customer directory (``ShopApp.customers``) and customers on drafts: generated and given
ids, one customer per id and per email (case-insensitive), finding customers by email and by
part of the name, updates, saved addresses and payment methods; creating a customer as the
order is made, selecting a customer and one of their addresses for an order.

Every test runs on the in-memory store and on SqlStore over a SQLite file: both must answer
alike.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from builders import catalog
from draftorders import (
    Address,
    Customer,
    CustomerNotFound,
    DuplicateCustomer,
    FixedClock,
    InMemoryStore,
    OrderLocked,
    Party,
    PaymentMethod,
    Shop,
    ShopApp,
    Status,
    Store,
    ValidationError,
)
from draftorders.shop import Ports
from draftorders.storage.sql import SqlStore

NOW = dt.datetime(2026, 11, 26, 9, 30, tzinfo=dt.UTC)
HOME = Address(country="GB", city="London", line1="12 St James's Square")
OFFICE = Address(country="GB", city="Cambridge", company="Analytical Engines Ltd")
LAB = Address(country="US", region="NY", city="New York")


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """The in-memory store, and SqlStore on a SQLite file in the test's directory."""
    if request.param == "memory":
        yield InMemoryStore()
        return
    sql = SqlStore(f"sqlite:///{tmp_path / 'shop.db'}", clock=FixedClock(NOW))
    yield sql
    sql.close()


@pytest.fixture
def app(store: Store) -> ShopApp:
    seller = Party(name="Tea & Mugs Co.", email="billing@teamugs.example")
    shop = Shop(catalog(), seller=seller, attach_pdf=False)
    return ShopApp(shop, Ports(store=store, clock=FixedClock(NOW)))


def ada(app: ShopApp) -> Customer:
    """Ada, in the directory with two saved addresses."""
    return app.customers.create(
        "Ada Lovelace", email="ada@example.com", addresses=[HOME, OFFICE], group="vip"
    )


# -- creating customers -----------------------------------------------------------------------


def test_create_generates_customer_ids_c1001_c1002_in_sequence(app: ShopApp) -> None:
    # when
    ids = [app.customers.create(name).id for name in ("Ada", "Grace", "Hedy")]
    # then
    assert ids == ["C1001", "C1002", "C1003"]


def test_a_created_customer_is_kept_with_all_its_details(app: ShopApp) -> None:
    # when
    created = app.customers.create(
        "Ada Lovelace",
        email="ada@example.com",
        addresses=[HOME],
        group="wholesale",
        tags={"engines"},
        tax_id="GB123456789",
        locale="en_GB",
    )
    # then
    assert app.customers.get(created.id) == created
    assert (created.group, created.tags, created.locale) == (
        "wholesale",
        frozenset({"engines"}),
        "en_GB",
    )
    assert created.addresses == (HOME,)


def test_create_honours_a_given_id(app: ShopApp) -> None:
    # when
    created = app.customers.create("Ada Lovelace", customer_id="ADA-1")
    # then
    assert created.id == "ADA-1"
    assert app.customers.get("ADA-1") == created


def test_a_generated_id_steps_over_an_id_given_by_hand(app: ShopApp) -> None:
    # given
    app.customers.create("Ada Lovelace", customer_id="C1001")
    # when
    created = app.customers.create("Grace Hopper")
    # then
    assert created.id == "C1002"


def test_a_second_customer_with_a_used_id_is_refused_and_the_first_is_kept(app: ShopApp) -> None:
    # given
    first = app.customers.create("Ada Lovelace", customer_id="C1")
    # when
    with pytest.raises(DuplicateCustomer) as caught:
        app.customers.create("Grace Hopper", customer_id="C1")
    # then
    assert (caught.value.field, caught.value.value) == ("id", "C1")
    assert app.customers.get("C1") == first


@pytest.mark.parametrize("email", ["ada@example.com", "ADA@EXAMPLE.COM", "Ada@Example.com"])
def test_a_second_customer_with_a_used_email_in_any_case_is_refused(
    app: ShopApp, email: str
) -> None:
    # given
    first = ada(app)
    # when
    with pytest.raises(DuplicateCustomer) as caught:
        app.customers.create("Someone Else", email=email)
    # then
    assert (caught.value.field, caught.value.value) == ("email", email)
    assert app.customers.find(name="Someone") == []
    assert app.customers.find() == [first]


def test_customers_without_an_email_do_not_clash(app: ShopApp) -> None:
    # when
    first = app.customers.create("Walk-in")
    second = app.customers.create("Walk-in")
    # then
    assert app.customers.find(name="walk-in") == [first, second]


def test_a_customer_made_elsewhere_is_added_under_its_own_id(app: ShopApp) -> None:
    # given
    imported = Customer(id="CRM-77", name="Hedy Lamarr", email="hedy@example.com")
    # when
    app.customers.add(imported)
    # then
    assert app.customers.get("CRM-77") == imported
    with pytest.raises(DuplicateCustomer):
        app.customers.add(imported)


def test_getting_an_unknown_customer_is_refused(app: ShopApp) -> None:
    # when
    with pytest.raises(CustomerNotFound) as caught:
        app.customers.get("C9999")
    # then
    assert (caught.value.key, caught.value.customer_id) == ("C9999", "C9999")


# -- finding customers ------------------------------------------------------------------------


def test_find_by_email_ignores_case(app: ShopApp) -> None:
    # given
    found = ada(app)
    app.customers.create("Grace Hopper", email="grace@example.com")
    # when
    by_email = app.customers.find(email="ADA@example.COM")
    # then
    assert by_email == [found]


def test_find_by_part_of_the_name_ignores_case_and_sorts_by_name(app: ShopApp) -> None:
    # given
    grace = app.customers.create("Grace Hopper")
    hedy = app.customers.create("Hedy Lamarr")
    lovelace = ada(app)
    # when
    found = app.customers.find(name="L")
    # then
    assert found == [lovelace, hedy]
    assert app.customers.find(name="hop") == [grace]
    assert app.customers.find(name="Babbage") == []


@pytest.mark.parametrize("store", ["memory", "sqlite"], indirect=True)
def test_find_by_part_of_the_name_ignores_the_case_of_letters_beyond_ascii(app: ShopApp) -> None:
    # given
    zoe = app.customers.create("ZOË Ärzte")
    # when
    found = app.customers.find(name="zoë ärz")
    # then
    assert found == [zoe]


def test_find_with_email_and_name_needs_both_to_match(app: ShopApp) -> None:
    # given
    found = ada(app)
    # when
    both = app.customers.find(email="ada@example.com", name="love")
    wrong_name = app.customers.find(email="ada@example.com", name="hopper")
    # then
    assert both == [found]
    assert wrong_name == []


def test_find_with_nothing_lists_everyone_by_name_then_id(app: ShopApp) -> None:
    # given
    twin_b = app.customers.create("Ada", customer_id="B")
    twin_a = app.customers.create("Ada", customer_id="A")
    grace = app.customers.create("Grace")
    # when
    everyone = app.customers.find()
    # then
    assert everyone == [twin_a, twin_b, grace]


# -- updating customers -----------------------------------------------------------------------


def test_update_changes_the_given_fields_and_keeps_the_rest(app: ShopApp) -> None:
    # given
    before = ada(app)
    # when
    updated = app.customers.update(before.id, name="Augusta Ada King", tax_exempt=True)
    # then
    assert (updated.name, updated.tax_exempt) == ("Augusta Ada King", True)
    assert (updated.id, updated.email, updated.addresses) == (
        before.id,
        before.email,
        before.addresses,
    )
    assert app.customers.get(before.id) == updated
    assert app.customers.find(name="augusta") == [updated]


def test_an_order_keeps_the_customer_as_it_was_selected(app: ShopApp) -> None:
    # given an order for Ada, then Ada renamed
    customer = ada(app)
    order = app.drafts.create(customer=customer.id)
    # when
    app.customers.update(customer.id, name="Augusta Ada King")
    # then
    stored = app.drafts.get(order.id).customer
    assert stored == customer
    assert stored is not None
    assert stored.name == "Ada Lovelace"


def test_a_customer_id_cannot_be_updated(app: ShopApp) -> None:
    # given
    customer = ada(app)
    # when
    with pytest.raises(ValidationError) as caught:
        app.customers.update(customer.id, id="C2000")
    # then
    assert caught.value.field == "id"
    assert app.customers.get(customer.id) == customer
    with pytest.raises(CustomerNotFound):
        app.customers.get("C2000")


def test_an_update_to_an_email_another_customer_has_is_refused(app: ShopApp) -> None:
    # given
    ada(app)
    grace = app.customers.create("Grace Hopper", email="grace@example.com")
    # when
    with pytest.raises(DuplicateCustomer) as caught:
        app.customers.update(grace.id, email="ADA@example.com")
    # then
    assert caught.value.field == "email"
    assert app.customers.get(grace.id) == grace


def test_a_customer_may_keep_its_email_in_another_case(app: ShopApp) -> None:
    # given
    customer = ada(app)
    # when
    updated = app.customers.update(customer.id, email="Ada@Example.com")
    # then
    assert app.customers.get(customer.id).email == "Ada@Example.com" == updated.email


def test_updating_an_unknown_customer_is_refused(app: ShopApp) -> None:
    # when
    with pytest.raises(CustomerNotFound):
        app.customers.update("C9999", name="Nobody")
    # then
    assert app.customers.find() == []


# -- saved addresses --------------------------------------------------------------------------


def test_an_address_is_saved_after_the_others(app: ShopApp) -> None:
    # given
    customer = ada(app)
    # when
    updated = app.customers.add_address(customer.id, LAB)
    # then
    assert updated.addresses == (HOME, OFFICE, LAB)
    assert app.customers.addresses(customer.id) == (HOME, OFFICE, LAB)


def test_a_saved_address_is_removed_by_its_index(app: ShopApp) -> None:
    # given
    customer = ada(app)
    # when
    updated = app.customers.remove_address(customer.id, 0)
    # then
    assert updated.addresses == (OFFICE,)
    assert app.customers.addresses(customer.id) == (OFFICE,)


@pytest.mark.parametrize("index", [2, -1, True, "0"])
def test_removing_an_address_at_an_index_it_does_not_have_is_refused(
    app: ShopApp, index: object
) -> None:
    # given
    customer = ada(app)
    # when
    with pytest.raises(ValidationError) as caught:
        app.customers.remove_address(customer.id, index)  # type: ignore[arg-type]
    # then
    assert caught.value.field == "address"
    assert app.customers.addresses(customer.id) == (HOME, OFFICE)


def test_something_that_is_not_an_address_is_not_saved(app: ShopApp) -> None:
    # given
    customer = ada(app)
    # when
    with pytest.raises(ValidationError):
        app.customers.add_address(customer.id, "12 St James's Square")  # type: ignore[arg-type]
    # then
    assert app.customers.addresses(customer.id) == (HOME, OFFICE)


# -- payment methods --------------------------------------------------------------------------


def test_payment_methods_are_listed_in_the_order_they_were_saved(app: ShopApp) -> None:
    # given
    customer = ada(app)
    visa = PaymentMethod("pm_1", customer.id, "tok_visa", brand="Visa", last4="4242")
    amex = PaymentMethod("pm_2", customer.id, "tok_amex", brand="Amex", last4="0005")
    # when
    app.customers.add_payment_method(visa)
    app.customers.add_payment_method(amex)
    # then
    assert app.customers.payment_methods(customer.id) == [visa, amex]
    assert [m.label for m in app.customers.payment_methods(customer.id)] == [
        "Visa •••• 4242",
        "Amex •••• 0005",
    ]


def test_a_customer_without_payment_methods_has_none(app: ShopApp) -> None:
    # given
    customer = ada(app)
    # when
    methods = app.customers.payment_methods(customer.id)
    # then
    assert methods == []


def test_a_payment_method_of_an_unknown_customer_is_refused(app: ShopApp) -> None:
    # when
    with pytest.raises(CustomerNotFound):
        app.customers.add_payment_method(PaymentMethod("pm_1", "C9999", "tok_visa"))
    # then
    assert app.customers.payment_methods("C9999") == []


def test_a_payment_method_id_is_saved_once(app: ShopApp) -> None:
    # given
    customer = ada(app)
    visa = PaymentMethod("pm_1", customer.id, "tok_visa")
    app.customers.add_payment_method(visa)
    # when
    with pytest.raises(ValidationError):
        app.customers.add_payment_method(PaymentMethod("pm_1", customer.id, "tok_amex"))
    # then
    assert app.customers.payment_methods(customer.id) == [visa]


def test_a_card_number_is_never_a_payment_method() -> None:
    # when
    with pytest.raises(ValidationError) as caught:
        PaymentMethod("pm_1", "C1001", "4242 4242 4242 4242")
    # then
    assert caught.value.field == "token"
    assert "4242" not in str(caught.value)


# -- customers on drafts ----------------------------------------------------------------------


def test_a_draft_is_created_for_a_customer_of_the_directory_by_id(app: ShopApp) -> None:
    # given
    customer = ada(app)
    # when
    order = app.drafts.create(customer=customer.id)
    # then
    assert order.customer == customer
    assert app.drafts.get(order.id).customer == customer
    assert app.drafts.find(customer_id=customer.id) == [order]


def test_a_new_customer_given_with_a_draft_is_added_to_the_directory(app: ShopApp) -> None:
    # given a walk-in customer, created as the order is made
    walk_in = Customer(id="C7", name="Grace Hopper", email="grace@example.com").with_address(LAB)
    # when
    order = app.drafts.create(customer=walk_in)
    # then
    assert app.customers.get("C7") == walk_in
    assert app.drafts.get(order.id).customer == walk_in
    assert walk_in.addresses == (LAB,)


def test_a_customer_given_again_with_another_draft_is_not_added_twice(app: ShopApp) -> None:
    # given
    walk_in = Customer(id="C7", name="Grace Hopper", email="grace@example.com")
    first = app.drafts.create(customer=walk_in)
    # when
    second = app.drafts.create(customer=walk_in)
    # then
    assert app.customers.find() == [walk_in]
    assert [o.id for o in app.drafts.find(customer_id="C7")] == [first.id, second.id]


def test_a_new_customer_whose_email_is_taken_is_refused_and_no_draft_is_made(
    app: ShopApp,
) -> None:
    # given
    existing = ada(app)
    # when
    with pytest.raises(DuplicateCustomer) as caught:
        app.drafts.create(customer=Customer(id="C7", name="Impostor", email="ADA@example.com"))
    # then
    assert caught.value.field == "email"
    assert app.customers.find() == [existing]
    assert app.drafts.find() == []
    assert app.drafts.create().id == "D1001"


def test_a_draft_for_an_unknown_customer_id_is_refused_and_nothing_is_made(
    app: ShopApp,
) -> None:
    # when
    with pytest.raises(CustomerNotFound):
        app.drafts.create(customer="C404")
    # then
    assert app.drafts.find() == []
    assert app.customers.find() == []
    assert app.drafts.create().id == "D1001"


def test_something_that_is_not_a_customer_is_refused_for_a_draft(app: ShopApp) -> None:
    # when
    with pytest.raises(ValidationError) as caught:
        app.drafts.create(customer=1001)  # type: ignore[arg-type]
    # then
    assert caught.value.field == "customer"
    assert app.drafts.find() == []


def test_select_customer_puts_a_directory_customer_on_a_draft(app: ShopApp) -> None:
    # given
    draft = app.drafts.create()
    customer = ada(app)
    # when
    selected = app.drafts.select_customer(draft.id, customer.id)
    # then
    assert selected.customer == customer
    assert selected.version == draft.version + 1
    assert app.drafts.get(draft.id) == selected


def test_select_customer_adds_a_new_customer_to_the_directory(app: ShopApp) -> None:
    # given
    draft = app.drafts.create()
    walk_in = Customer(id="C7", name="Grace Hopper")
    # when
    selected = app.drafts.select_customer(draft.id, walk_in)
    # then
    assert selected.customer == walk_in
    assert app.customers.get("C7") == walk_in


def test_select_customer_with_an_unknown_id_is_refused_and_the_draft_is_unchanged(
    app: ShopApp,
) -> None:
    # given
    draft = app.drafts.create()
    # when
    with pytest.raises(CustomerNotFound):
        app.drafts.select_customer(draft.id, "C404")
    # then
    assert app.drafts.get(draft.id) == draft


def test_a_customer_is_not_selected_on_a_sent_order(app: ShopApp) -> None:
    # given
    customer = ada(app)
    draft = app.drafts.create(customer=customer.id)
    app.drafts.edit(draft.id, lambda o: o.add_product(catalog(), "MUG"))
    sent = app.invoicing.send(draft.id, to="ada@example.com").order
    grace = app.customers.create("Grace Hopper")
    # when
    with pytest.raises(OrderLocked):
        app.drafts.select_customer(draft.id, grace.id)
    # then
    assert app.drafts.get(draft.id) == sent
    assert sent.status is Status.INVOICE_SENT


@pytest.mark.parametrize("use", ["shipping", "billing"])
def test_select_address_uses_a_saved_address_by_index(app: ShopApp, use: str) -> None:
    # given
    customer = ada(app)
    draft = app.drafts.create(customer=customer.id)
    # when
    order = app.drafts.select_address(draft.id, 1, use=use)  # type: ignore[arg-type]
    # then
    chosen = order.shipping_address if use == "shipping" else order.billing_address
    other = order.billing_address if use == "shipping" else order.shipping_address
    assert (chosen, other) == (OFFICE, None)
    assert app.drafts.get(draft.id) == order
    assert app.customers.addresses(customer.id) == (HOME, OFFICE)


def test_shipping_is_the_default_use_of_a_selected_address(app: ShopApp) -> None:
    # given
    draft = app.drafts.create(customer=ada(app).id)
    # when
    order = app.drafts.select_address(draft.id, 0)
    # then
    assert (order.shipping_address, order.billing_address) == (HOME, None)


@pytest.mark.parametrize("use", ["shipping", "billing"])
def test_a_new_address_selected_for_a_draft_is_saved_for_the_customer(
    app: ShopApp, use: str
) -> None:
    # given
    customer = ada(app)
    draft = app.drafts.create(customer=customer.id)
    # when
    order = app.drafts.select_address(draft.id, LAB, use=use)  # type: ignore[arg-type]
    # then
    chosen = order.shipping_address if use == "shipping" else order.billing_address
    assert chosen == LAB
    assert app.customers.addresses(customer.id) == (HOME, OFFICE, LAB)


def test_a_saved_address_given_again_is_not_saved_twice(app: ShopApp) -> None:
    # given
    customer = ada(app)
    draft = app.drafts.create(customer=customer.id)
    # when
    order = app.drafts.select_address(
        draft.id, Address(country="GB", city="Cambridge", company="Analytical Engines Ltd")
    )
    # then
    assert order.shipping_address == OFFICE
    assert app.customers.addresses(customer.id) == (HOME, OFFICE)


@pytest.mark.parametrize("index", [2, -1])
def test_an_address_index_the_customer_does_not_have_is_refused(app: ShopApp, index: int) -> None:
    # given
    draft = app.drafts.create(customer=ada(app).id)
    # when
    with pytest.raises(ValidationError) as caught:
        app.drafts.select_address(draft.id, index)
    # then
    assert caught.value.field == "address"
    assert app.drafts.get(draft.id) == draft


def test_an_address_use_other_than_shipping_or_billing_is_refused(app: ShopApp) -> None:
    # given
    customer = ada(app)
    draft = app.drafts.create(customer=customer.id)
    # when
    with pytest.raises(ValidationError) as caught:
        app.drafts.select_address(draft.id, LAB, use="delivery")  # type: ignore[arg-type]
    # then
    assert caught.value.field == "use"
    assert app.drafts.get(draft.id) == draft
    assert app.customers.addresses(customer.id) == (HOME, OFFICE)


def test_an_address_is_not_selected_for_a_draft_without_a_customer(app: ShopApp) -> None:
    # given
    draft = app.drafts.create()
    # when
    with pytest.raises(ValidationError) as caught:
        app.drafts.select_address(draft.id, LAB)
    # then
    assert caught.value.field == "customer"
    assert app.drafts.get(draft.id) == draft


def test_an_address_is_not_selected_on_a_sent_order_and_not_saved(app: ShopApp) -> None:
    # given
    customer = ada(app)
    draft = app.drafts.create(customer=customer.id)
    app.drafts.edit(draft.id, lambda o: o.add_product(catalog(), "MUG"))
    sent = app.invoicing.send(draft.id, to="ada@example.com").order
    # when
    with pytest.raises(OrderLocked):
        app.drafts.select_address(draft.id, LAB)
    # then
    assert app.drafts.get(draft.id) == sent
    assert app.customers.addresses(customer.id) == (HOME, OFFICE)


def test_a_directory_customer_given_again_with_other_details_is_refused_and_nothing_is_made(
    app: ShopApp,
) -> None:
    # given Ada in the directory
    known = ada(app)
    # when a draft is asked for a Customer with her id but other details
    impostor = Customer(id=known.id, name="Not Ada", email="not.ada@example.com")
    with pytest.raises(DuplicateCustomer) as raised:
        app.drafts.create(customer=impostor)
    # then nothing is made and the directory keeps her as she was
    assert (raised.value.field, raised.value.value) == ("id", known.id)
    assert app.drafts.find() == []
    assert app.customers.get(known.id) == known

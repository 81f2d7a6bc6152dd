"""The customer directory: a tour of what a merchant does at the order form.

Customers are created in the directory (ids C1001, C1002, ... from the shop's sequence), found
by email or by part of their name, and selected on an order; a caller who is new is created as
the order is. A customer's saved addresses are selected on the order by index, and a new
address typed in is used and saved for next time. A payment method left on file (a gateway
token, never the card) is charged once the customer consents.

    python examples/customers.py
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from draftorders import (
    Address,
    Catalog,
    ConsentRequired,
    Customer,
    DuplicateCustomer,
    FixedClock,
    Money,
    Party,
    PaymentMethod,
    PaymentStatus,
    Ports,
    Product,
    Shop,
    ShopApp,
    Status,
)

CATALOG = Catalog.of(
    Product(sku="MUG", title="Mug", price=Money(Decimal("12.99"), "USD")),
    Product(sku="TEA", title="Tea", price=Money(Decimal("7.49"), "USD")),
)
CLOCK = FixedClock(dt.datetime(2026, 11, 26, 9, 30, tzinfo=dt.UTC))
HOME = Address(
    country="GB",
    name="Ada Lovelace",
    line1="12 St James's Square",
    city="London",
    postal_code="SW1Y 4JH",
)
OFFICE = Address(
    country="GB",
    name="Ada Lovelace",
    company="Analytical Engines Ltd.",
    line1="1 Babbage Row",
    city="London",
    postal_code="EC1A 1AA",
)
BLETCHLEY = Address(
    country="GB", name="Alan Turing", line1="The Mansion", city="Bletchley", postal_code="MK3 6EB"
)


def usd(amount: str) -> Money:
    return Money(Decimal(amount), "USD")


def make_app() -> ShopApp:
    shop = Shop(
        CATALOG,
        seller=Party(name="Tea & Mugs Co.", email="billing@teamugs.example"),
        attach_pdf=False,
    )
    return ShopApp(shop, Ports(clock=CLOCK))


def directory(app: ShopApp) -> None:
    """Create customers, find them, and refuse a second customer with one email."""
    print("The directory")
    ada = app.customers.create(
        "Ada Lovelace", email="ada@example.com", tags={"vip"}, addresses=[HOME, OFFICE]
    )
    grace = app.customers.create("Grace Hopper", email="grace@example.com", group="wholesale")
    acme = app.customers.create("Acme Corp.", customer_id="B100", email="payables@acme.example")
    for customer in (ada, grace, acme):
        print(f"  created {customer.id}: {customer.name} <{customer.email}>")
    assert (ada.id, grace.id, acme.id) == ("C1001", "C1002", "B100")

    by_email = app.customers.find(email="ADA@example.com")
    print(f"  find(email='ADA@example.com') -> {[c.id for c in by_email]}")
    assert by_email == [ada]
    by_name = app.customers.find(name="ace")
    print(f"  find(name='ace') -> {[c.name for c in by_name]}")
    assert [c.name for c in by_name] == ["Ada Lovelace", "Grace Hopper"]

    try:
        app.customers.create("A. Lovelace", email="Ada@Example.com")
    except DuplicateCustomer as clash:
        refused = clash
    else:
        raise AssertionError("one customer per email")
    print(f"  a second customer with {refused.value} refused ({refused.field} taken)")
    assert refused.field == "email"


def saved_addresses(app: ShopApp) -> str:
    """An order for Ada, selected from the directory, shipped and billed to saved addresses."""
    print("Select an existing customer, and her saved addresses")
    (ada,) = app.customers.find(email="ada@example.com")
    order = app.drafts.create(customer=ada.id)
    app.drafts.edit(order.id, lambda o: o.add_product(CATALOG, "MUG", 2))
    saved = app.customers.addresses(ada.id)
    for index, address in enumerate(saved):
        print(f"  [{index}] {address.company or address.name}, {address.line1}, {address.city}")
    app.drafts.select_address(order.id, 1)  # ship to the office
    order = app.drafts.select_address(order.id, 0, use="billing")  # bill the home address
    print(
        f"  {order.id} for {order.customer.name}: ships to {order.shipping_address.line1}, "
        f"billed to {order.billing_address.line1}"
    )
    assert order.customer == ada
    assert (order.shipping_address, order.billing_address) == (OFFICE, HOME)
    return order.id


def created_as_you_go(app: ShopApp) -> None:
    """A caller who is new: created with the order, and his address saved as it is typed in."""
    print("Create a customer as you go, and a new address")
    alan = Customer(id="C2001", name="Alan Turing", email="alan@example.com")
    order = app.drafts.create(customer=alan)
    assert app.customers.get("C2001") == alan
    order = app.drafts.select_address(order.id, BLETCHLEY)
    saved = app.customers.addresses("C2001")
    print(f"  {order.id} for {order.customer.name} (new in the directory)")
    print(f"  ships to {order.shipping_address.line1}, {order.shipping_address.city}")
    print(f"  saved addresses of C2001: {len(saved)}")
    assert order.shipping_address == BLETCHLEY
    assert saved == (BLETCHLEY,)

    again = app.drafts.create(customer="C2001")  # next time he calls: select it
    again = app.drafts.select_address(again.id, 0)
    print(f"  {again.id}: the saved address selected, {again.shipping_address.city}")
    assert again.shipping_address == BLETCHLEY
    assert len(app.customers.addresses("C2001")) == 1  # not saved twice


def method_on_file(app: ShopApp, order_id: str) -> None:
    """Ada's card on file, charged once she consents."""
    print("A payment method on file")
    visa = app.customers.add_payment_method(
        PaymentMethod(
            id="pm_ada_visa",
            customer_id="C1001",
            token="tok_visa",
            brand="Visa",
            last4="4242",
            expires="12/2029",
        )
    )
    print(f"  on file for C1001: {[m.label for m in app.customers.payment_methods('C1001')]}")
    app.drafts.edit(order_id, lambda o: o.set_payment_method(visa.id))
    try:
        app.cashier.charge_on_file(order_id)
    except ConsentRequired:
        print("  without her consent: refused, nothing charged")
        assert app.cashier.transactions(order_id) == []
    else:
        raise AssertionError("charging a method on file needs consent")

    app.drafts.edit(order_id, lambda o: o.set_consent(True))
    payment = app.cashier.charge_on_file(order_id)
    print(
        f"  with her consent: {payment.transaction.amount.amount} charged to "
        f"{payment.transaction.method}; {order_id} is {payment.order.status.value}, "
        f"{payment.summary.status.value}"
    )
    assert payment.succeeded
    assert payment.transaction.amount == usd("25.98")
    assert payment.transaction.method == "Visa •••• 4242"
    assert payment.order.status is Status.COMPLETED
    assert payment.summary.status is PaymentStatus.PAID


def main() -> None:
    app = make_app()
    directory(app)
    order_id = saved_addresses(app)
    created_as_you_go(app)
    method_on_file(app, order_id)
    ids = sorted(c.id for c in app.customers.find())
    print(f"The directory now: {ids}")
    assert ids == ["B100", "C1001", "C1002", "C2001"]


if __name__ == "__main__":
    main()

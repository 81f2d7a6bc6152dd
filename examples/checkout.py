"""Checkout: send an invoice with its secure link, refuse a tampered link, open the real one,
choose a shipping rate, pay with the fake gateway, refund part of it.

Prints the transactions and the amount due at each step. Everything is in memory, with a fixed
clock, so the output is the same on every run.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from draftorders import (
    Address,
    CheckoutLinkRefused,
    CheckoutLinks,
    Customer,
    FixedClock,
    ManualDiscount,
    Money,
    Party,
    Ports,
    Shop,
    ShopApp,
)
from draftorders.shipping import Flat, ShippingRate, ShippingZone
from quickstart import CATALOG, CONTEXT


def usd(amount: str) -> Money:
    """``usd("9.99")`` is USD 9.99."""
    return Money(Decimal(amount), "USD")


ZONES = [
    ShippingZone(
        "Domestic",
        countries={"US"},
        rates=[
            ShippingRate("Ground", Flat(usd("9.95"))),
            ShippingRate("Express", Flat(usd("19.00"))),
        ],
    )
]
LINKS = CheckoutLinks(
    keys={"k2026": "a-long-random-secret-kept-out-of-the-code-0001"},
    current="k2026",
    base_url="https://shop.example/checkout/",
    lifetime=dt.timedelta(days=14),
)
HOME = Address(country="US", region="NY", city="New York", postal_code="10001", line1="1 Main St")


def report(step: str, app: ShopApp, order_id: str) -> None:
    """One step: what happened, the transactions so far, and what is due."""
    summary = app.cashier.summary(order_id)
    print(f"\n== {step}")
    for t in app.cashier.transactions(order_id):
        print(
            f"   {t.id:<10} {t.kind.value:<8} {t.status.value:<8} {t.amount.amount:>7} "
            f"{t.reference or '-':<12} {t.method or '-'}"
        )
    print(
        f"   total {summary.total.amount}, paid {summary.paid.amount}, refunded "
        f"{summary.refunded.amount}, due {summary.due.amount}: {summary.status.value}"
    )


def main() -> None:
    shop = Shop(
        CATALOG,
        context=CONTEXT,
        seller=Party(name="Tea & Mugs Co.", email="billing@teamugs.example"),
        shipping_zones=ZONES,
        checkout_links=LINKS,
        attach_pdf=False,
    )
    app = ShopApp(shop, Ports(clock=FixedClock(dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.UTC))))
    checkout = app.checkout

    customer = Customer(id="C1", name="Ada Lovelace", email="ada@example.com")
    draft = app.drafts.create(customer=customer)
    app.drafts.edit(
        draft.id,
        lambda o: o.add_product(CATALOG, "MUG", 3),
        lambda o: o.set_line_discount("L1", ManualDiscount.percent("10")),
        lambda o: o.add_product(CATALOG, "TEA", 2),
        lambda o: o.set_shipping_address(HOME),
    )
    report(f"draft {draft.id} created", app, draft.id)

    delivery = app.invoicing.send(draft.id)
    link = delivery.sent.invoice.checkout_url
    assert link is not None
    print(f"\ninvoice {delivery.sent.number} sent to {delivery.sent.recipient}")
    print(f"checkout link: {link}")
    report("invoice sent", app, draft.id)

    tampered = link[:-4] + ("AAAA" if not link.endswith("AAAA") else "BBBB")
    try:
        checkout.open(tampered)
    except CheckoutLinkRefused as refused:
        print(f"\ntampered link refused ({refused.reason}): {refused}")

    session = checkout.open(link)
    options = checkout.shipping_options(session)
    print("\nshipping options: " + ", ".join(f"{o.method} {o.amount.amount}" for o in options))
    session = checkout.choose_shipping(session, "Express")
    session = checkout.with_billing_address(
        session,
        Address(
            country="US",
            name="Ada Lovelace",
            line1="1 Main St",
            city="New York",
            region="NY",
            postal_code="10001",
        ),
    )
    print(f"to pay with Express: {checkout.summary(session).due.amount}")

    declined = checkout.pay(session, "tok_chargeDeclined")
    print(f"\ncard declined: {declined.transaction.message} ({declined.transaction.code})")
    report("after a declined card", app, draft.id)

    paid = checkout.pay(session, "tok_visa")
    print(f"\npaid {paid.transaction.amount.amount}; order is {paid.order.status.value}")
    report("after paying by card", app, draft.id)

    refund = app.cashier.refund(
        draft.id,
        paid.transaction.id,
        usd("12.99"),
        reason="one mug arrived broken",
        restock=[("L1", 1)],
    )
    print(f"\nrefunded {refund.transaction.amount.amount}: {refund.transaction.reason}")
    report("after a partial refund", app, draft.id)

    claims = app.cashier.claims(draft.id)  # each money call is claimed before the gateway is asked
    print(
        "\npayment claims: "
        + ", ".join(f"{c.id} {c.state.value} as {c.transaction_id}" for c in claims)
    )

    try:
        checkout.open(link)
    except CheckoutLinkRefused as refused:
        print(f"\nthe link after payment is refused too ({refused.reason})")
    print(f"orders list: {[o.id for o in app.drafts.orders()]}")


if __name__ == "__main__":
    main()

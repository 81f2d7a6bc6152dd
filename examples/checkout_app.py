"""Pay the quickstart order online: the shop sends Ada the invoice with a checkout link, and the
checkout web app (the ``web`` extra) takes her billing address, shipping rate and card.

    python examples/checkout_app.py            # send the invoice, print the link, exit
    python examples/checkout_app.py --serve    # ... then serve http://127.0.0.1:8000

Zone "Domestic" (US) offers "Standard" (flat 9.95) and "Express" (flat 19.95); the order ships
"Standard", so the invoice total is the quickstart's 64.13. Cards are the fake gateway's test
tokens: "Visa ending 4242" pays, "Visa ending 0002" is declined. Everything is in memory, and
the link is signed with a secret made at start: a restart sends a new invoice and link.

A shop served by several worker processes gives each the same settings and a shared store and
gateway: ``Ports(store=SqlStore(url), gateway=FakeGateway(ledger=SqlGatewayLedger(url)))``.
"""

from __future__ import annotations

import argparse
import secrets
from decimal import Decimal

from draftorders import (
    Address,
    CheckoutLinks,
    Customer,
    Money,
    Party,
    Ports,
    Shop,
    ShopApp,
)
from draftorders.shipping import Flat, ShippingRate, ShippingZone
from quickstart import CATALOG, CONTEXT, build_order

HOST, PORT = "127.0.0.1", 8000
BASE_URL = f"http://{HOST}:{PORT}/checkout/"

ZONES = [
    ShippingZone(
        "Domestic",
        countries={"US"},
        rates=[
            ShippingRate("Standard", Flat(Money(Decimal("9.95"), "USD"))),
            ShippingRate("Express", Flat(Money(Decimal("19.95"), "USD"))),
        ],
    )
]
SELLER = Party(
    name="Tea & Mugs Co.",
    address=Address(
        country="US", line1="12 Harbor Road", city="Albany", region="NY", postal_code="12207"
    ),
    email="billing@teamugs.example",
)
ADA = Customer(id="C1", name="Ada Lovelace", email="ada@example.com")


def settings(base_url: str = BASE_URL) -> Shop:
    """The shop: the quickstart's catalog and pricing, US shipping, links to ``base_url``."""
    links = CheckoutLinks({"k1": secrets.token_urlsafe(32)}, "k1", base_url)
    return Shop(
        CATALOG,
        context=CONTEXT,
        shipping_zones=ZONES,
        seller=SELLER,
        attach_pdf=False,
        checkout_links=links,
    )


def open_shop(shop: Shop | None = None, ports: Ports | None = None) -> tuple[ShopApp, str]:
    """The shop (:func:`settings` unless given) with the quickstart order invoiced to Ada
    (shipping "Standard"), and the checkout link on the invoice."""
    app = ShopApp(shop if shop is not None else settings(), ports)
    app.customers.add(ADA)
    order = app.drafts.add(build_order().set_customer(ADA))
    app.drafts.choose_rate(order.id, "Standard")
    invoice = app.invoicing.send(order.id).sent.invoice
    assert invoice.checkout_url is not None
    return app, invoice.checkout_url


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve", action="store_true", help=f"serve the app on {HOST}:{PORT}")
    args = parser.parse_args(argv)
    app, link = open_shop()
    invoice = app.invoicing.sent("D1001")[-1].invoice
    print(f"Invoice {invoice.number} for order {invoice.order_id} sent to {ADA.email}")
    print(f"Total {invoice.total.amount} {invoice.currency}; pay at:")
    print(link)
    if not args.serve:
        print("(run with --serve to open the checkout in a browser)")
        return
    from draftorders.web import create_app

    create_app(app.checkout).run(host=HOST, port=PORT)


if __name__ == "__main__":
    main()

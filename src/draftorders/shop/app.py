"""The application: one shop's settings and ports, and the small parts that use them.

``ShopApp(shop, ports)`` wires them once; each part has named steps and uses the others only
through their public calls::

    app = ShopApp(Shop(catalog, seller=Party("Tea & Mugs", email="billing@teamugs.example")))
    draft = app.drafts.create(customer="C1001")
    app.drafts.edit(draft.id, lambda o: o.add_product(catalog, "MUG", 2))
    app.invoicing.send(draft.id)
    app.cashier.charge(draft.id, "tok_visa")
"""

from __future__ import annotations

from draftorders.shop.cashier import Cashier
from draftorders.shop.checkout import Checkout
from draftorders.shop.customers import Customers
from draftorders.shop.dispatch import Dispatcher
from draftorders.shop.drafts import Drafts
from draftorders.shop.invoicing import Invoicing
from draftorders.shop.ports import Ports
from draftorders.shop.quotes import Quotes
from draftorders.shop.settings import Shop
from draftorders.shop.stock import Stock

__all__ = ["ShopApp"]


class ShopApp:
    """A shop at work: ``customers``, ``drafts``, ``invoicing``, ``outbox`` (the dispatcher),
    ``cashier``, ``checkout`` and ``stock``, over one set of ports. Every process of a shop
    makes its own ``ShopApp`` on the same store; nothing in it needs to survive the process."""

    def __init__(self, shop: Shop, ports: Ports | None = None) -> None:
        self.shop = shop
        self.ports = ports if ports is not None else Ports()
        self.quotes = Quotes(shop, self.ports)
        self.stock = Stock(shop, self.ports)
        self.customers = Customers(shop, self.ports)
        self.drafts = Drafts(shop, self.ports, self.quotes, self.stock, self.customers)
        self.outbox = Dispatcher(shop, self.ports)
        self.invoicing = Invoicing(shop, self.ports, self.quotes, self.stock, self.outbox)
        self.cashier = Cashier(shop, self.ports, self.quotes, self.stock)
        self.checkout = Checkout(shop, self.ports, self.quotes, self.invoicing, self.cashier)

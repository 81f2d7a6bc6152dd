"""The application layer: a :class:`Shop` (settings) and its :class:`Ports` (store, clock,
mailer, gateway, tax and rate services), and the parts that run a shop on them: customers,
drafts, invoicing, the outbox dispatcher, the cashier, checkout and stock. It is the only
part of the library that calls ports; each operation is one store unit, so several processes
can share one database."""

from draftorders.shop.app import ShopApp
from draftorders.shop.cashier import Cashier, Payment, ReconcileReport
from draftorders.shop.checkout import Checkout, CheckoutSession
from draftorders.shop.customers import Customers
from draftorders.shop.dispatch import INVOICE_EMAIL, Dispatcher
from draftorders.shop.drafts import Drafts, Edit
from draftorders.shop.invoicing import InvoiceDelivery, Invoicing
from draftorders.shop.ports import Ports
from draftorders.shop.quotes import Quotes, tax_request
from draftorders.shop.settings import Shop
from draftorders.shop.stock import Stock

__all__ = [
    "INVOICE_EMAIL",
    "Cashier",
    "Checkout",
    "CheckoutSession",
    "Customers",
    "Dispatcher",
    "Drafts",
    "Edit",
    "InvoiceDelivery",
    "Invoicing",
    "Payment",
    "Ports",
    "Quotes",
    "ReconcileReport",
    "Shop",
    "ShopApp",
    "Stock",
    "tax_request",
]

"""The shop's settings: one frozen value that says how this shop prices, numbers, invoices and
ships, shared by every part of the application and by every process of the shop."""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs

from draftorders._validate import check_type, instances, optional_text
from draftorders.catalog import Catalog
from draftorders.errors import ValidationError
from draftorders.invoice import InvoiceLocale, InvoiceNumbering, Party
from draftorders.money import currency as check_currency
from draftorders.notifications import Backoff
from draftorders.order.notes import STANDARD_TEMPLATES, TemplateBook
from draftorders.pricing import PricingContext
from draftorders.shipping import Box, ShippingZone
from draftorders.shop.links import CheckoutLinks

__all__ = ["Shop"]

_PREFIX_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def _currency(value: object) -> str:
    return check_currency(value).code


def _prefix(_: object, attribute: attrs.Attribute[str], value: object) -> None:
    if (
        not isinstance(value, str)
        or not 1 <= len(value) <= 16
        or not value[0].isalpha()
        or not set(value) <= _PREFIX_CHARS
    ):
        raise ValidationError(
            attribute.name,
            f"expected 1-16 letters, digits, - or _ starting with a letter, got {value!r}",
        )


def _locale(_: object, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str):
        raise ValidationError(attribute.name, f"expected a locale like 'en_US', got {value!r}")
    InvoiceLocale(value)


def _zones(value: object) -> tuple[ShippingZone, ...]:
    return instances(value, ShippingZone, "shipping_zones")


def _boxes(value: object) -> tuple[Box, ...]:
    return instances(value, Box, "boxes")


def _duration(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and (not isinstance(value, dt.timedelta) or value <= dt.timedelta(0)):
        raise ValidationError(attribute.name, f"expected a positive timedelta, got {value!r}")


@attrs.frozen
class Shop:
    """How one shop works: its catalog and pricing, who sells, how invoices are numbered and
    written, how orders ship, and how long stock and payments are held.

    Every field but the catalog has a default that works with no set-up.
    """

    catalog: Catalog = attrs.field(validator=check_type(Catalog))
    currency: str = attrs.field(default="USD", converter=_currency)
    """The currency of new orders."""
    context: PricingContext = attrs.field(
        factory=PricingContext, validator=check_type(PricingContext)
    )
    """Rounding, tax, pricing rules, promotions and points; usage is read from the store."""
    seller: Party = attrs.field(factory=lambda: Party(name="Shop"), validator=check_type(Party))
    """The seller block of invoices; its email is the sender of invoice emails."""
    locale: str = attrs.field(default="en_US", validator=_locale)
    """Invoices are written for the customer's locale, else this one."""
    templates: TemplateBook = attrs.field(
        default=STANDARD_TEMPLATES, validator=check_type(TemplateBook)
    )
    """The named templates merchants pick customer notes and order terms from."""
    order_prefix: str = attrs.field(default="D", validator=_prefix)
    """Generated order ids: ``D1001``, ``D1002``, ..."""
    customer_prefix: str = attrs.field(default="C", validator=_prefix)
    """Generated customer ids: ``C1001``, ..."""
    shipping_zones: tuple[ShippingZone, ...] = attrs.field(default=(), converter=_zones)
    boxes: tuple[Box, ...] = attrs.field(default=(), converter=_boxes)
    checkout_links: CheckoutLinks | None = attrs.field(
        default=None, validator=attrs.validators.optional(check_type(CheckoutLinks))
    )
    """Signs the checkout link put on every invoice sent; no link when None."""
    invoice_numbering: InvoiceNumbering = attrs.field(
        factory=InvoiceNumbering, validator=check_type(InvoiceNumbering)
    )
    attach_pdf: bool | None = attrs.field(
        default=None, validator=attrs.validators.optional(check_type(bool))
    )
    """Attach the invoice as PDF: when the ``pdf`` extra is installed (None), always (True,
    :class:`~draftorders.errors.MissingExtra` without it) or never (False)."""
    reserve_for: dt.timedelta | None = attrs.field(
        default=dt.timedelta(days=14), validator=_duration
    )
    """How long a sent invoice holds its stock (None: until reverted or completed)."""
    fulfil_from: str | None = attrs.field(default=None, converter=optional_text)
    """The stock location orders are filled from (None: the unnamed location)."""
    deliver_now: bool = attrs.field(default=True, validator=check_type(bool))
    """Deliver an invoice email from the process that sent it, right after the send commits
    (a failure leaves it in the outbox for a dispatcher); False leaves every email to a
    dispatcher (``ShopApp.outbox.deliver_due()``, run by a worker or a cron)."""
    backoff: Backoff = attrs.field(factory=Backoff, validator=check_type(Backoff))
    """How failed deliveries are tried again."""
    claim_timeout: dt.timedelta = attrs.field(default=dt.timedelta(minutes=2), validator=_duration)
    """How long a payment may be in flight before another call treats its process as gone
    and settles it by asking the gateway again (``Cashier.reconcile`` uses it too)."""

"""The invoice: what the customer is asked to pay, as plain values derived from a priced order.

Every amount here comes from the :class:`~draftorders.pricing.PricedOrder` it was built from;
nothing is re-computed. Locale formatting is the renderer's job, so one invoice renders in any
language with the same cents.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

import attrs

from draftorders._compat import deprecated, renamed
from draftorders._validate import check_type, non_empty_text, optional_text
from draftorders.customers import Address
from draftorders.money import Money
from draftorders.order.terms import PaymentTerms

__all__ = [
    "DiscountKind",
    "Invoice",
    "InvoiceDiscount",
    "InvoiceEntry",
    "InvoiceLine",
    "InvoiceShipping",
    "InvoiceStatus",
    "InvoiceTax",
    "Party",
]


class InvoiceStatus(enum.Enum):
    """A preview can be made at any time; an issued invoice is one that was sent."""

    PREVIEW = "preview"
    ISSUED = "issued"


@attrs.frozen
class Party:
    """A seller or buyer block: who, where, and their tax standing."""

    name: str = attrs.field(validator=non_empty_text)
    company: str | None = attrs.field(default=None, converter=optional_text)
    address: Address | None = attrs.field(
        default=None, validator=attrs.validators.optional(check_type(Address))
    )
    email: str | None = attrs.field(default=None, converter=optional_text)
    phone: str | None = attrs.field(default=None, converter=optional_text)
    tax_id: str | None = attrs.field(default=None, converter=optional_text)
    """VAT number, EIN or similar."""
    tax_exemption_id: str | None = attrs.field(default=None, converter=optional_text)
    """Set for a tax-exempt buyer: the certificate that makes them exempt."""


class DiscountKind(enum.Enum):
    """What a discount on an invoice line is, for its label."""

    LINE = "line_discount"
    ORDER = "order_discount"
    PROMOTION = "promotion"
    CREDIT = "credit"


@attrs.frozen
class InvoiceDiscount:
    """One discount on a line, negative; ``title`` names the promotion or credit, if any."""

    kind: DiscountKind
    title: str | None
    amount: Money


@attrs.frozen
class InvoiceLine:
    """A line as invoiced: ``base`` less its ``discounts`` is ``net``; ``tax`` is on top of
    ``net`` unless the invoice's prices include tax."""

    line_id: str
    title: str
    sku: str | None
    quantity: int
    unit_price: Money
    base: Money
    discounts: tuple[InvoiceDiscount, ...]
    net: Money
    tax: Money


@attrs.frozen
class InvoiceEntry:
    """An order-level debit (positive) or credit (negative) listed below the lines.

    Redeemed loyalty points are a credit with ``points`` set and no title (the renderer
    labels them in the customer's language).
    """

    title: str | None
    amount: Money
    tax: Money
    points: int | None = None


@attrs.frozen
class InvoiceShipping:
    """The shipping method, its price, any shipping discount, and what is charged."""

    title: str
    price: Money
    discount: Money
    amount: Money
    tax: Money


@attrs.frozen
class InvoiceTax:
    """One line of the tax summary: a rate, what was taxed at it, and the tax."""

    name: str
    fraction: Decimal
    compound: bool
    base: Money
    tax: Money


@attrs.frozen
class Invoice:
    """An invoice for one order version. ``number`` is None on a preview.

    ``total == subtotal - discount_total + shipping_total + debit_total - credit_total``
    ``+ tax_total`` (tax not added when prices include it); ``amount_due = total - amount_paid``.
    """

    status: InvoiceStatus
    number: str | None
    order_id: str
    order_version: int
    """The version of the order the invoice is for: once sent, the locked order's version."""
    currency: str
    issue_date: dt.date
    due_date: dt.date
    payment_terms: PaymentTerms
    po_number: str | None
    seller: Party
    buyer: Party | None
    shipping_address: Address | None
    lines: tuple[InvoiceLine, ...]
    shipping: InvoiceShipping | None
    entries: tuple[InvoiceEntry, ...]
    taxes: tuple[InvoiceTax, ...]
    prices_include_tax: bool
    subtotal: Money
    discount_total: Money
    shipping_total: Money
    debit_total: Money
    credit_total: Money
    tax_total: Money
    total: Money
    amount_paid: Money
    amount_due: Money
    notes: str
    """Customer notes as on the order, placeholders not yet filled (the renderer fills them)."""
    terms: str
    """Order terms as on the order, placeholders not yet filled."""
    checkout_url: str | None

    @property
    def charges(self) -> tuple[InvoiceEntry, ...]:
        """Deprecated name of :attr:`entries` (goes in 0.3)."""
        deprecated("Invoice.charges", "Invoice.entries")
        return self.entries

    @property
    def is_preview(self) -> bool:
        """True until the invoice is sent."""
        return self.status is InvoiceStatus.PREVIEW

    def _repr_html_(self) -> str:
        """The invoice as HTML (en_US), for notebooks; see :func:`render.display_html`."""
        from draftorders.invoice.render import display_html  # render imports this module

        return display_html(self)


__getattr__ = renamed(__name__, globals())

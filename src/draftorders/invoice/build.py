"""Build an :class:`Invoice` from an order and its priced breakdown, and check it adds up."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from urllib.parse import urlsplit

from draftorders.errors import ValidationError
from draftorders.errors.base import amount_text
from draftorders.explain import Adjustment, AdjustmentKind
from draftorders.invoice.model import (
    DiscountKind,
    Invoice,
    InvoiceDiscount,
    InvoiceEntry,
    InvoiceLine,
    InvoiceShipping,
    InvoiceStatus,
    InvoiceTax,
    Party,
)
from draftorders.money import Money, to_money
from draftorders.order import DraftOrder
from draftorders.order.entries import EntryKind
from draftorders.pricing import PricedOrder

__all__ = ["build_invoice", "buyer_of", "check_checkout_url"]


def buyer_of(order: DraftOrder) -> Party | None:
    """The buyer block: the customer, at the billing address (else the shipping address)."""
    customer = order.customer
    address = order.billing_address or order.shipping_address
    if customer is None:
        if address is None or address.name is None:
            return None
        return Party(name=address.name, company=address.company, address=address)
    return Party(
        name=customer.name,
        company=address.company if address is not None else None,
        address=address,
        email=customer.email,
        phone=address.phone if address is not None else None,
        tax_id=customer.tax_id,
        tax_exemption_id=customer.tax_exemption_id if customer.tax_exempt else None,
    )


def build_invoice(
    order: DraftOrder,
    priced: PricedOrder,
    *,
    seller: Party,
    issue_date: dt.date,
    number: str | None = None,
    amount_paid: Money | None = None,
    checkout_url: str | None = None,
    promotion_titles: Mapping[str, str] | None = None,
) -> Invoice:
    """The invoice for ``order`` as ``priced``: a preview when ``number`` is None, else issued.

    ``promotion_titles`` maps promotion ids to the titles customers see (the id is shown
    otherwise). Raises :class:`ValidationError` if ``priced`` is of another order or version.
    """
    if (priced.order_id, priced.version) != (order.id, order.version):
        raise ValidationError(
            "priced",
            f"the breakdown is of {priced.order_id!r} version {priced.version}, not of "
            f"{order.id!r} version {order.version}; price the order again",
        )
    paid = (
        priced.total * 0
        if amount_paid is None
        else to_money(amount_paid, order.currency, "amount_paid")
    )
    if paid > priced.total:
        raise ValidationError(
            "amount_paid",
            f"{amount_text(paid)} paid is more than the invoice's total "
            f"{amount_text(priced.total)}",
        )
    if number is not None and (not number.strip() or not number.isprintable()):
        raise ValidationError("number", f"{number!r} is not an invoice number")
    if checkout_url is not None:
        check_checkout_url(checkout_url)
    titles = promotion_titles or {}
    lines = tuple(
        InvoiceLine(
            line_id=line.line_id,
            title=line.title,
            sku=item.sku,
            quantity=line.quantity,
            unit_price=line.unit_price,
            base=line.base,
            discounts=tuple(_discount(adj, order, titles) for adj in line.adjustments),
            net=line.net,
            tax=line.tax,
        )
        for item, line in zip(order.lines, priced.lines, strict=True)
    )
    invoice = Invoice(
        status=InvoiceStatus.PREVIEW if number is None else InvoiceStatus.ISSUED,
        number=number,
        order_id=order.id,
        order_version=order.version,
        currency=order.currency,
        issue_date=issue_date,
        due_date=order.payment_terms.due_date(issue_date),
        payment_terms=order.payment_terms,
        po_number=order.po_number,
        seller=seller,
        buyer=buyer_of(order),
        shipping_address=order.shipping_address,
        lines=lines,
        shipping=_shipping(priced),
        entries=_entries(priced),
        taxes=tuple(
            InvoiceTax(s.rate.name, s.rate.fraction, s.rate.compound, s.taxable, s.tax)
            for s in priced.tax_summary
        ),
        prices_include_tax=priced.prices_include_tax,
        subtotal=priced.subtotal,
        discount_total=priced.discount_total,
        shipping_total=priced.shipping_total,
        debit_total=priced.debit_total,
        credit_total=priced.credit_total,
        tax_total=priced.tax_total,
        total=priced.total,
        amount_paid=paid,
        amount_due=priced.total - paid,
        notes=order.notes,
        terms=order.terms,
        checkout_url=checkout_url,
    )
    _check_sums(invoice)
    return invoice


def check_checkout_url(url: str) -> str:
    """``url`` if it is an absolute http(s) link: anything else (``javascript:``) would be a
    live link in the customer's mail."""
    parts = urlsplit(url) if isinstance(url, str) else None
    if (
        parts is None
        or parts.scheme not in ("https", "http")
        or not parts.netloc
        or any(c.isspace() or not c.isprintable() for c in url)
    ):
        raise ValidationError("checkout_url", f"{url!r} is not an http(s) link")
    return url


def _discount(adj: Adjustment, order: DraftOrder, titles: Mapping[str, str]) -> InvoiceDiscount:
    if adj.kind is AdjustmentKind.PROMOTION:
        promotion_id = adj.source.partition(":")[2]
        return InvoiceDiscount(
            DiscountKind.PROMOTION, titles.get(promotion_id, promotion_id), adj.amount
        )
    if adj.kind is AdjustmentKind.CREDIT:
        entry_id = adj.source.partition(":")[2]
        title = next((c.title for c in order.entries if c.id == entry_id), None)
        return InvoiceDiscount(DiscountKind.CREDIT, title, adj.amount)
    if adj.source == "manual:order-discount":
        title = order.order_discount.title if order.order_discount is not None else None
        return InvoiceDiscount(DiscountKind.ORDER, title, adj.amount)
    line = next((item for item in order.lines if item.id == adj.target), None)
    title = line.discount.title if line is not None and line.discount is not None else None
    return InvoiceDiscount(DiscountKind.LINE, title, adj.amount)


def _shipping(priced: PricedOrder) -> InvoiceShipping | None:
    shipping = priced.shipping
    if shipping is None:
        return None
    return InvoiceShipping(
        shipping.title, shipping.price, shipping.discount, shipping.amount, shipping.tax
    )


def _entries(priced: PricedOrder) -> tuple[InvoiceEntry, ...]:
    """Debits, and the credits taken after tax (a taxable credit is in the line discounts);
    redeemed points are the rest of ``credit_total``, shown as their own credit."""
    zero = priced.total * 0
    rows = [
        InvoiceEntry(c.title, c.amount if c.kind is EntryKind.DEBIT else -c.amount, c.tax)
        for c in priced.entries
        if c.kind is EntryKind.DEBIT or not c.taxable
    ]
    credits = sum((-row.amount for row in rows if row.amount.amount < 0), zero)
    points = priced.credit_total - credits
    if points.amount:
        rows.append(InvoiceEntry(None, -points, zero, points=priced.points_redeemed))
    return tuple(rows)


def _check_sums(invoice: Invoice) -> None:
    """Every row adds up to its total, and the totals to what is due (to the cent)."""
    zero = invoice.total * 0
    checks = {
        "subtotal": (sum((line.base for line in invoice.lines), zero), invoice.subtotal),
        "discounts": (
            -sum((d.amount for line in invoice.lines for d in line.discounts), zero),
            invoice.discount_total,
        ),
        "tax": (sum((t.tax for t in invoice.taxes), zero), invoice.tax_total),
        "credits and debits": (
            sum((c.amount for c in invoice.entries), zero),
            invoice.debit_total - invoice.credit_total,
        ),
        "total": (
            invoice.subtotal
            - invoice.discount_total
            + invoice.shipping_total
            + invoice.debit_total
            - invoice.credit_total
            + (zero if invoice.prices_include_tax else invoice.tax_total),
            invoice.total,
        ),
    }
    for name, (parts, total) in checks.items():
        if parts != total:
            raise AssertionError(f"invoice {name} does not add up: {parts} != {total}")

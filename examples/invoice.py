"""Invoice the quickstart order: preview it, send it (the email goes through the outbox to an
in-memory mailer), and write the invoice as HTML, text and (with the ``pdf`` extra) PDF, in
en_US and de_DE.

    python examples/invoice.py [--out DIR]      # default: build/invoice-example/

Each locale gets ``DIR/<locale>/invoice.html``, ``invoice.txt`` and ``invoice.pdf``. The script
checks that the HTML is well-formed and shows every amount of the priced order.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

import defusedxml.ElementTree as SafeXML

from draftorders import (
    STANDARD_TEMPLATES,
    Address,
    Customer,
    FixedClock,
    InMemoryMailer,
    Invoice,
    InvoiceLocale,
    Money,
    Party,
    PaymentTerms,
    Ports,
    PricedOrder,
    Shop,
    ShopApp,
    render_html,
    render_pdf,
    render_text,
)
from draftorders.invoice import pdf_available
from quickstart import CATALOG, CONTEXT, build_order

SELLER = Party(
    name="Tea & Mugs Co.",
    address=Address(
        country="US", line1="12 Harbor Road", city="Albany", region="NY", postal_code="12207"
    ),
    email="billing@teamugs.example",
    phone="+1 518 555 0100",
    tax_id="EIN 12-3456789",
)
CUSTOMER = Customer(
    id="C1",
    name="Ada Lovelace",
    email="ada@example.com",
    tax_id="US-TX-998877",
)
BILLING = Address(
    country="US",
    name="Ada Lovelace",
    company="Analytical Engines Ltd",
    line1="1 Main St",
    city="New York",
    region="NY",
    postal_code="10001",
)
LOCALES = ("en_US", "de_DE")


def amounts_shown(priced: PricedOrder) -> list[Money]:
    """Every amount of the priced order that the invoice must show."""
    amounts = [priced.subtotal, -priced.discount_total, priced.shipping_total, priced.tax_total]
    amounts.append(priced.total)
    for line in priced.lines:
        amounts += [line.unit_price, line.base, line.net, line.tax]
        amounts += [adjustment.amount for adjustment in line.adjustments]
    for row in priced.tax_summary:
        amounts += [row.taxable, row.tax]
    return amounts


def write(invoice: Invoice, priced: PricedOrder, out: Path) -> list[Path]:
    """Write the invoice in each locale; check the HTML parses and shows every amount."""
    written = []
    for locale in LOCALES:
        folder = out / locale
        folder.mkdir(parents=True, exist_ok=True)
        html = render_html(invoice, locale)
        SafeXML.fromstring(html.removeprefix("<!DOCTYPE html>"))
        fmt = InvoiceLocale(locale)
        missing = [fmt.money(m) for m in amounts_shown(priced) if fmt.money(m) not in html]
        if missing:
            raise SystemExit(f"{locale}: the HTML does not show {missing}")
        files = {"invoice.html": html, "invoice.txt": render_text(invoice, locale)}
        for name, content in files.items():
            (folder / name).write_text(content, encoding="utf-8")
            written.append(folder / name)
        if pdf_available():
            (folder / "invoice.pdf").write_bytes(render_pdf(invoice, locale))
            written.append(folder / "invoice.pdf")
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Path(__file__).resolve().parent.parent / "build" / "invoice-example"
    parser.add_argument("--out", type=Path, default=default, help="folder to write into")
    out = parser.parse_args().out

    mailer = InMemoryMailer()
    app = ShopApp(
        Shop(CATALOG, context=CONTEXT, seller=SELLER),
        Ports(clock=FixedClock(dt.datetime(2026, 1, 31, 9, 30, tzinfo=dt.UTC)), mailer=mailer),
    )
    order = (
        build_order()
        .set_customer(CUSTOMER)
        .set_billing_address(BILLING)
        .set_po_number("PO-2026-0042")
        .set_payment_terms(PaymentTerms.net(30))
        .set_notes(STANDARD_TEMPLATES.note("payment-request"))
        .set_terms(STANDARD_TEMPLATES.term("net-terms"))
    )
    app.drafts.add(order)

    preview = app.invoicing.preview(order.id)
    print(f"preview of {order.id}: status {preview.status.value}, number {preview.number}")
    delivery = app.invoicing.send(order.id, checkout_url=f"https://shop.example/pay/{order.id}")
    sent = delivery.sent
    email = sent.email()
    print(f"sent {sent.number} to {sent.recipient}: {email['Subject']!r}")
    print(f"order {order.id} is now {delivery.order.status.value}; due {sent.invoice.due_date}")
    print(f"outbox message {delivery.message.status.value}; the mailer holds {len(mailer)}")
    parts = [part.get_content_type() for part in email.walk()]
    print(f"email parts: {', '.join(parts)}")

    priced = app.drafts.price(order.id)
    for path in write(sent.invoice, priced, out):
        print(f"wrote {path}")
    print()
    print(sent.text)


if __name__ == "__main__":
    main()

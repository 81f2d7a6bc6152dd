"""Invoices: the model built from a priced order, payment-terms dates, numbering, locale-aware
HTML / text / PDF rendering, the invoice email, and the record of each one sent."""

from draftorders._compat import renamed
from draftorders.invoice.build import build_invoice, buyer_of, check_checkout_url
from draftorders.invoice.email import InvoiceEmail, InvoiceHeaders, invoice_email, invoice_headers
from draftorders.invoice.labels import LABELS, labels_for
from draftorders.invoice.locale import InvoiceLocale
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
from draftorders.invoice.numbering import InvoiceNumbering
from draftorders.invoice.render import pdf_available, render_html, render_pdf, render_text
from draftorders.invoice.sent import SentInvoice

__all__ = [
    "LABELS",
    "DiscountKind",
    "Invoice",
    "InvoiceDiscount",
    "InvoiceEmail",
    "InvoiceEntry",
    "InvoiceHeaders",
    "InvoiceLine",
    "InvoiceLocale",
    "InvoiceNumbering",
    "InvoiceShipping",
    "InvoiceStatus",
    "InvoiceTax",
    "Party",
    "SentInvoice",
    "build_invoice",
    "buyer_of",
    "check_checkout_url",
    "invoice_email",
    "invoice_headers",
    "labels_for",
    "pdf_available",
    "render_html",
    "render_pdf",
    "render_text",
]


__getattr__ = renamed(__name__, globals())

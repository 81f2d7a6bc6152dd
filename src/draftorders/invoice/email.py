"""Compose the email that carries an invoice: text and HTML parts, and the PDF when possible."""

from __future__ import annotations

import datetime as dt
from email.headerregistry import Address
from email.message import EmailMessage

import attrs

from draftorders.errors import ValidationError
from draftorders.invoice.locale import InvoiceLocale
from draftorders.invoice.model import Invoice
from draftorders.invoice.render import pdf_available, render_html, render_pdf, render_text
from draftorders.notifications import Attachment, compose, email_address, header_text

__all__ = ["InvoiceEmail", "InvoiceHeaders", "invoice_email", "invoice_headers"]


@attrs.frozen
class InvoiceEmail:
    """A composed invoice email and the renderings it carries."""

    message: EmailMessage
    recipient: str
    subject: str
    html: str
    text: str
    pdf: bytes | None


@attrs.frozen
class InvoiceHeaders:
    """The checked headers of an invoice email, and the locale it is written in."""

    locale: InvoiceLocale
    subject: str
    sender: Address
    recipient: Address


def invoice_headers(
    invoice: Invoice,
    *,
    sender: str,
    to: str,
    locale: InvoiceLocale | str = "en_US",
    subject: str | None = None,
) -> InvoiceHeaders:
    """The headers ``invoice_email`` would write, checked (a line break raises
    :class:`~draftorders.errors.HeaderInjection`, an unknown locale ``ValidationError``), so a
    caller can refuse a send before anything is numbered or queued."""
    if invoice.number is None:
        raise ValidationError("invoice", "a preview is not sent; issue it with a number first")
    fmt = locale if isinstance(locale, InvoiceLocale) else InvoiceLocale(locale)
    seller_name = header_text("seller name", invoice.seller.name)
    title = subject or fmt.words["subject"].format(number=invoice.number, shop=seller_name)
    header_text("subject", title)
    return InvoiceHeaders(
        fmt,
        title,
        email_address("from", sender, seller_name),
        email_address("to", to, invoice.buyer.name if invoice.buyer else None),
    )


def invoice_email(
    invoice: Invoice,
    *,
    sender: str,
    to: str,
    locale: InvoiceLocale | str = "en_US",
    subject: str | None = None,
    reply_to: str | None = None,
    attach_pdf: bool | None = None,
    date: dt.datetime | None = None,
    message_id: str | None = None,
) -> InvoiceEmail:
    """The email for ``invoice``: headers checked first (a line break raises
    :class:`~draftorders.errors.HeaderInjection`), then rendered in ``locale``.

    ``attach_pdf`` None attaches the PDF when the ``pdf`` extra is installed; True requires it.
    ``message_id`` fixes the Message-ID (so a message sent again is recognisably the same).
    """
    headers = invoice_headers(invoice, sender=sender, to=to, locale=locale, subject=subject)
    fmt, title, sender_address, recipient = (
        headers.locale,
        headers.subject,
        headers.sender,
        headers.recipient,
    )
    html = render_html(invoice, fmt)
    text = render_text(invoice, fmt)
    pdf = (
        render_pdf(invoice, fmt)
        if (attach_pdf or (attach_pdf is None and pdf_available()))
        else None
    )
    attachments = (
        (Attachment(f"invoice-{invoice.number}.pdf", pdf, "application/pdf"),)
        if pdf is not None
        else ()
    )
    message = compose(
        sender=sender_address,
        to=recipient,
        subject=title,
        text=text,
        html=html,
        attachments=attachments,
        reply_to=reply_to,
        domain=sender_address.domain,
        date=date,
        message_id=message_id,
    )
    return InvoiceEmail(message, recipient.addr_spec, title, html, text, pdf)

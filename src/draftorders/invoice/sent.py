"""What was sent: one record per invoice email, kept by the store.

A :class:`SentInvoice` is written in the same store transaction that numbers the invoice and
locks the order; the email's exact bytes are added once the dispatcher has handed them to the
mail server, so "what did the customer get?" has one answer, whatever the templates or prices
say later.
"""

from __future__ import annotations

import datetime as dt
from email import message_from_bytes, policy
from email.message import EmailMessage

import attrs

from draftorders._validate import (
    aware_datetime,
    check_type,
    non_empty_text,
    optional_aware_datetime,
)
from draftorders.errors import ValidationError
from draftorders.invoice.model import Invoice

__all__ = ["SentInvoice"]


def _numbered(_: object, attribute: attrs.Attribute[Invoice], value: object) -> None:
    if not isinstance(value, Invoice) or value.number is None:
        raise ValidationError(attribute.name, "a sent invoice has a number; a preview is not sent")


@attrs.frozen
class SentInvoice:
    """One invoice email: the invoice as sent, to whom, in which locale, and (once delivered)
    the message exactly as handed to the mail server. A re-send is another record with the same
    invoice (and number)."""

    id: str = attrs.field(validator=non_empty_text)
    invoice: Invoice = attrs.field(validator=_numbered)
    sent_at: dt.datetime = attrs.field(validator=aware_datetime)
    recipient: str = attrs.field(validator=non_empty_text)
    subject: str | None
    """The subject asked for (None: the locale's standard subject)."""
    locale: str = attrs.field(validator=non_empty_text)
    attach_pdf: bool | None = attrs.field(
        default=None, validator=attrs.validators.optional(check_type(bool))
    )
    resent: bool = attrs.field(default=False, validator=check_type(bool))
    message: bytes | None = attrs.field(default=None, repr=False)
    """The message exactly as handed to the mailer (RFC 5322 bytes), once delivered."""
    delivered_at: dt.datetime | None = attrs.field(default=None, validator=optional_aware_datetime)

    @property
    def order_id(self) -> str:
        """The order the invoice is for."""
        return self.invoice.order_id

    @property
    def number(self) -> str:
        """The invoice number."""
        assert self.invoice.number is not None
        return self.invoice.number

    @property
    def delivered(self) -> bool:
        """True once the email was handed to the mail server."""
        return self.message is not None

    def email(self) -> EmailMessage:
        """The delivered message parsed back, to read its parts; :class:`ValidationError` while
        it waits in the outbox."""
        if self.message is None:
            raise ValidationError(
                "message", f"invoice {self.number} is not delivered yet; it waits in the outbox"
            )
        message = message_from_bytes(self.message, policy=policy.default)
        assert isinstance(message, EmailMessage)
        return message

    @property
    def html(self) -> str:
        """The HTML part as delivered."""
        return self._part("html")

    @property
    def text(self) -> str:
        """The plain-text part as delivered."""
        return self._part("plain")

    @property
    def pdf(self) -> bytes | None:
        """The PDF attached, if one was."""
        for part in self.email().iter_attachments():
            if part.get_content_type() == "application/pdf":
                content = part.get_content()
                assert isinstance(content, bytes)
                return content
        return None

    def _part(self, subtype: str) -> str:
        body = self.email().get_body(preferencelist=(subtype,))
        if body is None or body.get_content_subtype() != subtype:
            raise ValidationError("message", f"the invoice email has no {subtype} part")
        content = body.get_content()
        assert isinstance(content, str)
        return content.replace("\r\n", "\n")  # the wire's line ends, back to the rendering's

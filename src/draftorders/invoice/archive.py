"""What was sent: a snapshot per invoice email, and the invoice number sequence.

:class:`InvoiceArchive` is a port like the order store; :class:`InMemoryInvoiceArchive` is its
default. The snapshot keeps the exact bytes of the message handed to the mailer, so "what did
the customer get?" has one answer, whatever the templates or prices say later.
"""

from __future__ import annotations

import datetime as dt
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Protocol

import attrs

from draftorders.invoice.model import Invoice
from draftorders.validate import aware_datetime

__all__ = ["InMemoryInvoiceArchive", "InvoiceArchive", "SentInvoice"]


@attrs.frozen
class SentInvoice:
    """One invoice email as sent: the invoice, its renderings, and the raw message."""

    invoice: Invoice
    sent_at: dt.datetime = attrs.field(validator=aware_datetime)
    recipient: str
    subject: str
    locale: str
    html: str
    text: str
    message: bytes = attrs.field(repr=False)
    """The message exactly as handed to the mailer (RFC 5322 bytes)."""
    pdf: bytes | None = attrs.field(default=None, repr=False)

    @property
    def order_id(self) -> str:
        """The order the invoice is for."""
        return self.invoice.order_id

    @property
    def number(self) -> str:
        """The invoice number."""
        assert self.invoice.number is not None
        return self.invoice.number

    def email(self) -> EmailMessage:
        """The sent message parsed back, to read its parts."""
        message = message_from_bytes(self.message, policy=policy.default)
        assert isinstance(message, EmailMessage)
        return message


class InvoiceArchive(Protocol):
    """Keeps sent invoices and hands out invoice sequence numbers."""

    def next_number(self) -> int:
        """Take the next number of the invoice sequence (1, 2, ...)."""
        ...

    def give_back(self, number: int) -> None:
        """Return a number whose invoice was not sent; it is reused if it is still the last
        one taken, so a failed send leaves no gap in the sequence."""
        ...

    def record(self, sent: SentInvoice) -> None:
        """Keep the snapshot of a sent invoice."""
        ...

    def sent(self, order_id: str) -> list[SentInvoice]:
        """The invoices sent for an order, oldest first."""
        ...


class InMemoryInvoiceArchive:
    """The default archive: a counter and a list per order, safe to share between threads."""

    def __init__(self) -> None:
        self._last = 0
        self._sent: dict[str, list[SentInvoice]] = {}
        self._lock = threading.Lock()

    def next_number(self) -> int:
        """Take the next number of the invoice sequence."""
        with self._lock:
            self._last += 1
            return self._last

    def give_back(self, number: int) -> None:
        """Return an unused number; only the last one taken can be reused."""
        with self._lock:
            if number == self._last:
                self._last -= 1

    def record(self, sent: SentInvoice) -> None:
        """Keep a sent invoice's snapshot."""
        with self._lock:
            self._sent.setdefault(sent.order_id, []).append(sent)

    def sent(self, order_id: str) -> list[SentInvoice]:
        """The invoices sent for ``order_id``, oldest first."""
        with self._lock:
            return list(self._sent.get(order_id, ()))

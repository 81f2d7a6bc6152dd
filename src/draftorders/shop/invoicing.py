"""Invoicing: preview an order's invoice, send it (number, record, email and the order's lock,
in one store unit), re-send it, and read what was sent.

A send allocates the invoice number from the store's ``invoice`` sequence, keeps the sent
invoice, queues its email in the outbox, reserves the order's stock and locks the order, all
in one unit: they happen together or not at all, so numbers are never reused and have no gaps,
and two processes sending one order at once give one number and one email (the other gets
:class:`ConcurrencyConflict`). The email is delivered by the outbox dispatcher, right after
the send when the shop delivers now (the default).
"""

from __future__ import annotations

import datetime as dt

import attrs

from draftorders.errors import MissingExtra, ValidationError
from draftorders.events import OrderEvent
from draftorders.invoice import (
    Invoice,
    SentInvoice,
    build_invoice,
    check_checkout_url,
    invoice_headers,
)
from draftorders.invoice.render import pdf_available
from draftorders.lifecycle import Transition, resend_invoice, send_invoice
from draftorders.money import Money
from draftorders.notifications import OutboxMessage, email_address
from draftorders.order import DraftOrder, Status
from draftorders.payments import summarize
from draftorders.pricing import PricedOrder
from draftorders.shop.dispatch import INVOICE_EMAIL, Dispatcher
from draftorders.shop.guard import lock_order
from draftorders.shop.ports import Ports
from draftorders.shop.quotes import Quotes
from draftorders.shop.settings import Shop
from draftorders.shop.stock import Stock
from draftorders.storage import Unit

__all__ = ["InvoiceDelivery", "Invoicing"]


@attrs.frozen
class InvoiceDelivery:
    """The result of sending an invoice: the lifecycle transition, the sent invoice (with the
    email's bytes once delivered) and its outbox message."""

    transition: Transition
    sent: SentInvoice
    message: OutboxMessage

    @property
    def order(self) -> DraftOrder:
        """The order after sending (locked, invoice sent)."""
        return self.transition.order

    @property
    def events(self) -> tuple[OrderEvent, ...]:
        """What happened."""
        return self.transition.events

    @property
    def delivered(self) -> bool:
        """True if the email was handed to the mail server already."""
        return self.sent.delivered


class Invoicing:
    """The shop's invoices: previews, sends, re-sends and the record of what was sent."""

    def __init__(
        self, shop: Shop, ports: Ports, quotes: Quotes, stock: Stock, outbox: Dispatcher
    ) -> None:
        self.shop = shop
        self.ports = ports
        self.quotes = quotes
        self.stock = stock
        self.outbox = outbox

    def preview(self, order_id: str) -> Invoice:
        """The invoice as it stands now: the last one sent if the order is no longer a draft
        (with what was paid since), else a preview (no number) of the order as priced now."""
        with self.ports.store.unit(write=False) as unit:
            stored = unit.orders.get(order_id)
            sent = unit.invoices.of(order_id)
            records = unit.payments.transactions(order_id)
        if stored.status is not Status.DRAFT and sent:
            invoice = sent[-1].invoice
            return _with_paid(invoice, summarize(invoice.total, records).paid)
        current, priced = self.quotes.quote(stored)
        paid = summarize(priced.total, records).paid
        return self.invoice_for(current, priced, self.ports.clock.today(), paid=paid)

    def sent(self, order_id: str) -> list[SentInvoice]:
        """Every invoice email sent for the order, oldest first (with its bytes once
        delivered)."""
        with self.ports.store.unit(write=False) as unit:
            return unit.invoices.of(order_id)

    def send(
        self,
        order_id: str,
        *,
        to: str | None = None,
        locale: str | None = None,
        subject: str | None = None,
        checkout_url: str | None = None,
    ) -> InvoiceDelivery:
        """Number the draft's invoice, keep it, queue its email and lock the order, in one
        store unit; then deliver the email if the shop delivers now.

        The invoice goes ``to`` the given address, else the customer's email, written for
        ``locale``, else the customer's, else the shop's. A checkout link for the locked
        version is put on it (when the shop signs links) unless ``checkout_url`` is given. An
        order already sent raises :class:`InvalidTransition` (re-send it with
        :meth:`resend`); one changed since it was read, :class:`ConcurrencyConflict`. A mail
        server that fails does not undo the send: the email waits in the outbox and is tried
        again.
        """
        stored = self._read(order_id)
        recipient = self._recipient(stored, to)
        self._check_pdf()
        current, priced = self.quotes.quote(stored)
        transition = send_invoice(current, priced)
        language = self._language(stored, locale)
        version = transition.order.version
        url = (
            check_checkout_url(checkout_url)
            if checkout_url is not None
            else self.checkout_url(order_id, version)
        )
        now = self.ports.clock.now()
        with self.ports.store.unit() as unit:
            lock_order(unit, order_id, stored.version)
            paid = summarize(priced.total, unit.payments.transactions(order_id)).paid
            number = self.shop.invoice_numbering.number(unit.next_number("invoice"), now.date())
            invoice = attrs.evolve(
                self.invoice_for(current, priced, now.date(), number, url, paid=paid),
                order_version=version,
            )
            self._check_headers(invoice, recipient, language, subject)
            sent, message = self._queue(unit, invoice, now, recipient, subject, language, False)
            self.stock.reserve(unit, current, at=now)
            unit.orders.replace(transition.order, stored.version)
        return self._deliver(transition, sent, message)

    def resend(
        self,
        order_id: str,
        *,
        to: str | None = None,
        locale: str | None = None,
        subject: str | None = None,
        checkout_url: str | None = None,
    ) -> InvoiceDelivery:
        """Send a sent order's invoice again: same number, same version (its checkout link
        stays valid unless another is given), with what was paid since; only while the order
        still prices at the total it was invoiced at (else :class:`InvoiceOutdated`)."""
        stored = self._read(order_id)
        recipient = self._recipient(stored, to)
        self._check_pdf()
        current, priced = self.quotes.quote(stored)
        transition = resend_invoice(current, priced)
        language = self._language(stored, locale)
        now = self.ports.clock.now()
        with self.ports.store.unit() as unit:
            lock_order(unit, order_id, stored.version)
            last = [
                s for s in unit.invoices.of(order_id) if s.invoice.order_version == stored.version
            ]
            if not last:
                raise ValidationError(
                    "order",
                    f"order {order_id!r} has no invoice sent for version "
                    f"{stored.version}; revert it to draft and send it",
                )
            invoice = last[-1].invoice
            if checkout_url is not None:
                invoice = attrs.evolve(invoice, checkout_url=check_checkout_url(checkout_url))
            paid = summarize(invoice.total, unit.payments.transactions(order_id)).paid
            invoice = _with_paid(invoice, paid)
            self._check_headers(invoice, recipient, language, subject)
            sent, message = self._queue(unit, invoice, now, recipient, subject, language, True)
        return self._deliver(transition, sent, message)

    # -- steps for other parts of the shop -----------------------------------------------------

    def checkout_url(self, order_id: str, version: int) -> str | None:
        """A signed checkout link for ``order_id`` at ``version``, or None when the shop has no
        checkout links configured."""
        links = self.shop.checkout_links
        if links is None:
            return None
        return links.url(order_id, version, self.ports.clock.now())

    def invoice_for(
        self,
        order: DraftOrder,
        priced: PricedOrder,
        issue_date: dt.date,
        number: str | None = None,
        checkout_url: str | None = None,
        *,
        paid: Money | None = None,
    ) -> Invoice:
        """The invoice for ``order`` as ``priced``, from the shop's seller block, with the
        promotions' titles and ``paid`` (Money) so far."""
        book = self.shop.context.promotions
        titles = {pid: book.get(pid).title for pid in priced.applied_promotions}
        amount_paid = min(paid, priced.total) if paid is not None else None
        return build_invoice(
            order,
            priced,
            seller=self.shop.seller,
            issue_date=issue_date,
            number=number,
            checkout_url=checkout_url,
            promotion_titles=titles,
            amount_paid=amount_paid,
        )

    # -- the workings ----------------------------------------------------------------------------

    def _read(self, order_id: str) -> DraftOrder:
        with self.ports.store.unit(write=False) as unit:
            return unit.orders.get(order_id)

    def _recipient(self, order: DraftOrder, to: str | None) -> str:
        """The recipient (and the shop's sender address), checked before anything is priced or
        written."""
        if to is None:
            if order.customer is None or order.customer.email is None:
                raise ValidationError(
                    "to", f"order {order.id!r} has no customer email; give the address with to="
                )
            to = order.customer.email
        email_address("to", to)
        sender = self.shop.seller.email
        if sender is None:
            raise ValidationError(
                "seller", "the shop's seller block has no email to send invoices from"
            )
        email_address("from", sender)
        return to

    def _check_headers(
        self, invoice: Invoice, recipient: str, locale: str, subject: str | None
    ) -> None:
        """Refuse, before anything is written, an email the dispatcher could never send."""
        invoice_headers(
            invoice,
            sender=self.shop.seller.email or "",
            to=recipient,
            locale=locale,
            subject=subject,
        )

    def _check_pdf(self) -> None:
        if self.shop.attach_pdf and not pdf_available():
            raise MissingExtra("pdf", "attaching invoices as PDF", ImportError("weasyprint"))

    def _language(self, order: DraftOrder, locale: str | None) -> str:
        customer = order.customer.locale if order.customer is not None else None
        return locale or customer or self.shop.locale

    def _queue(
        self,
        unit: Unit,
        invoice: Invoice,
        now: dt.datetime,
        recipient: str,
        subject: str | None,
        locale: str,
        resent: bool,
    ) -> tuple[SentInvoice, OutboxMessage]:
        """Keep the sent invoice and queue its email, in ``unit``."""
        sent = SentInvoice(
            id=f"S{unit.next_number('sent_invoice')}",
            invoice=invoice,
            sent_at=now,
            recipient=recipient,
            subject=subject,
            locale=locale,
            attach_pdf=self.shop.attach_pdf,
            resent=resent,
        )
        message = OutboxMessage(
            id=f"M{unit.next_number('outbox')}",
            kind=INVOICE_EMAIL,
            subject_id=sent.id,
            order_id=invoice.order_id,
            created_at=now,
        )
        unit.invoices.add(sent)
        unit.outbox.add(message)
        return sent, message

    def _deliver(
        self, transition: Transition, sent: SentInvoice, message: OutboxMessage
    ) -> InvoiceDelivery:
        if self.shop.deliver_now:
            message = self.outbox.deliver(message.id)
            with self.ports.store.unit(write=False) as unit:
                sent = unit.invoices.get(sent.id)
        return InvoiceDelivery(transition, sent, message)


def _with_paid(invoice: Invoice, paid: Money) -> Invoice:
    """The invoice with what was paid on it so far (never more than its total)."""
    kept = min(paid, invoice.total)
    return attrs.evolve(invoice, amount_paid=kept, amount_due=invoice.total - kept)

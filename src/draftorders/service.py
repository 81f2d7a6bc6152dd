"""The application facade: loads, edits, prices, moves through the lifecycle and saves.

It is the only part of the library that calls ports (the store, the clock). Everything it does
can also be done by hand with the pure pieces; it exists so that the usual flow is one call.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar, cast

import attrs

from draftorders.catalog import Catalog
from draftorders.checkout_links import CheckoutLinks
from draftorders.clock import Clock, SystemClock
from draftorders.customers import Customer
from draftorders.errors import (
    ConcurrencyConflict,
    DeliveryFailed,
    DraftOrdersError,
    DuplicateOrderId,
    ProviderError,
    UnknownCode,
    ValidationError,
)
from draftorders.events import OrderCompleted, OrderEvent
from draftorders.ids import next_order_id
from draftorders.inventory import Inventory
from draftorders.invoice import (
    InMemoryInvoiceArchive,
    Invoice,
    InvoiceArchive,
    InvoiceNumbering,
    Party,
    SentInvoice,
    build_invoice,
    check_checkout_url,
    invoice_email,
)
from draftorders.lifecycle import (
    Transition,
    accept_payment,
    resend_invoice,
    revert_to_draft,
    send_invoice,
)
from draftorders.money import Money
from draftorders.money import currency as check_currency
from draftorders.note_templates import STANDARD_TEMPLATES, TemplateBook
from draftorders.notifications import Mailer, Outbox
from draftorders.order import DraftOrder, Status, normal_code
from draftorders.payments import summarize
from draftorders.pricing import PricedOrder, PricingContext, price
from draftorders.shipping import Box, RateProvider, RateSearch, ShippingZone, find_rates
from draftorders.storage import InMemoryStore, Store
from draftorders.tax import TaxProvider, TaxQuote, TaxRequest, TaxRequestLine

__all__ = ["DraftOrderService", "Edit", "InvoiceDelivery", "tax_request"]

Edit = Callable[[DraftOrder], DraftOrder]
"""An edit: a function from an order to the edited order, e.g. ``lambda o: o.set_notes("x")``."""


def tax_request(order: DraftOrder, untaxed: PricedOrder) -> TaxRequest:
    """What a tax engine is asked for an order priced without tax: each taxable line's net."""
    lines = tuple(
        TaxRequestLine(item.id, item.sku, item.tax_category, item.quantity, priced.net)
        for item, priced in zip(order.lines, untaxed.lines, strict=True)
        if item.taxable
    )
    return TaxRequest(
        order_id=order.id,
        currency=order.currency,
        destination=order.shipping_address or order.billing_address,
        prices_include_tax=untaxed.prices_include_tax,
        lines=lines,
        shipping=untaxed.shipping_total if order.shipping is not None else None,
    )


@attrs.frozen
class InvoiceDelivery:
    """The result of sending an invoice: the lifecycle transition and what was sent."""

    transition: Transition
    sent: SentInvoice

    @property
    def order(self) -> DraftOrder:
        """The order after sending (locked, invoice sent)."""
        return self.transition.order

    @property
    def events(self) -> tuple[OrderEvent, ...]:
        """What happened."""
        return self.transition.events


_Method = TypeVar("_Method", bound=Callable[..., Any])
_ID_ATTEMPTS = 20
"""How often a generated order id is tried again when another service took it first."""


def _one_at_a_time(method: _Method) -> _Method:
    """Run the service method under the lock of the order it names (its first argument)."""

    @functools.wraps(method)
    def locked(self: DraftOrderService, order_id: str, *args: Any, **kwargs: Any) -> Any:
        with self.locked(order_id):
            return method(self, order_id, *args, **kwargs)

    return cast(_Method, locked)


class DraftOrderService:
    """Draft orders for one shop: its catalog, pricing settings, store and clock.

    Every defaulted port works with no set-up (in-memory store, system clock).
    """

    def __init__(
        self,
        catalog: Catalog,
        *,
        currency: str = "USD",
        context: PricingContext | None = None,
        store: Store | None = None,
        clock: Clock | None = None,
        id_prefix: str = "D",
        tax_provider: TaxProvider | None = None,
        shipping_zones: Sequence[ShippingZone] = (),
        boxes: Sequence[Box] = (),
        rate_providers: Sequence[RateProvider] = (),
        seller: Party | None = None,
        mailer: Mailer | None = None,
        invoice_archive: InvoiceArchive | None = None,
        invoice_numbering: InvoiceNumbering | None = None,
        locale: str = "en_US",
        templates: TemplateBook = STANDARD_TEMPLATES,
        attach_pdf: bool | None = None,
        checkout_links: CheckoutLinks | None = None,
        inventory: Inventory | None = None,
        reserve_for: dt.timedelta | None = dt.timedelta(days=14),
    ) -> None:
        self.catalog = catalog
        self.currency = check_currency(currency).code
        self.context = context if context is not None else PricingContext()
        self.store: Store = store if store is not None else InMemoryStore()
        self.clock: Clock = clock if clock is not None else SystemClock()
        self.id_prefix = id_prefix
        self.tax_provider = tax_provider
        """An external tax engine; without one, the context's tax calculator is used."""
        self.shipping_zones = tuple(shipping_zones)
        self.boxes = tuple(boxes)
        self.rate_providers = tuple(rate_providers)
        self.seller = seller if seller is not None else Party(name="Shop")
        """The seller block of invoices; its email is the sender of invoice emails."""
        self.mailer: Mailer = mailer if mailer is not None else Outbox()
        self.invoice_archive: InvoiceArchive = (
            invoice_archive if invoice_archive is not None else InMemoryInvoiceArchive()
        )
        self.invoice_numbering = (
            invoice_numbering if invoice_numbering is not None else InvoiceNumbering()
        )
        self.locale = locale
        """Invoices are written for the customer's locale, else this one."""
        self.templates = templates
        """The named templates merchants pick customer notes and order terms from."""
        self.attach_pdf = attach_pdf
        """Attach the invoice as PDF: when the ``pdf`` extra is installed (None), always (True,
        :class:`MissingExtra` without it) or never (False)."""
        self.checkout_links = checkout_links
        """Signs the checkout link put on every invoice sent; no link when None."""
        self.inventory = inventory
        """Stock of tracked SKUs: reserved when an invoice is sent, taken on completion."""
        self.reserve_for = reserve_for
        """How long a sent invoice holds its stock (None: until reverted or completed)."""
        self._locks: dict[str, threading.RLock] = {}
        self._locks_guard = threading.Lock()
        self.events: list[OrderEvent] = []
        """Events of every transition made through this service, oldest first."""

    # -- building ------------------------------------------------------------------------------

    def create(
        self,
        *,
        order_id: str | None = None,
        customer: Customer | None = None,
        currency: str | None = None,
        order_date: dt.date | None = None,
    ) -> DraftOrder:
        """Create and save an empty draft; the id is generated unless given, the date is today."""
        return self._save_new(
            order_id,
            lambda oid: DraftOrder.new(
                oid,
                currency if currency is not None else self.currency,
                order_date if order_date is not None else self.clock.today(),
                customer=customer,
            ),
        )

    @_one_at_a_time
    def edit(self, order_id: str, *edits: Edit) -> DraftOrder:
        """Apply ``edits`` to the stored order and save the result; a failing edit saves nothing."""
        stored = self.store.get(order_id)
        order = stored
        for edit in edits:
            order = edit(order)
        self.store.save(order, expected_version=stored.version)
        return order

    def save(self, order: DraftOrder, expected_version: int | None = None) -> DraftOrder:
        """Save an order edited by hand: new (``expected_version=None``) or based on a version."""
        with self.locked(order.id):
            self.store.save(order, expected_version)
        return order

    def get(self, order_id: str) -> DraftOrder:
        """Resume a saved order."""
        return self.store.get(order_id)

    def drafts(self) -> list[DraftOrder]:
        """Orders not yet completed: drafts and sent invoices."""
        return self.store.list(Status.DRAFT, Status.INVOICE_SENT)

    def orders(self) -> list[DraftOrder]:
        """Completed (paid) orders: the orders list."""
        return self.store.list(Status.COMPLETED)

    def duplicate(self, order_id: str, new_id: str | None = None) -> DraftOrder:
        """Save a new draft with the contents of ``order_id`` under a new id, dated today."""
        source = self.store.get(order_id)
        return self._save_new(new_id, lambda oid: source.duplicate(oid, self.clock.today()))

    def _save_new(self, order_id: str | None, make: Callable[[str], DraftOrder]) -> DraftOrder:
        """Save a new order under ``order_id``, or under the next free generated id: when
        several services share a store, another may take that id first, so try the next."""
        for _ in range(_ID_ATTEMPTS):
            order = make(
                order_id
                if order_id is not None
                else next_order_id(self.store.ids(), self.id_prefix)
            )
            try:
                self.store.save(order)
            except DuplicateOrderId:
                if order_id is not None:
                    raise
                continue
            return order
        raise DuplicateOrderId(order.id)

    # -- pricing and lifecycle -------------------------------------------------------------------

    @_one_at_a_time
    def apply_code(self, order_id: str, code: str) -> DraftOrder:
        """Enter a coupon code on a draft; a code no promotion has raises UnknownCode."""
        normal = normal_code(code)
        if not self.context.promotions.knows_code(normal):
            raise UnknownCode(normal)
        return self.edit(order_id, lambda order: order.add_code(normal))

    def pricing_context(self, order: DraftOrder) -> PricingContext:
        """The shop's context for ``order``: promotion usage as the store has it now, and the
        tax engine's quote when there is one (a failing engine raises ProviderError)."""
        context = attrs.evolve(self.context, usage=self.store.promotion_usage())
        exempt = order.customer is not None and order.customer.tax_exempt
        if self.tax_provider is None or not order.taxes_enabled or exempt:
            return context
        untaxed = price(order, attrs.evolve(context, tax=None))
        request = tax_request(order, untaxed)
        try:
            quote = self.tax_provider.quote(request)
        except DraftOrdersError:
            raise
        except Exception as error:
            raise ProviderError("tax provider", f"the quote failed: {error!r}") from error
        if not isinstance(quote, TaxQuote):
            raise ProviderError("tax provider", f"expected a TaxQuote, got {quote!r}")
        return attrs.evolve(context, tax_quote=quote.check(request))

    def price(self, order_id: str) -> PricedOrder:
        """Price the stored order with the shop's context (a shipping rate chosen from the
        rates is re-computed first; see :meth:`current`)."""
        order, notes = self.current(self.store.get(order_id))
        priced = price(order, self.pricing_context(order))
        return attrs.evolve(priced, notes=(*notes, *priced.notes)) if notes else priced

    # -- invoices ------------------------------------------------------------------------------

    def preview_invoice(self, order_id: str) -> Invoice:
        """The invoice as it stands now, in any status: the last one sent if the order is
        locked or completed (with what was paid since), else a preview (no number) of the
        order as priced now, dated today."""
        stored = self.store.get(order_id)
        if stored.status is not Status.DRAFT:
            sent = self.invoice_archive.sent(order_id)
            if sent:  # the invoice sent, with what was paid since
                invoice = sent[-1].invoice
                paid = summarize(invoice.total, self.store.transactions(order_id)).paid
                paid = min(paid, invoice.total)
                return attrs.evolve(invoice, amount_paid=paid, amount_due=invoice.total - paid)
        order, _ = self.current(stored)
        priced = price(order, self.pricing_context(order))
        return self.invoice_for(order, priced, self.clock.today(), None, None)

    def sent_invoices(self, order_id: str) -> list[SentInvoice]:
        """Snapshots of every invoice email sent for the order, oldest first."""
        return self.invoice_archive.sent(order_id)

    @_one_at_a_time
    def send_invoice(
        self,
        order_id: str,
        *,
        to: str | None = None,
        locale: str | None = None,
        subject: str | None = None,
        checkout_url: str | None = None,
    ) -> InvoiceDelivery:
        """Price the order, email its invoice, lock it as invoice sent, and keep a snapshot.

        The invoice goes ``to`` the given address, else the customer's email, written for
        ``locale``, else the customer's, else the shop's. A locked order's invoice is sent again
        with the same number while its total holds (else :class:`InvoiceOutdated`). If the
        mailer fails, :class:`DeliveryFailed` is raised and nothing changes: the order stays a
        draft and the invoice number is not used up.
        """
        stored = self.store.get(order_id)
        recipient = self._recipient(stored, to)
        sender = self._sender()
        order, _ = self.current(stored)
        priced = price(order, self.pricing_context(order))
        resending = stored.status is Status.INVOICE_SENT
        transition = resend_invoice(order, priced) if resending else send_invoice(order, priced)
        language = locale or (order.customer.locale if order.customer else None) or self.locale
        previous = self.invoice_archive.sent(order_id) if resending else []
        taken: int | None = None
        now = self.clock.now()
        try:
            if previous:  # the same invoice again, with a new checkout link if one is given
                invoice = previous[-1].invoice
                if checkout_url is not None:
                    invoice = attrs.evolve(invoice, checkout_url=check_checkout_url(checkout_url))
            else:
                if checkout_url is None:
                    checkout_url = self.checkout_url(order, transition.order.version)
                taken = self.invoice_archive.next_number()
                number = self.invoice_numbering.number(taken, now.date())
                invoice = attrs.evolve(
                    self.invoice_for(order, priced, now.date(), number, checkout_url),
                    order_version=transition.order.version,
                )
            mail = invoice_email(
                invoice,
                sender=sender,
                to=recipient,
                locale=language,
                subject=subject,
                attach_pdf=self.attach_pdf,
                date=now,
            )
            raw = mail.message.as_bytes()  # fixes the MIME boundaries: these bytes are sent
            latest = self.store.get(order_id).version
            if latest != stored.version:
                raise ConcurrencyConflict(order_id, stored.version, latest)
            reserving = self.inventory is not None and not resending
            if reserving:
                assert self.inventory is not None
                until = now + self.reserve_for if self.reserve_for is not None else None
                self.inventory.reserve(order, at=now, until=until)
            try:
                self._deliver(mail.message)
            except BaseException:
                if reserving:
                    assert self.inventory is not None
                    self.inventory.release(order_id, at=now)
                raise
        except BaseException:
            if taken is not None:
                self.invoice_archive.give_back(taken)
            raise
        sent = SentInvoice(
            invoice=invoice,
            sent_at=now,
            recipient=mail.recipient,
            subject=mail.subject,
            locale=language,
            html=mail.html,
            text=mail.text,
            message=raw,
            pdf=mail.pdf,
        )
        self.invoice_archive.record(sent)  # it was sent: keep it, whatever happens next
        if resending:
            self.events.extend(transition.events)
        else:
            self._apply(stored, transition)
        return InvoiceDelivery(transition, sent)

    @contextlib.contextmanager
    def locked(self, order_id: str) -> Iterator[None]:
        """Hold the order's lock: edits, sends, payments and checkouts of one order, in this
        process, run one at a time (across processes, versions, transaction counts and
        idempotency keys keep them apart). Re-entrant."""
        with self._locks_guard:
            lock = self._locks.setdefault(order_id, threading.RLock())
        with lock:
            yield

    def checkout_url(self, order: DraftOrder, version: int | None = None) -> str | None:
        """A signed checkout link for ``order`` at ``version`` (its own by default), or None
        when the shop has no checkout links configured."""
        if self.checkout_links is None:
            return None
        return self.checkout_links.url(
            order.id, order.version if version is None else version, self.clock.now()
        )

    def payment_total(self, order: DraftOrder) -> Money:
        """What payments are counted against: the total the order was completed at, else the
        total its invoice was sent at, else what it prices at now."""
        if order.completed_total is not None:
            return order.completed_total
        if order.invoiced_total is not None:
            return order.invoiced_total
        current, _ = self.current(order)
        return price(current, self.pricing_context(current)).total

    def invoice_for(
        self,
        order: DraftOrder,
        priced: PricedOrder,
        issue_date: dt.date,
        number: str | None = None,
        checkout_url: str | None = None,
    ) -> Invoice:
        """The invoice for ``order`` as ``priced``, from the shop's seller block, with the
        promotions' titles and what was paid so far."""
        titles = {pid: self.context.promotions.get(pid).title for pid in priced.applied_promotions}
        paid = summarize(priced.total, self.store.transactions(order.id)).paid
        return build_invoice(
            order,
            priced,
            seller=self.seller,
            issue_date=issue_date,
            number=number,
            checkout_url=checkout_url,
            promotion_titles=titles,
            amount_paid=min(paid, priced.total),
        )

    def _recipient(self, order: DraftOrder, to: str | None) -> str:
        if to is not None:
            return to
        if order.customer is not None and order.customer.email is not None:
            return order.customer.email
        raise ValidationError(
            "to", f"order {order.id!r} has no customer email; give the address with to="
        )

    def _sender(self) -> str:
        if self.seller.email is None:
            raise ValidationError(
                "seller", "the shop's seller block has no email to send invoices from"
            )
        return self.seller.email

    def _deliver(self, message: object) -> None:
        try:
            self.mailer.send(message)  # type: ignore[arg-type]
        except DraftOrdersError:
            raise
        except Exception as error:
            raise DeliveryFailed("mailer", f"the invoice email was not sent ({error!r})") from error

    # -- shipping --------------------------------------------------------------------------------

    def find_rates(self, order_id: str) -> RateSearch:
        """The shipping options for the stored order: the shop's rate tables and any carrier
        services, sorted by price. Needs a shipping address."""
        return self.rates_for(self.store.get(order_id))

    @_one_at_a_time
    def choose_rate(self, order_id: str, method: str) -> DraftOrder:
        """Set the order's shipping line to one of its options; it is re-computed on changes."""
        option = self.find_rates(order_id).option(method)
        return self.edit(
            order_id, lambda o: o.set_shipping(option.method, option.amount, from_rates=True)
        )

    def current(self, order: DraftOrder) -> tuple[DraftOrder, tuple[str, ...]]:
        """A draft whose shipping was chosen from the rates, with that rate re-computed for the
        order as it is now (same version, not saved), and a note when its price moved or the
        rate is no longer offered (the last price is then kept)."""
        shipping = order.shipping
        if shipping is None or not shipping.from_rates or order.is_locked:
            return order, ()
        if not (self.shipping_zones or self.rate_providers):
            return order, ()
        search = self.rates_for(order)
        offered = {option.method: option for option in search.options}
        option = offered.get(shipping.title)
        if option is None:
            why = "; ".join(search.reasons) or "not offered"
            return order, (
                f"shipping rate {shipping.title} is no longer available ({why}); "
                f"the last price {shipping.price.amount} is kept",
            )
        if option.amount == shipping.price:
            return order, ()
        moved = attrs.evolve(order, shipping=attrs.evolve(shipping, price=option.amount))
        note = (
            f"shipping rate {shipping.title} re-computed: {shipping.price.amount} -> "
            f"{option.amount.amount} ({option.reason})"
        )
        return moved, (note,)

    def rates_for(self, order: DraftOrder) -> RateSearch:
        """The shipping options for ``order`` as given (saved or not), sorted by price."""
        untaxed = price(order, attrs.evolve(self.context, tax=None))
        subtotal = untaxed.net_subtotal
        search = find_rates(order, self.shipping_zones, subtotal, boxes=self.boxes)
        options = list(search.options)
        for provider in self.rate_providers:
            try:
                options.extend(provider.rates(order, search.packages, subtotal))
            except DraftOrdersError:
                raise
            except Exception as error:
                raise ProviderError("rate provider", f"rates failed: {error!r}") from error
        options.sort(key=lambda option: (option.amount.amount, option.method))
        return attrs.evolve(search, options=tuple(options))

    @_one_at_a_time
    def revert_to_draft(self, order_id: str) -> Transition:
        """Unlock a sent order for editing; its earlier invoice becomes stale."""
        order = self.store.get(order_id)
        transition = self._apply(order, revert_to_draft(order))
        if self.inventory is not None:
            self.inventory.release(order_id, at=self.clock.now())
        return transition

    @_one_at_a_time
    def accept_payment(self, order_id: str) -> Transition:
        """Complete the order: it moves from the drafts to the orders list at its current
        total. Whether it is paid is for its transactions to say (see
        :class:`~draftorders.cashier.Cashier`): completed without any, it is payment pending
        under its terms."""
        stored = self.store.get(order_id)
        order, _ = self.current(stored)
        priced = price(order, self.pricing_context(order))
        transition = accept_payment(order, priced)
        if self.inventory is None:
            return self._apply(stored, transition)
        with self.inventory.locked():  # no other order takes the stock between check and commit
            self.inventory.check(order)
            self._apply(stored, transition)
            self.completed(transition.order)
        return transition

    def completed(self, order: DraftOrder) -> None:
        """What follows an order's completion: its stock is taken (committed)."""
        if self.inventory is not None:
            self.inventory.commit(order, at=self.clock.now())

    @_one_at_a_time
    def delete(self, order_id: str) -> None:
        """Delete a draft (or a sent invoice's order) with its transactions, and release its
        stock; a completed order is final and raises :class:`InvalidTransition`."""
        stored = self.store.get(order_id)
        self.store.delete(order_id, stored.version)
        if self.inventory is not None:
            self.inventory.release(order_id, at=self.clock.now())

    def expire_reservations(self) -> list[str]:
        """Release the stock of sent invoices whose reservation date has passed."""
        if self.inventory is None:
            return []
        return self.inventory.expire(self.clock.now())

    def _apply(self, before: DraftOrder, transition: Transition) -> Transition:
        self.store.save(transition.order, expected_version=before.version)
        for event in transition.events:
            if isinstance(event, OrderCompleted) and event.promotions:
                self.store.record_usage(event.promotions, event.customer_id)
        self.events.extend(transition.events)
        return transition

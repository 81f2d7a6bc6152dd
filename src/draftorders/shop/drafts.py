"""Drafts: create orders (ids from the store's sequence, never reused), edit, select customers
and addresses, choose shipping, revert, cancel, delete and complete them, each change one store
unit under the order's row lock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Literal

from draftorders.customers import Address, Customer
from draftorders.errors import (
    BelowPaid,
    ConcurrencyConflict,
    CustomerNotFound,
    DuplicateCustomer,
    DuplicateOrderId,
    MoneyOnOrder,
    UnknownCode,
    ValidationError,
)
from draftorders.lifecycle import Transition, cancel, complete, revert_to_draft
from draftorders.money import Money
from draftorders.order import DraftOrder, Status, normal_code
from draftorders.payments import summarize
from draftorders.pricing import PricedOrder
from draftorders.shipping import RateSearch
from draftorders.shop.customers import Customers
from draftorders.shop.guard import lock_order
from draftorders.shop.ports import Ports
from draftorders.shop.quotes import Quotes
from draftorders.shop.settings import Shop
from draftorders.shop.stock import Stock
from draftorders.storage import OrderQuery, Tombstone, Unit

__all__ = ["Drafts", "Edit"]

Edit = Callable[[DraftOrder], DraftOrder]
"""An edit: a function from an order to the edited order, e.g. ``lambda o: o.set_notes("x")``."""

_ID_ATTEMPTS = 50
"""How many generated ids are tried when ids were also given by hand."""


class Drafts:
    """The drafts of one shop: build, edit and resume them, and move them through the
    lifecycle (revert, cancel, complete with payment to come)."""

    def __init__(
        self, shop: Shop, ports: Ports, quotes: Quotes, stock: Stock, customers: Customers
    ) -> None:
        self.shop = shop
        self.ports = ports
        self.quotes = quotes
        self.stock = stock
        self.customers = customers

    # -- building --------------------------------------------------------------------------------

    def create(
        self,
        *,
        order_id: str | None = None,
        customer: str | Customer | None = None,
        currency: str | None = None,
        order_date: dt.date | None = None,
    ) -> DraftOrder:
        """Create and save an empty draft. The id is generated unless given; the date is today.
        ``customer`` is a customer id from the directory, or a :class:`Customer`, added to the
        directory if it is new there ("create as you go"); one the directory has with other
        details raises :class:`DuplicateCustomer`."""
        today = order_date if order_date is not None else self.ports.clock.today()
        code = currency if currency is not None else self.shop.currency
        with self.ports.store.unit() as unit:
            snapshot = self._customer(unit, customer) if customer is not None else None
            return self._add(
                unit, order_id, lambda oid: DraftOrder.new(oid, code, today, customer=snapshot)
            )

    def add(self, order: DraftOrder) -> DraftOrder:
        """Save a draft built by hand (``DraftOrder.new(...)`` and its edits) under its own id."""
        if not isinstance(order, DraftOrder) or order.status is not Status.DRAFT:
            raise ValidationError("order", f"expected a draft DraftOrder, got {order!r}")
        with self.ports.store.unit() as unit:
            unit.orders.add(order)
        return order

    def duplicate(self, order_id: str, new_id: str | None = None) -> DraftOrder:
        """Save a new draft with the contents of ``order_id`` under a new id, dated today."""
        source = self.get(order_id)
        today = self.ports.clock.today()
        with self.ports.store.unit() as unit:
            return self._add(unit, new_id, lambda oid: source.duplicate(oid, today))

    def edit(self, order_id: str, *edits: Edit) -> DraftOrder:
        """Apply ``edits`` to the stored order and save the result; a failing edit saves nothing.

        The edits run on the order as read; the save is refused with
        :class:`ConcurrencyConflict` if another change landed meanwhile. An edit that would
        bring the total below what was paid on the order raises :class:`BelowPaid`."""
        stored = self.get(order_id)
        order = stored
        for edit in edits:
            order = edit(order)
        if not isinstance(order, DraftOrder) or order.id != order_id:
            raise ValidationError("edits", "an edit must return the order, under the same id")
        total = self.quotes.price(order).total if self._has_money(order_id) else None
        with self.ports.store.unit() as unit:
            lock_order(unit, order_id, stored.version)
            records = unit.payments.transactions(order_id)
            if records and total is None:
                raise ConcurrencyConflict(
                    order_id, stored.version, stored.version, "a payment recorded meanwhile"
                )
            if total is not None:
                money = summarize(total, records)
                if money.overpaid.amount:
                    raise BelowPaid(order_id, total, money.net_paid, money.overpaid)
            unit.orders.replace(order, stored.version)
        return order

    def apply_code(self, order_id: str, code: str) -> DraftOrder:
        """Enter a coupon code on a draft; a code no promotion has raises UnknownCode."""
        normal = normal_code(code)
        if not self.shop.context.promotions.knows_code(normal):
            raise UnknownCode(normal)
        return self.edit(order_id, lambda order: order.add_code(normal))

    def select_customer(self, order_id: str, customer: str | Customer) -> DraftOrder:
        """Put a customer from the directory (by id) on the order, or a new one, added to the
        directory as it is set ("create as you go"); the order keeps a snapshot."""
        stored = self.get(order_id)
        with self.ports.store.unit() as unit:
            lock_order(unit, order_id, stored.version)
            order = stored.set_customer(self._customer(unit, customer))
            unit.orders.replace(order, stored.version)
        return order

    def select_address(
        self,
        order_id: str,
        address: int | Address,
        *,
        use: Literal["shipping", "billing"] = "shipping",
    ) -> DraftOrder:
        """Use one of the customer's saved addresses (by index) as the order's shipping or
        billing address, or a new :class:`Address`, which is saved for the customer too."""
        if use not in ("shipping", "billing"):
            raise ValidationError("use", f"expected 'shipping' or 'billing', got {use!r}")
        stored = self.get(order_id)
        if stored.customer is None:
            raise ValidationError("customer", f"order {order_id!r} has no customer to select for")
        with self.ports.store.unit() as unit:
            lock_order(unit, order_id, stored.version)
            customer = unit.customers.get(stored.customer.id, lock=True)
            if isinstance(address, Address):
                chosen = address
                if address not in customer.addresses:
                    customer = customer.with_address(address)
                    unit.customers.replace(customer)
            else:
                chosen = self.customers.address(customer, address)
            if use == "shipping":
                order = stored.set_shipping_address(chosen)
            else:
                order = stored.set_billing_address(chosen)
            unit.orders.replace(order, stored.version)
        return order

    # -- reading ---------------------------------------------------------------------------------

    def get(self, order_id: str) -> DraftOrder:
        """Resume a saved order; :class:`OrderDeleted` if it was deleted."""
        with self.ports.store.unit(write=False) as unit:
            return unit.orders.get(order_id)

    def find(
        self,
        *,
        statuses: tuple[Status, ...] = (),
        customer_id: str | None = None,
        date_from: dt.date | None = None,
        date_to: dt.date | None = None,
        order_id_contains: str | None = None,
    ) -> list[DraftOrder]:
        """Stored orders meeting every criterion given, sorted by id (see ``OrderQuery``)."""
        query = OrderQuery(statuses, customer_id, date_from, date_to, order_id_contains)
        with self.ports.store.unit(write=False) as unit:
            return unit.orders.find(query)

    def drafts(self) -> list[DraftOrder]:
        """Orders not yet completed or cancelled: drafts and sent invoices."""
        return self.find(statuses=(Status.DRAFT, Status.INVOICE_SENT))

    def orders(self) -> list[DraftOrder]:
        """Completed orders: the orders list."""
        return self.find(statuses=(Status.COMPLETED,))

    def price(self, order_id: str) -> PricedOrder:
        """Price the stored order as the shop would charge it now."""
        return self.quotes.price(self.get(order_id))

    def tombstone(self, order_id: str) -> Tombstone | None:
        """What is left of a deleted order (None if it was not deleted)."""
        with self.ports.store.unit(write=False) as unit:
            return unit.orders.tombstone(order_id)

    # -- shipping --------------------------------------------------------------------------------

    def find_rates(self, order_id: str) -> RateSearch:
        """The shipping options for the stored order, sorted by price. Needs a shipping
        address."""
        return self.quotes.rates(self.get(order_id))

    def choose_rate(self, order_id: str, method: str) -> DraftOrder:
        """Set the order's shipping line to one of its options; it is re-computed on changes."""
        option = self.find_rates(order_id).option(method)
        return self.edit(
            order_id, lambda o: o.set_shipping(option.method, option.amount, from_rates=True)
        )

    # -- lifecycle -------------------------------------------------------------------------------

    def revert_to_draft(self, order_id: str) -> Transition:
        """Unlock a sent order for editing; its invoice becomes stale and its stock is
        released."""
        now = self.ports.clock.now()
        with self.ports.store.unit() as unit:
            stored = lock_order(unit, order_id)
            transition = revert_to_draft(stored)
            self.stock.release(unit, order_id, at=now)
            unit.orders.replace(transition.order, stored.version)
        return transition

    def cancel(self, order_id: str, reason: str | None = None) -> Transition:
        """Give up a draft or a sent invoice's order: it is kept, with its money records, off
        the drafts list; its stock is released. Refund what was paid with the cashier."""
        now = self.ports.clock.now()
        with self.ports.store.unit() as unit:
            stored = lock_order(unit, order_id)
            transition = cancel(stored, reason)
            self.stock.release(unit, order_id, at=now)
            unit.orders.replace(transition.order, stored.version)
        return transition

    def complete_unpaid(self, order_id: str) -> Transition:
        """Complete the order with its payment still to come (under its payment terms): it
        moves to the orders list at its current total, uses its promotions and takes its
        stock. To take money by hand, use ``Cashier.record_payment``, which completes the
        order once nothing is due."""
        stored = self.get(order_id)
        current, priced = self.quotes.quote(stored)
        transition = complete(current, priced)
        customer_id = stored.customer.id if stored.customer is not None else None
        limits = self.quotes.limits(priced.applied_promotions)
        now = self.ports.clock.now()
        with self.ports.store.unit() as unit:
            lock_order(unit, order_id, stored.version)
            unit.usage.count(priced.applied_promotions, customer_id, limits=limits)
            self.stock.commit(unit, transition.order, at=now)
            unit.orders.replace(transition.order, stored.version)
        return transition

    def delete(self, order_id: str) -> Tombstone:
        """Delete a draft (or a sent invoice's order) with no money records; its stock is
        released and its id is never used again. An order with money on it raises
        :class:`MoneyOnOrder` (cancel it instead); a completed or cancelled one
        :class:`InvalidTransition`."""
        now = self.ports.clock.now()
        with self.ports.store.unit() as unit:
            stored = lock_order(unit, order_id)
            records = unit.payments.transactions(order_id)
            if records or unit.payments.claims(order_id):
                held = summarize(Money(0, stored.currency), records).net_paid
                raise MoneyOnOrder(order_id, len(records), held)
            tombstone = unit.orders.delete(order_id, stored.version, now)
            self.stock.release(unit, order_id, at=now)
        return tombstone

    # -- the workings ----------------------------------------------------------------------------

    def _add(
        self, unit: Unit, order_id: str | None, make: Callable[[str], DraftOrder]
    ) -> DraftOrder:
        """Store a new order under ``order_id``, or under the next generated id no order has
        had (ids given by hand may have taken some)."""
        if order_id is not None:
            order = make(order_id)
            unit.orders.add(order)
            return order
        prefix = self.shop.order_prefix
        for _ in range(_ID_ATTEMPTS):
            candidate = f"{prefix}{1000 + unit.next_number('order:' + prefix)}"
            if not unit.orders.used(candidate):
                order = make(candidate)
                unit.orders.add(order)
                return order
        raise DuplicateOrderId(candidate)

    def _customer(self, unit: Unit, customer: str | Customer) -> Customer:
        """The customer to put on an order: one from the directory by id, or a new one, added
        to it. A :class:`Customer` whose id the directory has with other details raises
        :class:`DuplicateCustomer` (select it by id, or update it in the directory first)."""
        if isinstance(customer, str):
            return unit.customers.get(customer)
        if not isinstance(customer, Customer):
            raise ValidationError(
                "customer", f"expected a customer id or Customer, got {customer!r}"
            )
        try:
            known = unit.customers.get(customer.id)
        except CustomerNotFound:
            unit.customers.add(customer)
            return customer
        if known != customer:
            raise DuplicateCustomer("id", customer.id)
        return known

    def _has_money(self, order_id: str) -> bool:
        with self.ports.store.unit(write=False) as unit:
            return bool(unit.payments.transactions(order_id))

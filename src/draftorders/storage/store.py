"""The storage port: every piece of a shop's state, behind one unit of work.

A :class:`Store` opens a :class:`Unit`: one database transaction, committed when the block
ends and rolled back, writing nothing, if it raises. A unit reaches each kind of record
through a small protocol (orders, customers, payments, invoices, stock, promotion usage, the
outbox) and numbers sequences. The shop runs each operation in one unit, so that what must
change together (an invoice's number, its record, its email and the order it locks) changes
together or not at all, in every process sharing the store.

Rows are locked by ``get(..., lock=True)`` until the unit ends. Every write that concerns an
order locks that order's row first, so the order row is the lock that keeps payments, sends
and edits of one order apart across processes; other rows (promotion counters, stock levels,
sequences) are locked after it, in a fixed order (sorted keys). ``docs/storage.md`` says what
an adapter must guarantee; ``tests/test_store_contract.py`` checks it on every store.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Protocol

from draftorders.customers import Customer
from draftorders.inventory import InventoryChange, Reservation, StockKey, StockLevel, Taken
from draftorders.invoice import SentInvoice
from draftorders.notifications import MessageStatus, OutboxMessage
from draftorders.order import DraftOrder
from draftorders.payments import PaymentClaim, PaymentMethod, Transaction
from draftorders.promotions import PromotionUsage
from draftorders.storage.query import CustomerQuery, OrderQuery
from draftorders.storage.records import Tombstone

__all__ = [
    "CustomerRecords",
    "InvoiceRecords",
    "OrderRecords",
    "OutboxRecords",
    "PaymentRecords",
    "StockRecords",
    "Store",
    "Unit",
    "UsageLimits",
    "UsageRecords",
]

UsageLimits = Mapping[str, tuple[int | None, int | None]]
"""Per promotion id: (uses allowed in all, uses allowed per customer); None is no limit."""


class OrderRecords(Protocol):
    """Orders, and the tombstones of deleted ones: an id is never handed out twice."""

    def get(self, order_id: str, *, lock: bool = False) -> DraftOrder:
        """The stored order (locked until the unit ends with ``lock``);
        :class:`~draftorders.errors.OrderDeleted` if it was deleted,
        :class:`~draftorders.errors.OrderNotFound` if there never was one."""
        ...

    def add(self, order: DraftOrder) -> None:
        """Store a new order; :class:`~draftorders.errors.DuplicateOrderId` if its id is used,
        or was used by an order since deleted."""
        ...

    def replace(self, order: DraftOrder, expected_version: int) -> None:
        """Store ``order`` over the stored one if that is at ``expected_version``; else
        :class:`~draftorders.errors.ConcurrencyConflict` (``OrderNotFound`` if there is none)."""
        ...

    def delete(self, order_id: str, expected_version: int, at: dt.datetime) -> Tombstone:
        """Replace the order at ``expected_version`` by its tombstone. Completed and cancelled
        orders are final (:class:`~draftorders.errors.InvalidTransition`); whether it has money
        on it is for the caller to check first."""
        ...

    def tombstone(self, order_id: str) -> Tombstone | None:
        """The tombstone of a deleted order, or None."""
        ...

    def used(self, order_id: str) -> bool:
        """True if an order has, or had, this id."""
        ...

    def find(self, query: OrderQuery) -> list[DraftOrder]:
        """Stored orders (not deleted) that meet the query, sorted by id."""
        ...


class CustomerRecords(Protocol):
    """The customer directory, with each customer's saved payment methods (tokens only)."""

    def get(self, customer_id: str, *, lock: bool = False) -> Customer:
        """The customer; :class:`~draftorders.errors.CustomerNotFound` if there is none."""
        ...

    def add(self, customer: Customer) -> None:
        """Store a new customer; :class:`~draftorders.errors.DuplicateCustomer` if the id, or
        the email (compared case-insensitively), is taken."""
        ...

    def replace(self, customer: Customer) -> None:
        """Store ``customer`` over the one with its id (its email must stay unique)."""
        ...

    def find(self, query: CustomerQuery) -> list[Customer]:
        """Customers that meet the query, sorted by name, then id."""
        ...

    def add_method(self, method: PaymentMethod) -> None:
        """Save a payment method of a stored customer; an id already used is refused."""
        ...

    def method(self, method_id: str) -> PaymentMethod:
        """A saved payment method; :class:`~draftorders.errors.NotFound` if there is none."""
        ...

    def methods(self, customer_id: str) -> list[PaymentMethod]:
        """The customer's saved methods, in the order they were added."""
        ...


class PaymentRecords(Protocol):
    """Transactions (append-only, never changed or deleted), payment claims, and the gateway
    notices already applied."""

    def transactions(self, order_id: str) -> list[Transaction]:
        """The order's transactions, oldest first."""
        ...

    def append(self, transaction: Transaction) -> None:
        """Record a transaction; its id, and its idempotency key if it has one, must be new
        (:class:`~draftorders.errors.IdempotencyConflict` for a key)."""
        ...

    def by_reference(self, gateway: str, reference: str) -> list[Transaction]:
        """Transactions with the gateway's ``reference`` (indexed), oldest first."""
        ...

    def by_key(self, idempotency_key: str) -> Transaction | None:
        """The transaction recorded under an idempotency key, or None."""
        ...

    def add_claim(self, claim: PaymentClaim) -> None:
        """Write a new claim; its key must be new, and its order must have no other open
        claim (:class:`~draftorders.errors.PaymentInFlight`)."""
        ...

    def replace_claim(self, claim: PaymentClaim) -> None:
        """Store ``claim`` over the claim with its id."""
        ...

    def claim(self, claim_id: str, *, lock: bool = False) -> PaymentClaim:
        """A claim; :class:`~draftorders.errors.NotFound` if there is none."""
        ...

    def claim_by_key(self, idempotency_key: str) -> PaymentClaim | None:
        """The claim made under an idempotency key, or None."""
        ...

    def claims(self, order_id: str) -> list[PaymentClaim]:
        """The order's claims, oldest first."""
        ...

    def open_claims(self, *, created_before: dt.datetime | None = None) -> list[PaymentClaim]:
        """Claims whose answer is not recorded (created before a moment, if given), oldest
        first."""
        ...

    def notice(self, key: str) -> str | None:
        """The transaction id a gateway notice produced ("" for none) if it was applied, else
        None."""
        ...

    def add_notice(self, key: str, transaction_id: str, at: dt.datetime) -> None:
        """Remember that the notice ``key`` was applied (``transaction_id``: what it recorded,
        "" for nothing); applying it again is refused by the store."""
        ...


class InvoiceRecords(Protocol):
    """Sent invoices; their numbers come from the unit's ``invoice`` sequence."""

    def add(self, sent: SentInvoice) -> None:
        """Keep a new sent invoice (its id must be new)."""
        ...

    def replace(self, sent: SentInvoice) -> None:
        """Store ``sent`` over the record with its id (once delivered, with its bytes)."""
        ...

    def get(self, sent_id: str) -> SentInvoice:
        """One sent invoice; :class:`~draftorders.errors.NotFound` if there is none."""
        ...

    def of(self, order_id: str) -> list[SentInvoice]:
        """The invoices sent for an order, oldest first."""
        ...

    def by_number(self, number: str) -> list[SentInvoice]:
        """The sends of one invoice number (a first send and its re-sends), oldest first."""
        ...


class StockRecords(Protocol):
    """Stock levels, reservations, what completed orders took, and the history of moves."""

    def level(self, key: StockKey, *, lock: bool = False) -> StockLevel | None:
        """The level of a SKU at a location, or None if it is not tracked."""
        ...

    def levels(self) -> list[StockLevel]:
        """Every tracked level, by SKU and location."""
        ...

    def add_level(self, level: StockLevel) -> None:
        """Start tracking a level; :class:`~draftorders.errors.ValidationError` if its SKU is
        tracked at that location already (whoever added it first)."""
        ...

    def put_level(self, level: StockLevel) -> None:
        """Store a level (new or replacing the one at its key)."""
        ...

    def reservation(self, order_id: str) -> Reservation | None:
        """The order's reservation, or None."""
        ...

    def put_reservation(self, reservation: Reservation) -> None:
        """Store the order's reservation (replacing an earlier one)."""
        ...

    def drop_reservation(self, order_id: str) -> None:
        """Forget the order's reservation (nothing if it has none)."""
        ...

    def reservations_due(self, now: dt.datetime) -> list[Reservation]:
        """Reservations whose date has passed, by order id."""
        ...

    def taken(self, order_id: str) -> Taken | None:
        """What a completed order took and has not had back, or None."""
        ...

    def put_taken(self, taken: Taken) -> None:
        """Store what a completed order holds."""
        ...

    def record(self, change: InventoryChange) -> None:
        """Append a change to the history."""
        ...

    def history(
        self, *, order_id: str | None = None, sku: str | None = None
    ) -> list[InventoryChange]:
        """The changes, oldest first: all, or those of one order, or of one SKU."""
        ...


class UsageRecords(Protocol):
    """How often each promotion was used, counted by the database."""

    def usage(self) -> PromotionUsage:
        """Uses in total and per customer."""
        ...

    def count(
        self,
        promotion_ids: Iterable[str],
        customer_id: str | None,
        *,
        limits: UsageLimits | None = None,
        by: int = 1,
    ) -> None:
        """Add ``by`` uses of each promotion (by the customer, when known), its counters locked
        until the unit ends. Counting up with ``limits``, a promotion whose limit is reached
        raises :class:`~draftorders.errors.UsageLimitReached` and nothing is counted."""
        ...


class OutboxRecords(Protocol):
    """Messages to deliver, written with the change they announce."""

    def add(self, message: OutboxMessage) -> None:
        """Queue a new message."""
        ...

    def get(self, message_id: str, *, lock: bool = False) -> OutboxMessage:
        """One message; :class:`~draftorders.errors.NotFound` if there is none."""
        ...

    def replace(self, message: OutboxMessage) -> None:
        """Store ``message`` over the one with its id."""
        ...

    def due(self, now: dt.datetime, limit: int) -> list[OutboxMessage]:
        """Up to ``limit`` messages due at ``now``, oldest first, locked until the unit ends;
        messages another unit has locked are skipped, not waited for."""
        ...

    def find(
        self, *, status: MessageStatus | None = None, order_id: str | None = None
    ) -> list[OutboxMessage]:
        """Messages with that status and of that order (each when given), oldest first."""
        ...


class Unit(Protocol):
    """One store transaction: the records it reaches, and the sequences it numbers from."""

    @property
    def orders(self) -> OrderRecords:
        """Orders and tombstones."""
        ...

    @property
    def customers(self) -> CustomerRecords:
        """The customer directory."""
        ...

    @property
    def payments(self) -> PaymentRecords:
        """Transactions, claims and applied notices."""
        ...

    @property
    def invoices(self) -> InvoiceRecords:
        """Sent invoices."""
        ...

    @property
    def stock(self) -> StockRecords:
        """Inventory."""
        ...

    @property
    def usage(self) -> UsageRecords:
        """Promotion usage."""
        ...

    @property
    def outbox(self) -> OutboxRecords:
        """Messages to deliver."""
        ...

    def next_number(self, sequence: str) -> int:
        """The next number of a named sequence (1, 2, ...), taken in this unit: if the unit
        rolls back, the number is taken by the next unit instead, so a sequence has no gaps."""
        ...


class Store(Protocol):
    """Where a shop's state lives. ``unit()`` is one transaction; ``write=False`` opens one
    that only reads (it takes no write lock, and writing in it is refused)."""

    def unit(self, *, write: bool = True) -> contextlib.AbstractContextManager[Unit]:
        """Open a unit of work: committed when the block ends, rolled back if it raises."""
        ...

    def close(self) -> None:
        """Release what the store holds (connections); the data stays."""
        ...

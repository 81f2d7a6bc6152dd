"""The in-memory store: the default, for notebooks, tests and one-process apps.

Its tables are dicts in this process. A unit holds the store's lock from start to end, so units
run one at a time (serializable); each change is journalled, and a unit that raises is undone
from the journal, so a failed operation changes nothing. It is gone with the process: a shop
with several processes, or that restarts, uses ``SqlStore``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
from collections.abc import Callable, Hashable, Iterable, Iterator
from typing import Any, Generic, TypeVar

from draftorders.customers import Customer
from draftorders.errors import (
    CustomerNotFound,
    DuplicateCustomer,
    DuplicateOrderId,
    IdempotencyConflict,
    NotFound,
    OrderDeleted,
    OrderNotFound,
    PaymentInFlight,
    ValidationError,
)
from draftorders.inventory import InventoryChange, Reservation, StockKey, StockLevel, Taken
from draftorders.inventory.moves import key_order
from draftorders.invoice import SentInvoice
from draftorders.notifications import MessageStatus, OutboxMessage
from draftorders.order import DraftOrder
from draftorders.payments import PaymentClaim, PaymentMethod, Transaction
from draftorders.promotions import PromotionUsage
from draftorders.storage.query import CustomerQuery, OrderQuery, normal_email
from draftorders.storage.records import Tombstone
from draftorders.storage.rules import (
    check_deletable,
    check_instance,
    check_promotion_ids,
    check_usage,
    check_version,
)
from draftorders.storage.store import UsageLimits

__all__ = ["InMemoryStore"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
_MISSING: Any = object()


class _Journal:
    """The changes of the open unit, to undo them if it fails."""

    def __init__(self) -> None:
        self.entries: list[tuple[_Table[Any, Any], Hashable, Any]] = []
        self.writing = False

    def undo(self) -> None:
        while self.entries:
            table, key, before = self.entries.pop()
            table.restore(key, before)


class _Table(Generic[K, V]):
    """Rows by key, in insertion order, with secondary indexes kept in step."""

    def __init__(self, journal: _Journal, **indexes: Callable[[V], Hashable]) -> None:
        self._journal = journal
        self._rows: dict[K, V] = {}
        self._indexes = indexes
        self._by: dict[str, dict[Hashable, dict[K, None]]] = {name: {} for name in indexes}

    def get(self, key: K) -> V | None:
        return self._rows.get(key)

    def __contains__(self, key: object) -> bool:
        return key in self._rows

    def values(self) -> list[V]:
        return list(self._rows.values())

    def items(self) -> list[tuple[K, V]]:
        return list(self._rows.items())

    def where(self, index: str, value: Hashable) -> list[V]:
        return [self._rows[key] for key in self._by[index].get(value, ())]

    def put(self, key: K, value: V) -> None:
        self._writing()
        self._journal.entries.append((self, key, self._rows.get(key, _MISSING)))
        self.restore(key, value)

    def delete(self, key: K) -> None:
        self._writing()
        if key in self._rows:
            self._journal.entries.append((self, key, self._rows[key]))
            self.restore(key, _MISSING)

    def restore(self, key: K, value: Any) -> None:
        """Set (or, with ``_MISSING``, remove) a row; a replaced row keeps its place."""
        old = self._rows.get(key, _MISSING)
        for name, index in self._indexes.items():
            if old is not _MISSING and (value is _MISSING or index(old) != index(value)):
                self._by[name][index(old)].pop(key, None)
            if value is not _MISSING:
                self._by[name].setdefault(index(value), {})[key] = None
        if value is _MISSING:
            self._rows.pop(key, None)
        else:
            self._rows[key] = value

    def _writing(self) -> None:
        if not self._journal.writing:
            raise ValidationError("unit", "this unit only reads; open one with write=True")


class InMemoryStore:
    """Keeps a shop's state in this process; every unit is all or nothing.

    Safe to share between threads: units run one at a time. A unit opened inside another in
    the same thread is refused (with a database it would wait for itself).
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._local = threading.local()
        self._journal = _Journal()
        j = self._journal
        self._orders: _Table[str, DraftOrder] = _Table(j)
        self._tombstones: _Table[str, Tombstone] = _Table(j)
        self._customers: _Table[str, Customer] = _Table(j, email=_email_key)
        self._methods: _Table[str, PaymentMethod] = _Table(j, customer=lambda m: m.customer_id)
        self._transactions: _Table[str, Transaction] = _Table(
            j,
            order=lambda t: t.order_id,
            reference=lambda t: (t.gateway, t.reference),
            key=lambda t: t.idempotency_key,
        )
        self._claims: _Table[str, PaymentClaim] = _Table(
            j, order=lambda c: c.order_id, key=lambda c: c.idempotency_key
        )
        self._notices: _Table[str, str] = _Table(j)
        self._invoices: _Table[str, SentInvoice] = _Table(
            j, order=lambda s: s.order_id, number=lambda s: s.number
        )
        self._levels: _Table[StockKey, StockLevel] = _Table(j)
        self._reservations: _Table[str, Reservation] = _Table(j)
        self._taken: _Table[str, Taken] = _Table(j)
        self._history: _Table[int, InventoryChange] = _Table(
            j, order=lambda c: c.order_id, sku=lambda c: c.sku
        )
        self._usage: _Table[tuple[str, str | None], int] = _Table(j)
        self._outbox: _Table[str, OutboxMessage] = _Table(j, order=lambda m: m.order_id)
        self._sequences: _Table[str, int] = _Table(j)

    @contextlib.contextmanager
    def unit(self, *, write: bool = True) -> Iterator[_MemoryUnit]:
        """One unit of work: the store's lock held, changes undone if the block raises."""
        if getattr(self._local, "open", False):
            raise ValidationError(
                "unit", "a unit is already open in this thread; finish it before opening another"
            )
        with self._lock:
            self._local.open = True
            self._journal.writing = write
            try:
                yield _MemoryUnit(self)
            except BaseException:
                self._journal.undo()
                raise
            finally:
                self._journal.entries.clear()
                self._journal.writing = False
                self._local.open = False

    def close(self) -> None:
        """Nothing to release."""

    def __enter__(self) -> InMemoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _email_key(customer: Customer) -> str | None:
    return normal_email(customer.email) if customer.email is not None else None


class _MemoryUnit:
    """A unit over the store's tables; the records below share them."""

    def __init__(self, store: InMemoryStore) -> None:
        self.orders = _Orders(store)
        self.customers = _Customers(store)
        self.payments = _Payments(store)
        self.invoices = _Invoices(store)
        self.stock = _Stock(store)
        self.usage = _Usage(store)
        self.outbox = _Outbox(store)
        self._store = store

    def next_number(self, sequence: str) -> int:
        """The next number of ``sequence``."""
        table = self._store._sequences
        number = (table.get(sequence) or 0) + 1
        table.put(sequence, number)
        return number


class _Orders:
    def __init__(self, store: InMemoryStore) -> None:
        self._rows = store._orders
        self._tombstones = store._tombstones

    def get(self, order_id: str, *, lock: bool = False) -> DraftOrder:
        order = self._rows.get(order_id)
        if order is None:
            tombstone = self._tombstones.get(order_id)
            if tombstone is not None:
                raise OrderDeleted(order_id, tombstone.deleted_at)
            raise OrderNotFound(order_id)
        return order

    def add(self, order: DraftOrder) -> None:
        check_instance(order, DraftOrder, "order")
        if order.id in self._rows or order.id in self._tombstones:
            raise DuplicateOrderId(order.id)
        self._rows.put(order.id, order)

    def replace(self, order: DraftOrder, expected_version: int) -> None:
        check_instance(order, DraftOrder, "order")
        check_version(order, self.get(order.id).version, expected_version)
        self._rows.put(order.id, order)

    def delete(self, order_id: str, expected_version: int, at: dt.datetime) -> Tombstone:
        stored = self.get(order_id)
        check_deletable(order_id, stored.version, stored.status, expected_version)
        tombstone = Tombstone(order_id, stored.version, at)
        self._rows.delete(order_id)
        self._tombstones.put(order_id, tombstone)
        return tombstone

    def tombstone(self, order_id: str) -> Tombstone | None:
        return self._tombstones.get(order_id)

    def used(self, order_id: str) -> bool:
        return order_id in self._rows or order_id in self._tombstones

    def find(self, query: OrderQuery) -> list[DraftOrder]:
        check_instance(query, OrderQuery, "query")
        return sorted((o for o in self._rows.values() if query.matches(o)), key=lambda o: o.id)


class _Customers:
    def __init__(self, store: InMemoryStore) -> None:
        self._rows = store._customers
        self._methods = store._methods

    def get(self, customer_id: str, *, lock: bool = False) -> Customer:
        customer = self._rows.get(customer_id)
        if customer is None:
            raise CustomerNotFound(customer_id)
        return customer

    def add(self, customer: Customer) -> None:
        check_instance(customer, Customer, "customer")
        if customer.id in self._rows:
            raise DuplicateCustomer("id", customer.id)
        self._check_email(customer)
        self._rows.put(customer.id, customer)

    def replace(self, customer: Customer) -> None:
        check_instance(customer, Customer, "customer")
        self.get(customer.id)
        self._check_email(customer)
        self._rows.put(customer.id, customer)

    def find(self, query: CustomerQuery) -> list[Customer]:
        check_instance(query, CustomerQuery, "query")
        found = (
            self._rows.where("email", normal_email(query.email))
            if query.email is not None
            else self._rows.values()
        )
        return sorted((c for c in found if query.matches(c)), key=lambda c: (c.name, c.id))

    def add_method(self, method: PaymentMethod) -> None:
        check_instance(method, PaymentMethod, "method")
        self.get(method.customer_id)
        if method.id in self._methods:
            raise ValidationError("id", f"payment method {method.id!r} is already saved")
        self._methods.put(method.id, method)

    def method(self, method_id: str) -> PaymentMethod:
        method = self._methods.get(method_id)
        if method is None:
            raise NotFound(method_id, f"no payment method {method_id!r}")
        return method

    def methods(self, customer_id: str) -> list[PaymentMethod]:
        return self._methods.where("customer", customer_id)

    def _check_email(self, customer: Customer) -> None:
        key = _email_key(customer)
        if key is not None and any(c.id != customer.id for c in self._rows.where("email", key)):
            raise DuplicateCustomer("email", customer.email or "")


class _Payments:
    def __init__(self, store: InMemoryStore) -> None:
        self._orders = _Orders(store)
        self._transactions = store._transactions
        self._claims = store._claims
        self._notices = store._notices

    def transactions(self, order_id: str) -> list[Transaction]:
        return self._transactions.where("order", order_id)

    def append(self, transaction: Transaction) -> None:
        check_instance(transaction, Transaction, "transaction")
        if not self._orders.used(transaction.order_id):
            raise OrderNotFound(transaction.order_id)
        if transaction.id in self._transactions:
            raise ValidationError("id", f"transaction {transaction.id!r} is already recorded")
        key = transaction.idempotency_key
        if key is not None and self._transactions.where("key", key):
            raise IdempotencyConflict(key, "a transaction is already recorded under it")
        self._transactions.put(transaction.id, transaction)

    def by_reference(self, gateway: str, reference: str) -> list[Transaction]:
        return self._transactions.where("reference", (gateway, reference))

    def by_key(self, idempotency_key: str) -> Transaction | None:
        found = self._transactions.where("key", idempotency_key)
        return found[0] if found else None

    def add_claim(self, claim: PaymentClaim) -> None:
        check_instance(claim, PaymentClaim, "claim")
        if claim.id in self._claims:
            raise ValidationError("id", f"claim {claim.id!r} already exists")
        if self._claims.where("key", claim.idempotency_key):
            raise IdempotencyConflict(claim.idempotency_key, "a claim was made under it already")
        for other in self._claims.where("order", claim.order_id):
            if other.is_open:
                raise PaymentInFlight(claim.order_id, other.id, other.created_at)
        self._claims.put(claim.id, claim)

    def replace_claim(self, claim: PaymentClaim) -> None:
        check_instance(claim, PaymentClaim, "claim")
        self.claim(claim.id)
        self._claims.put(claim.id, claim)

    def claim(self, claim_id: str, *, lock: bool = False) -> PaymentClaim:
        claim = self._claims.get(claim_id)
        if claim is None:
            raise NotFound(claim_id, f"no payment claim {claim_id!r}")
        return claim

    def claim_by_key(self, idempotency_key: str) -> PaymentClaim | None:
        found = self._claims.where("key", idempotency_key)
        return found[0] if found else None

    def claims(self, order_id: str) -> list[PaymentClaim]:
        return self._claims.where("order", order_id)

    def open_claims(self, *, created_before: dt.datetime | None = None) -> list[PaymentClaim]:
        return sorted(
            (
                c
                for c in self._claims.values()
                if c.is_open and (created_before is None or c.created_at < created_before)
            ),
            key=lambda c: (c.created_at, c.id),
        )

    def notice(self, key: str) -> str | None:
        return self._notices.get(key)

    def add_notice(self, key: str, transaction_id: str, at: dt.datetime) -> None:
        if key in self._notices:
            raise ValidationError("notice", f"notice {key!r} was applied already")
        self._notices.put(key, transaction_id)


class _Invoices:
    def __init__(self, store: InMemoryStore) -> None:
        self._rows = store._invoices

    def add(self, sent: SentInvoice) -> None:
        check_instance(sent, SentInvoice, "sent")
        first_sends = [s for s in self._rows.where("number", sent.number) if not s.resent]
        if sent.id in self._rows or (not sent.resent and first_sends):
            raise ValidationError(
                "sent", f"sent invoice {sent.id!r} or number {sent.number!r} already exists"
            )
        self._rows.put(sent.id, sent)

    def replace(self, sent: SentInvoice) -> None:
        check_instance(sent, SentInvoice, "sent")
        self.get(sent.id)
        self._rows.put(sent.id, sent)

    def get(self, sent_id: str) -> SentInvoice:
        sent = self._rows.get(sent_id)
        if sent is None:
            raise NotFound(sent_id, f"no sent invoice {sent_id!r}")
        return sent

    def of(self, order_id: str) -> list[SentInvoice]:
        return self._rows.where("order", order_id)

    def by_number(self, number: str) -> list[SentInvoice]:
        return self._rows.where("number", number)


class _Stock:
    def __init__(self, store: InMemoryStore) -> None:
        self._levels = store._levels
        self._reservations = store._reservations
        self._taken = store._taken
        self._history = store._history

    def level(self, key: StockKey, *, lock: bool = False) -> StockLevel | None:
        return self._levels.get(key)

    def levels(self) -> list[StockLevel]:
        return sorted(self._levels.values(), key=lambda level: key_order(level.key))

    def add_level(self, level: StockLevel) -> None:
        check_instance(level, StockLevel, "level")
        if level.key in self._levels:
            raise ValidationError("sku", f"{level.sku!r} is already tracked at {level.location!r}")
        self._levels.put(level.key, level)

    def put_level(self, level: StockLevel) -> None:
        check_instance(level, StockLevel, "level")
        self._levels.put(level.key, level)

    def reservation(self, order_id: str) -> Reservation | None:
        return self._reservations.get(order_id)

    def put_reservation(self, reservation: Reservation) -> None:
        check_instance(reservation, Reservation, "reservation")
        self._reservations.put(reservation.order_id, reservation)

    def drop_reservation(self, order_id: str) -> None:
        self._reservations.delete(order_id)

    def reservations_due(self, now: dt.datetime) -> list[Reservation]:
        return sorted(
            (r for r in self._reservations.values() if r.until is not None and r.until <= now),
            key=lambda r: r.order_id,
        )

    def taken(self, order_id: str) -> Taken | None:
        return self._taken.get(order_id)

    def put_taken(self, taken: Taken) -> None:
        check_instance(taken, Taken, "taken")
        self._taken.put(taken.order_id, taken)

    def record(self, change: InventoryChange) -> None:
        check_instance(change, InventoryChange, "change")
        self._history.put(len(self._history.values()), change)

    def history(
        self, *, order_id: str | None = None, sku: str | None = None
    ) -> list[InventoryChange]:
        changes = (
            self._history.where("order", order_id)
            if order_id is not None
            else self._history.values()
        )
        return [c for c in changes if sku is None or c.sku == sku]


class _Usage:
    def __init__(self, store: InMemoryStore) -> None:
        self._rows = store._usage

    def usage(self) -> PromotionUsage:
        rows = dict(self._rows.items())
        return PromotionUsage(
            {pid: n for (pid, who), n in rows.items() if who is None},
            {(pid, who): n for (pid, who), n in rows.items() if who is not None},
        )

    def count(
        self,
        promotion_ids: Iterable[str],
        customer_id: str | None,
        *,
        limits: UsageLimits | None = None,
        by: int = 1,
    ) -> None:
        ids = check_promotion_ids(promotion_ids, customer_id)
        if limits is not None and by > 0:
            check_usage(self.usage(), ids * by, customer_id, limits)
        for promotion_id in ids:
            for who in (None, customer_id) if customer_id is not None else (None,):
                key = (promotion_id, who)
                self._rows.put(key, (self._rows.get(key) or 0) + by)


class _Outbox:
    def __init__(self, store: InMemoryStore) -> None:
        self._rows = store._outbox

    def add(self, message: OutboxMessage) -> None:
        check_instance(message, OutboxMessage, "message")
        if message.id in self._rows:
            raise ValidationError("id", f"message {message.id!r} already exists")
        self._rows.put(message.id, message)

    def get(self, message_id: str, *, lock: bool = False) -> OutboxMessage:
        message = self._rows.get(message_id)
        if message is None:
            raise NotFound(message_id, f"no outbox message {message_id!r}")
        return message

    def replace(self, message: OutboxMessage) -> None:
        check_instance(message, OutboxMessage, "message")
        self.get(message.id)
        self._rows.put(message.id, message)

    def due(self, now: dt.datetime, limit: int) -> list[OutboxMessage]:
        due = [m for m in self._rows.values() if m.is_due(now)]
        return sorted(due, key=lambda m: (m.due_at, len(m.id), m.id))[:limit]

    def find(
        self, *, status: MessageStatus | None = None, order_id: str | None = None
    ) -> list[OutboxMessage]:
        found = self._rows.where("order", order_id) if order_id is not None else self._rows.values()
        return [m for m in found if status is None or m.status is status]

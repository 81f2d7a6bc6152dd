"""The in-memory store: the default, good for notebooks, tests and one-process apps."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable, Sequence

from draftorders.errors import ConcurrencyConflict, DuplicateOrderId, OrderNotFound
from draftorders.order import DraftOrder, Status
from draftorders.payments import Transaction
from draftorders.promotions import PromotionUsage
from draftorders.storage.query import OrderQuery
from draftorders.storage.rules import (
    check_count,
    check_deletable,
    check_order,
    check_promotion_ids,
    check_transactions,
)

__all__ = ["InMemoryStore"]


class InMemoryStore:
    """Keeps orders in a dict; saves follow the :class:`~draftorders.storage.Store` contract.

    Safe to share between threads: each write checks and changes under one lock.
    """

    def __init__(self) -> None:
        self._orders: dict[str, DraftOrder] = {}
        self._transactions: dict[str, list[Transaction]] = {}
        self._usage = PromotionUsage()
        self._lock = threading.RLock()

    def save(
        self,
        order: DraftOrder,
        expected_version: int | None = None,
        transactions: Sequence[Transaction] = (),
        expected_transactions: int | None = None,
    ) -> None:
        """Add a new order, or replace the stored one if it is at ``expected_version``, with
        its new transactions."""
        check_order(order)
        added = check_transactions(order.id, transactions)
        with self._lock:
            stored = self._orders.get(order.id)
            if expected_version is None:
                if stored is not None:
                    raise DuplicateOrderId(order.id)
            elif stored is None:
                raise OrderNotFound(order.id)
            elif stored.version != expected_version:
                raise ConcurrencyConflict(order.id, expected_version, stored.version)
            count = len(self._transactions.get(order.id, ()))
            check_count(order.id, expected_version, count, expected_transactions)
            self._orders[order.id] = order
            self._transactions.setdefault(order.id, []).extend(added)

    def add_transactions(
        self, order_id: str, transactions: Sequence[Transaction], expected_transactions: int
    ) -> None:
        """Append transactions if the order has ``expected_transactions`` of them."""
        added = check_transactions(order_id, transactions)
        with self._lock:
            stored = self.get(order_id)
            count = len(self._transactions.get(order_id, ()))
            check_count(order_id, stored.version, count, expected_transactions)
            self._transactions.setdefault(order_id, []).extend(added)

    def transactions(self, order_id: str) -> list[Transaction]:
        """The order's transactions, oldest first."""
        with self._lock:
            self.get(order_id)
            return list(self._transactions.get(order_id, ()))

    def get(self, order_id: str) -> DraftOrder:
        """The stored order; :class:`OrderNotFound` if there is none."""
        try:
            return self._orders[order_id]
        except KeyError:
            raise OrderNotFound(order_id) from None

    def __contains__(self, order_id: object) -> bool:
        return order_id in self._orders

    def ids(self) -> Iterable[str]:
        """Every stored order id."""
        return list(self._orders)

    def find(
        self,
        *,
        statuses: Iterable[Status] = (),
        customer_id: str | None = None,
        date_from: dt.date | None = None,
        date_to: dt.date | None = None,
        order_id_contains: str | None = None,
    ) -> list[DraftOrder]:
        """Stored orders that meet every criterion given, sorted by id (see
        :class:`~draftorders.storage.OrderQuery`)."""
        query = OrderQuery(statuses, customer_id, date_from, date_to, order_id_contains)
        with self._lock:
            orders = list(self._orders.values())
        return sorted((o for o in orders if query.matches(o)), key=lambda o: o.id)

    def list(self, *statuses: Status) -> list[DraftOrder]:
        """Stored orders with any of ``statuses`` (all when none given), sorted by id."""
        return self.find(statuses=statuses)

    def delete(self, order_id: str, expected_version: int) -> None:
        """Delete a draft or sent order at ``expected_version``, with its transactions."""
        with self._lock:
            stored = self.get(order_id)
            check_deletable(order_id, stored.version, stored.status, expected_version)
            del self._orders[order_id]
            self._transactions.pop(order_id, None)

    def promotion_usage(self) -> PromotionUsage:
        """How often each promotion was used on completed orders."""
        return self._usage

    def record_usage(self, promotion_ids: Iterable[str], customer_id: str | None) -> None:
        """Count one use of each promotion (by the customer, when known)."""
        ids = check_promotion_ids(promotion_ids, customer_id)
        with self._lock:
            self._usage = self._usage.recorded(ids, customer_id)

"""The in-memory store: the default, good for notebooks, tests and one-process apps."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence

from draftorders.errors import ConcurrencyConflict, DuplicateOrderId, OrderNotFound
from draftorders.order import DraftOrder, Status
from draftorders.payments import Transaction
from draftorders.promotions import PromotionUsage

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
        with self._lock:
            stored = self._orders.get(order.id)
            if expected_version is None:
                if stored is not None:
                    raise DuplicateOrderId(order.id)
            elif stored is None:
                raise OrderNotFound(order.id)
            elif stored.version != expected_version:
                raise ConcurrencyConflict(order.id, expected_version, stored.version)
            self._check_count(order.id, expected_version, expected_transactions)
            self._orders[order.id] = order
            self._transactions.setdefault(order.id, []).extend(transactions)

    def add_transactions(
        self, order_id: str, transactions: Sequence[Transaction], expected_transactions: int
    ) -> None:
        """Append transactions if the order has ``expected_transactions`` of them."""
        with self._lock:
            stored = self.get(order_id)
            self._check_count(order_id, stored.version, expected_transactions)
            self._transactions.setdefault(order_id, []).extend(transactions)

    def _check_count(self, order_id: str, version: int | None, expected: int | None) -> None:
        count = len(self._transactions.get(order_id, ()))
        if expected is not None and count != expected:
            raise ConcurrencyConflict(
                order_id, version, version or 0, f"{count} transactions, not {expected}"
            )

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

    def list(self, *statuses: Status) -> list[DraftOrder]:
        """Stored orders with any of ``statuses`` (all when none given), sorted by id."""
        return sorted(
            (o for o in self._orders.values() if not statuses or o.status in statuses),
            key=lambda o: o.id,
        )

    def promotion_usage(self) -> PromotionUsage:
        """How often each promotion was used on completed orders."""
        return self._usage

    def record_usage(self, promotion_ids: Iterable[str], customer_id: str | None) -> None:
        """Count one use of each promotion (by the customer, when known)."""
        with self._lock:
            self._usage = self._usage.recorded(promotion_ids, customer_id)

"""The in-memory store: the default, good for notebooks, tests and one-process apps."""

from __future__ import annotations

from collections.abc import Iterable

from draftorders.errors import ConcurrencyConflict, DuplicateOrderId, OrderNotFound
from draftorders.order import DraftOrder, Status
from draftorders.promotions import PromotionUsage

__all__ = ["InMemoryStore"]


class InMemoryStore:
    """Keeps orders in a dict; saves follow the :class:`~draftorders.storage.Store` contract."""

    def __init__(self) -> None:
        self._orders: dict[str, DraftOrder] = {}
        self._usage = PromotionUsage()

    def save(self, order: DraftOrder, expected_version: int | None = None) -> None:
        """Add a new order, or replace the stored one if it is at ``expected_version``."""
        stored = self._orders.get(order.id)
        if expected_version is None:
            if stored is not None:
                raise DuplicateOrderId(order.id)
        elif stored is None:
            raise OrderNotFound(order.id)
        elif stored.version != expected_version:
            raise ConcurrencyConflict(order.id, expected_version, stored.version)
        self._orders[order.id] = order

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
        self._usage = self._usage.recorded(promotion_ids, customer_id)

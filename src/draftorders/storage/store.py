"""The storage port: where drafts are saved and resumed, and completed orders listed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Protocol

from draftorders.order import DraftOrder, Status
from draftorders.payments import Transaction
from draftorders.promotions import PromotionUsage

__all__ = ["Store"]


class Store(Protocol):
    """Saves orders with optimistic concurrency: each save names the version it was based on.

    ``save(order, expected_version=None)`` adds a new order (an id already used raises
    :class:`~draftorders.errors.DuplicateOrderId`); with a version, the stored order must be
    at exactly that version, or :class:`~draftorders.errors.ConcurrencyConflict` is raised and
    nothing is written. Every write is all or nothing: a write that raises changed nothing.
    ``docs/storage.md`` lists what an adapter must guarantee; ``tests/test_store_contract.py``
    checks it.
    """

    def save(
        self,
        order: DraftOrder,
        expected_version: int | None = None,
        transactions: Sequence[Transaction] = (),
        expected_transactions: int | None = None,
    ) -> None:
        """Add a new order, or replace the stored one if it is at ``expected_version``; the
        order's new ``transactions`` are appended with it, all or nothing, provided the order
        has ``expected_transactions`` of them already (when given)."""
        ...

    def add_transactions(
        self, order_id: str, transactions: Sequence[Transaction], expected_transactions: int
    ) -> None:
        """Append transactions to an order that has ``expected_transactions`` of them (else
        :class:`~draftorders.errors.ConcurrencyConflict`, and nothing is written). The order
        itself may have changed meanwhile: what happened with money is recorded regardless."""
        ...

    def transactions(self, order_id: str) -> list[Transaction]:
        """The order's transactions, oldest first."""
        ...

    def get(self, order_id: str) -> DraftOrder:
        """The stored order; :class:`~draftorders.errors.OrderNotFound` if there is none."""
        ...

    def __contains__(self, order_id: object) -> bool:
        """True if an order with this id is stored."""
        ...

    def ids(self) -> Iterable[str]:
        """Every stored order id."""
        ...

    def find(
        self,
        *,
        statuses: Iterable[Status] = (),
        customer_id: str | None = None,
        date_from: dt.date | None = None,
        date_to: dt.date | None = None,
        order_id_contains: str | None = None,
    ) -> list[DraftOrder]:
        """Stored orders that meet every criterion given, sorted by id: any of ``statuses``,
        the customer ``customer_id``, an order date from ``date_from`` to ``date_to`` (both
        inclusive), an id containing ``order_id_contains`` (case-sensitive). See
        :class:`~draftorders.storage.OrderQuery`."""
        ...

    def list(self, *statuses: Status) -> list[DraftOrder]:
        """Stored orders with any of ``statuses`` (all when none given), sorted by id."""
        ...

    def delete(self, order_id: str, expected_version: int) -> None:
        """Delete a draft or sent order at ``expected_version``, with its transactions.

        :class:`~draftorders.errors.OrderNotFound` if there is none,
        :class:`~draftorders.errors.ConcurrencyConflict` if it is at another version,
        :class:`~draftorders.errors.InvalidTransition` if it is completed (final: it stays on
        the orders list); nothing is deleted then."""
        ...

    def promotion_usage(self) -> PromotionUsage:
        """How often each promotion was used on completed orders."""
        ...

    def record_usage(self, promotion_ids: Iterable[str], customer_id: str | None) -> None:
        """Count one use of each promotion (by the customer, when known), all or nothing."""
        ...

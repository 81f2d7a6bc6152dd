"""The checks every store makes the same way, so that adapters raise the same errors with the
same fields (the contract tests compare them)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from draftorders.errors import ConcurrencyConflict, InvalidTransition, ValidationError
from draftorders.order import DraftOrder, Status
from draftorders.payments import Transaction

__all__ = [
    "check_count",
    "check_deletable",
    "check_order",
    "check_promotion_ids",
    "check_transactions",
]


def check_order(order: object) -> DraftOrder:
    """``order`` if it is a :class:`DraftOrder`."""
    if not isinstance(order, DraftOrder):
        raise ValidationError("order", f"expected a DraftOrder, got {order!r}")
    return order


def check_transactions(order_id: str, transactions: Sequence[Transaction]) -> list[Transaction]:
    """The transactions as a list, each a :class:`Transaction` of the order ``order_id``."""
    if isinstance(transactions, str | bytes) or not isinstance(transactions, Iterable):
        raise ValidationError("transactions", f"expected a sequence, got {transactions!r}")
    checked = list(transactions)
    for transaction in checked:
        if not isinstance(transaction, Transaction):
            raise ValidationError("transactions", f"expected a Transaction, got {transaction!r}")
        if transaction.order_id != order_id:
            raise ValidationError(
                "transactions",
                f"transaction {transaction.id!r} is for order {transaction.order_id!r}, "
                f"not {order_id!r}",
            )
    return checked


def check_count(order_id: str, version: int | None, count: int, expected: int | None) -> None:
    """:class:`ConcurrencyConflict` if the order has ``count`` transactions, not ``expected``
    (when given): money moved meanwhile, so the caller's view of it is out of date."""
    if expected is not None and count != expected:
        raise ConcurrencyConflict(
            order_id, version, version or 0, f"{count} transactions, not {expected}"
        )


def check_deletable(order_id: str, version: int, status: Status, expected_version: int) -> None:
    """A delete based on ``expected_version`` of an order stored at ``version`` with
    ``status``: a stale version is a conflict, and a completed order is final."""
    if version != expected_version:
        raise ConcurrencyConflict(order_id, expected_version, version)
    if status is Status.COMPLETED:
        raise InvalidTransition(order_id, status.value, "delete", ())


def check_promotion_ids(promotion_ids: Iterable[str], customer_id: str | None) -> list[str]:
    """The promotion ids as a list (one use each, repeats counted); ids and the customer id
    must be non-empty strings."""
    if isinstance(promotion_ids, str) or not isinstance(promotion_ids, Iterable):
        raise ValidationError("promotion_ids", f"expected promotion ids, got {promotion_ids!r}")
    ids = list(promotion_ids)
    for promotion_id in ids:
        if not isinstance(promotion_id, str) or not promotion_id:
            raise ValidationError("promotion_ids", f"expected a promotion id, got {promotion_id!r}")
    if customer_id is not None and (not isinstance(customer_id, str) or not customer_id):
        raise ValidationError("customer_id", f"expected a customer id or None, got {customer_id!r}")
    return ids

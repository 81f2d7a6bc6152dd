"""The checks every store makes the same way, so that adapters raise the same errors with the
same fields (the contract tests compare them)."""

from __future__ import annotations

from collections.abc import Iterable

from draftorders.errors import (
    ConcurrencyConflict,
    InvalidTransition,
    UsageLimitReached,
    ValidationError,
)
from draftorders.order import DraftOrder, Status
from draftorders.promotions import PromotionUsage
from draftorders.storage.store import UsageLimits

__all__ = [
    "FINAL",
    "check_deletable",
    "check_instance",
    "check_promotion_ids",
    "check_usage",
    "check_version",
]

FINAL = frozenset({Status.COMPLETED, Status.CANCELLED})
"""Statuses an order never leaves: such an order is kept, never deleted."""


def check_instance(value: object, kind: type, field: str) -> None:
    """:class:`ValidationError` unless ``value`` is a ``kind``."""
    if not isinstance(value, kind):
        raise ValidationError(field, f"expected a {kind.__name__}, got {value!r}")


def check_version(order: DraftOrder, stored: int, expected: int) -> None:
    """A replace based on ``expected`` of an order stored at ``stored``."""
    if not isinstance(expected, int) or isinstance(expected, bool):
        raise ValidationError("expected_version", f"expected a version number, got {expected!r}")
    if stored != expected:
        raise ConcurrencyConflict(order.id, expected, stored)


def check_deletable(order_id: str, version: int, status: Status, expected_version: int) -> None:
    """A delete based on ``expected_version`` of an order stored at ``version`` with
    ``status``: a stale version is a conflict, and a completed or cancelled order is final."""
    if version != expected_version:
        raise ConcurrencyConflict(order_id, expected_version, version)
    if status in FINAL:
        raise InvalidTransition(order_id, status.value, "delete", ())


def check_promotion_ids(promotion_ids: Iterable[str], customer_id: str | None) -> list[str]:
    """The promotion ids as a sorted list (one use each, repeats counted); ids and the
    customer id must be non-empty strings."""
    if isinstance(promotion_ids, str) or not isinstance(promotion_ids, Iterable):
        raise ValidationError("promotion_ids", f"expected promotion ids, got {promotion_ids!r}")
    ids = list(promotion_ids)
    for promotion_id in ids:
        if not isinstance(promotion_id, str) or not promotion_id:
            raise ValidationError("promotion_ids", f"expected a promotion id, got {promotion_id!r}")
    if customer_id is not None and (not isinstance(customer_id, str) or not customer_id):
        raise ValidationError("customer_id", f"expected a customer id or None, got {customer_id!r}")
    return sorted(ids)


def check_usage(
    usage: PromotionUsage, ids: list[str], customer_id: str | None, limits: UsageLimits
) -> None:
    """:class:`UsageLimitReached` if one more use of each of ``ids`` would pass its limit."""
    for promotion_id in sorted(set(ids)):
        total, per_customer = limits.get(promotion_id, (None, None))
        wanted = ids.count(promotion_id)
        used = usage.count(promotion_id)
        if total is not None and used + wanted > total:
            raise UsageLimitReached(promotion_id, total, used)
        if per_customer is not None and customer_id is not None:
            mine = usage.count_for(promotion_id, customer_id)
            if mine + wanted > per_customer:
                raise UsageLimitReached(promotion_id, per_customer, mine, customer_id)

"""The one rule every change to an order follows inside its store unit: lock the order's row,
check it is still the version the change was worked out on, and that no payment of it is in
flight. The database decides; nothing here relies on a lock inside one process."""

from __future__ import annotations

from draftorders.errors import ConcurrencyConflict, PaymentInFlight
from draftorders.order import DraftOrder
from draftorders.storage import Unit

__all__ = ["lock_order"]


def lock_order(unit: Unit, order_id: str, version: int | None = None) -> DraftOrder:
    """The stored order, its row locked until the unit ends. :class:`ConcurrencyConflict` if
    it is no longer at ``version`` (when given); :class:`PaymentInFlight` if a payment of it
    is between its claim and its record."""
    order = unit.orders.get(order_id, lock=True)
    if version is not None and order.version != version:
        raise ConcurrencyConflict(order_id, version, order.version)
    for claim in unit.payments.claims(order_id):
        if claim.is_open:
            raise PaymentInFlight(order_id, claim.id, claim.created_at)
    return order

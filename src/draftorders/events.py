"""What happened to an order: facts emitted by lifecycle transitions, for the service to publish."""

from __future__ import annotations

import attrs

from draftorders.money import Money

__all__ = [
    "InvoiceSent",
    "OrderCancelled",
    "OrderCompleted",
    "OrderEvent",
    "RevertedToDraft",
    "TransactionRecorded",
]


@attrs.frozen
class InvoiceSent:
    """The invoice for ``version`` of the order was sent; the order is now locked.

    ``resent`` is True when a locked order's invoice was sent again, unchanged.
    """

    order_id: str
    version: int
    total: Money
    resent: bool = False


@attrs.frozen
class RevertedToDraft:
    """The order went back to draft; the invoice for ``stale_version`` is no longer valid."""

    order_id: str
    stale_version: int
    version: int


@attrs.frozen
class OrderCompleted:
    """The order was completed (paid, or accepted with payment to come); it is on the orders
    list.

    ``promotions`` are the ids of the promotions it used, for usage limits.
    """

    order_id: str
    version: int
    total: Money
    promotions: tuple[str, ...] = ()
    customer_id: str | None = None


@attrs.frozen
class OrderCancelled:
    """The order was cancelled (given up, kept with its money records)."""

    order_id: str
    version: int
    reason: str | None = None


@attrs.frozen
class TransactionRecorded:
    """A payment, capture, void or refund was recorded on the order (``kind`` and ``status``
    are the values of :class:`~draftorders.payments.TransactionKind` and ``TransactionStatus``)."""

    order_id: str
    transaction_id: str
    kind: str
    status: str
    amount: Money


OrderEvent = InvoiceSent | RevertedToDraft | OrderCompleted | OrderCancelled | TransactionRecorded

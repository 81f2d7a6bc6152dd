"""The order lifecycle as a transition table: draft -> invoice sent -> completed.

Each transition takes an order (and, where money is involved, its priced breakdown) and
returns a :class:`Transition`: the new order plus the events to publish. Nothing is stored or
sent here; the service does that.

=============  ===============  =================
from           action           to
=============  ===============  =================
draft          send_invoice     invoice_sent
draft          complete         completed
draft          cancel           cancelled
invoice_sent   resend_invoice   invoice_sent
invoice_sent   revert_to_draft  draft
invoice_sent   complete         completed
invoice_sent   cancel           cancelled
=============  ===============  =================

Re-sending leaves the order as it is (same version, so a checkout link stays valid), but only
while it still prices at the total it was invoiced at. Completing is what accepting payment
does: a payment that leaves nothing due completes the order, and so does accepting it with
payment still to come (under its payment terms). Cancelling gives an order up without
deleting it: an order with money on it is cancelled (and refunded), never deleted.
"""

from __future__ import annotations

import enum

import attrs

from draftorders.errors import InvalidTransition, InvoiceOutdated, ValidationError
from draftorders.events import (
    InvoiceSent,
    OrderCancelled,
    OrderCompleted,
    OrderEvent,
    RevertedToDraft,
)
from draftorders.order import DraftOrder, Status
from draftorders.pricing import PricedOrder

__all__ = [
    "Action",
    "Transition",
    "allowed_actions",
    "cancel",
    "complete",
    "resend_invoice",
    "revert_to_draft",
    "send_invoice",
]


class Action(enum.Enum):
    """Lifecycle actions."""

    SEND_INVOICE = "send_invoice"
    RESEND_INVOICE = "resend_invoice"
    REVERT_TO_DRAFT = "revert_to_draft"
    COMPLETE = "complete"
    CANCEL = "cancel"


_TABLE: dict[tuple[Status, Action], Status] = {
    (Status.DRAFT, Action.SEND_INVOICE): Status.INVOICE_SENT,
    (Status.DRAFT, Action.COMPLETE): Status.COMPLETED,
    (Status.DRAFT, Action.CANCEL): Status.CANCELLED,
    (Status.INVOICE_SENT, Action.RESEND_INVOICE): Status.INVOICE_SENT,
    (Status.INVOICE_SENT, Action.REVERT_TO_DRAFT): Status.DRAFT,
    (Status.INVOICE_SENT, Action.COMPLETE): Status.COMPLETED,
    (Status.INVOICE_SENT, Action.CANCEL): Status.CANCELLED,
}


@attrs.frozen
class Transition:
    """The result of a lifecycle action: the order after it, and what happened."""

    order: DraftOrder
    events: tuple[OrderEvent, ...]


def allowed_actions(status: Status) -> tuple[Action, ...]:
    """The actions the transition table allows from ``status``."""
    return tuple(action for (source, action) in _TABLE if source is status)


def send_invoice(order: DraftOrder, priced: PricedOrder) -> Transition:
    """Lock the order and record that the invoice for this version, at this total, was sent."""
    moved = attrs.evolve(_move(order, Action.SEND_INVOICE, priced), invoiced_total=priced.total)
    return Transition(moved, (InvoiceSent(moved.id, moved.version, priced.total),))


def resend_invoice(order: DraftOrder, priced: PricedOrder) -> Transition:
    """Send a locked order's invoice again, unchanged. If the order now prices at another
    total than it was invoiced at, :class:`InvoiceOutdated` is raised: revert it to draft and
    send a new invoice."""
    _move(order, Action.RESEND_INVOICE, priced)
    if order.invoiced_total != priced.total:
        raise InvoiceOutdated(order.id, order.invoiced_total, priced.total)
    return Transition(order, (InvoiceSent(order.id, order.version, priced.total, resent=True),))


def revert_to_draft(order: DraftOrder) -> Transition:
    """Unlock a sent order for editing; the invoice sent earlier becomes stale."""
    moved = attrs.evolve(_move(order, Action.REVERT_TO_DRAFT, None), invoiced_total=None)
    return Transition(moved, (RevertedToDraft(moved.id, order.version, moved.version),))


def complete(order: DraftOrder, priced: PricedOrder) -> Transition:
    """Complete the order: it is final, belongs on the orders list, and its total is fixed
    (``completed_total``); whether it is paid is for its transactions to say.

    A sent invoice is paid at the total it was sent with: if the order now prices at another
    total, :class:`InvoiceOutdated` is raised and nothing changes.
    """
    moved = attrs.evolve(_move(order, Action.COMPLETE, priced), completed_total=priced.total)
    if order.invoiced_total is not None and order.invoiced_total != priced.total:
        raise InvoiceOutdated(order.id, order.invoiced_total, priced.total)
    customer_id = order.customer.id if order.customer is not None else None
    completed = OrderCompleted(
        moved.id, moved.version, priced.total, priced.applied_promotions, customer_id
    )
    return Transition(moved, (completed,))


def cancel(order: DraftOrder, reason: str | None = None) -> Transition:
    """Give the order up: it is final, kept with its money records, and off the drafts list.
    Its invoice (if one was sent) is no longer payable."""
    moved = _move(order, Action.CANCEL, None)
    return Transition(moved, (OrderCancelled(moved.id, moved.version, reason),))


def _move(order: DraftOrder, action: Action, priced: PricedOrder | None) -> DraftOrder:
    target = _TABLE.get((order.status, action))
    if target is None:
        raise InvalidTransition(
            order.id,
            order.status.value,
            action.value,
            tuple(a.value for a in allowed_actions(order.status)),
        )
    if priced is not None and not order.lines:
        raise ValidationError("lines", f"order {order.id!r} has no lines; add one first")
    if priced is not None and (priced.order_id, priced.version) != (order.id, order.version):
        raise ValidationError(
            "priced",
            f"the breakdown is of {priced.order_id!r} version {priced.version}, not of "
            f"{order.id!r} version {order.version}; price the order again",
        )
    return attrs.evolve(order, status=target, version=order.version + 1)

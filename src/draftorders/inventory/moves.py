"""How orders move stock, as pure functions: given the levels read from the store, each move
returns the levels after it and one change record per SKU moved, for the shop to write in the
same store transaction.

A tracked SKU has stock *on hand* and some of it *reserved* for orders whose invoice was sent;
what is *available* to sell is on hand less reserved. An order moves stock four ways:

=========  ====================================  =====================
reason     when                                  effect
=========  ====================================  =====================
reserved   its invoice is sent                   available - qty
released   reverted, deleted, cancelled, expired available + qty
committed  it is completed                       on hand - qty (and the reservation, if any, ends)
restocked  a refund returns units to stock       on hand + qty, available + qty
=========  ====================================  =====================

A move that would take more than is available from a SKU whose policy is ``DENY`` raises
:class:`~draftorders.errors.InsufficientStock` naming the SKU and the shortfall, and nothing
is returned to write (all lines are checked before any is moved). ``BACKORDER`` SKUs may go
below zero: the units short are back-ordered (pre-orders). Untracked SKUs (those with no
level) and custom items are not counted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import attrs

from draftorders.errors import InsufficientStock, ValidationError
from draftorders.inventory.levels import (
    InventoryChange,
    InventoryPolicy,
    Reason,
    Reservation,
    StockKey,
    StockLevel,
    Taken,
    units,
)
from draftorders.order import DraftOrder

__all__ = [
    "Moves",
    "adjust",
    "check",
    "commit",
    "key_order",
    "release",
    "reserve",
    "restock",
    "stock_keys",
    "wanted",
]

Levels = Mapping[StockKey, StockLevel]


def key_order(key: StockKey) -> tuple[str, str]:
    """How stock keys sort (the unnamed location first): the order stores lock them in."""
    return (key[0], key[1] or "")


@attrs.frozen
class Moves:
    """What a move writes: the levels after it, and a change record per SKU moved."""

    levels: tuple[StockLevel, ...] = ()
    changes: tuple[InventoryChange, ...] = ()


def stock_keys(order: DraftOrder, location: str | None) -> list[StockKey]:
    """The (SKU, location) of every catalog line of the order, sorted (the order in which a
    store locks them, so two orders never wait for each other in a circle)."""
    keys = {(item.sku, location) for item in order.lines if item.sku is not None}
    return sorted(keys, key=key_order)


def wanted(order: DraftOrder, levels: Levels, location: str | None) -> dict[StockKey, int]:
    """Units of each tracked SKU (one with a level) the order's lines want."""
    want: dict[StockKey, int] = {}
    for item in order.lines:
        key = (item.sku or "", location)
        if item.sku is not None and key in levels:
            want[key] = want.get(key, 0) + item.quantity
    return want


def check(want: Mapping[StockKey, int], levels: Levels, own: Reservation | None) -> None:
    """:class:`InsufficientStock` if a ``DENY`` SKU has fewer units available than wanted (the
    order's own reservation counts as available to it)."""
    held = own.units() if own is not None else {}
    for key, quantity in sorted(want.items(), key=lambda item: key_order(item[0])):
        level = levels[key]
        available = level.available + held.get(key, 0)
        if quantity > available and level.policy is InventoryPolicy.DENY:
            raise InsufficientStock(key[0], quantity, available)


def reserve(
    order: DraftOrder,
    levels: Levels,
    own: Reservation | None,
    *,
    location: str | None,
    at: dt.datetime,
    until: dt.datetime | None,
) -> tuple[Moves, Reservation | None]:
    """Set stock aside for the order's tracked lines until ``until``, replacing its earlier
    reservation ``own``; the moves and the new reservation (None when nothing is tracked)."""
    want = wanted(order, levels, location)
    check(want, levels, own)
    released = release(own, levels, at=at) if own is not None else Moves()
    after = {**levels, **{level.key: level for level in released.levels}}
    changes = list(released.changes)
    for key, quantity in sorted(want.items(), key=lambda item: key_order(item[0])):
        level = after[key]
        short = max(0, quantity - max(level.available, 0))
        after[key] = attrs.evolve(level, reserved=level.reserved + quantity)
        changes.append(_change(order.id, after[key], -quantity, short, Reason.RESERVED, at))
    reservation = (
        Reservation(order.id, until, tuple((k[0], k[1], q) for k, q in want.items()))
        if want
        else None
    )
    moved = {change.sku for change in changes}
    return Moves(_touched(after, levels, moved), tuple(changes)), reservation


def release(
    reservation: Reservation, levels: Levels, *, at: dt.datetime, reason: Reason = Reason.RELEASED
) -> Moves:
    """Return a reservation's units to available stock."""
    after = dict(levels)
    changes = []
    for key, quantity in sorted(reservation.units().items(), key=lambda i: key_order(i[0])):
        level = after[key]
        after[key] = attrs.evolve(level, reserved=level.reserved - quantity)
        changes.append(_change(reservation.order_id, after[key], quantity, 0, reason, at))
    keys = sorted(reservation.units(), key=key_order)
    return Moves(tuple(after[key] for key in keys), tuple(changes))


def commit(
    order: DraftOrder,
    levels: Levels,
    own: Reservation | None,
    *,
    location: str | None,
    at: dt.datetime,
) -> tuple[Moves, Taken]:
    """Take the completed order's tracked lines out of stock (its reservation ends); the
    moves and what it took."""
    want = wanted(order, levels, location)
    check(want, levels, own)
    held = own.units() if own is not None else {}
    after = dict(levels)
    changes = []
    keys = sorted(set(want) | set(held), key=key_order)
    for key in keys:
        level = after[key]
        quantity = want.get(key, 0)
        short = max(0, quantity - min(held.get(key, 0), quantity) - max(level.available, 0))
        after[key] = attrs.evolve(
            level, on_hand=level.on_hand - quantity, reserved=level.reserved - held.get(key, 0)
        )
        if quantity:
            changes.append(_change(order.id, after[key], -quantity, short, Reason.COMMITTED, at))
        else:  # reserved, no longer wanted: the reservation ends
            changes.append(_change(order.id, after[key], held[key], 0, Reason.RELEASED, at))
    taken = Taken(order.id, tuple((k[0], k[1], q) for k, q in want.items()))
    return Moves(tuple(after[k] for k in keys), tuple(changes)), taken


def restock(
    order: DraftOrder,
    lines: Sequence[tuple[str, int]],
    levels: Levels,
    taken: Taken | None,
    *,
    location: str | None,
    at: dt.datetime,
) -> tuple[Moves, Taken | None]:
    """Return units of a completed order's lines to stock (after a refund), by line id, never
    more than it took; the moves and what it still holds."""
    left = taken.units() if taken is not None else {}
    after = dict(levels)
    changes = []
    for line_id, asked in lines:
        item = order.line(line_id)
        key = (item.sku or "", location)
        quantity = min(units(asked), left.get(key, 0))
        if item.sku is None or key not in after or quantity <= 0:
            continue
        left[key] -= quantity
        level = after[key]
        after[key] = attrs.evolve(level, on_hand=level.on_hand + quantity)
        changes.append(_change(order.id, after[key], quantity, 0, Reason.RESTOCKED, at))
    moved = {change.sku for change in changes}
    still = Taken(order.id, tuple((k[0], k[1], q) for k, q in left.items())) if taken else None
    return Moves(_touched(after, levels, moved), tuple(changes)), still


def adjust(level: StockLevel, change: int, *, at: dt.datetime) -> Moves:
    """Count stock in (positive) or out (negative) by hand: a delivery, a stock-take. Units not
    on hand cannot be counted out, nor, for a ``DENY`` SKU, units reserved for orders."""
    if units(change, "change") == 0:
        raise ValidationError("change", "an adjustment of zero units moves nothing")
    if change < 0:
        limit = level.on_hand
        if level.policy is InventoryPolicy.DENY:
            limit = min(limit, level.available)
        if -change > limit:
            raise InsufficientStock(level.sku, -change, limit)
    moved = attrs.evolve(level, on_hand=level.on_hand + change)
    return Moves((moved,), (_change(None, moved, change, 0, Reason.ADJUSTED, at),))


def _touched(after: Levels, before: Levels, skus: set[str]) -> tuple[StockLevel, ...]:
    return tuple(
        after[key]
        for key in sorted(after, key=key_order)
        if key[0] in skus and after[key] != before.get(key)
    )


def _change(
    order_id: str | None,
    level: StockLevel,
    change: int,
    short: int,
    reason: Reason,
    at: dt.datetime,
) -> InventoryChange:
    return InventoryChange(
        order_id,
        level.sku,
        level.location,
        change,
        reason,
        at,
        level.on_hand,
        level.available,
        short,
    )

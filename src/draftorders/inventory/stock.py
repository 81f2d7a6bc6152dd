"""Stock levels per SKU (and location), how orders move them, and the history of every move.

A tracked SKU has stock *on hand* and some of it *reserved* for orders whose invoice was sent;
what is *available* to sell is on hand less reserved. An order moves stock four ways:

=========  ====================================  =====================
reason     when                                  effect
=========  ====================================  =====================
reserved   its invoice is sent                   available - qty
released   reverted, deleted, or past its date   available + qty
committed  it is completed                       on hand - qty (and the reservation, if any, ends)
restocked  a refund returns units to stock       on hand + qty, available + qty
=========  ====================================  =====================

Each move writes an :class:`InventoryChange` with the levels after it. A move that would take
more than is available from a SKU whose policy is ``DENY`` raises
:class:`~draftorders.errors.InsufficientStock` naming the SKU and the shortfall, and nothing
changes (all lines are checked before any is moved). ``BACKORDER`` SKUs may go below zero:
the units short are back-ordered (pre-orders).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import enum
import threading
from collections.abc import Iterator, Sequence

import attrs

from draftorders.errors import InsufficientStock, ValidationError
from draftorders.order import DraftOrder

__all__ = ["Inventory", "InventoryChange", "InventoryPolicy", "Reason", "StockLevel"]


class InventoryPolicy(enum.Enum):
    """What happens when an order wants more than is available."""

    DENY = "deny"
    """Refuse: the order cannot take more than is available."""
    BACKORDER = "backorder"
    """Allow it: the shortfall is back-ordered (pre-orders)."""


class Reason(enum.Enum):
    """Why stock moved."""

    RESERVED = "reserved"
    RELEASED = "released"
    EXPIRED = "expired"
    COMMITTED = "committed"
    RESTOCKED = "restocked"
    ADJUSTED = "adjusted"


@attrs.frozen
class StockLevel:
    """A SKU's stock at one location: on hand, reserved for orders, and available."""

    sku: str
    location: str | None
    on_hand: int
    reserved: int
    policy: InventoryPolicy

    @property
    def available(self) -> int:
        """What can still be sold: on hand less reserved (negative when back-ordered)."""
        return self.on_hand - self.reserved


@attrs.frozen
class InventoryChange:
    """One move of stock: which order (None for a manual adjustment), which SKU, by how much,
    why, when, and the levels after it."""

    order_id: str | None
    sku: str
    location: str | None
    change: int
    reason: Reason
    at: dt.datetime
    on_hand: int
    available: int
    backordered: int = 0
    """Units of this move that were not available (only with the BACKORDER policy)."""


@attrs.frozen
class _Reservation:
    until: dt.datetime | None
    quantities: tuple[tuple[tuple[str, str | None], int], ...]


def _quantity(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError("quantity", f"expected a whole number of units, got {value!r}")
    return value


class Inventory:
    """Stock of the tracked SKUs, the reservations of orders, and the history of every change.

    Stock may be kept at several locations; orders are filled from ``fulfil_from`` (the
    unnamed location by default). In memory and safe to share between threads. Untracked SKUs
    (and custom items) are not counted: orders may sell any number of them.
    """

    def __init__(self, *, fulfil_from: str | None = None) -> None:
        self.fulfil_from = fulfil_from
        self._levels: dict[tuple[str, str | None], StockLevel] = {}
        self._reservations: dict[str, _Reservation] = {}
        self._committed: dict[str, dict[tuple[str, str | None], int]] = {}
        """Per completed order, the units taken per SKU that have not come back yet."""
        self._history: list[InventoryChange] = []
        self._lock = threading.RLock()

    # -- set-up and reading ---------------------------------------------------------------------

    def track(
        self,
        sku: str,
        on_hand: int,
        *,
        policy: InventoryPolicy = InventoryPolicy.DENY,
        location: str | None = None,
    ) -> StockLevel:
        """Start tracking ``sku`` (at ``location``) with ``on_hand`` units."""
        if not isinstance(sku, str) or not sku.strip():
            raise ValidationError("sku", f"expected a SKU, got {sku!r}")
        if not isinstance(policy, InventoryPolicy):
            raise ValidationError("policy", f"expected an InventoryPolicy, got {policy!r}")
        if _quantity(on_hand) < 0:
            raise ValidationError("on_hand", f"stock on hand cannot be negative, got {on_hand}")
        with self._lock:
            if (sku, location) in self._levels:
                raise ValidationError("sku", f"{sku!r} is already tracked at {location!r}")
            level = StockLevel(sku, location, on_hand, 0, policy)
            self._levels[(sku, location)] = level
            return level

    def tracks(self, sku: str | None, location: str | None = None) -> bool:
        """True if ``sku`` is tracked at ``location``."""
        return (sku, location) in self._levels

    def level(self, sku: str, location: str | None = None) -> StockLevel:
        """The stock of a tracked SKU; :class:`ValidationError` if it is not tracked."""
        try:
            return self._levels[(sku, location)]
        except KeyError:
            raise ValidationError("sku", f"{sku!r} is not tracked at {location!r}") from None

    def history(
        self, *, order_id: str | None = None, sku: str | None = None
    ) -> list[InventoryChange]:
        """The changes, oldest first: all, or those of one order, or of one SKU."""
        with self._lock:
            return [
                c
                for c in self._history
                if (order_id is None or c.order_id == order_id) and (sku is None or c.sku == sku)
            ]

    def reserved_until(self, order_id: str) -> dt.datetime | None:
        """Until when the order's reservation holds (None: no reservation, or no end)."""
        reservation = self._reservations.get(order_id)
        return reservation.until if reservation is not None else None

    def is_reserved(self, order_id: str) -> bool:
        """True if the order holds a reservation."""
        return order_id in self._reservations

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the inventory still: no other order moves stock until the block ends
        (re-entrant), e.g. between checking an order's stock and committing it."""
        with self._lock:
            yield

    # -- moves ----------------------------------------------------------------------------------

    def adjust(
        self, sku: str, change: int, *, at: dt.datetime, location: str | None = None
    ) -> StockLevel:
        """Count stock in (positive) or out (negative) by hand: a delivery, a stock-take. Units
        not on hand cannot be counted out, nor, for a ``DENY`` SKU, units reserved for orders."""
        with self._lock:
            level = self.level(sku, location)
            if _quantity(change) < 0:
                limit = level.on_hand
                if level.policy is InventoryPolicy.DENY:
                    limit = min(limit, level.available)
                if -change > limit:
                    raise InsufficientStock(sku, -change, limit)
            return self._move(None, level, change, 0, Reason.ADJUSTED, at)

    def check(self, order: DraftOrder) -> None:
        """Raise :class:`InsufficientStock` if the order's tracked lines cannot be taken (its own
        reservation counts as available to it)."""
        with self._lock:
            own = (
                dict(self._reservations[order.id].quantities)
                if order.id in self._reservations
                else {}
            )
            for key, quantity in self._wanted(order).items():
                level = self._levels[key]
                available = level.available + own.get(key, 0)
                if quantity > available and level.policy is InventoryPolicy.DENY:
                    raise InsufficientStock(key[0], quantity, available)

    def reserve(self, order: DraftOrder, *, at: dt.datetime, until: dt.datetime | None) -> None:
        """Set stock aside for the order's tracked lines until ``until`` (replacing an earlier
        reservation of the order); nothing changes if one line cannot be reserved."""
        with self._lock:
            self.check(order)
            self.release(order.id, at=at)
            wanted = self._wanted(order)
            for key, quantity in wanted.items():
                level = self._levels[key]
                short = max(0, quantity - max(level.available, 0))
                moved = attrs.evolve(level, reserved=level.reserved + quantity)
                self._levels[key] = moved
                self._record(order.id, moved, -quantity, short, Reason.RESERVED, at)
            if wanted:
                self._reservations[order.id] = _Reservation(until, tuple(wanted.items()))

    def release(self, order_id: str, *, at: dt.datetime, reason: Reason = Reason.RELEASED) -> None:
        """Return the order's reservation to available stock (nothing if it has none)."""
        with self._lock:
            reservation = self._reservations.pop(order_id, None)
            if reservation is None:
                return
            for key, quantity in reservation.quantities:
                level = self._levels[key]
                moved = attrs.evolve(level, reserved=level.reserved - quantity)
                self._levels[key] = moved
                self._record(order_id, moved, quantity, 0, reason, at)

    def expire(self, now: dt.datetime) -> list[str]:
        """Release every reservation whose date has passed; the ids of those orders."""
        with self._lock:
            due = [
                oid
                for oid, r in self._reservations.items()
                if r.until is not None and r.until <= now
            ]
            for order_id in due:
                self.release(order_id, at=now, reason=Reason.EXPIRED)
            return due

    def commit(self, order: DraftOrder, *, at: dt.datetime) -> None:
        """Take the completed order's tracked lines out of stock (its reservation ends); done
        once per order, and nothing changes if a line cannot be taken."""
        with self._lock:
            if order.id in self._committed:
                return
            self.check(order)
            reservation = self._reservations.pop(order.id, None)
            own = dict(reservation.quantities) if reservation is not None else {}
            for key, quantity in self._wanted(order).items():
                level = self._levels[key]
                held = min(own.get(key, 0), quantity)
                short = max(0, quantity - held - max(level.available, 0))
                moved = attrs.evolve(
                    level,
                    on_hand=level.on_hand - quantity,
                    reserved=level.reserved - own.get(key, 0),
                )
                self._levels[key] = moved
                self._record(order.id, moved, -quantity, short, Reason.COMMITTED, at)
            self._committed[order.id] = self._wanted(order)

    def restock(
        self, order: DraftOrder, lines: Sequence[tuple[str, int]], *, at: dt.datetime
    ) -> None:
        """Return units of a completed order's lines to stock (after a refund), by line id;
        never more than the order took."""
        with self._lock:
            taken = self._committed.get(order.id, {})
            for line_id, asked in lines:
                item = order.line(line_id)
                key = (item.sku or "", self.fulfil_from)
                quantity = min(_quantity(asked), taken.get(key, 0))
                if item.sku is None or key not in self._levels or quantity <= 0:
                    continue
                taken[key] -= quantity
                level = self._levels[key]
                moved = attrs.evolve(level, on_hand=level.on_hand + _quantity(quantity))
                self._levels[key] = moved
                self._record(order.id, moved, quantity, 0, Reason.RESTOCKED, at)

    # -- the workings ---------------------------------------------------------------------------

    def _wanted(self, order: DraftOrder) -> dict[tuple[str, str | None], int]:
        wanted: dict[tuple[str, str | None], int] = {}
        for item in order.lines:
            key = (item.sku or "", self.fulfil_from)
            if item.sku is not None and key in self._levels:
                wanted[key] = wanted.get(key, 0) + item.quantity
        return wanted

    def _move(
        self,
        order_id: str | None,
        level: StockLevel,
        change: int,
        short: int,
        reason: Reason,
        at: dt.datetime,
    ) -> StockLevel:
        moved = attrs.evolve(level, on_hand=level.on_hand + change)
        self._levels[(level.sku, level.location)] = moved
        self._record(order_id, moved, change, short, reason, at)
        return moved

    def _record(
        self,
        order_id: str | None,
        level: StockLevel,
        change: int,
        short: int,
        reason: Reason,
        at: dt.datetime,
    ) -> None:
        self._history.append(
            InventoryChange(
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
        )

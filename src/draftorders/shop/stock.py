"""The shop's stock: levels per SKU kept in the store, and the moves orders make, each written
in the store unit of the operation that makes it (a send reserves, a completion commits, a
refund restocks), so stock is one truth for every process."""

from __future__ import annotations

import datetime as dt

from draftorders._validate import optional_text
from draftorders.errors import ValidationError
from draftorders.inventory import (
    InventoryChange,
    InventoryPolicy,
    Moves,
    Reason,
    StockKey,
    StockLevel,
)
from draftorders.inventory import moves as inventory
from draftorders.order import DraftOrder
from draftorders.shop.ports import Ports
from draftorders.shop.settings import Shop
from draftorders.storage import Unit

__all__ = ["Stock"]


class Stock:
    """Tracked SKUs and their history; the ``reserve``/``release``/``commit``/``restock``
    steps run inside a unit another part of the shop opened."""

    def __init__(self, shop: Shop, ports: Ports) -> None:
        self.shop = shop
        self.ports = ports

    # -- the merchant's calls --------------------------------------------------------------------

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
        level = StockLevel(sku, optional_text(location), on_hand, 0, policy)
        if on_hand < 0:
            raise ValidationError("on_hand", f"stock on hand cannot be negative, got {on_hand}")
        with self.ports.store.unit() as unit:
            unit.stock.add_level(level)
        return level

    def level(self, sku: str, location: str | None = None) -> StockLevel:
        """The stock of a tracked SKU; :class:`ValidationError` if it is not tracked."""
        with self.ports.store.unit(write=False) as unit:
            level = unit.stock.level((sku, location))
        if level is None:
            raise ValidationError("sku", f"{sku!r} is not tracked at {location!r}")
        return level

    def levels(self) -> list[StockLevel]:
        """Every tracked level, by SKU and location."""
        with self.ports.store.unit(write=False) as unit:
            return unit.stock.levels()

    def tracks(self, sku: str, location: str | None = None) -> bool:
        """True if ``sku`` is tracked at ``location``."""
        with self.ports.store.unit(write=False) as unit:
            return unit.stock.level((sku, location)) is not None

    def adjust(self, sku: str, change: int, *, location: str | None = None) -> StockLevel:
        """Count stock in (positive) or out (negative) by hand: a delivery, a stock-take."""
        with self.ports.store.unit() as unit:
            level = unit.stock.level((sku, location), lock=True)
            if level is None:
                raise ValidationError("sku", f"{sku!r} is not tracked at {location!r}")
            moves = inventory.adjust(level, change, at=self.ports.clock.now())
            self._write(unit, moves)
        return moves.levels[0]

    def history(
        self, *, order_id: str | None = None, sku: str | None = None
    ) -> list[InventoryChange]:
        """The changes, oldest first: all, or those of one order, or of one SKU."""
        with self.ports.store.unit(write=False) as unit:
            return unit.stock.history(order_id=order_id, sku=sku)

    def reserved_until(self, order_id: str) -> dt.datetime | None:
        """Until when the order's reservation holds (None: no reservation, or no end)."""
        with self.ports.store.unit(write=False) as unit:
            reservation = unit.stock.reservation(order_id)
        return reservation.until if reservation is not None else None

    def is_reserved(self, order_id: str) -> bool:
        """True if the order holds a reservation."""
        with self.ports.store.unit(write=False) as unit:
            return unit.stock.reservation(order_id) is not None

    def expire_reservations(self) -> list[str]:
        """Release the stock of sent invoices whose reservation date has passed (run it from
        a cron); the ids of those orders."""
        now = self.ports.clock.now()
        with self.ports.store.unit() as unit:
            due = unit.stock.reservations_due(now)
            for reservation in due:
                self.release(unit, reservation.order_id, at=now, reason=Reason.EXPIRED)
        return [reservation.order_id for reservation in due]

    # -- steps inside another operation's unit ---------------------------------------------------

    def reserve(self, unit: Unit, order: DraftOrder, *, at: dt.datetime) -> None:
        """Set the order's tracked units aside for as long as the shop holds sent invoices
        (replacing an earlier reservation); :class:`InsufficientStock` and nothing written if a
        line cannot be reserved."""
        until = at + self.shop.reserve_for if self.shop.reserve_for is not None else None
        self.hold(unit, order, at=at, until=until)

    def hold(
        self, unit: Unit, order: DraftOrder, *, at: dt.datetime, until: dt.datetime | None
    ) -> None:
        """Reserve the order's tracked units until ``until`` (None: until released)."""
        own = unit.stock.reservation(order.id)
        levels = self._levels(unit, order)
        moves, reservation = inventory.reserve(
            order, levels, own, location=self.shop.fulfil_from, at=at, until=until
        )
        self._write(unit, moves)
        if reservation is not None:
            unit.stock.put_reservation(reservation)
        elif own is not None:
            unit.stock.drop_reservation(order.id)

    def check(self, unit: Unit, order: DraftOrder) -> None:
        """:class:`InsufficientStock` if the order's tracked lines cannot be taken now."""
        own = unit.stock.reservation(order.id)
        levels = self._levels(unit, order)
        inventory.check(inventory.wanted(order, levels, self.shop.fulfil_from), levels, own)

    def release(
        self, unit: Unit, order_id: str, *, at: dt.datetime, reason: Reason = Reason.RELEASED
    ) -> None:
        """Return the order's reservation to available stock (nothing if it has none)."""
        own = unit.stock.reservation(order_id)
        if own is None:
            return
        levels = self._locked(unit, list(own.units()))
        self._write(unit, inventory.release(own, levels, at=at, reason=reason))
        unit.stock.drop_reservation(order_id)

    def commit(self, unit: Unit, order: DraftOrder, *, at: dt.datetime) -> None:
        """Take a completed order's tracked lines out of stock (its reservation ends); once
        per order."""
        if unit.stock.taken(order.id) is not None:
            return
        own = unit.stock.reservation(order.id)
        levels = self._levels(unit, order)
        moves, taken = inventory.commit(order, levels, own, location=self.shop.fulfil_from, at=at)
        self._write(unit, moves)
        if own is not None:
            unit.stock.drop_reservation(order.id)
        unit.stock.put_taken(taken)

    def restock(
        self,
        unit: Unit,
        order: DraftOrder,
        lines: tuple[tuple[str, int], ...],
        *,
        at: dt.datetime,
    ) -> None:
        """Return units of a completed order's lines to stock after a refund, never more than
        it took."""
        taken = unit.stock.taken(order.id)
        if taken is None or not lines:
            return
        levels = self._locked(unit, list(taken.units()))
        moves, still = inventory.restock(
            order, lines, levels, taken, location=self.shop.fulfil_from, at=at
        )
        self._write(unit, moves)
        if still is not None:
            unit.stock.put_taken(still)

    # -- the workings ----------------------------------------------------------------------------

    def _levels(self, unit: Unit, order: DraftOrder) -> dict[StockKey, StockLevel]:
        """The levels of the order's SKUs and of those its reservation holds, locked."""
        keys = set(inventory.stock_keys(order, self.shop.fulfil_from))
        reservation = unit.stock.reservation(order.id)
        if reservation is not None:
            keys |= set(reservation.units())
        return self._locked(unit, list(keys))

    @staticmethod
    def _locked(unit: Unit, keys: list[StockKey]) -> dict[StockKey, StockLevel]:
        """The levels at ``keys`` (the tracked ones), locked in key order."""
        levels = {}
        for key in sorted(keys, key=inventory.key_order):
            level = unit.stock.level(key, lock=True)
            if level is not None:
                levels[key] = level
        return levels

    @staticmethod
    def _write(unit: Unit, moves: Moves) -> None:
        for level in moves.levels:
            unit.stock.put_level(level)
        for change in moves.changes:
            unit.stock.record(change)

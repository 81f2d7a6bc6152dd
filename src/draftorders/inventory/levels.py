"""What the store keeps about stock: levels per SKU and location, the reservations of sent
invoices, what completed orders took, and one change record per move."""

from __future__ import annotations

import datetime as dt
import enum

import attrs

from draftorders._validate import (
    aware_datetime,
    check_type,
    non_empty_text,
    optional_aware_datetime,
    optional_text,
    rows,
    whole_number,
)
from draftorders.errors import ValidationError

__all__ = [
    "InventoryChange",
    "InventoryPolicy",
    "Reason",
    "Reservation",
    "StockKey",
    "StockLevel",
    "Taken",
    "units",
]

StockKey = tuple[str, str | None]
"""A SKU at a location (None: the unnamed location)."""


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


def units(value: object, field: str = "quantity") -> int:
    """``value`` if it is a whole number of units (not a bool)."""
    return whole_number(value, field)


def _units(_: object, attribute: attrs.Attribute[int], value: object) -> None:
    units(value, attribute.name)


def _quantities(value: object) -> tuple[tuple[str, str | None, int], ...]:
    found = []
    for sku, location, count in rows(value, "quantities", 3, "(sku, location, units)"):
        if not isinstance(sku, str) or not sku:
            raise ValidationError("quantities", f"expected a SKU, got {sku!r}")
        found.append((sku, optional_text(location), units(count)))
    return tuple(sorted(found, key=lambda r: (r[0], r[1] or "")))


@attrs.frozen
class StockLevel:
    """A SKU's stock at one location: on hand, reserved for orders, and available."""

    sku: str = attrs.field(validator=non_empty_text)
    location: str | None = attrs.field(converter=optional_text)
    on_hand: int = attrs.field(validator=_units)
    reserved: int = attrs.field(validator=_units)
    policy: InventoryPolicy = attrs.field(validator=check_type(InventoryPolicy))

    @property
    def key(self) -> StockKey:
        """Where the level is kept: (SKU, location)."""
        return (self.sku, self.location)

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
    at: dt.datetime = attrs.field(validator=aware_datetime)
    on_hand: int
    available: int
    backordered: int = 0
    """Units of this move that were not available (only with the BACKORDER policy)."""


@attrs.frozen
class Reservation:
    """Units set aside for an order whose invoice was sent, until ``until`` (None: until it
    is reverted, completed or deleted)."""

    order_id: str = attrs.field(validator=non_empty_text)
    until: dt.datetime | None = attrs.field(validator=optional_aware_datetime)
    quantities: tuple[tuple[str, str | None, int], ...] = attrs.field(converter=_quantities)

    def units(self) -> dict[StockKey, int]:
        """Units per (SKU, location)."""
        return {(sku, location): count for sku, location, count in self.quantities}


@attrs.frozen
class Taken:
    """What a completed order took from stock and has not come back by refunds."""

    order_id: str = attrs.field(validator=non_empty_text)
    quantities: tuple[tuple[str, str | None, int], ...] = attrs.field(converter=_quantities)

    def units(self) -> dict[StockKey, int]:
        """Units per (SKU, location)."""
        return {(sku, location): count for sku, location, count in self.quantities}

"""Readable ids: order ids unique within a store, and line ids stable within an order."""

from __future__ import annotations

import re
from collections.abc import Iterable

from draftorders.errors import ValidationError

__all__ = ["check_order_id", "line_id", "next_order_id"]

_ORDER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._#/-]{0,63}")


def check_order_id(order_id: object) -> str:
    """Return ``order_id`` if it is a usable id: 1-64 letters, digits, ``. _ # / -``."""
    if not isinstance(order_id, str) or not _ORDER_ID.fullmatch(order_id):
        raise ValidationError(
            "order_id",
            f"{order_id!r} is not a valid order id: use 1-64 letters, digits or . _ # / - "
            "starting with a letter or digit",
        )
    return order_id


def next_order_id(existing: Iterable[str], prefix: str = "D", start: int = 1001) -> str:
    """The next free id ``<prefix><number>``: one above the highest such id already used."""
    taken = [
        int(suffix)
        for oid in existing
        if oid.startswith(prefix) and (suffix := oid[len(prefix) :]).isdigit()
    ]
    return f"{prefix}{max([start - 1, *taken]) + 1}"


def line_id(number: int) -> str:
    """The id of an order's ``number``-th line ever added: ``L1``, ``L2``, ... never reused."""
    return f"L{number}"

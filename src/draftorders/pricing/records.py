"""How pricing keeps what it worked out for each line: records, packed into flat sequences.

A record is a flat tuple: its fields, then its reason (the function that writes it, then the
values it writes about). A line's adjustments, and its taxes, are kept *packed*: one after
another in a single flat sequence, each as its length followed by its fields. A line then holds
two containers, not one tuple per adjustment and per rate; on a 10,000-line order that was most
of the garbage collector's work. Records are unpacked only when an explanation is read.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

__all__ = ["Charge", "Packed", "TaxRecord", "amounts", "pack", "unpack"]

Charge = tuple[Any, ...]
"""An adjustment: ``(kind, source, signed amount in minor units, *reason)``."""

TaxRecord = tuple[Any, ...]
"""A tax at one rate: ``(rate, base, amount, *reason)``, amounts in minor units."""

Packed = Sequence[Any]
"""Records packed one after another, each as its length and then its fields."""

AMOUNT = 2
"""Where a charge's or a tax record's amount is among its fields."""


def pack(records: Iterable[tuple[Any, ...]]) -> tuple[Any, ...]:
    """``records`` packed into one flat tuple."""
    return tuple(field for record in records for field in (len(record), *record))


def unpack(packed: Packed) -> Iterator[tuple[Any, ...]]:
    """The records in ``packed``, in the order they were packed."""
    start, end = 0, len(packed)
    while start < end:
        size = packed[start]
        yield tuple(packed[start + 1 : start + 1 + size])
        start += size + 1


def amounts(packed: Packed) -> int:
    """The sum of the amounts of the records in ``packed``."""
    return sum(record[AMOUNT] for record in unpack(packed))

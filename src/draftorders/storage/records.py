"""Records only a store keeps: the tombstone a deleted order leaves behind."""

from __future__ import annotations

import datetime as dt

import attrs

from draftorders._validate import aware_datetime, non_empty_text

__all__ = ["Tombstone"]


@attrs.frozen
class Tombstone:
    """What is left of a deleted order: its id (never handed out again), the version it was
    deleted at, and when."""

    order_id: str = attrs.field(validator=non_empty_text)
    version: int
    deleted_at: dt.datetime = attrs.field(validator=aware_datetime)

"""The SQL store's sent invoices, stock (levels, reservations, what orders took, history) and
outbox."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from draftorders.documents import dumps
from draftorders.errors import (
    NotFound,
    ValidationError,
)
from draftorders.inventory import (
    InventoryChange,
    InventoryPolicy,
    Reservation,
    StockKey,
    StockLevel,
    Taken,
)
from draftorders.invoice import SentInvoice
from draftorders.notifications import MessageStatus, OutboxMessage
from draftorders.storage.rules import (
    check_instance,
)
from draftorders.storage.sql import schema as t
from draftorders.storage.sql.base import Records, natural

__all__ = ["SqlInvoices", "SqlOutbox", "SqlStock"]

_HERE = ""
"""The unnamed stock location, as stored (a key column cannot be NULL)."""


class SqlInvoices(Records):
    def add(self, sent: SentInvoice) -> None:
        check_instance(sent, SentInvoice, "sent")
        self._insert(
            t.SENT_INVOICES,
            self._row(sent),
            lambda: ValidationError(
                "sent", f"sent invoice {sent.id!r} or number {sent.number!r} already exists"
            ),
        )

    def replace(self, sent: SentInvoice) -> None:
        check_instance(sent, SentInvoice, "sent")
        self._writing()
        updated = self._c.execute(
            sa.update(t.SENT_INVOICES)
            .where(t.SENT_INVOICES.c.id == sent.id)
            .values(document=dumps(sent))
        )
        if updated.rowcount != 1:
            raise NotFound(sent.id, f"no sent invoice {sent.id!r}")

    def get(self, sent_id: str) -> SentInvoice:
        document = self._c.execute(
            sa.select(t.SENT_INVOICES.c.document).where(t.SENT_INVOICES.c.id == sent_id)
        ).scalar_one_or_none()
        if document is None:
            raise NotFound(sent_id, f"no sent invoice {sent_id!r}")
        return self._load(document, SentInvoice)

    def of(self, order_id: str) -> list[SentInvoice]:
        return self._where(t.SENT_INVOICES.c.order_id == order_id)

    def by_number(self, number: str) -> list[SentInvoice]:
        return self._where(t.SENT_INVOICES.c.number == number)

    def _where(self, condition: sa.ColumnElement[bool]) -> list[SentInvoice]:
        s = t.SENT_INVOICES.c
        documents = self._c.execute(
            sa.select(s.document).where(condition).order_by(s.sent_at, *natural(s.id))
        ).scalars()
        return [self._load(d, SentInvoice) for d in documents]

    @staticmethod
    def _row(sent: SentInvoice) -> dict[str, Any]:
        return {
            "id": sent.id,
            "order_id": sent.order_id,
            "number": sent.number,
            "resent": sent.resent,
            "sent_at": sent.sent_at,
            "document": dumps(sent),
        }


class SqlStock(Records):
    def level(self, key: StockKey, *, lock: bool = False) -> StockLevel | None:
        s = t.STOCK_LEVELS.c
        row = self._c.execute(
            self._select(
                sa.select(t.STOCK_LEVELS).where(s.sku == key[0], s.location == (key[1] or _HERE)),
                lock,
            )
        ).first()
        return _level(row) if row is not None else None

    def levels(self) -> list[StockLevel]:
        s = t.STOCK_LEVELS.c
        rows = self._c.execute(sa.select(t.STOCK_LEVELS).order_by(s.sku, s.location)).all()
        return [_level(row) for row in rows]

    def add_level(self, level: StockLevel) -> None:
        check_instance(level, StockLevel, "level")
        self._insert(
            t.STOCK_LEVELS,
            _level_row(level),
            lambda: ValidationError(
                "sku", f"{level.sku!r} is already tracked at {level.location!r}"
            ),
        )

    def put_level(self, level: StockLevel) -> None:
        check_instance(level, StockLevel, "level")
        self._upsert(t.STOCK_LEVELS, _level_row(level), ["sku", "location"])

    def reservation(self, order_id: str) -> Reservation | None:
        document = self._c.execute(
            sa.select(t.STOCK_RESERVATIONS.c.document).where(
                t.STOCK_RESERVATIONS.c.order_id == order_id
            )
        ).scalar_one_or_none()
        return self._load(document, Reservation) if document is not None else None

    def put_reservation(self, reservation: Reservation) -> None:
        check_instance(reservation, Reservation, "reservation")
        self._upsert(
            t.STOCK_RESERVATIONS,
            {
                "order_id": reservation.order_id,
                "until": reservation.until,
                "document": dumps(reservation),
            },
            ["order_id"],
        )

    def drop_reservation(self, order_id: str) -> None:
        self._writing()
        self._c.execute(
            sa.delete(t.STOCK_RESERVATIONS).where(t.STOCK_RESERVATIONS.c.order_id == order_id)
        )

    def reservations_due(self, now: dt.datetime) -> list[Reservation]:
        r = t.STOCK_RESERVATIONS.c
        documents = self._c.execute(
            sa.select(r.document).where(r.until <= now).order_by(r.order_id)
        ).scalars()
        return [self._load(d, Reservation) for d in documents]

    def taken(self, order_id: str) -> Taken | None:
        document = self._c.execute(
            sa.select(t.STOCK_TAKEN.c.document).where(t.STOCK_TAKEN.c.order_id == order_id)
        ).scalar_one_or_none()
        return self._load(document, Taken) if document is not None else None

    def put_taken(self, taken: Taken) -> None:
        check_instance(taken, Taken, "taken")
        self._upsert(
            t.STOCK_TAKEN, {"order_id": taken.order_id, "document": dumps(taken)}, ["order_id"]
        )

    def record(self, change: InventoryChange) -> None:
        check_instance(change, InventoryChange, "change")
        self._writing()
        self._c.execute(
            sa.insert(t.STOCK_HISTORY).values(
                order_id=change.order_id, sku=change.sku, document=dumps(change)
            )
        )

    def history(
        self, *, order_id: str | None = None, sku: str | None = None
    ) -> list[InventoryChange]:
        h = t.STOCK_HISTORY.c
        select = sa.select(h.document).order_by(h.id)
        if order_id is not None:
            select = select.where(h.order_id == order_id)
        if sku is not None:
            select = select.where(h.sku == sku)
        return [self._load(d, InventoryChange) for d in self._c.execute(select).scalars()]


def _level_row(level: StockLevel) -> dict[str, Any]:
    return {
        "sku": level.sku,
        "location": level.location or _HERE,
        "on_hand": level.on_hand,
        "reserved": level.reserved,
        "policy": level.policy.value,
    }


def _level(row: Any) -> StockLevel:
    return StockLevel(
        row.sku, row.location or None, row.on_hand, row.reserved, InventoryPolicy(row.policy)
    )


class SqlOutbox(Records):
    def add(self, message: OutboxMessage) -> None:
        check_instance(message, OutboxMessage, "message")
        self._insert(
            t.OUTBOX,
            self._row(message),
            lambda: ValidationError("id", f"message {message.id!r} already exists"),
        )

    def get(self, message_id: str, *, lock: bool = False) -> OutboxMessage:
        document = self._c.execute(
            self._select(sa.select(t.OUTBOX.c.document).where(t.OUTBOX.c.id == message_id), lock)
        ).scalar_one_or_none()
        if document is None:
            raise NotFound(message_id, f"no outbox message {message_id!r}")
        return self._load(document, OutboxMessage)

    def replace(self, message: OutboxMessage) -> None:
        check_instance(message, OutboxMessage, "message")
        self._writing()
        row = self._row(message)
        del row["id"]
        updated = self._c.execute(
            sa.update(t.OUTBOX).where(t.OUTBOX.c.id == message.id).values(**row)
        )
        if updated.rowcount != 1:
            raise NotFound(message.id, f"no outbox message {message.id!r}")

    def due(self, now: dt.datetime, limit: int) -> list[OutboxMessage]:
        o = t.OUTBOX.c
        select = (
            sa.select(o.document)
            .where(
                o.status.in_([MessageStatus.PENDING.value, MessageStatus.SENDING.value]),
                o.due_at <= now,
            )
            .order_by(o.due_at, *natural(o.id))
            .limit(limit)
        )
        if self._pg and self._write:
            select = select.with_for_update(skip_locked=True)
        found = [self._load(d, OutboxMessage) for d in self._c.execute(select).scalars()]
        return [message for message in found if message.is_due(now)]

    def find(
        self, *, status: MessageStatus | None = None, order_id: str | None = None
    ) -> list[OutboxMessage]:
        o = t.OUTBOX.c
        select = sa.select(o.document).order_by(o.created_at, *natural(o.id))
        if status is not None:
            select = select.where(o.status == status.value)
        if order_id is not None:
            select = select.where(o.order_id == order_id)
        return [self._load(d, OutboxMessage) for d in self._c.execute(select).scalars()]

    @staticmethod
    def _row(message: OutboxMessage) -> dict[str, Any]:
        return {
            "id": message.id,
            "order_id": message.order_id,
            "status": message.status.value,
            "due_at": message.due_at,
            "created_at": message.created_at,
            "document": dumps(message),
        }

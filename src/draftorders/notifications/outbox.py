"""The outbox: messages written in the same store transaction as the change they announce, and
delivered afterwards, once, by a dispatcher.

An :class:`OutboxMessage` is a delivery job: what to send (``kind`` and the record it is made
from, e.g. a sent invoice) and where its delivery stands. A dispatcher takes a due message
(leasing it, so no other process takes it meanwhile), delivers it through the mailer and marks
it sent; a failure is tried again later, further apart each time (:class:`Backoff`), until
``max_attempts``, after which the message is marked failed for a person to look at.
"""

from __future__ import annotations

import datetime as dt
import enum

import attrs

from draftorders._validate import (
    aware_datetime,
    check_type,
    non_empty_text,
    optional_aware_datetime,
    optional_key,
    whole_number,
)
from draftorders.errors import ValidationError

__all__ = ["Backoff", "MessageStatus", "OutboxMessage"]


class MessageStatus(enum.Enum):
    """Where a message's delivery stands."""

    PENDING = "pending"
    """Waiting to be delivered (again) from ``next_attempt_at``."""
    SENDING = "sending"
    """Taken by a dispatcher until ``lease_until``; due again if that passes (a crash)."""
    SENT = "sent"
    """Handed to the mail server."""
    FAILED = "failed"
    """Given up after ``max_attempts``; :meth:`OutboxMessage.retried` puts it back."""


def _count(_: object, attribute: attrs.Attribute[int], value: object) -> None:
    whole_number(value, attribute.name, minimum=0)


@attrs.frozen
class OutboxMessage:
    """One message to deliver: ``kind`` says how to make it (``"invoice_email"``), ``subject_id``
    names the record it is made from (a sent invoice's id), ``order_id`` the order it concerns."""

    id: str = attrs.field(validator=non_empty_text)
    kind: str = attrs.field(validator=non_empty_text)
    subject_id: str = attrs.field(validator=non_empty_text)
    order_id: str | None = attrs.field(validator=optional_key)
    created_at: dt.datetime = attrs.field(validator=aware_datetime)
    status: MessageStatus = attrs.field(
        default=MessageStatus.PENDING, validator=check_type(MessageStatus)
    )
    attempts: int = attrs.field(default=0, validator=_count)
    next_attempt_at: dt.datetime | None = attrs.field(
        default=None, validator=optional_aware_datetime
    )
    """When it is due (None: now)."""
    lease_until: dt.datetime | None = attrs.field(default=None, validator=optional_aware_datetime)
    last_error: str | None = None
    sent_at: dt.datetime | None = attrs.field(default=None, validator=optional_aware_datetime)

    @property
    def due_at(self) -> dt.datetime | None:
        """When a dispatcher may take it: a pending message from its next attempt (or its
        creation), one being sent when its lease runs out; None once sent or failed."""
        if self.status is MessageStatus.PENDING:
            return self.next_attempt_at or self.created_at
        if self.status is MessageStatus.SENDING:
            return self.lease_until
        return None

    def is_due(self, now: dt.datetime) -> bool:
        """True if a dispatcher may take it at ``now``: pending and its time has come, or
        taken by a dispatcher whose lease ran out."""
        due = self.due_at
        return due is not None and due <= now

    def leased(self, now: dt.datetime, lease: dt.timedelta) -> OutboxMessage:
        """Taken by a dispatcher at ``now`` for ``lease``; one more attempt."""
        return attrs.evolve(
            self,
            status=MessageStatus.SENDING,
            attempts=self.attempts + 1,
            lease_until=now + lease,
        )

    def delivered(self, now: dt.datetime) -> OutboxMessage:
        """Handed to the mail server at ``now``."""
        return attrs.evolve(
            self, status=MessageStatus.SENT, sent_at=now, lease_until=None, last_error=None
        )

    def failed_attempt(self, error: str, now: dt.datetime, backoff: Backoff) -> OutboxMessage:
        """After a failed attempt at ``now``: due again after the backoff, or failed for good
        once ``backoff.max_attempts`` were made."""
        if self.attempts >= backoff.max_attempts:
            return attrs.evolve(
                self, status=MessageStatus.FAILED, lease_until=None, last_error=error[:1000]
            )
        return attrs.evolve(
            self,
            status=MessageStatus.PENDING,
            lease_until=None,
            next_attempt_at=now + backoff.delay(self.attempts),
            last_error=error[:1000],
        )

    def retried(self, now: dt.datetime) -> OutboxMessage:
        """A failed message put back, due at ``now``, with a fresh count of attempts."""
        return attrs.evolve(
            self, status=MessageStatus.PENDING, attempts=0, next_attempt_at=now, lease_until=None
        )


def _positive_delta(_: object, attribute: attrs.Attribute[dt.timedelta], value: object) -> None:
    if not isinstance(value, dt.timedelta) or value <= dt.timedelta(0):
        raise ValidationError(attribute.name, f"expected a positive timedelta, got {value!r}")


def _attempts(_: object, attribute: attrs.Attribute[int], value: object) -> None:
    whole_number(value, attribute.name, minimum=1)


@attrs.frozen
class Backoff:
    """How far apart failed deliveries are tried again: ``first``, then doubling, at most
    ``longest``; after ``max_attempts`` attempts a message is marked failed."""

    first: dt.timedelta = attrs.field(default=dt.timedelta(minutes=1), validator=_positive_delta)
    longest: dt.timedelta = attrs.field(default=dt.timedelta(hours=6), validator=_positive_delta)
    max_attempts: int = attrs.field(default=10, validator=_attempts)

    def delay(self, attempts: int) -> dt.timedelta:
        """The wait after the ``attempts``-th failed attempt (1, 2, ...)."""
        grown: dt.timedelta = self.first * 2 ** min(max(attempts - 1, 0), 30)
        return min(grown, self.longest)

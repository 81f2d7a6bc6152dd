"""The outbox dispatcher: delivers the messages sends queued, through the shop's mailer.

A dispatcher leases a due message in one store unit (so no other dispatcher takes it), makes
and hands the email to the mailer outside any unit, then marks it sent (keeping the exact
bytes on the sent invoice) or, on failure, due again after a backoff. Run ``deliver_due`` from
a worker or a cron; with ``Shop.deliver_now`` the sending process delivers its own message at
once and the dispatcher only picks up what failed.

A message is handed to the mail server once. The one window left is a process that dies
after the server accepted the message and before the unit marking it sent commits: when its
lease runs out the message is sent again. No mail protocol can close that window; it is as
short as one commit, and a message sent again keeps its Message-ID, so mail systems that
drop duplicates drop it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from email.message import EmailMessage

import attrs

from draftorders._validate import whole_number
from draftorders.errors import ValidationError
from draftorders.invoice import invoice_email
from draftorders.notifications import MessageStatus, OutboxMessage
from draftorders.shop.ports import Ports
from draftorders.shop.settings import Shop

__all__ = ["INVOICE_EMAIL", "LEASE", "Dispatcher"]

INVOICE_EMAIL = "invoice_email"
"""The kind of an outbox message that carries a sent invoice."""
LEASE = dt.timedelta(minutes=10)
"""How long a dispatcher holds a message it is delivering before others may take it."""

_log = logging.getLogger("draftorders.outbox")

_Outcome = Callable[[OutboxMessage, dt.datetime], OutboxMessage]
"""How a leased message ends: the message as stored and the time, to the message as it ends."""


class Dispatcher:
    """Delivers outbox messages once, tries failures again with backoff, and lists them."""

    def __init__(self, shop: Shop, ports: Ports) -> None:
        self.shop = shop
        self.ports = ports

    def deliver_due(self, limit: int = 50) -> list[OutboxMessage]:
        """Deliver up to ``limit`` messages that are due now; each as it ends up (sent, due
        again later, or failed)."""
        whole_number(limit, "limit", minimum=1)
        now = self.ports.clock.now()
        with self.ports.store.unit() as unit:
            leased = [message.leased(now, LEASE) for message in unit.outbox.due(now, limit)]
            for message in leased:
                unit.outbox.replace(message)
        return [self._attempt(message) for message in leased]

    def deliver(self, message_id: str) -> OutboxMessage:
        """Deliver one message now if it is due (a message sent, or being sent by another
        dispatcher, is returned as it is)."""
        now = self.ports.clock.now()
        with self.ports.store.unit() as unit:
            message = unit.outbox.get(message_id, lock=True)
            if not message.is_due(now):
                return message
            message = message.leased(now, LEASE)
            unit.outbox.replace(message)
        return self._attempt(message)

    def retry(self, message_id: str) -> OutboxMessage:
        """Put a failed message back in the queue, due now, with a fresh count of attempts."""
        now = self.ports.clock.now()
        with self.ports.store.unit() as unit:
            message = unit.outbox.get(message_id, lock=True)
            if message.status is not MessageStatus.FAILED:
                raise ValidationError(
                    "message", f"message {message_id!r} is {message.status.value}, not failed"
                )
            message = message.retried(now)
            unit.outbox.replace(message)
        return message

    def messages(
        self, *, status: MessageStatus | None = None, order_id: str | None = None
    ) -> list[OutboxMessage]:
        """The messages with that status and of that order (each when given), oldest first."""
        with self.ports.store.unit(write=False) as unit:
            return unit.outbox.find(status=status, order_id=order_id)

    # -- the workings ----------------------------------------------------------------------------

    def _attempt(self, message: OutboxMessage) -> OutboxMessage:
        """Make and send a leased message, then record how it went."""
        try:
            email = self._compose(message)
            raw = email.as_bytes()  # fixes the MIME boundaries: these bytes are what is sent
            self.ports.mailer.send(email)
        except Exception as error:  # any failure is recorded and tried again later
            _log.warning("outbox message %s not delivered: %r", message.id, error)
            reason, backoff = repr(error), self.shop.backoff
            return self._finish(message, lambda m, now: m.failed_attempt(reason, now, backoff))
        return self._finish(message, lambda m, now: m.delivered(now), raw)

    def _finish(
        self,
        message: OutboxMessage,
        outcome: _Outcome,
        raw: bytes | None = None,
    ) -> OutboxMessage:
        now = self.ports.clock.now()
        with self.ports.store.unit() as unit:
            stored = unit.outbox.get(message.id, lock=True)
            if stored.status is not MessageStatus.SENDING or stored.attempts != message.attempts:
                return stored  # the lease ran out and another dispatcher took it
            finished = outcome(stored, now)
            unit.outbox.replace(finished)
            if raw is not None and message.kind == INVOICE_EMAIL:
                sent = unit.invoices.get(message.subject_id)
                unit.invoices.replace(attrs.evolve(sent, message=raw, delivered_at=now))
        return finished

    def _compose(self, message: OutboxMessage) -> EmailMessage:
        if message.kind != INVOICE_EMAIL:
            raise ValidationError("kind", f"no dispatcher for messages of kind {message.kind!r}")
        with self.ports.store.unit(write=False) as unit:
            sent = unit.invoices.get(message.subject_id)
        sender = self.shop.seller.email
        if sender is None:
            raise ValidationError("seller", "the shop's seller block has no email to send from")
        composed = invoice_email(
            sent.invoice,
            sender=sender,
            to=sent.recipient,
            locale=sent.locale,
            subject=sent.subject,
            attach_pdf=sent.attach_pdf,
            date=sent.sent_at,
            message_id=f"{message.id}.{sent.id}",
        )
        return composed.message

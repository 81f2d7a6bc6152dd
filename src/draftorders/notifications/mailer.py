"""The mail port: anything that can send an ``email.message.EmailMessage``.

:class:`InMemoryMailer` is the default: it keeps what was sent, so tests and notebooks read it
back.
:class:`~draftorders.notifications.smtp.SmtpMailer` sends for real.
"""

from __future__ import annotations

import copy
import threading
from email.message import EmailMessage
from typing import Protocol

__all__ = ["InMemoryMailer", "Mailer"]


class Mailer(Protocol):
    """Sends one message or raises; a mailer that returns has handed the message on."""

    def send(self, message: EmailMessage) -> None:
        """Deliver ``message`` to its To, Cc and Bcc recipients."""
        ...


class InMemoryMailer:
    """An in-memory mailer: every message sent is appended to :attr:`sent`, as sent."""

    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []
        self._lock = threading.Lock()

    def send(self, message: EmailMessage) -> None:
        """Keep a copy of ``message``."""
        with self._lock:
            self.sent.append(copy.deepcopy(message))

    @property
    def last(self) -> EmailMessage:
        """The last message sent; :class:`LookupError` if none was."""
        if not self.sent:
            raise LookupError("no message was sent")
        return self.sent[-1]

    def __len__(self) -> int:
        return len(self.sent)

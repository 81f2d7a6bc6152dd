"""Notifications: the :class:`Mailer` port, an :class:`InMemoryMailer`, an SMTP mailer, the
outbox messages a dispatcher delivers, and composing multipart emails with checked headers."""

from draftorders.notifications.headers import email_address, header_text
from draftorders.notifications.mailer import InMemoryMailer, Mailer
from draftorders.notifications.message import Attachment, compose
from draftorders.notifications.outbox import Backoff, MessageStatus, OutboxMessage
from draftorders.notifications.smtp import Security, SmtpMailer

__all__ = [
    "Attachment",
    "Backoff",
    "InMemoryMailer",
    "Mailer",
    "MessageStatus",
    "OutboxMessage",
    "Security",
    "SmtpMailer",
    "compose",
    "email_address",
    "header_text",
]

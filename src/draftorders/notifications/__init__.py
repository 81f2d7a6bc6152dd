"""Notifications: the :class:`Mailer` port, an in-memory :class:`Outbox`, an SMTP mailer, and
composing multipart emails with checked headers."""

from draftorders.notifications.headers import email_address, header_text
from draftorders.notifications.mailer import Mailer, Outbox
from draftorders.notifications.message import Attachment, compose
from draftorders.notifications.smtp import Security, SmtpMailer

__all__ = [
    "Attachment",
    "Mailer",
    "Outbox",
    "Security",
    "SmtpMailer",
    "compose",
    "email_address",
    "header_text",
]

"""Compose a multipart email: a text part, an HTML alternative and any attachments."""

from __future__ import annotations

import datetime as dt
import email.policy
import email.utils
from collections.abc import Sequence
from email.headerregistry import Address
from email.message import EmailMessage

import attrs

from draftorders.notifications.headers import email_address, header_text

__all__ = ["Attachment", "compose"]


def _filename(value: object) -> str:
    return header_text("filename", value)


@attrs.frozen
class Attachment:
    """A file attached to a message."""

    filename: str = attrs.field(converter=_filename)
    content: bytes
    mime_type: str = "application/octet-stream"


def compose(
    *,
    sender: Address | str,
    to: Address | str,
    subject: str,
    text: str,
    html: str | None = None,
    attachments: Sequence[Attachment] = (),
    reply_to: Address | str | None = None,
    domain: str | None = None,
    date: dt.datetime | None = None,
    message_id: str | None = None,
) -> EmailMessage:
    """A message with ``text`` as its plain part and ``html`` as the alternative.

    ``date`` (timezone-aware) is the Date header, now when None; ``message_id`` the left part
    of the Message-ID (``<message_id@domain>``), a random one when None. Every header value is
    checked first: a line break anywhere raises
    :class:`~draftorders.errors.HeaderInjection` and nothing is composed.
    """
    headers = {
        "From": sender if isinstance(sender, Address) else email_address("from", sender),
        "To": to if isinstance(to, Address) else email_address("to", to),
        "Subject": header_text("subject", subject),
    }
    if reply_to is not None:
        headers["Reply-To"] = (
            reply_to if isinstance(reply_to, Address) else email_address("reply_to", reply_to)
        )
    for field in ("From", "To", "Reply-To"):
        if field in headers:
            address = headers[field]
            assert isinstance(address, Address)
            header_text(field.lower(), address.display_name)
    message = EmailMessage(policy=email.policy.SMTP)
    for name, value in headers.items():
        message[name] = value
    message["Date"] = (
        email.utils.format_datetime(date)
        if date is not None
        else email.utils.formatdate(localtime=False, usegmt=True)
    )
    message["Message-ID"] = (
        f"<{header_text('message id', message_id)}@{domain or 'localhost'}>"
        if message_id is not None
        else email.utils.make_msgid(domain=domain)
    )
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    for attachment in attachments:
        maintype, _, subtype = attachment.mime_type.partition("/")
        message.add_attachment(
            attachment.content,
            maintype=maintype,
            subtype=subtype or "octet-stream",
            filename=attachment.filename,
        )
    return message

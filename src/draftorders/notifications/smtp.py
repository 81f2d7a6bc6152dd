"""An SMTP mailer on the standard library: plain, STARTTLS or implicit TLS, with optional login."""

from __future__ import annotations

import enum
import smtplib
import ssl
from email.message import EmailMessage

import attrs

from draftorders._validate import check_type, whole_number
from draftorders.errors import DeliveryFailed, ValidationError
from draftorders.notifications.headers import header_text

__all__ = ["Security", "SmtpMailer"]


class Security(enum.Enum):
    """How the connection to the SMTP server is protected."""

    STARTTLS = "starttls"
    """Connect in the clear (port 587), then upgrade with STARTTLS before logging in."""
    SSL = "ssl"
    """TLS from the first byte (port 465)."""
    NONE = "none"
    """No encryption: only for a relay on the same machine or a test server."""


def _host(value: object) -> str:
    host = header_text("host", value)
    if not host or any(c.isspace() for c in host):
        raise ValidationError("host", f"{value!r} is not a host name")
    return host


def _port(_: object, __: object, value: object) -> None:
    whole_number(value, "port", minimum=1, maximum=65535)


@attrs.frozen
class SmtpMailer:
    """Sends through an SMTP server. A failure raises :class:`DeliveryFailed` with the cause.

    Each :meth:`send` opens its own connection, so one mailer can be shared between threads.
    With ``security=Security.NONE`` a login is refused, so a password never crosses in clear.
    """

    host: str = attrs.field(converter=_host)
    port: int = attrs.field(default=587, validator=_port)
    security: Security = attrs.field(default=Security.STARTTLS, validator=check_type(Security))
    username: str | None = None
    password: str | None = attrs.field(default=None, repr=False)
    timeout: float | int = 30
    ssl_context: ssl.SSLContext | None = attrs.field(default=None, repr=False)
    """TLS settings; the system's default (certificates checked) when None."""

    def __attrs_post_init__(self) -> None:
        if (self.username is None) != (self.password is None):
            raise ValidationError("username", "give both a username and a password, or neither")
        if self.username is not None and self.security is Security.NONE:
            raise ValidationError(
                "security", "refusing to send a password over an unencrypted connection"
            )

    def send(self, message: EmailMessage) -> None:
        """Connect, protect, log in if configured, send ``message`` and quit."""
        context = self.ssl_context or ssl.create_default_context()
        try:
            if self.security is Security.SSL:
                client: smtplib.SMTP = smtplib.SMTP_SSL(
                    self.host, self.port, timeout=self.timeout, context=context
                )
            else:
                client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            with client:
                if self.security is Security.STARTTLS:
                    client.starttls(context=context)
                if self.username is not None and self.password is not None:
                    client.login(self.username, self.password)
                refused = client.send_message(message)
        except (smtplib.SMTPException, OSError) as error:
            raise DeliveryFailed(
                "smtp", f"{self.host}:{self.port} did not take the message: {error}"
            ) from error
        if refused:
            raise DeliveryFailed(
                "smtp", f"{self.host}:{self.port} refused recipients {sorted(refused)}"
            )

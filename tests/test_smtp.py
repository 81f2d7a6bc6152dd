"""SmtpMailer against a real SMTP server on localhost (aiosmtpd): plain, STARTTLS with a test CA
(trustme) and a login, implicit TLS, failures, an invoice sent through the shop and read back
from the bytes the server received, and one sent while the server was down that the outbox
dispatcher delivers once it is back."""

from __future__ import annotations

import contextlib
import datetime as dt
import email
import email.policy
import runpy
import smtplib
import socket
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from draftorders import (
    Customer,
    DeliveryFailed,
    FixedClock,
    MessageStatus,
    Party,
    Ports,
    Security,
    Shop,
    ShopApp,
    SmtpMailer,
    Status,
)
from draftorders.notifications import Attachment, compose

pytestmark = pytest.mark.filterwarnings("ignore:Session.login_data is deprecated")

HOST = "127.0.0.1"
USER, PASSWORD = "shop", "correct horse battery staple"
quickstart = runpy.run_path(str(Path(__file__).parent.parent / "examples" / "quickstart.py"))


@dataclass
class Received:
    """What one test server got: each message's envelope, and the logins it was offered."""

    port: int
    envelopes: list[Envelope] = field(default_factory=list)
    tls: list[bool] = field(default_factory=list)
    logins: list[tuple[str, str, str]] = field(default_factory=list)
    refuse: frozenset[str] = frozenset()

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook name)
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 (aiosmtpd's hook name)
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        self.envelopes.append(envelope)
        self.tls.append(session.ssl is not None)
        return "250 OK: queued"

    def authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        login, password = data.login.decode(), data.password.decode()
        self.logins.append((mechanism, login, password))
        return AuthResult(success=(login, password) == (USER, PASSWORD), handled=False)

    def message(self, index: int = -1) -> EmailMessage:
        """A received message, parsed from the bytes the server got."""
        parsed = email.message_from_bytes(
            self.envelopes[index].original_content or b"", policy=email.policy.default
        )
        assert isinstance(parsed, EmailMessage)
        return parsed


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def server_tls(ca: trustme.CA) -> ssl.SSLContext:
    """The server's certificate for 127.0.0.1 and localhost, issued by the test CA."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(HOST, "localhost").configure_cert(context)
    return context


@pytest.fixture(scope="module")
def client_tls(ca: trustme.CA) -> ssl.SSLContext:
    """A client context that trusts the test CA (and checks certificates and host names)."""
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


@contextlib.contextmanager
def servers() -> Iterator[Callable[..., Received]]:
    """Start SMTP servers on free localhost ports; every one is stopped on leaving."""
    controllers: list[Controller] = []

    def start(
        *, login: bool = False, refuse: frozenset[str] = frozenset(), **kwargs: Any
    ) -> Received:
        received = Received(free_port(), refuse=refuse)
        if login:
            kwargs["authenticator"] = received.authenticate
        controller = Controller(
            received, hostname=HOST, port=received.port, ready_timeout=5, **kwargs
        )
        controller.start()
        controllers.append(controller)
        return received

    try:
        yield start
    finally:
        for controller in controllers:
            controller.stop()


@pytest.fixture
def smtp_server() -> Iterator[Callable[..., Received]]:
    """Start SMTP servers for one test."""
    with servers() as start:
        yield start


def a_message(**changes: object) -> EmailMessage:
    arguments: dict[str, object] = {
        "sender": "Tea & Mugs Co. <billing@teamugs.example>",
        "to": "Ada Lovelace <ada@example.com>",
        "subject": "Invoice INV-00001 from Tea & Mugs Co.",
        "text": "Total: $64.13\n.\nA line that is only a dot, above.\n",
        "html": "<p>Total: $64.13</p>",
        "attachments": [Attachment("invoice-INV-00001.pdf", b"%PDF-1.7 fake", "application/pdf")],
        "domain": "teamugs.example",
    }
    arguments.update(changes)
    return compose(**arguments)  # type: ignore[arg-type]


def leaves(message: EmailMessage) -> list[tuple[str, object]]:
    """Each non-multipart part's type and content (text with newlines for line ends)."""
    found: list[tuple[str, object]] = []
    for part in message.walk():
        if part.is_multipart():
            continue
        content = part.get_content()
        found.append(
            (
                part.get_content_type(),
                content.replace("\r\n", "\n") if isinstance(content, str) else content,
            )
        )
    return found


def text_of(part: EmailMessage | None) -> str:
    assert part is not None
    content = part.get_content()
    assert isinstance(content, str)
    return content.replace("\r\n", "\n")


# -- plain ------------------------------------------------------------------------------------


def test_a_plain_send_delivers_the_message_to_its_recipient(
    smtp_server: Callable[..., Received],
) -> None:
    # given
    server = smtp_server()
    mailer = SmtpMailer(HOST, server.port, Security.NONE, timeout=5)
    message = a_message()
    # when
    mailer.send(message)
    # then
    (envelope,) = server.envelopes
    assert envelope.mail_from == "billing@teamugs.example"
    assert envelope.rcpt_tos == ["ada@example.com"]
    assert server.tls == [False]
    received = server.message()
    assert received["Subject"] == "Invoice INV-00001 from Tea & Mugs Co."
    assert received["Message-ID"] == message["Message-ID"]
    assert text_of(received.get_body(("plain",))) == (
        "Total: $64.13\n.\nA line that is only a dot, above.\n"
    )
    (attachment,) = received.iter_attachments()
    assert attachment.get_content() == b"%PDF-1.7 fake"


def test_cc_and_bcc_recipients_get_the_message_and_the_bcc_header_is_not_sent(
    smtp_server: Callable[..., Received],
) -> None:
    # given
    server = smtp_server()
    message = a_message()
    message["Cc"] = "accounts@example.com"
    message["Bcc"] = "archive@teamugs.example"
    # when
    SmtpMailer(HOST, server.port, Security.NONE, timeout=5).send(message)
    # then
    (envelope,) = server.envelopes
    assert sorted(envelope.rcpt_tos) == [
        "accounts@example.com",
        "ada@example.com",
        "archive@teamugs.example",
    ]
    assert server.message()["Bcc"] is None
    assert b"archive@teamugs.example" not in (envelope.original_content or b"")


def test_a_refused_recipient_is_a_failed_delivery(smtp_server: Callable[..., Received]) -> None:
    # given
    server = smtp_server(refuse=frozenset({"ada@example.com"}))
    mailer = SmtpMailer(HOST, server.port, Security.NONE, timeout=5)
    # when
    with pytest.raises(DeliveryFailed) as caught:
        mailer.send(a_message())
    # then
    assert isinstance(caught.value.__cause__, smtplib.SMTPRecipientsRefused)
    assert f"{HOST}:{server.port}" in str(caught.value)
    assert server.envelopes == []


def test_a_partly_refused_message_is_reported_naming_the_refused_recipients(
    smtp_server: Callable[..., Received],
) -> None:
    # given the server takes To but refuses Cc
    server = smtp_server(refuse=frozenset({"gone@example.com"}))
    message = a_message()
    message["Cc"] = "gone@example.com"
    # when
    with pytest.raises(DeliveryFailed, match="refused recipients") as caught:
        SmtpMailer(HOST, server.port, Security.NONE, timeout=5).send(message)
    # then: the error names who did not get it; the others did
    assert "gone@example.com" in str(caught.value)
    assert [e.rcpt_tos for e in server.envelopes] == [["ada@example.com"]]


# -- STARTTLS and login -----------------------------------------------------------------------


@pytest.mark.parametrize("mechanism", ["LOGIN", "PLAIN"])
def test_starttls_then_login_delivers_over_tls(
    smtp_server: Callable[..., Received],
    server_tls: ssl.SSLContext,
    client_tls: ssl.SSLContext,
    mechanism: str,
) -> None:
    # given a server that requires STARTTLS and offers only this login mechanism
    other = {"LOGIN": "PLAIN", "PLAIN": "LOGIN"}[mechanism]
    server = smtp_server(
        login=True,
        tls_context=server_tls,
        require_starttls=True,
        auth_require_tls=True,
        auth_required=True,
        auth_exclude_mechanism=[other],
    )
    mailer = SmtpMailer(
        HOST, server.port, Security.STARTTLS, USER, PASSWORD, timeout=5, ssl_context=client_tls
    )
    # when
    mailer.send(a_message())
    # then
    assert server.logins == [(mechanism, USER, PASSWORD)]
    assert server.tls == [True]
    assert server.message()["Subject"] == "Invoice INV-00001 from Tea & Mugs Co."


def test_a_wrong_password_is_a_failed_delivery_and_nothing_is_delivered(
    smtp_server: Callable[..., Received], server_tls: ssl.SSLContext, client_tls: ssl.SSLContext
) -> None:
    # given
    server = smtp_server(
        login=True, tls_context=server_tls, require_starttls=True, auth_required=True
    )
    mailer = SmtpMailer(
        HOST, server.port, Security.STARTTLS, USER, "wrong", timeout=5, ssl_context=client_tls
    )
    # when
    with pytest.raises(DeliveryFailed) as caught:
        mailer.send(a_message())
    # then
    assert isinstance(caught.value.__cause__, smtplib.SMTPAuthenticationError)
    assert caught.value.provider == "smtp"
    assert f"{HOST}:{server.port}" in str(caught.value)
    assert {login[1:] for login in server.logins} == {(USER, "wrong")}
    assert server.envelopes == []


def test_a_server_certificate_from_an_unknown_ca_is_refused_before_logging_in(
    smtp_server: Callable[..., Received], server_tls: ssl.SSLContext
) -> None:
    # given a client with the system's trust store, which does not know the test CA
    server = smtp_server(login=True, tls_context=server_tls, require_starttls=True)
    mailer = SmtpMailer(HOST, server.port, Security.STARTTLS, USER, PASSWORD, timeout=5)
    # when
    with pytest.raises(DeliveryFailed) as caught:
        mailer.send(a_message())
    # then
    assert isinstance(caught.value.__cause__, ssl.SSLCertVerificationError)
    assert server.logins == []
    assert server.envelopes == []


def test_a_certificate_for_another_host_name_is_refused(
    smtp_server: Callable[..., Received], ca: trustme.CA, client_tls: ssl.SSLContext
) -> None:
    # given a certificate from the trusted CA, but for another host
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("mail.other.example").configure_cert(context)
    server = smtp_server(tls_context=context, require_starttls=True)
    mailer = SmtpMailer(HOST, server.port, Security.STARTTLS, timeout=5, ssl_context=client_tls)
    # when
    with pytest.raises(DeliveryFailed) as caught:
        mailer.send(a_message())
    # then
    assert isinstance(caught.value.__cause__, ssl.SSLCertVerificationError)
    assert server.envelopes == []


def test_starttls_with_a_server_that_does_not_offer_it_fails_rather_than_send_in_clear(
    smtp_server: Callable[..., Received], client_tls: ssl.SSLContext
) -> None:
    # given
    server = smtp_server()
    mailer = SmtpMailer(HOST, server.port, Security.STARTTLS, timeout=5, ssl_context=client_tls)
    # when
    with pytest.raises(DeliveryFailed) as caught:
        mailer.send(a_message())
    # then
    assert isinstance(caught.value.__cause__, smtplib.SMTPNotSupportedError)
    assert server.envelopes == []


def test_a_plain_send_to_a_server_that_requires_starttls_is_refused(
    smtp_server: Callable[..., Received], server_tls: ssl.SSLContext
) -> None:
    # given
    server = smtp_server(tls_context=server_tls, require_starttls=True)
    mailer = SmtpMailer(HOST, server.port, Security.NONE, timeout=5)
    # when
    with pytest.raises(DeliveryFailed):
        mailer.send(a_message())
    # then
    assert server.envelopes == []


# -- implicit TLS -----------------------------------------------------------------------------


def test_implicit_tls_with_login_delivers(
    smtp_server: Callable[..., Received], server_tls: ssl.SSLContext, client_tls: ssl.SSLContext
) -> None:
    # given a server speaking TLS from the first byte (aiosmtpd only offers AUTH over implicit
    # TLS when it is not told to require TLS, since it does not see that TLS as its own)
    server = smtp_server(login=True, ssl_context=server_tls, auth_require_tls=False)
    mailer = SmtpMailer(
        HOST, server.port, Security.SSL, USER, PASSWORD, timeout=5, ssl_context=client_tls
    )
    # when
    mailer.send(a_message())
    # then
    assert [login[1:] for login in server.logins] == [(USER, PASSWORD)]
    (envelope,) = server.envelopes
    assert envelope.rcpt_tos == ["ada@example.com"]
    assert server.message()["Subject"] == "Invoice INV-00001 from Tea & Mugs Co."


def test_implicit_tls_to_a_plain_server_fails(
    smtp_server: Callable[..., Received], client_tls: ssl.SSLContext
) -> None:
    # given
    server = smtp_server()
    mailer = SmtpMailer(HOST, server.port, Security.SSL, timeout=5, ssl_context=client_tls)
    # when
    with pytest.raises(DeliveryFailed) as caught:
        mailer.send(a_message())
    # then
    assert isinstance(caught.value.__cause__, ssl.SSLError)
    assert server.envelopes == []


# -- no server --------------------------------------------------------------------------------


@pytest.mark.parametrize("security", [Security.NONE, Security.STARTTLS, Security.SSL])
def test_a_closed_port_is_a_failed_delivery_naming_host_and_port(security: Security) -> None:
    # given
    port = free_port()
    mailer = SmtpMailer(HOST, port, security, timeout=5)
    # when
    with pytest.raises(DeliveryFailed) as caught:
        mailer.send(a_message())
    # then
    assert f"{HOST}:{port}" in str(caught.value)
    assert isinstance(caught.value.__cause__, ConnectionRefusedError)


# -- an invoice through the shop --------------------------------------------------------------

SENT_AT = dt.datetime(2026, 1, 31, 9, 30, tzinfo=dt.UTC)
ADA = Customer(id="C1", name="Ada Lovelace", email="ada@example.com")


class Handing:
    """Passes each message on to ``mailer`` and keeps what it was handed, as it was then."""

    def __init__(self, mailer: SmtpMailer) -> None:
        self.mailer = mailer
        self.handed: list[EmailMessage] = []

    def send(self, message: EmailMessage) -> None:
        self.handed.append(message)
        self.mailer.send(message)


def quickstart_shop(mailer: Handing, clock: Any = None) -> ShopApp:
    """The quickstart shop sending through ``mailer`` (PDF attached when it can be made)."""
    shop = Shop(
        quickstart["CATALOG"],
        context=quickstart["CONTEXT"],
        seller=Party(name="Tea & Mugs Co.", email="billing@teamugs.example"),
    )
    return ShopApp(shop, Ports(mailer=mailer, clock=clock or FixedClock(SENT_AT)))


@dataclass
class Sent:
    app: ShopApp
    server: Received
    mailer: Handing
    order_id: str


@pytest.fixture(scope="module")
def invoice_sent() -> Iterator[Sent]:
    """The quickstart order, for a customer with an email, invoiced through SMTP (with PDF);
    sent once for the tests below, which only read what was sent."""
    with servers() as start:
        yield send_quickstart_invoice(start())


def send_quickstart_invoice(server: Received) -> Sent:
    mailer = Handing(SmtpMailer(HOST, server.port, Security.NONE, timeout=10))
    app = quickstart_shop(mailer)
    order = quickstart["build_order"]().set_customer(ADA)
    app.drafts.add(order)
    app.invoicing.send(order.id)
    return Sent(app, server, mailer, order.id)


LINE_AMOUNTS = ["$38.97", "$31.88", "$2.63", "$5.00", "$4.55", "$0.38", "$14.98", "$13.62"]
"""Each quickstart line's base, net and tax (mug, engraving, tea), as en_US writes them."""


def test_the_invoice_reaches_the_server_with_its_headers(invoice_sent: Sent) -> None:
    # when
    (envelope,) = invoice_sent.server.envelopes
    received = invoice_sent.server.message()
    # then
    assert (envelope.mail_from, envelope.rcpt_tos) == (
        "billing@teamugs.example",
        ["ada@example.com"],
    )
    assert str(received["From"]) == '"Tea & Mugs Co." <billing@teamugs.example>'
    assert str(received["To"]) == "Ada Lovelace <ada@example.com>"
    assert received["Subject"] == "Invoice INV-00001 from Tea & Mugs Co."
    assert received["Date"].datetime == SENT_AT


def test_the_received_text_and_html_show_the_total_and_every_line_amount(
    invoice_sent: Sent,
) -> None:
    # when
    received = invoice_sent.server.message()
    text = text_of(received.get_body(("plain",)))
    html = text_of(received.get_body(("html",)))
    # then
    for part in (text, html):
        assert "$64.13" in part
        assert [amount for amount in LINE_AMOUNTS if amount not in part] == []
        assert "INV-00001" in part
    assert html.lstrip().startswith("<!DOCTYPE html>")


def test_the_received_invoice_has_the_pdf_attached(invoice_sent: Sent) -> None:
    # when
    (attachment,) = invoice_sent.server.message().iter_attachments()
    # then
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "invoice-INV-00001.pdf"
    pdf = attachment.get_content()
    assert pdf.startswith(b"%PDF-")
    assert pdf == invoice_sent.app.invoicing.sent(invoice_sent.order_id)[-1].pdf


def test_after_sending_the_order_is_invoice_sent_and_the_record_is_what_was_handed_over(
    invoice_sent: Sent,
) -> None:
    # when
    order = invoice_sent.app.drafts.get(invoice_sent.order_id)
    record = invoice_sent.app.invoicing.sent(invoice_sent.order_id)[-1]
    (handed,) = invoice_sent.mailer.handed
    kept = record.email()
    # then
    assert order.status is Status.INVOICE_SENT
    assert record.number == "INV-00001"
    assert record.delivered_at == SENT_AT
    for header in ("Subject", "Message-ID", "From", "To", "Date"):
        assert kept[header] == handed[header], header
    assert [p.get_content_type() for p in kept.walk()] == [
        p.get_content_type() for p in handed.walk()
    ]
    assert [p.get_content_type() for p in kept.walk()] == [
        "multipart/mixed",
        "multipart/alternative",
        "text/plain",
        "text/html",
        "application/pdf",
    ]
    assert leaves(kept) == leaves(handed)


def test_the_received_message_is_the_record_received_by_header_and_part(
    invoice_sent: Sent,
) -> None:
    # when
    received = invoice_sent.server.message()
    kept = invoice_sent.app.invoicing.sent(invoice_sent.order_id)[-1].email()
    # then
    assert received["Message-ID"] == kept["Message-ID"]
    assert [(p.get_content_type(), p.get_payload(decode=True)) for p in received.walk()] == [
        (p.get_content_type(), p.get_payload(decode=True)) for p in kept.walk()
    ]


def test_the_records_bytes_are_the_bytes_the_server_received(invoice_sent: Sent) -> None:
    # when
    (envelope,) = invoice_sent.server.envelopes
    record = invoice_sent.app.invoicing.sent(invoice_sent.order_id)[-1]
    # then
    assert envelope.original_content == record.message


# -- a server that is down -----------------------------------------------------------------------


class MovingClock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.at = SENT_AT

    def now(self) -> dt.datetime:
        return self.at

    def today(self) -> dt.date:
        return self.at.date()


def test_an_invoice_sent_while_the_server_is_down_is_delivered_once_it_is_back(
    smtp_server: Callable[..., Received],
) -> None:
    # given a send while nothing listens on the mail port
    mailer = Handing(SmtpMailer(HOST, free_port(), Security.NONE, timeout=5))
    clock = MovingClock()
    app = quickstart_shop(mailer, clock)
    order = quickstart["build_order"]().set_customer(ADA)
    app.drafts.add(order)
    delivery = app.invoicing.send(order.id)
    # then the send stands and its email waits, the failure recorded
    assert delivery.order.status is Status.INVOICE_SENT
    assert not delivery.delivered
    assert delivery.message.status is MessageStatus.PENDING
    assert "DeliveryFailed" in (delivery.message.last_error or "")
    # when the server is back and the dispatcher runs after the backoff
    server = smtp_server()
    mailer.mailer = SmtpMailer(HOST, server.port, Security.NONE, timeout=10)
    clock.at = SENT_AT + app.shop.backoff.first
    (delivered,) = app.outbox.deliver_due()
    # then the server got it once, and the record keeps exactly the bytes it got
    assert delivered.status is MessageStatus.SENT
    (envelope,) = server.envelopes
    (sent,) = app.invoicing.sent(order.id)
    assert envelope.original_content == sent.message
    assert server.message()["Subject"] == "Invoice INV-00001 from Tea & Mugs Co."
    assert app.outbox.deliver_due() == []
    assert len(server.envelopes) == 1

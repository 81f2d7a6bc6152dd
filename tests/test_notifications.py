"""Email building blocks: checked header values, addresses, composing multipart messages, the
in-memory mailer, the outbox's messages and their backoff (the dispatcher that delivers them is
tested with the shop in test_invoice_service.py), and the SMTP mailer's settings (sending for
real is in test_smtp.py)."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from email.headerregistry import Address
from email.message import EmailMessage

import pytest
from hypothesis import given
from hypothesis import strategies as st

import draftorders.notifications.message as message_module
from draftorders import (
    Backoff,
    HeaderInjection,
    InMemoryMailer,
    MessageStatus,
    OutboxMessage,
    Security,
    SmtpMailer,
    ValidationError,
)
from draftorders.notifications import Attachment, compose, email_address, header_text

SENT_AT = dt.datetime(2026, 11, 26, 9, 30, tzinfo=dt.UTC)
PDF = b"%PDF-1.7\n%fake invoice\n"


def invoice_message(**changes: object) -> EmailMessage:
    """A composed message with every header, a text and an HTML part and a PDF."""
    arguments: dict[str, object] = {
        "sender": "Tea & Mugs Co. <billing@teamugs.example>",
        "to": "Ada Lovelace <ada@example.com>",
        "subject": "Invoice INV-00001 from Tea & Mugs Co.",
        "text": "Total: $64.13\n",
        "html": "<p>Total: <b>$64.13</b></p>",
        "attachments": [Attachment("invoice-INV-00001.pdf", PDF, "application/pdf")],
        "reply_to": "help@teamugs.example",
        "domain": "teamugs.example",
        "date": SENT_AT,
    }
    arguments.update(changes)
    return compose(**arguments)  # type: ignore[arg-type]


def text_of(part: EmailMessage) -> str:
    """A text part's content with the wire's CRLF line ends read as newlines."""
    content = part.get_content()
    assert isinstance(content, str)
    return content.replace("\r\n", "\n")


def reparsed(message: EmailMessage) -> EmailMessage:
    """``message`` as a receiver reads it: flattened to bytes and parsed back."""
    parsed = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


# -- header values ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "Invoice\rBcc: eve@evil.example",
        "Invoice\nBcc: eve@evil.example",
        "Invoice\r\nBcc: eve@evil.example",
        "Invoice\x00INV-1",
        "Invoice\u2028Bcc: eve@evil.example",
        "Invoice\u2029INV-1",
        "Invoice\tINV-1",
        "Invoice \u202efdp.exe",
        "Invoice \u2066INV-1\u2069",
        "\n",
    ],
    ids=["CR", "LF", "CRLF", "NUL", "LSEP", "PSEP", "TAB", "RLO", "LRI", "lone-LF"],
)
def test_a_header_value_with_a_line_break_or_control_character_is_refused(value: str) -> None:
    # when
    with pytest.raises(HeaderInjection) as caught:
        header_text("subject", value)
    # then
    assert caught.value.field == "subject"
    assert isinstance(caught.value, ValidationError)


@pytest.mark.parametrize(
    "value",
    ["Rechnung für Zoë Müller", "東京の請求書 INV-00001", "Facture n° 42 — merci", ""],
    ids=["accents", "cjk", "dash", "empty"],
)
def test_a_header_value_in_any_script_is_kept_as_given(value: str) -> None:
    # when
    checked = header_text("subject", value)
    # then
    assert checked == value


def test_a_header_value_that_is_not_text_is_refused_but_is_no_injection() -> None:
    # when
    with pytest.raises(ValidationError) as caught:
        header_text("subject", b"Invoice")
    # then
    assert caught.value.field == "subject"
    assert not isinstance(caught.value, HeaderInjection)


# -- addresses --------------------------------------------------------------------------------


def test_a_bare_address_is_parsed() -> None:
    # when
    address = email_address("to", "ada@example.com")
    # then
    assert (address.addr_spec, address.display_name) == ("ada@example.com", "")
    assert (address.username, address.domain) == ("ada", "example.com")


def test_an_address_with_a_display_name_is_parsed() -> None:
    # when
    address = email_address("to", "Ada Lovelace <ada@example.com>")
    # then
    assert (address.addr_spec, address.display_name) == ("ada@example.com", "Ada Lovelace")


def test_a_display_name_given_apart_wins_over_the_one_in_the_text() -> None:
    # when
    address = email_address("to", "Ada <ada@example.com>", "Ada Lovelace")
    # then
    assert str(address) == "Ada Lovelace <ada@example.com>"


@pytest.mark.parametrize(
    "value",
    [
        "junk",
        "",
        "ada@",
        "@example.com",
        "ada@localhost",
        "ada@@example.com",
        "ada@example.com, eve@evil.example",
        "Ada <ada@example.com>, Eve <eve@evil.example>",
    ],
)
def test_what_is_not_one_address_is_refused(value: str) -> None:
    # when
    with pytest.raises(ValidationError) as caught:
        email_address("to", value)
    # then
    assert caught.value.field == "to"
    assert not isinstance(caught.value, HeaderInjection)


@pytest.mark.parametrize(
    "value", ["ada@exa mple.com", "ada @example.com"], ids=["blank-in-domain", "blank-in-user"]
)
def test_an_address_with_a_blank_inside_is_refused_not_rewritten(value: str) -> None:
    with pytest.raises(ValidationError):
        email_address("to", value)


@pytest.mark.parametrize(
    ("value", "name"),
    [
        ("Ada\n <ada@example.com>", None),
        ("ada@example.com\r\nBcc: eve@evil.example", None),
        ("ada@example.com", "Ada\nBcc: eve@evil.example"),
        ("ada@example.com", "Ada\u2028Lovelace"),
    ],
    ids=["name-in-text", "after-address", "name-apart", "line-separator"],
)
def test_an_address_or_display_name_with_a_line_break_is_refused(
    value: str, name: str | None
) -> None:
    # when
    with pytest.raises(HeaderInjection) as caught:
        email_address("to", value, name)
    # then
    assert caught.value.field.startswith("to")


# -- composing --------------------------------------------------------------------------------


def test_a_message_with_html_is_multipart_alternative_text_first() -> None:
    # when
    message = reparsed(invoice_message(attachments=()))
    # then
    assert message.get_content_type() == "multipart/alternative"
    parts = list(message.iter_parts())
    assert [part.get_content_type() for part in parts] == ["text/plain", "text/html"]
    assert text_of(parts[0]) == "Total: $64.13\n"
    assert text_of(parts[1]) == "<p>Total: <b>$64.13</b></p>\n"


def test_a_message_without_html_is_a_single_text_part() -> None:
    # when
    message = reparsed(invoice_message(html=None, attachments=()))
    # then
    assert message.get_content_type() == "text/plain"
    assert text_of(message) == "Total: $64.13\n"


def test_attachments_make_it_multipart_mixed_with_the_alternative_first() -> None:
    # when
    message = reparsed(invoice_message())
    # then
    assert message.get_content_type() == "multipart/mixed"
    body, attachment = message.iter_parts()
    assert body.get_content_type() == "multipart/alternative"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "invoice-INV-00001.pdf"
    assert attachment.get_content_disposition() == "attachment"
    assert attachment.get_content() == PDF
    assert [a.get_filename() for a in message.iter_attachments()] == ["invoice-INV-00001.pdf"]


def test_an_attachment_is_application_octet_stream_unless_told() -> None:
    # when
    message = reparsed(invoice_message(attachments=[Attachment("data.bin", b"\x00\x01\xff")]))
    # then
    (attachment,) = message.iter_attachments()
    assert attachment.get_content_type() == "application/octet-stream"
    assert attachment.get_content() == b"\x00\x01\xff"


def test_an_attachment_name_with_a_line_break_is_refused() -> None:
    with pytest.raises(HeaderInjection):
        Attachment("invoice.pdf\r\nBcc: eve@evil.example", PDF, "application/pdf")


def test_the_headers_are_from_to_subject_date_message_id_and_reply_to() -> None:
    # when
    message = reparsed(invoice_message())
    # then
    assert message["From"].addresses == (Address("Tea & Mugs Co.", "billing", "teamugs.example"),)
    assert message["To"].addresses == (Address("Ada Lovelace", "ada", "example.com"),)
    assert message["Subject"] == "Invoice INV-00001 from Tea & Mugs Co."
    assert message["Reply-To"].addresses == (Address("", "help", "teamugs.example"),)
    assert message["Date"].datetime == SENT_AT
    assert message["Message-ID"].startswith("<")
    assert message["Message-ID"].endswith("@teamugs.example>")
    assert message["Cc"] is None
    assert message["Bcc"] is None


def test_without_a_reply_to_there_is_no_reply_to_header_and_the_date_is_now() -> None:
    # given
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    # when
    message = reparsed(invoice_message(reply_to=None, date=None))
    # then
    assert message["Reply-To"] is None
    sent = message["Date"].datetime
    assert before <= sent <= dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)


def test_every_message_gets_its_own_message_id() -> None:
    # when
    ids = {invoice_message()["Message-ID"] for _ in range(5)}
    # then
    assert len(ids) == 5


def test_a_subject_and_names_in_other_scripts_survive_the_round_trip() -> None:
    # when
    message = reparsed(
        invoice_message(
            sender="東京ティー <billing@teamugs.example>",
            to="Zoë Müller <zoe@example.com>",
            subject="東京ティーより請求書 INV-00001",
        )
    )
    # then
    assert message["Subject"] == "東京ティーより請求書 INV-00001"
    assert message["From"].addresses[0].display_name == "東京ティー"
    assert message["To"].addresses[0].display_name == "Zoë Müller"
    assert message.as_bytes().isascii()


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> list[EmailMessage]:
    """Every EmailMessage that compose creates from now on."""
    made: list[EmailMessage] = []

    class Counting(EmailMessage):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]
            made.append(self)

    monkeypatch.setattr(message_module, "EmailMessage", Counting)
    return made


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"subject": "Invoice INV-00001\nBcc: eve@evil.example"}, "subject"),
        ({"subject": "Invoice INV-00001\r\n\r\nfake body"}, "subject"),
        ({"sender": "Tea & Mugs\nBcc: eve@evil.example <billing@teamugs.example>"}, "from"),
        ({"to": "Ada\r\n <ada@example.com>"}, "to"),
        ({"reply_to": "help@teamugs.example\nBcc: eve@evil.example"}, "reply_to"),
    ],
    ids=["subject", "subject-body", "sender-name", "to", "reply-to"],
)
def test_a_line_break_in_a_header_raises_and_nothing_is_built(
    built: list[EmailMessage], changes: dict[str, object], field: str
) -> None:
    # when
    with pytest.raises(HeaderInjection) as caught:
        invoice_message(**changes)
    # then
    assert caught.value.field == field
    assert built == []


def test_the_message_counter_sees_a_message_that_is_built(built: list[EmailMessage]) -> None:
    # when
    message = invoice_message()
    # then
    assert built[0] is message


# -- the in-memory mailer ---------------------------------------------------------------------


def test_the_in_memory_mailer_keeps_every_message_in_the_order_sent() -> None:
    # given
    mailer = InMemoryMailer()
    # when
    for number in (1, 2, 3):
        mailer.send(invoice_message(subject=f"Invoice INV-0000{number}"))
    # then
    assert len(mailer) == 3
    assert [m["Subject"] for m in mailer.sent] == [f"Invoice INV-0000{n}" for n in (1, 2, 3)]
    assert mailer.last["Subject"] == "Invoice INV-00003"


def test_the_in_memory_mailer_keeps_a_copy_that_later_changes_do_not_reach() -> None:
    # given
    mailer = InMemoryMailer()
    message = invoice_message()
    mailer.send(message)
    # when
    message.replace_header("Subject", "changed after sending")
    message["Bcc"] = "eve@evil.example"
    # then
    kept = mailer.last
    assert kept is not message
    assert kept["Subject"] == "Invoice INV-00001 from Tea & Mugs Co."
    assert kept["Bcc"] is None


def test_the_copy_kept_has_the_bytes_of_the_message_sent() -> None:
    # given a message flattened once, as a dispatcher does to keep what it sends
    mailer = InMemoryMailer()
    message = invoice_message()
    sent_bytes = message.as_bytes()
    # when
    mailer.send(message)
    # then the copy flattens to the same bytes, MIME boundaries and all
    assert mailer.last.as_bytes() == sent_bytes


def test_a_mailer_that_sent_nothing_has_no_last_message() -> None:
    # given
    mailer = InMemoryMailer()
    # when
    with pytest.raises(LookupError, match="no message was sent"):
        _ = mailer.last
    # then
    assert len(mailer) == 0


# -- the outbox's messages --------------------------------------------------------------------

QUEUED_AT = dt.datetime(2026, 1, 31, 9, 30, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)


def queued(**changes: object) -> OutboxMessage:
    """A message as a send queues it."""
    arguments: dict[str, object] = {
        "id": "M1",
        "kind": "invoice_email",
        "subject_id": "S1",
        "order_id": "D1001",
        "created_at": QUEUED_AT,
    }
    arguments.update(changes)
    return OutboxMessage(**arguments)  # type: ignore[arg-type]


def test_a_queued_message_is_pending_and_due_at_once() -> None:
    # when
    message = queued()
    # then
    assert (message.status, message.attempts) == (MessageStatus.PENDING, 0)
    assert (message.next_attempt_at, message.lease_until, message.sent_at) == (None, None, None)
    assert message.is_due(QUEUED_AT)


def test_a_leased_message_is_not_due_until_its_lease_runs_out() -> None:
    # given
    lease = dt.timedelta(minutes=10)
    # when
    taken = queued().leased(QUEUED_AT, lease)
    # then
    assert (taken.status, taken.attempts, taken.lease_until) == (
        MessageStatus.SENDING,
        1,
        QUEUED_AT + lease,
    )
    assert not taken.is_due(QUEUED_AT + lease - dt.timedelta(seconds=1))
    assert taken.is_due(QUEUED_AT + lease)


def test_a_delivered_message_is_never_due_again() -> None:
    # when
    sent = queued().leased(QUEUED_AT, MINUTE).delivered(QUEUED_AT)
    # then
    assert (sent.status, sent.sent_at, sent.lease_until) == (MessageStatus.SENT, QUEUED_AT, None)
    assert not sent.is_due(QUEUED_AT + dt.timedelta(days=3650))


def test_a_failed_attempt_is_due_again_after_the_backoff_then_failed_for_good() -> None:
    # given
    backoff = Backoff(first=MINUTE, longest=dt.timedelta(hours=1), max_attempts=2)
    # when the first attempt fails
    first = queued().leased(QUEUED_AT, MINUTE).failed_attempt("refused", QUEUED_AT, backoff)
    # then it waits the first delay
    assert (first.status, first.attempts, first.last_error) == (
        MessageStatus.PENDING,
        1,
        "refused",
    )
    assert first.next_attempt_at == QUEUED_AT + MINUTE
    assert not first.is_due(QUEUED_AT)
    assert first.is_due(QUEUED_AT + MINUTE)
    # when the last attempt fails
    last = first.leased(QUEUED_AT + MINUTE, MINUTE).failed_attempt("refused", QUEUED_AT, backoff)
    # then it is failed, and due no more
    assert (last.status, last.attempts) == (MessageStatus.FAILED, 2)
    assert not last.is_due(QUEUED_AT + dt.timedelta(days=3650))
    # until it is put back, due at once, with a fresh count
    retried = last.retried(QUEUED_AT)
    assert (retried.status, retried.attempts, retried.next_attempt_at) == (
        MessageStatus.PENDING,
        0,
        QUEUED_AT,
    )
    assert retried.is_due(QUEUED_AT)


def test_a_long_error_is_kept_in_part() -> None:
    message = queued().leased(QUEUED_AT, MINUTE).failed_attempt("x" * 5000, QUEUED_AT, Backoff())
    assert message.last_error == "x" * 1000


@pytest.mark.parametrize(
    "changes",
    [
        {"id": ""},
        {"kind": ""},
        {"created_at": dt.datetime(2026, 1, 31, 9, 30)},
        {"attempts": -1},
        {"attempts": True},
        {"status": "pending"},
    ],
    ids=["no-id", "no-kind", "naive-time", "negative-attempts", "bool-attempts", "status-text"],
)
def test_a_malformed_message_is_refused(changes: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        queued(**changes)


def test_the_default_backoff_waits_a_minute_then_doubles_up_to_six_hours() -> None:
    # when
    waits = [Backoff().delay(attempt) for attempt in range(1, 11)]
    # then
    assert waits[:4] == [MINUTE, 2 * MINUTE, 4 * MINUTE, 8 * MINUTE]
    assert waits[-1] == dt.timedelta(hours=6)
    assert Backoff().max_attempts == 10


@given(
    first=st.integers(1, 3600).map(lambda s: dt.timedelta(seconds=s)),
    longest=st.integers(1, 86_400).map(lambda s: dt.timedelta(seconds=s)),
    attempts=st.integers(1, 10_000),
)
def test_each_wait_doubles_the_last_up_to_the_longest(
    first: dt.timedelta, longest: dt.timedelta, attempts: int
) -> None:
    # given
    backoff = Backoff(first=first, longest=longest)
    # when
    wait, after = backoff.delay(attempts), backoff.delay(attempts + 1)
    # then
    assert backoff.delay(1) == min(first, longest)
    assert min(first, longest) <= wait <= after <= longest
    if attempts <= 30:
        assert after == min(2 * wait, longest)


@pytest.mark.parametrize(
    "changes",
    [
        {"first": dt.timedelta(0)},
        {"longest": dt.timedelta(seconds=-1)},
        {"first": 60},
        {"max_attempts": 0},
        {"max_attempts": True},
    ],
    ids=["zero-first", "negative-longest", "seconds-as-int", "no-attempts", "bool-attempts"],
)
def test_a_backoff_that_cannot_be_followed_is_refused(changes: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        Backoff(**changes)  # type: ignore[arg-type]


# -- the SMTP mailer's settings ---------------------------------------------------------------


def test_the_smtp_mailer_defaults_to_starttls_on_587_without_login() -> None:
    # when
    mailer = SmtpMailer("smtp.example.com")
    # then
    assert (mailer.host, mailer.port, mailer.security) == (
        "smtp.example.com",
        587,
        Security.STARTTLS,
    )
    assert (mailer.username, mailer.password, mailer.ssl_context) == (None, None, None)


def test_the_smtp_mailer_does_not_show_its_password() -> None:
    # when
    mailer = SmtpMailer("smtp.example.com", username="shop", password="s3cret-pw")
    # then
    assert "s3cret-pw" not in repr(mailer)
    assert "shop" in repr(mailer)


@pytest.mark.parametrize("port", [0, -1, 65536, True, "587", 587.0, None])
def test_a_port_outside_1_to_65535_is_refused(port: object) -> None:
    # when
    with pytest.raises(ValidationError) as caught:
        SmtpMailer("smtp.example.com", port=port)  # type: ignore[arg-type]
    # then
    assert caught.value.field == "port"


@pytest.mark.parametrize("port", [1, 25, 465, 65535])
def test_a_port_from_1_to_65535_is_accepted(port: int) -> None:
    assert SmtpMailer("smtp.example.com", port=port).port == port


@pytest.mark.parametrize(
    ("username", "password"), [("shop", None), (None, "s3cret")], ids=["no-password", "no-user"]
)
def test_a_username_without_a_password_or_the_reverse_is_refused(
    username: str | None, password: str | None
) -> None:
    # when
    with pytest.raises(ValidationError) as caught:
        SmtpMailer("smtp.example.com", username=username, password=password)
    # then
    assert caught.value.field == "username"


def test_a_login_over_an_unencrypted_connection_is_refused() -> None:
    # when
    with pytest.raises(ValidationError) as caught:
        SmtpMailer(
            "smtp.example.com", port=25, security=Security.NONE, username="shop", password="pw"
        )
    # then
    assert caught.value.field == "security"


@pytest.mark.parametrize("security", [Security.STARTTLS, Security.SSL])
def test_a_login_over_tls_is_accepted(security: Security) -> None:
    # when
    mailer = SmtpMailer("smtp.example.com", security=security, username="shop", password="pw")
    # then
    assert (mailer.security, mailer.username) == (security, "shop")


def test_security_must_be_a_security_value() -> None:
    with pytest.raises(ValidationError):
        SmtpMailer("smtp.example.com", security="none")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "host", ["smtp.example.com\r\nRCPT TO:<eve@evil.example>", "smtp.example.com\n"]
)
def test_a_host_with_a_line_break_is_refused(host: str) -> None:
    with pytest.raises(HeaderInjection) as caught:
        SmtpMailer(host)
    assert caught.value.field == "host"


@pytest.mark.parametrize("host", ["", "smtp example.com", " smtp.example.com", 42])
def test_what_is_not_a_host_name_is_refused(host: object) -> None:
    with pytest.raises(ValidationError) as caught:
        SmtpMailer(host)  # type: ignore[arg-type]
    assert caught.value.field == "host"

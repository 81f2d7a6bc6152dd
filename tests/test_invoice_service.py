"""Invoices through the shop: previews, sending (number, record, outbox message, stock and the
order's lock in one store unit, then delivery), numbering across restarts, locales, sends that
fail and change nothing, deliveries that fail and are tried again by the outbox dispatcher,
header injection, re-sending, and stale invoices.

PDFs are off here (``attach_pdf=False``) except where a test is about the attachment, and then
the renderer is replaced by a stub; a real PDF is checked end to end in test_smtp.py.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import runpy
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import attrs
import pytest

import draftorders.invoice.email as invoice_email_module
import draftorders.shop.invoicing as invoicing_module
from builders import money
from draftorders import (
    Backoff,
    CheckoutLinks,
    ConcurrencyConflict,
    Customer,
    DeliveryFailed,
    DraftOrder,
    DraftOrdersError,
    HeaderInjection,
    InMemoryMailer,
    InMemoryStore,
    InsufficientStock,
    InvalidTransition,
    InvoiceNumbering,
    InvoiceOutdated,
    InvoiceSent,
    MessageStatus,
    MissingExtra,
    Party,
    Ports,
    RevertedToDraft,
    Shop,
    ShopApp,
    Status,
    Store,
    ValidationError,
    render_html,
    render_text,
)
from draftorders.invoice import InvoiceStatus
from draftorders.promotions import OrderAmountOff, Promotion, PromotionBook
from draftorders.shop import INVOICE_EMAIL
from draftorders.shop.dispatch import LEASE
from draftorders.storage.sql import SqlStore

quickstart = runpy.run_path(str(Path(__file__).parent.parent / "examples" / "quickstart.py"))
CATALOG, CONTEXT = quickstart["CATALOG"], quickstart["CONTEXT"]

NOW = dt.datetime(2026, 1, 31, 9, 30, tzinfo=dt.UTC)
SELLER = Party(name="Tea & Mugs Co.", email="billing@teamugs.example")
ADA = Customer(id="C1", name="Ada Lovelace", email="ada@example.com")
TOTAL = money("64.13")
"""The quickstart order's total (see test_quickstart.py)."""


class MovingClock:
    """A clock the test moves."""

    def __init__(self, at: dt.datetime = NOW) -> None:
        self.at = at

    def now(self) -> dt.datetime:
        return self.at

    def today(self) -> dt.date:
        return self.at.date()

    def move(self, by: dt.timedelta) -> dt.datetime:
        self.at += by
        return self.at


class Mailer(InMemoryMailer):
    """An in-memory mailer the test can take down: while ``down`` holds an error, each send
    raises it. ``attempts`` counts every send, delivered or not."""

    def __init__(self) -> None:
        super().__init__()
        self.down: BaseException | None = None
        self.attempts = 0

    def send(self, message: EmailMessage) -> None:
        self.attempts += 1
        if self.down is not None:
            raise self.down
        super().send(message)


def make_app(
    *,
    store: Store | None = None,
    mailer: Any = None,
    **settings: Any,
) -> ShopApp:
    """The quickstart shop, PDFs off, on an in-memory store (unless one is given), a
    :class:`Mailer` (unless another is given) and a :class:`MovingClock` at NOW."""
    shop = Shop(CATALOG, **{"context": CONTEXT, "seller": SELLER, "attach_pdf": False, **settings})
    ports = Ports(
        store=store if store is not None else InMemoryStore(),
        clock=MovingClock(),
        mailer=mailer if mailer is not None else Mailer(),
    )
    return ShopApp(shop, ports)


def quickstart_draft(app: ShopApp, customer: Customer | None = ADA, order_id: str = "D1001") -> str:
    """Save the quickstart order (total 64.13) under ``order_id`` for ``customer``."""
    order = quickstart["build_order"]()
    if order_id != order.id:
        order = order.duplicate(order_id, order.order_date)
    if customer is not None:
        order = order.set_customer(customer)
    app.drafts.add(order)
    return str(order.id)


def mailer_of(app: ShopApp) -> Mailer:
    mailer = app.ports.mailer
    assert isinstance(mailer, Mailer)
    return mailer


def clock_of(app: ShopApp) -> MovingClock:
    clock = app.ports.clock
    assert isinstance(clock, MovingClock)
    return clock


def lines(text: str) -> str:
    """``text`` with the wire's CRLF line ends read as newlines."""
    return text.replace("\r\n", "\n")


def leaves(message: EmailMessage) -> list[tuple[str, object]]:
    """Each non-multipart part's type and content, text with newlines for line ends."""
    found: list[tuple[str, object]] = []
    for part in message.walk():
        if not part.is_multipart():
            content = part.get_content()
            found.append(
                (part.get_content_type(), lines(content) if isinstance(content, str) else content)
            )
    return found


def assert_nothing_sent(app: ShopApp, order_id: str, before: DraftOrder) -> None:
    """The order is as it was, nothing was recorded, queued or handed to the mailer, and the
    next invoice of the shop (sent by a process set up right) still gets the first number."""
    assert app.drafts.get(order_id) == before
    assert app.invoicing.sent(order_id) == []
    assert app.outbox.messages() == []
    if isinstance(app.ports.mailer, InMemoryMailer):
        assert len(app.ports.mailer) == 0
    fixed = ShopApp(
        attrs.evolve(app.shop, seller=SELLER, attach_pdf=False),
        attrs.evolve(app.ports, mailer=Mailer()),
    )
    other = quickstart_draft(fixed, order_id="D2001")
    assert fixed.invoicing.send(other).sent.number == "INV-00001"


@pytest.fixture(params=["memory", "sqlite"])
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """Each store the shop runs on: in memory, and SQLite in a file."""
    if request.param == "memory":
        yield InMemoryStore()
        return
    store = SqlStore(f"sqlite:///{tmp_path / 'shop.db'}")
    yield store
    store.close()


# -- preview ----------------------------------------------------------------------------------


def test_a_draft_previews_as_priced_now_without_a_number() -> None:
    # given
    app = make_app()
    order_id = quickstart_draft(app)
    before = app.drafts.get(order_id)
    # when
    preview = app.invoicing.preview(order_id)
    # then
    assert (preview.status, preview.number, preview.is_preview) == (
        InvoiceStatus.PREVIEW,
        None,
        True,
    )
    assert (preview.order_id, preview.order_version) == (order_id, before.version)
    assert (preview.total, preview.amount_due) == (TOTAL, TOTAL)
    assert preview.issue_date == NOW.date()
    assert preview.buyer is not None
    assert preview.buyer.name == "Ada Lovelace"
    assert_nothing_sent(app, order_id, before)


def test_after_sending_the_preview_is_the_invoice_that_was_sent() -> None:
    # given
    app = make_app()
    order_id = quickstart_draft(app)
    delivery = app.invoicing.send(order_id)
    # when
    preview = app.invoicing.preview(order_id)
    # then
    assert preview == delivery.sent.invoice
    assert (preview.status, preview.number) == (InvoiceStatus.ISSUED, "INV-00001")


def test_the_preview_of_a_sent_order_shows_what_was_paid_since() -> None:
    # given
    app = make_app()
    order_id = quickstart_draft(app)
    sent = app.invoicing.send(order_id).sent
    app.cashier.record_payment(order_id, money("20.00"))
    # when
    preview = app.invoicing.preview(order_id)
    # then
    assert (preview.number, preview.total) == (sent.number, TOTAL)
    assert (preview.amount_paid, preview.amount_due) == (money("20.00"), money("44.13"))
    assert (sent.invoice.amount_paid, sent.invoice.amount_due) == (money("0.00"), TOTAL)


def test_after_reverting_to_draft_the_preview_is_a_preview_again() -> None:
    # given
    app = make_app()
    order_id = quickstart_draft(app)
    app.invoicing.send(order_id)
    reverted = app.drafts.revert_to_draft(order_id).order
    # when
    preview = app.invoicing.preview(order_id)
    # then
    assert (preview.status, preview.number) == (InvoiceStatus.PREVIEW, None)
    assert preview.order_version == reverted.version


# -- sending ----------------------------------------------------------------------------------


def test_sending_locks_the_order_and_records_invoice_sent() -> None:
    # given
    app = make_app()
    order_id = quickstart_draft(app)
    draft = app.drafts.get(order_id)
    # when
    delivery = app.invoicing.send(order_id)
    # then
    order = delivery.order
    assert (order.status, order.version, order.invoiced_total) == (
        Status.INVOICE_SENT,
        draft.version + 1,
        TOTAL,
    )
    assert order.is_locked
    assert app.drafts.get(order_id) == order
    assert delivery.events == (InvoiceSent(order_id, order.version, TOTAL),)


def test_sending_keeps_a_record_of_what_was_sent() -> None:
    # given
    app = make_app()
    order_id = quickstart_draft(app)
    # when
    delivery = app.invoicing.send(order_id)
    # then
    sent = delivery.sent
    assert (delivery.delivered, sent.delivered) == (True, True)
    assert app.invoicing.sent(order_id) == [sent]
    assert sent.id
    assert (sent.order_id, sent.number, sent.recipient) == (
        order_id,
        "INV-00001",
        "ada@example.com",
    )
    assert sent.subject is None  # the locale's standard subject, written when it is composed
    assert sent.email()["Subject"] == "Invoice INV-00001 from Tea & Mugs Co."
    assert (sent.locale, sent.sent_at, sent.delivered_at) == ("en_US", NOW, NOW)
    assert (sent.attach_pdf, sent.resent, sent.pdf) == (False, False, None)
    assert sent.invoice.status is InvoiceStatus.ISSUED
    assert (sent.invoice.total, sent.invoice.issue_date) == (TOTAL, NOW.date())
    assert sent.invoice.order_version == delivery.order.version
    for rendering in (sent.html, sent.text):
        assert "$64.13" in rendering
        assert "INV-00001" in rendering
    assert "INVOICE INV-00001" in sent.text


def test_the_records_message_bytes_parse_back_to_the_email() -> None:
    # given
    app = make_app()
    order_id = quickstart_draft(app)
    sent = app.invoicing.send(order_id).sent
    # when
    message = sent.email()
    # then
    assert message["Subject"] == "Invoice INV-00001 from Tea & Mugs Co."
    assert str(message["To"]) == "Ada Lovelace <ada@example.com>"
    assert str(message["From"]) == '"Tea & Mugs Co." <billing@teamugs.example>'
    assert message["Date"].datetime == NOW
    assert leaves(message) == [("text/plain", lines(sent.text)), ("text/html", lines(sent.html))]


def test_the_records_text_and_html_are_its_invoice_rendered_in_its_locale() -> None:
    app = make_app()
    sent = app.invoicing.send(
        quickstart_draft(app, customer=attrs.evolve(ADA, locale="de_DE"))
    ).sent
    assert lines(sent.text) == render_text(sent.invoice, "de_DE")
    assert lines(sent.html) == render_html(sent.invoice, "de_DE")


def test_the_records_text_is_the_rendering_with_its_own_line_ends() -> None:
    app = make_app()
    sent = app.invoicing.send(quickstart_draft(app)).sent
    assert sent.text == render_text(sent.invoice, sent.locale)


def test_the_email_is_delivered_through_the_mailer_right_after_the_send() -> None:
    # given
    app = make_app()
    order_id = quickstart_draft(app)
    # when
    sent = app.invoicing.send(order_id).sent
    # then
    last = mailer_of(app).last
    assert len(mailer_of(app)) == 1
    assert last["Message-ID"] == sent.email()["Message-ID"]
    assert last["Subject"] == sent.email()["Subject"]
    assert leaves(last) == leaves(sent.email())


def test_the_record_keeps_the_exact_bytes_the_mailer_was_handed() -> None:
    app = make_app()
    sent = app.invoicing.send(quickstart_draft(app)).sent
    assert mailer_of(app).last.as_bytes() == sent.message


def test_a_send_queues_one_outbox_message_for_its_record_and_marks_it_sent() -> None:
    # given
    app = make_app()
    order_id = quickstart_draft(app)
    # when
    delivery = app.invoicing.send(order_id)
    # then
    message = delivery.message
    assert (message.kind, message.subject_id, message.order_id) == (
        INVOICE_EMAIL,
        delivery.sent.id,
        order_id,
    )
    assert (message.status, message.attempts, message.sent_at) == (MessageStatus.SENT, 1, NOW)
    assert (message.created_at, message.last_error, message.lease_until) == (NOW, None, None)
    assert app.outbox.messages(order_id=order_id) == [message]
    assert app.outbox.messages(status=MessageStatus.PENDING) == []


def test_to_sends_to_another_address_under_the_buyer_name() -> None:
    # given
    app = make_app()
    order_id = quickstart_draft(app)
    # when
    sent = app.invoicing.send(order_id, to="accounts@analytical.example").sent
    # then
    assert sent.recipient == "accounts@analytical.example"
    assert str(mailer_of(app).last["To"]) == "Ada Lovelace <accounts@analytical.example>"


def test_an_order_without_a_customer_is_sent_to_the_address_given() -> None:
    # given
    app = make_app()
    order_id = quickstart_draft(app, customer=None)
    # when
    sent = app.invoicing.send(order_id, to="ada@example.com").sent
    # then
    assert sent.recipient == "ada@example.com"
    assert str(mailer_of(app).last["To"]) == "ada@example.com"


def test_a_subject_can_be_given() -> None:
    # given
    app = make_app()
    order_id = quickstart_draft(app)
    # when
    sent = app.invoicing.send(order_id, subject="Your mugs: invoice attached").sent
    # then
    assert sent.subject == "Your mugs: invoice attached"
    assert mailer_of(app).last["Subject"] == "Your mugs: invoice attached"


def test_the_checkout_link_is_in_the_html_and_the_text() -> None:
    # given
    app = make_app()
    order_id = quickstart_draft(app)
    url = "https://shop.example/pay/D1001?token=3f9a1c"
    # when
    sent = app.invoicing.send(order_id, checkout_url=url).sent
    # then
    assert sent.invoice.checkout_url == url
    assert f'href="{url}"' in sent.html
    assert f"Pay online: {url}" in sent.text


def test_a_checkout_link_is_escaped_in_the_html() -> None:
    # given
    app = make_app()
    order_id = quickstart_draft(app)
    url = 'https://shop.example/pay?x="><script>alert(1)</script>'
    # when
    sent = app.invoicing.send(order_id, checkout_url=url).sent
    # then
    assert "<script>" not in sent.html
    assert "&lt;script&gt;" in sent.html
    assert url in sent.text


def test_without_a_checkout_link_there_is_no_pay_online_line() -> None:
    app = make_app()
    sent = app.invoicing.send(quickstart_draft(app)).sent
    assert "Pay online" not in sent.text
    assert "Pay online" not in sent.html


def test_a_shop_that_signs_links_puts_one_for_the_locked_version_on_the_invoice() -> None:
    # given
    links = CheckoutLinks({"k1": "s" * 32}, "k1", "https://shop.example/pay")
    app = make_app(checkout_links=links)
    order_id = quickstart_draft(app)
    # when
    delivery = app.invoicing.send(order_id)
    # then
    url = delivery.sent.invoice.checkout_url
    assert url is not None
    claim = links.verify(url, NOW)
    assert (claim.order_id, claim.version) == (order_id, delivery.order.version)
    assert f"Pay online: {url}" in delivery.sent.text


def test_sending_an_order_already_sent_is_refused_and_changes_nothing() -> None:
    # given
    app = make_app()
    order_id = quickstart_draft(app)
    first = app.invoicing.send(order_id)
    # when
    with pytest.raises(InvalidTransition) as caught:
        app.invoicing.send(order_id)
    # then: a re-send is its own call
    assert (caught.value.status, caught.value.action) == ("invoice_sent", "send_invoice")
    assert "resend_invoice" in caught.value.allowed
    assert app.drafts.get(order_id) == first.order
    assert app.invoicing.sent(order_id) == [first.sent]
    assert len(app.outbox.messages()) == len(mailer_of(app)) == 1


# -- a shop that leaves delivery to the dispatcher --------------------------------------------


def test_a_shop_that_does_not_deliver_now_only_queues_the_email() -> None:
    # given
    app = make_app(deliver_now=False)
    order_id = quickstart_draft(app)
    # when
    delivery = app.invoicing.send(order_id)
    # then the send happened: number, record, lock
    assert delivery.order.status is Status.INVOICE_SENT
    assert delivery.sent.number == "INV-00001"
    assert app.invoicing.sent(order_id) == [delivery.sent]
    # and the email waits in the outbox
    assert not delivery.delivered
    assert (delivery.sent.message, delivery.sent.delivered_at) == (None, None)
    assert (delivery.message.status, delivery.message.attempts) == (MessageStatus.PENDING, 0)
    assert delivery.message.is_due(NOW)
    assert mailer_of(app).attempts == 0
    with pytest.raises(ValidationError, match="waits in the outbox"):
        delivery.sent.email()


def test_the_dispatcher_delivers_what_was_queued_once() -> None:
    # given
    app = make_app(deliver_now=False)
    first = app.invoicing.send(quickstart_draft(app, order_id="D1001"))
    second = app.invoicing.send(quickstart_draft(app, order_id="D1002"))
    # when
    delivered = app.outbox.deliver_due()
    # then
    assert [m.id for m in delivered] == [first.message.id, second.message.id]
    assert [m.status for m in delivered] == [MessageStatus.SENT] * 2
    records = [app.invoicing.sent(d.order.id)[0] for d in (first, second)]
    assert [m.as_bytes() for m in mailer_of(app).sent] == [r.message for r in records]
    assert [r.delivered_at for r in records] == [NOW, NOW]
    assert app.outbox.messages(order_id="D1002") == [delivered[1]]
    # and again: nothing is due, nothing is sent twice
    assert app.outbox.deliver_due() == []
    assert app.outbox.deliver(first.message.id).status is MessageStatus.SENT
    assert mailer_of(app).attempts == 2


def test_the_dispatcher_delivers_at_most_its_limit_at_a_time() -> None:
    # given
    app = make_app(deliver_now=False)
    for order_id in ("D1001", "D1002", "D1003"):
        app.invoicing.send(quickstart_draft(app, order_id=order_id))
    # when
    batches = [len(app.outbox.deliver_due(limit=2)) for _ in range(3)]
    # then
    assert batches == [2, 1, 0]
    assert len(mailer_of(app)) == 3


@pytest.mark.parametrize("limit", [0, -1, True, 1.5])
def test_a_limit_that_is_not_a_whole_number_from_1_is_refused(limit: object) -> None:
    with pytest.raises(ValidationError) as caught:
        make_app().outbox.deliver_due(limit=limit)  # type: ignore[arg-type]
    assert caught.value.field == "limit"


# -- numbering --------------------------------------------------------------------------------


def test_invoice_numbers_are_a_sequence_of_their_own() -> None:
    # given two orders, the second sent first
    app = make_app()
    first = quickstart_draft(app, order_id="D1001")
    second = quickstart_draft(app, order_id="D1002")
    # when
    numbers = [app.invoicing.send(order_id).sent.number for order_id in (second, first)]
    # then
    assert numbers == ["INV-00001", "INV-00002"]
    assert [app.invoicing.sent(o)[0].number for o in (first, second)] == [
        "INV-00002",
        "INV-00001",
    ]


def test_a_custom_numbering_format_is_used() -> None:
    # given
    app = make_app(invoice_numbering=InvoiceNumbering("{year}-{month:02d}/{number:04d}"))
    orders = [quickstart_draft(app, order_id=f"D100{n}") for n in (1, 2)]
    # when
    numbers = [app.invoicing.send(order_id).sent.number for order_id in orders]
    # then
    assert numbers == ["2026-01/0001", "2026-01/0002"]
    assert mailer_of(app).last["Subject"] == "Invoice 2026-01/0002 from Tea & Mugs Co."


def test_invoice_numbers_continue_after_a_restart_on_the_same_database(tmp_path: Path) -> None:
    # given a shop that sent one invoice and stopped
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    with contextlib.closing(SqlStore(url)) as store:
        before = make_app(store=store)
        first = before.invoicing.send(quickstart_draft(before, order_id="D1001")).sent
    # when the shop starts again on the same file
    with contextlib.closing(SqlStore(url)) as store:
        after = make_app(store=store)
        kept = after.invoicing.sent("D1001")
        second = after.invoicing.send(quickstart_draft(after, order_id="D1002")).sent
    # then the invoice sent before is there to read, bytes and all, and numbering goes on
    assert kept == [first]
    assert kept[0].email()["Message-ID"] == mailer_of(before).last["Message-ID"]
    assert "$64.13" in kept[0].html
    assert second.number == "INV-00002"


def test_a_send_refused_for_want_of_stock_takes_no_number_and_reserves_nothing(
    any_store: Store,
) -> None:
    # given mugs to spare, but one tea where the order wants two
    app = make_app(store=any_store)
    app.stock.track("MUG", 10)
    app.stock.track("TEA", 1)
    order_id = quickstart_draft(app)
    before = app.drafts.get(order_id)
    # when
    with pytest.raises(InsufficientStock) as caught:
        app.invoicing.send(order_id)
    # then nothing was kept: no record, no message, no reservation, no number
    assert (caught.value.sku, caught.value.requested, caught.value.available) == ("TEA", 2, 1)
    assert app.drafts.get(order_id) == before
    assert app.invoicing.sent(order_id) == []
    assert app.outbox.messages() == []
    assert [(lv.sku, lv.reserved) for lv in app.stock.levels()] == [("MUG", 0), ("TEA", 0)]
    assert app.stock.history() == []
    assert len(mailer_of(app)) == 0
    # and once there is stock, the send gets the first number: no gap
    app.stock.adjust("TEA", 1)
    assert app.invoicing.send(order_id).sent.number == "INV-00001"


def test_a_send_to_an_address_that_is_not_one_takes_no_number(any_store: Store) -> None:
    # given
    app = make_app(store=any_store)
    order_id = quickstart_draft(app)
    before = app.drafts.get(order_id)
    # when
    with pytest.raises(ValidationError) as caught:
        app.invoicing.send(order_id, to="ada@localhost")
    # then
    assert caught.value.field == "to"
    assert_nothing_sent(app, order_id, before)


# -- locales ----------------------------------------------------------------------------------


def test_a_german_customer_gets_a_german_invoice() -> None:
    # given
    app = make_app()
    order_id = quickstart_draft(app, customer=attrs.evolve(ADA, locale="de_DE"))
    # when
    sent = app.invoicing.send(order_id).sent
    # then
    assert sent.locale == "de_DE"
    assert sent.email()["Subject"] == "Rechnung INV-00001 von Tea & Mugs Co."
    assert mailer_of(app).last["Subject"] == sent.email()["Subject"]
    assert "RECHNUNG INV-00001" in sent.text
    assert "64,13\u00a0$" in sent.text
    assert "64,13\u00a0$" in sent.html
    assert 'lang="de-DE"' in sent.html


def test_the_locale_given_wins_over_the_customers() -> None:
    # given
    app = make_app()
    order_id = quickstart_draft(app, customer=attrs.evolve(ADA, locale="de_DE"))
    # when
    sent = app.invoicing.send(order_id, locale="en_US").sent
    # then
    assert sent.locale == "en_US"
    assert sent.email()["Subject"] == "Invoice INV-00001 from Tea & Mugs Co."
    assert "INVOICE INV-00001" in sent.text
    assert "$64.13" in sent.text


def test_without_a_customer_locale_the_shops_locale_is_used() -> None:
    # given
    app = make_app(locale="fr_FR")
    order_id = quickstart_draft(app)
    # when
    sent = app.invoicing.send(order_id).sent
    # then
    assert sent.locale == "fr_FR"
    assert sent.email()["Subject"] == "Facture INV-00001 de Tea & Mugs Co."


def test_an_unknown_locale_is_refused_and_nothing_is_sent() -> None:
    # given
    app = make_app()
    order_id = quickstart_draft(app)
    before = app.drafts.get(order_id)
    # when
    with pytest.raises(ValidationError) as caught:
        app.invoicing.send(order_id, locale="xx_NOWHERE")
    # then
    assert caught.value.field == "locale"
    assert_nothing_sent(app, order_id, before)


# -- PDF --------------------------------------------------------------------------------------

FAKE_PDF = b"%PDF-1.7\n% stub\n"


def test_by_default_the_pdf_is_attached_when_it_can_be_rendered(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given
    monkeypatch.setattr(invoice_email_module, "pdf_available", lambda: True)
    monkeypatch.setattr(invoice_email_module, "render_pdf", lambda invoice, locale: FAKE_PDF)
    app = make_app(attach_pdf=None)
    order_id = quickstart_draft(app)
    # when
    sent = app.invoicing.send(order_id).sent
    # then
    assert sent.attach_pdf is None
    assert sent.pdf == FAKE_PDF
    (attachment,) = sent.email().iter_attachments()
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "invoice-INV-00001.pdf"
    assert attachment.get_content() == FAKE_PDF


def test_by_default_no_pdf_is_attached_when_it_cannot_be_rendered(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given
    monkeypatch.setattr(invoice_email_module, "pdf_available", lambda: False)
    app = make_app(attach_pdf=None)
    order_id = quickstart_draft(app)
    # when
    sent = app.invoicing.send(order_id).sent
    # then
    assert sent.pdf is None
    assert list(sent.email().iter_attachments()) == []
    assert sent.email().get_content_type() == "multipart/alternative"


def test_a_required_pdf_without_the_extra_is_refused_and_nothing_is_sent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given the pdf extra is not installed
    monkeypatch.setattr(invoicing_module, "pdf_available", lambda: False)
    monkeypatch.setattr(invoice_email_module, "pdf_available", lambda: False)
    app = make_app(attach_pdf=True)
    order_id = quickstart_draft(app)
    before = app.drafts.get(order_id)
    # when
    with pytest.raises(MissingExtra) as caught:
        app.invoicing.send(order_id)
    # then
    assert caught.value.extra == "pdf"
    assert_nothing_sent(app, order_id, before)


def test_a_pdf_that_fails_to_render_at_delivery_leaves_the_email_to_try_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given a renderer that fails once the send is made
    def no_weasyprint(invoice: object, locale: object) -> bytes:
        raise MissingExtra("pdf", "rendering an invoice as PDF", ImportError("weasyprint"))

    monkeypatch.setattr(invoicing_module, "pdf_available", lambda: True)
    monkeypatch.setattr(invoice_email_module, "render_pdf", no_weasyprint)
    app = make_app(attach_pdf=True)
    order_id = quickstart_draft(app)
    # when
    delivery = app.invoicing.send(order_id)
    # then the send stands; the email was not composed, so nothing reached the mailer
    assert delivery.order.status is Status.INVOICE_SENT
    assert not delivery.delivered
    assert delivery.message.status is MessageStatus.PENDING
    assert "MissingExtra" in (delivery.message.last_error or "")
    assert mailer_of(app).attempts == 0
    # and once the renderer works, the dispatcher delivers it with the PDF
    monkeypatch.setattr(invoice_email_module, "render_pdf", lambda invoice, locale: FAKE_PDF)
    clock_of(app).move(Backoff().first)
    (delivered,) = app.outbox.deliver_due()
    assert delivered.status is MessageStatus.SENT
    assert app.invoicing.sent(order_id)[0].pdf == FAKE_PDF


# -- deliveries that fail ---------------------------------------------------------------------

MAILER_ERRORS = [
    ConnectionRefusedError(111, "Connection refused"),
    DeliveryFailed("smtp", "smtp.example.com:587 did not take the message"),
]


@pytest.mark.parametrize("error", MAILER_ERRORS, ids=["unreachable", "refusing"])
def test_a_failing_mailer_does_not_undo_the_send(error: Exception) -> None:
    # given one invoice already sent, then a mailer that fails
    app = make_app()
    app.invoicing.send(quickstart_draft(app, order_id="D1001"))
    order_id = quickstart_draft(app, order_id="D1002")
    before = app.drafts.get(order_id)
    mailer_of(app).down = error
    # when
    delivery = app.invoicing.send(order_id)
    # then the order is locked and its number allocated and kept
    assert delivery.order == app.drafts.get(order_id)
    assert (delivery.order.status, delivery.order.version) == (
        Status.INVOICE_SENT,
        before.version + 1,
    )
    assert delivery.sent.number == "INV-00002"
    # the invoice is recorded, without bytes: nothing was delivered
    assert app.invoicing.sent(order_id) == [delivery.sent]
    assert not delivery.delivered
    assert (delivery.sent.message, delivery.sent.delivered_at) == (None, None)
    # the email waits in the outbox until after the backoff
    message = delivery.message
    assert (message.status, message.attempts) == (MessageStatus.PENDING, 1)
    assert message.next_attempt_at == NOW + Backoff().first
    assert message.last_error == repr(error)
    assert app.outbox.messages(status=MessageStatus.PENDING) == [message]
    assert len(mailer_of(app)) == 1
    # and the next send gets the next number
    mailer_of(app).down = None
    assert app.invoicing.send(quickstart_draft(app, order_id="D1003")).sent.number == "INV-00003"


@pytest.mark.parametrize("error", MAILER_ERRORS, ids=["unreachable", "refusing"])
def test_the_dispatcher_delivers_a_failed_email_once_when_it_is_due(error: Exception) -> None:
    # given a send whose delivery failed, and a mail server back up
    app = make_app()
    order_id = quickstart_draft(app)
    mailer_of(app).down = error
    delivery = app.invoicing.send(order_id)
    mailer_of(app).down = None
    # when the dispatcher runs before the backoff has passed
    early = app.outbox.deliver_due()
    # then nothing is due yet
    assert early == []
    assert mailer_of(app).attempts == 1
    # when it runs once the backoff has passed
    later = clock_of(app).move(Backoff().first)
    (delivered,) = app.outbox.deliver_due()
    # then the email goes out, and its record keeps the exact bytes the mailer got
    assert (delivered.id, delivered.status, delivered.attempts) == (
        delivery.message.id,
        MessageStatus.SENT,
        2,
    )
    assert (delivered.sent_at, delivered.last_error) == (later, None)
    (sent,) = app.invoicing.sent(order_id)
    assert (sent.id, sent.number, sent.delivered_at) == (delivery.sent.id, "INV-00001", later)
    assert len(mailer_of(app)) == 1
    assert sent.message == mailer_of(app).last.as_bytes()
    assert sent.email()["Date"].datetime == NOW  # dated when it was sent, not delivered
    # and further runs, however late, never send it again
    for _ in range(3):
        clock_of(app).move(dt.timedelta(days=1))
        assert app.outbox.deliver_due() == []
    assert app.outbox.deliver(delivered.id) == app.outbox.messages()[0]
    assert mailer_of(app).attempts == 2


def test_after_its_last_attempt_a_message_is_failed_and_retry_puts_it_back() -> None:
    # given a mail server that stays down, and three attempts at most
    backoff = Backoff(
        first=dt.timedelta(minutes=1), longest=dt.timedelta(minutes=90), max_attempts=3
    )
    app = make_app(backoff=backoff)
    order_id = quickstart_draft(app)
    mailer_of(app).down = ConnectionRefusedError(111, "Connection refused")
    delivery = app.invoicing.send(order_id)
    waits = [delivery.message.next_attempt_at]
    # when the dispatcher tries whenever the message is due
    ends = []
    for _ in range(2):
        due = app.outbox.messages()[0].next_attempt_at
        assert due is not None
        clock_of(app).at = due
        ends.extend(app.outbox.deliver_due())
        waits.append(ends[-1].next_attempt_at)
    # then each wait doubles, and after the third attempt it gives up
    assert waits[:2] == [NOW + dt.timedelta(minutes=1), NOW + dt.timedelta(minutes=3)]
    assert [m.attempts for m in ends] == [2, 3]
    failed = ends[-1]
    assert failed.status is MessageStatus.FAILED
    assert app.outbox.messages(status=MessageStatus.FAILED) == [failed]
    clock_of(app).move(dt.timedelta(days=7))
    assert app.outbox.deliver_due() == []
    assert mailer_of(app).attempts == backoff.max_attempts
    # when a person puts it back, the server being up again
    mailer_of(app).down = None
    retried = app.outbox.retry(failed.id)
    # then it is due now, with a fresh count, and the dispatcher delivers it
    assert (retried.status, retried.attempts, retried.next_attempt_at) == (
        MessageStatus.PENDING,
        0,
        clock_of(app).at,
    )
    (delivered,) = app.outbox.deliver_due()
    assert (delivered.status, delivered.attempts) == (MessageStatus.SENT, 1)
    assert app.invoicing.sent(order_id)[0].message == mailer_of(app).last.as_bytes()
    assert len(mailer_of(app)) == 1


@pytest.mark.parametrize("deliver_now", [True, False], ids=["sent", "pending"])
def test_retry_refuses_a_message_that_has_not_failed(deliver_now: bool) -> None:
    app = make_app(deliver_now=deliver_now)
    message = app.invoicing.send(quickstart_draft(app)).message
    with pytest.raises(ValidationError) as caught:
        app.outbox.retry(message.id)
    assert caught.value.field == "message"
    assert app.outbox.messages() == [message]


class ProcessDied(BaseException):
    """The dispatcher's process ends here (killed, out of memory): nothing after runs."""


class DiesAfterHandingOver(Mailer):
    """A mail server that takes the message, then the dispatcher's process dies, once."""

    def __init__(self) -> None:
        super().__init__()
        self.dies = True

    def send(self, message: EmailMessage) -> None:
        super().send(message)
        if self.dies:
            self.dies = False
            raise ProcessDied


def test_a_dispatcher_that_dies_after_handing_over_leaves_the_message_to_its_lease() -> None:
    # given an email queued, and a dispatcher that dies right after the server took it
    app = make_app(mailer=DiesAfterHandingOver(), deliver_now=False)
    order_id = quickstart_draft(app)
    delivery = app.invoicing.send(order_id)
    with pytest.raises(ProcessDied):
        app.outbox.deliver_due()
    # then the message is still taken, and no other dispatcher takes it while the lease runs
    (taken,) = app.outbox.messages()
    assert (taken.status, taken.lease_until) == (MessageStatus.SENDING, NOW + LEASE)
    assert not app.invoicing.sent(order_id)[0].delivered
    clock_of(app).move(LEASE - dt.timedelta(seconds=1))
    assert app.outbox.deliver_due() == []
    # when the lease has run out: this is the one window where an email goes out twice
    clock_of(app).move(dt.timedelta(seconds=1))
    (delivered,) = app.outbox.deliver_due()
    # then
    assert (delivered.id, delivered.status) == (delivery.message.id, MessageStatus.SENT)
    assert len(mailer_of(app)) == 2
    first, second = mailer_of(app).sent
    assert first["Message-ID"] == second["Message-ID"]  # the same message, for mail systems
    assert app.invoicing.sent(order_id)[0].message == mailer_of(app).last.as_bytes()
    assert app.outbox.deliver_due() == []


def test_a_failed_resend_keeps_the_order_and_the_first_record() -> None:
    # given
    app = make_app()
    order_id = quickstart_draft(app)
    first = app.invoicing.send(order_id)
    mailer_of(app).down = ConnectionRefusedError(111, "Connection refused")
    # when
    again = app.invoicing.resend(order_id)
    # then the order is as it was; the re-send is recorded and waits in the outbox
    assert app.drafts.get(order_id) == first.order
    assert app.invoicing.sent(order_id) == [first.sent, again.sent]
    assert (first.sent.delivered, again.sent.delivered) == (True, False)
    assert (again.sent.resent, again.sent.number) == (True, first.sent.number)
    assert [m.status for m in app.outbox.messages(order_id=order_id)] == [
        MessageStatus.SENT,
        MessageStatus.PENDING,
    ]


# -- sends refused before anything is kept ---------------------------------------------------


def test_without_a_recipient_nothing_is_sent() -> None:
    # given an order with no customer, and no address given
    app = make_app()
    order_id = quickstart_draft(app, customer=None)
    before = app.drafts.get(order_id)
    # when
    with pytest.raises(ValidationError) as caught:
        app.invoicing.send(order_id)
    # then
    assert caught.value.field == "to"
    assert_nothing_sent(app, order_id, before)


def test_a_customer_without_an_email_and_no_address_given_is_refused() -> None:
    app = make_app()
    order_id = quickstart_draft(app, customer=Customer(id="C2", name="Grace Hopper"))
    with pytest.raises(ValidationError, match="to="):
        app.invoicing.send(order_id)


def test_a_seller_without_an_email_cannot_send() -> None:
    # given
    app = make_app(seller=Party(name="Tea & Mugs Co."))
    order_id = quickstart_draft(app)
    before = app.drafts.get(order_id)
    # when
    with pytest.raises(ValidationError) as caught:
        app.invoicing.send(order_id)
    # then
    assert caught.value.field == "seller"
    assert_nothing_sent(app, order_id, before)


def test_a_shop_with_the_default_seller_cannot_send() -> None:
    app = ShopApp(Shop(CATALOG, context=CONTEXT, attach_pdf=False), Ports(clock=MovingClock()))
    order_id = quickstart_draft(app)
    with pytest.raises(ValidationError) as caught:
        app.invoicing.send(order_id)
    assert caught.value.field == "seller"


INJECTED: dict[str, tuple[Customer, Party, dict[str, str]]] = {
    "customer-name": (attrs.evolve(ADA, name="Ada\nBcc: eve@evil.example"), SELLER, {}),
    "customer-name-lsep": (attrs.evolve(ADA, name="Ada\u2028Lovelace"), SELLER, {}),
    "subject": (ADA, SELLER, {"subject": "Invoice\nBcc: x@y.z"}),
    "subject-body": (ADA, SELLER, {"subject": "Invoice\r\n\r\nPay to IBAN XX00 instead"}),
    "seller-name": (ADA, attrs.evolve(SELLER, name="Tea & Mugs\r\nBcc: x@y.z"), {}),
}
"""Header values with a line break: the send checks every header of the email it queues."""


@pytest.mark.parametrize(
    ("customer", "seller", "arguments"),
    [
        *(pytest.param(*case, id=name) for name, case in INJECTED.items()),
        pytest.param(ADA, SELLER, {"to": "ada@example.com\nBcc: x@y.z"}, id="to"),
    ],
)
def test_a_line_break_bound_for_a_header_raises_and_nothing_is_sent(
    customer: Customer, seller: Party, arguments: dict[str, str]
) -> None:
    # given
    app = make_app(seller=seller)
    order_id = quickstart_draft(app, customer=customer)
    before = app.drafts.get(order_id)
    # when
    with pytest.raises(HeaderInjection):
        app.invoicing.send(order_id, **arguments)
    # then
    assert_nothing_sent(app, order_id, before)


def test_a_queued_message_that_cannot_be_composed_fails_and_never_reaches_the_mail_server() -> None:
    # given a queued invoice email whose record was spoilt in the store afterwards (a subject
    # with a line break, as no send lets through)
    app = make_app(deliver_now=False, backoff=Backoff(max_attempts=2))
    order_id = quickstart_draft(app)
    queued = app.invoicing.send(order_id)
    with app.ports.store.unit() as unit:
        unit.invoices.replace(attrs.evolve(queued.sent, subject="Invoice\nBcc: x@y.z"))
    # when the dispatcher tries it until it gives up
    app.outbox.deliver_due()
    clock_of(app).move(dt.timedelta(days=1))
    app.outbox.deliver_due()
    # then no email reached the mailer, and the message is failed with the reason
    assert mailer_of(app).attempts == 0
    [message] = app.outbox.messages()
    assert message.status is MessageStatus.FAILED
    assert message.attempts == 2
    assert "HeaderInjection" in (message.last_error or "")
    assert [s.delivered for s in app.invoicing.sent(order_id)] == [False]


def test_an_order_without_lines_is_not_invoiced() -> None:
    # given
    app = make_app()
    order = app.drafts.create(customer=ADA)
    # when
    with pytest.raises(ValidationError) as caught:
        app.invoicing.send(order.id)
    # then
    assert caught.value.field == "lines"
    assert_nothing_sent(app, order.id, order)


def test_a_completed_order_is_not_invoiced() -> None:
    # given
    app = make_app()
    order_id = quickstart_draft(app)
    completed = app.drafts.complete_unpaid(order_id).order
    # when
    with pytest.raises(InvalidTransition) as caught:
        app.invoicing.send(order_id)
    # then
    assert (caught.value.status, caught.value.action) == ("completed", "send_invoice")
    assert_nothing_sent(app, order_id, completed)


# -- re-sending -------------------------------------------------------------------------------


def test_resending_keeps_the_number_and_the_version_and_adds_a_record() -> None:
    # given
    app = make_app()
    order_id = quickstart_draft(app)
    first = app.invoicing.send(order_id)
    # when
    again = app.invoicing.resend(order_id)
    # then
    assert again.sent.number == first.sent.number == "INV-00001"
    assert again.sent.invoice.order_version == first.order.version
    assert again.order == first.order
    assert app.drafts.get(order_id) == first.order
    assert again.events == (InvoiceSent(order_id, first.order.version, TOTAL, resent=True),)
    assert (first.sent.resent, again.sent.resent) == (False, True)
    assert again.sent.id != first.sent.id
    assert app.invoicing.sent(order_id) == [first.sent, again.sent]
    sent = mailer_of(app).sent
    assert [m["Subject"] for m in sent] == ["Invoice INV-00001 from Tea & Mugs Co."] * 2
    assert sent[0]["Message-ID"] != sent[1]["Message-ID"]
    assert [m.as_bytes() for m in sent] == [first.sent.message, again.sent.message]


def test_a_resend_on_a_later_day_keeps_the_issue_and_due_dates() -> None:
    # given
    app = make_app()
    order_id = quickstart_draft(app)
    first = app.invoicing.send(order_id).sent
    later = clock_of(app).move(dt.timedelta(days=3))
    # when
    again = app.invoicing.resend(order_id).sent
    # then
    assert (again.invoice.issue_date, again.invoice.due_date) == (
        first.invoice.issue_date,
        first.invoice.due_date,
    )
    assert (again.sent_at, again.delivered_at) == (later, later)
    assert again.email()["Date"].datetime == later


def test_a_resent_invoice_is_the_invoice_first_sent() -> None:
    app = make_app()
    order_id = quickstart_draft(app)
    first = app.invoicing.send(order_id).sent
    again = app.invoicing.resend(order_id).sent
    assert again.invoice == first.invoice


def test_a_resend_shows_what_was_paid_since() -> None:
    # given an invoice sent, then part of it paid
    app = make_app()
    order_id = quickstart_draft(app)
    first = app.invoicing.send(order_id)
    paid = app.cashier.record_payment(order_id, money("20.00")).order
    # when
    again = app.invoicing.resend(order_id)
    # then the same invoice, number and version, with what is left to pay
    invoice = again.sent.invoice
    assert (invoice.number, invoice.order_version) == ("INV-00001", first.order.version)
    assert (invoice.total, invoice.amount_paid, invoice.amount_due) == (
        TOTAL,
        money("20.00"),
        money("44.13"),
    )
    assert invoice == attrs.evolve(
        first.sent.invoice, amount_paid=money("20.00"), amount_due=money("44.13")
    )
    assert "$44.13" in again.sent.text
    assert again.order == paid == app.drafts.get(order_id)


def test_a_resend_keeps_its_checkout_link_unless_another_is_given() -> None:
    # given
    app = make_app()
    order_id = quickstart_draft(app)
    app.invoicing.send(order_id, checkout_url="https://shop.example/pay/1")
    # when
    kept = app.invoicing.resend(order_id).sent
    changed = app.invoicing.resend(order_id, checkout_url="https://shop.example/pay/2").sent
    # then
    assert kept.invoice.checkout_url == "https://shop.example/pay/1"
    assert changed.invoice.checkout_url == "https://shop.example/pay/2"
    assert 'href="https://shop.example/pay/2"' in changed.html


def test_a_draft_cannot_be_resent() -> None:
    # given
    app = make_app()
    order_id = quickstart_draft(app)
    before = app.drafts.get(order_id)
    # when
    with pytest.raises(InvalidTransition) as caught:
        app.invoicing.resend(order_id)
    # then
    assert (caught.value.status, caught.value.action) == ("draft", "resend_invoice")
    assert_nothing_sent(app, order_id, before)


def test_after_reverting_and_repricing_a_new_number_is_issued() -> None:
    # given
    app = make_app()
    order_id = quickstart_draft(app)
    first = app.invoicing.send(order_id)
    reverted = app.drafts.revert_to_draft(order_id)
    app.drafts.edit(order_id, lambda o: o.set_unit_price("L2", "7.50"))
    # when
    second = app.invoicing.send(order_id)
    # then
    assert reverted.events == (
        RevertedToDraft(order_id, first.order.version, reverted.order.version),
    )
    assert second.sent.number == "INV-00002"
    assert second.events == (
        InvoiceSent(order_id, second.order.version, second.order.invoiced_total),
    )
    assert second.order.version == reverted.order.version + 2
    assert second.order.invoiced_total != TOTAL
    assert [s.number for s in app.invoicing.sent(order_id)] == ["INV-00001", "INV-00002"]
    assert app.invoicing.sent(order_id)[0] == first.sent
    assert app.invoicing.sent(order_id)[0].invoice.total == TOTAL


def test_after_reverting_without_changes_sending_still_issues_a_new_number() -> None:
    # given
    app = make_app()
    order_id = quickstart_draft(app)
    app.invoicing.send(order_id)
    app.drafts.revert_to_draft(order_id)
    # when
    second = app.invoicing.send(order_id)
    # then
    assert second.sent.number == "INV-00002"
    assert second.events[0] == InvoiceSent(order_id, second.order.version, TOTAL, resent=False)


def test_a_resend_after_a_promotion_was_used_up_is_outdated_and_nothing_is_sent() -> None:
    # given order A invoiced with a once-only promotion, then order B completed with it
    book = PromotionBook(
        [Promotion("ONCE", "5.00 off once", OrderAmountOff(money("5.00")), usage_limit=1)]
    )
    app = make_app(context=attrs.evolve(CONTEXT, promotions=book))
    order_id = quickstart_draft(app)
    first = app.invoicing.send(order_id)
    assert "5.00 off once" in first.sent.text
    other = app.drafts.duplicate(order_id)
    app.drafts.complete_unpaid(other.id)
    # when
    with pytest.raises(InvoiceOutdated) as caught:
        app.invoicing.resend(order_id)
    # then
    assert (caught.value.invoiced, caught.value.now) == (first.order.invoiced_total, TOTAL)
    assert app.drafts.get(order_id) == first.order
    assert app.invoicing.sent(order_id) == [first.sent]
    assert len(app.outbox.messages()) == len(mailer_of(app)) == 1


def test_a_resend_after_the_shop_changed_a_rule_is_outdated() -> None:
    # given an invoice sent, then the shop redeployed without its sales tax
    app = make_app()
    order_id = quickstart_draft(app)
    first = app.invoicing.send(order_id)
    changed = ShopApp(attrs.evolve(app.shop, context=attrs.evolve(CONTEXT, tax=None)), app.ports)
    # when
    with pytest.raises(InvoiceOutdated) as caught:
        changed.invoicing.resend(order_id)
    # then
    assert caught.value.invoiced == TOTAL
    assert caught.value.now != TOTAL
    assert app.invoicing.sent(order_id) == [first.sent]
    assert len(mailer_of(app)) == 1


# -- concurrent changes -----------------------------------------------------------------------


class ChangedBeforeWriting(InMemoryStore):
    """A store where another writer's change (``meanwhile``) lands just before the next unit
    that writes: after the shop has read and priced the order, before it writes."""

    def __init__(self) -> None:
        super().__init__()
        self.meanwhile: Callable[[], object] | None = None

    @contextlib.contextmanager
    def unit(self, *, write: bool = True) -> Iterator[Any]:
        if write and self.meanwhile is not None:
            change, self.meanwhile = self.meanwhile, None
            change()
        with super().unit(write=write) as unit:
            yield unit


def test_an_edit_saved_between_pricing_and_sending_is_a_conflict_and_nothing_is_sent() -> None:
    # given
    store = ChangedBeforeWriting()
    app = make_app(store=store)
    order_id = quickstart_draft(app)
    store.meanwhile = lambda: app.drafts.edit(
        order_id, lambda o: o.set_notes("changed by someone else")
    )
    # when
    with pytest.raises(ConcurrencyConflict) as caught:
        app.invoicing.send(order_id)
    # then
    stored = app.drafts.get(order_id)
    assert (stored.status, stored.notes) == (Status.DRAFT, "changed by someone else")
    assert caught.value.stored == stored.version
    assert_nothing_sent(app, order_id, stored)


def test_two_sends_of_one_order_at_once_give_one_number_and_one_email() -> None:
    # given two processes of the shop on one store, sending the same order at once
    store = ChangedBeforeWriting()
    app = make_app(store=store)
    other = ShopApp(app.shop, app.ports)
    order_id = quickstart_draft(app)
    won: list[str] = []
    store.meanwhile = lambda: won.append(other.invoicing.send(order_id).sent.number)
    # when
    with pytest.raises(ConcurrencyConflict):
        app.invoicing.send(order_id)
    # then
    assert won == ["INV-00001"]
    assert [s.number for s in app.invoicing.sent(order_id)] == ["INV-00001"]
    assert len(app.outbox.messages()) == len(mailer_of(app)) == 1


class ChangedWhileDelivering(Mailer):
    """A mailer during whose send another writer changes the order (reverts it to draft)."""

    def __init__(self) -> None:
        super().__init__()
        self.app: ShopApp | None = None

    def send(self, message: EmailMessage) -> None:
        super().send(message)
        assert self.app is not None
        order_id = self.app.outbox.messages()[-1].order_id
        assert order_id is not None
        with contextlib.suppress(DraftOrdersError):
            self.app.drafts.revert_to_draft(order_id)


def test_every_invoice_email_that_went_out_is_recorded() -> None:
    # given
    mailer = ChangedWhileDelivering()
    app = make_app(mailer=mailer)
    mailer.app = app
    order_id = quickstart_draft(app)
    # when
    delivery = app.invoicing.send(order_id)
    # then the change during delivery does not undo the record of what went out
    assert app.drafts.get(order_id).status is Status.DRAFT
    assert len(mailer) == 1
    assert [s.email()["Message-ID"] for s in app.invoicing.sent(order_id)] == [
        mailer.last["Message-ID"]
    ]
    assert delivery.delivered
    assert app.outbox.messages() == [delivery.message]

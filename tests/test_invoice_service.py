"""Invoices through the service: previews, sending (lock, event, snapshot, outbox), numbering,
locales, failed sends that change nothing, header injection, re-sending, and stale invoices.

PDFs are off here (``attach_pdf=False``) except where a test is about the attachment, and then
the renderer is replaced by a stub; a real PDF is checked end to end in test_smtp.py.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import runpy
from email.message import EmailMessage
from pathlib import Path

import attrs
import pytest

import draftorders.invoice.email as invoice_email_module
from builders import money
from draftorders import (
    ConcurrencyConflict,
    Customer,
    DeliveryFailed,
    DraftOrder,
    DraftOrdersError,
    DraftOrderService,
    FixedClock,
    HeaderInjection,
    InMemoryStore,
    InvalidTransition,
    InvoiceNumbering,
    InvoiceOutdated,
    InvoiceSent,
    MissingExtra,
    Outbox,
    Party,
    RevertedToDraft,
    Status,
    ValidationError,
)
from draftorders.invoice import InvoiceStatus
from draftorders.promotions import OrderAmountOff, Promotion, PromotionBook, PromotionUsage

quickstart = runpy.run_path(str(Path(__file__).parent.parent / "examples" / "quickstart.py"))
CATALOG, CONTEXT = quickstart["CATALOG"], quickstart["CONTEXT"]

NOW = dt.datetime(2026, 1, 31, 9, 30, tzinfo=dt.UTC)
SELLER = Party(name="Tea & Mugs Co.", email="billing@teamugs.example")
ADA = Customer(id="C1", name="Ada Lovelace", email="ada@example.com")
TOTAL = money("64.13")
"""The quickstart order's total (see test_quickstart.py)."""


class Clock:
    """A clock the test moves."""

    def __init__(self, at: dt.datetime = NOW) -> None:
        self.at = at

    def now(self) -> dt.datetime:
        return self.at

    def today(self) -> dt.date:
        return self.at.date()


def make_shop(**ports: object) -> DraftOrderService:
    settings: dict[str, object] = {
        "context": CONTEXT,
        "seller": SELLER,
        "clock": FixedClock(NOW),
        "attach_pdf": False,
    }
    settings.update(ports)
    return DraftOrderService(CATALOG, **settings)  # type: ignore[arg-type]


def quickstart_draft(
    shop: DraftOrderService, customer: Customer | None = ADA, order_id: str = "D1001"
) -> str:
    """Save the quickstart order (total 64.13) under ``order_id`` for ``customer``."""
    order = quickstart["build_order"]()
    if order_id != order.id:
        order = order.duplicate(order_id, order.order_date)
    if customer is not None:
        order = order.set_customer(customer)
    shop.save(order)
    return str(order.id)


def outbox(shop: DraftOrderService) -> Outbox:
    assert isinstance(shop.mailer, Outbox)
    return shop.mailer


def leaves(message: EmailMessage) -> list[tuple[str, object]]:
    """Each non-multipart part's type and content, text with newlines for line ends."""
    found: list[tuple[str, object]] = []
    for part in message.walk():
        if not part.is_multipart():
            content = part.get_content()
            if isinstance(content, str):
                content = content.replace("\r\n", "\n")
            found.append((part.get_content_type(), content))
    return found


def assert_nothing_sent(shop: DraftOrderService, order_id: str, before: DraftOrder) -> None:
    """The order is as it was, nothing went to the mailer, nothing was archived or recorded,
    and the next invoice of the shop still gets the first number."""
    assert shop.get(order_id) == before
    assert shop.sent_invoices(order_id) == []
    assert shop.events == []
    if isinstance(shop.mailer, Outbox):
        assert len(shop.mailer) == 0
    shop.mailer, shop.seller, shop.attach_pdf = Outbox(), SELLER, False
    other = quickstart_draft(shop, order_id="D2001")
    assert shop.send_invoice(other).sent.number == "INV-00001"


# -- preview ----------------------------------------------------------------------------------


def test_a_draft_previews_as_priced_now_without_a_number() -> None:
    # given
    shop = make_shop()
    order_id = quickstart_draft(shop)
    before = shop.get(order_id)
    # when
    preview = shop.preview_invoice(order_id)
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
    assert_nothing_sent(shop, order_id, before)


def test_after_sending_the_preview_is_the_invoice_that_was_sent() -> None:
    # given
    shop = make_shop()
    order_id = quickstart_draft(shop)
    delivery = shop.send_invoice(order_id)
    # when
    preview = shop.preview_invoice(order_id)
    # then
    assert preview == delivery.sent.invoice
    assert (preview.status, preview.number) == (InvoiceStatus.ISSUED, "INV-00001")


def test_after_reverting_to_draft_the_preview_is_a_preview_again() -> None:
    # given
    shop = make_shop()
    order_id = quickstart_draft(shop)
    shop.send_invoice(order_id)
    reverted = shop.revert_to_draft(order_id).order
    # when
    preview = shop.preview_invoice(order_id)
    # then
    assert (preview.status, preview.number) == (InvoiceStatus.PREVIEW, None)
    assert preview.order_version == reverted.version


# -- sending ----------------------------------------------------------------------------------


def test_sending_locks_the_order_and_records_invoice_sent() -> None:
    # given
    shop = make_shop()
    order_id = quickstart_draft(shop)
    draft = shop.get(order_id)
    # when
    delivery = shop.send_invoice(order_id)
    # then
    order = delivery.order
    assert (order.status, order.version, order.invoiced_total) == (
        Status.INVOICE_SENT,
        draft.version + 1,
        TOTAL,
    )
    assert order.is_locked
    assert shop.get(order_id) == order
    assert delivery.events == (InvoiceSent(order_id, order.version, TOTAL),)
    assert shop.events == list(delivery.events)


def test_sending_keeps_a_snapshot_of_what_was_sent() -> None:
    # given
    shop = make_shop()
    order_id = quickstart_draft(shop)
    # when
    delivery = shop.send_invoice(order_id)
    # then
    sent = delivery.sent
    assert shop.sent_invoices(order_id) == [sent]
    assert (sent.order_id, sent.number, sent.recipient) == (
        order_id,
        "INV-00001",
        "ada@example.com",
    )
    assert sent.subject == "Invoice INV-00001 from Tea & Mugs Co."
    assert (sent.locale, sent.sent_at, sent.pdf) == ("en_US", NOW, None)
    assert sent.invoice.status is InvoiceStatus.ISSUED
    assert (sent.invoice.total, sent.invoice.issue_date) == (TOTAL, NOW.date())
    for rendering in (sent.html, sent.text):
        assert "$64.13" in rendering
        assert "INV-00001" in rendering
    assert "INVOICE INV-00001" in sent.text


def test_the_snapshot_message_bytes_parse_back_to_the_email() -> None:
    # given
    shop = make_shop()
    order_id = quickstart_draft(shop)
    sent = shop.send_invoice(order_id).sent
    # when
    message = sent.email()
    # then
    assert message["Subject"] == sent.subject
    assert str(message["To"]) == "Ada Lovelace <ada@example.com>"
    assert str(message["From"]) == '"Tea & Mugs Co." <billing@teamugs.example>'
    assert message["Date"].datetime == NOW
    assert leaves(message) == [("text/plain", sent.text), ("text/html", sent.html)]


def test_the_email_goes_to_the_outbox_by_default() -> None:
    # given
    shop = make_shop()
    order_id = quickstart_draft(shop)
    # when
    sent = shop.send_invoice(order_id).sent
    # then
    last = outbox(shop).last
    assert len(outbox(shop)) == 1
    assert last["Message-ID"] == sent.email()["Message-ID"]
    assert last["Subject"] == sent.subject
    assert leaves(last) == leaves(sent.email())


def test_the_snapshot_bytes_are_the_bytes_of_the_message_in_the_outbox() -> None:
    shop = make_shop()
    sent = shop.send_invoice(quickstart_draft(shop)).sent
    assert outbox(shop).last.as_bytes() == sent.message


def test_to_sends_to_another_address_under_the_buyer_name() -> None:
    # given
    shop = make_shop()
    order_id = quickstart_draft(shop)
    # when
    sent = shop.send_invoice(order_id, to="accounts@analytical.example").sent
    # then
    assert sent.recipient == "accounts@analytical.example"
    assert str(outbox(shop).last["To"]) == "Ada Lovelace <accounts@analytical.example>"


def test_an_order_without_a_customer_is_sent_to_the_address_given() -> None:
    # given
    shop = make_shop()
    order_id = quickstart_draft(shop, customer=None)
    # when
    sent = shop.send_invoice(order_id, to="ada@example.com").sent
    # then
    assert sent.recipient == "ada@example.com"
    assert str(outbox(shop).last["To"]) == "ada@example.com"


def test_a_subject_can_be_given() -> None:
    # given
    shop = make_shop()
    order_id = quickstart_draft(shop)
    # when
    sent = shop.send_invoice(order_id, subject="Your mugs: invoice attached").sent
    # then
    assert sent.subject == "Your mugs: invoice attached"
    assert outbox(shop).last["Subject"] == "Your mugs: invoice attached"


def test_the_checkout_link_is_in_the_html_and_the_text() -> None:
    # given
    shop = make_shop()
    order_id = quickstart_draft(shop)
    url = "https://shop.example/pay/D1001?token=3f9a1c"
    # when
    sent = shop.send_invoice(order_id, checkout_url=url).sent
    # then
    assert sent.invoice.checkout_url == url
    assert f'href="{url}"' in sent.html
    assert f"Pay online: {url}" in sent.text


def test_a_checkout_link_is_escaped_in_the_html() -> None:
    # given
    shop = make_shop()
    order_id = quickstart_draft(shop)
    url = 'https://shop.example/pay?x="><script>alert(1)</script>'
    # when
    sent = shop.send_invoice(order_id, checkout_url=url).sent
    # then
    assert "<script>" not in sent.html
    assert "&lt;script&gt;" in sent.html
    assert url in sent.text


def test_without_a_checkout_link_there_is_no_pay_online_line() -> None:
    shop = make_shop()
    sent = shop.send_invoice(quickstart_draft(shop)).sent
    assert "Pay online" not in sent.text
    assert "Pay online" not in sent.html


# -- numbering --------------------------------------------------------------------------------


def test_invoice_numbers_are_a_sequence_of_their_own() -> None:
    # given two orders, the second sent first
    shop = make_shop()
    first = quickstart_draft(shop, order_id="D1001")
    second = quickstart_draft(shop, order_id="D1002")
    # when
    numbers = [shop.send_invoice(order_id).sent.number for order_id in (second, first)]
    # then
    assert numbers == ["INV-00001", "INV-00002"]
    assert [shop.sent_invoices(o)[0].number for o in (first, second)] == ["INV-00002", "INV-00001"]


def test_a_custom_numbering_format_is_used() -> None:
    # given
    shop = make_shop(invoice_numbering=InvoiceNumbering("{year}-{month:02d}/{number:04d}"))
    orders = [quickstart_draft(shop, order_id=f"D100{n}") for n in (1, 2)]
    # when
    numbers = [shop.send_invoice(order_id).sent.number for order_id in orders]
    # then
    assert numbers == ["2026-01/0001", "2026-01/0002"]
    assert outbox(shop).last["Subject"] == "Invoice 2026-01/0002 from Tea & Mugs Co."


# -- locales ----------------------------------------------------------------------------------


def test_a_german_customer_gets_a_german_invoice() -> None:
    # given
    shop = make_shop()
    order_id = quickstart_draft(shop, customer=attrs.evolve(ADA, locale="de_DE"))
    # when
    sent = shop.send_invoice(order_id).sent
    # then
    assert sent.locale == "de_DE"
    assert sent.subject == "Rechnung INV-00001 von Tea & Mugs Co."
    assert outbox(shop).last["Subject"] == sent.subject
    assert "RECHNUNG INV-00001" in sent.text
    assert "64,13\u00a0$" in sent.text
    assert "64,13\u00a0$" in sent.html
    assert 'lang="de-DE"' in sent.html


def test_the_locale_given_wins_over_the_customers() -> None:
    # given
    shop = make_shop()
    order_id = quickstart_draft(shop, customer=attrs.evolve(ADA, locale="de_DE"))
    # when
    sent = shop.send_invoice(order_id, locale="en_US").sent
    # then
    assert sent.locale == "en_US"
    assert sent.subject == "Invoice INV-00001 from Tea & Mugs Co."
    assert "INVOICE INV-00001" in sent.text
    assert "$64.13" in sent.text


def test_without_a_customer_locale_the_shops_locale_is_used() -> None:
    # given
    shop = make_shop(locale="fr_FR")
    order_id = quickstart_draft(shop)
    # when
    sent = shop.send_invoice(order_id).sent
    # then
    assert sent.locale == "fr_FR"
    assert sent.subject == "Facture INV-00001 de Tea & Mugs Co."


def test_an_unknown_locale_is_refused_and_nothing_is_sent() -> None:
    # given
    shop = make_shop()
    order_id = quickstart_draft(shop)
    before = shop.get(order_id)
    # when
    with pytest.raises(ValidationError) as caught:
        shop.send_invoice(order_id, locale="xx_NOWHERE")
    # then
    assert caught.value.field == "locale"
    assert_nothing_sent(shop, order_id, before)


# -- PDF --------------------------------------------------------------------------------------

FAKE_PDF = b"%PDF-1.7\n% stub\n"


def test_by_default_the_pdf_is_attached_when_it_can_be_rendered(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given
    monkeypatch.setattr(invoice_email_module, "pdf_available", lambda: True)
    monkeypatch.setattr(invoice_email_module, "render_pdf", lambda invoice, locale: FAKE_PDF)
    shop = make_shop(attach_pdf=None)
    order_id = quickstart_draft(shop)
    # when
    sent = shop.send_invoice(order_id).sent
    # then
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
    shop = make_shop(attach_pdf=None)
    order_id = quickstart_draft(shop)
    # when
    sent = shop.send_invoice(order_id).sent
    # then
    assert sent.pdf is None
    assert list(sent.email().iter_attachments()) == []
    assert sent.email().get_content_type() == "multipart/alternative"


def test_a_required_pdf_that_cannot_be_rendered_changes_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given
    def no_weasyprint(invoice: object, locale: object) -> bytes:
        raise MissingExtra("pdf", "rendering an invoice as PDF", ImportError("weasyprint"))

    monkeypatch.setattr(invoice_email_module, "render_pdf", no_weasyprint)
    shop = make_shop(attach_pdf=True)
    order_id = quickstart_draft(shop)
    before = shop.get(order_id)
    # when
    with pytest.raises(MissingExtra):
        shop.send_invoice(order_id)
    # then
    assert_nothing_sent(shop, order_id, before)


# -- failed sends -----------------------------------------------------------------------------


class Unreachable:
    """A mailer whose server cannot be reached."""

    def __init__(self) -> None:
        self.error = ConnectionRefusedError(111, "Connection refused")

    def send(self, message: EmailMessage) -> None:
        raise self.error


class Refusing:
    """A mailer that reports its own failure."""

    def __init__(self) -> None:
        self.error = DeliveryFailed("smtp", "smtp.example.com:587 did not take the message")

    def send(self, message: EmailMessage) -> None:
        raise self.error


@pytest.mark.parametrize("mailer_type", [Unreachable, Refusing])
def test_a_failing_mailer_leaves_the_draft_as_it_was_and_uses_no_number(
    mailer_type: type[Unreachable] | type[Refusing],
) -> None:
    # given one invoice already sent, then a mailer that fails
    shop = make_shop()
    shop.send_invoice(quickstart_draft(shop, order_id="D1001"))
    order_id = quickstart_draft(shop, order_id="D1002")
    before = shop.get(order_id)
    events = list(shop.events)
    mailer = mailer_type()
    shop.mailer = mailer
    # when
    with pytest.raises(DeliveryFailed) as caught:
        shop.send_invoice(order_id)
    # then
    if isinstance(mailer, Refusing):
        assert caught.value is mailer.error
    else:
        assert caught.value.__cause__ is mailer.error
    after = shop.get(order_id)
    assert after == before
    assert (after.status, after.version) == (Status.DRAFT, before.version)
    assert shop.sent_invoices(order_id) == []
    assert shop.events == events
    # and the next send that works gets the number the failed one would have had
    shop.mailer = Outbox()
    assert shop.send_invoice(order_id).sent.number == "INV-00002"


def test_a_failed_resend_keeps_the_order_and_its_one_snapshot() -> None:
    # given
    shop = make_shop()
    order_id = quickstart_draft(shop)
    first = shop.send_invoice(order_id)
    shop.mailer = Unreachable()
    # when
    with pytest.raises(DeliveryFailed):
        shop.send_invoice(order_id)
    # then
    assert shop.get(order_id) == first.order
    assert shop.sent_invoices(order_id) == [first.sent]
    assert shop.events == list(first.events)


def test_without_a_recipient_nothing_is_sent() -> None:
    # given an order with no customer, and no address given
    shop = make_shop()
    order_id = quickstart_draft(shop, customer=None)
    before = shop.get(order_id)
    # when
    with pytest.raises(ValidationError) as caught:
        shop.send_invoice(order_id)
    # then
    assert caught.value.field == "to"
    assert_nothing_sent(shop, order_id, before)


def test_a_customer_without_an_email_and_no_address_given_is_refused() -> None:
    shop = make_shop()
    order_id = quickstart_draft(shop, customer=Customer(id="C2", name="Grace Hopper"))
    with pytest.raises(ValidationError, match="to="):
        shop.send_invoice(order_id)


def test_a_seller_without_an_email_cannot_send() -> None:
    # given
    shop = make_shop(seller=Party(name="Tea & Mugs Co."))
    order_id = quickstart_draft(shop)
    before = shop.get(order_id)
    # when
    with pytest.raises(ValidationError) as caught:
        shop.send_invoice(order_id)
    # then
    assert caught.value.field == "seller"
    assert_nothing_sent(shop, order_id, before)


def test_a_service_without_a_seller_cannot_send() -> None:
    shop = DraftOrderService(CATALOG, context=CONTEXT, clock=FixedClock(NOW), attach_pdf=False)
    order_id = quickstart_draft(shop)
    with pytest.raises(ValidationError) as caught:
        shop.send_invoice(order_id)
    assert caught.value.field == "seller"


@pytest.mark.parametrize(
    ("customer", "seller", "arguments"),
    [
        (attrs.evolve(ADA, name="Ada\nBcc: eve@evil.example"), SELLER, {}),
        (attrs.evolve(ADA, name="Ada\u2028Lovelace"), SELLER, {}),
        (ADA, SELLER, {"subject": "Invoice\nBcc: x@y.z"}),
        (ADA, SELLER, {"subject": "Invoice\r\n\r\nPay to IBAN XX00 instead"}),
        (ADA, SELLER, {"to": "ada@example.com\nBcc: x@y.z"}),
        (ADA, attrs.evolve(SELLER, name="Tea & Mugs\r\nBcc: x@y.z"), {}),
    ],
    ids=["customer-name", "customer-name-lsep", "subject", "subject-body", "to", "seller-name"],
)
def test_a_line_break_bound_for_a_header_raises_and_nothing_is_sent(
    customer: Customer, seller: Party, arguments: dict[str, str]
) -> None:
    # given
    shop = make_shop(seller=seller)
    order_id = quickstart_draft(shop, customer=customer)
    before = shop.get(order_id)
    # when
    with pytest.raises(HeaderInjection):
        shop.send_invoice(order_id, **arguments)
    # then
    assert_nothing_sent(shop, order_id, before)


def test_an_order_without_lines_is_not_invoiced() -> None:
    # given
    shop = make_shop()
    order = shop.create(customer=ADA)
    # when
    with pytest.raises(ValidationError) as caught:
        shop.send_invoice(order.id)
    # then
    assert caught.value.field == "lines"
    assert_nothing_sent(shop, order.id, order)


def test_a_completed_order_is_not_invoiced() -> None:
    # given
    shop = make_shop()
    order_id = quickstart_draft(shop)
    paid = shop.accept_payment(order_id).order
    shop.events.clear()
    # when
    with pytest.raises(InvalidTransition) as caught:
        shop.send_invoice(order_id)
    # then
    assert (caught.value.status, caught.value.action) == ("completed", "send_invoice")
    assert_nothing_sent(shop, order_id, paid)


# -- re-sending -------------------------------------------------------------------------------


def test_resending_keeps_the_number_and_the_version_and_adds_a_snapshot() -> None:
    # given
    shop = make_shop()
    order_id = quickstart_draft(shop)
    first = shop.send_invoice(order_id)
    # when
    again = shop.send_invoice(order_id)
    # then
    assert again.sent.number == first.sent.number == "INV-00001"
    assert again.order == first.order
    assert shop.get(order_id) == first.order
    assert again.events == (InvoiceSent(order_id, first.order.version, TOTAL, resent=True),)
    assert shop.events == [*first.events, *again.events]
    assert shop.sent_invoices(order_id) == [first.sent, again.sent]
    assert [m["Subject"] for m in outbox(shop).sent] == [first.sent.subject] * 2
    assert outbox(shop).sent[0]["Message-ID"] != outbox(shop).sent[1]["Message-ID"]


def test_a_resend_on_a_later_day_keeps_the_issue_and_due_dates() -> None:
    # given
    clock = Clock()
    shop = make_shop(clock=clock)
    order_id = quickstart_draft(shop)
    first = shop.send_invoice(order_id).sent
    clock.at = NOW + dt.timedelta(days=3)
    # when
    again = shop.send_invoice(order_id).sent
    # then
    assert (again.invoice.issue_date, again.invoice.due_date) == (
        first.invoice.issue_date,
        first.invoice.due_date,
    )
    assert again.sent_at == clock.at
    assert again.email()["Date"].datetime == clock.at


def test_a_resent_invoice_is_the_invoice_first_sent() -> None:
    shop = make_shop()
    order_id = quickstart_draft(shop)
    first = shop.send_invoice(order_id).sent
    again = shop.send_invoice(order_id).sent
    assert again.invoice == first.invoice


def test_after_reverting_and_repricing_a_new_number_is_issued() -> None:
    # given
    shop = make_shop()
    order_id = quickstart_draft(shop)
    first = shop.send_invoice(order_id)
    reverted = shop.revert_to_draft(order_id)
    shop.edit(order_id, lambda o: o.set_unit_price("L2", "7.50"))
    # when
    second = shop.send_invoice(order_id)
    # then
    assert second.sent.number == "INV-00002"
    assert second.events == (
        InvoiceSent(order_id, second.order.version, second.order.invoiced_total),
    )
    assert second.order.version == reverted.order.version + 2
    assert second.order.invoiced_total != TOTAL
    assert [s.number for s in shop.sent_invoices(order_id)] == ["INV-00001", "INV-00002"]
    assert shop.sent_invoices(order_id)[0] == first.sent
    assert shop.sent_invoices(order_id)[0].invoice.total == TOTAL
    assert isinstance(shop.events[1], RevertedToDraft)


def test_after_reverting_without_changes_sending_still_issues_a_new_number() -> None:
    # given
    shop = make_shop()
    order_id = quickstart_draft(shop)
    shop.send_invoice(order_id)
    shop.revert_to_draft(order_id)
    # when
    second = shop.send_invoice(order_id)
    # then
    assert second.sent.number == "INV-00002"
    assert second.events[0] == InvoiceSent(order_id, second.order.version, TOTAL, resent=False)


def test_a_resend_after_a_promotion_was_used_up_is_outdated_and_nothing_is_sent() -> None:
    # given order A invoiced with a once-only promotion, then order B paid with it
    book = PromotionBook(
        [Promotion("ONCE", "5.00 off once", OrderAmountOff(money("5.00")), usage_limit=1)]
    )
    shop = make_shop(context=attrs.evolve(CONTEXT, promotions=book))
    order_id = quickstart_draft(shop)
    first = shop.send_invoice(order_id)
    assert "5.00 off once" in first.sent.text
    other = shop.duplicate(order_id)
    shop.accept_payment(other.id)
    events = list(shop.events)
    # when
    with pytest.raises(InvoiceOutdated) as caught:
        shop.send_invoice(order_id)
    # then
    assert (caught.value.invoiced, caught.value.now) == (first.order.invoiced_total, TOTAL)
    assert shop.get(order_id) == first.order
    assert shop.sent_invoices(order_id) == [first.sent]
    assert len(outbox(shop)) == 1
    assert shop.events == events


def test_a_resend_after_the_shop_changed_a_rule_is_outdated() -> None:
    # given
    shop = make_shop()
    order_id = quickstart_draft(shop)
    first = shop.send_invoice(order_id)
    shop.context = attrs.evolve(shop.context, tax=None)
    # when
    with pytest.raises(InvoiceOutdated) as caught:
        shop.send_invoice(order_id)
    # then
    assert caught.value.invoiced == TOTAL
    assert caught.value.now != TOTAL
    assert shop.sent_invoices(order_id) == [first.sent]
    assert len(outbox(shop)) == 1


# -- concurrent edits -------------------------------------------------------------------------


class EditedWhilePricing(InMemoryStore):
    """A store where another writer saves a note on ``order_id`` while the service prices it
    (promotion usage is read while pricing)."""

    def __init__(self) -> None:
        super().__init__()
        self.order_id: str | None = None

    def promotion_usage(self) -> PromotionUsage:
        if self.order_id is not None:
            order_id, self.order_id = self.order_id, None
            stored = self.get(order_id)
            self.save(stored.set_notes("changed by someone else"), expected_version=stored.version)
        return super().promotion_usage()


def test_an_edit_saved_between_pricing_and_sending_is_a_conflict_and_nothing_is_sent() -> None:
    # given
    store = EditedWhilePricing()
    shop = make_shop(store=store)
    order_id = quickstart_draft(shop)
    store.order_id = order_id
    # when
    with pytest.raises(ConcurrencyConflict) as caught:
        shop.send_invoice(order_id)
    # then
    stored = shop.get(order_id)
    assert (stored.status, stored.notes) == (Status.DRAFT, "changed by someone else")
    assert caught.value.stored == stored.version
    assert_nothing_sent(shop, order_id, stored)


class EditedWhileSending(Outbox):
    """An outbox during whose send another writer saves an edit of the order."""

    def __init__(self, shop: DraftOrderService, order_id: str) -> None:
        super().__init__()
        self.shop, self.order_id = shop, order_id

    def send(self, message: EmailMessage) -> None:
        super().send(message)
        with contextlib.suppress(DraftOrdersError):
            self.shop.edit(self.order_id, lambda o: o.set_notes("changed by someone else"))


def test_every_invoice_email_that_went_out_is_archived() -> None:
    shop = make_shop()
    order_id = quickstart_draft(shop)
    mailer = EditedWhileSending(shop, order_id)
    shop.mailer = mailer
    with contextlib.suppress(ConcurrencyConflict):
        shop.send_invoice(order_id)
    assert len(mailer) == 1
    assert [s.email()["Message-ID"] for s in shop.sent_invoices(order_id)] == [
        mailer.last["Message-ID"]
    ]

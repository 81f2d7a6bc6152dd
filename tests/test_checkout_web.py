"""The checkout web app (``draftorders.web``): the shop of ``examples/checkout_app.py`` (the
quickstart order sent to Ada with a checkout link, "Standard" 9.95 or "Express" 19.95 shipping,
the fake gateway) paid through Flask's test client, then end to end in headless Chromium.

Chromium is the system's (``/usr/bin/chromium``), driven by Playwright as in
``test_invoice_browser.py``: without it the browser tests are skipped, except under CI
(``CI=true``), where its absence is a failure. The receipt the browser shows is kept as
``build/screenshots/checkout-receipt.png`` (and the checkout page as ``checkout-page.png``).
"""

from __future__ import annotations

import datetime as dt
import re
import runpy
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from playwright.sync_api import Browser, ConsoleMessage, Page, expect
from werkzeug.serving import make_server
from werkzeug.test import TestResponse

from draftorders import (
    Cashier,
    Checkout,
    CheckoutLinks,
    DraftOrderService,
    FixedClock,
    Money,
    PaymentStatus,
    Status,
    TransactionStatus,
    ValidationError,
)
from draftorders.web import TEST_CARDS, create_app

ROOT = Path(__file__).parent.parent
EXAMPLES = ROOT / "examples"
SCREENSHOTS = ROOT / "build" / "screenshots"

sys.path.insert(0, str(EXAMPLES))  # the example imports the quickstart, as it does when run
try:
    example = runpy.run_path(str(EXAMPLES / "checkout_app.py"))
finally:
    sys.path.remove(str(EXAMPLES))
open_shop: Callable[..., tuple[Checkout, str]] = example["open_shop"]

ORDER = "D1001"
NOW = dt.datetime(2026, 11, 26, 15, 0, tzinfo=dt.UTC)
ADDRESS = {
    "name": "Ada Lovelace",
    "line1": "12 Analytical Way",
    "city": "New York",
    "region": "NY",
    "postal_code": "10001",
    "country": "US",
}
# The quickstart's figures with "Standard" shipping (see test_quickstart.py).
AMOUNTS = ["$12.99", "$38.97", "$5.00", "$7.49", "$14.98", "$58.95", "-$8.90", "$9.95", "$4.13"]
TOTAL, EXPRESS_TOTAL = "$64.13", "$74.13"


class MovableClock:
    """A clock the test moves forward."""

    def __init__(self, at: dt.datetime) -> None:
        self.at = at

    def now(self) -> dt.datetime:
        return self.at

    def today(self) -> dt.date:
        return self.at.date()


@dataclass
class Shop:
    """A freshly invoiced shop, its checkout app and a test client."""

    checkout: Checkout
    link: str
    app: Flask
    client: FlaskClient
    clock: MovableClock

    @property
    def token(self) -> str:
        return self.link.rsplit("/", 1)[1]

    @property
    def path(self) -> str:
        return f"/checkout/{self.token}"

    @property
    def service(self) -> DraftOrderService:
        return self.checkout.shop

    @property
    def cashier(self) -> Cashier:
        return self.checkout.cashier


@pytest.fixture
def shop() -> Shop:
    clock = MovableClock(NOW)
    checkout, link = open_shop(clock=clock)
    app = create_app(checkout)
    return Shop(checkout, link, app, app.test_client(), clock)


def text(response: TestResponse) -> str:
    return response.get_data(as_text=True)


def hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found is not None, name
    return found.group(1)


def alerts(html: str) -> list[str]:
    """The texts of the role="alert" boxes, tags and blanks squeezed out."""
    boxes = re.findall(r'role="alert"[^>]*>(.*?)</div>', html, re.DOTALL)
    return [" ".join(re.sub(r"<[^>]+>", " ", box).split()) for box in boxes]


def form(html: str, **changes: str) -> dict[str, str]:
    """What the customer posts from the page ``html``: Ada's address, "Standard", the Visa
    test card and Pay, with ``changes``."""
    fields = {"nonce": hidden(html, "nonce"), "amount": hidden(html, "amount"), **ADDRESS}
    fields |= {"shipping_method": "Standard", "card": "tok_visa", "action": "pay"}
    return fields | changes


def post(shop: Shop, data: dict[str, str]) -> TestResponse:
    return shop.client.post(shop.path, data=data)


def pay(shop: Shop, **changes: str) -> TestResponse:
    """Open the link and post the form from that page."""
    return post(shop, form(text(shop.client.get(shop.path)), **changes))


# -- the page ---------------------------------------------------------------------------------


def test_the_page_shows_the_invoice_the_address_form_the_rates_and_the_cards(shop: Shop):
    response = shop.client.get(shop.path)
    assert response.status_code == 200
    html = text(response)
    for title in ("Mug", "Engraving", "Tea"):
        assert f"<td>{title}</td>" in html
    for amount in [*AMOUNTS, TOTAL]:
        assert amount in html
    assert f"Pay {TOTAL}</button>" in html
    assert hidden(html, "amount") == "64.13"
    for name in ADDRESS:
        assert f'<label for="f-{name}">' in html
        assert f'id="f-{name}" name="{name}"' in html
    assert 'value="Ada Lovelace"' in html  # the customer's name, to start with
    assert re.search(
        r'value="Standard" checked>\s*<label for="ship-1"><span>Standard</span>'
        r'<span class="num">\$9.95</span>',
        html,
    )
    assert '<span>Express</span><span class="num">$19.95</span>' in html
    for token, label in TEST_CARDS.items():
        assert f'<option value="{token}"' in html
        assert label in html
    assert set(TEST_CARDS) == {
        "tok_visa",
        "tok_mastercard",
        "tok_chargeDeclined",
        "tok_insufficientFunds",
    }


def test_responses_forbid_framing_scripts_caching_and_referers(shop: Shop):
    headers = shop.client.get(shop.path).headers
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert "form-action 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in headers


def test_update_prices_the_order_with_the_chosen_rate_and_charges_nothing(shop: Shop):
    before = shop.service.get(ORDER)
    response = pay(shop, shipping_method="Express", action="update")
    assert response.status_code == 200
    html = text(response)
    assert "Shipping (Express)" in html
    assert f"Pay {EXPRESS_TOTAL}</button>" in html
    assert re.search(r'value="Express" checked', html)
    assert 'value="12 Analytical Way"' in html  # what was typed is kept
    assert shop.service.get(ORDER) == before
    assert shop.cashier.transactions(ORDER) == []


# -- paying -----------------------------------------------------------------------------------


def test_paying_with_visa_completes_the_order_and_shows_the_receipt(shop: Shop):
    response = pay(shop)
    assert response.status_code == 303
    receipt = shop.client.get(response.headers["Location"])
    assert receipt.status_code == 200
    html = text(receipt)
    assert f'<dd class="order-id">{ORDER}</dd>' in html
    assert f'<dd class="amount">{TOTAL}</dd>' in html
    assert f'<dd class="transaction-id">{ORDER}-T1</dd>' in html
    assert '<dd class="payment-status">paid</dd>' in html
    # then: the order is completed and paid, with the customer's choices
    order = shop.service.get(ORDER)
    assert order.status is Status.COMPLETED
    assert order.completed_total is not None
    assert order.completed_total.amount == Decimal("64.13")
    assert order.billing_address is not None
    assert (order.billing_address.name, order.billing_address.postal_code) == (
        "Ada Lovelace",
        "10001",
    )
    assert shop.cashier.summary(ORDER).status is PaymentStatus.PAID
    [transaction] = shop.cashier.transactions(ORDER)
    assert transaction.status is TransactionStatus.SUCCESS
    # the link is spent, the receipt can be read again
    assert shop.client.get(shop.path).status_code == 403
    assert text(shop.client.get(response.headers["Location"])) == html


def test_the_rate_chosen_is_what_is_charged(shop: Shop):
    updated = text(pay(shop, shipping_method="Express", action="update"))
    response = post(shop, form(updated, shipping_method="Express"))
    assert response.status_code == 303
    assert EXPRESS_TOTAL in text(shop.client.get(response.headers["Location"]))
    order = shop.service.get(ORDER)
    assert order.shipping is not None
    assert (order.shipping.title, order.shipping.price.amount) == ("Express", Decimal("19.95"))
    assert shop.cashier.summary(ORDER).paid.amount == Decimal("74.13")


def test_a_total_that_changed_since_the_page_was_shown_is_not_charged(shop: Shop):
    # Express picked, Pay pressed without Update: the page said 64.13, the order is now 74.13
    response = pay(shop, shipping_method="Express")
    assert response.status_code == 409
    html = text(response)
    assert alerts(html) == [
        f"The amount to pay is now {EXPRESS_TOTAL}. Check it, then press Pay again."
    ]
    assert f"Pay {EXPRESS_TOTAL}</button>" in html
    assert shop.cashier.transactions(ORDER) == []
    # pressing Pay on the page shown now pays it
    assert post(shop, form(html, shipping_method="Express")).status_code == 303
    assert shop.cashier.summary(ORDER).paid.amount == Decimal("74.13")


@pytest.mark.parametrize(
    ("card", "message"),
    [
        ("tok_chargeDeclined", "Your card was declined."),
        ("tok_insufficientFunds", "Your card has insufficient funds."),
    ],
)
def test_a_decline_shows_the_message_and_leaves_the_order_unchanged(
    shop: Shop, card: str, message: str
):
    before = shop.service.get(ORDER)
    response = pay(shop, card=card)
    assert response.status_code == 402
    html = text(response)
    assert alerts(html) == [message]
    assert 'value="12 Analytical Way"' in html
    assert shop.service.get(ORDER) == before
    summary = shop.cashier.summary(ORDER)
    assert summary.status is PaymentStatus.UNPAID
    assert summary.paid.amount == 0
    [declined] = shop.cashier.transactions(ORDER)
    assert declined.status is TransactionStatus.FAILURE
    # the link still works, and another card pays
    assert shop.client.get(shop.path).status_code == 200
    assert post(shop, form(html, card="tok_mastercard")).status_code == 303
    assert shop.cashier.summary(ORDER).status is PaymentStatus.PAID


def test_pay_pressed_twice_charges_once_and_both_get_the_receipt(shop: Shop):
    page = text(shop.client.get(shop.path))
    first = post(shop, form(page))
    second = post(shop, form(page))  # the same form again: the link is spent meanwhile
    assert (first.status_code, second.status_code) == (303, 303)
    assert first.headers["Location"] == second.headers["Location"]
    assert len(shop.cashier.transactions(ORDER)) == 1
    gateway: Any = shop.cashier.gateway
    assert len(gateway.movements) == 1


def test_pay_pressed_again_after_the_gateway_lost_its_answer_charges_once(shop: Shop):
    gateway: Any = shop.cashier.gateway
    gateway.fail_next(TimeoutError("read timed out"), after_processing=True)
    page = text(shop.client.get(shop.path))
    failed = post(shop, form(page))
    assert failed.status_code == 502
    assert "did not answer" in alerts(text(failed))[0]
    assert shop.cashier.transactions(ORDER) == []  # nothing recorded, but the card was charged
    retried = post(shop, form(text(failed)))  # the page shown keeps the idempotency nonce
    assert retried.status_code == 303
    assert len(gateway.movements) == 1
    assert shop.cashier.summary(ORDER).status is PaymentStatus.PAID


def test_a_payment_on_its_way_is_not_asked_for_again(shop: Shop):
    shop.cashier.charge(ORDER, "tok_pending", Money(Decimal("20.00"), "USD"))  # a bank transfer
    html = text(shop.client.get(shop.path))
    assert "Left to pay" in html
    assert "Pay $44.13</button>" in html
    receipt = shop.client.get(pay(shop).headers["Location"])
    assert '<dd class="amount">$44.13</dd>' in text(receipt)
    assert shop.cashier.summary(ORDER).outstanding.amount == 0
    # the transfer is still pending, so the order is not completed (and the link still works)
    assert shop.service.get(ORDER).status is Status.INVOICE_SENT
    assert "Nothing is left to pay" in text(shop.client.get(shop.path))


# -- refusals ---------------------------------------------------------------------------------


def tampered(token: str) -> list[str]:
    key_id, _, signed = token.partition(".")
    last = "A" if signed[-1] != "A" else "B"
    return [
        f"{key_id}.{signed[:-1]}{last}",  # another signature
        f"k9.{signed}",  # a key the shop does not have
        signed,  # no key id
        "k1.eyJvIjoiRDEwMDEiLCJ2IjoxMSwiZSI6OTk5OTk5OTk5OSwiayI6ImsxIn0.forged",
        "nonsense",
    ]


def assert_refused(response: TestResponse):
    assert response.status_code == 403
    html = text(response)
    assert "This checkout link is not valid" in html
    assert ORDER not in html
    assert "$" not in html
    assert "Ada" not in html
    assert "<form" not in html


def test_a_tampered_link_is_refused_and_says_nothing_about_the_order(shop: Shop):
    page = text(shop.client.get(shop.path))
    for token in tampered(shop.token):
        assert_refused(shop.client.get(f"/checkout/{token}"))
        assert_refused(shop.client.post(f"/checkout/{token}", data=form(page)))
    assert shop.cashier.transactions(ORDER) == []


def test_an_expired_link_is_refused(shop: Shop):
    shop.clock.at = NOW + dt.timedelta(days=31)
    assert_refused(shop.client.get(shop.path))


def test_a_link_gone_stale_is_refused(shop: Shop):
    page = text(shop.client.get(shop.path))
    shop.service.revert_to_draft(ORDER)  # the shop edits the order: the link is stale
    assert_refused(shop.client.get(shop.path))
    assert_refused(post(shop, form(page)))
    assert shop.cashier.transactions(ORDER) == []


def test_a_tampered_receipt_is_refused(shop: Shop):
    location = pay(shop).headers["Location"]
    assert_refused(shop.client.get(location[:-2] + ("AA" if location[-2:] != "AA" else "BB")))
    assert_refused(shop.client.get("/receipt/nonsense"))


# -- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": "  "}, "name", "Full name: this is required."),
        ({"line1": ""}, "line1", "Street address: this is required."),
        ({"postal_code": ""}, "postal_code", "Postal code: this is required."),
        ({"country": "XX"}, "country", "Country: not a country code we know."),
        ({"country": ""}, "country", "Country: this is required."),
        ({"city": "x" * 201}, "city", "City: at most 200 characters."),
        ({"city": "New\x07York"}, "city", "City: remove the control characters."),
        ({"shipping_method": "Overnight"}, "shipping_method", "Shipping: choose one of the rates."),
        ({"card": "tok_gatewayError"}, "card", "Card: choose one of the test cards."),
        ({"action": "refund"}, None, "Press Update total or Pay to send the form."),
        ({"nonce": ""}, None, "This page was open too long"),
    ],
)
def test_bad_input_shows_the_form_again_with_a_message(
    shop: Shop, changes: dict[str, str], field: str | None, message: str
):
    before = shop.service.get(ORDER)
    response = pay(shop, **changes)
    assert response.status_code == 400
    html = text(response)
    [summary] = alerts(html)
    assert summary.startswith("Please check the form:")
    assert message in summary
    if field is not None:
        assert f'href="#f-{field}"' in html
        assert f'id="{field}-error"' in html
    if field in ADDRESS:
        assert re.search(rf'id="f-{field}"[^>]*aria-invalid="true"', html)
    assert "Traceback" not in html
    assert "<form" in html
    assert shop.service.get(ORDER) == before
    assert shop.cashier.transactions(ORDER) == []


def test_a_form_rendered_for_another_link_is_refused(shop: Shop):
    # another valid link to the same order (signed a second later): its page's nonce is its own
    version = shop.service.get(ORDER).version
    other = shop.checkout.links.token(ORDER, version, NOW + dt.timedelta(seconds=1))
    assert other != shop.token
    nonce = hidden(text(shop.client.get(f"/checkout/{other}")), "nonce")
    response = pay(shop, nonce=nonce)
    assert response.status_code == 400
    assert "This page was open too long" in alerts(text(response))[0]
    assert shop.cashier.transactions(ORDER) == []


def test_markup_typed_in_is_shown_not_run(shop: Shop):
    name = '<script>alert("x")</script>'
    response = pay(shop, name=name, country="XX")
    assert response.status_code == 400
    html = text(response)
    assert "<script>" not in html
    assert 'value="&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;"' in html


def test_an_app_needs_a_shop_with_checkout_links():
    shop = DraftOrderService(example["CATALOG"], clock=FixedClock(NOW))
    with pytest.raises(ValidationError, match="checkout links"):
        create_app(Checkout(Cashier(shop)))


def test_the_links_of_the_example_point_to_the_app():
    checkout, link = open_shop("http://127.0.0.1:8000/checkout/")
    assert isinstance(checkout.links, CheckoutLinks)
    assert link.startswith("http://127.0.0.1:8000/checkout/k1.")


# -- in a browser -----------------------------------------------------------------------------


@dataclass
class Live:
    """The app served on a free port, with the shop whose links point to it."""

    checkout: Checkout
    link: str
    base: str


@pytest.fixture
def live() -> Iterator[Live]:
    apps: list[Flask] = []
    server = make_server("127.0.0.1", 0, lambda environ, start: apps[0](environ, start))
    base = f"http://127.0.0.1:{server.server_port}"
    checkout, link = open_shop(f"{base}/checkout/")  # the link on the invoice is the real one
    apps.append(create_app(checkout))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Live(checkout, link, base)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 800, "height": 1000})
    page = context.new_page()
    problems: list[str] = []

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":  # a CSP violation would be reported here
            problems.append(message.text)

    page.on("console", console)
    page.on("pageerror", lambda error: problems.append(str(error)))
    yield page
    context.close()
    # Declines (402), refusals (403) and 409s are logged as failed loads; nothing else may be.
    assert [p for p in problems if "status of 40" not in p] == []


def test_a_customer_pays_in_the_browser(live: Live, page: Page):
    response = page.goto(live.link)
    assert response is not None
    assert response.status == 200
    expect(page.get_by_role("heading", name="Checkout")).to_be_visible()
    expect(page.locator("tr.total td")).to_have_text(TOTAL)
    # the billing address, by its labels
    expect(page.get_by_label("Full name")).to_have_value("Ada Lovelace")
    page.get_by_label("Street address").fill("12 Analytical Way")
    page.get_by_label("City").fill("New York")
    page.get_by_label("State or region").fill("NY")
    page.get_by_label("Postal code").fill("10001")
    expect(page.get_by_label("Country")).to_have_value("US")
    # the shipping rate, and the total with it
    page.get_by_label("Express").check()
    page.get_by_role("button", name="Update total").click()
    expect(page.get_by_role("status")).to_have_text("The total is updated.")
    expect(page.locator("tr.total td")).to_have_text(EXPRESS_TOTAL)
    pay_button = page.get_by_role("button", name=f"Pay {EXPRESS_TOTAL}")
    expect(pay_button).to_be_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "checkout-page.png", full_page=True)
    # a declined card
    page.get_by_label("Test card").select_option("tok_chargeDeclined")
    pay_button.click()
    expect(page.get_by_role("alert")).to_have_text("Your card was declined.")
    expect(page.get_by_label("Street address")).to_have_value("12 Analytical Way")
    expect(page.get_by_label("Express")).to_be_checked()
    assert live.checkout.shop.get(ORDER).status is Status.INVOICE_SENT
    # then a good one
    page.get_by_label("Test card").select_option("tok_visa")
    page.get_by_role("button", name=f"Pay {EXPRESS_TOTAL}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you, your payment is received")
    expect(page.locator("dd.payment-status")).to_have_text("paid")
    expect(page.locator("dd.amount")).to_have_text(EXPRESS_TOTAL)
    expect(page.locator("dd.order-id")).to_have_text(ORDER)
    expect(page.locator("dd.transaction-id")).to_have_text(f"{ORDER}-T2")
    assert page.url.startswith(f"{live.base}/receipt/")
    path = SCREENSHOTS / "checkout-receipt.png"
    path.unlink(missing_ok=True)
    page.screenshot(path=path, full_page=True)
    assert path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    # the shop sees it paid
    assert live.checkout.shop.get(ORDER).status is Status.COMPLETED
    assert live.checkout.cashier.summary(ORDER).status is PaymentStatus.PAID
    # reloading the receipt shows it again; the spent link is refused
    page.reload()
    expect(page.locator("dd.payment-status")).to_have_text("paid")
    response = page.goto(live.link)
    assert response is not None
    assert response.status == 403


def test_a_tampered_link_shows_the_refusal_page_in_the_browser(live: Live, page: Page):
    for token in tampered(live.link.rsplit("/", 1)[1])[:2]:
        response = page.goto(f"{live.base}/checkout/{token}")
        assert response is not None
        assert response.status == 403
        expect(page.get_by_role("heading", level=1)).to_have_text("This checkout link is not valid")
        body = page.locator("body").inner_text()
        assert ORDER not in body
        assert "$" not in body

"""The checkout web app (``draftorders.web``): the shop of ``examples/checkout_app.py`` (the
quickstart order sent to Ada with a checkout link, "Standard" 9.95 or "Express" 19.95 shipping,
the fake gateway) paid through Flask's test client, then end to end in headless Chromium. Two
pages paying one order at once, and a promotion used up meanwhile, get a 409 page saying that
nothing was charged.

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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
from flask import Flask
from flask.testing import FlaskClient
from playwright.sync_api import Browser, ConsoleMessage, Page, expect
from werkzeug.serving import make_server
from werkzeug.test import TestResponse

from draftorders import (
    CheckoutLinks,
    FixedClock,
    Money,
    PaymentStatus,
    Ports,
    Shop,
    ShopApp,
    Status,
    TransactionStatus,
    ValidationError,
)
from draftorders.promotions import PercentOff, Promotion, PromotionBook, Target
from draftorders.web import TEST_CARDS, create_app
from stand_ins import HeldGateway, TaxEngine

ROOT = Path(__file__).parent.parent
EXAMPLES = ROOT / "examples"
SCREENSHOTS = ROOT / "build" / "screenshots"

sys.path.insert(0, str(EXAMPLES))  # the example imports the quickstart, as it does when run
try:
    example = runpy.run_path(str(EXAMPLES / "checkout_app.py"))
finally:
    sys.path.remove(str(EXAMPLES))
open_shop: Callable[..., tuple[ShopApp, str]] = example["open_shop"]
settings: Callable[..., Shop] = example["settings"]

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
NOTHING_CHARGED_IN_FLIGHT = (
    "Another payment for this order is being processed, and nothing was charged here. "
    "Wait a moment, then reload this page."
)
NOTHING_CHARGED_USED_UP = (
    "A promotion on this order was used up meanwhile, and nothing was charged. "
    "Reload the page to see the new total."
)
ONCE = Promotion(
    "TEA-ONCE", "10% off tea, once", PercentOff("10"), target=Target(skus={"TEA"}), usage_limit=1
)
"""A single-use promotion the quickstart order gets (its two teas) until another order uses it."""


class MovableClock:
    """A clock the test moves forward."""

    def __init__(self, at: dt.datetime) -> None:
        self.at = at

    def now(self) -> dt.datetime:
        return self.at

    def today(self) -> dt.date:
        return self.at.date()


@dataclass
class Site:
    """A freshly invoiced shop, its checkout app and a test client."""

    app: ShopApp
    link: str
    flask: Flask
    client: FlaskClient
    clock: MovableClock

    @property
    def token(self) -> str:
        return self.link.rsplit("/", 1)[1]

    @property
    def path(self) -> str:
        return f"/checkout/{self.token}"


def open_site(shop: Shop | None = None, **ports: Any) -> Site:
    """The example's shop (or ``shop``) on a movable clock and the given ports, invoiced."""
    clock = MovableClock(NOW)
    app, link = open_shop(shop, Ports(clock=clock, **ports))
    flask = create_app(app.checkout)
    return Site(app, link, flask, flask.test_client(), clock)


@pytest.fixture
def site() -> Site:
    return open_site()


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


def post(site: Site, data: dict[str, str]) -> TestResponse:
    return site.client.post(site.path, data=data)


def pay(site: Site, **changes: str) -> TestResponse:
    """Open the link and post the form from that page."""
    return post(site, form(text(site.client.get(site.path)), **changes))


# -- the page ---------------------------------------------------------------------------------


def test_the_page_shows_the_invoice_the_address_form_the_rates_and_the_cards(site: Site):
    response = site.client.get(site.path)
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


def test_responses_forbid_framing_scripts_caching_and_referers(site: Site):
    headers = site.client.get(site.path).headers
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert "form-action 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in headers


def test_update_prices_the_order_with_the_chosen_rate_and_charges_nothing(site: Site):
    before = site.app.drafts.get(ORDER)
    response = pay(site, shipping_method="Express", action="update")
    assert response.status_code == 200
    html = text(response)
    assert "Shipping (Express)" in html
    assert f"Pay {EXPRESS_TOTAL}</button>" in html
    assert re.search(r'value="Express" checked', html)
    assert 'value="12 Analytical Way"' in html  # what was typed is kept
    assert site.app.drafts.get(ORDER) == before
    assert site.app.cashier.transactions(ORDER) == []


# -- paying -----------------------------------------------------------------------------------


def test_paying_with_visa_completes_the_order_and_shows_the_receipt(site: Site):
    response = pay(site)
    assert response.status_code == 303
    receipt = site.client.get(response.headers["Location"])
    assert receipt.status_code == 200
    html = text(receipt)
    assert f'<dd class="order-id">{ORDER}</dd>' in html
    assert f'<dd class="amount">{TOTAL}</dd>' in html
    assert f'<dd class="transaction-id">{ORDER}-T1</dd>' in html
    assert '<dd class="payment-status">paid</dd>' in html
    # then: the order is completed and paid, with the customer's choices
    order = site.app.drafts.get(ORDER)
    assert order.status is Status.COMPLETED
    assert order.completed_total is not None
    assert order.completed_total.amount == Decimal("64.13")
    assert order.billing_address is not None
    assert (order.billing_address.name, order.billing_address.postal_code) == (
        "Ada Lovelace",
        "10001",
    )
    assert site.app.cashier.summary(ORDER).status is PaymentStatus.PAID
    [transaction] = site.app.cashier.transactions(ORDER)
    assert transaction.status is TransactionStatus.SUCCESS
    # the link is spent, the receipt can be read again
    assert site.client.get(site.path).status_code == 403
    assert text(site.client.get(response.headers["Location"])) == html


def test_the_rate_chosen_is_what_is_charged(site: Site):
    updated = text(pay(site, shipping_method="Express", action="update"))
    response = post(site, form(updated, shipping_method="Express"))
    assert response.status_code == 303
    assert EXPRESS_TOTAL in text(site.client.get(response.headers["Location"]))
    order = site.app.drafts.get(ORDER)
    assert order.shipping is not None
    assert (order.shipping.title, order.shipping.price.amount) == ("Express", Decimal("19.95"))
    assert site.app.cashier.summary(ORDER).paid.amount == Decimal("74.13")


def test_a_total_that_changed_since_the_page_was_shown_is_not_charged(site: Site):
    # Express picked, Pay pressed without Update: the page said 64.13, the order is now 74.13
    response = pay(site, shipping_method="Express")
    assert response.status_code == 409
    html = text(response)
    assert alerts(html) == [
        f"The amount to pay is now {EXPRESS_TOTAL}. Check it, then press Pay again."
    ]
    assert f"Pay {EXPRESS_TOTAL}</button>" in html
    assert site.app.cashier.transactions(ORDER) == []
    # pressing Pay on the page shown now pays it
    assert post(site, form(html, shipping_method="Express")).status_code == 303
    assert site.app.cashier.summary(ORDER).paid.amount == Decimal("74.13")


@pytest.mark.parametrize(
    ("card", "message"),
    [
        ("tok_chargeDeclined", "Your card was declined."),
        ("tok_insufficientFunds", "Your card has insufficient funds."),
    ],
)
def test_a_decline_shows_the_message_and_leaves_the_order_unchanged(
    site: Site, card: str, message: str
):
    before = site.app.drafts.get(ORDER)
    response = pay(site, card=card)
    assert response.status_code == 402
    html = text(response)
    assert alerts(html) == [message]
    assert 'value="12 Analytical Way"' in html
    assert site.app.drafts.get(ORDER) == before
    summary = site.app.cashier.summary(ORDER)
    assert summary.status is PaymentStatus.UNPAID
    assert summary.paid.amount == 0
    [declined] = site.app.cashier.transactions(ORDER)
    assert declined.status is TransactionStatus.FAILURE
    # the link still works, and another card pays
    assert site.client.get(site.path).status_code == 200
    assert post(site, form(html, card="tok_mastercard")).status_code == 303
    assert site.app.cashier.summary(ORDER).status is PaymentStatus.PAID


def test_pay_pressed_twice_charges_once_and_both_get_the_receipt(site: Site):
    page = text(site.client.get(site.path))
    first = post(site, form(page))
    second = post(site, form(page))  # the same form again: the link is spent meanwhile
    assert (first.status_code, second.status_code) == (303, 303)
    assert first.headers["Location"] == second.headers["Location"]
    assert len(site.app.cashier.transactions(ORDER)) == 1
    gateway: Any = site.app.ports.gateway
    assert len(gateway.movements) == 1


def test_pay_pressed_again_after_the_gateway_lost_its_answer_charges_once(site: Site):
    gateway: Any = site.app.ports.gateway
    gateway.fail_next(TimeoutError("read timed out"), after_processing=True)
    page = text(site.client.get(site.path))
    failed = post(site, form(page))
    assert failed.status_code == 502
    assert "did not answer" in alerts(text(failed))[0]
    assert site.app.cashier.transactions(ORDER) == []  # nothing recorded, but the card was charged
    [claim] = site.app.cashier.claims(ORDER)  # the claim waits, open, for the same key again
    assert claim.is_open
    assert claim.interrupted is not None
    retried = post(site, form(text(failed)))  # the page shown keeps the idempotency nonce
    assert retried.status_code == 303
    assert len(gateway.movements) == 1
    assert site.app.cashier.summary(ORDER).status is PaymentStatus.PAID


def test_a_payment_on_its_way_is_not_asked_for_again(site: Site):
    site.app.cashier.charge(ORDER, "tok_pending", Money(Decimal("20.00"), "USD"))  # a bank transfer
    html = text(site.client.get(site.path))
    assert "Left to pay" in html
    assert "Pay $44.13</button>" in html
    receipt = site.client.get(pay(site).headers["Location"])
    assert '<dd class="amount">$44.13</dd>' in text(receipt)
    assert site.app.cashier.summary(ORDER).outstanding.amount == 0
    # the transfer is still pending, so the order is not completed (and the link still works)
    assert site.app.drafts.get(ORDER).status is Status.INVOICE_SENT
    assert "Nothing is left to pay" in text(site.client.get(site.path))


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


def test_a_tampered_link_is_refused_and_says_nothing_about_the_order(site: Site):
    page = text(site.client.get(site.path))
    for token in tampered(site.token):
        assert_refused(site.client.get(f"/checkout/{token}"))
        assert_refused(site.client.post(f"/checkout/{token}", data=form(page)))
    assert site.app.cashier.transactions(ORDER) == []


def test_an_expired_link_is_refused(site: Site):
    site.clock.at = NOW + dt.timedelta(days=31)
    assert_refused(site.client.get(site.path))


def test_a_link_gone_stale_is_refused(site: Site):
    page = text(site.client.get(site.path))
    site.app.drafts.revert_to_draft(ORDER)  # the shop edits the order: the link is stale
    assert_refused(site.client.get(site.path))
    assert_refused(post(site, form(page)))
    assert site.app.cashier.transactions(ORDER) == []


def test_a_tampered_receipt_is_refused(site: Site):
    location = pay(site).headers["Location"]
    assert_refused(site.client.get(location[:-2] + ("AA" if location[-2:] != "AA" else "BB")))
    assert_refused(site.client.get("/receipt/nonsense"))


# -- deleted and cancelled orders ---------------------------------------------------------------


def test_the_link_of_a_deleted_order_is_refused(site: Site):
    page = text(site.client.get(site.path))
    site.app.drafts.delete(ORDER)  # a sent invoice with no money on it can be deleted
    assert_refused(site.client.get(site.path))
    assert_refused(post(site, form(page)))
    # a new order never gets the deleted one's id, so the old link never opens it
    other = site.app.drafts.create(customer="C1")
    assert other.id != ORDER
    assert_refused(site.client.get(site.path))
    assert site.app.cashier.transactions(other.id) == []


def test_an_order_deleted_while_pay_is_being_pressed_gets_the_refusal_page():
    engine = TaxEngine()
    site = open_site(tax_provider=engine)
    page = text(site.client.get(site.path))
    # when the shop deletes the order after the page priced the payment, before it is claimed
    engine.steps.append(lambda: site.app.drafts.delete(ORDER))
    response = post(site, form(page))
    # then
    assert engine.steps == []
    assert_refused(response)
    gateway: Any = site.app.ports.gateway
    assert gateway.calls == 0


def test_the_link_of_a_cancelled_order_is_refused(site: Site):
    page = text(site.client.get(site.path))
    site.app.drafts.cancel(ORDER, "out of stock")
    assert_refused(site.client.get(site.path))
    assert_refused(post(site, form(page)))
    assert site.app.cashier.transactions(ORDER) == []


# -- two payments at once, promotions used up meanwhile -----------------------------------------


@pytest.fixture
def held() -> Iterator[tuple[Site, HeldGateway, ThreadPoolExecutor]]:
    """The example's shop with a gateway that holds sales until released, and a thread."""
    gateway = HeldGateway()
    pool = ThreadPoolExecutor(max_workers=1)
    try:
        yield open_site(gateway=gateway), gateway, pool
    finally:
        gateway.go.set()
        pool.shutdown(wait=True)


def in_flight(site: Site, gateway: HeldGateway, pool: ThreadPoolExecutor, card: str) -> Any:
    """Pay from one page with ``card`` in another thread (another browser, another worker),
    and return once its sale is in flight at the gateway."""
    client = site.flask.test_client()
    page = text(client.get(site.path))
    first = pool.submit(client.post, site.path, data=form(page, card=card))
    assert gateway.started.wait(timeout=10)
    return first


def test_a_second_page_paying_while_the_first_is_in_flight_gets_409_and_is_not_charged(
    held: tuple[Site, HeldGateway, ThreadPoolExecutor],
):
    site, gateway, pool = held
    other_page = text(site.client.get(site.path))  # Ada's phone has the page open too
    first = in_flight(site, gateway, pool, "tok_visa")
    # when the phone pays while the laptop's payment is in flight
    response = post(site, form(other_page, card="tok_mastercard"))
    # then it is told so, and that nothing was charged (not that the link is invalid)
    assert response.status_code == 409
    html = text(response)
    assert alerts(html) == [NOTHING_CHARGED_IN_FLIGHT]
    assert "not valid" not in html
    assert "<form" in html
    assert gateway.inner.calls == 0
    assert site.app.cashier.transactions(ORDER) == []
    # when the laptop's payment comes back, its receipt shows the order paid, once
    gateway.go.set()
    paid = first.result(timeout=30)
    assert paid.status_code == 303
    receipt = text(site.client.get(paid.headers["Location"]))
    assert '<dd class="payment-status">paid</dd>' in receipt
    assert f'<dd class="amount">{TOTAL}</dd>' in receipt
    assert gateway.inner.calls == 1
    assert len(gateway.inner.movements) == 1
    assert site.app.drafts.get(ORDER).status is Status.COMPLETED
    # and the phone, reloading as asked, is told the link is spent; Pay again charges nothing
    assert_refused(site.client.get(site.path))
    assert_refused(post(site, form(other_page, card="tok_mastercard")))
    assert gateway.inner.calls == 1


def test_when_the_payment_in_flight_is_declined_the_other_page_pays_after_a_reload(
    held: tuple[Site, HeldGateway, ThreadPoolExecutor],
):
    site, gateway, pool = held
    other_page = text(site.client.get(site.path))
    first = in_flight(site, gateway, pool, "tok_chargeDeclined")
    assert post(site, form(other_page)).status_code == 409
    gateway.go.set()
    assert first.result(timeout=30).status_code == 402
    # when the phone reloads the page and pays
    reloaded = site.client.get(site.path)
    assert reloaded.status_code == 200
    paid = post(site, form(text(reloaded)))
    # then
    assert paid.status_code == 303
    receipt = text(site.client.get(paid.headers["Location"]))
    assert '<dd class="payment-status">paid</dd>' in receipt
    assert [t.status for t in site.app.cashier.transactions(ORDER)] == [
        TransactionStatus.FAILURE,
        TransactionStatus.SUCCESS,
    ]
    assert gateway.inner.captured_total("USD").amount == Decimal("64.13")


def with_once(shop: Shop) -> Shop:
    return attrs.evolve(shop, context=attrs.evolve(shop.context, promotions=PromotionBook([ONCE])))


def use_up(app: ShopApp) -> None:
    """Another order of tea completes, and uses the single-use promotion up."""
    other = app.drafts.create(customer="C1")
    app.drafts.edit(other.id, lambda o: o.add_product(app.shop.catalog, "TEA"))
    app.drafts.complete_unpaid(other.id)


def test_a_promotion_used_up_since_the_page_was_shown_gets_409_and_is_not_charged():
    site = open_site(with_once(settings()))
    page = text(site.client.get(site.path))
    shown = hidden(page, "amount")
    assert Decimal(shown) < Decimal("64.13")  # the teas are 10% off
    # when another order uses the promotion up before Ada presses Pay
    use_up(site.app)
    response = post(site, form(page))
    # then she is shown the new amount, and nothing was charged
    assert response.status_code == 409
    html = text(response)
    assert alerts(html) == [f"The amount to pay is now {TOTAL}. Check it, then press Pay again."]
    assert f"Pay {TOTAL}</button>" in html
    assert site.app.cashier.transactions(ORDER) == []
    assert site.app.cashier.claims(ORDER) == []
    gateway: Any = site.app.ports.gateway
    assert gateway.calls == 0
    # and pressing Pay on the page shown now pays it
    paid = post(site, form(html))
    assert paid.status_code == 303
    assert f'<dd class="amount">{TOTAL}</dd>' in text(site.client.get(paid.headers["Location"]))


def test_a_promotion_used_up_while_pay_is_being_pressed_gets_409_and_is_not_charged():
    engine = TaxEngine()
    site = open_site(with_once(settings()), tax_provider=engine)
    page = text(site.client.get(site.path))
    # when another order uses the promotion up after the page priced the payment (the first
    # quote of the request), as the payment itself is priced (the second)
    engine.steps += [lambda: None, lambda: use_up(site.app)]
    response = post(site, form(page))
    # then
    assert engine.steps == []
    assert response.status_code == 409
    html = text(response)
    assert alerts(html) == [NOTHING_CHARGED_USED_UP]
    assert site.app.cashier.transactions(ORDER) == []
    assert site.app.cashier.claims(ORDER) == []
    gateway: Any = site.app.ports.gateway
    assert gateway.calls == 0
    # and the page, reloaded as asked, shows the new total and pays it
    reloaded = text(site.client.get(site.path))
    assert Decimal(hidden(reloaded, "amount")) > Decimal(hidden(page, "amount"))
    paid = post(site, form(reloaded))
    assert paid.status_code == 303
    assert site.app.cashier.summary(ORDER).status is PaymentStatus.PAID


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
    site: Site, changes: dict[str, str], field: str | None, message: str
):
    before = site.app.drafts.get(ORDER)
    response = pay(site, **changes)
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
    assert site.app.drafts.get(ORDER) == before
    assert site.app.cashier.transactions(ORDER) == []


def test_a_form_rendered_for_another_link_is_refused(site: Site):
    # another valid link to the same order (signed a second later): its page's nonce is its own
    version = site.app.drafts.get(ORDER).version
    other = site.app.checkout.links.token(ORDER, version, NOW + dt.timedelta(seconds=1))
    assert other != site.token
    nonce = hidden(text(site.client.get(f"/checkout/{other}")), "nonce")
    response = pay(site, nonce=nonce)
    assert response.status_code == 400
    assert "This page was open too long" in alerts(text(response))[0]
    assert site.app.cashier.transactions(ORDER) == []


def test_markup_typed_in_is_shown_not_run(site: Site):
    name = '<script>alert("x")</script>'
    response = pay(site, name=name, country="XX")
    assert response.status_code == 400
    html = text(response)
    assert "<script>" not in html
    assert 'value="&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;"' in html


def test_an_app_needs_a_shop_with_checkout_links():
    app = ShopApp(Shop(example["CATALOG"]), Ports(clock=FixedClock(NOW)))
    with pytest.raises(ValidationError, match="checkout links"):
        create_app(app.checkout)


def test_the_links_of_the_example_point_to_the_app():
    app, link = open_shop()
    assert isinstance(app.checkout.links, CheckoutLinks)
    assert link.startswith("http://127.0.0.1:8000/checkout/k1.")
    elsewhere, link = open_shop(settings("https://shop.example/pay/"))
    assert link.startswith("https://shop.example/pay/k1.")
    assert elsewhere.checkout.open(link).order_id == ORDER


# -- in a browser -----------------------------------------------------------------------------


@dataclass
class Live:
    """The app served on a free port, with the shop whose links point to it."""

    app: ShopApp
    link: str
    base: str


@pytest.fixture
def live() -> Iterator[Live]:
    apps: list[Flask] = []
    server = make_server("127.0.0.1", 0, lambda environ, start: apps[0](environ, start))
    base = f"http://127.0.0.1:{server.server_port}"
    app, link = open_shop(settings(f"{base}/checkout/"))  # the link on the invoice is real
    apps.append(create_app(app.checkout))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Live(app, link, base)
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
    assert live.app.drafts.get(ORDER).status is Status.INVOICE_SENT
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
    assert live.app.drafts.get(ORDER).status is Status.COMPLETED
    assert live.app.cashier.summary(ORDER).status is PaymentStatus.PAID
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

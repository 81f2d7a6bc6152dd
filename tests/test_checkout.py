"""Checkout links (signed, expiring, rotating keys, refusals that say nothing) and checkout
sessions: the link on a sent invoice, opening it, stale links (edited, reverted, completed,
cancelled, deleted), shipping options, the billing address, the price as chosen, a declined
card, then payment that completes the order; and two payments of one order at once, where the
second is told a payment is in flight and nothing is charged.

Two mugs for Ada at 8.25% tax come to 28.12; shipping (Ground 9.95, Express 19.00) is not
taxed, so with Express the customer pays 47.12.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import json
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from builders import catalog, flat_tax, money
from draftorders import (
    Address,
    CheckoutLinkRefused,
    CheckoutLinks,
    Customer,
    DuplicateOrderId,
    FakeGateway,
    GatewayFailed,
    GatewayResult,
    Money,
    OrderCompleted,
    Party,
    PaymentGateway,
    PaymentInFlight,
    PaymentStatus,
    Ports,
    PricingContext,
    Shop,
    ShopApp,
    Status,
    UsageLimitReached,
    ValidationError,
)
from draftorders.errors import AmountChanged
from draftorders.payments import ClaimState, TransactionStatus
from draftorders.promotions import PercentOff, Promotion, PromotionBook, Target
from draftorders.shipping import Flat, ShippingRate, ShippingZone
from draftorders.shop import CheckoutSession
from draftorders.shop.links import CheckoutClaim
from stand_ins import HeldGateway, TaxEngine

NOW = dt.datetime(2026, 11, 26, 9, 30, tzinfo=dt.UTC)
LIFETIME = dt.timedelta(days=14)
SECRET = "a-long-random-secret-kept-out-of-the-code-0001"
OTHER_SECRET = "another-long-random-secret-for-the-next-key-02"
BASE = "https://shop.example/checkout/"
LINKS = CheckoutLinks(keys={"k2026": SECRET}, current="k2026", base_url=BASE, lifetime=LIFETIME)
ZONES = [
    ShippingZone(
        "Domestic",
        countries={"US"},
        rates=[
            ShippingRate("Ground", Flat(money("9.95"))),
            ShippingRate("Express", Flat(money("19.00"))),
        ],
    )
]
HOME = Address(country="US", region="NY", city="New York", postal_code="10001", line1="1 Main St")
BILLING = Address(
    country="US",
    name="Ada Lovelace",
    line1="12 Billing Rd",
    city="Albany",
    region="NY",
    postal_code="12207",
)
ADA = Customer(id="C1", name="Ada Lovelace", email="ada@example.com")
TOTAL = money("28.12")
WITH_EXPRESS = money("47.12")
B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
ONCE = Promotion(
    "ONCE", "10% off mugs, once", PercentOff("10"), target=Target(skus={"MUG"}), usage_limit=1
)
"""A single-use promotion: the first order completed with it uses it up."""


class MovableClock:
    """A clock the test moves forward."""

    def __init__(self, at: dt.datetime) -> None:
        self.at = at

    def now(self) -> dt.datetime:
        return self.at

    def today(self) -> dt.date:
        return self.at.date()


def make_shop(
    links: CheckoutLinks | None = LINKS,
    *,
    gateway: PaymentGateway | None = None,
    context: PricingContext | None = None,
    tax_provider: TaxEngine | None = None,
) -> ShopApp:
    shop = Shop(
        catalog(),
        context=context if context is not None else flat_tax(),
        seller=Party(name="Tea & Mugs Co.", email="billing@teamugs.example"),
        shipping_zones=ZONES,
        checkout_links=links,
        attach_pdf=False,
    )
    ports = Ports(
        clock=MovableClock(NOW),
        gateway=gateway if gateway is not None else FakeGateway(),
        tax_provider=tax_provider,
    )
    return ShopApp(shop, ports)


def mugs(app: ShopApp, *, address: Address | None = HOME) -> str:
    order = app.drafts.create(customer=ADA)
    edits = [lambda o: o.add_product(app.shop.catalog, "MUG", 2)]
    if address is not None:
        edits.append(lambda o: o.set_shipping_address(address))
    return app.drafts.edit(order.id, *edits).id


def invoiced(app: ShopApp) -> tuple[str, str]:
    """A sent invoice for two mugs, and its checkout link."""
    order_id = mugs(app)
    link = app.invoicing.send(order_id).sent.invoice.checkout_url
    assert link is not None
    return order_id, link


def link_for(app: ShopApp, order_id: str) -> str:
    """A checkout link for the order as it is stored now (as for a draft nobody sent)."""
    link = app.invoicing.checkout_url(order_id, app.drafts.get(order_id).version)
    assert link is not None
    return link


def gateway(app: ShopApp) -> FakeGateway:
    assert isinstance(app.ports.gateway, FakeGateway)
    return app.ports.gateway


def move_clock(app: ShopApp, at: dt.datetime) -> None:
    clock = app.ports.clock
    assert isinstance(clock, MovableClock)
    clock.at = at


def refusal(links: CheckoutLinks, link: str, now: dt.datetime = NOW) -> CheckoutLinkRefused:
    with pytest.raises(CheckoutLinkRefused) as caught:
        links.verify(link, now)
    return caught.value


def stale(call: Callable[[], object]) -> None:
    """``call`` is refused: the link is stale."""
    with pytest.raises(CheckoutLinkRefused) as caught:
        call()
    assert caught.value.reason == "stale"


# -- checkout links ------------------------------------------------------------------------------


def test_a_link_says_which_order_at_which_version_until_when() -> None:
    # when
    url = LINKS.url("D1001", 3, NOW)
    # then
    assert url.startswith(BASE)
    token = url.removeprefix(BASE)
    assert token.startswith("k2026.")
    claim = CheckoutClaim("D1001", 3, NOW + LIFETIME)
    assert LINKS.verify(url, NOW) == claim
    assert LINKS.verify(token, NOW) == claim
    assert LINKS.token("D1001", 3, NOW) == token
    assert LINKS.token("D1001", 4, NOW) != token


def flipped(char: str) -> str:
    """Another character that always changes what the token says: the top bit of a base64
    digit flipped (that bit is never padding), or a letter for the dot."""
    return B64[B64.index(char) ^ 32] if char in B64 else "A"


def test_a_link_with_any_character_changed_is_refused_as_tampered() -> None:
    token = LINKS.token("D1001", 3, NOW)
    # when
    reasons = {
        refusal(LINKS, BASE + token[:i] + flipped(c) + token[i + 1 :]).reason
        for i, c in enumerate(token)
    }
    # then
    assert reasons == {"tampered"}


def test_a_link_cut_short_or_lengthened_is_refused_as_tampered() -> None:
    token = LINKS.token("D1001", 3, NOW)
    for link in (token[:-1], token + "A", token.partition(".")[2], "k2026.", "k2026", "", BASE):
        assert refusal(LINKS, link).reason == "tampered", link


def test_every_other_spelling_of_the_signature_is_refused() -> None:
    token = LINKS.token("D1001", 3, NOW)
    accepted = []
    for char in B64:
        if char != token[-1]:
            try:
                LINKS.verify(token[:-1] + char, NOW)
            except CheckoutLinkRefused:
                continue
            accepted.append(char)
    assert accepted == []


def test_a_link_signed_with_another_secret_is_refused_as_tampered() -> None:
    forger = CheckoutLinks(keys={"k2026": OTHER_SECRET}, current="k2026", base_url=BASE)
    # when
    link = forger.url("D1001", 3, NOW)
    # then
    assert refusal(LINKS, link).reason == "tampered"


def test_a_link_with_an_unknown_key_id_is_refused_as_tampered() -> None:
    stranger = CheckoutLinks(keys={"k1999": SECRET}, current="k1999", base_url=BASE)
    # when
    link = stranger.url("D1001", 3, NOW)
    # then
    assert refusal(LINKS, link).reason == "tampered"


def test_a_link_whose_key_id_was_swapped_is_refused_even_when_the_secret_matches() -> None:
    # given the same secret listed under two ids
    old = CheckoutLinks(keys={"k2025": SECRET}, current="k2025", base_url=BASE)
    token = old.token("D1001", 3, NOW)
    # when the key id in front is changed to the other one
    swapped = "k2026" + token.removeprefix("k2025")
    # then the payload still names k2025
    assert refusal(LINKS, swapped).reason == "tampered"


def test_a_payload_re_encoded_with_another_version_is_refused_as_tampered() -> None:
    # given
    key_id, payload, signature = LINKS.token("D1001", 3, NOW).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["v"] == 3
    # when
    claims["v"] = 4
    encoded = base64.urlsafe_b64encode(json.dumps(claims, separators=(",", ":")).encode())
    forged = f"{key_id}.{encoded.decode().rstrip('=')}.{signature}"
    # then
    assert refusal(LINKS, forged).reason == "tampered"


def test_a_link_expires_after_its_lifetime() -> None:
    link = LINKS.url("D1001", 3, NOW)
    # then
    assert LINKS.verify(link, NOW + LIFETIME - dt.timedelta(seconds=1)).version == 3
    assert refusal(LINKS, link, NOW + LIFETIME).reason == "expired"
    assert refusal(LINKS, link, NOW + LIFETIME + dt.timedelta(days=365)).reason == "expired"


def test_keys_rotate_old_links_verify_while_the_old_key_is_listed() -> None:
    # given a link signed with last year's key
    old = CheckoutLinks(keys={"k2025": SECRET}, current="k2025", base_url=BASE)
    old_link = old.url("D1001", 3, NOW)
    # when the new key is added and signs new links
    both = CheckoutLinks(
        keys={"k2025": SECRET, "k2026": OTHER_SECRET}, current="k2026", base_url=BASE
    )
    new_link = both.url("D1002", 1, NOW)
    # then both verify
    assert both.verify(old_link, NOW).order_id == "D1001"
    assert both.verify(new_link, NOW).order_id == "D1002"
    assert new_link.removeprefix(BASE).startswith("k2026.")
    # when the old key is removed
    new_only = CheckoutLinks(keys={"k2026": OTHER_SECRET}, current="k2026", base_url=BASE)
    # then
    assert refusal(new_only, old_link).reason == "tampered"
    assert new_only.verify(new_link, NOW).order_id == "D1002"


def test_a_refusal_says_the_same_thing_whatever_the_cause_and_never_names_the_order() -> None:
    link = LINKS.url("SECRET-ORDER-77", 3, NOW)
    refusals = [
        refusal(LINKS, link[:-2] + flipped(link[-2]) + link[-1]),
        refusal(LINKS, link, NOW + LIFETIME),
        refusal(CheckoutLinks(keys={"k1": OTHER_SECRET}, current="k1", base_url=BASE), link),
    ]
    # then
    assert [r.reason for r in refusals] == ["tampered", "expired", "tampered"]
    assert len({str(r) for r in refusals}) == 1
    assert all("SECRET-ORDER-77" not in str(r) and "77" not in repr(r) for r in refusals)


def test_a_link_to_another_site_is_refused() -> None:
    token = LINKS.token("D1001", 3, NOW)
    assert refusal(LINKS, "https://evil.example/checkout/" + token).reason == "tampered"


@pytest.mark.parametrize(
    "settings",
    [
        {"keys": {"k1": "too-short"}},
        {"keys": {}},
        {"keys": {"not an id": SECRET}},
        {"keys": {"k1": 12345678901234567890123456789012345}},
        {"current": "k9"},
        {"base_url": "ftp://shop.example/"},
        {"base_url": "shop.example/checkout"},
        {"base_url": None},
        {"lifetime": dt.timedelta(0)},
        {"lifetime": 3600},
    ],
)
def test_bad_link_settings_are_refused(settings: dict[str, object]) -> None:
    values: dict[str, object] = {"keys": {"k1": SECRET}, "current": "k1", "base_url": BASE}
    values.update(settings)
    with pytest.raises(ValidationError):
        CheckoutLinks(**values)  # type: ignore[arg-type]


def test_a_base_url_gets_its_trailing_slash_and_keys_stay_out_of_the_repr() -> None:
    links = CheckoutLinks(keys={"k1": SECRET}, current="k1", base_url="https://shop.example/pay")
    assert links.url("D1001", 1, NOW).startswith("https://shop.example/pay/k1.")
    assert SECRET not in repr(links)


def test_a_link_for_a_bad_order_id_is_refused() -> None:
    with pytest.raises(ValidationError):
        LINKS.token("D 1001\n", 1, NOW)


# -- the link on a sent invoice ------------------------------------------------------------------


def test_a_sent_invoice_carries_a_link_to_the_locked_version() -> None:
    app = make_shop()
    order_id = mugs(app)
    # when
    delivery = app.invoicing.send(order_id)
    # then
    link = delivery.sent.invoice.checkout_url
    assert link is not None
    assert link.startswith(BASE)
    claim = LINKS.verify(link, NOW)
    assert (claim.order_id, claim.version) == (order_id, delivery.order.version)
    assert delivery.order.status is Status.INVOICE_SENT
    assert link in delivery.sent.text
    assert link in delivery.sent.html


def test_a_re_sent_invoice_keeps_a_link_that_still_opens() -> None:
    app = make_shop()
    order_id, link = invoiced(app)
    # when
    again = app.invoicing.resend(order_id)
    # then
    assert again.sent.invoice.checkout_url == link
    assert app.checkout.open(link).order_id == order_id


def test_a_shop_without_link_settings_sends_no_link_and_cannot_check_out() -> None:
    app = make_shop(links=None)
    order_id = mugs(app)
    # when
    delivery = app.invoicing.send(order_id)
    # then
    assert delivery.sent.invoice.checkout_url is None
    assert app.invoicing.checkout_url(order_id, delivery.order.version) is None
    with pytest.raises(ValidationError):
        app.checkout.open(LINKS.url(order_id, delivery.order.version, NOW))


# -- opening a link -------------------------------------------------------------------------------


def test_opening_a_link_opens_the_order_as_sent() -> None:
    app = make_shop()
    order_id, link = invoiced(app)
    # when
    session = app.checkout.open(link)
    # then
    assert session.order == app.drafts.get(order_id)
    assert (session.link, session.billing_address, session.shipping_method) == (link, None, None)


def test_a_link_goes_stale_when_the_order_is_reverted_to_draft() -> None:
    app = make_shop()
    order_id, link = invoiced(app)
    # when
    app.drafts.revert_to_draft(order_id)
    # then
    stale(lambda: app.checkout.open(link))
    # and the invoice sent again carries a link that opens
    fresh = app.invoicing.send(order_id).sent.invoice.checkout_url
    assert fresh is not None
    assert fresh != link
    assert app.checkout.open(fresh).order_id == order_id
    stale(lambda: app.checkout.open(link))


def test_a_link_goes_stale_when_the_draft_is_edited() -> None:
    app = make_shop()
    order_id = mugs(app)
    link = link_for(app, order_id)
    assert app.checkout.open(link).order_id == order_id
    # when
    app.drafts.edit(order_id, lambda o: o.set_notes("leave at the door"))
    # then
    with pytest.raises(CheckoutLinkRefused) as caught:
        app.checkout.open(link)
    assert caught.value.reason == "stale"
    assert order_id not in str(caught.value)


def test_a_link_goes_stale_when_the_order_is_completed() -> None:
    app = make_shop()
    order_id, link = invoiced(app)
    # when
    app.cashier.record_payment(order_id)
    # then
    stale(lambda: app.checkout.open(link))


def test_a_link_to_an_order_that_does_not_exist_is_stale() -> None:
    app = make_shop()
    stale(lambda: app.checkout.open(LINKS.url("D9999", 1, NOW)))


def test_an_expired_link_does_not_open() -> None:
    app = make_shop()
    _, link = invoiced(app)
    # when
    move_clock(app, NOW + LIFETIME)
    # then
    with pytest.raises(CheckoutLinkRefused) as caught:
        app.checkout.open(link)
    assert caught.value.reason == "expired"


def test_a_tampered_link_does_not_open() -> None:
    app = make_shop()
    _, link = invoiced(app)
    with pytest.raises(CheckoutLinkRefused) as caught:
        app.checkout.open(link[:-2] + flipped(link[-2]) + link[-1])
    assert caught.value.reason == "tampered"


# -- deleted and cancelled orders ---------------------------------------------------------------


def test_the_link_of_a_deleted_order_is_refused_as_stale() -> None:
    app = make_shop()
    order_id, link = invoiced(app)
    # when the shop deletes the order (no money on it)
    tombstone = app.drafts.delete(order_id)
    # then
    assert tombstone.order_id == order_id
    with pytest.raises(CheckoutLinkRefused) as caught:
        app.checkout.open(link)
    assert caught.value.reason == "stale"
    assert order_id not in str(caught.value)


def test_a_session_opened_before_its_order_was_deleted_cannot_pay() -> None:
    app = make_shop()
    order_id, link = invoiced(app)
    session = app.checkout.open(link)
    # when
    app.drafts.delete(order_id)
    # then
    stale(lambda: app.checkout.pay(session, "tok_visa"))
    assert gateway(app).calls == 0


def test_after_create_delete_create_the_old_link_never_opens_the_new_order() -> None:
    # given a draft and its link
    app = make_shop()
    first = mugs(app)
    old_link = link_for(app, first)
    # when it is deleted and another draft is made, just like it
    app.drafts.delete(first)
    second = mugs(app)
    # then the new draft has a new id, and the old link does not open it
    assert second != first
    assert app.drafts.get(second).version == LINKS.verify(old_link, NOW).version
    stale(lambda: app.checkout.open(old_link))
    assert app.checkout.open(link_for(app, second)).order_id == second
    # and the old id cannot be given to a new order by hand either
    with pytest.raises(DuplicateOrderId):
        app.drafts.create(order_id=first, customer=ADA)
    stale(lambda: app.checkout.open(old_link))


@given(st.lists(st.one_of(st.none(), st.integers(0, 7)), min_size=1, max_size=8))
def test_whatever_is_created_and_deleted_a_link_opens_only_its_own_living_order(
    steps: list[int | None],
) -> None:
    # given drafts created (None) and deleted (the living draft at that index), in any order
    app = make_shop()
    links: dict[str, str] = {}
    living: list[str] = []
    for step in steps:
        if step is None or not living:
            order_id = mugs(app)
            assert order_id not in links  # never an id seen before
            links[order_id] = link_for(app, order_id)
            living.append(order_id)
        else:
            app.drafts.delete(living.pop(step % len(living)))
    # then every link opens its own order while it lives, and nothing once it is deleted
    for order_id, link in links.items():
        if order_id in living:
            assert app.checkout.open(link).order_id == order_id
        else:
            stale(functools.partial(app.checkout.open, link))


def test_the_link_of_a_cancelled_order_is_refused_and_nothing_is_charged() -> None:
    app = make_shop()
    order_id, link = invoiced(app)
    session = app.checkout.open(link)
    # when the shop cancels the order
    cancelled = app.drafts.cancel(order_id, "customer changed their mind")
    # then the link no longer opens, and a session opened before cannot pay
    assert cancelled.order.status is Status.CANCELLED
    stale(lambda: app.checkout.open(link))
    stale(lambda: app.checkout.pay(session, "tok_visa"))
    assert gateway(app).calls == 0
    assert app.cashier.transactions(order_id) == []
    assert app.cashier.claims(order_id) == []


# -- choosing -------------------------------------------------------------------------------------


def test_the_shipping_options_are_the_zones_rates_cheapest_first() -> None:
    app = make_shop()
    _, link = invoiced(app)
    # when
    options = app.checkout.shipping_options(app.checkout.open(link))
    # then
    assert [(o.method, o.amount) for o in options] == [
        ("Ground", money("9.95")),
        ("Express", money("19.00")),
    ]


def test_without_a_shipping_address_there_are_no_shipping_options() -> None:
    app = make_shop()
    order_id = mugs(app, address=None)
    session = app.checkout.open(link_for(app, order_id))
    # then
    assert app.checkout.shipping_options(session) == ()
    with pytest.raises(ValidationError):
        app.checkout.choose_shipping(session, "Ground")


def test_a_shipping_method_not_offered_is_refused() -> None:
    app = make_shop()
    _, link = invoiced(app)
    session = app.checkout.open(link)
    # when
    with pytest.raises(ValidationError) as caught:
        app.checkout.choose_shipping(session, "Teleport")
    # then
    assert caught.value.field == "shipping_method"
    assert "Express" in str(caught.value)


def test_choices_are_made_on_the_session_and_the_stored_order_is_untouched() -> None:
    app = make_shop()
    order_id, link = invoiced(app)
    stored = app.drafts.get(order_id)
    checkout = app.checkout
    session = checkout.open(link)
    # when
    chosen = checkout.with_billing_address(checkout.choose_shipping(session, "Express"), BILLING)
    # then
    assert (chosen.shipping_method, chosen.billing_address) == ("Express", BILLING)
    assert (session.shipping_method, session.billing_address) == (None, None)
    as_chosen = checkout.order_as_chosen(chosen)
    assert as_chosen.billing_address == BILLING
    assert as_chosen.shipping is not None
    assert (as_chosen.shipping.title, as_chosen.shipping.price) == ("Express", money("19.00"))
    assert app.drafts.get(order_id) == stored


def test_a_billing_address_must_be_an_address() -> None:
    app = make_shop()
    _, link = invoiced(app)
    with pytest.raises(ValidationError):
        app.checkout.with_billing_address(app.checkout.open(link), "12 Billing Rd")  # type: ignore[arg-type]


def test_the_price_summary_and_invoice_follow_the_choices() -> None:
    app = make_shop()
    checkout = app.checkout
    _, link = invoiced(app)
    session = checkout.open(link)
    # before choosing
    assert checkout.price(session).total == TOTAL
    assert checkout.summary(session).due == TOTAL
    # when
    for method, total in (("Ground", money("38.07")), ("Express", WITH_EXPRESS)):
        chosen = checkout.choose_shipping(session, method)
        # then
        assert checkout.price(chosen).total == total
        assert checkout.price(chosen).shipping_total == total - TOTAL
        summary = checkout.summary(chosen)
        assert (summary.total, summary.due, summary.status) == (
            total,
            total,
            PaymentStatus.UNPAID,
        )
        invoice = checkout.invoice(chosen)
        assert (invoice.total, invoice.amount_due, invoice.number) == (total, total, None)


# -- paying ---------------------------------------------------------------------------------------


def test_a_declined_card_then_a_good_one_completes_the_order_as_chosen() -> None:
    # given
    app = make_shop()
    checkout = app.checkout
    order_id, link = invoiced(app)
    sent = app.drafts.get(order_id)
    session = checkout.with_billing_address(
        checkout.choose_shipping(checkout.open(link), "Express"), BILLING
    )
    # when the first card is declined
    declined = checkout.pay(session, "tok_chargeDeclined")
    # then it is recorded, nothing else changed, and the link still opens
    assert not declined.succeeded
    assert (declined.transaction.status, declined.transaction.amount) == (
        TransactionStatus.FAILURE,
        WITH_EXPRESS,
    )
    assert declined.transaction.code == "card_declined"
    assert not any(isinstance(e, OrderCompleted) for e in declined.events)
    assert app.drafts.get(order_id) == sent
    assert checkout.open(link).order == sent
    assert gateway(app).movements == []
    # when the next card goes through
    paid = checkout.pay(session, "tok_visa")
    # then
    assert paid.succeeded
    assert paid.transaction.amount == WITH_EXPRESS
    completed = app.drafts.get(order_id)
    assert completed == paid.order
    assert completed.status is Status.COMPLETED
    assert completed.billing_address == BILLING
    assert completed.shipping is not None
    assert (completed.shipping.title, completed.shipping.price) == ("Express", money("19.00"))
    assert completed.completed_total == WITH_EXPRESS
    summary = app.cashier.summary(order_id)
    assert (summary.status, summary.paid, summary.due) == (
        PaymentStatus.PAID,
        WITH_EXPRESS,
        money("0.00"),
    )
    assert gateway(app).captured_total("USD") == WITH_EXPRESS
    assert [o.id for o in app.drafts.orders()] == [order_id]
    assert sum(isinstance(e, OrderCompleted) for e in paid.events) == 1
    # every money call was claimed first, and each claim is recorded
    assert [(c.state, c.transaction_id) for c in app.cashier.claims(order_id)] == [
        (ClaimState.RECORDED, declined.transaction.id),
        (ClaimState.RECORDED, paid.transaction.id),
    ]
    # and the link is now refused
    stale(lambda: checkout.open(link))


def test_paying_twice_from_one_session_charges_once() -> None:
    app = make_shop()
    _, link = invoiced(app)
    session = app.checkout.open(link)
    app.checkout.pay(session, "tok_visa")
    # when the customer clicks again
    stale(lambda: app.checkout.pay(session, "tok_visa"))
    # then
    assert gateway(app).captured_total("USD") == TOTAL
    assert gateway(app).calls == 1


def test_a_session_whose_order_changed_after_opening_cannot_pay() -> None:
    app = make_shop()
    order_id = mugs(app)
    session = app.checkout.open(link_for(app, order_id))
    # when the shop edits the draft
    app.drafts.edit(order_id, lambda o: o.add_product(app.shop.catalog, "TEA"))
    # then
    stale(lambda: app.checkout.pay(session, "tok_visa"))
    assert gateway(app).calls == 0
    assert app.cashier.transactions(order_id) == []


def test_a_session_whose_link_expired_before_paying_cannot_pay() -> None:
    app = make_shop()
    order_id, link = invoiced(app)
    session = app.checkout.open(link)
    # when
    move_clock(app, NOW + LIFETIME + dt.timedelta(minutes=1))
    # then
    with pytest.raises(CheckoutLinkRefused) as caught:
        app.checkout.pay(session, "tok_visa")
    assert caught.value.reason == "expired"
    assert app.cashier.transactions(order_id) == []


def test_a_link_for_a_draft_checks_out_too() -> None:
    # given a draft nobody sent an invoice for
    app = make_shop()
    order_id = mugs(app)
    link = link_for(app, order_id)
    assert LINKS.verify(link, NOW).version == app.drafts.get(order_id).version
    # when
    session = app.checkout.choose_shipping(app.checkout.open(link), "Ground")
    paid = app.checkout.pay(session, "tok_mastercard")
    # then
    assert paid.order.status is Status.COMPLETED
    assert paid.order.shipping is not None
    assert paid.order.shipping.title == "Ground"
    assert paid.order.completed_total == money("38.07")
    assert app.cashier.summary(order_id).status is PaymentStatus.PAID
    stale(lambda: app.checkout.open(link))


def test_at_checkout_the_customer_pays_what_is_left_after_a_deposit() -> None:
    app = make_shop()
    order_id, link = invoiced(app)
    app.cashier.charge(order_id, "tok_visa", money("10.00"))
    session = app.checkout.choose_shipping(app.checkout.open(link), "Express")
    # when
    assert app.checkout.summary(session).due == money("37.12")
    paid = app.checkout.pay(session, "tok_amex")
    # then
    assert paid.transaction.amount == money("37.12")
    assert paid.order.status is Status.COMPLETED
    assert app.cashier.summary(order_id).paid == WITH_EXPRESS


def test_a_payment_for_another_amount_than_the_customer_was_shown_is_refused() -> None:
    app = make_shop()
    order_id, link = invoiced(app)
    session = app.checkout.choose_shipping(app.checkout.open(link), "Express")
    # when the page showed the price without shipping
    with pytest.raises(AmountChanged) as caught:
        app.checkout.pay(session, "tok_visa", expected_amount=TOTAL)
    # then nothing was charged, recorded or claimed
    assert (caught.value.shown, caught.value.now) == (TOTAL, WITH_EXPRESS)
    assert gateway(app).calls == 0
    assert app.cashier.transactions(order_id) == []
    assert app.cashier.claims(order_id) == []
    # and with the amount shown, it goes through
    paid = app.checkout.pay(session, "tok_visa", expected_amount=WITH_EXPRESS)
    assert paid.order.status is Status.COMPLETED


def test_a_repeated_checkout_payment_with_its_key_returns_the_same_receipt() -> None:
    app = make_shop()
    order_id, link = invoiced(app)
    session = app.checkout.open(link)
    first = app.checkout.pay(session, "tok_visa", idempotency_key="checkout-1")
    # when the browser posts the form again
    again = app.checkout.pay(session, "tok_visa", idempotency_key="checkout-1")
    # then
    assert again.transaction == first.transaction
    assert again.order.status is Status.COMPLETED
    assert gateway(app).calls == 1
    assert len(app.cashier.transactions(order_id)) == 1


class PickyGateway(FakeGateway):
    """A gateway adapter that refuses American Express outright, before asking anyone (as an
    adapter refuses a currency it does not take)."""

    def sale(self, token: str, amount: Money, *, idempotency_key: str) -> GatewayResult:
        if token == "tok_amex":
            raise ValidationError("token", "American Express is not taken here")
        return super().sale(token, amount, idempotency_key=idempotency_key)


def test_a_card_the_gateway_adapter_refuses_outright_leaves_the_order_payable() -> None:
    app = make_shop(gateway=PickyGateway())
    order_id, link = invoiced(app)
    session = app.checkout.open(link)
    with pytest.raises(ValidationError):
        app.checkout.pay(session, "tok_amex")
    # when the customer tries another card
    paid = app.checkout.pay(session, "tok_visa")
    # then it pays
    assert paid.succeeded
    assert paid.order.status is Status.COMPLETED
    assert not any(claim.is_open for claim in app.cashier.claims(order_id))


def test_a_checkout_payment_whose_answer_was_lost_is_recorded_once_by_reconcile() -> None:
    # given the gateway charges the card, then the answer is lost
    app = make_shop()
    order_id, link = invoiced(app)
    session = app.checkout.choose_shipping(app.checkout.open(link), "Express")
    gateway(app).fail_next(TimeoutError("read timed out"), after_processing=True)
    with pytest.raises(GatewayFailed):
        app.checkout.pay(session, "tok_visa")
    # then the claim stays open, marked interrupted, and nothing is recorded yet
    [claim] = app.cashier.claims(order_id)
    assert claim.is_open
    assert claim.interrupted is not None
    assert app.cashier.transactions(order_id) == []
    assert app.drafts.get(order_id).status is Status.INVOICE_SENT
    # when the shop reconciles
    report = app.cashier.reconcile()
    # then the charge is recorded once, and the order completes as the customer chose it
    [payment] = report.recorded
    assert report.still_open == ()
    assert payment.transaction.idempotency_key == claim.idempotency_key
    assert payment.transaction.amount == WITH_EXPRESS
    completed = app.drafts.get(order_id)
    assert completed.status is Status.COMPLETED
    assert completed.shipping is not None
    assert completed.shipping.title == "Express"
    assert gateway(app).captured_total("USD") == WITH_EXPRESS
    assert len(gateway(app).movements) == 1
    assert app.cashier.reconcile().recorded == ()
    stale(lambda: app.checkout.open(link))


# -- two payments of one order at once --------------------------------------------------------


@pytest.fixture
def held() -> Iterator[tuple[ShopApp, HeldGateway, ThreadPoolExecutor]]:
    """A shop whose gateway holds sales until released, and a thread to pay from."""
    held_gateway = HeldGateway()
    pool = ThreadPoolExecutor(max_workers=1)
    try:
        yield make_shop(gateway=held_gateway), held_gateway, pool
    finally:
        held_gateway.go.set()
        pool.shutdown(wait=True)


def two_sessions(app: ShopApp) -> tuple[str, CheckoutSession, CheckoutSession]:
    """An invoiced order opened twice (the customer's laptop and phone, say)."""
    order_id, link = invoiced(app)
    return order_id, app.checkout.open(link), app.checkout.open(link)


def test_a_second_session_paying_while_the_first_is_in_flight_is_not_charged(
    held: tuple[ShopApp, HeldGateway, ThreadPoolExecutor],
) -> None:
    app, held_gateway, pool = held
    order_id, laptop, phone = two_sessions(app)
    # given the laptop's payment is in flight
    first = pool.submit(app.checkout.pay, laptop, "tok_visa")
    assert held_gateway.started.wait(timeout=10)
    # when the phone pays too
    with pytest.raises(PaymentInFlight) as caught:
        app.checkout.pay(phone, "tok_mastercard")
    # then it is told so, and nothing was asked of the gateway for it
    [claim] = app.cashier.claims(order_id)
    assert claim.is_open
    assert (caught.value.order_id, caught.value.claim_id) == (order_id, claim.id)
    assert held_gateway.inner.calls == 0
    assert app.cashier.transactions(order_id) == []
    # and the merchant cannot unlock the order meanwhile either
    with pytest.raises(PaymentInFlight):
        app.drafts.revert_to_draft(order_id)
    # when the laptop's payment comes back
    held_gateway.go.set()
    paid = first.result(timeout=30)
    # then the order is paid once, by the laptop
    assert paid.succeeded
    assert paid.order.status is Status.COMPLETED
    assert [t.status for t in app.cashier.transactions(order_id)] == [TransactionStatus.SUCCESS]
    assert held_gateway.inner.captured_total("USD") == TOTAL
    assert held_gateway.inner.calls == 1
    # and the phone's session is now stale: it never pays
    stale(lambda: app.checkout.pay(phone, "tok_mastercard"))
    assert held_gateway.inner.calls == 1


def test_when_the_payment_in_flight_is_declined_the_other_session_can_pay(
    held: tuple[ShopApp, HeldGateway, ThreadPoolExecutor],
) -> None:
    app, held_gateway, pool = held
    order_id, laptop, phone = two_sessions(app)
    first = pool.submit(app.checkout.pay, laptop, "tok_chargeDeclined")
    assert held_gateway.started.wait(timeout=10)
    with pytest.raises(PaymentInFlight):
        app.checkout.pay(phone, "tok_mastercard")
    # when the laptop's card is declined
    held_gateway.go.set()
    assert not first.result(timeout=30).succeeded
    # then the phone pays
    paid = app.checkout.pay(phone, "tok_mastercard")
    assert paid.succeeded
    assert paid.order.status is Status.COMPLETED
    assert [t.status for t in app.cashier.transactions(order_id)] == [
        TransactionStatus.FAILURE,
        TransactionStatus.SUCCESS,
    ]
    assert held_gateway.inner.captured_total("USD") == TOTAL


# -- a single-use promotion used up meanwhile -----------------------------------------------------


def with_once(context: PricingContext) -> PricingContext:
    return attrs.evolve(context, promotions=PromotionBook([ONCE]))


def test_a_promotion_used_up_since_the_page_was_shown_changes_the_amount_and_charges_nothing() -> (
    None
):
    # given Ada's checkout shows the mugs with the single-use promotion
    app = make_shop(context=with_once(flat_tax()))
    order_id, link = invoiced(app)
    session = app.checkout.open(link)
    shown = app.checkout.summary(session).outstanding
    assert app.checkout.price(session).applied_promotions == ("ONCE",)
    assert shown < TOTAL
    # when another order is completed with it first
    other = mugs(app)
    app.drafts.complete_unpaid(other)
    # then paying the amount shown is refused, and nothing is charged or claimed
    with pytest.raises(AmountChanged) as caught:
        app.checkout.pay(session, "tok_visa", expected_amount=shown)
    assert (caught.value.shown, caught.value.now) == (shown, TOTAL)
    assert gateway(app).calls == 0
    assert app.cashier.transactions(order_id) == []
    assert app.cashier.claims(order_id) == []
    # and the customer pays the price without the promotion, which stays used once
    paid = app.checkout.pay(session, "tok_visa", expected_amount=TOTAL)
    assert paid.order.status is Status.COMPLETED
    assert app.quotes.usage().count("ONCE") == 1


def test_a_promotion_used_up_while_the_payment_was_being_priced_raises_and_charges_nothing() -> (
    None
):
    # given a shop whose tax engine is asked as the payment is priced
    engine = TaxEngine()
    app = make_shop(context=with_once(flat_tax()), tax_provider=engine)
    order_id, link = invoiced(app)
    other = mugs(app)
    session = app.checkout.open(link)
    shown = app.checkout.summary(session).outstanding
    # when the other order uses the promotion up just after the payment read its usage
    engine.steps.append(lambda: app.drafts.complete_unpaid(other))
    with pytest.raises(UsageLimitReached) as caught:
        app.checkout.pay(session, "tok_visa")
    # then
    assert engine.steps == []
    assert (caught.value.promotion_id, caught.value.limit) == ("ONCE", 1)
    assert app.drafts.get(other).status is Status.COMPLETED
    assert gateway(app).calls == 0
    assert app.cashier.transactions(order_id) == []
    assert app.cashier.claims(order_id) == []
    assert app.quotes.usage().count("ONCE") == 1
    # and paying again charges the price without it
    paid = app.checkout.pay(session, "tok_visa")
    assert paid.succeeded
    assert paid.transaction.amount > shown
    assert paid.order.completed_total == paid.transaction.amount
    assert app.checkout.price(session).applied_promotions == ()
    assert app.quotes.usage().count("ONCE") == 1

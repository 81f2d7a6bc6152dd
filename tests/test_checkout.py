"""Checkout links (signed, expiring, rotating keys, refusals that say nothing) and checkout
sessions: the link on a sent invoice, opening it, stale links, shipping options, the billing
address, the price as chosen, a declined card, then payment that completes the order.

Two mugs for Ada at 8.25% tax come to 28.12; shipping (Ground 9.95, Express 19.00) is not
taxed, so with Express the customer pays 47.12.
"""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest

from builders import catalog, flat_tax, money
from draftorders import (
    Address,
    Cashier,
    Checkout,
    CheckoutLinkRefused,
    CheckoutLinks,
    Customer,
    DraftOrderService,
    FakeGateway,
    FixedClock,
    OrderCompleted,
    Party,
    PaymentStatus,
    Status,
    ValidationError,
)
from draftorders.checkout_links import CheckoutClaim
from draftorders.errors import AmountChanged
from draftorders.payments import TransactionStatus
from draftorders.shipping import Flat, ShippingRate, ShippingZone

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


def make_shop(links: CheckoutLinks | None = LINKS) -> tuple[DraftOrderService, Checkout]:
    shop = DraftOrderService(
        catalog(),
        context=flat_tax(),
        clock=FixedClock(NOW),
        seller=Party(name="Tea & Mugs Co.", email="billing@teamugs.example"),
        shipping_zones=ZONES,
        checkout_links=links,
        attach_pdf=False,
    )
    return shop, Checkout(Cashier(shop, FakeGateway()))


def mugs(shop: DraftOrderService, *, address: Address | None = HOME) -> str:
    order = shop.create(customer=ADA)
    edits = [lambda o: o.add_product(shop.catalog, "MUG", 2)]
    if address is not None:
        edits.append(lambda o: o.set_shipping_address(address))
    return shop.edit(order.id, *edits).id


def invoiced(shop: DraftOrderService) -> tuple[str, str]:
    """A sent invoice for two mugs, and its checkout link."""
    order_id = mugs(shop)
    link = shop.send_invoice(order_id).sent.invoice.checkout_url
    assert link is not None
    return order_id, link


def gateway(checkout: Checkout) -> FakeGateway:
    assert isinstance(checkout.cashier.gateway, FakeGateway)
    return checkout.cashier.gateway


def refusal(links: CheckoutLinks, link: str, now: dt.datetime = NOW) -> CheckoutLinkRefused:
    with pytest.raises(CheckoutLinkRefused) as caught:
        links.verify(link, now)
    return caught.value


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
    shop, _ = make_shop()
    order_id = mugs(shop)
    # when
    delivery = shop.send_invoice(order_id)
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
    shop, checkout = make_shop()
    order_id, link = invoiced(shop)
    # when
    again = shop.send_invoice(order_id)
    # then
    assert again.sent.invoice.checkout_url == link
    assert checkout.open(link).order_id == order_id


def test_a_shop_without_link_settings_sends_no_link_and_cannot_check_out() -> None:
    shop, checkout = make_shop(links=None)
    order_id = mugs(shop)
    # when
    delivery = shop.send_invoice(order_id)
    # then
    assert delivery.sent.invoice.checkout_url is None
    assert shop.checkout_url(shop.get(order_id)) is None
    with pytest.raises(ValidationError):
        checkout.open(LINKS.url(order_id, delivery.order.version, NOW))


# -- opening a link -------------------------------------------------------------------------------


def test_opening_a_link_opens_the_order_as_sent() -> None:
    shop, checkout = make_shop()
    order_id, link = invoiced(shop)
    # when
    session = checkout.open(link)
    # then
    assert session.order == shop.get(order_id)
    assert (session.link, session.billing_address, session.shipping_method) == (link, None, None)


def test_a_link_goes_stale_when_the_order_is_reverted_to_draft() -> None:
    shop, checkout = make_shop()
    order_id, link = invoiced(shop)
    # when
    shop.revert_to_draft(order_id)
    # then
    with pytest.raises(CheckoutLinkRefused) as caught:
        checkout.open(link)
    assert caught.value.reason == "stale"
    # and the invoice sent again carries a link that opens
    fresh = shop.send_invoice(order_id).sent.invoice.checkout_url
    assert fresh is not None
    assert fresh != link
    assert checkout.open(fresh).order_id == order_id
    with pytest.raises(CheckoutLinkRefused):
        checkout.open(link)


def test_a_link_goes_stale_when_the_draft_is_edited() -> None:
    shop, checkout = make_shop()
    order_id = mugs(shop)
    link = shop.checkout_url(shop.get(order_id))
    assert link is not None
    assert checkout.open(link).order_id == order_id
    # when
    shop.edit(order_id, lambda o: o.set_notes("leave at the door"))
    # then
    with pytest.raises(CheckoutLinkRefused) as caught:
        checkout.open(link)
    assert caught.value.reason == "stale"
    assert order_id not in str(caught.value)


def test_a_link_goes_stale_when_the_order_is_completed() -> None:
    shop, checkout = make_shop()
    order_id, link = invoiced(shop)
    # when
    checkout.cashier.record_payment(order_id)
    # then
    with pytest.raises(CheckoutLinkRefused) as caught:
        checkout.open(link)
    assert caught.value.reason == "stale"


def test_a_link_to_an_order_that_does_not_exist_is_stale() -> None:
    _, checkout = make_shop()
    with pytest.raises(CheckoutLinkRefused) as caught:
        checkout.open(LINKS.url("D9999", 1, NOW))
    assert caught.value.reason == "stale"


def test_an_expired_link_does_not_open() -> None:
    shop, checkout = make_shop()
    _, link = invoiced(shop)
    # when
    shop.clock = FixedClock(NOW + LIFETIME)
    # then
    with pytest.raises(CheckoutLinkRefused) as caught:
        checkout.open(link)
    assert caught.value.reason == "expired"


def test_a_tampered_link_does_not_open() -> None:
    shop, checkout = make_shop()
    _, link = invoiced(shop)
    with pytest.raises(CheckoutLinkRefused) as caught:
        checkout.open(link[:-2] + flipped(link[-2]) + link[-1])
    assert caught.value.reason == "tampered"


# -- choosing -------------------------------------------------------------------------------------


def test_the_shipping_options_are_the_zones_rates_cheapest_first() -> None:
    shop, checkout = make_shop()
    _, link = invoiced(shop)
    # when
    options = checkout.shipping_options(checkout.open(link))
    # then
    assert [(o.method, o.amount) for o in options] == [
        ("Ground", money("9.95")),
        ("Express", money("19.00")),
    ]


def test_without_a_shipping_address_there_are_no_shipping_options() -> None:
    shop, checkout = make_shop()
    order_id = mugs(shop, address=None)
    link = shop.checkout_url(shop.get(order_id))
    assert link is not None
    session = checkout.open(link)
    # then
    assert checkout.shipping_options(session) == ()
    with pytest.raises(ValidationError):
        checkout.choose_shipping(session, "Ground")


def test_a_shipping_method_not_offered_is_refused() -> None:
    shop, checkout = make_shop()
    _, link = invoiced(shop)
    session = checkout.open(link)
    # when
    with pytest.raises(ValidationError) as caught:
        checkout.choose_shipping(session, "Teleport")
    # then
    assert caught.value.field == "shipping_method"
    assert "Express" in str(caught.value)


def test_choices_are_made_on_the_session_and_the_stored_order_is_untouched() -> None:
    shop, checkout = make_shop()
    order_id, link = invoiced(shop)
    stored = shop.get(order_id)
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
    assert shop.get(order_id) == stored


def test_a_billing_address_must_be_an_address() -> None:
    shop, checkout = make_shop()
    _, link = invoiced(shop)
    with pytest.raises(ValidationError):
        checkout.with_billing_address(checkout.open(link), "12 Billing Rd")  # type: ignore[arg-type]


def test_the_price_summary_and_invoice_follow_the_choices() -> None:
    shop, checkout = make_shop()
    _, link = invoiced(shop)
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
    shop, checkout = make_shop()
    order_id, link = invoiced(shop)
    sent = shop.get(order_id)
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
    assert shop.get(order_id) == sent
    assert checkout.open(link).order == sent
    assert gateway(checkout).movements == []
    # when the next card goes through
    paid = checkout.pay(session, "tok_visa")
    # then
    assert paid.succeeded
    assert paid.transaction.amount == WITH_EXPRESS
    completed = shop.get(order_id)
    assert completed == paid.order
    assert completed.status is Status.COMPLETED
    assert completed.billing_address == BILLING
    assert completed.shipping is not None
    assert (completed.shipping.title, completed.shipping.price) == ("Express", money("19.00"))
    assert completed.completed_total == WITH_EXPRESS
    summary = checkout.cashier.summary(order_id)
    assert (summary.status, summary.paid, summary.due) == (
        PaymentStatus.PAID,
        WITH_EXPRESS,
        money("0.00"),
    )
    assert gateway(checkout).captured_total("USD") == WITH_EXPRESS
    assert [o.id for o in shop.orders()] == [order_id]
    assert sum(isinstance(e, OrderCompleted) for e in shop.events) == 1
    # and the link is now refused
    with pytest.raises(CheckoutLinkRefused) as caught:
        checkout.open(link)
    assert caught.value.reason == "stale"


def test_paying_twice_from_one_session_charges_once() -> None:
    shop, checkout = make_shop()
    _, link = invoiced(shop)
    session = checkout.open(link)
    checkout.pay(session, "tok_visa")
    # when the customer clicks again
    with pytest.raises(CheckoutLinkRefused) as caught:
        checkout.pay(session, "tok_visa")
    # then
    assert caught.value.reason == "stale"
    assert gateway(checkout).captured_total("USD") == TOTAL
    assert gateway(checkout).calls == 1


def test_a_session_whose_order_changed_after_opening_cannot_pay() -> None:
    shop, checkout = make_shop()
    order_id = mugs(shop)
    link = shop.checkout_url(shop.get(order_id))
    assert link is not None
    session = checkout.open(link)
    # when the shop edits the draft
    shop.edit(order_id, lambda o: o.add_product(shop.catalog, "TEA"))
    # then
    with pytest.raises(CheckoutLinkRefused) as caught:
        checkout.pay(session, "tok_visa")
    assert caught.value.reason == "stale"
    assert gateway(checkout).calls == 0
    assert checkout.cashier.transactions(order_id) == []


def test_a_session_whose_link_expired_before_paying_cannot_pay() -> None:
    shop, checkout = make_shop()
    order_id, link = invoiced(shop)
    session = checkout.open(link)
    # when
    shop.clock = FixedClock(NOW + LIFETIME + dt.timedelta(minutes=1))
    # then
    with pytest.raises(CheckoutLinkRefused) as caught:
        checkout.pay(session, "tok_visa")
    assert caught.value.reason == "expired"
    assert checkout.cashier.transactions(order_id) == []


def test_a_link_for_a_draft_checks_out_too() -> None:
    # given a draft nobody sent an invoice for
    shop, checkout = make_shop()
    order_id = mugs(shop)
    link = shop.checkout_url(shop.get(order_id))
    assert link is not None
    assert LINKS.verify(link, NOW).version == shop.get(order_id).version
    # when
    session = checkout.choose_shipping(checkout.open(link), "Ground")
    paid = checkout.pay(session, "tok_mastercard")
    # then
    assert paid.order.status is Status.COMPLETED
    assert paid.order.shipping is not None
    assert paid.order.shipping.title == "Ground"
    assert paid.order.completed_total == money("38.07")
    assert checkout.cashier.summary(order_id).status is PaymentStatus.PAID
    with pytest.raises(CheckoutLinkRefused):
        checkout.open(link)


def test_at_checkout_the_customer_pays_what_is_left_after_a_deposit() -> None:
    shop, checkout = make_shop()
    order_id, link = invoiced(shop)
    checkout.cashier.charge(order_id, "tok_visa", money("10.00"))
    session = checkout.choose_shipping(checkout.open(link), "Express")
    # when
    assert checkout.summary(session).due == money("37.12")
    paid = checkout.pay(session, "tok_amex")
    # then
    assert paid.transaction.amount == money("37.12")
    assert paid.order.status is Status.COMPLETED
    assert checkout.cashier.summary(order_id).paid == WITH_EXPRESS


def test_a_payment_for_another_amount_than_the_customer_was_shown_is_refused() -> None:
    shop, checkout = make_shop()
    order_id, link = invoiced(shop)
    session = checkout.choose_shipping(checkout.open(link), "Express")
    # when the page showed the price without shipping
    with pytest.raises(AmountChanged) as caught:
        checkout.pay(session, "tok_visa", expected_amount=TOTAL)
    # then nothing was charged or recorded
    assert (caught.value.shown, caught.value.now) == (TOTAL, WITH_EXPRESS)
    assert gateway(checkout).calls == 0
    assert checkout.cashier.transactions(order_id) == []
    # and with the amount shown, it goes through
    paid = checkout.pay(session, "tok_visa", expected_amount=WITH_EXPRESS)
    assert paid.order.status is Status.COMPLETED


def test_a_repeated_checkout_payment_with_its_key_returns_the_same_receipt() -> None:
    shop, checkout = make_shop()
    order_id, link = invoiced(shop)
    session = checkout.open(link)
    first = checkout.pay(session, "tok_visa", idempotency_key="checkout-1")
    # when the browser posts the form again
    again = checkout.pay(session, "tok_visa", idempotency_key="checkout-1")
    # then
    assert again.transaction == first.transaction
    assert again.order.status is Status.COMPLETED
    assert gateway(checkout).calls == 1
    assert len(checkout.cashier.transactions(order_id)) == 1

"""Checkout pages for the links put on invoices: see the order, give a billing address, choose a
shipping rate, pay with a card, get a receipt.

Run the example shop (the quickstart order, sent to a customer with a checkout link)::

    pip install 'draftorders[web]'
    python examples/checkout_app.py --serve    # serves http://127.0.0.1:8000, prints the link

For your own shop, ``create_app(ShopApp(shop, ports).checkout)`` and serve it with any WSGI
server (several worker processes on one ``SqlStore`` are fine), under
the path the shop's :class:`~draftorders.shop.links.CheckoutLinks` ``base_url`` points to
(``.../checkout/``).

Pages
    ``GET /checkout/<token>``
        The order as it would be paid now (lines and totals), the billing address form, the
        shipping rates found for the order (radio buttons), a test card and the Pay button.
    ``POST /checkout/<token>``
        "Update total" prices the order with the choices made and shows the page again. "Pay"
        charges what is due: a decline shows the page again with the gateway's message (HTTP
        402; the link stays valid, another card can be tried); success redirects (303) to the
        receipt, so reloading it never posts the payment again. Bad input shows the form again
        with a message per field (400), as does a form that this app did not render for this
        link in the last two hours. Pay charges exactly the amount its button showed (what is
        outstanding: due, less payments authorized or pending): if that changed since the page
        was shown (another shipping rate was picked without "Update total"), nothing is
        charged, and the page shows the new amount and asks to press Pay again (409).
    ``GET /receipt/<receipt>``
        Order, amount paid, transaction, payment status. Its address is signed (the app's own
        salt), so it can be reloaded after the checkout link went stale with the payment.

    A tampered, expired or stale link (or receipt) gets one 403 page saying only that the link
    is not valid; why is logged (``CheckoutLinkRefused.reason``), never shown. A failing tax or
    rate provider gets a 503 page. Nothing the customer sends is ever echoed unescaped: the
    templates are Jinja2's, autoescaped (Flask's default).

Why this is enough against cross-site request forgery
    The link is the customer's only credential: the app sets no cookie and keeps no session,
    so a forged cross-site POST has no ambient authority to ride; to post to a checkout it
    needs the secret link, and whoever holds the link can pay anyway. On top of that, every
    rendered form carries a nonce signed with the shop's link keys (itsdangerous, its own
    salt), bound to the link and valid for two hours: a POST with no such nonce is refused.
    The nonce also makes the payment's idempotency key (with the card, address and shipping
    chosen), so Pay pressed twice, or pressed again after the gateway failed to answer, never
    charges twice: the second press gets the first one's receipt. Responses also forbid
    framing (clickjacking of the Pay button), scripts, posting forms elsewhere, caching, and
    sending the link in a ``Referer`` header.

Cards
    Only :class:`~draftorders.payments.FakeGateway` test tokens are offered (:data:`TEST_CARDS`).
    With a real gateway the card is typed into the gateway's hosted fields, which hand the page
    a token to post instead; that part is the gateway's and is not included here.
"""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import attrs
from flask import Flask, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.wrappers import Response

from draftorders.customers import Address
from draftorders.errors import (
    AmountChanged,
    CheckoutLinkRefused,
    GatewayFailed,
    InvalidAddress,
    NotFound,
    NothingDue,
    PaymentError,
    PaymentInFlight,
    ProviderError,
    UsageLimitReached,
    ValidationError,
)
from draftorders.invoice import InvoiceLocale
from draftorders.money import Money
from draftorders.payments import Transaction, TransactionStatus
from draftorders.places import normal_country
from draftorders.shop import Checkout, CheckoutSession

__all__ = ["FORM_MAX_AGE", "RECEIPT_MAX_AGE", "TEST_CARDS", "create_app"]

TEST_CARDS: dict[str, str] = {
    "tok_visa": "Visa ending 4242 (approved)",
    "tok_mastercard": "Mastercard ending 4444 (approved)",
    "tok_chargeDeclined": "Visa ending 0002 (declined)",
    "tok_insufficientFunds": "Visa ending 9995 (insufficient funds)",
}
"""The FakeGateway tokens the payment form offers, with what the customer sees."""

FORM_MAX_AGE = 2 * 60 * 60
"""Seconds a rendered form can be posted."""
RECEIPT_MAX_AGE = 90 * 24 * 60 * 60
"""Seconds a receipt address stays readable."""

MAX_LENGTH = 200
"""Characters at most in one address field."""

_FORM_SALT = "draftorders.web.checkout-form"
_RECEIPT_SALT = "draftorders.web.receipt"
_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


@attrs.frozen
class Field:
    """One input of the billing address form."""

    name: str
    label: str
    autocomplete: str
    required: bool = True
    hint: str | None = None


ADDRESS_FIELDS = (
    Field("name", "Full name", "name"),
    Field("line1", "Street address", "address-line1"),
    Field("city", "City", "address-level2"),
    Field("region", "State or region", "address-level1", required=False, hint="If any"),
    Field("postal_code", "Postal code", "postal-code"),
    Field("country", "Country", "country", hint="Two-letter code, like US or DE"),
)


@attrs.frozen
class _Form:
    """What was posted: the values to show again, the errors by field, and the session with
    every valid choice applied."""

    values: dict[str, str]
    errors: dict[str, str]
    session: CheckoutSession


def create_app(checkout: Checkout) -> Flask:
    """The checkout pages for ``checkout``'s shop (which must have checkout links set up)."""
    checkout.links  # noqa: B018 - raises ValidationError now if the shop has no links
    app = Flask(__name__)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    money = InvoiceLocale("en_US").money

    def signer(salt: str) -> URLSafeTimedSerializer:
        """Signs with the shop's link keys (the current one last: it signs, all verify)."""
        links = checkout.links
        keys = [s for k, s in links.keys.items() if k != links.current]
        return URLSafeTimedSerializer(
            [*keys, links.keys[links.current]],
            salt=salt,
            signer_kwargs={"digest_method": hashlib.sha256},
        )

    def new_nonce(token: str) -> str:
        return signer(_FORM_SALT).dumps({"l": _digest(token), "n": secrets.token_urlsafe(16)})

    def posted_nonce(token: str) -> str | None:
        """The form's nonce if this app signed it for this link less than two hours ago."""
        nonce = request.form.get("nonce", "")
        try:
            payload: Any = signer(_FORM_SALT).loads(nonce, max_age=FORM_MAX_AGE)
        except BadSignature:
            return None
        if not isinstance(payload, dict) or payload.get("l") != _digest(token):
            return None
        return nonce

    def receipt_url(transaction: Transaction) -> str:
        receipt = signer(_RECEIPT_SALT).dumps({"o": transaction.order_id, "t": transaction.id})
        return url_for("receipt", receipt=receipt)

    def page(
        token: str,
        session: CheckoutSession,
        values: Mapping[str, str],
        *,
        errors: Mapping[str, str] | None = None,
        alert: str | None = None,
        status_message: str | None = None,
        nonce: str | None = None,
        code: int = 200,
    ) -> ResponseReturnValue:
        options = checkout.shipping_options(session)
        chosen = values.get("shipping_method") or session.shipping_method
        current = session.order.shipping.title if session.order.shipping is not None else None
        if chosen not in {option.method for option in options}:
            offered = [option.method for option in options]
            chosen = current if current in offered else (offered[0] if offered else None)
        summary = checkout.summary(session)
        html = render_template(
            "checkout.html",
            token=token,
            order=session.order,
            seller=checkout.shop.seller,
            invoice=checkout.invoice(session),
            due=summary.due,
            to_pay=summary.outstanding,
            options=options,
            chosen=chosen,
            fields=ADDRESS_FIELDS,
            values=values,
            errors=errors or {},
            alert=alert,
            status_message=status_message,
            cards=TEST_CARDS,
            card=values.get("card") or next(iter(TEST_CARDS)),
            nonce=nonce or new_nonce(token),
            money=money,
            max_length=MAX_LENGTH,
        )
        return html, code

    @app.get("/checkout/<token>")
    def show(token: str) -> ResponseReturnValue:
        session = checkout.open(token)
        return page(token, session, _prefilled(session))

    @app.post("/checkout/<token>")
    def submit(token: str) -> ResponseReturnValue:
        try:
            return submit_form(token)
        except CheckoutLinkRefused:
            paid = earlier_payment(token)  # Pay pressed twice: show the first press's receipt
            if paid is None:
                raise
            return redirect(receipt_url(paid), 303)

    def submit_form(token: str) -> ResponseReturnValue:
        session = checkout.open(token)
        action = request.form.get("action")
        form = _read(checkout, session, paying=action == "pay")
        nonce = posted_nonce(token)
        errors = dict(form.errors)
        if action not in ("update", "pay"):
            errors.setdefault("form", "Press Update total or Pay to send the form.")
        if nonce is None:
            errors.setdefault(
                "form",
                "This page was open too long, or did not come from the shop. "
                "Check the details and send the form again.",
            )
        if errors:
            return page(token, form.session, form.values, errors=errors, code=400)
        assert nonce is not None
        if action == "update":
            return page(token, form.session, form.values, status_message="The total is updated.")
        to_pay = checkout.summary(form.session).outstanding
        changed = f"The amount to pay is now {money(to_pay)}. Check it, then press Pay again."
        try:
            shown = Money(Decimal(request.form.get("amount", "")), to_pay.currency)
        except (InvalidOperation, ValueError):
            return page(token, form.session, form.values, alert=changed, code=409)
        try:
            payment = checkout.pay(
                form.session,
                form.values["card"],
                idempotency_key=_key(nonce, form.values),
                expected_amount=shown,
            )
        except AmountChanged:
            return page(token, form.session, form.values, alert=changed, code=409)
        except GatewayFailed as error:
            app.logger.warning("checkout payment failed at the gateway: %s", error)
            message = "The payment service did not answer. Press Pay again: it never charges twice."
            # The same nonce, so pressing Pay again retries with the same idempotency key.
            return page(token, form.session, form.values, alert=message, nonce=nonce, code=502)
        except NothingDue:
            message = "Nothing is left to pay."
            return page(token, form.session, form.values, alert=message, code=409)
        except PaymentInFlight:
            message = (
                "Another payment for this order is being processed, and nothing was charged "
                "here. Wait a moment, then reload this page."
            )
            return page(token, form.session, form.values, alert=message, code=409)
        except UsageLimitReached:
            message = (
                "A promotion on this order was used up meanwhile, and nothing was charged. "
                "Reload the page to see the new total."
            )
            return page(token, form.session, form.values, alert=message, code=409)
        except PaymentError as error:
            app.logger.warning("checkout payment refused: %s", error)
            message = "The payment could not be taken, and nothing was charged."
            return page(token, form.session, form.values, alert=message, code=409)
        if payment.transaction.status is not TransactionStatus.FAILURE:
            return redirect(receipt_url(payment.transaction), 303)
        declined = payment.transaction.message or "The card was declined."
        return page(token, form.session, form.values, alert=declined, code=402)

    def earlier_payment(token: str) -> Transaction | None:
        """The payment this very form made already, if it made one."""
        nonce = posted_nonce(token)
        if nonce is None or request.form.get("action") != "pay":
            return None
        try:
            claim = checkout.links.verify(token, checkout.ports.clock.now())
            transactions = checkout.cashier.transactions(claim.order_id)
        except (CheckoutLinkRefused, NotFound):
            return None
        key = _key(nonce, _raw_values())
        return next((t for t in transactions if t.idempotency_key == key and t.succeeded), None)

    @app.get("/receipt/<receipt>")
    def receipt(receipt: str) -> ResponseReturnValue:
        try:
            payload: Any = signer(_RECEIPT_SALT).loads(receipt, max_age=RECEIPT_MAX_AGE)
            transaction = checkout.cashier.transaction(payload["o"], payload["t"])
            summary = checkout.cashier.summary(payload["o"])
        except (BadSignature, LookupError, TypeError):
            raise CheckoutLinkRefused("tampered") from None
        return render_template(
            "receipt.html",
            order=checkout.cashier.order(transaction.order_id),
            transaction=transaction,
            summary=summary,
            seller=checkout.shop.seller,
            money=money,
        )

    @app.errorhandler(CheckoutLinkRefused)
    def refused(error: CheckoutLinkRefused) -> ResponseReturnValue:
        app.logger.info("checkout link refused (%s)", error.reason)
        return render_template("refused.html"), 403

    @app.errorhandler(ProviderError)
    def unavailable(error: ProviderError) -> ResponseReturnValue:
        app.logger.error("checkout unavailable: %s", error)
        return render_template("unavailable.html"), 503

    @app.after_request
    def protect(response: Response) -> Response:
        response.headers.update(_HEADERS)
        return response

    return app


def _digest(token: str) -> str:
    """What binds a form to its link, without putting the link in the form."""
    return hashlib.sha256(token.encode()).hexdigest()[:32]


def _key(nonce: str, values: Mapping[str, str]) -> str:
    """The payment's idempotency key: the same form posted again with the same card, address
    and shipping is the same payment; anything else is a new one."""
    parts = [nonce, values.get("card", ""), values.get("shipping_method", "")]
    parts += [values.get(field.name, "") for field in ADDRESS_FIELDS]
    return "web-" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:40]


def _raw_values() -> dict[str, str]:
    """The posted values, stripped, as typed (shown again when the form has errors)."""
    names = [field.name for field in ADDRESS_FIELDS] + ["shipping_method", "card"]
    return {name: request.form.get(name, "").strip() for name in names}


def _prefilled(session: CheckoutSession) -> dict[str, str]:
    """The form as first shown: the billing address on the order, else the customer's name
    and the shipping address's country."""
    address = session.billing_address
    if address is None:
        customer = session.order.customer
        shipping = session.order.shipping_address
        return {
            "name": customer.name if customer is not None else "",
            "country": shipping.country if shipping is not None else "",
        }
    return {field.name: getattr(address, field.name) or "" for field in ADDRESS_FIELDS}


def _read(checkout: Checkout, session: CheckoutSession, *, paying: bool) -> _Form:
    """The posted form, checked: the session with the address and shipping rate applied where
    they are valid, and a message for each field that is not."""
    values = _raw_values()
    errors: dict[str, str] = {}
    for field in ADDRESS_FIELDS:
        value = values[field.name]
        if len(value) > MAX_LENGTH:
            errors[field.name] = f"{field.label}: at most {MAX_LENGTH} characters."
        elif any(unicodedata.category(c) == "Cc" for c in value):
            errors[field.name] = f"{field.label}: remove the control characters."
        elif field.required and not value:
            errors[field.name] = f"{field.label}: this is required."
    if "country" not in errors:
        try:
            normal_country(values["country"])
        except InvalidAddress:
            errors["country"] = (
                "Country: not a country code we know. Use two letters, like US or DE."
            )
    if not errors:
        try:
            address = Address(**{field.name: values[field.name] for field in ADDRESS_FIELDS})
        except ValidationError as error:
            errors["form"] = f"The address was refused: {error}"
        else:
            session = checkout.with_billing_address(session, address)
    options = checkout.shipping_options(session)
    if options:
        method = values["shipping_method"]
        if method in {option.method for option in options}:
            session = checkout.choose_shipping(session, method)
        else:
            errors["shipping_method"] = "Shipping: choose one of the rates."
    if paying and values["card"] not in TEST_CARDS:
        errors["card"] = "Card: choose one of the test cards."
    return _Form(values, errors, session)

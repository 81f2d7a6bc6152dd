"""Checkout through a secure link: the customer opens the link, fills in the billing address,
chooses a shipping rate among those found for the order, and pays; success completes the draft
and marks it paid.

A :class:`CheckoutSession` is a value: the link's order as it was opened plus the customer's
choices, which are applied to the order only when payment succeeds. Opening or paying with a
link that is tampered, expired, or stale (the order was edited, reverted, completed, cancelled
or deleted since) raises :class:`~draftorders.errors.CheckoutLinkRefused`, which says nothing
about the order.
"""

from __future__ import annotations

import attrs

from draftorders._validate import check_type
from draftorders.customers import Address
from draftorders.errors import CheckoutLinkRefused, ConcurrencyConflict, NotFound, ValidationError
from draftorders.invoice import Invoice
from draftorders.money import Money
from draftorders.order import DraftOrder, Status
from draftorders.payments import PaymentSummary, Transaction, summarize
from draftorders.pricing import PricedOrder
from draftorders.shipping import RateOption
from draftorders.shop.cashier import Cashier, Payment
from draftorders.shop.invoicing import Invoicing
from draftorders.shop.links import CheckoutLinks
from draftorders.shop.ports import Ports
from draftorders.shop.quotes import Quotes
from draftorders.shop.settings import Shop

__all__ = ["Checkout", "CheckoutSession"]

_PAYABLE = (Status.DRAFT, Status.INVOICE_SENT)


@attrs.frozen
class CheckoutSession:
    """An opened checkout: the link, the order it opened, and the customer's choices so far."""

    link: str
    order: DraftOrder
    billing_address: Address | None = attrs.field(
        default=None, validator=attrs.validators.optional(check_type(Address))
    )
    shipping_method: str | None = None

    @property
    def order_id(self) -> str:
        """The order being paid."""
        return self.order.id


class Checkout:
    """Opens checkout links and takes the customer's payment, through the shop's cashier."""

    def __init__(
        self, shop: Shop, ports: Ports, quotes: Quotes, invoicing: Invoicing, cashier: Cashier
    ) -> None:
        self.shop = shop
        self.ports = ports
        self.quotes = quotes
        self.invoicing = invoicing
        self.cashier = cashier

    @property
    def links(self) -> CheckoutLinks:
        """The shop's checkout link signer."""
        if self.shop.checkout_links is None:
            raise ValidationError("checkout_links", "the shop has no checkout links configured")
        return self.shop.checkout_links

    def open(self, link: str) -> CheckoutSession:
        """Verify ``link`` (a URL or its token) and open a session on its order."""
        claim = self.links.verify(link, self.ports.clock.now())
        try:
            with self.ports.store.unit(write=False) as unit:
                order = unit.orders.get(claim.order_id)
        except NotFound:
            raise CheckoutLinkRefused("stale") from None
        if order.version != claim.version or order.status not in _PAYABLE:
            raise CheckoutLinkRefused("stale")
        return CheckoutSession(link, order, billing_address=order.billing_address)

    def with_billing_address(self, session: CheckoutSession, address: Address) -> CheckoutSession:
        """The session with the billing address the customer entered."""
        return attrs.evolve(session, billing_address=address)

    def shipping_options(self, session: CheckoutSession) -> tuple[RateOption, ...]:
        """The shipping rates found for the order, cheapest first (none without an address)."""
        if session.order.shipping_address is None:
            return ()
        return self.quotes.rates(_unlocked(session.order)).options

    def choose_shipping(self, session: CheckoutSession, method: str) -> CheckoutSession:
        """The session with one of the shipping options chosen."""
        offered = {option.method for option in self.shipping_options(session)}
        if method not in offered:
            raise ValidationError(
                "shipping_method", f"{method!r} is not offered; choose one of {sorted(offered)}"
            )
        return attrs.evolve(session, shipping_method=method)

    def order_as_chosen(self, session: CheckoutSession) -> DraftOrder:
        """The order with the customer's choices applied (not saved)."""
        order = _unlocked(session.order)
        if session.billing_address is not None:
            order = order.set_billing_address(session.billing_address)
        if session.shipping_method is not None:
            option = next(
                (o for o in self.shipping_options(session) if o.method == session.shipping_method),
                None,
            )
            if option is None:
                raise ValidationError(
                    "shipping_method",
                    f"{session.shipping_method!r} is no longer offered; choose another rate",
                )
            order = order.set_shipping(option.method, option.amount, from_rates=True)
        return order

    def price(self, session: CheckoutSession) -> PricedOrder:
        """The order as the customer would pay it now."""
        return self.quotes.price(self.order_as_chosen(session))

    def invoice(self, session: CheckoutSession) -> Invoice:
        """The invoice as the customer would pay it now (a preview, with amounts paid)."""
        current, priced = self.quotes.quote(self.order_as_chosen(session))
        paid = summarize(priced.total, self._transactions(session)).paid
        return self.invoicing.invoice_for(current, priced, self.ports.clock.today(), paid=paid)

    def summary(self, session: CheckoutSession) -> PaymentSummary:
        """What is paid and due, at the price as chosen."""
        return summarize(self.price(session).total, self._transactions(session))

    def _transactions(self, session: CheckoutSession) -> list[Transaction]:
        """The order's transactions; a link whose order was deleted meanwhile is stale."""
        try:
            return self.cashier.transactions(session.order_id)
        except NotFound:
            raise CheckoutLinkRefused("stale") from None

    def pay(
        self,
        session: CheckoutSession,
        token: str,
        *,
        idempotency_key: str | None = None,
        expected_amount: Money | None = None,
    ) -> Payment:
        """Pay what is outstanding, at the price as chosen, with the card ``token`` the
        customer entered. Success saves the order with the customer's choices and completes
        it; a decline is a result (recorded, the order unchanged), and the session can pay
        again with another card. A link gone stale meanwhile raises
        :class:`CheckoutLinkRefused`; another payment of the order in flight,
        :class:`PaymentInFlight` (nothing charged); with ``expected_amount`` (what the
        customer was shown), another amount raises :class:`AmountChanged` and nothing is
        charged. Paying again with the same ``idempotency_key`` returns the first payment."""
        claim = self.links.verify(session.link, self.ports.clock.now())
        if claim.version != session.order.version:
            raise CheckoutLinkRefused("stale")
        try:
            return self.cashier.charge(
                session.order_id,
                token,
                idempotency_key=idempotency_key,
                label="card",
                as_chosen=self.order_as_chosen(session),
                expected_version=claim.version,
                expected_amount=expected_amount,
            )
        except (ConcurrencyConflict, NotFound):  # changed, or deleted, since it was opened
            raise CheckoutLinkRefused("stale") from None


def _unlocked(order: DraftOrder) -> DraftOrder:
    """The order as a draft again, so the customer's choices can be applied to it."""
    if order.status is Status.INVOICE_SENT:
        return attrs.evolve(order, status=Status.DRAFT, invoiced_total=None)
    return order

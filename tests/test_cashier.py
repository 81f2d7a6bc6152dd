"""The cashier: charging a method on file or a card token, deposits, payments by hand, orders
completed with payment to come, authorize / capture / void, refunds with restock, claims
written before the gateway is asked, a gateway that fails mid-call and reconcile, idempotency
keys, gateway notices, promotion usage limits, fields refused at the boundary, completion
(stock, promotions, once), outdated invoices, two payments at once, events, and the invoice
after a deposit.

The shop is two mugs for Ada at 8.25% tax: 25.98 + 2.14 = 28.12.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

import attrs
import pytest

from builders import catalog, flat_tax, money
from draftorders import (
    Address,
    Cashier,
    CheckoutLinks,
    DraftOrder,
    DraftOrdersError,
    FakeGateway,
    GatewayFailed,
    GatewayNotice,
    GatewayResult,
    InMemoryStore,
    InsufficientStock,
    InvalidTransition,
    InvoiceOutdated,
    Money,
    NoticeEvent,
    OrderCompleted,
    OrderDeleted,
    OrderNotFound,
    Outcome,
    Party,
    Payment,
    PaymentClaim,
    PaymentInFlight,
    PaymentMethod,
    PaymentStatus,
    Ports,
    PricingContext,
    ReconcileReport,
    Shop,
    ShopApp,
    Status,
    Transaction,
    UsageLimitReached,
    ValidationError,
)
from draftorders.errors import (
    AmountExceedsDue,
    ConsentRequired,
    IdempotencyConflict,
    NotFound,
    NothingDue,
    TransactionStateError,
    UnknownTransaction,
)
from draftorders.events import TransactionRecorded
from draftorders.inventory import Reason
from draftorders.payments import ClaimState, ManualMethod, TransactionKind, TransactionStatus
from draftorders.promotions import OrderAmountOff, Promotion, PromotionBook

NOW = dt.datetime(2026, 11, 26, 9, 30, tzinfo=dt.UTC)
SELLER = Party(name="Tea & Mugs Co.", email="billing@teamugs.example")
ADA_VISA = PaymentMethod(
    id="pm_ada", customer_id="C1", token="tok_visa", brand="Visa", last4="4242"
)
GRACE_AMEX = PaymentMethod(
    id="pm_grace", customer_id="C2", token="tok_amex", brand="Amex", last4="0005"
)
TOTAL = money("28.12")
ZERO = money("0.00")
SECOND = dt.timedelta(seconds=1)
ONCE = PromotionBook(
    [Promotion("ONCE", "5.00 off once", OrderAmountOff(money("5.00")), usage_limit=1)]
)
"""A promotion that one order may use: two mugs come to 20.98 with it (no tax)."""
LINKS = CheckoutLinks(
    keys={"k2026": "a-long-random-secret-kept-out-of-the-code-0001"},
    current="k2026",
    base_url="https://shop.example/checkout/",
)


class MovableClock:
    """A clock the test moves by hand. ``meanwhile(act)`` runs ``act`` the next time the time
    is read: another process doing something between two steps of a call."""

    def __init__(self, at: dt.datetime = NOW) -> None:
        self.at = at
        self._meanwhile: list[Callable[[], object]] = []

    def now(self) -> dt.datetime:
        if self._meanwhile:
            self._meanwhile.pop(0)()
        return self.at

    def today(self) -> dt.date:
        return self.at.date()

    def advance(self, by: dt.timedelta) -> None:
        self.at += by

    def meanwhile(self, act: Callable[[], object]) -> None:
        self._meanwhile.append(act)


class ProcessKilled(BaseException):
    """The process dies (not an exception the cashier could catch)."""


class Meddling(FakeGateway):
    """A fake gateway that, while a sale or refund is being answered, runs what the test put in
    ``during`` (once) and keeps what it returned or raised in ``seen``: what the shop looks like
    to everyone else while money is in flight. ``die`` kills the process during the next sale,
    ``"before"`` or ``"after"`` the gateway acted."""

    def __init__(self, *, delay: float = 0.0) -> None:
        super().__init__(delay=delay)
        self.during: Callable[[], object] | None = None
        self.seen: list[object] = []
        self.keys: list[str] = []
        self.die: str | None = None

    def sale(self, token: str, amount: Money, *, idempotency_key: str) -> GatewayResult:
        self.keys.append(idempotency_key)
        if self.die == "before":
            self.die = None
            raise ProcessKilled
        result = super().sale(token, amount, idempotency_key=idempotency_key)
        if self.die == "after":
            self.die = None
            raise ProcessKilled
        self._meddle()
        return result

    def refund(self, reference: str, amount: Money, *, idempotency_key: str) -> GatewayResult:
        self.keys.append(idempotency_key)
        result = super().refund(reference, amount, idempotency_key=idempotency_key)
        self._meddle()
        return result

    def _meddle(self) -> None:
        if self.during is None:
            return
        act, self.during = self.during, None
        try:
            self.seen.append(act())
        except DraftOrdersError as refused:
            self.seen.append(refused)


@attrs.frozen
class Till:
    app: ShopApp
    gateway: Meddling
    clock: MovableClock

    @property
    def cashier(self) -> Cashier:
        return self.app.cashier

    def charged(self) -> Money:
        """What the gateway took, less what it gave back."""
        return self.gateway.captured_total("USD") - self.gateway.refunded_total("USD")

    def another_process(self, context: PricingContext | None = None) -> ShopApp:
        """Another process of the same shop on the same store and gateway (with other pricing
        settings if ``context`` is given)."""
        shop = self.app.shop if context is None else attrs.evolve(self.app.shop, context=context)
        return ShopApp(shop, self.app.ports)


def make_till(
    gateway: Meddling | None = None,
    *,
    context: PricingContext | None = None,
    checkout_links: CheckoutLinks | None = None,
) -> Till:
    clock = MovableClock()
    gateway = gateway if gateway is not None else Meddling()
    shop = Shop(
        catalog(),
        context=context if context is not None else flat_tax(),
        seller=SELLER,
        attach_pdf=False,
        checkout_links=checkout_links,
    )
    app = ShopApp(shop, Ports(store=InMemoryStore(), clock=clock, gateway=gateway))
    app.customers.create("Ada Lovelace", customer_id="C1", email="ada@example.com")
    app.customers.create("Grace Hopper", customer_id="C2", email="grace@example.com")
    app.customers.add_payment_method(ADA_VISA)
    app.customers.add_payment_method(GRACE_AMEX)
    return Till(app, gateway, clock)


def mugs(till: Till, *, customer: str | None = "C1", quantity: int = 2) -> str:
    """A saved draft with mugs (two by default: 28.12)."""
    order = till.app.drafts.create(customer=customer)
    return till.app.drafts.edit(order.id, lambda o: o.add_product(catalog(), "MUG", quantity)).id


def on_file(till: Till, order_id: str, method_id: str = "pm_ada") -> None:
    till.app.drafts.edit(
        order_id, lambda o: o.set_payment_method(method_id), lambda o: o.set_consent(True)
    )


def snapshot(till: Till, order_id: str) -> tuple[object, ...]:
    """Everything a refused call must leave as it was."""
    return (
        till.app.drafts.get(order_id),
        till.cashier.transactions(order_id),
        till.cashier.claims(order_id),
        till.gateway.movements,
        till.gateway.calls,
    )


def open_claims(till: Till, order_id: str) -> list[PaymentClaim]:
    return [claim for claim in till.cashier.claims(order_id) if claim.is_open]


def completions(*payments: Payment) -> list[OrderCompleted]:
    return [e for p in payments for e in p.events if isinstance(e, OrderCompleted)]


# -- charging the method on file ------------------------------------------------------------


def test_charge_on_file_needs_a_payment_method_on_the_order() -> None:
    till = make_till()
    order_id = mugs(till)
    till.app.drafts.edit(order_id, lambda o: o.set_consent(True))
    # when
    with pytest.raises(ValidationError) as caught:
        till.cashier.charge_on_file(order_id)
    # then
    assert caught.value.field == "payment_method_id"
    assert till.gateway.calls == 0
    assert till.cashier.transactions(order_id) == []
    assert till.cashier.claims(order_id) == []


def test_charge_on_file_needs_the_customers_consent() -> None:
    till = make_till()
    order_id = mugs(till)
    till.app.drafts.edit(order_id, lambda o: o.set_payment_method("pm_ada"))
    # when
    with pytest.raises(ConsentRequired) as caught:
        till.cashier.charge_on_file(order_id)
    # then
    assert caught.value.order_id == order_id
    assert till.gateway.calls == 0
    assert till.cashier.transactions(order_id) == []


def test_charge_on_file_refuses_another_customers_method_and_an_unknown_one() -> None:
    till = make_till()
    order_id = mugs(till)
    on_file(till, order_id, "pm_grace")
    # when / then
    with pytest.raises(ValidationError) as caught:
        till.cashier.charge_on_file(order_id)
    assert caught.value.field == "payment_method_id"
    on_file(till, order_id, "pm_nobody")
    with pytest.raises(NotFound):
        till.cashier.charge_on_file(order_id)
    assert till.gateway.calls == 0


def test_charge_on_file_refuses_an_order_without_a_customer() -> None:
    till = make_till()
    order_id = mugs(till, customer=None)
    on_file(till, order_id)
    with pytest.raises(ValidationError):
        till.cashier.charge_on_file(order_id)
    assert till.gateway.calls == 0


def test_charge_on_file_charges_the_customers_method_and_completes_the_order() -> None:
    till = make_till()
    order_id = mugs(till)
    on_file(till, order_id)
    # when
    payment = till.cashier.charge_on_file(order_id)
    # then
    t = payment.transaction
    assert (t.kind, t.status, t.amount, t.method, t.gateway) == (
        TransactionKind.SALE,
        TransactionStatus.SUCCESS,
        TOTAL,
        "Visa •••• 4242",
        "fake",
    )
    assert payment.order.status is Status.COMPLETED
    assert till.gateway.movements == [("capture", t.reference, TOTAL)]


def test_a_method_saved_by_another_process_can_be_charged() -> None:
    till = make_till()
    order_id = mugs(till)
    other = till.another_process()
    other.customers.add_payment_method(
        PaymentMethod(id="pm_ada_mc", customer_id="C1", token="tok_mastercard", brand="MC")
    )
    on_file(till, order_id, "pm_ada_mc")
    # when
    payment = till.cashier.charge_on_file(order_id)
    # then
    assert (payment.transaction.method, payment.succeeded) == ("MC", True)


@pytest.mark.parametrize("number", ["4242424242424242", "4000 0566 5566 5556"])
def test_a_card_number_given_as_a_token_is_refused_before_the_gateway_and_not_repeated(
    number: str,
) -> None:
    till = make_till()
    order_id = mugs(till)
    # when / then
    with pytest.raises(ValidationError) as charged:
        till.cashier.charge(order_id, number)
    with pytest.raises(ValidationError) as authorized:
        till.cashier.authorize(order_id, token=number)
    for caught in (charged, authorized):
        assert caught.value.field == "token"
        assert number[-4:] not in str(caught.value)
    assert till.gateway.calls == 0
    assert till.cashier.transactions(order_id) == []
    assert till.cashier.claims(order_id) == []


# -- a full charge ---------------------------------------------------------------------------


def test_a_full_charge_completes_the_draft_once_at_its_total() -> None:
    # given
    till = make_till()
    order_id = mugs(till)
    draft = till.app.drafts.get(order_id)
    # when
    payment = till.cashier.charge(order_id, "tok_visa")
    # then
    assert payment.succeeded
    assert payment.transaction.amount == TOTAL
    assert payment.summary.status is PaymentStatus.PAID
    assert (payment.summary.paid, payment.summary.due) == (TOTAL, ZERO)
    stored = till.app.drafts.get(order_id)
    assert stored == payment.order
    assert (stored.status, stored.completed_total) == (Status.COMPLETED, TOTAL)
    assert stored.version == draft.version + 1
    assert [o.id for o in till.app.drafts.orders()] == [order_id]
    assert till.app.drafts.drafts() == []
    assert [type(e) for e in payment.events] == [TransactionRecorded, OrderCompleted]
    # and a second charge finds nothing to pay
    with pytest.raises(NothingDue):
        till.cashier.charge(order_id, "tok_visa")
    assert till.gateway.captured_total("USD") == TOTAL
    assert len(till.cashier.transactions(order_id)) == 1
    assert till.app.drafts.get(order_id) == stored


@pytest.mark.parametrize(
    ("token", "code"),
    [
        ("tok_chargeDeclined", "card_declined"),
        ("tok_insufficientFunds", "insufficient_funds"),
        ("tok_expiredCard", "expired_card"),
        ("tok_unknown", "invalid_token"),
    ],
)
def test_a_decline_is_a_recorded_failure_and_the_order_is_unchanged(token: str, code: str) -> None:
    # given
    till = make_till()
    order_id = mugs(till)
    before = till.app.drafts.get(order_id)
    # when
    payment = till.cashier.charge(order_id, token)
    # then
    assert not payment.succeeded
    t = payment.transaction
    assert (t.kind, t.status, t.amount, t.code) == (
        TransactionKind.SALE,
        TransactionStatus.FAILURE,
        TOTAL,
        code,
    )
    assert t.message
    assert till.app.drafts.get(order_id) == before
    assert payment.order == before
    assert till.cashier.transactions(order_id) == [t]
    assert till.cashier.summary(order_id).status is PaymentStatus.UNPAID
    assert till.cashier.summary(order_id).due == TOTAL
    assert till.gateway.movements == []
    assert payment.events == (TransactionRecorded(order_id, t.id, "sale", "failure", TOTAL),)
    # and the next card can pay
    assert till.cashier.charge(order_id, "tok_visa").order.status is Status.COMPLETED


def test_a_pending_payment_leaves_the_order_a_draft_and_nothing_more_can_be_asked() -> None:
    till = make_till()
    order_id = mugs(till)
    # when
    payment = till.cashier.charge(order_id, "tok_pending")
    # then
    assert payment.transaction.status is TransactionStatus.PENDING
    assert payment.summary.status is PaymentStatus.PENDING
    assert (payment.summary.pending, payment.summary.due) == (TOTAL, TOTAL)
    assert payment.summary.outstanding == ZERO
    assert till.app.drafts.get(order_id).status is Status.DRAFT
    with pytest.raises(NothingDue):
        till.cashier.charge(order_id, "tok_visa")
    # when the gateway says later that it went through
    settled = till.cashier.settle(order_id, payment.transaction.id, approved=True)
    # then
    assert settled.transaction.parent_id == payment.transaction.id
    assert settled.summary.status is PaymentStatus.PAID
    assert settled.order.status is Status.COMPLETED
    with pytest.raises(UnknownTransaction):
        till.cashier.settle(order_id, payment.transaction.id, approved=True)


def test_settle_needs_a_yes_or_no() -> None:
    till = make_till()
    order_id = mugs(till)
    pending = till.cashier.charge(order_id, "tok_pending").transaction
    with pytest.raises(ValidationError):
        till.cashier.settle(order_id, pending.id, approved="yes")  # type: ignore[arg-type]
    assert till.cashier.transactions(order_id) == [pending]


# -- deposits and partial payments -----------------------------------------------------------


def test_a_deposit_then_the_rest_completes_the_order_with_the_last_payment() -> None:
    # given
    till = make_till()
    order_id = mugs(till)
    # when
    deposit = till.cashier.charge(order_id, "tok_visa", money("10.00"))
    # then
    assert deposit.summary.status is PaymentStatus.PARTIALLY_PAID
    assert (deposit.summary.paid, deposit.summary.due) == (money("10.00"), money("18.12"))
    assert deposit.order.status is Status.DRAFT
    assert till.app.drafts.orders() == []
    # when
    second = till.cashier.record_payment(order_id, money("8.00"))
    # then
    assert second.summary.due == money("10.12")
    assert till.app.drafts.get(order_id).status is Status.DRAFT
    # when the last payment is made for what is due
    last = till.cashier.charge(order_id, "tok_mastercard")
    # then
    assert last.transaction.amount == money("10.12")
    assert last.summary.status is PaymentStatus.PAID
    assert last.order.status is Status.COMPLETED
    assert last.order.completed_total == TOTAL
    assert [type(e) for e in last.events] == [TransactionRecorded, OrderCompleted]
    assert completions(deposit, second) == []
    assert till.cashier.summary(order_id).paid == TOTAL


def test_paying_more_than_is_due_is_refused_before_the_gateway_is_asked() -> None:
    till = make_till()
    order_id = mugs(till)
    till.cashier.charge(order_id, "tok_visa", money("20.00"))
    # when
    with pytest.raises(AmountExceedsDue) as caught:
        till.cashier.charge(order_id, "tok_visa", money("8.13"))
    # then
    assert (caught.value.what, caught.value.asked, caught.value.limit) == (
        "payment",
        money("8.13"),
        money("8.12"),
    )
    assert till.gateway.calls == 1
    assert len(till.cashier.transactions(order_id)) == 1
    assert len(till.cashier.claims(order_id)) == 1
    with pytest.raises(AmountExceedsDue):
        till.cashier.record_payment(order_id, money("8.13"))


def test_a_payment_of_zero_is_refused() -> None:
    till = make_till()
    order_id = mugs(till)
    with pytest.raises(ValidationError):
        till.cashier.charge(order_id, "tok_visa", ZERO)
    assert till.gateway.calls == 0
    assert till.cashier.claims(order_id) == []


def test_paying_a_paid_order_is_refused_whatever_the_way() -> None:
    till = make_till()
    order_id = mugs(till)
    till.cashier.charge(order_id, "tok_visa")
    calls = till.gateway.calls
    # when / then
    with pytest.raises(NothingDue) as caught:
        till.cashier.charge(order_id, "tok_visa", money("1.00"))
    assert caught.value.order_id == order_id
    with pytest.raises(NothingDue):
        till.cashier.record_payment(order_id)
    with pytest.raises(NothingDue):
        till.cashier.authorize(order_id, token="tok_visa")
    assert till.gateway.calls == calls


# -- payments by hand -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "reference"),
    [
        (ManualMethod.CASH, None),
        (ManualMethod.CHECK, "CHK-1042"),
        (ManualMethod.BANK_TRANSFER, "SEPA-2026-11-26-0042"),
        (ManualMethod.OTHER, "voucher 17"),
    ],
)
def test_a_payment_by_hand_is_recorded_with_its_method_and_reference(
    method: ManualMethod, reference: str | None
) -> None:
    till = make_till()
    order_id = mugs(till)
    # when
    payment = till.cashier.record_payment(order_id, method=method, reference=reference)
    # then
    t = payment.transaction
    assert (t.kind, t.status, t.amount, t.gateway, t.method, t.reference) == (
        TransactionKind.MANUAL,
        TransactionStatus.SUCCESS,
        TOTAL,
        "manual",
        method.value,
        reference,
    )
    assert t.created_at == NOW
    assert payment.order.status is Status.COMPLETED
    assert payment.summary.status is PaymentStatus.PAID
    assert till.gateway.calls == 0


def test_a_payment_by_hand_needs_a_manual_method() -> None:
    till = make_till()
    order_id = mugs(till)
    with pytest.raises(ValidationError):
        till.cashier.record_payment(order_id, method="cash")  # type: ignore[arg-type]
    assert till.cashier.transactions(order_id) == []
    assert till.cashier.claims(order_id) == []


def test_a_form_submitted_twice_records_the_payment_by_hand_once() -> None:
    till = make_till()
    order_id = mugs(till)
    first = till.cashier.record_payment(
        order_id, money("10.00"), method=ManualMethod.CHECK, reference="7", idempotency_key="f-1"
    )
    # when
    again = till.cashier.record_payment(
        order_id, money("10.00"), method=ManualMethod.CHECK, reference="7", idempotency_key="f-1"
    )
    # then
    assert again.transaction == first.transaction
    assert till.cashier.summary(order_id).paid == money("10.00")


# -- completed with payment to come ------------------------------------------------------------


def test_an_order_completed_by_hand_is_unpaid_until_a_payment_comes_in() -> None:
    # given
    till = make_till()
    order_id = mugs(till)
    # when
    transition = till.app.drafts.complete_unpaid(order_id)
    # then
    completed = till.app.drafts.get(order_id)
    assert completed == transition.order
    assert (completed.status, completed.completed_total) == (Status.COMPLETED, TOTAL)
    assert [type(e) for e in transition.events] == [OrderCompleted]
    summary = till.cashier.summary(order_id)
    assert (summary.status, summary.due) == (PaymentStatus.UNPAID, TOTAL)
    # when the customer pays later
    payment = till.cashier.record_payment(
        order_id, method=ManualMethod.BANK_TRANSFER, reference="TR-9"
    )
    # then
    assert payment.summary.status is PaymentStatus.PAID
    assert till.app.drafts.get(order_id) == completed
    assert [type(e) for e in payment.events] == [TransactionRecorded]


def test_a_deposit_then_completed_by_hand_is_partly_paid() -> None:
    till = make_till()
    order_id = mugs(till)
    till.cashier.charge(order_id, "tok_visa", money("5.00"))
    # when
    till.app.drafts.complete_unpaid(order_id)
    # then
    summary = till.cashier.summary(order_id)
    assert (summary.status, summary.due) == (PaymentStatus.PARTIALLY_PAID, money("23.12"))
    assert till.app.drafts.get(order_id).status is Status.COMPLETED


def test_a_cancelled_order_takes_no_money_but_gives_back_what_it_took() -> None:
    till = make_till()
    order_id = mugs(till)
    deposit = till.cashier.charge(order_id, "tok_visa", money("10.00")).transaction
    till.app.drafts.cancel(order_id, "customer changed their mind")
    calls = till.gateway.calls
    # when / then
    with pytest.raises(InvalidTransition):
        till.cashier.charge(order_id, "tok_visa")
    with pytest.raises(InvalidTransition):
        till.cashier.record_payment(order_id)
    assert till.gateway.calls == calls
    refund = till.cashier.refund(order_id, deposit.id)
    assert refund.succeeded
    assert refund.order.status is Status.CANCELLED
    assert till.charged() == ZERO


# -- authorize, capture, void -------------------------------------------------------------------


def test_an_authorization_reserves_the_amount_due_and_captures_complete_the_order() -> None:
    # given
    till = make_till()
    order_id = mugs(till)
    # when
    auth = till.cashier.authorize(order_id, token="tok_visa")
    # then
    assert (auth.transaction.kind, auth.transaction.amount) == (
        TransactionKind.AUTHORIZATION,
        TOTAL,
    )
    assert auth.summary.status is PaymentStatus.AUTHORIZED
    assert (auth.summary.authorized, auth.summary.outstanding) == (TOTAL, ZERO)
    assert auth.order.status is Status.DRAFT
    assert till.gateway.movements == []
    with pytest.raises(NothingDue):
        till.cashier.charge(order_id, "tok_visa")
    # when part is captured
    part = till.cashier.capture(order_id, auth.transaction.id, money("8.12"))
    # then
    assert part.transaction.parent_id == auth.transaction.id
    assert part.summary.status is PaymentStatus.PARTIALLY_PAID
    assert part.summary.authorized == money("20.00")
    assert part.order.status is Status.DRAFT
    # when the rest is captured
    rest = till.cashier.capture(order_id, auth.transaction.id)
    # then
    assert rest.transaction.amount == money("20.00")
    assert rest.summary.status is PaymentStatus.PAID
    assert rest.order.status is Status.COMPLETED
    assert len(completions(auth, part, rest)) == 1
    assert till.gateway.captured_total("USD") == TOTAL
    with pytest.raises(AmountExceedsDue):
        till.cashier.capture(order_id, auth.transaction.id, money("0.01"))


def test_authorize_uses_the_method_on_file_when_no_token_is_given() -> None:
    till = make_till()
    order_id = mugs(till)
    on_file(till, order_id)
    # when
    auth = till.cashier.authorize(order_id, money("10.00"))
    # then
    assert (auth.transaction.method, auth.transaction.amount) == ("Visa •••• 4242", money("10.00"))
    assert auth.summary.outstanding == money("18.12")


def test_capturing_more_than_was_authorized_is_refused() -> None:
    till = make_till()
    order_id = mugs(till)
    auth = till.cashier.authorize(order_id, money("10.00"), token="tok_visa")
    # when
    with pytest.raises(AmountExceedsDue) as caught:
        till.cashier.capture(order_id, auth.transaction.id, money("10.01"))
    # then
    assert caught.value.limit == money("10.00")
    assert till.gateway.movements == []
    assert len(till.cashier.transactions(order_id)) == 1


def test_only_a_successful_authorization_can_be_captured() -> None:
    till = make_till()
    order_id = mugs(till)
    declined = till.cashier.authorize(order_id, token="tok_chargeDeclined")
    sale = till.cashier.charge(order_id, "tok_visa", money("1.00"))
    # when / then
    for transaction_id in (declined.transaction.id, sale.transaction.id):
        with pytest.raises(UnknownTransaction):
            till.cashier.capture(order_id, transaction_id)
    with pytest.raises(UnknownTransaction):
        till.cashier.capture(order_id, f"{order_id}-T99")


def test_a_void_releases_an_authorization_with_nothing_captured() -> None:
    # given
    till = make_till()
    order_id = mugs(till)
    auth = till.cashier.authorize(order_id, token="tok_visa")
    # when
    void = till.cashier.void(order_id, auth.transaction.id)
    # then
    assert (void.transaction.kind, void.transaction.parent_id) == (
        TransactionKind.VOID,
        auth.transaction.id,
    )
    assert void.succeeded
    assert void.summary.status is PaymentStatus.UNPAID
    assert (void.summary.authorized, void.summary.outstanding) == (ZERO, TOTAL)
    with pytest.raises(AmountExceedsDue):
        till.cashier.capture(order_id, auth.transaction.id)
    with pytest.raises(UnknownTransaction):
        till.cashier.void(order_id, auth.transaction.id)
    assert till.gateway.movements == []


def test_an_authorization_with_a_capture_cannot_be_voided() -> None:
    till = make_till()
    order_id = mugs(till)
    auth = till.cashier.authorize(order_id, token="tok_visa")
    till.cashier.capture(order_id, auth.transaction.id, money("1.00"))
    before = snapshot(till, order_id)
    # when
    with pytest.raises(TransactionStateError) as caught:
        till.cashier.void(order_id, auth.transaction.id)
    # then it is a state error (still an UnknownTransaction for older callers)
    assert isinstance(caught.value, UnknownTransaction)
    assert caught.value.transaction_id == auth.transaction.id
    assert "captured" in caught.value.state
    assert snapshot(till, order_id) == before


# -- refunds ------------------------------------------------------------------------------------


def paid_order(till: Till, quantity: int = 2) -> tuple[str, Transaction]:
    order_id = mugs(till, quantity=quantity)
    return order_id, till.cashier.charge(order_id, "tok_visa").transaction


def test_a_partial_refund_records_its_reason_and_restock() -> None:
    # given
    till = make_till()
    till.app.stock.track("MUG", 10)
    order_id, sale = paid_order(till)
    assert till.app.stock.level("MUG").on_hand == 8
    # when
    refund = till.cashier.refund(
        order_id, sale.id, money("12.99"), reason="one mug broke", restock=[("L1", 1)]
    )
    # then
    t = refund.transaction
    assert (t.kind, t.status, t.amount, t.parent_id, t.reason, t.restock) == (
        TransactionKind.REFUND,
        TransactionStatus.SUCCESS,
        money("12.99"),
        sale.id,
        "one mug broke",
        (("L1", 1),),
    )
    assert t.reference == sale.reference
    assert refund.summary.status is PaymentStatus.PARTIALLY_REFUNDED
    assert (refund.summary.refunded, refund.summary.net_paid, refund.summary.due) == (
        money("12.99"),
        money("15.13"),
        ZERO,
    )
    assert till.gateway.refunded_total("USD") == money("12.99")
    assert till.app.drafts.get(order_id).status is Status.COMPLETED
    assert till.app.stock.level("MUG").on_hand == 9


def test_refunds_never_give_back_more_than_was_captured_less_refunded() -> None:
    # given
    till = make_till()
    order_id, sale = paid_order(till)
    till.cashier.refund(order_id, sale.id, money("10.00"))
    # when asking for more than is left
    with pytest.raises(AmountExceedsDue) as caught:
        till.cashier.refund(order_id, sale.id, money("18.13"))
    # then
    assert (caught.value.what, caught.value.limit) == ("refund", money("18.12"))
    # when the rest is refunded (the default)
    rest = till.cashier.refund(order_id, sale.id)
    # then
    assert rest.transaction.amount == money("18.12")
    assert rest.summary.status is PaymentStatus.REFUNDED
    assert rest.summary.net_paid == ZERO
    with pytest.raises(AmountExceedsDue):
        till.cashier.refund(order_id, sale.id, money("0.01"))
    assert till.gateway.refunded_total("USD") == TOTAL
    assert till.charged() == ZERO


def test_a_full_refund_of_a_deposit_leaves_the_draft_refunded_and_still_due() -> None:
    till = make_till()
    order_id = mugs(till)
    deposit = till.cashier.charge(order_id, "tok_visa", money("10.00")).transaction
    # when
    refund = till.cashier.refund(order_id, deposit.id)
    # then
    assert refund.summary.status is PaymentStatus.REFUNDED
    assert refund.summary.due == money("18.12")
    assert till.app.drafts.get(order_id).status is Status.DRAFT


def test_restock_is_limited_to_what_the_line_sold_over_all_refunds() -> None:
    # given
    till = make_till()
    order_id, sale = paid_order(till, quantity=3)
    # when / then
    with pytest.raises(ValidationError) as caught:
        till.cashier.refund(order_id, sale.id, money("1.00"), restock=[("L1", 4)])
    assert caught.value.field == "restock"
    till.cashier.refund(order_id, sale.id, money("1.00"), restock=[("L1", 2)])
    with pytest.raises(ValidationError):
        till.cashier.refund(order_id, sale.id, money("1.00"), restock=[("L1", 2)])
    with pytest.raises(ValidationError):
        till.cashier.refund(order_id, sale.id, money("1.00"), restock=[("L1", 1), ("L1", 1)])
    with pytest.raises(ValidationError):
        till.cashier.refund(order_id, sale.id, money("1.00"), restock=[("L1", 0)])
    last = till.cashier.refund(order_id, sale.id, money("1.00"), restock=[("L1", 1)])
    assert last.transaction.restock == (("L1", 1),)
    assert till.gateway.refunded_total("USD") == money("2.00")


def test_restock_is_refused_for_an_order_that_took_nothing_from_stock() -> None:
    till = make_till()
    order_id = mugs(till)
    deposit = till.cashier.charge(order_id, "tok_visa", money("10.00")).transaction
    with pytest.raises(ValidationError) as caught:
        till.cashier.refund(order_id, deposit.id, restock=[("L1", 1)])
    assert caught.value.field == "restock"
    assert till.gateway.refunded_total("USD") == ZERO


def test_refunding_a_declined_or_unknown_transaction_is_refused() -> None:
    till = make_till()
    order_id = mugs(till)
    declined = till.cashier.charge(order_id, "tok_chargeDeclined").transaction
    auth = till.cashier.authorize(order_id, money("5.00"), token="tok_visa").transaction
    # when / then
    for transaction_id in (declined.id, auth.id, f"{order_id}-T99"):
        with pytest.raises(UnknownTransaction) as caught:
            till.cashier.refund(order_id, transaction_id)
        assert caught.value.transaction_id == transaction_id
    assert till.gateway.refunded_total("USD") == ZERO


def test_a_payment_by_hand_is_refunded_by_hand() -> None:
    till = make_till()
    order_id = mugs(till)
    cash = till.cashier.record_payment(order_id).transaction
    # when
    refund = till.cashier.refund(order_id, cash.id, money("5.00"), reason="goodwill")
    # then
    assert (refund.transaction.gateway, refund.transaction.method) == ("manual", "cash")
    assert refund.summary.refunded == money("5.00")
    assert till.gateway.calls == 0


def test_a_capture_is_refunded_through_its_authorization() -> None:
    till = make_till()
    order_id = mugs(till)
    auth = till.cashier.authorize(order_id, token="tok_visa").transaction
    capture = till.cashier.capture(order_id, auth.id).transaction
    # when
    refund = till.cashier.refund(order_id, capture.id, money("3.00"))
    # then
    assert refund.succeeded
    assert till.charged() == money("25.12")


def test_a_declined_refund_returns_nothing_to_stock() -> None:
    class RefusesFirstRefund(Meddling):
        declined = False

        def refund(self, reference: str, amount: Money, *, idempotency_key: str) -> GatewayResult:
            if not self.declined:
                self.declined = True
                return GatewayResult(Outcome.DECLINED, amount, reference, "refund_failed")
            return super().refund(reference, amount, idempotency_key=idempotency_key)

    till = make_till(RefusesFirstRefund())
    till.app.stock.track("MUG", 10)
    order_id, sale = paid_order(till)
    # when
    declined = till.cashier.refund(order_id, sale.id, money("25.98"), restock=[("L1", 2)])
    # then
    assert not declined.succeeded
    assert till.app.stock.level("MUG").on_hand == 8
    # when the refund is tried again
    retried = till.cashier.refund(order_id, sale.id, money("25.98"), restock=[("L1", 2)])
    # then
    assert retried.transaction.restock == (("L1", 2),)
    assert till.app.stock.level("MUG").on_hand == 10


# -- reading transactions ------------------------------------------------------------------------


def test_transactions_are_listed_oldest_first_with_their_details() -> None:
    # given
    till = make_till()
    order_id = mugs(till)
    on_file(till, order_id)
    till.cashier.charge(order_id, "tok_chargeDeclined", money("5.00"))
    till.cashier.charge_on_file(order_id, money("5.00"))
    till.cashier.record_payment(order_id, money("3.00"), method=ManualMethod.CHECK, reference="7")
    # when
    transactions = till.cashier.transactions(order_id)
    # then
    assert [t.id for t in transactions] == [f"{order_id}-T1", f"{order_id}-T2", f"{order_id}-T3"]
    assert [(t.kind.value, t.status.value, t.amount) for t in transactions] == [
        ("sale", "failure", money("5.00")),
        ("sale", "success", money("5.00")),
        ("manual", "success", money("3.00")),
    ]
    assert all(t.order_id == order_id and t.created_at == NOW for t in transactions)
    assert [t.gateway for t in transactions] == ["fake", "fake", "manual"]
    assert transactions[1].reference == "fake_000001"
    assert all(t.idempotency_key for t in transactions)
    assert len({t.idempotency_key for t in transactions}) == 3
    assert till.cashier.transaction(order_id, f"{order_id}-T2") == transactions[1]


def test_an_unknown_transaction_or_order_is_refused() -> None:
    till = make_till()
    order_id = mugs(till)
    with pytest.raises(UnknownTransaction) as caught:
        till.cashier.transaction(order_id, f"{order_id}-T1")
    assert (caught.value.order_id, caught.value.transaction_id) == (order_id, f"{order_id}-T1")
    with pytest.raises(OrderNotFound):
        till.cashier.transactions("D9999")
    with pytest.raises(OrderNotFound):
        till.cashier.charge("D9999", "tok_visa")
    assert till.gateway.calls == 0


def test_a_deleted_order_takes_no_money() -> None:
    till = make_till()
    order_id = mugs(till)
    till.app.drafts.delete(order_id)
    with pytest.raises(OrderDeleted):
        till.cashier.charge(order_id, "tok_visa")
    with pytest.raises(OrderDeleted):
        till.cashier.record_payment(order_id)
    assert till.gateway.calls == 0


# -- claims: money is claimed before the gateway is asked ------------------------------------


def test_a_charge_writes_its_claim_before_the_gateway_is_asked() -> None:
    # given a gateway that reads the order's claims while it is answering
    till = make_till()
    order_id = mugs(till)
    till.gateway.during = lambda: till.cashier.claims(order_id)
    # when
    payment = till.cashier.charge(order_id, "tok_visa", money("10.00"))
    # then the gateway saw one open claim, for this charge, under the key it was given
    [seen] = till.gateway.seen
    assert isinstance(seen, list)
    [claim] = seen
    assert claim.is_open
    assert (claim.kind, claim.amount, claim.order_id) == (
        TransactionKind.SALE,
        money("10.00"),
        order_id,
    )
    assert till.gateway.keys == [claim.idempotency_key]
    # and once recorded the claim is closed, naming its transaction
    [recorded] = till.cashier.claims(order_id)
    assert recorded.id == claim.id
    assert (recorded.state, recorded.transaction_id) == (
        ClaimState.RECORDED,
        payment.transaction.id,
    )
    assert payment.transaction.idempotency_key == claim.idempotency_key
    assert open_claims(till, order_id) == []


def test_a_refund_is_claimed_before_the_gateway_is_asked() -> None:
    till = make_till()
    order_id, sale = paid_order(till)
    till.gateway.during = lambda: open_claims(till, order_id)
    # when
    refund = till.cashier.refund(order_id, sale.id, money("5.00"), reason="goodwill")
    # then
    [[claim]] = till.gateway.seen
    assert (claim.kind, claim.amount, claim.parent_id, claim.reason) == (
        TransactionKind.REFUND,
        money("5.00"),
        sale.id,
        "goodwill",
    )
    assert refund.transaction.idempotency_key == claim.idempotency_key


CALLS_WHILE_IN_FLIGHT: dict[str, Callable[[ShopApp, str], object]] = {
    "another charge": lambda app, oid: app.cashier.charge(oid, "tok_mastercard"),
    "a charge with a key": lambda app, oid: app.cashier.charge(
        oid, "tok_visa", idempotency_key="elsewhere"
    ),
    "a payment by hand": lambda app, oid: app.cashier.record_payment(oid, money("1.00")),
    "an authorization": lambda app, oid: app.cashier.authorize(oid, token="tok_visa"),
    "an edit": lambda app, oid: app.drafts.edit(oid, lambda o: o.set_notes("edited")),
    "a completion by hand": lambda app, oid: app.drafts.complete_unpaid(oid),
    "a cancellation": lambda app, oid: app.drafts.cancel(oid),
    "a deletion": lambda app, oid: app.drafts.delete(oid),
    "sending the invoice": lambda app, oid: app.invoicing.send(oid),
}


@pytest.mark.parametrize("call", CALLS_WHILE_IN_FLIGHT.values(), ids=CALLS_WHILE_IN_FLIGHT)
def test_while_a_payment_is_in_flight_another_process_gets_payment_in_flight(
    call: Callable[[ShopApp, str], object],
) -> None:
    # given
    till = make_till()
    order_id = mugs(till)
    other = till.another_process()
    till.gateway.during = lambda: call(other, order_id)
    # when
    payment = till.cashier.charge(order_id, "tok_visa", money("10.00"))
    # then the other call was refused, and the gateway asked once
    [refused] = till.gateway.seen
    assert isinstance(refused, PaymentInFlight)
    [claim] = till.cashier.claims(order_id)
    assert (refused.order_id, refused.claim_id, refused.since) == (order_id, claim.id, NOW)
    assert till.gateway.calls == 1
    assert till.cashier.transactions(order_id) == [payment.transaction]
    stored = till.app.drafts.get(order_id)
    assert (stored.status, stored.notes) == (Status.DRAFT, "")
    # and once the money is recorded the order takes changes again
    assert other.drafts.edit(order_id, lambda o: o.set_notes("later")).notes == "later"


def test_a_payment_in_flight_does_not_hold_up_another_order() -> None:
    till = make_till()
    first, second = mugs(till), mugs(till)
    till.gateway.during = lambda: till.cashier.record_payment(second)
    # when
    till.cashier.charge(first, "tok_visa")
    # then
    [other] = till.gateway.seen
    assert isinstance(other, Payment)
    assert other.order.status is Status.COMPLETED
    assert till.app.drafts.get(first).status is Status.COMPLETED


def test_default_idempotency_keys_are_unique_per_claim() -> None:
    till = make_till()
    first, second = mugs(till), mugs(till)
    # when two orders are paid, one of them in two payments and one declined attempt
    payments = [
        till.cashier.charge(first, "tok_chargeDeclined"),
        till.cashier.charge(first, "tok_visa", money("10.00")),
        till.cashier.charge(first, "tok_visa"),
        till.cashier.charge(second, "tok_visa"),
    ]
    # then no two claims, transactions or gateway calls share a key
    keys = [p.transaction.idempotency_key for p in payments]
    claim_keys = [c.idempotency_key for o in (first, second) for c in till.cashier.claims(o)]
    assert len(set(keys)) == len(keys) == 4
    assert sorted(claim_keys) == sorted(key for key in keys if key)
    assert till.gateway.keys == keys
    assert till.gateway.captured_total("USD") == TOTAL + TOTAL


# -- a gateway that fails mid-call -----------------------------------------------------------------


def fail_before(till: Till) -> str:
    till.gateway.fail_next()
    return "tok_visa"


def fail_after(till: Till) -> str:
    till.gateway.fail_next(TimeoutError("read timed out"), after_processing=True)
    return "tok_visa"


def time_out(till: Till) -> str:
    return "tok_timeout"


@pytest.mark.parametrize("key", [None, "checkout-42"], ids=["no key", "explicit key"])
@pytest.mark.parametrize(
    "failure",
    [fail_before, fail_after, time_out],
    ids=["before processing", "after processing", "tok_timeout"],
)
def test_a_failing_gateway_records_nothing_and_the_retry_charges_exactly_once(
    failure: Callable[[Till], str], key: str | None
) -> None:
    # given
    till = make_till()
    order_id = mugs(till)
    token = failure(till)
    draft = till.app.drafts.get(order_id)
    # when
    with pytest.raises(GatewayFailed) as caught:
        till.cashier.charge(order_id, token, idempotency_key=key)
    # then the order and its transactions are as they were; the claim stays open, interrupted
    assert till.app.drafts.get(order_id) == draft
    assert till.cashier.transactions(order_id) == []
    [claim] = till.cashier.claims(order_id)
    assert claim.is_open
    assert claim.interrupted
    assert isinstance(caught.value.__cause__, ConnectionError | TimeoutError)
    # when retried the same way
    retried = till.cashier.charge(order_id, token, idempotency_key=key)
    # then the claim's key was asked again, and one payment is recorded for what moved
    assert retried.succeeded
    assert retried.order.status is Status.COMPLETED
    assert retried.transaction.idempotency_key == claim.idempotency_key
    assert till.gateway.keys == [claim.idempotency_key] * 2
    assert till.gateway.captured_total("USD") == TOTAL == till.cashier.summary(order_id).paid
    assert [m[1] for m in till.gateway.movements] == [retried.transaction.reference]
    assert len(till.cashier.transactions(order_id)) == 1
    assert open_claims(till, order_id) == []


def test_money_moved_with_its_answer_lost_is_recorded_once_by_the_next_call() -> None:
    # given the gateway took the money and the answer was lost
    till = make_till()
    order_id = mugs(till)
    till.gateway.fail_next(after_processing=True)
    with pytest.raises(GatewayFailed):
        till.cashier.charge(order_id, "tok_visa", money("10.00"))
    assert till.gateway.captured_total("USD") == money("10.00")
    assert till.cashier.summary(order_id).paid == ZERO
    # when the clerk takes the rest by hand
    rest = till.cashier.record_payment(order_id)
    # then the lost charge was recorded first, and only what was left was taken by hand
    sale, cash = till.cashier.transactions(order_id)
    assert (sale.kind, sale.amount, sale.succeeded) == (TransactionKind.SALE, money("10.00"), True)
    assert (cash, cash.amount) == (rest.transaction, money("18.12"))
    assert rest.order.status is Status.COMPLETED
    assert till.gateway.captured_total("USD") == money("10.00")


def test_a_failing_refund_records_nothing_and_the_retry_refunds_once() -> None:
    till = make_till()
    order_id, sale = paid_order(till)
    till.gateway.fail_next(after_processing=True)
    before = snapshot(till, order_id)
    # when
    with pytest.raises(GatewayFailed):
        till.cashier.refund(order_id, sale.id, money("5.00"))
    # then
    assert snapshot(till, order_id)[:2] == before[:2]
    retried = till.cashier.refund(order_id, sale.id, money("5.00"))
    assert retried.succeeded
    assert till.gateway.refunded_total("USD") == money("5.00")
    assert till.cashier.summary(order_id).refunded == money("5.00")


def test_a_gateway_answering_for_another_amount_is_a_failure_and_nothing_is_recorded() -> None:
    class Sloppy(Meddling):
        def sale(self, token: str, amount: Money, *, idempotency_key: str) -> GatewayResult:
            return GatewayResult(Outcome.APPROVED, amount - money("1.00"), "ref")

    till = make_till(Sloppy())
    order_id = mugs(till)
    with pytest.raises(GatewayFailed):
        till.cashier.charge(order_id, "tok_visa")
    assert till.cashier.transactions(order_id) == []
    assert till.app.drafts.get(order_id).status is Status.DRAFT
    [claim] = open_claims(till, order_id)
    assert claim.interrupted


def test_reconcile_records_what_the_gateway_did_for_an_interrupted_claim() -> None:
    # given
    till = make_till()
    order_id = mugs(till)
    till.gateway.fail_next(after_processing=True)
    with pytest.raises(GatewayFailed):
        till.cashier.charge(order_id, "tok_visa")
    [claim] = till.cashier.claims(order_id)
    # when
    report = till.cashier.reconcile()
    # then
    assert isinstance(report, ReconcileReport)
    assert report.still_open == ()
    [payment] = report.recorded
    assert (payment.transaction.amount, payment.transaction.idempotency_key) == (
        TOTAL,
        claim.idempotency_key,
    )
    assert payment.order.status is Status.COMPLETED
    assert completions(payment)
    assert till.cashier.transactions(order_id) == [payment.transaction]
    assert till.gateway.captured_total("USD") == TOTAL == till.cashier.summary(order_id).paid
    # and a second run finds nothing to do
    assert till.cashier.reconcile() == ReconcileReport((), ())


def test_reconcile_keeps_a_claim_open_while_the_gateway_still_fails() -> None:
    till = make_till()
    order_id = mugs(till)
    till.gateway.fail_next(times=2)
    with pytest.raises(GatewayFailed):
        till.cashier.charge(order_id, "tok_visa")
    [claim] = till.cashier.claims(order_id)
    # when
    report = till.cashier.reconcile()
    # then
    assert report.recorded == ()
    [(claim_id, why)] = report.still_open
    assert claim_id == claim.id
    assert why
    assert open_claims(till, order_id) != []
    assert till.cashier.transactions(order_id) == []
    # when the gateway is back
    [payment] = till.cashier.reconcile().recorded
    assert payment.succeeded
    assert till.gateway.captured_total("USD") == TOTAL


@pytest.mark.parametrize("when", ["before", "after"])
def test_a_claim_left_by_a_stopped_process_waits_for_the_timeout_then_reconcile_settles_it(
    when: str,
) -> None:
    # given a process killed while the gateway was asked (before or after it acted)
    till = make_till()
    order_id = mugs(till)
    till.gateway.die = when
    with pytest.raises(ProcessKilled):
        till.cashier.charge(order_id, "tok_visa")
    [claim] = till.cashier.claims(order_id)
    assert claim.is_open
    assert claim.interrupted is None
    # when reconcile runs while the claim is younger than the timeout
    till.clock.advance(till.app.shop.claim_timeout - SECOND)
    # then it leaves it to the process that may still be asking
    assert till.cashier.reconcile() == ReconcileReport((), ())
    with pytest.raises(PaymentInFlight):
        till.cashier.charge(order_id, "tok_visa")
    assert till.cashier.claims(order_id) == [claim]
    # when the claim is older than the timeout
    till.clock.advance(SECOND)
    report = till.cashier.reconcile()
    # then it is settled with its key: one payment, one capture
    [payment] = report.recorded
    assert payment.transaction.idempotency_key == claim.idempotency_key
    assert payment.transaction.created_at == NOW + till.app.shop.claim_timeout
    assert payment.order.status is Status.COMPLETED
    assert till.gateway.captured_total("USD") == TOTAL
    assert till.cashier.transactions(order_id) == [payment.transaction]


def test_reconcile_after_a_crash_can_settle_every_open_claim() -> None:
    till = make_till()
    order_id = mugs(till)
    till.gateway.die = "after"
    with pytest.raises(ProcessKilled):
        till.cashier.charge(order_id, "tok_visa", money("10.00"))
    # when
    report = till.cashier.reconcile(older_than=dt.timedelta(0))
    # then
    [payment] = report.recorded
    assert payment.transaction.amount == money("10.00")
    assert till.gateway.captured_total("USD") == money("10.00")


def test_reconcile_refuses_a_negative_age() -> None:
    till = make_till()
    with pytest.raises(ValidationError):
        till.cashier.reconcile(older_than=-SECOND)


def test_the_next_call_settles_a_claim_older_than_the_timeout_and_charges_once() -> None:
    till = make_till()
    order_id = mugs(till)
    till.gateway.die = "after"
    with pytest.raises(ProcessKilled):
        till.cashier.charge(order_id, "tok_visa")
    till.clock.advance(till.app.shop.claim_timeout)
    # when the customer tries again
    payment = till.cashier.charge(order_id, "tok_visa")
    # then the charge of the stopped process is what is recorded
    assert payment.succeeded
    assert payment.order.status is Status.COMPLETED
    assert till.gateway.captured_total("USD") == TOTAL
    assert len(till.cashier.transactions(order_id)) == 1


# -- explicit idempotency keys --------------------------------------------------------------------


def test_a_key_used_again_returns_the_same_transaction_without_asking_the_gateway() -> None:
    # given
    till = make_till()
    order_id = mugs(till)
    first = till.cashier.charge(order_id, "tok_visa", money("10.00"), idempotency_key="pay-1")
    calls = till.gateway.calls
    # when
    again = till.cashier.charge(order_id, "tok_visa", money("10.00"), idempotency_key="pay-1")
    # then
    assert again.transaction == first.transaction
    assert first.transaction.idempotency_key == "pay-1"
    assert again.events == ()
    assert till.gateway.calls == calls
    assert till.cashier.transactions(order_id) == [first.transaction]
    assert len(till.cashier.claims(order_id)) == 1
    assert till.charged() == money("10.00")


def test_a_key_used_again_from_another_process_returns_the_first_payment() -> None:
    till = make_till()
    order_id = mugs(till)
    first = till.cashier.charge(order_id, "tok_visa", idempotency_key="pay-1")
    other = till.another_process()
    # when
    again = other.cashier.charge(order_id, "tok_visa", idempotency_key="pay-1")
    # then
    assert again.transaction == first.transaction
    assert again.order == first.order
    assert till.gateway.calls == 1


def test_a_key_used_again_for_another_amount_is_a_conflict() -> None:
    till = make_till()
    order_id = mugs(till)
    till.cashier.charge(order_id, "tok_visa", money("10.00"), idempotency_key="pay-1")
    before = snapshot(till, order_id)
    # when
    with pytest.raises(IdempotencyConflict) as caught:
        till.cashier.charge(order_id, "tok_visa", money("11.00"), idempotency_key="pay-1")
    # then
    assert caught.value.key == "pay-1"
    assert snapshot(till, order_id) == before


def test_a_key_used_again_for_another_kind_of_call_is_a_conflict() -> None:
    till = make_till()
    order_id = mugs(till)
    till.cashier.charge(order_id, "tok_visa", money("10.00"), idempotency_key="k")
    with pytest.raises(IdempotencyConflict):
        till.cashier.authorize(order_id, money("10.00"), token="tok_visa", idempotency_key="k")
    with pytest.raises(IdempotencyConflict):
        till.cashier.record_payment(order_id, money("10.00"), idempotency_key="k")
    assert till.gateway.calls == 1


def test_a_key_used_again_with_another_card_is_a_conflict() -> None:
    till = make_till()
    order_id = mugs(till)
    till.cashier.charge(order_id, "tok_visa", money("10.00"), idempotency_key="k")
    with pytest.raises(IdempotencyConflict):
        till.cashier.charge(order_id, "tok_mastercard", money("10.00"), idempotency_key="k")


def test_a_key_used_again_for_another_order_is_a_conflict() -> None:
    till = make_till()
    first, second = mugs(till), mugs(till)
    till.cashier.charge(first, "tok_visa", money("10.00"), idempotency_key="k")
    # when the same key is sent for the other order
    with pytest.raises(IdempotencyConflict):
        till.cashier.charge(second, "tok_visa", idempotency_key="k")


def test_a_key_in_flight_from_another_process_is_not_asked_twice() -> None:
    till = make_till()
    order_id = mugs(till)
    other = till.another_process()
    till.gateway.during = lambda: other.cashier.charge(order_id, "tok_visa", idempotency_key="k")
    # when
    payment = till.cashier.charge(order_id, "tok_visa", idempotency_key="k")
    # then
    [refused] = till.gateway.seen
    assert isinstance(refused, PaymentInFlight)
    assert till.gateway.calls == 1
    assert other.cashier.charge(order_id, "tok_visa", idempotency_key="k") == attrs.evolve(
        payment, events=()
    )


def test_a_key_used_again_after_the_call_paid_the_order_in_full_returns_the_same_payment() -> None:
    till = make_till()
    order_id = mugs(till)
    first = till.cashier.charge(order_id, "tok_visa", TOTAL, idempotency_key="pay-1")
    # when the client, unsure the first call went through, repeats it
    again = till.cashier.charge(order_id, "tok_visa", TOTAL, idempotency_key="pay-1")
    # then
    assert again.transaction == first.transaction
    assert again.order.status is Status.COMPLETED
    assert till.gateway.calls == 1


def test_a_refund_key_used_again_after_a_full_refund_returns_the_same_refund() -> None:
    till = make_till()
    order_id, sale = paid_order(till)
    first = till.cashier.refund(order_id, sale.id, TOTAL, idempotency_key="refund-1")
    # when
    again = till.cashier.refund(order_id, sale.id, TOTAL, idempotency_key="refund-1")
    # then
    assert again.transaction == first.transaction
    assert till.gateway.refunded_total("USD") == TOTAL


def test_a_key_reused_for_another_amount_after_the_order_was_paid_is_still_a_conflict() -> None:
    till = make_till()
    order_id = mugs(till)
    till.cashier.charge(order_id, "tok_visa", TOTAL, idempotency_key="pay-1")
    # when / then
    with pytest.raises(IdempotencyConflict):
        till.cashier.charge(order_id, "tok_visa", money("5.00"), idempotency_key="pay-1")


def test_a_refund_key_reused_for_another_payment_is_a_conflict() -> None:
    till = make_till()
    order_id = mugs(till)
    first = till.cashier.charge(order_id, "tok_visa", money("10.00")).transaction
    second = till.cashier.charge(order_id, "tok_visa").transaction
    till.cashier.refund(order_id, first.id, idempotency_key="refund-1")
    till.cashier.refund(order_id, second.id, idempotency_key="refund-2")
    # when the first key is used for a refund of the second payment
    with pytest.raises(IdempotencyConflict):
        till.cashier.refund(order_id, second.id, money("1.00"), idempotency_key="refund-1")


def test_a_key_whose_call_failed_at_the_gateway_is_settled_by_its_retry_from_anywhere() -> None:
    till = make_till()
    order_id = mugs(till)
    till.gateway.fail_next(after_processing=True)
    with pytest.raises(GatewayFailed):
        till.cashier.charge(order_id, "tok_visa", idempotency_key="pay-1")
    # when another process retries with the key
    payment = till.another_process().cashier.charge(order_id, "tok_visa", idempotency_key="pay-1")
    # then
    assert payment.succeeded
    assert payment.transaction.idempotency_key == "pay-1"
    assert till.gateway.captured_total("USD") == TOTAL
    # and asked again, the key gives that payment
    assert till.cashier.charge(order_id, "tok_visa", idempotency_key="pay-1") == attrs.evolve(
        payment, events=()
    )


def test_a_key_reused_for_another_request_while_its_claim_is_open_is_a_conflict() -> None:
    till = make_till()
    order_id = mugs(till)
    till.gateway.fail_next()
    with pytest.raises(GatewayFailed):
        till.cashier.charge(order_id, "tok_visa", money("10.00"), idempotency_key="k")
    # when / then
    with pytest.raises(IdempotencyConflict):
        till.cashier.charge(order_id, "tok_visa", money("11.00"), idempotency_key="k")
    with pytest.raises(IdempotencyConflict):
        till.cashier.charge(order_id, "tok_mastercard", money("10.00"), idempotency_key="k")
    assert till.gateway.calls == 1
    assert till.cashier.transactions(order_id) == []


# -- gateway notices ------------------------------------------------------------------------------


def notice(event: NoticeEvent, reference: str | None, nid: str, **fields: object) -> GatewayNotice:
    assert reference is not None
    return GatewayNotice("fake", event, reference, nid, **fields)  # type: ignore[arg-type]


def test_a_settled_notice_completes_an_order_paid_by_a_pending_payment_once() -> None:
    # given
    till = make_till()
    order_id = mugs(till)
    pending = till.cashier.charge(order_id, "tok_pending").transaction
    settled = notice(NoticeEvent.SETTLED, pending.reference, "evt_1")
    # when
    payment = till.cashier.apply_notice(settled)
    # then
    assert payment is not None
    assert (payment.transaction.kind, payment.transaction.parent_id) == (
        TransactionKind.SALE,
        pending.id,
    )
    assert payment.succeeded
    assert payment.summary.status is PaymentStatus.PAID
    assert payment.order.status is Status.COMPLETED
    assert len(completions(payment)) == 1
    # when the gateway delivers it again, here or to another process
    assert till.cashier.apply_notice(settled) is None
    assert till.another_process().cashier.apply_notice(settled) is None
    # then nothing more is recorded
    assert len(till.cashier.transactions(order_id)) == 2


def test_a_failed_notice_leaves_the_order_to_pay_again() -> None:
    till = make_till()
    order_id = mugs(till)
    pending = till.cashier.charge(order_id, "tok_pending").transaction
    failed = notice(NoticeEvent.FAILED, pending.reference, "evt_1")
    # when
    payment = till.cashier.apply_notice(failed)
    # then
    assert payment is not None
    assert payment.transaction.status is TransactionStatus.FAILURE
    assert payment.order.status is Status.DRAFT
    assert (payment.summary.status, payment.summary.outstanding) == (PaymentStatus.UNPAID, TOTAL)
    assert till.cashier.apply_notice(failed) is None
    assert till.cashier.charge(order_id, "tok_visa").order.status is Status.COMPLETED


def test_a_notice_for_a_payment_settled_already_changes_nothing() -> None:
    till = make_till()
    order_id = mugs(till)
    pending = till.cashier.charge(order_id, "tok_pending").transaction
    till.cashier.settle(order_id, pending.id, approved=True)
    before = till.cashier.transactions(order_id)
    # when
    late = till.cashier.apply_notice(notice(NoticeEvent.SETTLED, pending.reference, "evt_9"))
    # then
    assert late is None
    assert till.cashier.transactions(order_id) == before


def test_a_refund_made_at_the_gateway_is_recorded_once() -> None:
    till = make_till()
    order_id, sale = paid_order(till)
    refunded = notice(
        NoticeEvent.REFUNDED, sale.reference, "evt_2", amount=money("8.12"), message="dashboard"
    )
    # when
    payment = till.cashier.apply_notice(refunded)
    # then
    assert payment is not None
    t = payment.transaction
    assert (t.kind, t.amount, t.parent_id, t.reason) == (
        TransactionKind.REFUND,
        money("8.12"),
        sale.id,
        "dashboard",
    )
    assert payment.summary.status is PaymentStatus.PARTIALLY_REFUNDED
    assert payment.summary.net_paid == money("20.00")
    assert till.cashier.apply_notice(refunded) is None
    assert till.cashier.summary(order_id).refunded == money("8.12")
    # and the shop cannot refund more than is left
    with pytest.raises(AmountExceedsDue):
        till.cashier.refund(order_id, sale.id, money("20.01"))


def test_a_dispute_takes_money_back_once_and_shows_as_disputed() -> None:
    till = make_till()
    order_id, sale = paid_order(till)
    disputed = notice(NoticeEvent.DISPUTED, sale.reference, "evt_3", amount=money("10.00"))
    # when
    payment = till.cashier.apply_notice(disputed)
    # then
    assert payment is not None
    assert (payment.transaction.kind, payment.transaction.amount) == (
        TransactionKind.DISPUTE,
        money("10.00"),
    )
    summary = payment.summary
    assert summary.status is PaymentStatus.DISPUTED
    assert (summary.paid, summary.disputed, summary.net_paid) == (
        TOTAL,
        money("10.00"),
        money("18.12"),
    )
    assert till.cashier.apply_notice(disputed) is None
    assert till.cashier.summary(order_id).disputed == money("10.00")
    assert till.app.drafts.get(order_id).status is Status.COMPLETED
    with pytest.raises(AmountExceedsDue):
        till.cashier.refund(order_id, sale.id, money("18.13"))


def test_a_notice_for_an_unknown_payment_is_not_found() -> None:
    till = make_till()
    order_id, sale = paid_order(till)
    with pytest.raises(NotFound):
        till.cashier.apply_notice(notice(NoticeEvent.SETTLED, "fake_999999", "evt_1"))
    assert sale.reference is not None
    with pytest.raises(NotFound):
        till.cashier.apply_notice(
            GatewayNotice("other", NoticeEvent.REFUNDED, sale.reference, "e", amount=TOTAL)
        )
    assert till.cashier.transactions(order_id) == [sale]


def test_a_refund_or_dispute_notice_needs_an_amount_and_a_payment_that_took_money() -> None:
    till = make_till()
    order_id = mugs(till)
    pending = till.cashier.charge(order_id, "tok_pending").transaction
    sale_id, sale = paid_order(till)
    with pytest.raises(ValidationError):
        till.cashier.apply_notice(notice(NoticeEvent.DISPUTED, sale.reference, "evt_1"))
    with pytest.raises(ValidationError):
        till.cashier.apply_notice(
            notice(NoticeEvent.REFUNDED, pending.reference, "evt_2", amount=money("1.00"))
        )
    with pytest.raises(ValidationError):
        till.cashier.apply_notice("refunded")  # type: ignore[arg-type]
    assert len(till.cashier.transactions(sale_id)) == 1


# -- promotion usage limits ---------------------------------------------------------------------


def test_the_second_order_using_a_single_use_promotion_is_refused_and_not_charged() -> None:
    # given two drafts priced with a promotion one order may use
    till = make_till(context=PricingContext(promotions=ONCE))
    first, second = mugs(till), mugs(till)
    assert till.app.drafts.price(second).total == money("20.98")
    # and the first order is paid after the second was priced, before it was claimed
    till.clock.meanwhile(lambda: till.cashier.charge(first, "tok_visa"))
    # when
    with pytest.raises(UsageLimitReached) as caught:
        till.cashier.charge(second, "tok_visa")
    # then
    assert (caught.value.promotion_id, caught.value.limit, caught.value.used) == ("ONCE", 1, 1)
    assert till.app.drafts.get(first).status is Status.COMPLETED
    assert till.gateway.calls == 1
    assert till.cashier.claims(second) == []
    assert till.cashier.transactions(second) == []
    assert till.app.quotes.usage().count("ONCE") == 1
    assert till.gateway.captured_total("USD") == money("20.98")
    # and priced again, it pays without the promotion
    again = till.cashier.charge(second, "tok_visa")
    assert again.transaction.amount == money("25.98")
    assert [e.promotions for e in completions(again)] == [()]


def test_a_draft_paid_after_the_promotion_was_used_up_is_priced_without_it() -> None:
    till = make_till(context=PricingContext(promotions=ONCE))
    first, second = mugs(till), mugs(till)
    paid = till.cashier.charge(first, "tok_visa")
    assert [e.promotions for e in completions(paid)] == [("ONCE",)]
    # when
    payment = till.cashier.charge(second, "tok_visa")
    # then
    assert payment.transaction.amount == money("25.98")
    assert payment.order.completed_total == money("25.98")
    assert till.app.quotes.usage().count("ONCE") == 1


def test_a_sent_invoice_whose_promotion_was_used_up_is_not_charged() -> None:
    till = make_till(context=PricingContext(promotions=ONCE))
    first, second = mugs(till), mugs(till)
    invoiced = till.app.invoicing.send(second).order.invoiced_total
    till.cashier.charge(first, "tok_visa")
    calls = till.gateway.calls
    # when
    with pytest.raises(InvoiceOutdated) as caught:
        till.cashier.charge(second, "tok_visa")
    # then
    assert (caught.value.invoiced, caught.value.now) == (invoiced, money("25.98"))
    assert till.gateway.calls == calls
    assert till.cashier.claims(second) == []
    assert till.app.quotes.usage().count("ONCE") == 1


def test_a_declined_payment_gives_the_promotion_use_back() -> None:
    # given
    till = make_till(context=PricingContext(promotions=ONCE))
    first, second = mugs(till), mugs(till)
    till.gateway.during = lambda: till.app.quotes.usage().count("ONCE")
    # when the first order's card is declined
    declined = till.cashier.charge(first, "tok_chargeDeclined")
    # then the use was counted while the payment was in flight, and given back
    assert not declined.succeeded
    assert till.gateway.seen == [1]
    assert till.app.quotes.usage().count("ONCE") == 0
    # and the other order can use it
    payment = till.cashier.charge(second, "tok_visa")
    assert payment.transaction.amount == money("20.98")
    assert till.app.quotes.usage().count("ONCE") == 1


def test_a_payment_that_does_not_complete_the_order_uses_no_promotion() -> None:
    till = make_till(context=PricingContext(promotions=ONCE))
    order_id = mugs(till)
    till.cashier.charge(order_id, "tok_visa", money("10.00"))
    till.cashier.charge(order_id, "tok_pending")
    assert till.app.quotes.usage().count("ONCE") == 0


# -- fields refused at the boundary ----------------------------------------------------------------

BAD_TEXT = [42, "", "   ", "pay\x00ment", "\ud800"]
BAD_IDS = ["a number", "empty", "blank", "NUL", "lone surrogate"]
CALLS_WITH_TEXT: dict[str, Callable[[ShopApp, str, str, str, object], object]] = {
    "charge key": lambda app, oid, sale, auth, bad: app.cashier.charge(
        oid, "tok_visa", money("1.00"), idempotency_key=bad
    ),
    "charge label": lambda app, oid, sale, auth, bad: app.cashier.charge(
        oid, "tok_visa", money("1.00"), label=bad
    ),
    "payment by hand reference": lambda app, oid, sale, auth, bad: app.cashier.record_payment(
        oid, money("1.00"), method=ManualMethod.CHECK, reference=bad
    ),
    "payment by hand key": lambda app, oid, sale, auth, bad: app.cashier.record_payment(
        oid, money("1.00"), idempotency_key=bad
    ),
    "refund reason": lambda app, oid, sale, auth, bad: app.cashier.refund(
        oid, sale, money("1.00"), reason=bad
    ),
    "refund key": lambda app, oid, sale, auth, bad: app.cashier.refund(
        oid, sale, money("1.00"), idempotency_key=bad
    ),
    "authorize key": lambda app, oid, sale, auth, bad: app.cashier.authorize(
        oid, money("1.00"), token="tok_visa", idempotency_key=bad
    ),
    "capture key": lambda app, oid, sale, auth, bad: app.cashier.capture(
        oid, auth, money("1.00"), idempotency_key=bad
    ),
    "void key": lambda app, oid, sale, auth, bad: app.cashier.void(oid, auth, idempotency_key=bad),
}


@pytest.mark.parametrize("bad", BAD_TEXT, ids=BAD_IDS)
@pytest.mark.parametrize("call", CALLS_WITH_TEXT.values(), ids=CALLS_WITH_TEXT)
def test_a_field_that_is_not_one_line_of_text_is_refused_before_anything_is_written(
    call: Callable[[ShopApp, str, str, str, object], object], bad: object
) -> None:
    # given an order with a deposit and an authorization
    till = make_till()
    order_id = mugs(till)
    sale = till.cashier.charge(order_id, "tok_visa", money("10.00")).transaction
    auth = till.cashier.authorize(order_id, money("5.00"), token="tok_visa").transaction
    before = snapshot(till, order_id)
    # when / then
    with pytest.raises(ValidationError):
        call(till.app, order_id, sale.id, auth.id, bad)
    assert snapshot(till, order_id) == before


def test_an_idempotency_key_of_more_than_one_line_or_255_characters_is_refused() -> None:
    till = make_till()
    order_id = mugs(till)
    for key in ("two\nlines", "k" * 256):
        with pytest.raises(ValidationError) as caught:
            till.cashier.charge(order_id, "tok_visa", idempotency_key=key)
        assert caught.value.field == "idempotency_key"
    assert till.gateway.calls == 0
    assert till.cashier.claims(order_id) == []


# -- completion on payment: stock, promotions, once ------------------------------------------------


def test_a_draft_paid_in_full_holds_its_stock_while_in_flight_then_takes_it() -> None:
    # given
    till = make_till()
    till.app.stock.track("MUG", 10)
    order_id = mugs(till)
    till.gateway.during = lambda: till.app.stock.level("MUG")
    # when
    payment = till.cashier.charge(order_id, "tok_visa")
    # then the mugs were set aside while the gateway was asked, then taken out of stock
    [while_in_flight] = till.gateway.seen
    assert (while_in_flight.on_hand, while_in_flight.reserved) == (10, 2)  # type: ignore[attr-defined]
    level = till.app.stock.level("MUG")
    assert (level.on_hand, level.reserved) == (8, 0)
    assert [(c.reason, c.change) for c in till.app.stock.history(order_id=order_id)] == [
        (Reason.RESERVED, -2),
        (Reason.COMMITTED, -2),
    ]
    assert payment.order.status is Status.COMPLETED


def test_a_declined_payment_gives_the_stock_it_held_back() -> None:
    till = make_till()
    till.app.stock.track("MUG", 10)
    order_id = mugs(till)
    # when
    till.cashier.charge(order_id, "tok_chargeDeclined")
    # then
    level = till.app.stock.level("MUG")
    assert (level.on_hand, level.reserved) == (10, 0)


def test_a_payment_that_would_complete_an_order_without_stock_is_refused_before_the_gateway() -> (
    None
):
    till = make_till()
    till.app.stock.track("MUG", 1)
    order_id = mugs(till)
    before = snapshot(till, order_id)
    # when / then
    with pytest.raises(InsufficientStock):
        till.cashier.charge(order_id, "tok_visa")
    assert snapshot(till, order_id) == before
    # and a deposit, which completes nothing, is taken
    assert till.cashier.charge(order_id, "tok_visa", money("10.00")).succeeded


def test_a_sent_invoice_paid_in_parts_takes_its_stock_and_promotion_once() -> None:
    # given a sent invoice with a promotion, its mugs reserved
    till = make_till(context=PricingContext(promotions=ONCE))
    till.app.stock.track("MUG", 10)
    order_id = mugs(till)
    till.app.invoicing.send(order_id)
    assert till.app.stock.level("MUG").reserved == 2
    # when it is paid in three steps, the last one repeated with its key
    deposit = till.cashier.charge(order_id, "tok_visa", money("10.00"))
    middle = till.cashier.record_payment(order_id, money("5.00"))
    last = till.cashier.charge(order_id, "tok_visa", idempotency_key="last")
    repeat = till.cashier.charge(order_id, "tok_visa", idempotency_key="last")
    # then it was completed once, by the last payment
    events = completions(deposit, middle, last, repeat)
    assert events == [OrderCompleted(order_id, last.order.version, money("20.98"), ("ONCE",), "C1")]
    assert repeat.transaction == last.transaction
    assert till.app.quotes.usage().count("ONCE") == 1
    level = till.app.stock.level("MUG")
    assert (level.on_hand, level.reserved) == (8, 0)
    committed = [
        c for c in till.app.stock.history(order_id=order_id) if c.reason is Reason.COMMITTED
    ]
    assert len(committed) == 1
    assert till.app.drafts.get(order_id).completed_total == money("20.98")


def test_a_pending_checkout_payment_keeps_the_order_as_the_customer_chose_it() -> None:
    # given a sent invoice opened at checkout, a billing address entered
    till = make_till(checkout_links=LINKS)
    order_id = mugs(till)
    sent = till.app.invoicing.send(order_id)
    assert sent.sent.invoice.checkout_url is not None
    billing = Address(country="US", name="Ada Lovelace", line1="12 Billing Rd", city="Albany")
    session = till.app.checkout.open(sent.sent.invoice.checkout_url)
    session = till.app.checkout.with_billing_address(session, billing)
    # when the payment is pending at the gateway
    payment = till.app.checkout.pay(session, "tok_pending")
    # then the order keeps the customer's choices, still waiting for its money
    stored: DraftOrder = till.app.drafts.get(order_id)
    assert payment.transaction.status is TransactionStatus.PENDING
    assert payment.order == stored
    assert (stored.status, stored.billing_address, stored.invoiced_total) == (
        Status.INVOICE_SENT,
        billing,
        TOTAL,
    )
    assert stored.version > sent.order.version
    # when the gateway says it settled
    settled = till.cashier.apply_notice(
        notice(NoticeEvent.SETTLED, payment.transaction.reference, "e")
    )
    # then the order completes as chosen
    assert settled is not None
    assert settled.order.status is Status.COMPLETED
    assert settled.order.billing_address == billing
    assert len(completions(settled)) == 1


# -- outdated invoices ---------------------------------------------------------------------------


def test_paying_an_invoice_whose_total_changed_is_refused_before_any_money_moves() -> None:
    # given an invoice sent at 28.12, and the shop's tax settings changed since
    till = make_till()
    order_id = mugs(till)
    till.app.invoicing.send(order_id)
    untaxed = till.another_process(context=PricingContext())
    before = snapshot(till, order_id)
    # when / then
    with pytest.raises(InvoiceOutdated) as caught:
        untaxed.cashier.charge(order_id, "tok_visa")
    assert (caught.value.invoiced, caught.value.now) == (TOTAL, money("25.98"))
    with pytest.raises(InvoiceOutdated):
        untaxed.cashier.record_payment(order_id)
    with pytest.raises(InvoiceOutdated):
        untaxed.cashier.authorize(order_id, token="tok_visa")
    assert snapshot(till, order_id) == before


def test_a_sent_invoice_is_paid_at_its_total() -> None:
    till = make_till()
    order_id = mugs(till)
    sent = till.app.invoicing.send(order_id).order
    # when
    payment = till.cashier.charge(order_id, "tok_visa")
    # then
    assert payment.transaction.amount == sent.invoiced_total == TOTAL
    assert payment.order.status is Status.COMPLETED


def test_a_deposit_on_an_outdated_invoice_can_still_be_refunded() -> None:
    till = make_till()
    order_id = mugs(till)
    till.app.invoicing.send(order_id)
    deposit = till.cashier.charge(order_id, "tok_visa", money("10.00")).transaction
    untaxed = till.another_process(context=PricingContext())
    # when
    refund = untaxed.cashier.refund(order_id, deposit.id)
    # then
    assert refund.succeeded
    assert till.gateway.refunded_total("USD") == money("10.00")


# -- two payments at once -------------------------------------------------------------------------


def test_two_concurrent_payments_of_one_draft_complete_it_once_and_charge_once() -> None:
    # given
    till = make_till(Meddling(delay=0.05))
    order_id = mugs(till)
    barrier = threading.Barrier(2)
    results: list[object] = []

    def pay(token: str) -> None:
        barrier.wait()
        try:
            results.append(till.cashier.charge(order_id, token))
        except (NothingDue, PaymentInFlight) as refused:
            results.append(refused)

    threads = [threading.Thread(target=pay, args=(t,)) for t in ("tok_visa", "tok_mastercard")]
    # when
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    # then one was charged, the other refused without asking the gateway
    payments = [r for r in results if isinstance(r, Payment)]
    assert len(results) == 2
    assert len(payments) == 1
    assert till.gateway.calls == 1
    assert till.gateway.captured_total("USD") == TOTAL
    assert len(till.gateway.movements) == 1
    assert len(till.cashier.transactions(order_id)) == 1
    assert len(completions(*payments)) == 1
    assert till.app.drafts.get(order_id).status is Status.COMPLETED


def test_concurrent_deposits_never_take_more_than_is_due() -> None:
    till = make_till(Meddling(delay=0.01))
    order_id = mugs(till)
    barrier = threading.Barrier(4)
    refused: list[Exception] = []

    def pay() -> None:
        barrier.wait()
        try:
            till.cashier.charge(order_id, "tok_visa", money("10.00"))
        except (NothingDue, AmountExceedsDue, PaymentInFlight) as error:
            refused.append(error)

    threads = [threading.Thread(target=pay) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    # then every deposit taken is recorded, none asked twice, never more than is due
    summary = till.cashier.summary(order_id)
    taken = 4 - len(refused)
    assert 1 <= taken <= 2
    assert till.gateway.calls == taken
    assert till.gateway.captured_total("USD") == summary.paid == money("10.00") * taken
    assert summary.due == TOTAL - summary.paid
    assert open_claims(till, order_id) == []


# -- events and the invoice ---------------------------------------------------------------------


def test_every_recorded_transaction_is_an_event_and_completion_follows_it() -> None:
    till = make_till()
    order_id = mugs(till)
    # when
    declined = till.cashier.charge(order_id, "tok_chargeDeclined")
    deposit = till.cashier.charge(order_id, "tok_visa", money("8.12"))
    rest = till.cashier.record_payment(order_id)
    # then
    completed = till.app.drafts.get(order_id)
    assert [e for p in (declined, deposit, rest) for e in p.events] == [
        TransactionRecorded(order_id, declined.transaction.id, "sale", "failure", TOTAL),
        TransactionRecorded(order_id, deposit.transaction.id, "sale", "success", money("8.12")),
        TransactionRecorded(order_id, rest.transaction.id, "manual", "success", money("20.00")),
        OrderCompleted(order_id, completed.version, TOTAL, customer_id="C1"),
    ]


def test_the_invoice_preview_shows_what_was_paid_and_what_is_due_after_a_deposit() -> None:
    till = make_till()
    order_id = mugs(till)
    assert till.app.invoicing.preview(order_id).amount_paid == ZERO
    # when
    till.cashier.charge(order_id, "tok_visa", money("10.00"))
    # then
    preview = till.app.invoicing.preview(order_id)
    assert (preview.total, preview.amount_paid, preview.amount_due) == (
        TOTAL,
        money("10.00"),
        money("18.12"),
    )


def test_after_a_refund_the_invoice_and_the_cashier_agree_on_what_is_due() -> None:
    till = make_till()
    order_id = mugs(till)
    deposit = till.cashier.charge(order_id, "tok_visa", money("10.00")).transaction
    till.cashier.refund(order_id, deposit.id, money("4.00"), reason="goodwill")
    # when
    preview = till.app.invoicing.preview(order_id)
    # then
    assert preview.amount_due == till.cashier.summary(order_id).due


def test_the_preview_of_a_sent_invoice_shows_a_deposit_paid_since() -> None:
    till = make_till()
    order_id = mugs(till)
    sent = till.app.invoicing.send(order_id).sent.invoice
    # when
    till.cashier.charge(order_id, "tok_visa", money("10.00"))
    # then
    preview = till.app.invoicing.preview(order_id)
    assert preview.number == sent.number
    assert (preview.amount_paid, preview.amount_due) == (money("10.00"), money("18.12"))
    assert till.app.invoicing.sent(order_id)[-1].invoice.amount_paid == ZERO  # as it was sent

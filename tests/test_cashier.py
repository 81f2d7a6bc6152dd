"""The cashier: charging a method on file or a card token, deposits, payments by hand, orders
completed with payment pending, authorize / capture / void, refunds with restock, idempotency
keys, a gateway that fails mid-call, outdated invoices, two payments at once, events, and the
invoice after a deposit.

The shop is two mugs for Ada at 8.25% tax: 25.98 + 2.14 = 28.12.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import threading
from collections.abc import Callable

import attrs
import pytest

from builders import catalog, flat_tax, money
from draftorders import (
    Cashier,
    Customer,
    DraftOrderService,
    FakeGateway,
    FixedClock,
    GatewayFailed,
    GatewayResult,
    InMemoryStore,
    InvoiceOutdated,
    Money,
    OrderCompleted,
    OrderNotFound,
    Outcome,
    Party,
    PaymentMethod,
    PaymentStatus,
    Status,
    Transaction,
    ValidationError,
    Wallet,
)
from draftorders.errors import (
    AmountExceedsDue,
    ConcurrencyConflict,
    ConsentRequired,
    IdempotencyConflict,
    NotFound,
    NothingDue,
    UnknownTransaction,
)
from draftorders.events import TransactionRecorded
from draftorders.payments import ManualMethod, TransactionKind, TransactionStatus

NOW = dt.datetime(2026, 11, 26, 9, 30, tzinfo=dt.UTC)
SELLER = Party(name="Tea & Mugs Co.", email="billing@teamugs.example")
ADA = Customer(id="C1", name="Ada Lovelace", email="ada@example.com")
ADA_VISA = PaymentMethod(
    id="pm_ada", customer_id="C1", token="tok_visa", brand="Visa", last4="4242"
)
GRACE_AMEX = PaymentMethod(
    id="pm_grace", customer_id="C2", token="tok_amex", brand="Amex", last4="0005"
)
TOTAL = money("28.12")
ZERO = money("0.00")


@attrs.frozen
class Till:
    shop: DraftOrderService
    gateway: FakeGateway
    cashier: Cashier

    def charged(self) -> Money:
        """What the gateway took, less what it gave back."""
        return self.gateway.captured_total("USD") - self.gateway.refunded_total("USD")


def make_till(gateway: FakeGateway | None = None) -> Till:
    shop = DraftOrderService(
        catalog(),
        context=flat_tax(),
        store=InMemoryStore(),
        clock=FixedClock(NOW),
        seller=SELLER,
        attach_pdf=False,
    )
    gateway = gateway if gateway is not None else FakeGateway()
    return Till(shop, gateway, Cashier(shop, gateway, Wallet([ADA_VISA, GRACE_AMEX])))


def mugs(shop: DraftOrderService, *, customer: Customer | None = ADA, quantity: int = 2) -> str:
    """A saved draft with mugs (two by default: 28.12)."""
    order = shop.create(customer=customer)
    return shop.edit(order.id, lambda o: o.add_product(shop.catalog, "MUG", quantity)).id


def on_file(shop: DraftOrderService, order_id: str, method_id: str = "pm_ada") -> None:
    shop.edit(order_id, lambda o: o.set_payment_method(method_id), lambda o: o.set_consent(True))


def snapshot(till: Till, order_id: str) -> tuple[object, ...]:
    """Everything a failed call must leave as it was."""
    return (
        copy.deepcopy(till.shop.get(order_id)),
        list(till.cashier.transactions(order_id)),
        list(till.shop.events),
        list(till.gateway.movements),
    )


# -- charging the method on file ------------------------------------------------------------


def test_charge_on_file_needs_a_payment_method_on_the_order() -> None:
    till = make_till()
    order_id = mugs(till.shop)
    till.shop.edit(order_id, lambda o: o.set_consent(True))
    # when
    with pytest.raises(ValidationError) as caught:
        till.cashier.charge_on_file(order_id)
    # then
    assert caught.value.field == "payment_method_id"
    assert till.gateway.calls == 0
    assert till.cashier.transactions(order_id) == []


def test_charge_on_file_needs_the_customers_consent() -> None:
    till = make_till()
    order_id = mugs(till.shop)
    till.shop.edit(order_id, lambda o: o.set_payment_method("pm_ada"))
    # when
    with pytest.raises(ConsentRequired) as caught:
        till.cashier.charge_on_file(order_id)
    # then
    assert caught.value.order_id == order_id
    assert till.gateway.calls == 0
    assert till.cashier.transactions(order_id) == []


def test_charge_on_file_refuses_another_customers_method_and_an_unknown_one() -> None:
    till = make_till()
    order_id = mugs(till.shop)
    on_file(till.shop, order_id, "pm_grace")
    # when / then
    with pytest.raises(ValidationError) as caught:
        till.cashier.charge_on_file(order_id)
    assert caught.value.field == "payment_method_id"
    on_file(till.shop, order_id, "pm_nobody")
    with pytest.raises(NotFound):
        till.cashier.charge_on_file(order_id)
    assert till.gateway.calls == 0


def test_charge_on_file_refuses_an_order_without_a_customer() -> None:
    till = make_till()
    order_id = mugs(till.shop, customer=None)
    on_file(till.shop, order_id)
    with pytest.raises(ValidationError):
        till.cashier.charge_on_file(order_id)
    assert till.gateway.calls == 0


def test_charge_on_file_charges_the_customers_method_and_completes_the_order() -> None:
    till = make_till()
    order_id = mugs(till.shop)
    on_file(till.shop, order_id)
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


@pytest.mark.parametrize("number", ["4242424242424242", "4000 0566 5566 5556"])
def test_a_card_number_given_as_a_token_is_refused_before_the_gateway_and_not_repeated(
    number: str,
) -> None:
    till = make_till()
    order_id = mugs(till.shop)
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


# -- a full charge ---------------------------------------------------------------------------


def test_a_full_charge_completes_the_draft_once_at_its_total() -> None:
    # given
    till = make_till()
    order_id = mugs(till.shop)
    draft = till.shop.get(order_id)
    # when
    payment = till.cashier.charge(order_id, "tok_visa")
    # then
    assert payment.succeeded
    assert payment.transaction.amount == TOTAL
    assert payment.summary.status is PaymentStatus.PAID
    assert (payment.summary.paid, payment.summary.due) == (TOTAL, ZERO)
    stored = till.shop.get(order_id)
    assert stored == payment.order
    assert (stored.status, stored.completed_total) == (Status.COMPLETED, TOTAL)
    assert stored.version == draft.version + 1
    assert [o.id for o in till.shop.orders()] == [order_id]
    assert till.shop.drafts() == []
    assert [type(e) for e in till.shop.events] == [TransactionRecorded, OrderCompleted]
    # and a second charge finds nothing to pay
    with pytest.raises(NothingDue):
        till.cashier.charge(order_id, "tok_visa")
    assert till.gateway.captured_total("USD") == TOTAL
    assert len(till.cashier.transactions(order_id)) == 1
    assert sum(isinstance(e, OrderCompleted) for e in till.shop.events) == 1


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
    order_id = mugs(till.shop)
    before = till.shop.get(order_id)
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
    assert till.shop.get(order_id) == before
    assert payment.order == before
    assert till.cashier.transactions(order_id) == [t]
    assert till.cashier.summary(order_id).status is PaymentStatus.UNPAID
    assert till.cashier.summary(order_id).due == TOTAL
    assert till.gateway.movements == []
    assert till.shop.events == [
        TransactionRecorded(order_id, t.id, "sale", "failure", TOTAL),
    ]
    # and the next card can pay
    assert till.cashier.charge(order_id, "tok_visa").order.status is Status.COMPLETED


def test_a_pending_payment_leaves_the_order_a_draft_and_nothing_more_can_be_asked() -> None:
    till = make_till()
    order_id = mugs(till.shop)
    # when
    payment = till.cashier.charge(order_id, "tok_pending")
    # then
    assert payment.transaction.status is TransactionStatus.PENDING
    assert payment.summary.status is PaymentStatus.PENDING
    assert (payment.summary.pending, payment.summary.due) == (TOTAL, TOTAL)
    assert payment.summary.outstanding == ZERO
    assert till.shop.get(order_id).status is Status.DRAFT
    with pytest.raises(NothingDue):
        till.cashier.charge(order_id, "tok_visa")
    # when the gateway says later that it went through
    settled = till.cashier.settle(order_id, payment.transaction.id, approved=True)
    # then
    assert settled.transaction.parent_id == payment.transaction.id
    assert settled.summary.status is PaymentStatus.PAID
    assert settled.order.status is Status.COMPLETED


# -- deposits and partial payments -----------------------------------------------------------


def test_a_deposit_then_the_rest_completes_the_order_with_the_last_payment() -> None:
    # given
    till = make_till()
    order_id = mugs(till.shop)
    # when
    deposit = till.cashier.charge(order_id, "tok_visa", money("10.00"))
    # then
    assert deposit.summary.status is PaymentStatus.PARTIALLY_PAID
    assert (deposit.summary.paid, deposit.summary.due) == (money("10.00"), money("18.12"))
    assert deposit.order.status is Status.DRAFT
    assert till.shop.orders() == []
    # when
    second = till.cashier.record_payment(order_id, money("8.00"))
    # then
    assert second.summary.due == money("10.12")
    assert till.shop.get(order_id).status is Status.DRAFT
    # when the last payment is made for what is due
    last = till.cashier.charge(order_id, "tok_mastercard")
    # then
    assert last.transaction.amount == money("10.12")
    assert last.summary.status is PaymentStatus.PAID
    assert last.order.status is Status.COMPLETED
    assert last.order.completed_total == TOTAL
    assert [type(e) for e in last.events] == [TransactionRecorded, OrderCompleted]
    assert till.cashier.summary(order_id).paid == TOTAL


def test_paying_more_than_is_due_is_refused_before_the_gateway_is_asked() -> None:
    till = make_till()
    order_id = mugs(till.shop)
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
    with pytest.raises(AmountExceedsDue):
        till.cashier.record_payment(order_id, money("8.13"))


def test_a_payment_of_zero_is_refused() -> None:
    till = make_till()
    order_id = mugs(till.shop)
    with pytest.raises(ValidationError):
        till.cashier.charge(order_id, "tok_visa", ZERO)
    assert till.gateway.calls == 0


def test_paying_a_paid_order_is_refused_whatever_the_way() -> None:
    till = make_till()
    order_id = mugs(till.shop)
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
    order_id = mugs(till.shop)
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
    order_id = mugs(till.shop)
    with pytest.raises(ValidationError):
        till.cashier.record_payment(order_id, method="cash")  # type: ignore[arg-type]
    assert till.cashier.transactions(order_id) == []


# -- completed with payment pending ------------------------------------------------------------


def test_an_order_completed_by_hand_is_unpaid_until_a_payment_comes_in() -> None:
    # given
    till = make_till()
    order_id = mugs(till.shop)
    # when
    transition = till.cashier.complete_pending(order_id)
    # then
    completed = till.shop.get(order_id)
    assert completed == transition.order
    assert (completed.status, completed.completed_total) == (Status.COMPLETED, TOTAL)
    summary = till.cashier.summary(order_id)
    assert (summary.status, summary.due) == (PaymentStatus.UNPAID, TOTAL)
    # when the customer pays later
    payment = till.cashier.record_payment(
        order_id, method=ManualMethod.BANK_TRANSFER, reference="TR-9"
    )
    # then
    assert payment.summary.status is PaymentStatus.PAID
    assert till.shop.get(order_id) == completed
    assert [type(e) for e in payment.events] == [TransactionRecorded]
    assert sum(isinstance(e, OrderCompleted) for e in till.shop.events) == 1


def test_a_deposit_then_completed_by_hand_is_partly_paid() -> None:
    till = make_till()
    order_id = mugs(till.shop)
    till.cashier.charge(order_id, "tok_visa", money("5.00"))
    # when
    till.cashier.complete_pending(order_id)
    # then
    summary = till.cashier.summary(order_id)
    assert (summary.status, summary.due) == (PaymentStatus.PARTIALLY_PAID, money("23.12"))
    assert till.shop.get(order_id).status is Status.COMPLETED


# -- authorize, capture, void -------------------------------------------------------------------


def test_an_authorization_reserves_the_amount_due_and_captures_complete_the_order() -> None:
    # given
    till = make_till()
    order_id = mugs(till.shop)
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
    assert till.gateway.captured_total("USD") == TOTAL
    with pytest.raises(AmountExceedsDue):
        till.cashier.capture(order_id, auth.transaction.id, money("0.01"))


def test_authorize_uses_the_method_on_file_when_no_token_is_given() -> None:
    till = make_till()
    order_id = mugs(till.shop)
    on_file(till.shop, order_id)
    # when
    auth = till.cashier.authorize(order_id, money("10.00"))
    # then
    assert (auth.transaction.method, auth.transaction.amount) == ("Visa •••• 4242", money("10.00"))
    assert auth.summary.outstanding == money("18.12")


def test_capturing_more_than_was_authorized_is_refused() -> None:
    till = make_till()
    order_id = mugs(till.shop)
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
    order_id = mugs(till.shop)
    declined = till.cashier.authorize(order_id, token="tok_chargeDeclined")
    sale = till.cashier.charge(order_id, "tok_visa", money("1.00"))
    # when / then
    for transaction_id in (declined.transaction.id, sale.transaction.id):
        with pytest.raises(UnknownTransaction):
            till.cashier.capture(order_id, transaction_id)
    with pytest.raises(UnknownTransaction):
        till.cashier.capture(order_id, "D1001-T99")


def test_a_void_releases_an_authorization_with_nothing_captured() -> None:
    # given
    till = make_till()
    order_id = mugs(till.shop)
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
    order_id = mugs(till.shop)
    auth = till.cashier.authorize(order_id, token="tok_visa")
    till.cashier.capture(order_id, auth.transaction.id, money("1.00"))
    before = snapshot(till, order_id)
    # when
    with pytest.raises(UnknownTransaction) as caught:
        till.cashier.void(order_id, auth.transaction.id)
    # then
    assert caught.value.transaction_id == auth.transaction.id
    assert snapshot(till, order_id) == before


# -- refunds ------------------------------------------------------------------------------------


def paid_order(till: Till, quantity: int = 2) -> tuple[str, Transaction]:
    order_id = mugs(till.shop, quantity=quantity)
    return order_id, till.cashier.charge(order_id, "tok_visa").transaction


def test_a_partial_refund_records_its_reason_and_restock() -> None:
    # given
    till = make_till()
    order_id, sale = paid_order(till)
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
    assert till.shop.get(order_id).status is Status.COMPLETED


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
    order_id = mugs(till.shop)
    deposit = till.cashier.charge(order_id, "tok_visa", money("10.00")).transaction
    # when
    refund = till.cashier.refund(order_id, deposit.id)
    # then
    assert refund.summary.status is PaymentStatus.REFUNDED
    assert refund.summary.due == money("18.12")
    assert till.shop.get(order_id).status is Status.DRAFT


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


def test_refunding_a_declined_or_unknown_transaction_is_refused() -> None:
    till = make_till()
    order_id = mugs(till.shop)
    declined = till.cashier.charge(order_id, "tok_chargeDeclined").transaction
    auth = till.cashier.authorize(order_id, money("5.00"), token="tok_visa").transaction
    # when / then
    for transaction_id in (declined.id, auth.id, "D1001-T99"):
        with pytest.raises(UnknownTransaction) as caught:
            till.cashier.refund(order_id, transaction_id)
        assert caught.value.transaction_id == transaction_id
    assert till.gateway.refunded_total("USD") == ZERO


def test_a_payment_by_hand_is_refunded_by_hand() -> None:
    till = make_till()
    order_id = mugs(till.shop)
    cash = till.cashier.record_payment(order_id).transaction
    # when
    refund = till.cashier.refund(order_id, cash.id, money("5.00"), reason="goodwill")
    # then
    assert (refund.transaction.gateway, refund.transaction.method) == ("manual", "cash")
    assert refund.summary.refunded == money("5.00")
    assert till.gateway.calls == 0


def test_a_capture_is_refunded_through_its_authorization() -> None:
    till = make_till()
    order_id = mugs(till.shop)
    auth = till.cashier.authorize(order_id, token="tok_visa").transaction
    capture = till.cashier.capture(order_id, auth.id).transaction
    # when
    refund = till.cashier.refund(order_id, capture.id, money("3.00"))
    # then
    assert refund.succeeded
    assert till.charged() == money("25.12")


# -- reading transactions ------------------------------------------------------------------------


def test_transactions_are_listed_oldest_first_with_their_details() -> None:
    # given
    till = make_till()
    order_id = mugs(till.shop)
    on_file(till.shop, order_id)
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
    order_id = mugs(till.shop)
    with pytest.raises(UnknownTransaction) as caught:
        till.cashier.transaction(order_id, f"{order_id}-T1")
    assert (caught.value.order_id, caught.value.transaction_id) == (order_id, f"{order_id}-T1")
    with pytest.raises(OrderNotFound):
        till.cashier.transactions("D9999")
    with pytest.raises(OrderNotFound):
        till.cashier.charge("D9999", "tok_visa")


# -- idempotency keys ------------------------------------------------------------------------------


def test_a_key_used_again_returns_the_same_transaction_without_asking_the_gateway() -> None:
    # given
    till = make_till()
    order_id = mugs(till.shop)
    first = till.cashier.charge(order_id, "tok_visa", money("10.00"), idempotency_key="pay-1")
    calls, events = till.gateway.calls, list(till.shop.events)
    # when
    again = till.cashier.charge(order_id, "tok_visa", money("10.00"), idempotency_key="pay-1")
    # then
    assert again.transaction == first.transaction
    assert first.transaction.idempotency_key == "pay-1"
    assert till.gateway.calls == calls
    assert till.shop.events == events
    assert till.cashier.transactions(order_id) == [first.transaction]
    assert till.charged() == money("10.00")


def test_a_key_used_again_for_another_amount_is_a_conflict() -> None:
    till = make_till()
    order_id = mugs(till.shop)
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
    order_id = mugs(till.shop)
    till.cashier.charge(order_id, "tok_visa", money("10.00"), idempotency_key="k")
    with pytest.raises(IdempotencyConflict):
        till.cashier.authorize(order_id, money("10.00"), token="tok_visa", idempotency_key="k")
    assert till.gateway.calls == 1


def test_a_key_used_again_after_the_call_paid_the_order_in_full_returns_the_same_payment() -> None:
    till = make_till()
    order_id = mugs(till.shop)
    first = till.cashier.charge(order_id, "tok_visa", TOTAL, idempotency_key="pay-1")
    # when the client, unsure the first call went through, repeats it
    again = till.cashier.charge(order_id, "tok_visa", TOTAL, idempotency_key="pay-1")
    # then
    assert again.transaction == first.transaction
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
    order_id = mugs(till.shop)
    till.cashier.charge(order_id, "tok_visa", TOTAL, idempotency_key="pay-1")
    # when / then
    with pytest.raises(IdempotencyConflict):
        till.cashier.charge(order_id, "tok_visa", money("5.00"), idempotency_key="pay-1")


def test_a_refund_key_reused_for_another_payment_is_a_conflict() -> None:
    till = make_till()
    order_id = mugs(till.shop)
    first = till.cashier.charge(order_id, "tok_visa", money("10.00")).transaction
    second = till.cashier.charge(order_id, "tok_visa").transaction
    till.cashier.refund(order_id, first.id, idempotency_key="refund-1")
    till.cashier.refund(order_id, second.id, idempotency_key="refund-2")
    # when the first key is used for a refund of the second payment
    with pytest.raises(IdempotencyConflict):
        till.cashier.refund(order_id, second.id, money("1.00"), idempotency_key="refund-1")


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
    order_id = mugs(till.shop)
    token = failure(till)
    before = snapshot(till, order_id)
    # when
    with pytest.raises(GatewayFailed) as caught:
        till.cashier.charge(order_id, token, idempotency_key=key)
    # then the order, its transactions and the events are as they were
    assert snapshot(till, order_id)[:3] == before[:3]
    assert isinstance(caught.value.__cause__, ConnectionError | TimeoutError)
    # when retried the same way
    retried = till.cashier.charge(order_id, token, idempotency_key=key)
    # then
    assert retried.succeeded
    assert retried.order.status is Status.COMPLETED
    assert till.gateway.captured_total("USD") == TOTAL
    assert [m[1] for m in till.gateway.movements] == [retried.transaction.reference]
    assert len(till.cashier.transactions(order_id)) == 1


def test_a_failing_refund_records_nothing_and_the_retry_refunds_once() -> None:
    till = make_till()
    order_id, sale = paid_order(till)
    till.gateway.fail_next(after_processing=True)
    before = snapshot(till, order_id)
    # when
    with pytest.raises(GatewayFailed):
        till.cashier.refund(order_id, sale.id, money("5.00"))
    # then
    assert snapshot(till, order_id)[:3] == before[:3]
    retried = till.cashier.refund(order_id, sale.id, money("5.00"))
    assert retried.succeeded
    assert till.gateway.refunded_total("USD") == money("5.00")


def test_a_gateway_answering_for_another_amount_is_a_failure_and_nothing_is_recorded() -> None:
    class Sloppy(FakeGateway):
        def sale(self, token: str, amount: Money, *, idempotency_key: str) -> GatewayResult:
            return GatewayResult(Outcome.APPROVED, amount - money("1.00"), "ref")

    till = make_till(Sloppy())
    order_id = mugs(till.shop)
    with pytest.raises(GatewayFailed):
        till.cashier.charge(order_id, "tok_visa")
    assert till.cashier.transactions(order_id) == []
    assert till.shop.get(order_id).status is Status.DRAFT


def test_an_edit_from_another_thread_waits_until_the_money_has_moved() -> None:
    class EditTriedWhileCharging(FakeGateway):
        edit_landed_during_the_charge: bool | None = None

        def sale(self, token: str, amount: Money, *, idempotency_key: str) -> GatewayResult:
            result = super().sale(token, amount, idempotency_key=idempotency_key)
            editor.start()
            editor.join(timeout=0.2)
            self.edit_landed_during_the_charge = not editor.is_alive()
            return result

    gateway = EditTriedWhileCharging()
    till = make_till(gateway)
    order_id = mugs(till.shop)
    editor = threading.Thread(
        target=lambda: till.shop.edit(order_id, lambda o: o.set_notes("edited by a colleague"))
    )
    # when
    payment = till.cashier.charge(order_id, "tok_visa", money("10.00"))
    editor.join(timeout=10)
    # then the edit waited for the payment, and both are kept
    assert gateway.edit_landed_during_the_charge is False
    assert payment.succeeded
    assert till.cashier.summary(order_id).paid == money("10.00")
    assert till.shop.get(order_id).notes == "edited by a colleague"


def shared_store_tills(gateway: FakeGateway) -> tuple[Till, DraftOrderService]:
    """A till, and a second service on the same store: another process of the same shop."""
    till = make_till(gateway)
    other = DraftOrderService(
        catalog(),
        context=flat_tax(),
        store=till.shop.store,
        clock=FixedClock(NOW),
        seller=SELLER,
        attach_pdf=False,
    )
    return till, other


class EditedElsewhereWhileCharging(FakeGateway):
    """A gateway during whose sale another process saves an edit of the order."""

    other: DraftOrderService
    order_id: str

    def sale(self, token: str, amount: Money, *, idempotency_key: str) -> GatewayResult:
        result = super().sale(token, amount, idempotency_key=idempotency_key)
        self.other.edit(self.order_id, lambda o: o.set_notes("edited by another process"))
        return result


def test_a_deposit_is_recorded_even_if_another_process_edited_the_order_meanwhile() -> None:
    gateway = EditedElsewhereWhileCharging()
    till, gateway.other = shared_store_tills(gateway)
    gateway.order_id = order_id = mugs(till.shop)
    # when
    payment = till.cashier.charge(order_id, "tok_visa", money("10.00"))
    # then what the gateway took is on the order's record, and the edit is kept
    assert payment.succeeded
    assert till.gateway.captured_total("USD") == money("10.00")
    assert till.cashier.summary(order_id).paid == money("10.00")
    assert till.shop.get(order_id).notes == "edited by another process"


def test_a_full_payment_is_recorded_even_if_another_process_edited_the_order_meanwhile() -> None:
    gateway = EditedElsewhereWhileCharging()
    till, gateway.other = shared_store_tills(gateway)
    gateway.order_id = order_id = mugs(till.shop)
    # when
    with contextlib.suppress(ConcurrencyConflict):
        till.cashier.charge(order_id, "tok_visa")
    # then
    assert till.gateway.captured_total("USD") == TOTAL
    assert till.cashier.summary(order_id).paid == TOTAL


# -- outdated invoices ---------------------------------------------------------------------------


def test_paying_an_invoice_whose_total_changed_is_refused_before_any_money_moves() -> None:
    # given
    till = make_till()
    order_id = mugs(till.shop)
    till.shop.send_invoice(order_id)
    till.shop.context = attrs.evolve(till.shop.context, tax=None)
    before = snapshot(till, order_id)
    # when / then
    with pytest.raises(InvoiceOutdated) as caught:
        till.cashier.charge(order_id, "tok_visa")
    assert (caught.value.invoiced, caught.value.now) == (TOTAL, money("25.98"))
    with pytest.raises(InvoiceOutdated):
        till.cashier.record_payment(order_id)
    with pytest.raises(InvoiceOutdated):
        till.cashier.authorize(order_id, token="tok_visa")
    assert till.gateway.calls == 0
    assert snapshot(till, order_id) == before


def test_a_sent_invoice_is_paid_at_its_total() -> None:
    till = make_till()
    order_id = mugs(till.shop)
    sent = till.shop.send_invoice(order_id).order
    # when
    payment = till.cashier.charge(order_id, "tok_visa")
    # then
    assert payment.transaction.amount == sent.invoiced_total == TOTAL
    assert payment.order.status is Status.COMPLETED


def test_a_deposit_on_an_outdated_invoice_can_still_be_refunded() -> None:
    till = make_till()
    order_id = mugs(till.shop)
    till.shop.send_invoice(order_id)
    deposit = till.cashier.charge(order_id, "tok_visa", money("10.00")).transaction
    till.shop.context = attrs.evolve(till.shop.context, tax=None)
    # when
    refund = till.cashier.refund(order_id, deposit.id)
    # then
    assert refund.succeeded
    assert till.gateway.refunded_total("USD") == money("10.00")


# -- two payments at once -------------------------------------------------------------------------


def test_two_concurrent_payments_of_one_draft_complete_it_once_and_charge_once() -> None:
    # given
    till = make_till(FakeGateway(delay=0.05))
    order_id = mugs(till.shop)
    barrier = threading.Barrier(2)
    results: list[object] = []

    def pay(token: str) -> None:
        barrier.wait()
        try:
            results.append(till.cashier.charge(order_id, token))
        except NothingDue as refused:
            results.append(refused)

    threads = [threading.Thread(target=pay, args=(t,)) for t in ("tok_visa", "tok_mastercard")]
    # when
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    # then
    assert sorted(type(r).__name__ for r in results) == ["NothingDue", "Payment"]
    assert till.gateway.captured_total("USD") == TOTAL
    assert len(till.gateway.movements) == 1
    assert len(till.cashier.transactions(order_id)) == 1
    assert sum(isinstance(e, OrderCompleted) for e in till.shop.events) == 1
    assert till.shop.get(order_id).status is Status.COMPLETED


def test_concurrent_deposits_never_take_more_than_is_due() -> None:
    till = make_till(FakeGateway(delay=0.01))
    order_id = mugs(till.shop)
    barrier = threading.Barrier(4)
    refused: list[Exception] = []

    def pay() -> None:
        barrier.wait()
        try:
            till.cashier.charge(order_id, "tok_visa", money("10.00"))
        except (NothingDue, AmountExceedsDue) as error:
            refused.append(error)

    threads = [threading.Thread(target=pay) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    # then two deposits of 10.00 went through; the others found 8.12 left
    assert till.gateway.captured_total("USD") == money("20.00")
    assert len(refused) == 2
    assert till.cashier.summary(order_id).due == money("8.12")


# -- events and the invoice ---------------------------------------------------------------------


def test_every_recorded_transaction_is_an_event_and_completion_follows_it() -> None:
    till = make_till()
    order_id = mugs(till.shop)
    # when
    declined = till.cashier.charge(order_id, "tok_chargeDeclined").transaction
    deposit = till.cashier.charge(order_id, "tok_visa", money("8.12")).transaction
    rest = till.cashier.record_payment(order_id).transaction
    # then
    completed = till.shop.get(order_id)
    assert till.shop.events == [
        TransactionRecorded(order_id, declined.id, "sale", "failure", TOTAL),
        TransactionRecorded(order_id, deposit.id, "sale", "success", money("8.12")),
        TransactionRecorded(order_id, rest.id, "manual", "success", money("20.00")),
        OrderCompleted(order_id, completed.version, TOTAL, customer_id="C1"),
    ]


def test_the_invoice_preview_shows_what_was_paid_and_what_is_due_after_a_deposit() -> None:
    till = make_till()
    order_id = mugs(till.shop)
    assert till.shop.preview_invoice(order_id).amount_paid == ZERO
    # when
    till.cashier.charge(order_id, "tok_visa", money("10.00"))
    # then
    preview = till.shop.preview_invoice(order_id)
    assert (preview.total, preview.amount_paid, preview.amount_due) == (
        TOTAL,
        money("10.00"),
        money("18.12"),
    )


def test_after_a_refund_the_invoice_and_the_cashier_agree_on_what_is_due() -> None:
    till = make_till()
    order_id = mugs(till.shop)
    deposit = till.cashier.charge(order_id, "tok_visa", money("10.00")).transaction
    till.cashier.refund(order_id, deposit.id, money("4.00"), reason="goodwill")
    # when
    preview = till.shop.preview_invoice(order_id)
    # then
    assert preview.amount_due == till.cashier.summary(order_id).due


def test_a_declined_refund_returns_nothing_to_stock() -> None:
    class RefusesFirstRefund(FakeGateway):
        declined = False

        def refund(self, reference: str, amount: Money, *, idempotency_key: str) -> GatewayResult:
            if not self.declined:
                self.declined = True
                return GatewayResult(Outcome.DECLINED, amount, reference, "refund_failed")
            return super().refund(reference, amount, idempotency_key=idempotency_key)

    till = make_till(RefusesFirstRefund())
    order_id, sale = paid_order(till)
    declined = till.cashier.refund(order_id, sale.id, money("25.98"), restock=[("L1", 2)])
    assert not declined.succeeded
    # when the refund is tried again
    retried = till.cashier.refund(order_id, sale.id, money("25.98"), restock=[("L1", 2)])
    # then
    assert retried.transaction.restock == (("L1", 2),)


def test_the_preview_of_a_sent_invoice_shows_a_deposit_paid_since() -> None:
    till = make_till()
    order_id = mugs(till.shop)
    sent = till.shop.send_invoice(order_id).sent.invoice
    # when
    till.cashier.charge(order_id, "tok_visa", money("10.00"))
    # then
    preview = till.shop.preview_invoice(order_id)
    assert preview.number == sent.number
    assert (preview.amount_paid, preview.amount_due) == (money("10.00"), money("18.12"))
    assert till.shop.sent_invoices(order_id)[-1].invoice.amount_paid == ZERO  # as it was sent

"""The payments building blocks on their own: the fake gateway (test tokens, sale, authorize,
capture, void, refund, idempotency keys, failures on demand), stored payment methods and the
wallet, and what a list of transactions adds up to (summarize, refundable, capturable)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from builders import money
from draftorders import NotFound, ValidationError
from draftorders.errors import IdempotencyConflict
from draftorders.payments import (
    TEST_TOKENS,
    FakeGateway,
    GatewayResult,
    Outcome,
    PaymentMethod,
    PaymentStatus,
    Transaction,
    TransactionKind,
    TransactionStatus,
    Wallet,
    capturable,
    looks_like_card_number,
    refundable,
    summarize,
)

AT = dt.datetime(2026, 11, 26, 9, 30, tzinfo=dt.UTC)
TEN = money("10.00")

# -- the fake gateway: test tokens ----------------------------------------------------------


@pytest.mark.parametrize(
    ("token", "outcome", "code"),
    [
        ("tok_visa", Outcome.APPROVED, None),
        ("tok_mastercard", Outcome.APPROVED, None),
        ("tok_amex", Outcome.APPROVED, None),
        ("tok_chargeDeclined", Outcome.DECLINED, "card_declined"),
        ("tok_insufficientFunds", Outcome.DECLINED, "insufficient_funds"),
        ("tok_expiredCard", Outcome.DECLINED, "expired_card"),
        ("tok_pending", Outcome.PENDING, None),
        ("tok_nobodyKnowsThisOne", Outcome.DECLINED, "invalid_token"),
    ],
)
def test_each_test_token_gets_its_outcome_and_only_an_approved_sale_moves_money(
    token: str, outcome: Outcome, code: str | None
) -> None:
    # given
    gateway = FakeGateway()
    # when
    result = gateway.sale(token, TEN, idempotency_key="k1")
    # then
    assert (result.outcome, result.code, result.amount) == (outcome, code, TEN)
    assert result.approved is (outcome is Outcome.APPROVED)
    assert (result.reference is None) is (outcome is Outcome.DECLINED)
    moved = [("capture", result.reference, TEN)] if outcome is Outcome.APPROVED else []
    assert gateway.movements == moved
    assert gateway.calls == 1


def test_the_token_table_lists_exactly_the_documented_tokens() -> None:
    assert set(TEST_TOKENS) == {
        "tok_visa",
        "tok_mastercard",
        "tok_amex",
        "tok_chargeDeclined",
        "tok_insufficientFunds",
        "tok_expiredCard",
        "tok_pending",
    }
    assert all(message for _, _, message in TEST_TOKENS.values())


def test_tok_gateway_error_raises_before_acting_and_the_key_stays_free() -> None:
    # given
    gateway = FakeGateway()
    # when
    with pytest.raises(ConnectionError):
        gateway.sale("tok_gatewayError", TEN, idempotency_key="k1")
    # then nothing moved, and the key was not taken by the failed call
    assert gateway.movements == []
    retried = gateway.sale("tok_visa", TEN, idempotency_key="k1")
    assert retried.approved
    assert gateway.captured_total("USD") == TEN


def test_tok_timeout_charges_then_loses_the_answer_and_the_retry_gets_the_first_answer() -> None:
    # given
    gateway = FakeGateway()
    # when
    with pytest.raises(TimeoutError):
        gateway.sale("tok_timeout", TEN, idempotency_key="k1")
    # then the money moved although the caller got no answer
    assert gateway.captured_total("USD") == TEN
    # when retried with the same key
    retried = gateway.sale("tok_timeout", TEN, idempotency_key="k1")
    # then
    assert retried.approved
    assert gateway.movements == [("capture", retried.reference, TEN)]
    assert gateway.calls == 2


# -- the fake gateway: authorize, capture, void, refund ------------------------------------


def test_an_authorization_reserves_without_moving_money_and_captures_take_it_in_parts() -> None:
    # given
    gateway = FakeGateway()
    auth = gateway.authorize("tok_visa", TEN, idempotency_key="a")
    assert auth.approved
    assert gateway.movements == []
    ref = auth.reference
    assert ref is not None
    # when
    first = gateway.capture(ref, money("4.00"), idempotency_key="c1")
    second = gateway.capture(ref, money("6.00"), idempotency_key="c2")
    too_much = gateway.capture(ref, money("0.01"), idempotency_key="c3")
    # then
    assert (first.approved, second.approved) == (True, True)
    assert (too_much.outcome, too_much.code) == (Outcome.DECLINED, "amount_too_large")
    assert gateway.movements == [("capture", ref, money("4.00")), ("capture", ref, money("6.00"))]
    assert gateway.captured_total("USD") == TEN


def test_a_declined_authorization_cannot_be_captured() -> None:
    gateway = FakeGateway()
    auth = gateway.authorize("tok_chargeDeclined", TEN, idempotency_key="a")
    assert (auth.outcome, auth.reference) == (Outcome.DECLINED, None)
    # when
    capture = gateway.capture("fake_000001", TEN, idempotency_key="c")
    # then
    assert (capture.outcome, capture.code) == (Outcome.DECLINED, "no_authorization")
    assert gateway.movements == []


def test_a_void_releases_an_uncaptured_authorization_once_and_nothing_can_be_captured_after() -> (
    None
):
    # given
    gateway = FakeGateway()
    ref = gateway.authorize("tok_visa", TEN, idempotency_key="a").reference
    assert ref is not None
    # when
    void = gateway.void(ref, idempotency_key="v1")
    again = gateway.void(ref, idempotency_key="v2")
    capture = gateway.capture(ref, TEN, idempotency_key="c")
    # then
    assert (void.outcome, void.amount) == (Outcome.APPROVED, TEN)
    assert (again.outcome, again.code) == (Outcome.DECLINED, "not_voidable")
    assert (capture.outcome, capture.code) == (Outcome.DECLINED, "no_authorization")
    assert gateway.movements == []


def test_an_authorization_with_a_capture_cannot_be_voided() -> None:
    gateway = FakeGateway()
    ref = gateway.authorize("tok_visa", TEN, idempotency_key="a").reference
    assert ref is not None
    gateway.capture(ref, money("1.00"), idempotency_key="c")
    # when
    void = gateway.void(ref, idempotency_key="v")
    unknown = gateway.void("fake_999999", idempotency_key="v2")
    # then
    assert (void.outcome, void.code) == (Outcome.DECLINED, "not_voidable")
    assert (unknown.outcome, unknown.code) == (Outcome.DECLINED, "not_voidable")


def test_refunds_give_back_at_most_what_was_captured() -> None:
    # given
    gateway = FakeGateway()
    ref = gateway.sale("tok_visa", TEN, idempotency_key="s").reference
    assert ref is not None
    # when
    part = gateway.refund(ref, money("3.00"), idempotency_key="r1")
    too_much = gateway.refund(ref, money("7.01"), idempotency_key="r2")
    rest = gateway.refund(ref, money("7.00"), idempotency_key="r3")
    unknown = gateway.refund("fake_999999", money("1.00"), idempotency_key="r4")
    # then
    assert (part.approved, rest.approved) == (True, True)
    assert (too_much.outcome, too_much.code) == (Outcome.DECLINED, "amount_too_large")
    assert unknown.outcome is Outcome.DECLINED
    assert gateway.refunded_total("USD") == TEN
    assert gateway.captured_total("USD") == TEN
    assert [op for op, _, _ in gateway.movements] == ["capture", "refund", "refund"]


def test_a_pending_sale_captures_nothing_so_it_has_nothing_to_refund() -> None:
    gateway = FakeGateway()
    ref = gateway.sale("tok_pending", TEN, idempotency_key="s").reference
    assert ref is not None
    # when
    refund = gateway.refund(ref, TEN, idempotency_key="r")
    # then
    assert refund.outcome is Outcome.DECLINED
    assert gateway.movements == []


def test_references_are_numbered_per_gateway() -> None:
    gateway = FakeGateway()
    refs = [gateway.sale("tok_visa", TEN, idempotency_key=f"k{i}").reference for i in range(3)]
    assert refs == ["fake_000001", "fake_000002", "fake_000003"]


# -- the fake gateway: idempotency keys ----------------------------------------------------


def test_a_repeated_key_gets_the_first_answer_without_moving_money_again() -> None:
    # given
    gateway = FakeGateway()
    first = gateway.sale("tok_visa", TEN, idempotency_key="k1")
    # when
    second = gateway.sale("tok_visa", TEN, idempotency_key="k1")
    # then
    assert second == first
    assert gateway.movements == [("capture", first.reference, TEN)]
    assert gateway.calls == 2


def test_a_repeated_key_for_a_refund_refunds_once() -> None:
    gateway = FakeGateway()
    ref = gateway.sale("tok_visa", TEN, idempotency_key="s").reference
    assert ref is not None
    # when
    first = gateway.refund(ref, money("4.00"), idempotency_key="r")
    second = gateway.refund(ref, money("4.00"), idempotency_key="r")
    # then
    assert second == first
    assert gateway.refunded_total("USD") == money("4.00")


def test_a_repeated_key_keeps_a_decline_a_decline() -> None:
    gateway = FakeGateway()
    first = gateway.sale("tok_chargeDeclined", TEN, idempotency_key="k1")
    # when
    second = gateway.sale("tok_chargeDeclined", TEN, idempotency_key="k1")
    # then
    assert second == first
    assert second.outcome is Outcome.DECLINED


@pytest.mark.parametrize(
    "other",
    [
        lambda g: g.sale("tok_visa", money("10.01"), idempotency_key="k1"),
        lambda g: g.sale("tok_mastercard", TEN, idempotency_key="k1"),
        lambda g: g.authorize("tok_visa", TEN, idempotency_key="k1"),
    ],
    ids=["another amount", "another token", "another operation"],
)
def test_a_key_reused_for_another_request_is_a_conflict_and_moves_nothing(
    other: Callable[[FakeGateway], GatewayResult],
) -> None:
    # given
    gateway = FakeGateway()
    first = gateway.sale("tok_visa", TEN, idempotency_key="k1")
    # when
    with pytest.raises(IdempotencyConflict) as caught:
        other(gateway)
    # then
    assert caught.value.key == "k1"
    assert gateway.movements == [("capture", first.reference, TEN)]


# -- the fake gateway: failures on demand --------------------------------------------------


def test_fail_next_before_processing_raises_and_nothing_happens() -> None:
    # given
    gateway = FakeGateway()
    gateway.fail_next()
    # when
    with pytest.raises(ConnectionError):
        gateway.sale("tok_visa", TEN, idempotency_key="k1")
    # then
    assert gateway.movements == []
    assert gateway.calls == 1
    # and the retry with the same key is a first attempt
    retried = gateway.sale("tok_visa", TEN, idempotency_key="k1")
    assert retried.approved
    assert gateway.movements == [("capture", retried.reference, TEN)]


def test_fail_next_after_processing_moves_the_money_and_the_retry_gets_the_first_answer() -> None:
    # given
    gateway = FakeGateway()
    gateway.fail_next(TimeoutError("read timed out"), after_processing=True)
    # when
    with pytest.raises(TimeoutError, match="read timed out"):
        gateway.sale("tok_visa", TEN, idempotency_key="k1")
    # then
    assert gateway.captured_total("USD") == TEN
    retried = gateway.sale("tok_visa", TEN, idempotency_key="k1")
    assert retried.approved
    assert gateway.movements == [("capture", retried.reference, TEN)]


def test_fail_next_times_fails_that_many_calls_then_works() -> None:
    gateway = FakeGateway()
    gateway.fail_next(times=2)
    # when
    for _ in range(2):
        with pytest.raises(ConnectionError):
            gateway.sale("tok_visa", TEN, idempotency_key="k1")
    result = gateway.sale("tok_visa", TEN, idempotency_key="k1")
    # then
    assert result.approved
    assert gateway.calls == 3
    assert gateway.captured_total("USD") == TEN


def test_fail_next_applies_to_any_operation() -> None:
    gateway = FakeGateway()
    ref = gateway.sale("tok_visa", TEN, idempotency_key="s").reference
    assert ref is not None
    gateway.fail_next()
    # when
    with pytest.raises(ConnectionError):
        gateway.refund(ref, TEN, idempotency_key="r")
    # then
    assert gateway.refunded_total("USD") == money("0.00")


def test_totals_are_per_currency_and_zero_when_nothing_moved() -> None:
    gateway = FakeGateway()
    assert gateway.captured_total("EUR") == money("0", "EUR")
    assert gateway.refunded_total("USD") == money("0")
    assert gateway.name == "fake"


# -- stored payment methods -----------------------------------------------------------------


@pytest.mark.parametrize(
    "token",
    ["4242424242424242", "4242 4242 4242 4242", "4242-4242-4242-4242", "card_4242424242424242"],
)
def test_a_payment_method_refuses_what_looks_like_a_card_number(token: str) -> None:
    with pytest.raises(ValidationError) as caught:
        PaymentMethod(id="pm1", customer_id="C1", token=token)
    assert caught.value.field == "token"
    assert "4242" not in str(caught.value)  # the number is never repeated


@pytest.mark.parametrize(
    ("text", "looks"),
    [
        ("4242424242424242", True),
        ("4242 4242 4242 4242", True),
        ("378282246310005", True),  # a 15-digit Amex test number
        ("4242424242424241", False),  # fails the Luhn check
        ("424242424242", False),  # 12 digits: too short for a card
        ("tok_visa", False),
        ("order 1234", False),
    ],
)
def test_looks_like_card_number(text: str, looks: bool) -> None:
    assert looks_like_card_number(text) is looks


def test_a_payment_method_keeps_the_token_and_shows_a_label_without_it() -> None:
    # when
    method = PaymentMethod(id="pm1", customer_id="C1", token="tok_visa", brand="Visa", last4="4242")
    plain = PaymentMethod(id="pm2", customer_id="C1", token="tok_amex")
    # then
    assert method.token == "tok_visa"
    assert method.label == "Visa •••• 4242"
    assert plain.label == "card"
    assert "tok_visa" not in repr(method)


@pytest.mark.parametrize(
    "fields",
    [
        {"token": ""},
        {"token": "tok visa"},
        {"token": 4242},
        {"last4": "42"},
        {"last4": "abcd"},
        {"id": ""},
        {"customer_id": " "},
    ],
)
def test_a_payment_method_refuses_bad_fields(fields: dict[str, object]) -> None:
    values: dict[str, object] = {"id": "pm1", "customer_id": "C1", "token": "tok_visa"}
    values.update(fields)
    with pytest.raises(ValidationError):
        PaymentMethod(**values)  # type: ignore[arg-type]


def test_the_wallet_registers_methods_and_lists_a_customers_in_order() -> None:
    # given
    a1 = PaymentMethod(id="pm1", customer_id="C1", token="tok_visa")
    b1 = PaymentMethod(id="pm2", customer_id="C2", token="tok_amex")
    a2 = PaymentMethod(id="pm3", customer_id="C1", token="tok_mastercard")
    # when
    wallet = Wallet([a1, b1])
    wallet.add(a2)
    # then
    assert wallet.get("pm2") is b1
    assert wallet.of("C1") == [a1, a2]
    assert wallet.of("C3") == []


def test_the_wallet_refuses_a_used_id_an_unknown_id_and_anything_but_a_method() -> None:
    wallet = Wallet([PaymentMethod(id="pm1", customer_id="C1", token="tok_visa")])
    with pytest.raises(ValidationError):
        wallet.add(PaymentMethod(id="pm1", customer_id="C2", token="tok_amex"))
    with pytest.raises(NotFound):
        wallet.get("pm9")
    with pytest.raises(ValidationError):
        wallet.add("tok_visa")  # type: ignore[arg-type]
    assert [m.customer_id for m in wallet.of("C1")] == ["C1"]
    assert wallet.of("C2") == []


# -- transactions and what they add up to -------------------------------------------------


def tx(
    number: int,
    kind: TransactionKind,
    amount: str,
    status: TransactionStatus = TransactionStatus.SUCCESS,
    parent: int | None = None,
) -> Transaction:
    """Transaction T<number> of order D1001."""
    return Transaction(
        id=f"T{number}",
        order_id="D1001",
        kind=kind,
        status=status,
        amount=money(amount),
        created_at=AT,
        gateway="fake",
        parent_id=f"T{parent}" if parent is not None else None,
    )


SALE, AUTH, CAPTURE, VOID, REFUND, MANUAL = (
    TransactionKind.SALE,
    TransactionKind.AUTHORIZATION,
    TransactionKind.CAPTURE,
    TransactionKind.VOID,
    TransactionKind.REFUND,
    TransactionKind.MANUAL,
)
FAILURE, PENDING = TransactionStatus.FAILURE, TransactionStatus.PENDING
TOTAL = money("100.00")


@pytest.mark.parametrize(
    ("transactions", "status", "paid", "refunded", "authorized", "pending", "due"),
    [
        ([], PaymentStatus.UNPAID, "0", "0", "0", "0", "100"),
        ([tx(1, SALE, "100", FAILURE)], PaymentStatus.UNPAID, "0", "0", "0", "0", "100"),
        ([tx(1, SALE, "40", PENDING)], PaymentStatus.PENDING, "0", "0", "0", "40", "100"),
        ([tx(1, AUTH, "60")], PaymentStatus.AUTHORIZED, "0", "0", "60", "0", "100"),
        ([tx(1, AUTH, "60", FAILURE)], PaymentStatus.UNPAID, "0", "0", "0", "0", "100"),
        (
            [tx(1, AUTH, "60"), tx(2, VOID, "60", parent=1)],
            PaymentStatus.UNPAID,
            "0",
            "0",
            "0",
            "0",
            "100",
        ),
        (
            [tx(1, AUTH, "60"), tx(2, CAPTURE, "25", parent=1)],
            PaymentStatus.PARTIALLY_PAID,
            "25",
            "0",
            "35",
            "0",
            "75",
        ),
        ([tx(1, MANUAL, "30")], PaymentStatus.PARTIALLY_PAID, "30", "0", "0", "0", "70"),
        (
            [tx(1, SALE, "30"), tx(2, MANUAL, "70")],
            PaymentStatus.PAID,
            "100",
            "0",
            "0",
            "0",
            "0",
        ),
        (
            [tx(1, SALE, "100"), tx(2, REFUND, "15", parent=1)],
            PaymentStatus.PARTIALLY_REFUNDED,
            "100",
            "15",
            "0",
            "0",
            "0",
        ),
        (
            [tx(1, SALE, "100"), tx(2, REFUND, "15", FAILURE, parent=1)],
            PaymentStatus.PAID,
            "100",
            "0",
            "0",
            "0",
            "0",
        ),
        (
            [tx(1, SALE, "40"), tx(2, REFUND, "40", parent=1)],
            PaymentStatus.REFUNDED,
            "40",
            "40",
            "0",
            "0",
            "60",
        ),
        (
            [tx(1, SALE, "100", PENDING), tx(2, SALE, "100", parent=1)],
            PaymentStatus.PAID,
            "100",
            "0",
            "0",
            "0",
            "0",
        ),
        (
            [tx(1, SALE, "100", PENDING), tx(2, SALE, "100", FAILURE, parent=1)],
            PaymentStatus.UNPAID,
            "0",
            "0",
            "0",
            "0",
            "100",
        ),
    ],
    ids=[
        "nothing",
        "a decline",
        "pending",
        "authorized",
        "a declined authorization",
        "voided",
        "part captured",
        "a deposit by hand",
        "paid in two",
        "partly refunded",
        "a declined refund",
        "all refunded",
        "pending then settled",
        "pending then failed",
    ],
)
def test_summarize(
    transactions: list[Transaction],
    status: PaymentStatus,
    paid: str,
    refunded: str,
    authorized: str,
    pending: str,
    due: str,
) -> None:
    # when
    summary = summarize(TOTAL, transactions)
    # then
    assert summary.status is status
    assert (summary.paid, summary.refunded, summary.authorized, summary.pending) == (
        money(paid),
        money(refunded),
        money(authorized),
        money(pending),
    )
    assert summary.due == money(due)
    assert summary.net_paid == money(paid) - money(refunded)
    assert summary.outstanding == money(due) - money(authorized) - money(pending)
    assert summary.total == TOTAL


def test_every_payment_status_is_reached_by_some_list() -> None:
    lists = [
        [],
        [tx(1, SALE, "1", PENDING)],
        [tx(1, AUTH, "1")],
        [tx(1, SALE, "1")],
        [tx(1, SALE, "100")],
        [tx(1, SALE, "100"), tx(2, REFUND, "1", parent=1)],
        [tx(1, SALE, "100"), tx(2, REFUND, "100", parent=1)],
    ]
    assert {summarize(TOTAL, ts).status for ts in lists} == set(PaymentStatus)


def test_a_refund_does_not_make_money_due_again() -> None:
    summary = summarize(TOTAL, [tx(1, SALE, "100"), tx(2, REFUND, "30", parent=1)])
    assert summary.due == money("0")
    assert summary.net_paid == money("70")
    assert summary.status is PaymentStatus.PARTIALLY_REFUNDED


def test_a_total_that_fell_after_payment_shows_as_overpaid() -> None:
    summary = summarize(money("80.00"), [tx(1, SALE, "100")])
    assert (summary.status, summary.due, summary.overpaid) == (
        PaymentStatus.PAID,
        money("0"),
        money("20"),
    )
    assert summarize(TOTAL, [tx(1, SALE, "60")]).overpaid == money("0")


def test_outstanding_never_goes_below_zero() -> None:
    summary = summarize(TOTAL, [tx(1, SALE, "70"), tx(2, AUTH, "20"), tx(3, SALE, "30", PENDING)])
    assert summary.due == money("30")
    assert summary.outstanding == money("0")


def test_refundable_is_what_a_successful_payment_took_less_its_successful_refunds() -> None:
    # given
    sale = tx(1, SALE, "100")
    transactions = [
        sale,
        tx(2, REFUND, "30", parent=1),
        tx(3, REFUND, "20", FAILURE, parent=1),
        tx(4, MANUAL, "50"),
        tx(5, REFUND, "5", parent=4),
    ]
    # then
    assert refundable(sale, transactions) == money("70")
    assert refundable(transactions[3], transactions) == money("45")


@pytest.mark.parametrize(
    "payment",
    [tx(1, SALE, "100", FAILURE), tx(1, SALE, "100", PENDING), tx(1, AUTH, "100")],
    ids=["declined", "pending", "an authorization"],
)
def test_nothing_is_refundable_of_what_took_no_money(payment: Transaction) -> None:
    assert refundable(payment, [payment]) == money("0")


def test_capturable_is_what_an_authorization_reserved_less_its_successful_captures() -> None:
    # given
    auth = tx(1, AUTH, "100")
    transactions = [
        auth,
        tx(2, CAPTURE, "30", parent=1),
        tx(3, CAPTURE, "50", FAILURE, parent=1),
    ]
    # then
    assert capturable(auth, transactions) == money("70")
    assert capturable(auth, [*transactions, tx(4, VOID, "100", parent=1)]) == money("0")
    assert capturable(auth, [*transactions, tx(4, VOID, "100", FAILURE, parent=1)]) == money("70")


@pytest.mark.parametrize(
    "transaction",
    [tx(1, AUTH, "100", FAILURE), tx(1, SALE, "100")],
    ids=["a declined authorization", "a sale"],
)
def test_nothing_is_capturable_but_of_a_successful_authorization(transaction: Transaction) -> None:
    assert capturable(transaction, [transaction]) == money("0")


def test_a_transaction_knows_whether_it_succeeded() -> None:
    assert tx(1, SALE, "1").succeeded
    assert not tx(1, SALE, "1", FAILURE).succeeded
    assert not tx(1, SALE, "1", PENDING).succeeded


@pytest.mark.parametrize(
    "fields",
    [{"kind": "sale"}, {"status": "success"}, {"id": ""}, {"created_at": "2026-11-26"}],
)
def test_a_transaction_refuses_bad_fields(fields: dict[str, object]) -> None:
    values: dict[str, object] = {
        "id": "T1",
        "order_id": "D1001",
        "kind": SALE,
        "status": TransactionStatus.SUCCESS,
        "amount": TEN,
        "created_at": AT,
        "gateway": "fake",
    }
    values.update(fields)
    with pytest.raises(ValidationError):
        Transaction(**values)  # type: ignore[arg-type]


def test_a_gateway_result_is_approved_only_when_approved() -> None:
    assert GatewayResult(Outcome.APPROVED, TEN).approved
    assert not GatewayResult(Outcome.PENDING, TEN).approved
    assert not GatewayResult(Outcome.DECLINED, TEN, code="card_declined").approved

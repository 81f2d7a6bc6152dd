"""The payments building blocks on their own: the fake gateway (test tokens, sale, authorize,
capture, void, refund, idempotency keys, failures on demand) and the ledger it keeps, payment
methods saved in the customer directory, transactions, claims and gateway notices with the
fields they refuse, and what a list of transactions adds up to (summarize, refundable,
capturable)."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator

import pytest

from builders import catalog, money
from draftorders import CustomerNotFound, Shop, ShopApp, ValidationError
from draftorders.errors import FloatAmountError, IdempotencyConflict
from draftorders.payments import (
    TEST_TOKENS,
    ClaimState,
    FakeGateway,
    GatewayNotice,
    GatewayResult,
    InMemoryLedger,
    LedgerState,
    NoticeEvent,
    Outcome,
    PaymentClaim,
    PaymentMethod,
    PaymentStatus,
    Transaction,
    TransactionKind,
    TransactionStatus,
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


# -- the fake gateway: its ledger ------------------------------------------------------------


class JsonLedger:
    """A ledger that keeps the state as JSON text between calls, as a database would."""

    def __init__(self) -> None:
        self.text = LedgerState().to_json()
        self.saves = 0

    @contextlib.contextmanager
    def state(self) -> Iterator[LedgerState]:
        state = LedgerState.from_json(self.text)
        yield state
        self.text = state.to_json()
        self.saves += 1


def test_gateways_sharing_a_ledger_are_one_gateway() -> None:
    # given two processes' gateways on one ledger
    ledger = InMemoryLedger()
    here, there = FakeGateway(ledger=ledger), FakeGateway(ledger=ledger)
    first = here.sale("tok_visa", TEN, idempotency_key="k1")
    # when the other process asks with the same key, then with a new one
    again = there.sale("tok_visa", TEN, idempotency_key="k1")
    second = there.sale("tok_visa", TEN, idempotency_key="k2")
    # then it gets the first answer, and references and money are counted once for both
    assert again == first
    assert (first.reference, second.reference) == ("fake_000001", "fake_000002")
    assert (
        here.movements
        == there.movements
        == [
            ("capture", "fake_000001", TEN),
            ("capture", "fake_000002", TEN),
        ]
    )
    assert here.calls == there.calls == 3
    with pytest.raises(IdempotencyConflict):
        here.sale("tok_visa", money("1.00"), idempotency_key="k2")


def test_failures_on_demand_belong_to_one_process() -> None:
    ledger = InMemoryLedger()
    here, there = FakeGateway(ledger=ledger), FakeGateway(ledger=ledger)
    here.fail_next()
    # when
    result = there.sale("tok_visa", TEN, idempotency_key="k1")
    # then
    assert result.approved
    with pytest.raises(ConnectionError):
        here.sale("tok_visa", TEN, idempotency_key="k2")


def test_the_ledger_state_survives_its_json_text() -> None:
    # given a state with every kind of record
    gateway = FakeGateway()
    sold = gateway.sale("tok_visa", TEN, idempotency_key="s")
    auth = gateway.authorize("tok_visa", money("4.00"), idempotency_key="a")
    assert sold.reference is not None
    assert auth.reference is not None
    gateway.refund(sold.reference, money("1.00"), idempotency_key="r")
    gateway.void(auth.reference, idempotency_key="v")
    gateway.sale("tok_chargeDeclined", TEN, idempotency_key="d")
    # when
    with gateway.ledger.state() as state:
        text = state.to_json()
        # then
        assert LedgerState.from_json(text) == state
        assert LedgerState.from_json(text).to_json() == text


def test_a_gateway_on_a_ledger_kept_as_text_behaves_the_same() -> None:
    ledger = JsonLedger()
    gateway = FakeGateway(ledger=ledger)
    # when the answer of a charge is lost, then asked again
    gateway.fail_next(after_processing=True)
    with pytest.raises(ConnectionError):
        gateway.sale("tok_visa", TEN, idempotency_key="k1")
    retried = gateway.sale("tok_visa", TEN, idempotency_key="k1")
    # then the money moved once, and the second gateway on the text reads the same
    assert retried.approved
    assert FakeGateway(ledger=ledger).movements == [("capture", retried.reference, TEN)]
    assert gateway.calls == 2
    assert ledger.saves >= 2


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


def directory() -> ShopApp:
    """A shop whose directory has Ada (C1) and Grace (C2)."""
    app = ShopApp(Shop(catalog()))
    app.customers.create("Ada Lovelace", customer_id="C1")
    app.customers.create("Grace Hopper", customer_id="C2")
    return app


def test_saved_methods_are_kept_in_the_store_and_listed_per_customer_in_order() -> None:
    # given
    app = directory()
    a1 = PaymentMethod(id="pm1", customer_id="C1", token="tok_visa")
    b1 = PaymentMethod(id="pm2", customer_id="C2", token="tok_amex")
    a2 = PaymentMethod(id="pm3", customer_id="C1", token="tok_mastercard")
    # when
    saved = [app.customers.add_payment_method(m) for m in (a1, b1, a2)]
    # then
    assert saved == [a1, b1, a2]
    assert app.customers.payment_methods("C1") == [a1, a2]
    assert app.customers.payment_methods("C2") == [b1]
    assert app.customers.payment_methods("C3") == []
    # and another process of the shop reads the same methods
    other = ShopApp(app.shop, app.ports)
    assert other.customers.payment_methods("C1") == [a1, a2]


def test_a_saved_method_refuses_a_used_id_and_an_unknown_customer() -> None:
    app = directory()
    app.customers.add_payment_method(PaymentMethod(id="pm1", customer_id="C1", token="tok_visa"))
    # when / then
    with pytest.raises(ValidationError):
        app.customers.add_payment_method(
            PaymentMethod(id="pm1", customer_id="C2", token="tok_amex")
        )
    with pytest.raises(CustomerNotFound):
        app.customers.add_payment_method(
            PaymentMethod(id="pm9", customer_id="C9", token="tok_amex")
        )
    assert [m.customer_id for m in app.customers.payment_methods("C1")] == ["C1"]
    assert app.customers.payment_methods("C2") == []


@pytest.mark.parametrize("thing", ["tok_visa", None], ids=["a token", "None"])
def test_a_saved_method_must_be_a_payment_method(thing: object) -> None:
    app = directory()
    with pytest.raises(ValidationError):
        app.customers.add_payment_method(thing)  # type: ignore[arg-type]


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


SALE, AUTH, CAPTURE, VOID, REFUND, MANUAL, DISPUTE = (
    TransactionKind.SALE,
    TransactionKind.AUTHORIZATION,
    TransactionKind.CAPTURE,
    TransactionKind.VOID,
    TransactionKind.REFUND,
    TransactionKind.MANUAL,
    TransactionKind.DISPUTE,
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
        [tx(1, SALE, "100"), tx(2, DISPUTE, "100", parent=1)],
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


# -- disputes ---------------------------------------------------------------------------------


def test_a_dispute_takes_money_back_without_being_a_refund() -> None:
    # given a paid order whose customer's bank took 30 back, and a refund of 10
    transactions = [
        tx(1, SALE, "100"),
        tx(2, DISPUTE, "30", parent=1),
        tx(3, REFUND, "10", parent=1),
        tx(4, DISPUTE, "50", FAILURE, parent=1),
    ]
    # when
    summary = summarize(TOTAL, transactions)
    # then
    assert summary.status is PaymentStatus.DISPUTED
    assert (summary.paid, summary.refunded, summary.disputed) == (
        money("100"),
        money("10"),
        money("30"),
    )
    assert summary.net_paid == money("60")
    assert summary.due == money("0")
    assert refundable(transactions[0], transactions) == money("60")


def test_nothing_is_disputed_by_default() -> None:
    summary = summarize(TOTAL, [tx(1, SALE, "100")])
    assert summary.disputed == money("0")
    assert summary.net_paid == money("100")


# -- fields refused at the boundary ---------------------------------------------------------

BAD_TEXT = [42, "", "   ", "ref\x00erence", "\ud800"]
"""Not one line of text: a number, empty, blank, a NUL, a lone surrogate."""
BAD_IDS = ["a number", "empty", "blank", "NUL", "lone surrogate"]
TRANSACTION = {
    "id": "T1",
    "order_id": "D1001",
    "kind": SALE,
    "status": TransactionStatus.SUCCESS,
    "amount": TEN,
    "created_at": AT,
    "gateway": "fake",
}


@pytest.mark.parametrize("bad", BAD_TEXT, ids=BAD_IDS)
@pytest.mark.parametrize(
    "field",
    [
        "id",
        "order_id",
        "gateway",
        "reference",
        "idempotency_key",
        "parent_id",
        "method",
        "code",
        "reason",
    ],
)
def test_a_transaction_refuses_text_fields_that_are_not_one_line_of_text(
    field: str, bad: object
) -> None:
    with pytest.raises(ValidationError) as caught:
        Transaction(**{**TRANSACTION, field: bad})  # type: ignore[arg-type]
    assert caught.value.field == field


@pytest.mark.parametrize(
    "bad", [42, "a\x00b", "\ud800", "\x1b[31m"], ids=["a number", "NUL", "surrogate", "escape"]
)
def test_a_transaction_message_refuses_what_is_not_text(bad: object) -> None:
    with pytest.raises(ValidationError) as caught:
        Transaction(**{**TRANSACTION, "message": bad})  # type: ignore[arg-type]
    assert caught.value.field == "message"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("reference", "r" * 256),
        ("idempotency_key", "two\nlines"),
        ("reason", "r" * 1001),
        ("amount", money("-1.00")),
        ("amount", 10.0),
        ("amount", money("1.001")),
        ("restock", [("L1", 0)]),
        ("restock", "L1"),
        ("created_at", dt.datetime(2026, 11, 26, 9, 30)),
    ],
    ids=[
        "a reference too long",
        "a key on two lines",
        "a reason too long",
        "a negative amount",
        "a float",
        "a tenth of a cent",
        "no units to restock",
        "restock not as pairs",
        "a naive time",
    ],
)
def test_a_transaction_refuses_other_bad_values(field: str, value: object) -> None:
    with pytest.raises(ValidationError):
        Transaction(**{**TRANSACTION, field: value})  # type: ignore[arg-type]


def test_a_transaction_keeps_good_text_fields() -> None:
    t = Transaction(
        **TRANSACTION,  # type: ignore[arg-type]
        reference="fake_000001",
        idempotency_key="D1001:1",
        method="Visa •••• 4242",
        reason="one mug broke;\nreturned by post",
        message="approved\tfirst try",
    )
    assert (t.reference, t.method, t.reason) == (
        "fake_000001",
        "Visa •••• 4242",
        "one mug broke;\nreturned by post",
    )


CLAIM = {
    "id": "D1001-C1",
    "order_id": "D1001",
    "kind": SALE,
    "amount": TEN,
    "idempotency_key": "D1001:1",
    "created_at": AT,
    "gateway": "fake",
}


@pytest.mark.parametrize("bad", BAD_TEXT, ids=BAD_IDS)
@pytest.mark.parametrize(
    "field",
    ["id", "order_id", "idempotency_key", "gateway", "token", "reference", "method", "reason"],
)
def test_a_claim_refuses_text_fields_that_are_not_one_line_of_text(field: str, bad: object) -> None:
    with pytest.raises(ValidationError):
        PaymentClaim(**{**CLAIM, field: bad})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("kind", "sale"),
        ("promotions", "ONCE"),
        ("promotions", ("",)),
        ("holds_stock", 1),
        ("outcome", "approved"),
        ("completes", "D1001"),
        ("created_at", dt.datetime(2026, 11, 26)),
    ],
)
def test_a_claim_refuses_other_bad_values(field: str, value: object) -> None:
    with pytest.raises(ValidationError):
        PaymentClaim(**{**CLAIM, field: value})  # type: ignore[arg-type]


def test_a_claim_is_open_until_recorded_and_keeps_why_it_was_interrupted() -> None:
    claim = PaymentClaim(**CLAIM)  # type: ignore[arg-type]
    assert (claim.is_open, claim.state, claim.interrupted) == (True, ClaimState.OPEN, None)
    # when the gateway fails
    interrupted = claim.interrupt(TimeoutError("read timed out " + "x" * 600))
    # then
    assert interrupted.is_open
    assert interrupted.interrupted is not None
    assert interrupted.interrupted.startswith("TimeoutError('read timed out")
    assert len(interrupted.interrupted) == 500
    # when its answer is recorded
    recorded = interrupted.recorded("D1001-T1", AT)
    # then
    assert not recorded.is_open
    assert (recorded.state, recorded.transaction_id, recorded.recorded_at) == (
        ClaimState.RECORDED,
        "D1001-T1",
        AT,
    )
    assert recorded.idempotency_key == claim.idempotency_key
    assert recorded.interrupted == interrupted.interrupted


def test_a_notice_is_known_by_its_gateway_and_its_own_id() -> None:
    first = GatewayNotice("fake", NoticeEvent.SETTLED, "fake_000001", "evt_1")
    again = GatewayNotice("fake", NoticeEvent.SETTLED, "fake_000001", "evt_1", occurred_at=AT)
    other = GatewayNotice("other", NoticeEvent.SETTLED, "fake_000001", "evt_1")
    assert first.key == again.key == "fake:evt_1"
    assert other.key != first.key


@pytest.mark.parametrize("bad", BAD_TEXT, ids=BAD_IDS)
@pytest.mark.parametrize("field", ["gateway", "reference", "notice_id", "message"])
def test_a_notice_refuses_text_fields_that_are_not_one_line_of_text(
    field: str, bad: object
) -> None:
    values: dict[str, object] = {
        "gateway": "fake",
        "event": NoticeEvent.REFUNDED,
        "reference": "fake_000001",
        "notice_id": "evt_1",
        "amount": TEN,
    }
    with pytest.raises(ValidationError):
        GatewayNotice(**{**values, field: bad})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("event", "settled"),
        ("amount", 10.0),
        ("amount", money("-1.00")),
        ("occurred_at", dt.datetime(2026, 11, 26)),
    ],
)
def test_a_notice_refuses_other_bad_values(field: str, value: object) -> None:
    values: dict[str, object] = {
        "gateway": "fake",
        "event": NoticeEvent.REFUNDED,
        "reference": "fake_000001",
        "notice_id": "evt_1",
        field: value,
    }
    with pytest.raises(ValidationError) as caught:
        GatewayNotice(**values)  # type: ignore[arg-type]
    if isinstance(value, float):
        assert isinstance(caught.value, FloatAmountError)

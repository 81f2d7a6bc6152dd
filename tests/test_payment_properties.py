"""Properties of the cashier: random sequences of charges (some declined, some pending), payments
by hand, authorizations with captures and voids, refunds of earlier payments, settlements,
gateway hiccups and completion by hand, applied to a fresh order (two mugs, 28.12), checked
against a model after every step:

- what the cashier says was paid and refunded is what the model says, and the net paid stays
  between zero and the total;
- the payment status agrees with the amounts;
- the order is completed iff it was paid in full at some point or completed by hand, once;
- what the fake gateway took less what it gave back is the net paid through it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from builders import catalog, flat_tax
from draftorders import (
    Cashier,
    Customer,
    DraftOrderService,
    FakeGateway,
    FixedClock,
    GatewayFailed,
    InvalidTransition,
    Money,
    OrderCompleted,
    Party,
    PaymentStatus,
    Status,
)
from draftorders.errors import AmountExceedsDue, NothingDue, UnknownTransaction
from draftorders.payments import ManualMethod, TransactionKind, TransactionStatus

TOTAL = Money(Decimal("28.12"), "USD")
ZERO = Money(Decimal("0.00"), "USD")
APPROVING = {"tok_visa", "tok_mastercard"}


def cents(n: int) -> Money:
    return Money(Decimal(n) / 100, "USD")


amounts = st.one_of(st.none(), st.integers(1, 1000).map(cents), st.integers(1000, 3000).map(cents))
picks = st.integers(0, 50)
operations = st.one_of(
    st.tuples(
        st.just("charge"),
        amounts,
        st.sampled_from(
            ["tok_visa", "tok_mastercard", "tok_chargeDeclined", "tok_expiredCard", "tok_pending"]
        ),
    ),
    st.tuples(st.just("manual"), amounts, st.sampled_from(ManualMethod)),
    st.tuples(
        st.just("authorize"),
        amounts,
        st.sampled_from(["tok_visa", "tok_chargeDeclined"]),
        st.one_of(st.just("later"), st.none(), st.integers(1, 1500).map(cents)),
    ),
    st.tuples(st.just("capture"), picks, amounts),
    st.tuples(st.just("void"), picks),
    st.tuples(st.just("refund"), picks, amounts),
    st.tuples(st.just("settle"), picks, st.booleans()),
    st.tuples(st.just("hiccup"), st.integers(1, 3000).map(cents), st.booleans()),
    st.tuples(st.just("complete")),
)


@attrs.define
class Paid:
    """A payment that took money, as the model sees it."""

    id: str
    amount: Money
    refunded: Money = ZERO
    through_gateway: bool = True
    settled: bool = False
    """A pending payment the gateway settled later: the fake gateway never captured it."""


@attrs.define
class Model:
    paid: Money = ZERO
    refunded: Money = ZERO
    payments: list[Paid] = attrs.Factory(list)
    authorizations: dict[str, tuple[Money, Money, bool]] = attrs.Factory(dict)
    """id -> (amount, captured, voided)"""
    pending: dict[str, Money] = attrs.Factory(dict)
    transactions: int = 0
    by_hand: bool = False

    @property
    def authorized(self) -> Money:
        return sum((a - c for a, c, voided in self.authorizations.values() if not voided), ZERO)

    @property
    def pending_total(self) -> Money:
        return sum(self.pending.values(), ZERO)

    @property
    def due(self) -> Money:
        return max(TOTAL - self.paid, ZERO)

    @property
    def outstanding(self) -> Money:
        return max(self.due - self.authorized - self.pending_total, ZERO)

    @property
    def completed(self) -> bool:
        return self.by_hand or self.paid >= TOTAL

    def take(self, paid: Paid) -> None:
        self.paid += paid.amount
        self.payments.append(paid)


def new_till() -> tuple[DraftOrderService, FakeGateway, Cashier, str]:
    shop = DraftOrderService(
        catalog(),
        context=flat_tax(),
        clock=FixedClock(dt.datetime(2026, 11, 26, 9, 30, tzinfo=dt.UTC)),
        seller=Party(name="Tea & Mugs Co.", email="billing@teamugs.example"),
        attach_pdf=False,
    )
    gateway = FakeGateway()
    customer = Customer(id="C1", name="Ada Lovelace", email="ada@example.com")
    order_id = shop.edit(
        shop.create(customer=customer).id, lambda o: o.add_product(shop.catalog, "MUG", 2)
    ).id
    return shop, gateway, Cashier(shop, gateway), order_id


def expect_asking(model: Model, amount: Money | None) -> type[Exception] | Money:
    """What asking for ``amount`` of what is outstanding gives: the amount, or the refusal."""
    if not model.outstanding.amount:
        return NothingDue
    if amount is None:
        return model.outstanding
    return AmountExceedsDue if amount > model.outstanding else amount


def apply(
    op: tuple[Any, ...], model: Model, gateway: FakeGateway, cashier: Cashier, oid: str
) -> Exception | None:
    """Apply ``op`` through the cashier and to the model; return the refusal raised, if any."""
    kind = op[0]
    try:
        if kind == "charge":
            _, amount, token = op
            expected = expect_asking(model, amount)
            payment = cashier.charge(oid, token, amount)
            assert isinstance(expected, Money), f"expected {expected}"
            assert payment.transaction.amount == expected
            model.transactions += 1
            if token in APPROVING:
                assert payment.transaction.status is TransactionStatus.SUCCESS
                model.take(Paid(payment.transaction.id, expected))
            elif token == "tok_pending":
                assert payment.transaction.status is TransactionStatus.PENDING
                model.pending[payment.transaction.id] = expected
            else:
                assert payment.transaction.status is TransactionStatus.FAILURE
        elif kind == "manual":
            _, amount, method = op
            expected = expect_asking(model, amount)
            payment = cashier.record_payment(oid, amount, method=method, reference="R-1")
            assert isinstance(expected, Money), f"expected {expected}"
            model.transactions += 1
            model.take(Paid(payment.transaction.id, expected, through_gateway=False))
        elif kind == "authorize":
            _, amount, token, capture = op
            expected = expect_asking(model, amount)
            payment = cashier.authorize(oid, amount, token=token)
            assert isinstance(expected, Money), f"expected {expected}"
            model.transactions += 1
            if token not in APPROVING:
                assert not payment.succeeded
                return None
            assert payment.succeeded
            auth_id = payment.transaction.id
            model.authorizations[auth_id] = (expected, ZERO, False)
            if capture != "later":  # capture some or all of it right away
                taken = expected if capture is None else min(capture, expected)
                now = cashier.capture(oid, auth_id, taken)
                assert now.succeeded
                model.transactions += 1
                model.authorizations[auth_id] = (expected, taken, False)
                model.take(Paid(now.transaction.id, taken))
        elif kind == "capture":
            _, pick, amount = op
            if not model.authorizations:
                return None
            auth_id = sorted(model.authorizations)[pick % len(model.authorizations)]
            authorized, captured, voided = model.authorizations[auth_id]
            left = ZERO if voided else authorized - captured
            payment = cashier.capture(oid, auth_id, amount)
            taken = left if amount is None else amount
            assert left.amount, "captured from a spent authorization"
            assert taken <= left, f"captured {taken} of {left}"
            assert payment.transaction.amount == taken
            model.transactions += 1
            model.authorizations[auth_id] = (authorized, captured + taken, voided)
            model.take(Paid(payment.transaction.id, taken))
        elif kind == "void":
            _, pick = op
            if not model.authorizations:
                return None
            auth_id = sorted(model.authorizations)[pick % len(model.authorizations)]
            authorized, captured, voided = model.authorizations[auth_id]
            payment = cashier.void(oid, auth_id)
            assert not voided, "voided twice"
            assert not captured.amount, "voided after a capture"
            assert payment.succeeded
            model.transactions += 1
            model.authorizations[auth_id] = (authorized, captured, True)
        elif kind == "refund":
            _, pick, amount = op
            if not model.payments:
                return None
            paid = model.payments[pick % len(model.payments)]
            left = paid.amount - paid.refunded
            payment = cashier.refund(oid, paid.id, amount)
            given = left if amount is None else amount
            assert left.amount, "refunded a payment with nothing left"
            assert given <= left, f"refunded {given} of {left}"
            model.transactions += 1
            if paid.settled:  # the fake gateway never captured it: it refuses to refund
                assert not payment.succeeded
            else:
                assert payment.succeeded
                paid.refunded += given
                model.refunded += given
        elif kind == "settle":
            _, pick, approved = op
            if not model.pending:
                return None
            pending_id = sorted(model.pending)[pick % len(model.pending)]
            payment = cashier.settle(oid, pending_id, approved=approved)
            model.transactions += 1
            amount = model.pending.pop(pending_id)
            assert payment.succeeded is approved
            if approved:
                model.take(Paid(payment.transaction.id, amount, settled=True))
        elif kind == "hiccup":
            _, wanted, after = op
            if not model.outstanding.amount:
                return None
            amount = min(wanted, model.outstanding)
            gateway.fail_next(after_processing=after)
            try:
                cashier.charge(oid, "tok_visa", amount)
            except GatewayFailed:
                pass
            else:
                raise AssertionError("the gateway failure went unnoticed")
            payment = cashier.charge(oid, "tok_visa", amount)
            assert payment.succeeded
            model.transactions += 1
            model.take(Paid(payment.transaction.id, amount))
        elif kind == "complete":
            cashier.complete_pending(oid)
            assert not model.completed, "completed twice"
            model.by_hand = True
    except (NothingDue, AmountExceedsDue, UnknownTransaction, InvalidTransition) as refused:
        return refused
    return None


def expected_refusal(op: tuple[Any, ...], model: Model) -> type[Exception] | None:
    """The refusal the model expects for ``op`` (checked when one was raised)."""
    kind = op[0]
    if kind in ("charge", "manual", "authorize"):
        expected = expect_asking(model, op[1])
        return None if isinstance(expected, Money) else expected
    if kind == "capture":
        return AmountExceedsDue
    if kind == "void":
        return UnknownTransaction
    if kind == "refund":
        return AmountExceedsDue
    if kind == "complete":
        return InvalidTransition if model.completed else None
    return None


def status_agrees(status: PaymentStatus, model: Model) -> bool:
    paid, refunded = model.paid, model.refunded
    net = paid - refunded
    return {
        PaymentStatus.PAID: not refunded.amount and paid >= TOTAL,
        PaymentStatus.PARTIALLY_PAID: not refunded.amount and ZERO < paid < TOTAL,
        PaymentStatus.REFUNDED: bool(refunded.amount) and not net.amount,
        PaymentStatus.PARTIALLY_REFUNDED: bool(refunded.amount) and bool(net.amount),
        PaymentStatus.AUTHORIZED: not paid.amount and bool(model.authorized.amount),
        PaymentStatus.PENDING: not paid.amount
        and not model.authorized.amount
        and bool(model.pending_total.amount),
        PaymentStatus.UNPAID: not paid.amount
        and not model.authorized.amount
        and not model.pending_total.amount,
    }[status]


@settings(max_examples=100, deadline=None)
@given(st.lists(operations, min_size=1, max_size=14))
def test_the_cashier_keeps_its_books_straight_whatever_happens(
    ops: list[tuple[Any, ...]],
) -> None:
    shop, gateway, cashier, order_id = new_till()
    model = Model()
    for op in ops:
        refusal_expected = expected_refusal(op, model)
        refused = apply(op, model, gateway, cashier, order_id)
        if refused is not None:
            assert refusal_expected is not None, f"{op} refused: {refused!r}"
            assert isinstance(refused, refusal_expected), f"{op}: {refused!r}"

        summary = cashier.summary(order_id)
        transactions = cashier.transactions(order_id)
        order = shop.get(order_id)
        # the books agree with the model
        assert len(transactions) == model.transactions
        assert (summary.total, summary.paid, summary.refunded) == (
            TOTAL,
            model.paid,
            model.refunded,
        )
        assert (summary.authorized, summary.pending) == (model.authorized, model.pending_total)
        assert summary.due == model.due
        assert summary.outstanding == model.outstanding
        # money in less money out stays between nothing and the total
        assert ZERO <= summary.net_paid <= TOTAL
        assert summary.paid <= TOTAL
        # the status agrees with the amounts
        assert status_agrees(summary.status, model), (summary, model)
        # completed iff paid in full at some point, or completed by hand; once
        assert (order.status is Status.COMPLETED) is model.completed
        if model.completed:
            assert order.completed_total == TOTAL
        assert sum(isinstance(e, OrderCompleted) for e in shop.events) == int(model.completed)
        # what the gateway holds is what the cashier recorded as paid through it
        through = [p for p in model.payments if p.through_gateway and not p.settled]
        held = sum((p.amount - p.refunded for p in through), ZERO)
        assert gateway.captured_total("USD") - gateway.refunded_total("USD") == held
        pending_ids = {t.id for t in transactions if t.status is TransactionStatus.PENDING}
        recorded_in = sum(
            (
                t.amount
                for t in transactions
                if t.succeeded
                and t.gateway == "fake"
                and t.kind in (TransactionKind.SALE, TransactionKind.CAPTURE)
                and t.parent_id not in pending_ids
            ),
            ZERO,
        )
        recorded_out = sum(
            (
                t.amount
                for t in transactions
                if t.succeeded and t.gateway == "fake" and t.kind is TransactionKind.REFUND
            ),
            ZERO,
        )
        assert gateway.captured_total("USD") == recorded_in
        assert gateway.refunded_total("USD") == recorded_out

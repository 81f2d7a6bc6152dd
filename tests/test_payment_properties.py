"""Properties of the cashier: random sequences of charges (some declined, some pending), payments
by hand, authorizations with captures and voids, refunds of earlier payments, settlements,
gateway failures (the answer lost or never given, settled by a retry, by ``reconcile`` or by
the next money call), processes killed while the gateway was asked (settled once their claim
is older than the timeout), the clock moving on, and completion by hand, applied to a fresh
order (two mugs, 28.12), checked against a model after every step:

- what the cashier says was paid and refunded is what the model says, and the net paid stays
  between zero and the total;
- the payment status agrees with the amounts;
- at most one claim is open, and only while the model has a payment in flight; any other call
  on the order meanwhile gets ``PaymentInFlight`` unless the claim can be settled;
- the order is completed iff it was paid in full at some point or completed by hand, once;
- what the fake gateway took less what it gave back is the net paid through it, plus what
  an open claim moved and nobody has recorded yet.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from builders import catalog, flat_tax
from draftorders import (
    FakeGateway,
    GatewayFailed,
    GatewayResult,
    InvalidTransition,
    Money,
    OrderCompleted,
    Party,
    Payment,
    PaymentInFlight,
    PaymentStatus,
    Ports,
    Shop,
    ShopApp,
    Status,
    Transition,
)
from draftorders.errors import AmountExceedsDue, NothingDue, UnknownTransaction
from draftorders.payments import ManualMethod, TransactionKind, TransactionStatus

TOTAL = Money(Decimal("28.12"), "USD")
ZERO = Money(Decimal("0.00"), "USD")
APPROVING = {"tok_visa", "tok_mastercard"}
START = dt.datetime(2026, 11, 26, 9, 30, tzinfo=dt.UTC)
TIMEOUT = dt.timedelta(minutes=2)


def cents(n: int) -> Money:
    return Money(Decimal(n) / 100, "USD")


amounts = st.one_of(st.none(), st.integers(1, 1000).map(cents), st.integers(1000, 3000).map(cents))
picks = st.integers(0, 50)
charges = st.tuples(
    st.just("charge"),
    amounts,
    st.sampled_from(
        ["tok_visa", "tok_mastercard", "tok_chargeDeclined", "tok_expiredCard", "tok_pending"]
    ),
)
authorizations = st.tuples(
    st.just("authorize"),
    amounts,
    st.sampled_from(["tok_visa", "tok_visa", "tok_chargeDeclined"]),
    st.one_of(st.just("later"), st.just("later"), st.none(), st.integers(1, 1500).map(cents)),
)
captures = st.tuples(st.just("capture"), picks, amounts)
voids = st.tuples(st.just("void"), picks)
refunds = st.tuples(st.just("refund"), picks, amounts)
hiccups = st.tuples(
    st.just("hiccup"),
    st.integers(1, 3000).map(cents),
    st.booleans(),
    st.sampled_from(["retry", "reconcile", "later"]),
)
operations = st.one_of(
    *(charges, charges),
    st.tuples(st.just("manual"), amounts, st.sampled_from(ManualMethod)),
    *(authorizations, authorizations),
    *(captures, captures),
    *(voids, voids),
    *(refunds, refunds),
    st.tuples(st.just("settle"), picks, st.booleans()),
    *(hiccups, hiccups),
    st.tuples(
        st.just("crash"),
        st.integers(1, 3000).map(cents),
        st.sampled_from(["before", "after"]),
        st.sampled_from([0, 60, 119, 120, 600]),
    ),
    st.tuples(st.just("tick"), st.integers(1, 200)),
    st.tuples(st.just("reconcile")),
    st.tuples(st.just("complete")),
)
"""Money calls twice as likely as the rest, so that sequences reach captures, voids and
refunds of what earlier steps took."""
MONEY_CALLS = {"charge", "manual", "authorize", "capture", "void", "refund", "settle"}


class Clock:
    """The shop's clock, moved by the test."""

    def __init__(self) -> None:
        self.at = START

    def now(self) -> dt.datetime:
        return self.at

    def today(self) -> dt.date:
        return self.at.date()


class ProcessKilled(BaseException):
    """The process dies while the gateway is asked."""


class Mortal(FakeGateway):
    """A fake gateway whose caller's process can be killed during a sale, before or after the
    gateway acted."""

    die: str | None = None

    def sale(self, token: str, amount: Money, *, idempotency_key: str) -> GatewayResult:
        if self.die == "before":
            self.die = None
            raise ProcessKilled
        result = super().sale(token, amount, idempotency_key=idempotency_key)
        if self.die == "after":
            self.die = None
            raise ProcessKilled
        return result


@attrs.define
class Paid:
    """A payment that took money, as the model sees it."""

    id: str | None
    """None until the claim it settled is read back."""
    amount: Money
    refunded: Money = ZERO
    through_gateway: bool = True
    settled: bool = False
    """A pending payment the gateway settled later: the fake gateway never captured it."""
    claim_id: str | None = None


@attrs.define
class Claim:
    """A sale in flight: its claim, whether the gateway moved its money, whether its asking
    was interrupted (else its process stopped), and when it was made."""

    id: str
    amount: Money
    moved: bool
    interrupted: bool
    created_at: dt.datetime


@attrs.define
class Model:
    now: dt.datetime = START
    paid: Money = ZERO
    refunded: Money = ZERO
    payments: list[Paid] = attrs.Factory(list)
    authorizations: dict[str, tuple[Money, Money, bool]] = attrs.Factory(dict)
    """id -> (amount, captured, voided)"""
    pending: dict[str, Money] = attrs.Factory(dict)
    transactions: int = 0
    by_hand: bool = False
    claim: Claim | None = None
    completions_unseen: int = 0
    """Completions made by a claim that another call settled: no result carried their event."""

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

    @property
    def claim_settles(self) -> bool:
        """True if a call on the order now settles the open claim (else: in flight)."""
        claim = self.claim
        return claim is not None and (claim.interrupted or claim.created_at <= self.now - TIMEOUT)

    def take(self, paid: Paid) -> None:
        self.paid += paid.amount
        self.payments.append(paid)

    def settle_claim(self, *, seen: bool) -> Money:
        """The open claim recorded as a successful sale; its amount."""
        claim = self.claim
        assert claim is not None
        completes = not self.completed and self.paid + claim.amount >= TOTAL
        self.take(Paid(None, claim.amount, claim_id=claim.id))
        self.transactions += 1
        self.claim = None
        if completes and not seen:
            self.completions_unseen += 1
        return claim.amount


@attrs.define
class World:
    app: ShopApp
    gateway: Mortal
    clock: Clock
    order_id: str
    completions: int = 0

    def saw(self, *results: Payment | Transition) -> None:
        for result in results:
            self.completions += sum(isinstance(e, OrderCompleted) for e in result.events)


def new_world() -> World:
    shop = Shop(
        catalog(),
        context=flat_tax(),
        seller=Party(name="Tea & Mugs Co.", email="billing@teamugs.example"),
        attach_pdf=False,
        claim_timeout=TIMEOUT,
    )
    gateway, clock = Mortal(), Clock()
    app = ShopApp(shop, Ports(clock=clock, gateway=gateway))
    app.customers.create("Ada Lovelace", customer_id="C1", email="ada@example.com")
    draft = app.drafts.create(customer="C1")
    order_id = app.drafts.edit(draft.id, lambda o: o.add_product(catalog(), "MUG", 2)).id
    return World(app, gateway, clock, order_id)


def expect_asking(model: Model, amount: Money | None) -> type[Exception] | Money:
    """What asking for ``amount`` of what is outstanding gives: the amount, or the refusal."""
    if not model.outstanding.amount:
        return NothingDue
    if amount is None:
        return model.outstanding
    return AmountExceedsDue if amount > model.outstanding else amount


def refused(expected: type[Exception], call: Callable[[], object]) -> None:
    """``call`` raises ``expected`` (and so changes nothing the model knows)."""
    with pytest.raises(expected):
        call()


def apply(op: tuple[Any, ...], model: Model, world: World) -> None:
    """Apply ``op`` through the shop and to the model, checking what it returned."""
    kind = op[0]
    cashier, oid = world.app.cashier, world.order_id
    if kind in MONEY_CALLS:
        money_call(op, model, world)
    elif kind in ("hiccup", "crash"):
        if model.claim is not None or not model.outstanding.amount:
            return
        amount = min(op[1], model.outstanding)
        if kind == "hiccup":
            _, _, after, then = op
            world.gateway.fail_next(after_processing=after)
            refused(GatewayFailed, lambda: cashier.charge(oid, "tok_visa", amount))
        else:
            _, _, when, _ = op
            after, then = when == "after", None
            world.gateway.die = when
            refused(ProcessKilled, lambda: cashier.charge(oid, "tok_visa", amount))
        [claim] = [c for c in cashier.claims(oid) if c.is_open]
        assert claim.amount == amount
        model.claim = Claim(claim.id, amount, after, kind == "hiccup", model.now)
        if kind == "crash":  # time passes before anyone looks
            tick(model, world, op[3])
        elif then == "retry":
            payment = cashier.charge(oid, "tok_visa", amount)
            assert payment.succeeded
            assert payment.transaction.amount == model.settle_claim(seen=True)
            world.saw(payment)
        elif then == "reconcile":
            reconcile(model, world)
    elif kind == "tick":
        tick(model, world, op[1])
    elif kind == "reconcile":
        reconcile(model, world)
    elif kind == "complete":
        if model.completed:
            refused(InvalidTransition, lambda: world.app.drafts.complete_unpaid(oid))
        elif model.claim is not None:
            refused(PaymentInFlight, lambda: world.app.drafts.complete_unpaid(oid))
        else:
            world.saw(world.app.drafts.complete_unpaid(oid))
            model.by_hand = True


def tick(model: Model, world: World, seconds: int) -> None:
    world.clock.at += dt.timedelta(seconds=seconds)
    model.now = world.clock.at


def reconcile(model: Model, world: World) -> None:
    report = world.app.cashier.reconcile()
    assert report.still_open == ()
    if model.claim_settles:
        [payment] = report.recorded
        assert payment.succeeded
        assert payment.transaction.amount == model.settle_claim(seen=True)
        world.saw(payment)
    else:
        assert report.recorded == ()


def money_call(op: tuple[Any, ...], model: Model, world: World) -> None:
    """A charge, payment by hand, authorization, capture, void, refund or settlement: an open
    claim is settled by it first, or refuses it (in flight)."""
    kind = op[0]
    cashier, oid = world.app.cashier, world.order_id
    call: Callable[[], Payment]
    # what the call is on, chosen from what the model knew before it
    if kind == "capture":
        if not model.authorizations:
            return
        auth_id = sorted(model.authorizations)[op[1] % len(model.authorizations)]
        call = lambda: cashier.capture(oid, auth_id, op[2])  # noqa: E731
    elif kind == "void":
        if not model.authorizations:
            return
        auth_id = sorted(model.authorizations)[op[1] % len(model.authorizations)]
        call = lambda: cashier.void(oid, auth_id)  # noqa: E731
    elif kind == "refund":
        if not model.payments:
            return
        paid = model.payments[op[1] % len(model.payments)]
        paid_id = paid.id
        assert paid_id is not None
        call = lambda: cashier.refund(oid, paid_id, op[2])  # noqa: E731
    elif kind == "settle":
        if not model.pending:
            return
        pending_id = sorted(model.pending)[op[1] % len(model.pending)]
        call = lambda: cashier.settle(oid, pending_id, approved=op[2])  # noqa: E731
    elif kind == "charge":
        call = lambda: cashier.charge(oid, op[2], op[1])  # noqa: E731
    elif kind == "manual":
        call = lambda: cashier.record_payment(oid, op[1], method=op[2], reference="R-1")  # noqa: E731
    else:
        call = lambda: cashier.authorize(oid, op[1], token=op[2])  # noqa: E731
    # a claim in flight: settled first if its process is gone, else the call is refused
    if model.claim is not None:
        if not model.claim_settles:
            refused(PaymentInFlight, call)
            return
        claim = model.claim
        if kind == "charge" and op[2] == "tok_visa" and op[1] in (None, claim.amount):
            # the same charge asked again: it is the claim's retry, and gets its payment
            payment = call()
            assert payment.transaction.amount == model.settle_claim(seen=True)
            world.saw(payment)
            return
        before = model.completions_unseen
        model.settle_claim(seen=False)
        settled = model.completions_unseen - before
        asked = call

        def call() -> Payment:
            """The call; the settled claim's events come back with its result, if it has one."""
            result = asked()
            model.completions_unseen -= settled
            return result

    if kind in ("charge", "manual", "authorize"):
        expected = expect_asking(model, op[1])
        if not isinstance(expected, Money):
            refused(expected, call)
            return
        payment = call()
        world.saw(payment)
        assert payment.transaction.amount == expected
        model.transactions += 1
        if kind == "manual":
            model.take(Paid(payment.transaction.id, expected, through_gateway=False))
        elif kind == "charge" and op[2] == "tok_pending":
            assert payment.transaction.status is TransactionStatus.PENDING
            model.pending[payment.transaction.id] = expected
        elif op[2] not in APPROVING:
            assert payment.transaction.status is TransactionStatus.FAILURE
        elif kind == "charge":
            assert payment.transaction.status is TransactionStatus.SUCCESS
            model.take(Paid(payment.transaction.id, expected))
        else:
            authorized(op, model, world, payment)
    elif kind == "capture":
        authorized_amount, captured, voided = model.authorizations[auth_id]
        left = ZERO if voided else authorized_amount - captured
        taken = left if op[2] is None else op[2]
        if not left.amount or taken > left:
            refused(AmountExceedsDue, call)
            return
        payment = call()
        world.saw(payment)
        assert payment.transaction.amount == taken
        model.transactions += 1
        model.authorizations[auth_id] = (authorized_amount, captured + taken, voided)
        model.take(Paid(payment.transaction.id, taken))
    elif kind == "void":
        authorized_amount, captured, voided = model.authorizations[auth_id]
        if voided or captured.amount:
            refused(UnknownTransaction, call)
            return
        payment = call()
        world.saw(payment)
        assert payment.succeeded
        model.transactions += 1
        model.authorizations[auth_id] = (authorized_amount, captured, True)
    elif kind == "refund":
        left = paid.amount - paid.refunded
        given = left if op[2] is None else op[2]
        if not left.amount or given > left:
            refused(AmountExceedsDue, call)
            return
        payment = call()
        world.saw(payment)
        assert payment.transaction.amount == given
        model.transactions += 1
        if paid.settled:  # the fake gateway never captured it: it refuses to refund
            assert not payment.succeeded
        else:
            assert payment.succeeded
            paid.refunded += given
            model.refunded += given
    else:  # settle
        payment = call()
        world.saw(payment)
        model.transactions += 1
        amount = model.pending.pop(pending_id)
        assert payment.succeeded is op[2]
        if op[2]:
            model.take(Paid(payment.transaction.id, amount, settled=True))


def authorized(op: tuple[Any, ...], model: Model, world: World, payment: Payment) -> None:
    """An approved authorization, captured now (some or all) or later."""
    assert payment.succeeded
    auth_id = payment.transaction.id
    amount = payment.transaction.amount
    model.authorizations[auth_id] = (amount, ZERO, False)
    capture = op[3]
    if capture == "later":
        return
    taken = amount if capture is None else min(capture, amount)
    now = world.app.cashier.capture(world.order_id, auth_id, taken)
    world.saw(now)
    assert now.succeeded
    model.transactions += 1
    model.authorizations[auth_id] = (amount, taken, False)
    model.take(Paid(now.transaction.id, taken))


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
        PaymentStatus.DISPUTED: False,
    }[status]


def read_back_settled_claims(model: Model, world: World) -> None:
    """The transaction ids of payments recorded for claims another call settled."""
    recorded = {c.id: c.transaction_id for c in world.app.cashier.claims(world.order_id)}
    for paid in model.payments:
        if paid.id is None:
            paid.id = recorded[paid.claim_id or ""]
            assert paid.id is not None


@settings(deadline=None)
@given(st.lists(operations, min_size=4, max_size=24))
def test_the_cashier_keeps_its_books_straight_whatever_happens(
    ops: list[tuple[Any, ...]],
) -> None:
    world = new_world()
    cashier, order_id = world.app.cashier, world.order_id
    model = Model()
    for op in ops:
        apply(op, model, world)
        read_back_settled_claims(model, world)

        summary = cashier.summary(order_id)
        transactions = cashier.transactions(order_id)
        order = world.app.drafts.get(order_id)
        # the books agree with the model
        assert len(transactions) == model.transactions
        assert [p.id for p in model.payments] == [
            t.id
            for t in transactions
            if t.succeeded
            and t.kind in (TransactionKind.SALE, TransactionKind.CAPTURE, TransactionKind.MANUAL)
        ]
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
        # one claim at most is open, the one the model has in flight
        open_claims = [c for c in cashier.claims(order_id) if c.is_open]
        if model.claim is None:
            assert open_claims == []
        else:
            [claim] = open_claims
            assert (claim.id, claim.amount) == (model.claim.id, model.claim.amount)
            assert (claim.interrupted is not None) is model.claim.interrupted
        # completed iff paid in full at some point, or completed by hand; once
        assert (order.status is Status.COMPLETED) is model.completed
        if model.completed:
            assert order.completed_total == TOTAL
        assert world.completions + model.completions_unseen == int(model.completed)
        # what the gateway holds is what the cashier recorded as paid through it, and what an
        # open claim moved
        in_flight = model.claim.amount if model.claim is not None and model.claim.moved else ZERO
        through = [p for p in model.payments if p.through_gateway and not p.settled]
        held = sum((p.amount - p.refunded for p in through), ZERO)
        gateway = world.gateway
        assert gateway.captured_total("USD") - gateway.refunded_total("USD") == held + in_flight
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
        assert gateway.captured_total("USD") == recorded_in + in_flight
        assert gateway.refunded_total("USD") == recorded_out

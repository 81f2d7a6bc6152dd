"""Money calls as the cashier makes them, exactly once across processes and crashes: claim the
money under the order's row lock, ask the gateway with the claim's key outside any unit, and
record the answer against the claim whatever changed meanwhile (see ``cashier.py`` for the
whole story). A claim left open (a gateway that failed, a process that died) is asked again
with its own key by the next call on its order or by :meth:`Claims.reconcile`."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable

import attrs

from draftorders._validate import plain_text
from draftorders.errors import (
    AmountChanged,
    ConcurrencyConflict,
    DraftOrdersError,
    GatewayFailed,
    IdempotencyConflict,
    InvalidTransition,
    InvoiceOutdated,
    PaymentInFlight,
    ValidationError,
)
from draftorders.errors.base import amount_text
from draftorders.events import OrderCompleted, OrderEvent, TransactionRecorded
from draftorders.lifecycle import complete
from draftorders.money import Money
from draftorders.order import DraftOrder, Status
from draftorders.payments import (
    GatewayResult,
    Outcome,
    PaymentClaim,
    PaymentSummary,
    Transaction,
    TransactionKind,
    TransactionStatus,
    summarize,
)
from draftorders.pricing import PricedOrder
from draftorders.shop.guard import lock_order
from draftorders.shop.ports import Ports
from draftorders.shop.quotes import Quotes
from draftorders.shop.settings import Shop
from draftorders.shop.stock import Stock
from draftorders.storage import Unit

__all__ = [
    "MONEY_IN",
    "MONEY_OUT",
    "OPEN",
    "Ask",
    "Claims",
    "Payment",
    "Prepare",
    "ReconcileReport",
    "Request",
    "check_key",
]

_STATUS = {
    Outcome.APPROVED: TransactionStatus.SUCCESS,
    Outcome.DECLINED: TransactionStatus.FAILURE,
    Outcome.PENDING: TransactionStatus.PENDING,
}
MONEY_IN = (TransactionKind.SALE, TransactionKind.CAPTURE, TransactionKind.MANUAL)
MONEY_OUT = (TransactionKind.VOID, TransactionKind.REFUND, TransactionKind.DISPUTE)
"""Money going back: allowed whatever the order now prices at."""
OPEN = (Status.DRAFT, Status.INVOICE_SENT)


@attrs.frozen
class Payment:
    """What a cashier call did: the transaction recorded, the order after it, where its money
    stands, and the events (the order's completion among them, if this payment completed it)."""

    transaction: Transaction
    order: DraftOrder
    summary: PaymentSummary
    events: tuple[OrderEvent, ...] = ()

    @property
    def succeeded(self) -> bool:
        """True if the transaction went through (a decline is recorded, but did not)."""
        return self.transaction.succeeded


@attrs.frozen
class ReconcileReport:
    """What :meth:`Cashier.reconcile` did: the payments it recorded, and the claims still
    open because the gateway failed again (claim id, why)."""

    recorded: tuple[Payment, ...]
    still_open: tuple[tuple[str, str], ...]


@attrs.frozen
class Request:
    """What a call asks for, known before anything is read: a repeated idempotency key must
    be for the same kind of call, on the same transaction, for the same amount and token if
    given."""

    kind: TransactionKind
    parent_id: str | None = None
    amount: Money | None = None
    token: str | None = None

    def matches(self, order_id: str, transaction: Transaction) -> bool:
        """True if ``transaction`` is what this request on ``order_id`` would have recorded."""
        return (
            transaction.order_id == order_id
            and transaction.kind is self.kind
            and transaction.parent_id == self.parent_id
            and (self.amount is None or transaction.amount == self.amount)
        )

    def matches_claim(self, order_id: str, claim: PaymentClaim) -> bool:
        """True if ``claim`` is what this request on ``order_id`` would have claimed."""
        return (
            claim.order_id == order_id
            and claim.kind is self.kind
            and claim.parent_id == self.parent_id
            and (self.amount is None or claim.amount == self.amount)
            and (self.token is None or claim.token == self.token)
        )


@attrs.frozen
class Ask:
    """One money call, worked out: what to claim and how to ask the gateway (``outcome``
    given: nobody is asked, the answer is known, as for money taken by hand)."""

    kind: TransactionKind
    amount: Money
    gateway: str
    token: str | None = None
    reference: str | None = None
    parent: Transaction | None = None
    method: str | None = None
    reason: str | None = None
    restock: tuple[tuple[str, int], ...] = ()
    outcome: Outcome | None = None


Prepare = Callable[[DraftOrder, list[Transaction], PaymentSummary], Ask]


class Claims:
    """Claims, asks and records the money calls of one shop (the cashier's workings)."""

    def __init__(self, shop: Shop, ports: Ports, quotes: Quotes, stock: Stock) -> None:
        self.shop = shop
        self.ports = ports
        self.quotes = quotes
        self.stock = stock

    def payment_total(self, order: DraftOrder) -> Money:
        """What payments are counted against: the total the order was completed at, else the
        total its invoice was sent at, else what it prices at now."""
        if order.completed_total is not None:
            return order.completed_total
        if order.invoiced_total is not None:
            return order.invoiced_total
        return self.quotes.price(order).total

    def reconcile(self, *, older_than: dt.timedelta | None = None) -> ReconcileReport:
        """Settle the claims left open by a process that stopped, or by a gateway that failed:
        each is asked again with its own idempotency key (the gateway answers what it did, or
        does it now) and the answer recorded. Claims younger than ``older_than`` (the shop's
        claim timeout by default) are left to the process asking, unless interrupted. Run it
        from a cron, and after a crash."""
        age = older_than if older_than is not None else self.shop.claim_timeout
        if not isinstance(age, dt.timedelta) or age < dt.timedelta(0):
            raise ValidationError("older_than", f"expected a timedelta >= 0, got {age!r}")
        cutoff = self.ports.clock.now() - age
        with self.ports.store.unit(write=False) as unit:
            claims = unit.payments.open_claims()
        recorded: list[Payment] = []
        still_open: list[tuple[str, str]] = []
        for claim in claims:
            if claim.interrupted is None and claim.created_at > cutoff:
                continue
            try:
                recorded.append(self.reask(claim))
            except Exception as error:
                still_open.append((claim.id, repr(error)))
        return ReconcileReport(tuple(recorded), tuple(still_open))

    def run(
        self,
        order_id: str,
        key: str | None,
        request: Request,
        prepare: Prepare,
        *,
        as_chosen: DraftOrder | None = None,
        expected_version: int | None = None,
        expected_amount: Money | None = None,
        notice: str | None = None,
    ) -> Payment:
        """Make one money call: replay it if its key was used, settle the order's stale
        claims, work out the amount with ``prepare`` under the order's lock, claim it, ask
        the gateway and record the answer."""
        if key is not None:
            check_key(key)
            repeated = self._replay(order_id, key, request)
            if repeated is not None:
                return repeated
        retried, settled = self._settle_stale(order_id, request if key is None else None)
        if retried is not None:
            return retried
        with self.ports.store.unit(write=False) as unit:
            stored = unit.orders.get(order_id)
        if expected_version is not None and (
            stored.version != expected_version or stored.status not in OPEN
        ):
            raise ConcurrencyConflict(order_id, expected_version, stored.version)
        if stored.status is Status.CANCELLED and request.kind not in MONEY_OUT:
            raise InvalidTransition(order_id, stored.status.value, "take payment", ())
        order, priced = self._completable(stored, as_chosen, request.kind)
        total = priced.total if priced is not None else self.payment_total(stored)
        limits = self.quotes.limits(priced.applied_promotions) if priced is not None else {}
        now = self.ports.clock.now()
        with self.ports.store.unit() as unit:
            lock_order(unit, order_id, stored.version)
            txs = unit.payments.transactions(order_id)
            before = summarize(total, txs)
            ask = prepare(stored, txs, before)
            if expected_amount is not None and ask.amount != expected_amount:
                raise AmountChanged(order_id, expected_amount, ask.amount)
            completes: DraftOrder | None = None
            if_pending: DraftOrder | None = None
            promotions: tuple[str, ...] = ()
            holds_stock = False
            customer_id = stored.customer.id if stored.customer is not None else None
            if order is not None and priced is not None and ask.kind in MONEY_IN:
                if before.due.amount and ask.amount >= before.due:
                    completes = complete(order, priced).order
                    promotions = priced.applied_promotions
                    unit.usage.count(promotions, customer_id, limits=limits)
                    holds_stock = self._hold_stock(unit, completes, now)
                if as_chosen is not None:
                    if_pending = attrs.evolve(
                        order,
                        status=stored.status,
                        version=order.version + 1,
                        invoiced_total=priced.total if stored.invoiced_total else None,
                    )
            claim = PaymentClaim(
                id=f"{order_id}-C{len(unit.payments.claims(order_id)) + 1}",
                order_id=order_id,
                kind=ask.kind,
                amount=ask.amount,
                idempotency_key=key or f"{order_id}:{uuid.uuid4().hex}",
                created_at=now,
                gateway=ask.gateway,
                token=ask.token,
                reference=ask.reference,
                parent_id=ask.parent.id if ask.parent is not None else None,
                method=ask.method,
                reason=ask.reason,
                restock=ask.restock,
                order_version=stored.version,
                completes=completes,
                if_pending=if_pending,
                total=total,
                promotions=promotions,
                customer_id=customer_id,
                holds_stock=holds_stock,
                outcome=ask.outcome,
                notice=notice,
            )
            unit.payments.add_claim(claim)
        payment = self.reask(claim)
        return attrs.evolve(payment, events=(*settled, *payment.events)) if settled else payment

    def _replay(self, order_id: str, key: str, request: Request) -> Payment | None:
        """The answer to a call already made under ``key``: its transaction, or the settling
        of its claim; None if the key is new. A key used for another request (another order,
        kind, amount, card or parent) raises :class:`IdempotencyConflict`."""
        with self.ports.store.unit(write=False) as unit:
            known = unit.payments.by_key(key)
            claim = unit.payments.claim_by_key(key)
        if known is not None:
            same_claim = claim is None or request.matches_claim(order_id, claim)
            if not (same_claim and request.matches(order_id, known)):
                raise IdempotencyConflict(key, f"it recorded {known.id} ({known.kind.value})")
            with self.ports.store.unit(write=False) as unit:
                order = unit.orders.get(known.order_id)
                records = unit.payments.transactions(known.order_id)
            return Payment(known, order, summarize(self.payment_total(order), records))
        if claim is None:
            return None
        if not request.matches_claim(order_id, claim):
            raise IdempotencyConflict(key, f"it claimed {claim.id} ({claim.kind.value})")
        if claim.interrupted is None and not self._stale(claim):
            raise PaymentInFlight(claim.order_id, claim.id, claim.created_at)
        return self.reask(claim)

    def _settle_stale(
        self, order_id: str, request: Request | None
    ) -> tuple[Payment | None, tuple[OrderEvent, ...]]:
        """Settle the open claims of the order whose process is gone (interrupted, or older
        than the shop's claim timeout): the payment if ``request`` is a retry of one of them,
        and what settling them brought about (their events)."""
        with self.ports.store.unit(write=False) as unit:
            open_claims = [c for c in unit.payments.claims(order_id) if c.is_open]
        events: list[OrderEvent] = []
        for claim in open_claims:
            if claim.interrupted is None and not self._stale(claim):
                continue
            payment = self.reask(claim)
            if request is not None and request.matches_claim(order_id, claim):
                return payment, ()
            events.extend(payment.events)
        return None, tuple(events)

    def _stale(self, claim: PaymentClaim) -> bool:
        return claim.created_at <= self.ports.clock.now() - self.shop.claim_timeout

    def reask(self, claim: PaymentClaim) -> Payment:
        """Ask the gateway for ``claim`` with its key, and record the answer. An adapter that
        refuses the request outright (:class:`ValidationError`: a card or currency it never
        takes, before contacting the provider) is recorded as a failed payment, so the claim
        closes, and its error is raised."""
        try:
            result = self._ask(claim)
        except ValidationError as refused:
            declined = GatewayResult(
                Outcome.DECLINED, claim.amount, None, "refused", _printable(str(refused))
            )
            self._record(claim, declined)
            raise
        return self._record(claim, result)

    def _ask(self, claim: PaymentClaim) -> GatewayResult:
        if claim.outcome is not None:
            return GatewayResult(claim.outcome, claim.amount, claim.reference)
        gateway = self.ports.gateway
        key = claim.idempotency_key
        try:
            if claim.kind is TransactionKind.SALE:
                result = gateway.sale(claim.token or "", claim.amount, idempotency_key=key)
            elif claim.kind is TransactionKind.AUTHORIZATION:
                result = gateway.authorize(claim.token or "", claim.amount, idempotency_key=key)
            elif claim.kind is TransactionKind.CAPTURE:
                result = gateway.capture(claim.reference or "", claim.amount, idempotency_key=key)
            elif claim.kind is TransactionKind.VOID:
                result = gateway.void(claim.reference or "", idempotency_key=key)
            else:
                result = gateway.refund(claim.reference or "", claim.amount, idempotency_key=key)
        except ValidationError:
            raise
        except Exception as error:
            self._interrupt(claim, error)
            if isinstance(error, DraftOrdersError):
                raise
            raise GatewayFailed(
                f"payment gateway {claim.gateway!r}",
                f"{claim.kind.value} of {amount_text(claim.amount)} failed ({error!r}); its claim "
                f"{claim.id} stays open and is settled with the same idempotency key {key!r} "
                "by the next payment call on the order or by reconcile",
            ) from error
        if not isinstance(result, GatewayResult):
            self._interrupt(claim, TypeError(f"expected a GatewayResult, got {result!r}"))
            raise GatewayFailed("payment gateway", f"expected a GatewayResult, got {result!r}")
        if result.outcome is not Outcome.DECLINED and result.amount != claim.amount:
            self._interrupt(claim, ValueError(f"answered for {amount_text(result.amount)}"))
            raise GatewayFailed(
                "payment gateway",
                f"asked for {amount_text(claim.amount)}, "
                f"it answered for {amount_text(result.amount)}",
            )
        if not (_one_line(result.reference) and _one_line(result.code)):
            self._interrupt(claim, ValueError(f"malformed answer {result!r}"))
            raise GatewayFailed("payment gateway", f"a malformed answer: {result!r}")
        return attrs.evolve(result, message=_printable(result.message))

    def _interrupt(self, claim: PaymentClaim, error: BaseException) -> None:
        """Mark the claim as nobody's to ask now (the next call or reconcile asks again)."""
        with self.ports.store.unit() as unit:
            unit.orders.get(claim.order_id, lock=True)
            stored = unit.payments.claim(claim.id, lock=True)
            if stored.is_open:
                unit.payments.replace_claim(stored.interrupt(error))

    def _record(self, claim: PaymentClaim, result: GatewayResult) -> Payment:
        """Record the gateway's answer to ``claim``: once, whatever changed meanwhile."""
        now = self.ports.clock.now()
        total = claim.total if claim.total is not None else claim.amount
        with self.ports.store.unit() as unit:
            order = unit.orders.get(claim.order_id, lock=True)
            stored = unit.payments.claim(claim.id, lock=True)
            txs = unit.payments.transactions(order.id)
            if not stored.is_open:  # another process recorded it first
                done = next(t for t in txs if t.id == stored.transaction_id)
                return Payment(done, order, summarize(total, txs))
            transaction = Transaction(
                id=f"{order.id}-T{len(txs) + 1}",
                order_id=order.id,
                kind=claim.kind,
                status=_STATUS[result.outcome],
                amount=claim.amount,
                created_at=now,
                gateway=claim.gateway,
                reference=result.reference,
                idempotency_key=claim.idempotency_key,
                parent_id=claim.parent_id,
                method=claim.method,
                code=result.code,
                message=result.message,
                reason=claim.reason,
                restock=claim.restock,
            )
            unit.payments.append(transaction)
            unit.payments.replace_claim(stored.recorded(transaction.id, now))
            if claim.notice is not None:
                unit.payments.add_notice(claim.notice, transaction.id, now)
            after = summarize(total, [*txs, transaction])
            events: list[OrderEvent] = [
                TransactionRecorded(
                    order.id,
                    transaction.id,
                    transaction.kind.value,
                    transaction.status.value,
                    transaction.amount,
                )
            ]
            final = order
            unchanged = order.version == claim.order_version and order.status in OPEN
            completes = claim.completes
            if (
                completes is not None
                and transaction.succeeded
                and not after.due.amount
                and (unchanged)
            ):
                self.stock.commit(unit, completes, at=now)
                unit.orders.replace(completes, order.version)
                events.append(
                    OrderCompleted(
                        completes.id,
                        completes.version,
                        total,
                        claim.promotions,
                        claim.customer_id,
                    )
                )
                final = completes
            else:
                if claim.promotions:
                    unit.usage.count(claim.promotions, claim.customer_id, by=-1)
                if claim.holds_stock:
                    self.stock.release(unit, order.id, at=now)
                pending = transaction.status is TransactionStatus.PENDING
                if claim.if_pending is not None and pending and unchanged:
                    unit.orders.replace(claim.if_pending, order.version)
                    final = claim.if_pending
            if transaction.restock and transaction.succeeded:
                self.stock.restock(unit, order, transaction.restock, at=now)
        return Payment(transaction, final, after, tuple(events))

    def _completable(
        self, stored: DraftOrder, as_chosen: DraftOrder | None, kind: TransactionKind
    ) -> tuple[DraftOrder | None, PricedOrder | None]:
        """For an order not yet completed or cancelled: the order as it would complete and its
        pricing, checked against the invoice sent (so money is never taken for an outdated
        invoice), unless the customer changed it at checkout (``as_chosen``)."""
        if stored.status not in OPEN:
            return None, None
        order, priced = self.quotes.quote(as_chosen if as_chosen is not None else stored)
        outdated = stored.invoiced_total is not None and stored.invoiced_total != priced.total
        if as_chosen is None and outdated and kind not in MONEY_OUT:
            raise InvoiceOutdated(stored.id, stored.invoiced_total, priced.total)
        return order, priced

    def _hold_stock(self, unit: Unit, order: DraftOrder, now: dt.datetime) -> bool:
        """Before a payment that would complete ``order``: make sure its stock is there, and
        hold it while the gateway is asked; True if a hold was taken here."""
        if unit.stock.reservation(order.id) is not None:
            self.stock.check(unit, order)
            return False
        self.stock.hold(unit, order, at=now, until=None)
        return True


def check_key(key: object) -> str:
    if not isinstance(key, str) or not key.strip() or len(key) > 255 or "\n" in key:
        raise ValidationError(
            "idempotency_key", f"expected one line of 1 to 255 characters, got {key!r}"
        )
    return plain_text(key, "idempotency_key")


def _one_line(value: object) -> bool:
    """True for None or a reference/code a transaction can record."""
    if value is None:
        return True
    if not isinstance(value, str) or not value.strip() or len(value) > 255:
        return False
    return not any(ord(c) < 32 or ord(c) == 127 or 0xD800 <= ord(c) <= 0xDFFF for c in value)


def _printable(message: object) -> str:
    """The gateway's words as text a transaction can record: control characters and lone
    surrogates dropped, at most 1000 characters."""
    if not isinstance(message, str):
        return ""
    kept = (
        c
        for c in message
        if (ord(c) >= 32 or c in "\t\n") and ord(c) != 127 and not 0xD800 <= ord(c) <= 0xDFFF
    )
    return "".join(kept)[:1000]

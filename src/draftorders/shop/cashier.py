"""The cashier: takes payments through the gateway or by hand, captures, voids and refunds
them, applies the gateway's later notices, and records each as a transaction, exactly once.

Every money call goes the same way, across processes and crashes:

1. **Claim.** In one store unit, under the order's row lock: the order is still the version
   the call was worked out on, no other payment of it is in flight, the amount is due (or
   capturable, refundable); a payment that would complete the order counts its promotions'
   uses against their limits and holds its stock; then a :class:`PaymentClaim` with the
   idempotency key is written. Another process asking now gets :class:`PaymentInFlight`.
2. **Ask** the gateway with the claim's key, outside any unit.
3. **Record** the answer against the claim in one unit, whatever else changed meanwhile: the
   transaction, the claim closed, and, if nothing is left due, the order completed; a payment
   that failed gives its promotion uses and held stock back.

If the gateway raises or times out, the claim stays open (marked interrupted) and
:class:`GatewayFailed` is raised: the next money call on the order, or :meth:`reconcile`, asks
the gateway again with the same key and records its answer. A process killed between asking
and recording leaves an open claim that :meth:`reconcile` settles the same way. So nothing is
charged twice, and nothing charged goes unrecorded. A declined payment is a recorded
transaction with status ``failure``, not an exception.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence

import attrs

from draftorders.errors import (
    AmountChanged,
    AmountExceedsDue,
    ConcurrencyConflict,
    ConsentRequired,
    DraftOrdersError,
    GatewayFailed,
    IdempotencyConflict,
    InvalidTransition,
    InvoiceOutdated,
    NotFound,
    NothingDue,
    PaymentInFlight,
    UnknownTransaction,
    ValidationError,
)
from draftorders.events import OrderCompleted, OrderEvent, TransactionRecorded
from draftorders.lifecycle import complete
from draftorders.money import Money, to_money
from draftorders.order import DraftOrder, Status
from draftorders.payments import (
    GatewayNotice,
    GatewayResult,
    ManualMethod,
    NoticeEvent,
    Outcome,
    PaymentClaim,
    PaymentMethod,
    PaymentSummary,
    Transaction,
    TransactionKind,
    TransactionStatus,
    capturable,
    check_token,
    refundable,
    summarize,
)
from draftorders.pricing import PricedOrder
from draftorders.shop.guard import lock_order
from draftorders.shop.ports import Ports
from draftorders.shop.quotes import Quotes
from draftorders.shop.settings import Shop
from draftorders.shop.stock import Stock
from draftorders.storage import Unit
from draftorders.validate import plain_text

__all__ = ["Cashier", "Payment", "ReconcileReport"]

_STATUS = {
    Outcome.APPROVED: TransactionStatus.SUCCESS,
    Outcome.DECLINED: TransactionStatus.FAILURE,
    Outcome.PENDING: TransactionStatus.PENDING,
}
_MONEY_IN = (TransactionKind.SALE, TransactionKind.CAPTURE, TransactionKind.MANUAL)
_MONEY_OUT = (TransactionKind.VOID, TransactionKind.REFUND, TransactionKind.DISPUTE)
"""Money going back: allowed whatever the order now prices at."""
_OPEN = (Status.DRAFT, Status.INVOICE_SENT)
_MANUAL = "manual"


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
class _Request:
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
class _Ask:
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


_Prepare = Callable[[DraftOrder, list[Transaction], PaymentSummary], _Ask]


class Cashier:
    """Payments for one shop, through its gateway (a :class:`FakeGateway` by default)."""

    def __init__(self, shop: Shop, ports: Ports, quotes: Quotes, stock: Stock) -> None:
        self.shop = shop
        self.ports = ports
        self.quotes = quotes
        self.stock = stock

    # -- reading --------------------------------------------------------------------------------

    def order(self, order_id: str) -> DraftOrder:
        """The order as stored (after the payments recorded on it)."""
        with self.ports.store.unit(write=False) as unit:
            return unit.orders.get(order_id)

    def transactions(self, order_id: str) -> list[Transaction]:
        """The order's transactions, oldest first."""
        with self.ports.store.unit(write=False) as unit:
            unit.orders.get(order_id)
            return unit.payments.transactions(order_id)

    def transaction(self, order_id: str, transaction_id: str) -> Transaction:
        """One transaction of the order; :class:`UnknownTransaction` if it has no such one."""
        for transaction in self.transactions(order_id):
            if transaction.id == transaction_id:
                return transaction
        raise UnknownTransaction(order_id, transaction_id)

    def claims(self, order_id: str) -> list[PaymentClaim]:
        """The order's payment claims, oldest first (an open one is money in flight)."""
        with self.ports.store.unit(write=False) as unit:
            return unit.payments.claims(order_id)

    def summary(self, order_id: str) -> PaymentSummary:
        """Where the order's money stands: total, paid, refunded, authorized, due, status."""
        with self.ports.store.unit(write=False) as unit:
            order = unit.orders.get(order_id)
            records = unit.payments.transactions(order_id)
        return summarize(self.payment_total(order), records)

    def payment_total(self, order: DraftOrder) -> Money:
        """What payments are counted against: the total the order was completed at, else the
        total its invoice was sent at, else what it prices at now."""
        if order.completed_total is not None:
            return order.completed_total
        if order.invoiced_total is not None:
            return order.invoiced_total
        return self.quotes.price(order).total

    # -- taking money ---------------------------------------------------------------------------

    def charge_on_file(
        self, order_id: str, amount: Money | None = None, *, idempotency_key: str | None = None
    ) -> Payment:
        """Charge the order's payment method on file (the amount due by default). Needs the
        customer's consent on the order, and a saved method that is the customer's."""
        method = self._method_on_file(order_id)
        return self.charge(
            order_id, method.token, amount, idempotency_key=idempotency_key, label=method.label
        )

    def charge(
        self,
        order_id: str,
        token: str,
        amount: Money | None = None,
        *,
        idempotency_key: str | None = None,
        label: str | None = None,
        as_chosen: DraftOrder | None = None,
        expected_version: int | None = None,
        expected_amount: Money | None = None,
    ) -> Payment:
        """Charge ``amount`` (what is outstanding by default) to the method the gateway
        ``token`` stands for, e.g. one the customer just entered at checkout (a card number is
        refused).

        At checkout, ``as_chosen`` is the order with the customer's choices (billing address,
        shipping rate): it is priced, charged, and saved as the completed order if the payment
        covers it, provided the stored order is still at ``expected_version`` (else
        :class:`ConcurrencyConflict`, before any money moves). ``expected_amount`` is what
        the customer was shown: if the charge would be another amount, :class:`AmountChanged`
        is raised and nothing is charged.
        """
        check_token(token)
        gateway = self._gateway_name()
        return self._run(
            order_id,
            idempotency_key,
            _Request(TransactionKind.SALE, None, amount, token),
            lambda order, txs, summary: _Ask(
                TransactionKind.SALE,
                self._amount(order, amount, summary.outstanding, "payment"),
                gateway,
                token=token,
                method=label,
            ),
            as_chosen=as_chosen,
            expected_version=expected_version,
            expected_amount=expected_amount,
        )

    def authorize(
        self,
        order_id: str,
        amount: Money | None = None,
        *,
        token: str | None = None,
        idempotency_key: str | None = None,
    ) -> Payment:
        """Reserve ``amount`` (what is outstanding by default) on ``token``, or on the payment
        method on file; capture it later with :meth:`capture`."""
        if token is not None:
            charged, label = check_token(token), None
        else:
            method = self._method_on_file(order_id)
            charged, label = method.token, method.label
        gateway = self._gateway_name()
        return self._run(
            order_id,
            idempotency_key,
            _Request(TransactionKind.AUTHORIZATION, None, amount, charged),
            lambda order, txs, summary: _Ask(
                TransactionKind.AUTHORIZATION,
                self._amount(order, amount, summary.outstanding, "authorization"),
                gateway,
                token=charged,
                method=label,
            ),
        )

    def capture(
        self,
        order_id: str,
        authorization_id: str,
        amount: Money | None = None,
        *,
        idempotency_key: str | None = None,
    ) -> Payment:
        """Take ``amount`` (all that is left by default) of an authorization."""

        def ask(order: DraftOrder, txs: list[Transaction], summary: PaymentSummary) -> _Ask:
            auth = _parent(order.id, txs, authorization_id, TransactionKind.AUTHORIZATION)
            return _Ask(
                TransactionKind.CAPTURE,
                self._amount(order, amount, capturable(auth, txs), "capture"),
                auth.gateway,
                reference=auth.reference or "",
                parent=auth,
                method=auth.method,
            )

        return self._run(
            order_id,
            idempotency_key,
            _Request(TransactionKind.CAPTURE, authorization_id, amount),
            ask,
        )

    def void(
        self, order_id: str, authorization_id: str, *, idempotency_key: str | None = None
    ) -> Payment:
        """Release an authorization nothing was captured from."""

        def ask(order: DraftOrder, txs: list[Transaction], summary: PaymentSummary) -> _Ask:
            auth = _parent(order.id, txs, authorization_id, TransactionKind.AUTHORIZATION)
            left = capturable(auth, txs)
            if left != auth.amount:
                raise UnknownTransaction(
                    order.id,
                    authorization_id,
                    "only an authorization with nothing captured can be voided",
                )
            return _Ask(
                TransactionKind.VOID,
                left,
                auth.gateway,
                reference=auth.reference or "",
                parent=auth,
                method=auth.method,
            )

        return self._run(
            order_id, idempotency_key, _Request(TransactionKind.VOID, authorization_id), ask
        )

    def record_payment(
        self,
        order_id: str,
        amount: Money | None = None,
        *,
        method: ManualMethod = ManualMethod.CASH,
        reference: str | None = None,
        idempotency_key: str | None = None,
    ) -> Payment:
        """Record money taken by hand (cash, check, bank transfer), with its reference: what
        "accept payment" is for a phone or counter order. A payment that leaves nothing due
        completes the order. An ``idempotency_key`` makes a form submitted twice record it
        once."""
        if not isinstance(method, ManualMethod):
            raise ValidationError("method", f"expected a ManualMethod, got {method!r}")
        return self._run(
            order_id,
            idempotency_key,
            _Request(TransactionKind.MANUAL, None, amount),
            lambda order, txs, summary: _Ask(
                TransactionKind.MANUAL,
                self._amount(order, amount, summary.outstanding, "payment"),
                _MANUAL,
                reference=reference,
                method=method.value,
                outcome=Outcome.APPROVED,
            ),
        )

    def refund(
        self,
        order_id: str,
        transaction_id: str,
        amount: Money | None = None,
        *,
        reason: str | None = None,
        restock: Sequence[tuple[str, int]] = (),
        idempotency_key: str | None = None,
    ) -> Payment:
        """Give back ``amount`` (all that is left by default) of a captured payment, never more
        than it took less what was refunded. ``restock`` lists (line id, quantity) to return to
        stock, recorded on the refund."""

        def ask(order: DraftOrder, txs: list[Transaction], summary: PaymentSummary) -> _Ask:
            paid = _parent(order.id, txs, transaction_id, *_MONEY_IN)
            manual = paid.kind is TransactionKind.MANUAL
            return _Ask(
                TransactionKind.REFUND,
                self._amount(order, amount, refundable(paid, txs), "refund"),
                paid.gateway,
                reference=paid.reference if manual else paid.reference or "",
                parent=paid,
                method=paid.method,
                reason=reason,
                restock=_restock(order, txs, restock),
                outcome=Outcome.APPROVED if manual else None,
            )

        return self._run(
            order_id,
            idempotency_key,
            _Request(TransactionKind.REFUND, transaction_id, amount),
            ask,
        )

    def settle(self, order_id: str, transaction_id: str, *, approved: bool) -> Payment:
        """Record how a pending payment ended (the gateway said so later): a transaction of the
        same kind, successful or failed, that names the pending one. A gateway's webhook goes
        through :meth:`apply_notice`, which finds the payment by its reference."""
        if not isinstance(approved, bool):
            raise ValidationError("approved", f"expected True or False, got {approved!r}")
        return self._run(
            order_id,
            None,
            _Request(TransactionKind.SALE, transaction_id),
            lambda order, txs, summary: _settlement(order, txs, transaction_id, approved),
        )

    def apply_notice(self, notice: GatewayNotice) -> Payment | None:
        """Apply a gateway's asynchronous notice (a webhook), found by the gateway's reference:
        a pending payment settled or failed, money refunded or disputed at the gateway. Each
        notice is applied once, however often it is delivered: a repeat returns None, as does
        a notice with nothing left to do (a payment settled already)."""
        if not isinstance(notice, GatewayNotice):
            raise ValidationError("notice", f"expected a GatewayNotice, got {notice!r}")
        with self.ports.store.unit(write=False) as unit:
            if unit.payments.notice(notice.key) is not None:
                return None
            matched = unit.payments.by_reference(notice.gateway, notice.reference)
        if not matched:
            raise NotFound(
                notice.reference,
                f"no transaction of gateway {notice.gateway!r} has the reference "
                f"{notice.reference!r}",
            )
        order_id = matched[0].order_id
        if notice.event in (NoticeEvent.SETTLED, NoticeEvent.FAILED):
            return self._settle_notice(order_id, matched, notice)
        kind = (
            TransactionKind.REFUND
            if notice.event is NoticeEvent.REFUNDED
            else (TransactionKind.DISPUTE)
        )
        payment = next((t for t in matched if t.kind in _MONEY_IN and t.succeeded), None)
        if payment is None or notice.amount is None:
            raise ValidationError(
                "notice",
                f"a {notice.event.value} notice needs an amount and a successful payment "
                f"with reference {notice.reference!r}",
            )
        amount = notice.amount
        return self._run(
            order_id,
            None,
            _Request(kind, payment.id, amount),
            lambda order, txs, summary: _Ask(
                kind,
                self._amount(order, amount, refundable(payment, txs), kind.value),
                notice.gateway,
                reference=notice.reference,
                parent=payment,
                method=payment.method,
                reason=notice.message or f"{notice.event.value} at the gateway",
                outcome=Outcome.APPROVED,
            ),
            notice=notice.key,
        )

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
                recorded.append(self._reask(claim))
            except Exception as error:
                still_open.append((claim.id, repr(error)))
        return ReconcileReport(tuple(recorded), tuple(still_open))

    # -- the workings ---------------------------------------------------------------------------

    def _run(
        self,
        order_id: str,
        key: str | None,
        request: _Request,
        prepare: _Prepare,
        *,
        as_chosen: DraftOrder | None = None,
        expected_version: int | None = None,
        expected_amount: Money | None = None,
        notice: str | None = None,
    ) -> Payment:
        if key is not None:
            _check_key(key)
            repeated = self._replay(order_id, key, request)
            if repeated is not None:
                return repeated
        retried, settled = self._settle_stale(order_id, request if key is None else None)
        if retried is not None:
            return retried
        with self.ports.store.unit(write=False) as unit:
            stored = unit.orders.get(order_id)
        if expected_version is not None and (
            stored.version != expected_version or stored.status not in _OPEN
        ):
            raise ConcurrencyConflict(order_id, expected_version, stored.version)
        if stored.status is Status.CANCELLED and request.kind not in _MONEY_OUT:
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
            if order is not None and priced is not None and ask.kind in _MONEY_IN:
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
        payment = self._reask(claim)
        return attrs.evolve(payment, events=(*settled, *payment.events)) if settled else payment

    def _replay(self, order_id: str, key: str, request: _Request) -> Payment | None:
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
        return self._reask(claim)

    def _settle_stale(
        self, order_id: str, request: _Request | None
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
            payment = self._reask(claim)
            if request is not None and request.matches_claim(order_id, claim):
                return payment, ()
            events.extend(payment.events)
        return None, tuple(events)

    def _stale(self, claim: PaymentClaim) -> bool:
        return claim.created_at <= self.ports.clock.now() - self.shop.claim_timeout

    def _reask(self, claim: PaymentClaim) -> Payment:
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
                f"{claim.kind.value} of {claim.amount} failed ({error!r}); its claim "
                f"{claim.id} stays open and is settled with the same idempotency key {key!r} "
                "by the next payment call on the order or by reconcile",
            ) from error
        if not isinstance(result, GatewayResult):
            self._interrupt(claim, TypeError(f"expected a GatewayResult, got {result!r}"))
            raise GatewayFailed("payment gateway", f"expected a GatewayResult, got {result!r}")
        if result.outcome is not Outcome.DECLINED and result.amount != claim.amount:
            self._interrupt(claim, ValueError(f"answered for {result.amount}"))
            raise GatewayFailed(
                "payment gateway", f"asked for {claim.amount}, it answered for {result.amount}"
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
            unchanged = order.version == claim.order_version and order.status in _OPEN
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
        if stored.status not in _OPEN:
            return None, None
        order, priced = self.quotes.quote(as_chosen if as_chosen is not None else stored)
        outdated = stored.invoiced_total is not None and stored.invoiced_total != priced.total
        if as_chosen is None and outdated and kind not in _MONEY_OUT:
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

    def _gateway_name(self) -> str:
        name = getattr(self.ports.gateway, "name", "gateway")
        return name if isinstance(name, str) and name else "gateway"

    def _settle_notice(
        self, order_id: str, matched: list[Transaction], notice: GatewayNotice
    ) -> Payment | None:
        settled = {t.parent_id for t in self.transactions(order_id) if t.parent_id}
        pending = next(
            (t for t in matched if t.status is TransactionStatus.PENDING and t.id not in settled),
            None,
        )
        if pending is None:  # nothing pending any more: remember the notice, change nothing
            with self.ports.store.unit() as unit:
                unit.orders.get(order_id, lock=True)
                if unit.payments.notice(notice.key) is None:
                    unit.payments.add_notice(notice.key, "", self.ports.clock.now())
            return None
        approved = notice.event is NoticeEvent.SETTLED
        return self._run(
            order_id,
            None,
            _Request(pending.kind, pending.id),
            lambda order, txs, summary: _settlement(order, txs, pending.id, approved),
            notice=notice.key,
        )

    def _amount(self, order: DraftOrder, amount: Money | None, limit: Money, what: str) -> Money:
        if not limit.amount:
            if what in ("payment", "authorization"):
                raise NothingDue(order.id)
            raise AmountExceedsDue(what, amount if amount is not None else "any amount", limit)
        if amount is None:
            return limit
        asked = to_money(amount, order.currency, "amount")
        if not asked.amount:
            raise ValidationError("amount", f"a {what} of zero is not a {what}")
        if asked > limit:
            raise AmountExceedsDue(what, asked, limit)
        return asked

    def _method_on_file(self, order_id: str) -> PaymentMethod:
        with self.ports.store.unit(write=False) as unit:
            order = unit.orders.get(order_id)
            if order.payment_method_id is None:
                raise ValidationError(
                    "payment_method_id", f"order {order.id!r} has no payment method on file"
                )
            if not order.consent:
                raise ConsentRequired(order.id)
            method = unit.customers.method(order.payment_method_id)
        if order.customer is None or method.customer_id != order.customer.id:
            raise ValidationError(
                "payment_method_id",
                f"payment method {method.id!r} is not the order's customer's",
            )
        return method


def _check_key(key: object) -> str:
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


def _parent(
    order_id: str, txs: list[Transaction], transaction_id: str, *kinds: TransactionKind
) -> Transaction:
    for transaction in txs:
        if transaction.id == transaction_id:
            if transaction.kind not in kinds or not transaction.succeeded:
                wanted = " or ".join(kind.value for kind in kinds)
                raise UnknownTransaction(order_id, transaction_id, f"not a successful {wanted}")
            return transaction
    raise UnknownTransaction(order_id, transaction_id)


def _settlement(
    order: DraftOrder, txs: list[Transaction], transaction_id: str, approved: bool
) -> _Ask:
    """How a pending payment ended: its kind and amount again, with the answer given."""
    pending = next((t for t in txs if t.id == transaction_id), None)
    if pending is None:
        raise UnknownTransaction(order.id, transaction_id)
    if pending.status is not TransactionStatus.PENDING or any(
        t.parent_id == pending.id for t in txs
    ):
        raise UnknownTransaction(order.id, transaction_id, "not a pending payment")
    return _Ask(
        pending.kind,
        pending.amount,
        pending.gateway,
        reference=pending.reference,
        parent=pending,
        method=pending.method,
        reason=pending.reason,
        restock=pending.restock,
        outcome=Outcome.APPROVED if approved else Outcome.DECLINED,
    )


def _restock(
    order: DraftOrder, txs: list[Transaction], restock: Sequence[tuple[str, int]]
) -> tuple[tuple[str, int], ...]:
    """The (line id, quantity) pairs to return to stock, each within what the line sold less
    what earlier refunds returned."""
    returned: dict[str, int] = {}
    for transaction in txs:
        if not transaction.succeeded:
            continue
        for line_id, quantity in transaction.restock:
            returned[line_id] = returned.get(line_id, 0) + quantity
    pairs: list[tuple[str, int]] = []
    if restock and order.status is not Status.COMPLETED:
        raise ValidationError(
            "restock", f"order {order.id!r} is not completed: none of its units left the stock"
        )
    for line_id, quantity in restock:
        line = order.line(line_id)
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            raise ValidationError("restock", f"restock a whole number of units, got {quantity!r}")
        left = line.quantity - returned.get(line_id, 0)
        if quantity > left:
            raise ValidationError(
                "restock", f"line {line_id} has {left} unit(s) left to restock, not {quantity}"
            )
        returned[line_id] = returned.get(line_id, 0) + quantity
        pairs.append((line_id, quantity))
    return tuple(pairs)

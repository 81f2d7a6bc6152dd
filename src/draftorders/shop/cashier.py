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
from collections.abc import Sequence

from draftorders._validate import whole_number
from draftorders.errors import (
    AmountExceedsDue,
    ConsentRequired,
    NotFound,
    NothingDue,
    TransactionStateError,
    UnknownTransaction,
    ValidationError,
)
from draftorders.money import Money, to_money
from draftorders.order import DraftOrder, Status
from draftorders.payments import (
    GatewayNotice,
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
from draftorders.shop.claims import (
    MONEY_IN,
    Ask,
    Claims,
    Payment,
    ReconcileReport,
    Request,
)
from draftorders.shop.ports import Ports
from draftorders.shop.quotes import Quotes
from draftorders.shop.settings import Shop
from draftorders.shop.stock import Stock

__all__ = ["Cashier", "Payment", "ReconcileReport"]

_MANUAL = "manual"
"""The gateway name of money taken by hand."""


class Cashier:
    """Payments for one shop, through its gateway (a :class:`FakeGateway` by default)."""

    def __init__(self, shop: Shop, ports: Ports, quotes: Quotes, stock: Stock) -> None:
        self.shop = shop
        self.ports = ports
        self._claims = Claims(shop, ports, quotes, stock)

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
        return self._claims.payment_total(order)

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
        return self._claims.run(
            order_id,
            idempotency_key,
            Request(TransactionKind.SALE, None, amount, token),
            lambda order, txs, summary: Ask(
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
        return self._claims.run(
            order_id,
            idempotency_key,
            Request(TransactionKind.AUTHORIZATION, None, amount, charged),
            lambda order, txs, summary: Ask(
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

        def ask(order: DraftOrder, txs: list[Transaction], summary: PaymentSummary) -> Ask:
            auth = _parent(order.id, txs, authorization_id, TransactionKind.AUTHORIZATION)
            return Ask(
                TransactionKind.CAPTURE,
                self._amount(order, amount, capturable(auth, txs), "capture"),
                auth.gateway,
                reference=auth.reference or "",
                parent=auth,
                method=auth.method,
            )

        return self._claims.run(
            order_id,
            idempotency_key,
            Request(TransactionKind.CAPTURE, authorization_id, amount),
            ask,
        )

    def void(
        self, order_id: str, authorization_id: str, *, idempotency_key: str | None = None
    ) -> Payment:
        """Release an authorization nothing was captured from."""

        def ask(order: DraftOrder, txs: list[Transaction], summary: PaymentSummary) -> Ask:
            auth = _parent(order.id, txs, authorization_id, TransactionKind.AUTHORIZATION)
            left = capturable(auth, txs)
            if left != auth.amount:
                raise TransactionStateError(
                    order.id,
                    authorization_id,
                    "only an authorization with nothing captured can be voided",
                )
            return Ask(
                TransactionKind.VOID,
                left,
                auth.gateway,
                reference=auth.reference or "",
                parent=auth,
                method=auth.method,
            )

        return self._claims.run(
            order_id, idempotency_key, Request(TransactionKind.VOID, authorization_id), ask
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
        return self._claims.run(
            order_id,
            idempotency_key,
            Request(TransactionKind.MANUAL, None, amount),
            lambda order, txs, summary: Ask(
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

        def ask(order: DraftOrder, txs: list[Transaction], summary: PaymentSummary) -> Ask:
            paid = _parent(order.id, txs, transaction_id, *MONEY_IN)
            manual = paid.kind is TransactionKind.MANUAL
            return Ask(
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

        return self._claims.run(
            order_id,
            idempotency_key,
            Request(TransactionKind.REFUND, transaction_id, amount),
            ask,
        )

    def settle(self, order_id: str, transaction_id: str, *, approved: bool) -> Payment:
        """Record how a pending payment ended (the gateway said so later): a transaction of the
        same kind, successful or failed, that names the pending one. A gateway's webhook goes
        through :meth:`apply_notice`, which finds the payment by its reference."""
        if not isinstance(approved, bool):
            raise ValidationError("approved", f"expected True or False, got {approved!r}")
        return self._claims.run(
            order_id,
            None,
            Request(TransactionKind.SALE, transaction_id),
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
        payment = next((t for t in matched if t.kind in MONEY_IN and t.succeeded), None)
        if payment is None or notice.amount is None:
            raise ValidationError(
                "notice",
                f"a {notice.event.value} notice needs an amount and a successful payment "
                f"with reference {notice.reference!r}",
            )
        amount = notice.amount
        return self._claims.run(
            order_id,
            None,
            Request(kind, payment.id, amount),
            lambda order, txs, summary: Ask(
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

    # -- the workings ---------------------------------------------------------------------------

    def reconcile(self, *, older_than: dt.timedelta | None = None) -> ReconcileReport:
        """Settle the claims left open by a process that stopped, or by a gateway that failed:
        each is asked again with its own idempotency key (the gateway answers what it did, or
        does it now) and the answer recorded. Claims younger than ``older_than`` (the shop's
        claim timeout by default) are left to the process asking, unless interrupted. Run it
        from a cron, and after a crash."""
        return self._claims.reconcile(older_than=older_than)

    # -- the workings ---------------------------------------------------------------------------

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
        return self._claims.run(
            order_id,
            None,
            Request(pending.kind, pending.id),
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


def _parent(
    order_id: str, txs: list[Transaction], transaction_id: str, *kinds: TransactionKind
) -> Transaction:
    for transaction in txs:
        if transaction.id == transaction_id:
            if transaction.kind not in kinds or not transaction.succeeded:
                wanted = " or ".join(kind.value for kind in kinds)
                raise TransactionStateError(order_id, transaction_id, f"not a successful {wanted}")
            return transaction
    raise UnknownTransaction(order_id, transaction_id)


def _settlement(
    order: DraftOrder, txs: list[Transaction], transaction_id: str, approved: bool
) -> Ask:
    """How a pending payment ended: its kind and amount again, with the answer given."""
    pending = next((t for t in txs if t.id == transaction_id), None)
    if pending is None:
        raise UnknownTransaction(order.id, transaction_id)
    if pending.status is not TransactionStatus.PENDING or any(
        t.parent_id == pending.id for t in txs
    ):
        raise TransactionStateError(order.id, transaction_id, "not a pending payment")
    return Ask(
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
        whole_number(quantity, "restock", minimum=1)
        left = line.quantity - returned.get(line_id, 0)
        if quantity > left:
            raise ValidationError(
                "restock", f"line {line_id} has {left} unit(s) left to restock, not {quantity}"
            )
        returned[line_id] = returned.get(line_id, 0) + quantity
        pairs.append((line_id, quantity))
    return tuple(pairs)

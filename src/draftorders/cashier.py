"""The cashier: takes payments for orders through a gateway or by hand, captures, voids and
refunds them, and records each as a transaction.

Money calls are made with an idempotency key (given, or derived from the order and how many
transactions it has), so a retry after a failure never charges twice. A declined payment is a
recorded transaction with status ``failure``, not an exception; a gateway that raises or times
out leaves nothing recorded (:class:`~draftorders.errors.GatewayFailed`), and the retry with the
same key gets the gateway's first answer. Calls for one order run one at a time; a payment that
leaves nothing due completes the order, once.
"""

from __future__ import annotations

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
    InvoiceOutdated,
    NothingDue,
    PaymentError,
    UnknownTransaction,
    ValidationError,
)
from draftorders.events import OrderCompleted, OrderEvent, TransactionRecorded
from draftorders.lifecycle import Transition, accept_payment
from draftorders.money import Money, to_money
from draftorders.order import DraftOrder, Status
from draftorders.payments import (
    FakeGateway,
    GatewayResult,
    ManualMethod,
    Outcome,
    PaymentGateway,
    PaymentMethod,
    PaymentSummary,
    Transaction,
    TransactionKind,
    TransactionStatus,
    Wallet,
    capturable,
    check_token,
    refundable,
    summarize,
)
from draftorders.pricing import PricedOrder, price
from draftorders.service import DraftOrderService

__all__ = ["Cashier", "Payment"]

_STATUS = {
    Outcome.APPROVED: TransactionStatus.SUCCESS,
    Outcome.DECLINED: TransactionStatus.FAILURE,
    Outcome.PENDING: TransactionStatus.PENDING,
}
_MONEY_IN = (TransactionKind.SALE, TransactionKind.CAPTURE, TransactionKind.MANUAL)
_MONEY_OUT = (TransactionKind.VOID, TransactionKind.REFUND)
"""Money going back: allowed whatever the order now prices at."""


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
class _Request:
    """What a call asks for, known before anything is read: a repeated idempotency key must
    be for the same kind of call, on the same transaction, for the same amount if one is
    given."""

    kind: TransactionKind
    parent_id: str | None = None
    amount: Money | None = None

    def matches(self, transaction: Transaction) -> bool:
        """True if ``transaction`` is what this request would have recorded."""
        return (
            transaction.kind is self.kind
            and transaction.parent_id == self.parent_id
            and (self.amount is None or transaction.amount == self.amount)
        )


@attrs.frozen
class _Ask:
    """One money call, prepared: what to record, and how to ask the gateway (None: by hand)."""

    kind: TransactionKind
    amount: Money
    call: Callable[[str], GatewayResult] | None
    parent: Transaction | None = None
    method: str | None = None
    reference: str | None = None
    reason: str | None = None
    restock: tuple[tuple[str, int], ...] = ()


class Cashier:
    """Payments for one shop: its service (orders, store, clock), a gateway and a wallet of
    customers' stored payment methods. The defaults (a :class:`FakeGateway`, an empty
    :class:`Wallet`) work with no set-up."""

    def __init__(
        self,
        shop: DraftOrderService,
        gateway: PaymentGateway | None = None,
        wallet: Wallet | None = None,
    ) -> None:
        self.shop = shop
        self.gateway: PaymentGateway = gateway if gateway is not None else FakeGateway()
        self.wallet = wallet if wallet is not None else Wallet()

    # -- reading --------------------------------------------------------------------------------

    def transactions(self, order_id: str) -> list[Transaction]:
        """The order's transactions, oldest first."""
        return self.shop.store.transactions(order_id)

    def transaction(self, order_id: str, transaction_id: str) -> Transaction:
        """One transaction of the order; :class:`UnknownTransaction` if it has no such one."""
        for transaction in self.transactions(order_id):
            if transaction.id == transaction_id:
                return transaction
        raise UnknownTransaction(order_id, transaction_id)

    def summary(self, order_id: str) -> PaymentSummary:
        """Where the order's money stands: total, paid, refunded, authorized, due, status."""
        order = self.shop.store.get(order_id)
        return summarize(self.shop.payment_total(order), self.transactions(order_id))

    # -- taking money ---------------------------------------------------------------------------

    def charge_on_file(
        self, order_id: str, amount: Money | None = None, *, idempotency_key: str | None = None
    ) -> Payment:
        """Charge the order's payment method on file (the amount due by default). Needs the
        customer's consent on the order, and a method that is the customer's."""
        method = self._method_on_file(self.shop.store.get(order_id))
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
        """Charge ``amount`` (the amount due by default) to the method the gateway ``token``
        stands for, e.g. one the customer just entered at checkout (a card number is refused).

        At checkout, ``as_chosen`` is the order with the customer's choices (billing address,
        shipping rate): it is priced, charged, and saved as the completed order if the payment
        covers it, provided the stored order is still at ``expected_version`` (else
        :class:`ConcurrencyConflict`, before any money moves). ``expected_amount`` is what
        the customer was shown: if the charge would be another amount, :class:`AmountChanged`
        is raised and nothing is charged.
        """
        check_token(token)
        return self._run(
            order_id,
            idempotency_key,
            _Request(TransactionKind.SALE, None, amount),
            lambda order, txs, summary: _Ask(
                TransactionKind.SALE,
                a := self._amount(order, amount, summary.outstanding, "payment"),
                lambda key: self.gateway.sale(token, a, idempotency_key=key),
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
        """Reserve ``amount`` (the amount due by default) on ``token``, or on the payment
        method on file; capture it later with :meth:`capture`."""
        if token is not None:
            charged, label = check_token(token), None
        else:
            method = self._method_on_file(self.shop.store.get(order_id))
            charged, label = method.token, method.label
        return self._run(
            order_id,
            idempotency_key,
            _Request(TransactionKind.AUTHORIZATION, None, amount),
            lambda order, txs, summary: _Ask(
                TransactionKind.AUTHORIZATION,
                a := self._amount(order, amount, summary.outstanding, "authorization"),
                lambda key: self.gateway.authorize(charged, a, idempotency_key=key),
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
            auth = self._parent(order.id, txs, authorization_id, TransactionKind.AUTHORIZATION)
            limit = capturable(auth, txs)
            a = self._amount(order, amount, limit, "capture")
            reference = auth.reference or ""
            return _Ask(
                TransactionKind.CAPTURE,
                a,
                lambda key: self.gateway.capture(reference, a, idempotency_key=key),
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
            auth = self._parent(order.id, txs, authorization_id, TransactionKind.AUTHORIZATION)
            left = capturable(auth, txs)
            if left != auth.amount:
                raise UnknownTransaction(
                    order.id,
                    authorization_id,
                    "only an authorization with nothing captured can be voided",
                )
            reference = auth.reference or ""
            return _Ask(
                TransactionKind.VOID,
                left,
                lambda key: self.gateway.void(reference, idempotency_key=key),
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
        """Record a payment taken by hand (cash, check, bank transfer), with its reference; an
        ``idempotency_key`` makes a form submitted twice record it once."""
        if not isinstance(method, ManualMethod):
            raise ValidationError("method", f"expected a ManualMethod, got {method!r}")
        return self._run(
            order_id,
            idempotency_key,
            _Request(TransactionKind.MANUAL, None, amount),
            lambda order, txs, summary: _Ask(
                TransactionKind.MANUAL,
                self._amount(order, amount, summary.outstanding, "payment"),
                None,
                method=method.value,
                reference=reference,
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
            paid = self._parent(order.id, txs, transaction_id, *_MONEY_IN)
            a = self._amount(order, amount, refundable(paid, txs), "refund")
            returned = _restock(order, txs, restock)
            reference = paid.reference or ""
            call = (
                None
                if paid.kind is TransactionKind.MANUAL
                else (lambda key: self.gateway.refund(reference, a, idempotency_key=key))
            )
            return _Ask(
                TransactionKind.REFUND,
                a,
                call,
                parent=paid,
                method=paid.method,
                reason=reason,
                restock=returned,
            )

        return self._run(
            order_id,
            idempotency_key,
            _Request(TransactionKind.REFUND, transaction_id, amount),
            ask,
        )

    def settle(self, order_id: str, transaction_id: str, *, approved: bool) -> Payment:
        """Record how a pending payment ended (the gateway said so later, e.g. by webhook): a
        transaction of the same kind, successful or failed, that names the pending one."""

        def ask(order: DraftOrder, txs: list[Transaction], summary: PaymentSummary) -> _Ask:
            pending = next((t for t in txs if t.id == transaction_id), None)
            if pending is None:
                raise UnknownTransaction(order.id, transaction_id)
            if pending.status is not TransactionStatus.PENDING or any(
                t.parent_id == pending.id for t in txs
            ):
                raise UnknownTransaction(order.id, transaction_id, "not a pending payment")
            outcome = Outcome.APPROVED if approved else Outcome.DECLINED
            result = GatewayResult(outcome, pending.amount, pending.reference)
            return _Ask(
                pending.kind,
                pending.amount,
                lambda key: result,
                parent=pending,
                method=pending.method,
                reference=pending.reference,
                reason=pending.reason,
                restock=pending.restock,
            )

        return self._run(order_id, None, _Request(TransactionKind.SALE, transaction_id), ask)

    def complete_pending(self, order_id: str) -> Transition:
        """Complete the order with payment still to come, under its payment terms."""
        return self.shop.accept_payment(order_id)

    # -- the workings ---------------------------------------------------------------------------

    def _run(
        self,
        order_id: str,
        key: str | None,
        request: _Request,
        prepare: Callable[[DraftOrder, list[Transaction], PaymentSummary], _Ask],
        *,
        as_chosen: DraftOrder | None = None,
        expected_version: int | None = None,
        expected_amount: Money | None = None,
    ) -> Payment:
        shop = self.shop
        with shop.locked(order_id):
            stored = shop.store.get(order_id)
            txs = shop.store.transactions(order_id)
            repeated = next((t for t in txs if key and t.idempotency_key == key), None)
            if repeated is not None and not request.matches(repeated):
                raise IdempotencyConflict(
                    key or "", f"it recorded {repeated.id} ({repeated.kind.value})"
                )
            if expected_version is not None and (
                stored.version != expected_version or stored.status is Status.COMPLETED
            ):
                if repeated is not None:  # the repeat of a payment that completed the order
                    return Payment(repeated, stored, self.summary(order_id))
                raise ConcurrencyConflict(order_id, expected_version, stored.version)
            order, priced = self._completable(stored, as_chosen, request.kind)
            total = shop.payment_total(stored) if priced is None else priced.total
            before = summarize(total, txs)
            try:
                ask = prepare(stored, txs, before)
            except PaymentError:
                if repeated is not None:  # a repeat of a call that changed what is possible
                    return Payment(repeated, stored, before)
                raise
            if expected_amount is not None and ask.amount != expected_amount:
                raise AmountChanged(order_id, expected_amount, ask.amount)
            completing = ask.kind in _MONEY_IN and ask.amount >= before.due
            key = key or _default_key(order_id, ask, len(txs))
            known = next((t for t in txs if t.idempotency_key == key), None)
            if known is not None:
                if (known.kind, known.amount, known.parent_id) != (
                    ask.kind,
                    ask.amount,
                    ask.parent.id if ask.parent else None,
                ):
                    raise IdempotencyConflict(key, f"it recorded {known.id} ({known.kind.value})")
                return Payment(known, stored, before)
            held = self._hold_stock(order, completing)
            try:
                result = self._ask_gateway(ask, key)
                transaction = self._transaction(stored, len(txs), ask, result, key)
                after = summarize(total, [*txs, transaction])
                events: list[OrderEvent] = [
                    TransactionRecorded(
                        order_id,
                        transaction.id,
                        transaction.kind.value,
                        transaction.status.value,
                        transaction.amount,
                    )
                ]
                completes = (
                    transaction.succeeded
                    and transaction.kind in _MONEY_IN
                    and priced is not None
                    and not after.due.amount
                )
                final = stored
                if completes:
                    assert order is not None
                    assert priced is not None
                    transition = accept_payment(order, priced)
                    if self._save(stored, transition.order, transaction, len(txs)):
                        shop.completed(transition.order)
                        for event in transition.events:
                            if isinstance(event, OrderCompleted) and event.promotions:
                                shop.store.record_usage(event.promotions, event.customer_id)
                        events.extend(transition.events)
                        final = transition.order
                elif as_chosen is not None and transaction.status is TransactionStatus.PENDING:
                    # keep the customer's choices with the order, which the payment will pay
                    assert order is not None
                    assert priced is not None
                    chosen = attrs.evolve(
                        order,
                        status=stored.status,
                        version=order.version + 1,
                        invoiced_total=priced.total if stored.invoiced_total else None,
                    )
                    if self._save(stored, chosen, transaction, len(txs)):
                        final = chosen
                else:
                    shop.store.add_transactions(order_id, [transaction], len(txs))
                if transaction.restock and transaction.succeeded and shop.inventory is not None:
                    shop.inventory.restock(stored, transaction.restock, at=transaction.created_at)
                shop.events.extend(events)
                return Payment(
                    transaction,
                    shop.store.get(order_id) if final is stored else final,
                    after,
                    tuple(events),
                )
            finally:
                if held:  # a no-op once the payment completed the order (its stock is taken)
                    assert shop.inventory is not None
                    shop.inventory.release(order_id, at=shop.clock.now())

    def _hold_stock(self, order: DraftOrder | None, completing: bool) -> bool:
        """Before a payment that would complete ``order``: make sure its stock is there, and
        hold it (a reservation) while the gateway is asked; True if a hold was taken here."""
        inventory = self.shop.inventory
        if order is None or inventory is None or not completing:
            return False
        if inventory.is_reserved(order.id):
            inventory.check(order)
            return False
        inventory.reserve(order, at=self.shop.clock.now(), until=None)
        return True

    def _save(
        self, stored: DraftOrder, order: DraftOrder, transaction: Transaction, count: int
    ) -> bool:
        """Save ``order`` with ``transaction``; if the order changed meanwhile (another
        process), record the transaction alone, since its money moved, and return False."""
        try:
            self.shop.store.save(order, stored.version, [transaction], count)
        except ConcurrencyConflict:
            self.shop.store.add_transactions(stored.id, [transaction], count)
            return False
        return True

    def _completable(
        self, stored: DraftOrder, as_chosen: DraftOrder | None, kind: TransactionKind
    ) -> tuple[DraftOrder | None, PricedOrder | None]:
        """For an order not yet completed: the order as it would complete and its pricing,
        checked against the invoice sent (so money is never taken for an outdated invoice),
        unless the customer changed it at checkout (``as_chosen``)."""
        if stored.status is Status.COMPLETED:
            return None, None
        order, _ = self.shop.current(as_chosen if as_chosen is not None else stored)
        priced = price(order, self.shop.pricing_context(order))
        outdated = stored.invoiced_total is not None and stored.invoiced_total != priced.total
        if as_chosen is None and outdated and kind not in _MONEY_OUT:
            raise InvoiceOutdated(stored.id, stored.invoiced_total, priced.total)
        return order, priced

    def _ask_gateway(self, ask: _Ask, key: str) -> GatewayResult:
        if ask.call is None:
            return GatewayResult(Outcome.APPROVED, ask.amount, ask.reference)
        try:
            result = ask.call(key)
        except DraftOrdersError:
            raise
        except Exception as error:
            name = getattr(self.gateway, "name", "gateway")
            raise GatewayFailed(
                f"payment gateway {name!r}",
                f"{ask.kind.value} of {ask.amount} failed ({error!r}); retry with the same "
                f"idempotency key {key!r}",
            ) from error
        if not isinstance(result, GatewayResult):
            raise GatewayFailed("payment gateway", f"expected a GatewayResult, got {result!r}")
        if result.outcome is not Outcome.DECLINED and result.amount != ask.amount:
            raise GatewayFailed(
                "payment gateway", f"asked for {ask.amount}, it answered for {result.amount}"
            )
        return result

    def _transaction(
        self, order: DraftOrder, count: int, ask: _Ask, result: GatewayResult, key: str
    ) -> Transaction:
        return Transaction(
            id=f"{order.id}-T{count + 1}",
            order_id=order.id,
            kind=ask.kind,
            status=_STATUS[result.outcome],
            amount=ask.amount,
            created_at=self.shop.clock.now(),
            gateway="manual" if ask.call is None else getattr(self.gateway, "name", "gateway"),
            reference=result.reference,
            idempotency_key=key,
            parent_id=ask.parent.id if ask.parent is not None else None,
            method=ask.method,
            code=result.code,
            message=result.message,
            reason=ask.reason,
            restock=ask.restock,
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

    def _parent(
        self,
        order_id: str,
        txs: list[Transaction],
        transaction_id: str,
        *kinds: TransactionKind,
    ) -> Transaction:
        for transaction in txs:
            if transaction.id == transaction_id:
                if transaction.kind not in kinds or not transaction.succeeded:
                    wanted = " or ".join(kind.value for kind in kinds)
                    raise UnknownTransaction(order_id, transaction_id, f"not a successful {wanted}")
                return transaction
        raise UnknownTransaction(order_id, transaction_id)

    def _method_on_file(self, order: DraftOrder) -> PaymentMethod:
        if order.payment_method_id is None:
            raise ValidationError(
                "payment_method_id", f"order {order.id!r} has no payment method on file"
            )
        if not order.consent:
            raise ConsentRequired(order.id)
        method = self.wallet.get(order.payment_method_id)
        if order.customer is None or method.customer_id != order.customer.id:
            raise ValidationError(
                "payment_method_id",
                f"payment method {method.id!r} is not the order's customer's",
            )
        return method


def _default_key(order_id: str, ask: _Ask, count: int) -> str:
    """The key of a call made without one: the same for a retry of the same call on the same
    state (so a retry after a failure never charges twice), new for the next call."""
    parent = ask.parent.id if ask.parent is not None else "-"
    return f"{order_id}/{count}/{ask.kind.value}/{parent}/{ask.amount.amount}"


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

"""Money errors: payments that cannot be made as asked, and providers (gateway, mailer, tax
engine) that failed."""

from __future__ import annotations

from draftorders.errors.base import DraftOrdersError, amount_text

__all__ = [
    "AmountChanged",
    "AmountExceedsDue",
    "BelowPaid",
    "ConsentRequired",
    "DeliveryFailed",
    "GatewayFailed",
    "IdempotencyConflict",
    "MoneyOnOrder",
    "NothingDue",
    "PaymentError",
    "PaymentInFlight",
    "ProviderError",
    "TransactionStateError",
    "UnknownTransaction",
]


class ProviderError(DraftOrdersError):
    """An external provider failed; ``provider`` names it and the cause is chained."""

    def __init__(self, provider: str, message: str) -> None:
        super().__init__(f"{provider}: {message}; nothing was changed")
        self.provider = provider


class DeliveryFailed(ProviderError):
    """The mailer could not send a message; it stays in the outbox and is tried again later."""


class GatewayFailed(ProviderError):
    """The payment gateway raised or timed out, so whether money moved is unknown. The
    payment's claim stays open: the next payment call on the order, or ``reconcile``, asks the
    gateway again with the same idempotency key and records its answer, so nothing is charged
    twice and nothing charged goes unrecorded."""


class PaymentError(DraftOrdersError):
    """A payment, capture or refund that cannot be made as asked."""


class NothingDue(PaymentError):
    """The order has nothing left to pay."""

    def __init__(self, order_id: str) -> None:
        super().__init__(f"order {order_id!r} has nothing left to pay")
        self.order_id = order_id


class AmountExceedsDue(PaymentError, ValueError):
    """More than is due (or capturable, or refundable) was asked for."""

    def __init__(self, what: str, asked: object, limit: object) -> None:
        super().__init__(
            f"{what}: {amount_text(asked)} asked, at most {amount_text(limit)} possible"
        )
        self.what = what
        self.asked = asked
        self.limit = limit


class ConsentRequired(PaymentError):
    """Charging a customer's stored payment method needs their consent on the order."""

    def __init__(self, order_id: str) -> None:
        super().__init__(
            f"order {order_id!r} has no customer consent to charge the payment method on file; "
            "record it with set_consent(True) first"
        )
        self.order_id = order_id


class IdempotencyConflict(PaymentError):
    """An idempotency key was used again for a different request (another amount, say)."""

    def __init__(self, key: str, detail: str) -> None:
        super().__init__(f"idempotency key {key!r} was used for a different request: {detail}")
        self.key = key


class UnknownTransaction(PaymentError, LookupError):
    """No transaction with that id on the order, or not one that allows this."""

    def __init__(
        self, order_id: str, transaction_id: str, detail: str = "no such transaction"
    ) -> None:
        super().__init__(f"order {order_id!r}, transaction {transaction_id!r}: {detail}")
        self.order_id = order_id
        self.transaction_id = transaction_id


class PaymentInFlight(PaymentError):
    """Another payment call on this order is between claiming its money and recording the
    gateway's answer; nothing was asked of the gateway. Try again in a moment; a claim left by
    a crashed process is settled by ``Cashier.reconcile``."""

    def __init__(self, order_id: str, claim_id: str, since: object) -> None:
        super().__init__(
            f"order {order_id!r} has a payment in flight ({claim_id}, since {since}); try "
            "again in a moment, or reconcile it if its process stopped"
        )
        self.order_id = order_id
        self.claim_id = claim_id
        self.since = since


class MoneyOnOrder(PaymentError):
    """An order with money records (payments, refunds, even a decline) is never deleted: its
    records would lose their order. Cancel it instead, and refund what was paid."""

    def __init__(self, order_id: str, transactions: int, net_paid: object) -> None:
        super().__init__(
            f"order {order_id!r} has {transactions} money record(s) "
            f"({amount_text(net_paid)} held): it cannot be deleted; cancel it and refund what "
            "was paid"
        )
        self.order_id = order_id
        self.transactions = transactions
        self.net_paid = net_paid


class BelowPaid(PaymentError):
    """An edit that would bring the order's total below what was paid on it; nothing was
    saved. Refund the overpayment first, then edit."""

    def __init__(self, order_id: str, total: object, paid: object, overpayment: object) -> None:
        super().__init__(
            f"order {order_id!r} would total {amount_text(total)} but {amount_text(paid)} was "
            f"paid on it: refund {amount_text(overpayment)} first, then edit"
        )
        self.order_id = order_id
        self.total = total
        self.paid = paid
        self.overpayment = overpayment


class TransactionStateError(UnknownTransaction):
    """A transaction that exists but cannot be acted on that way: a capture of a failed
    authorization, a void of one already captured, a settlement of a payment that is not
    pending. ``state`` says what it is. (It is an :class:`UnknownTransaction` for callers
    written before it existed; that base goes in 0.3: catch this class.)"""

    def __init__(self, order_id: str, transaction_id: str, state: str) -> None:
        super().__init__(order_id, transaction_id, state)
        self.state = state


class AmountChanged(PaymentError):
    """The amount a payment would take is not the one the customer was shown; nothing was
    charged."""

    def __init__(self, order_id: str, shown: object, now: object) -> None:
        super().__init__(
            f"order {order_id!r}: {amount_text(shown)} was shown, {amount_text(now)} is to pay now"
        )
        self.order_id = order_id
        self.shown = shown
        self.now = now

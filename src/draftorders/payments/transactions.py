"""Transactions and what they add up to: paid, refunded, authorized, due, and the payment status.

A transaction records one money event on an order: an authorization, a capture, a sale, a void,
a refund, or a payment taken by hand. It is written once and never changed; everything else
(what was paid, what is due, whether the order is paid) is computed from the list, so the status
can never disagree with the amounts.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence

import attrs

from draftorders._validate import (
    aware_datetime,
    check_type,
    money_amount,
    non_empty_text,
    optional_key,
    plain_text,
    rows,
    sequence,
    text_field,
    whole_number,
)
from draftorders.errors import ValidationError
from draftorders.money import Money

__all__ = [
    "PaymentStatus",
    "PaymentSummary",
    "Transaction",
    "TransactionKind",
    "TransactionStatus",
    "capturable",
    "refund_reason",
    "refundable",
    "restock_pairs",
    "summarize",
]


class TransactionKind(enum.Enum):
    """What a transaction did."""

    AUTHORIZATION = "authorization"
    """Money reserved on the customer's method, not taken yet."""
    CAPTURE = "capture"
    """Money taken from an authorization."""
    SALE = "sale"
    """Money taken in one step."""
    VOID = "void"
    """An authorization released."""
    REFUND = "refund"
    """Money given back."""
    MANUAL = "manual"
    """A payment taken outside the gateway (cash, check, bank transfer) and recorded by hand."""
    DISPUTE = "dispute"
    """Money taken back by the customer's bank (a chargeback), as the gateway reported it."""


class TransactionStatus(enum.Enum):
    """How it went."""

    SUCCESS = "success"
    FAILURE = "failure"
    """Declined: recorded, but no money moved."""
    PENDING = "pending"
    """Accepted by the gateway, not settled: not counted as paid."""


_MONEY_IN = frozenset({TransactionKind.CAPTURE, TransactionKind.SALE, TransactionKind.MANUAL})


def refund_reason(_: object, attribute: attrs.Attribute[str | None], value: object) -> None:
    """A validator: None, or text of 1 to 1000 characters (why money went back)."""
    if value is None:
        return
    if not isinstance(value, str) or not value.strip() or len(value) > 1000:
        raise ValidationError(
            attribute.name, f"expected text of 1 to 1000 characters or None, got {value!r}"
        )
    plain_text(value, attribute.name)


def restock_pairs(value: object) -> tuple[tuple[str, int], ...]:
    """A converter: (line id, units >= 1) pairs as a tuple of tuples."""
    given = tuple(tuple(p) if isinstance(p, list) else p for p in sequence(value, "restock"))
    pairs = []
    for line_id, count in rows(given, "restock", 2, "(line id, units >= 1)"):
        if not isinstance(line_id, str) or not line_id:
            raise ValidationError("restock", f"expected a line id, got {line_id!r}")
        pairs.append((plain_text(line_id, "restock"), whole_number(count, "restock", minimum=1)))
    return tuple(pairs)


@attrs.frozen
class Transaction:
    """One money event on an order, as recorded. ``parent_id`` links a capture, void or refund
    to the transaction it acts on; ``restock`` lists (line id, quantity) returned to stock."""

    id: str = attrs.field(validator=non_empty_text)
    order_id: str = attrs.field(validator=non_empty_text)
    kind: TransactionKind = attrs.field(validator=check_type(TransactionKind))
    status: TransactionStatus = attrs.field(validator=check_type(TransactionStatus))
    amount: Money = attrs.field(validator=money_amount)
    created_at: dt.datetime = attrs.field(validator=aware_datetime)
    gateway: str = attrs.field(validator=non_empty_text)
    """The gateway's name, or ``"manual"``."""
    reference: str | None = attrs.field(default=None, validator=optional_key)
    """The gateway's reference, or the check number / transfer reference of a manual payment."""
    idempotency_key: str | None = attrs.field(default=None, validator=optional_key)
    parent_id: str | None = attrs.field(default=None, validator=optional_key)
    method: str | None = attrs.field(default=None, validator=optional_key)
    """How it was paid, as shown: ``"Visa •••• 4242"``, ``"cash"``."""
    code: str | None = attrs.field(default=None, validator=optional_key)
    """The gateway's decline code, for a failure."""
    message: str = attrs.field(default="", validator=text_field)
    reason: str | None = attrs.field(default=None, validator=refund_reason)
    """Why, for a refund."""
    restock: tuple[tuple[str, int], ...] = attrs.field(default=(), converter=restock_pairs)

    @property
    def succeeded(self) -> bool:
        """True if the transaction did what it was asked."""
        return self.status is TransactionStatus.SUCCESS


class PaymentStatus(enum.Enum):
    """An order's payment status, derived from its total and transactions."""

    UNPAID = "unpaid"
    PENDING = "pending"
    """A payment is on its way (pending at the gateway), nothing settled yet."""
    AUTHORIZED = "authorized"
    """Money is reserved, not captured."""
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"
    DISPUTED = "disputed"
    """The customer's bank took money back (a chargeback)."""


@attrs.frozen
class PaymentSummary:
    """An order's money position: ``due = total - paid`` (never below zero: a refund gives
    money back for goods returned or a goodwill gesture, it does not make money due again);
    ``net_paid = paid - refunded - disputed`` is what the shop keeps; ``overpaid`` holds the
    excess of ``net_paid`` over the total (when the total fell after a payment)."""

    total: Money
    paid: Money
    refunded: Money
    authorized: Money
    pending: Money
    status: PaymentStatus
    disputed: Money = attrs.field(default=attrs.Factory(lambda s: s.total * 0, takes_self=True))
    """Taken back by the customer's bank (chargebacks)."""

    @property
    def net_paid(self) -> Money:
        """What the shop holds: paid less refunded and disputed."""
        return self.paid - self.refunded - self.disputed

    @property
    def due(self) -> Money:
        """What is left to pay."""
        left = self.total - self.paid
        return left if left.amount > 0 else left * 0

    @property
    def outstanding(self) -> Money:
        """What is left to ask for: due, less what is authorized or pending (which will be paid
        when captured or settled)."""
        left = self.due - self.authorized - self.pending
        return left if left.amount > 0 else left * 0

    @property
    def overpaid(self) -> Money:
        """What was paid beyond the total (when the total fell after payment)."""
        over = self.net_paid - self.total
        return over if over.amount > 0 else over * 0


def _children(transactions: Sequence[Transaction], parent: Transaction) -> list[Transaction]:
    return [t for t in transactions if t.parent_id == parent.id and t.succeeded]


def capturable(authorization: Transaction, transactions: Sequence[Transaction]) -> Money:
    """What can still be captured of a successful authorization (nothing once voided)."""
    if authorization.kind is not TransactionKind.AUTHORIZATION or not authorization.succeeded:
        return authorization.amount * 0
    children = _children(transactions, authorization)
    if any(t.kind is TransactionKind.VOID for t in children):
        return authorization.amount * 0
    captured = sum(
        (t.amount for t in children if t.kind is TransactionKind.CAPTURE), authorization.amount * 0
    )
    return authorization.amount - captured


def refundable(payment: Transaction, transactions: Sequence[Transaction]) -> Money:
    """What can still be refunded of a successful capture, sale or manual payment."""
    if payment.kind not in _MONEY_IN or not payment.succeeded:
        return payment.amount * 0
    back = (TransactionKind.REFUND, TransactionKind.DISPUTE)
    refunds = [t for t in _children(transactions, payment) if t.kind in back]
    return payment.amount - sum((t.amount for t in refunds), payment.amount * 0)


def summarize(total: Money, transactions: Sequence[Transaction]) -> PaymentSummary:
    """The money position of an order with this ``total`` and these transactions."""
    zero = total * 0
    paid = sum((t.amount for t in transactions if t.kind in _MONEY_IN and t.succeeded), zero)
    refunded = sum(
        (t.amount for t in transactions if t.kind is TransactionKind.REFUND and t.succeeded), zero
    )
    disputed = sum(
        (t.amount for t in transactions if t.kind is TransactionKind.DISPUTE and t.succeeded), zero
    )
    authorized = sum(
        (
            capturable(t, transactions)
            for t in transactions
            if t.kind is TransactionKind.AUTHORIZATION
        ),
        zero,
    )
    settled = {t.parent_id for t in transactions if t.parent_id is not None}
    pending = sum(
        (
            t.amount
            for t in transactions
            if t.status is TransactionStatus.PENDING and t.id not in settled
        ),
        zero,
    )
    net = paid - refunded - disputed
    if disputed.amount:
        status = PaymentStatus.DISPUTED
    elif refunded.amount and not net.amount:
        status = PaymentStatus.REFUNDED
    elif refunded.amount:
        status = PaymentStatus.PARTIALLY_REFUNDED
    elif net >= total:
        status = PaymentStatus.PAID
    elif net.amount:
        status = PaymentStatus.PARTIALLY_PAID
    elif authorized.amount:
        status = PaymentStatus.AUTHORIZED
    elif pending.amount:
        status = PaymentStatus.PENDING
    else:
        status = PaymentStatus.UNPAID
    return PaymentSummary(total, paid, refunded, authorized, pending, status, disputed)

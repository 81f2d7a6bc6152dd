"""Payment claims: money about to move, written down before the gateway is asked.

A claim is the durable half of "money moves exactly once". The cashier writes it under the
order's row lock before calling the gateway, so every other process sees a payment in flight;
the gateway's answer is recorded against it (a :class:`~draftorders.payments.Transaction`)
whatever else changed meanwhile; and a claim left open by a crash is settled by asking the
gateway again with the claim's idempotency key. A claim holds what that second asking needs:
the token or the parent payment's reference, the amount and the key.
"""

from __future__ import annotations

import datetime as dt
import enum

import attrs

from draftorders._validate import (
    aware_datetime,
    check_type,
    instances,
    money_amount,
    non_empty_text,
    optional_aware_datetime,
    optional_key,
)
from draftorders.errors import ValidationError
from draftorders.money import Money
from draftorders.order import DraftOrder
from draftorders.payments.gateway import Outcome
from draftorders.payments.transactions import TransactionKind, refund_reason, restock_pairs

__all__ = ["ClaimState", "PaymentClaim"]


class ClaimState(enum.Enum):
    """Where a claim stands."""

    OPEN = "open"
    """The gateway is being asked, or was and its answer is not recorded yet."""
    RECORDED = "recorded"
    """The gateway's answer is recorded as a transaction."""


def _codes(value: object) -> tuple[str, ...]:
    codes = instances(value, str, "promotions")
    if not all(codes):
        raise ValidationError("promotions", f"expected promotion ids, got {value!r}")
    return codes


@attrs.frozen
class PaymentClaim:
    """A money call on an order, claimed before the gateway is asked.

    ``completes`` is the order as it completes if this payment leaves nothing due (priced at
    ``total``); ``promotions`` are the uses this claim counted against usage limits and
    ``holds_stock`` whether it set stock aside: both are given back if the payment fails.
    """

    id: str = attrs.field(validator=non_empty_text)
    order_id: str = attrs.field(validator=non_empty_text)
    kind: TransactionKind = attrs.field(validator=check_type(TransactionKind))
    amount: Money = attrs.field(validator=money_amount)
    idempotency_key: str = attrs.field(validator=[non_empty_text, optional_key])
    created_at: dt.datetime = attrs.field(validator=aware_datetime)
    gateway: str = attrs.field(validator=non_empty_text)
    """The gateway's name, or ``"manual"``."""
    token: str | None = attrs.field(default=None, validator=optional_key, repr=False)
    """For a sale or an authorization: the gateway token charged."""
    reference: str | None = attrs.field(default=None, validator=optional_key)
    """For a capture, void or refund: the gateway's reference of the payment it acts on."""
    parent_id: str | None = attrs.field(default=None, validator=optional_key)
    method: str | None = attrs.field(default=None, validator=optional_key)
    reason: str | None = attrs.field(default=None, validator=refund_reason)
    restock: tuple[tuple[str, int], ...] = attrs.field(default=(), converter=restock_pairs)
    order_version: int | None = None
    """The order's version when the claim was made (a call leaves the order alone while its
    claim is open; the completion below applies only to that version)."""
    completes: DraftOrder | None = attrs.field(
        default=None, validator=attrs.validators.optional(check_type(DraftOrder))
    )
    """The order as it is saved, completed, if this payment leaves nothing due."""
    if_pending: DraftOrder | None = attrs.field(
        default=None, validator=attrs.validators.optional(check_type(DraftOrder))
    )
    """The order as it is saved (the customer's checkout choices kept) if the payment is
    pending at the gateway."""
    total: Money | None = None
    """What payments are counted against at the time of the claim."""
    promotions: tuple[str, ...] = attrs.field(default=(), converter=_codes)
    customer_id: str | None = attrs.field(default=None, validator=optional_key)
    holds_stock: bool = attrs.field(default=False, validator=check_type(bool))
    outcome: Outcome | None = attrs.field(
        default=None, validator=attrs.validators.optional(check_type(Outcome))
    )
    """The answer when no gateway is asked (money taken by hand, a notice applied)."""
    notice: str | None = attrs.field(default=None, validator=optional_key)
    """The gateway notice this claim applies, remembered when it is recorded."""
    state: ClaimState = attrs.field(default=ClaimState.OPEN, validator=check_type(ClaimState))
    interrupted: str | None = None
    """Why the last asking failed (the gateway raised or timed out): nobody is asking now."""
    transaction_id: str | None = attrs.field(default=None, validator=optional_key)
    """The transaction recorded for it, once recorded."""
    recorded_at: dt.datetime | None = attrs.field(default=None, validator=optional_aware_datetime)

    @property
    def is_open(self) -> bool:
        """True while the gateway's answer is not recorded."""
        return self.state is ClaimState.OPEN

    def interrupt(self, error: BaseException) -> PaymentClaim:
        """The claim after its asking failed with ``error`` (left open for reconcile)."""
        return attrs.evolve(self, interrupted=repr(error)[:500])

    def recorded(self, transaction_id: str, at: dt.datetime) -> PaymentClaim:
        """The claim once its answer is recorded as ``transaction_id``."""
        return attrs.evolve(
            self, state=ClaimState.RECORDED, transaction_id=transaction_id, recorded_at=at
        )

"""The payment gateway port: authorize, capture, sale, void and refund, each idempotent.

Every call carries an idempotency key: the gateway must answer a repeated key with the first
answer and never move money twice, and must refuse a key reused for a different request. A
declined payment is a result (:attr:`Outcome.DECLINED`), not an exception; an exception or a
timeout means the outcome is unknown, and the caller retries with the same key.
"""

from __future__ import annotations

import enum
from typing import Protocol

import attrs

from draftorders.money import Money

__all__ = ["GatewayResult", "Outcome", "PaymentGateway"]


class Outcome(enum.Enum):
    """What the gateway said."""

    APPROVED = "approved"
    DECLINED = "declined"
    PENDING = "pending"
    """Accepted but not settled yet (a bank transfer, a 3-D Secure challenge)."""


@attrs.frozen
class GatewayResult:
    """The gateway's answer: the outcome, the amount it concerns, and its reference.

    ``reference`` identifies the payment at the gateway (captures, voids and refunds name it);
    ``code`` is the gateway's decline code (``"card_declined"``), ``message`` its words.
    """

    outcome: Outcome
    amount: Money
    reference: str | None = None
    code: str | None = None
    message: str = ""

    @property
    def approved(self) -> bool:
        """True when money moved (or was reserved, for an authorization)."""
        return self.outcome is Outcome.APPROVED


class PaymentGateway(Protocol):
    """What the library needs from a payment provider. ``name`` is recorded on transactions."""

    @property
    def name(self) -> str:
        """A short name for the gateway, e.g. ``"stripe"``."""
        ...

    def authorize(self, token: str, amount: Money, *, idempotency_key: str) -> GatewayResult:
        """Reserve ``amount`` on the method ``token`` stands for."""
        ...

    def capture(self, reference: str, amount: Money, *, idempotency_key: str) -> GatewayResult:
        """Take (part of) an authorization."""
        ...

    def sale(self, token: str, amount: Money, *, idempotency_key: str) -> GatewayResult:
        """Authorize and capture in one step."""
        ...

    def void(self, reference: str, *, idempotency_key: str) -> GatewayResult:
        """Release an authorization that was not captured."""
        ...

    def refund(self, reference: str, amount: Money, *, idempotency_key: str) -> GatewayResult:
        """Give back (part of) a captured payment."""
        ...

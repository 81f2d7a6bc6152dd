"""A fake payment gateway for tests, examples and notebooks, with well-known test tokens.

=============================  =============================================
token                          outcome
=============================  =============================================
``tok_visa``, ``tok_mastercard``, ``tok_amex``   approved
``tok_chargeDeclined``         declined, ``card_declined``
``tok_insufficientFunds``      declined, ``insufficient_funds``
``tok_expiredCard``            declined, ``expired_card``
``tok_pending``                pending (settles later, like a bank transfer)
``tok_gatewayError``           the call raises ``ConnectionError`` (nothing happened)
``tok_timeout``                the charge goes through, then ``TimeoutError`` (answer lost)
=============================  =============================================

Any other token is declined with ``invalid_token``. :meth:`FakeGateway.fail_next` makes the
next calls fail, before or after the gateway acted, to rehearse retries. Like a real gateway it
remembers idempotency keys: a repeated key gets the first answer, a key reused for another
request raises :class:`~draftorders.errors.IdempotencyConflict`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import attrs

from draftorders.errors import IdempotencyConflict
from draftorders.money import Money
from draftorders.payments.gateway import GatewayResult, Outcome

__all__ = ["TEST_TOKENS", "FakeGateway"]

_APPROVE = (Outcome.APPROVED, None, "approved")
TEST_TOKENS: dict[str, tuple[Outcome, str | None, str]] = {
    "tok_visa": _APPROVE,
    "tok_mastercard": _APPROVE,
    "tok_amex": _APPROVE,
    "tok_chargeDeclined": (Outcome.DECLINED, "card_declined", "Your card was declined."),
    "tok_insufficientFunds": (
        Outcome.DECLINED,
        "insufficient_funds",
        "Your card has insufficient funds.",
    ),
    "tok_expiredCard": (Outcome.DECLINED, "expired_card", "Your card has expired."),
    "tok_pending": (Outcome.PENDING, None, "pending"),
}
"""Tokens with a fixed outcome; ``tok_gatewayError`` and ``tok_timeout`` raise instead."""


@attrs.define
class _Payment:
    token: str
    authorized: Money
    captured: Money
    refunded: Money
    voided: bool = False


@attrs.frozen
class _Failure:
    error: BaseException
    after_processing: bool


class FakeGateway:
    """An in-memory gateway: it keeps payments, the money it moved, and idempotency keys."""

    name = "fake"

    def __init__(self, *, delay: float = 0.0) -> None:
        self.delay = delay
        """Seconds each call waits before acting, to rehearse slow gateways and races."""
        self.calls = 0
        """Calls received, answered or not."""
        self.movements: list[tuple[str, str, Money]] = []
        """Money that moved: (``"capture"`` or ``"refund"``, reference, amount), in order."""
        self._payments: dict[str, _Payment] = {}
        self._keys: dict[str, tuple[tuple[object, ...], GatewayResult]] = {}
        self._failures: list[_Failure] = []
        self._lock = threading.Lock()

    def fail_next(
        self, error: BaseException | None = None, *, after_processing: bool = False, times: int = 1
    ) -> None:
        """Make the next ``times`` calls raise ``error`` (a ``ConnectionError`` by default):
        before acting, or after acting with the answer lost (``after_processing=True``)."""
        failure = _Failure(
            error or ConnectionError("fake gateway: connection reset"), after_processing
        )
        with self._lock:
            self._failures.extend([failure] * times)

    # -- the port -------------------------------------------------------------------------------

    def authorize(self, token: str, amount: Money, *, idempotency_key: str) -> GatewayResult:
        """Reserve ``amount`` on ``token``."""
        return self._call(
            ("authorize", token, amount),
            idempotency_key,
            lambda: self._charge(token, amount, capture=False),
        )

    def sale(self, token: str, amount: Money, *, idempotency_key: str) -> GatewayResult:
        """Charge ``amount`` to ``token``."""
        return self._call(
            ("sale", token, amount),
            idempotency_key,
            lambda: self._charge(token, amount, capture=True),
        )

    def capture(self, reference: str, amount: Money, *, idempotency_key: str) -> GatewayResult:
        """Capture ``amount`` of the authorization ``reference``."""
        return self._call(
            ("capture", reference, amount),
            idempotency_key,
            lambda: self._capture(reference, amount),
        )

    def void(self, reference: str, *, idempotency_key: str) -> GatewayResult:
        """Release the authorization ``reference``."""
        return self._call(("void", reference), idempotency_key, lambda: self._void(reference))

    def refund(self, reference: str, amount: Money, *, idempotency_key: str) -> GatewayResult:
        """Refund ``amount`` of the captured payment ``reference``."""
        return self._call(
            ("refund", reference, amount), idempotency_key, lambda: self._refund(reference, amount)
        )

    # -- what tests read -----------------------------------------------------------------------

    def captured_total(self, currency: str) -> Money:
        """All money captured, less nothing: what the customer was charged in all."""
        return sum((m for op, _, m in self.movements if op == "capture"), Money(0, currency))

    def refunded_total(self, currency: str) -> Money:
        """All money refunded."""
        return sum((m for op, _, m in self.movements if op == "refund"), Money(0, currency))

    # -- the workings --------------------------------------------------------------------------

    def _call(
        self, request: tuple[object, ...], key: str, act: Callable[[], GatewayResult]
    ) -> GatewayResult:
        if self.delay:
            time.sleep(self.delay)
        with self._lock:
            self.calls += 1
            failure = self._failures.pop(0) if self._failures else None
            if failure is not None and not failure.after_processing:
                raise failure.error
            known = self._keys.get(key)
            if known is not None:
                if known[0] != request:
                    raise IdempotencyConflict(key, f"first {known[0]!r}, now {request!r}")
                result = known[1]
            else:
                token = request[1] if request[0] in ("authorize", "sale") else None
                if token == "tok_gatewayError":
                    raise ConnectionError("fake gateway: tok_gatewayError")
                result = act()
                self._keys[key] = (request, result)
                if token == "tok_timeout":
                    raise TimeoutError("fake gateway: tok_timeout (the charge went through)")
            if failure is not None:
                raise failure.error
            return result

    def _charge(self, token: str, amount: Money, *, capture: bool) -> GatewayResult:
        outcome, code, message = TEST_TOKENS.get(
            token,
            _APPROVE
            if token == "tok_timeout"
            else (Outcome.DECLINED, "invalid_token", "Unknown payment token."),
        )
        if outcome is Outcome.DECLINED:
            return GatewayResult(outcome, amount, None, code, message)
        reference = f"fake_{len(self._payments) + 1:06d}"
        zero = amount * 0
        captured = amount if capture and outcome is Outcome.APPROVED else zero
        self._payments[reference] = _Payment(token, amount, captured, zero)
        if captured:
            self.movements.append(("capture", reference, amount))
        return GatewayResult(outcome, amount, reference, code, message)

    def _capture(self, reference: str, amount: Money) -> GatewayResult:
        payment = self._payments.get(reference)
        if payment is None or payment.voided:
            return GatewayResult(
                Outcome.DECLINED, amount, reference, "no_authorization", "Nothing to capture."
            )
        if amount > payment.authorized - payment.captured:
            return GatewayResult(
                Outcome.DECLINED, amount, reference, "amount_too_large", "More than authorized."
            )
        payment.captured += amount
        self.movements.append(("capture", reference, amount))
        return GatewayResult(Outcome.APPROVED, amount, reference, None, "captured")

    def _void(self, reference: str) -> GatewayResult:
        payment = self._payments.get(reference)
        if payment is None or payment.captured or payment.voided:
            zero = payment.authorized * 0 if payment else Money(0, "USD")
            return GatewayResult(Outcome.DECLINED, zero, reference, "not_voidable", "Cannot void.")
        payment.voided = True
        return GatewayResult(Outcome.APPROVED, payment.authorized, reference, None, "voided")

    def _refund(self, reference: str, amount: Money) -> GatewayResult:
        payment = self._payments.get(reference)
        if payment is None or amount > payment.captured - payment.refunded:
            return GatewayResult(
                Outcome.DECLINED, amount, reference, "amount_too_large", "More than captured."
            )
        payment.refunded += amount
        self.movements.append(("refund", reference, amount))
        return GatewayResult(Outcome.APPROVED, amount, reference, None, "refunded")

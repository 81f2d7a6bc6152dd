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

What the gateway knows (payments, keys, money moved) is kept in a :class:`GatewayLedger`: in
memory by default, or in a database shared by several processes
(``draftorders.storage.sql.SqlGatewayLedger``), so that a shop running as several workers,
or a test of one, talks to one gateway as it would in production.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any, Protocol

import attrs

from draftorders.errors import IdempotencyConflict
from draftorders.money import Money
from draftorders.payments.gateway import GatewayResult, Outcome

__all__ = ["TEST_TOKENS", "FakeGateway", "GatewayLedger", "InMemoryLedger", "LedgerState"]

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


@attrs.define
class LedgerState:
    """Everything the fake gateway knows: its payments by reference, the answer given to each
    idempotency key, the money it moved, and how many calls it received."""

    payments: dict[str, _Payment] = attrs.Factory(dict)
    keys: dict[str, tuple[tuple[object, ...], GatewayResult]] = attrs.Factory(dict)
    movements: list[tuple[str, str, Money]] = attrs.Factory(list)
    calls: int = 0

    def to_json(self) -> str:
        """The state as JSON text (amounts as strings), for a ledger that stores it."""
        return json.dumps(
            {
                "payments": {
                    ref: [
                        p.token,
                        _money(p.authorized),
                        _money(p.captured),
                        _money(p.refunded),
                        p.voided,
                    ]
                    for ref, p in self.payments.items()
                },
                "keys": {
                    key: [[_plain(item) for item in request], _result(result)]
                    for key, (request, result) in self.keys.items()
                },
                "movements": [[op, ref, _money(amount)] for op, ref, amount in self.movements],
                "calls": self.calls,
            },
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> LedgerState:
        """The state written by :meth:`to_json`."""
        data = json.loads(text)
        return cls(
            payments={
                ref: _Payment(token, _read(a), _read(c), _read(r), voided)
                for ref, (token, a, c, r, voided) in data["payments"].items()
            },
            keys={
                key: (tuple(_unplain(item) for item in request), _read_result(result))
                for key, (request, result) in data["keys"].items()
            },
            movements=[(op, ref, _read(amount)) for op, ref, amount in data["movements"]],
            calls=data["calls"],
        )


def _money(amount: Money) -> list[str]:
    return [str(amount.amount), amount.currency.code]


def _read(value: list[str]) -> Money:
    return Money(Decimal(value[0]), value[1])


def _plain(item: object) -> object:
    return {"money": _money(item)} if isinstance(item, Money) else item


def _unplain(item: Any) -> object:
    return _read(item["money"]) if isinstance(item, dict) else item


def _result(result: GatewayResult) -> list[object]:
    return [
        result.outcome.value,
        _money(result.amount),
        result.reference,
        result.code,
        result.message,
    ]


def _read_result(value: list[Any]) -> GatewayResult:
    outcome, amount, reference, code, message = value
    return GatewayResult(Outcome(outcome), _read(amount), reference, code, message)


class GatewayLedger(Protocol):
    """Where a :class:`FakeGateway` keeps what it knows; ``state()`` gives it alone access
    (across every process sharing the ledger) and saves the state when the block ends."""

    def state(self) -> contextlib.AbstractContextManager[LedgerState]:
        """The state, held exclusively until the block ends, then saved."""
        ...


class InMemoryLedger:
    """The default ledger: the state in this process, behind a lock."""

    def __init__(self) -> None:
        self._state = LedgerState()
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def state(self) -> Iterator[LedgerState]:
        """The state, held under the lock."""
        with self._lock:
            yield self._state


@attrs.frozen
class _Failure:
    error: BaseException
    after_processing: bool


class FakeGateway:
    """A gateway for tests, examples and notebooks: it keeps payments, the money it moved, and
    idempotency keys in its ``ledger`` (this process's memory unless given)."""

    name = "fake"

    def __init__(self, *, delay: float = 0.0, ledger: GatewayLedger | None = None) -> None:
        self.delay = delay
        """Seconds each call waits before acting, to rehearse slow gateways and races."""
        self.ledger: GatewayLedger = ledger if ledger is not None else InMemoryLedger()
        self._failures: list[_Failure] = []
        self._lock = threading.Lock()

    def fail_next(
        self, error: BaseException | None = None, *, after_processing: bool = False, times: int = 1
    ) -> None:
        """Make this process's next ``times`` calls raise ``error`` (a ``ConnectionError`` by
        default): before acting, or after acting with the answer lost
        (``after_processing=True``)."""
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
            lambda state: self._charge(state, token, amount, capture=False),
        )

    def sale(self, token: str, amount: Money, *, idempotency_key: str) -> GatewayResult:
        """Charge ``amount`` to ``token``."""
        return self._call(
            ("sale", token, amount),
            idempotency_key,
            lambda state: self._charge(state, token, amount, capture=True),
        )

    def capture(self, reference: str, amount: Money, *, idempotency_key: str) -> GatewayResult:
        """Capture ``amount`` of the authorization ``reference``."""
        return self._call(
            ("capture", reference, amount),
            idempotency_key,
            lambda state: self._capture(state, reference, amount),
        )

    def void(self, reference: str, *, idempotency_key: str) -> GatewayResult:
        """Release the authorization ``reference``."""
        return self._call(
            ("void", reference), idempotency_key, lambda state: self._void(state, reference)
        )

    def refund(self, reference: str, amount: Money, *, idempotency_key: str) -> GatewayResult:
        """Refund ``amount`` of the captured payment ``reference``."""
        return self._call(
            ("refund", reference, amount),
            idempotency_key,
            lambda state: self._refund(state, reference, amount),
        )

    # -- what tests read -----------------------------------------------------------------------

    @property
    def calls(self) -> int:
        """Calls received, answered or not (by every process sharing the ledger)."""
        with self.ledger.state() as state:
            return state.calls

    @property
    def movements(self) -> list[tuple[str, str, Money]]:
        """Money that moved: (``"capture"`` or ``"refund"``, reference, amount), in order."""
        with self.ledger.state() as state:
            return list(state.movements)

    def captured_total(self, currency: str) -> Money:
        """All money captured: what customers were charged in all."""
        return sum((m for op, _, m in self.movements if op == "capture"), Money(0, currency))

    def refunded_total(self, currency: str) -> Money:
        """All money refunded."""
        return sum((m for op, _, m in self.movements if op == "refund"), Money(0, currency))

    # -- the workings --------------------------------------------------------------------------

    def _call(
        self,
        request: tuple[object, ...],
        key: str,
        act: Callable[[LedgerState], GatewayResult],
    ) -> GatewayResult:
        if self.delay:
            time.sleep(self.delay)
        with self._lock:
            failure = self._failures.pop(0) if self._failures else None
        before = failure is not None and not failure.after_processing
        with self.ledger.state() as state:
            state.calls += 1
            if not before:
                result, lost = self._answer(state, request, key, act)
        # raised once the ledger is saved: what the gateway did stays done
        if failure is not None:
            raise failure.error
        if lost is not None:
            raise lost
        return result

    @staticmethod
    def _answer(
        state: LedgerState,
        request: tuple[object, ...],
        key: str,
        act: Callable[[LedgerState], GatewayResult],
    ) -> tuple[GatewayResult, BaseException | None]:
        """The answer to ``request`` under ``key``, and the error its caller gets instead
        (the test tokens that fail) if any."""
        known = state.keys.get(key)
        if known is not None:
            if known[0] != request:
                raise IdempotencyConflict(key, f"first {known[0]!r}, now {request!r}")
            return known[1], None
        token = request[1] if request[0] in ("authorize", "sale") else None
        if token == "tok_gatewayError":  # nothing happened, nothing remembered
            no_answer = GatewayResult(Outcome.DECLINED, Money(0, "USD"))
            return no_answer, ConnectionError("fake gateway: tok_gatewayError")
        result = act(state)
        state.keys[key] = (request, result)
        if token == "tok_timeout":
            return result, TimeoutError("fake gateway: tok_timeout (the charge went through)")
        return result, None

    @staticmethod
    def _charge(state: LedgerState, token: str, amount: Money, *, capture: bool) -> GatewayResult:
        outcome, code, message = TEST_TOKENS.get(
            token,
            _APPROVE
            if token == "tok_timeout"
            else (Outcome.DECLINED, "invalid_token", "Unknown payment token."),
        )
        if outcome is Outcome.DECLINED:
            return GatewayResult(outcome, amount, None, code, message)
        reference = f"fake_{len(state.payments) + 1:06d}"
        zero = amount * 0
        captured = amount if capture and outcome is Outcome.APPROVED else zero
        state.payments[reference] = _Payment(token, amount, captured, zero)
        if captured:
            state.movements.append(("capture", reference, amount))
        return GatewayResult(outcome, amount, reference, code, message)

    @staticmethod
    def _capture(state: LedgerState, reference: str, amount: Money) -> GatewayResult:
        payment = state.payments.get(reference)
        if payment is None or payment.voided:
            return GatewayResult(
                Outcome.DECLINED, amount, reference, "no_authorization", "Nothing to capture."
            )
        if amount > payment.authorized - payment.captured:
            return GatewayResult(
                Outcome.DECLINED, amount, reference, "amount_too_large", "More than authorized."
            )
        payment.captured += amount
        state.movements.append(("capture", reference, amount))
        return GatewayResult(Outcome.APPROVED, amount, reference, None, "captured")

    @staticmethod
    def _void(state: LedgerState, reference: str) -> GatewayResult:
        payment = state.payments.get(reference)
        if payment is None or payment.captured or payment.voided:
            zero = payment.authorized * 0 if payment else Money(0, "USD")
            return GatewayResult(Outcome.DECLINED, zero, reference, "not_voidable", "Cannot void.")
        payment.voided = True
        return GatewayResult(Outcome.APPROVED, payment.authorized, reference, None, "voided")

    @staticmethod
    def _refund(state: LedgerState, reference: str, amount: Money) -> GatewayResult:
        payment = state.payments.get(reference)
        if payment is None or amount > payment.captured - payment.refunded:
            return GatewayResult(
                Outcome.DECLINED, amount, reference, "amount_too_large", "More than captured."
            )
        payment.refunded += amount
        state.movements.append(("refund", reference, amount))
        return GatewayResult(Outcome.APPROVED, amount, reference, None, "refunded")

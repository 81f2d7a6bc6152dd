"""Stand-ins for the ports that checkout tests race against: a gateway that holds a sale in
flight for as long as the test needs, and a tax engine that lets another process act at the
moment a quote is asked."""

from __future__ import annotations

import threading
from collections.abc import Callable

from draftorders import FakeGateway, GatewayResult, Money
from draftorders.tax import TaxQuote, TaxRequest

__all__ = ["HeldGateway", "TaxEngine"]


class HeldGateway:
    """A FakeGateway whose sales wait, once started, until the test lets them go: a payment
    stays in flight (claimed, the gateway asked, no answer yet) for as long as the test needs."""

    def __init__(self) -> None:
        self.inner = FakeGateway()
        self.started = threading.Event()
        self.go = threading.Event()

    @property
    def name(self) -> str:
        return self.inner.name

    def sale(self, token: str, amount: Money, *, idempotency_key: str) -> GatewayResult:
        self.started.set()
        if not self.go.wait(timeout=30):
            raise TimeoutError("the test never let the sale go")
        return self.inner.sale(token, amount, idempotency_key=idempotency_key)

    def authorize(self, token: str, amount: Money, *, idempotency_key: str) -> GatewayResult:
        return self.inner.authorize(token, amount, idempotency_key=idempotency_key)

    def capture(self, reference: str, amount: Money, *, idempotency_key: str) -> GatewayResult:
        return self.inner.capture(reference, amount, idempotency_key=idempotency_key)

    def void(self, reference: str, *, idempotency_key: str) -> GatewayResult:
        return self.inner.void(reference, idempotency_key=idempotency_key)

    def refund(self, reference: str, amount: Money, *, idempotency_key: str) -> GatewayResult:
        return self.inner.refund(reference, amount, idempotency_key=idempotency_key)


class TaxEngine:
    """An external tax engine that charges no tax and, for each step queued, runs that step as
    it answers one quote: what another process does at that very moment."""

    def __init__(self) -> None:
        self.steps: list[Callable[[], object]] = []

    def quote(self, request: TaxRequest) -> TaxQuote:
        if self.steps:
            self.steps.pop(0)()
        return TaxQuote(lines={})

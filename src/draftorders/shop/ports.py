"""The ports a shop talks to: where its state lives, what time it is, how mail and money move,
and the external tax and carrier services. Each has a default that works with no set-up."""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from draftorders.clock import Clock, SystemClock
from draftorders.notifications import InMemoryMailer, Mailer
from draftorders.payments import FakeGateway, PaymentGateway
from draftorders.shipping import RateProvider
from draftorders.storage import InMemoryStore, Store
from draftorders.tax import TaxProvider

__all__ = ["Ports"]


def _providers(value: Iterable[RateProvider]) -> tuple[RateProvider, ...]:
    return tuple(value)


@attrs.frozen
class Ports:
    """The shop's adapters: a store (in memory by default; ``SqlStore`` for several processes
    or restarts), a clock, a mailer, a payment gateway, an optional tax engine and carrier
    rate services."""

    store: Store = attrs.field(factory=InMemoryStore)
    clock: Clock = attrs.field(factory=SystemClock)
    mailer: Mailer = attrs.field(factory=InMemoryMailer)
    gateway: PaymentGateway = attrs.field(factory=FakeGateway)
    tax_provider: TaxProvider | None = None
    """An external tax engine; without one, the pricing context's tax calculator is used."""
    rate_providers: tuple[RateProvider, ...] = attrs.field(default=(), converter=_providers)

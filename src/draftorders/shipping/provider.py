"""The port for carrier services: live rates next to the shop's own rate tables."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from draftorders.money import Money
from draftorders.order import DraftOrder
from draftorders.shipping.finder import RateOption
from draftorders.shipping.packages import Package

__all__ = ["RateProvider"]


class RateProvider(Protocol):
    """A carrier service that quotes rates; raising any exception is a failure, which the
    service turns into :class:`~draftorders.errors.ProviderError`."""

    def rates(
        self, order: DraftOrder, packages: Sequence[Package], subtotal: Money
    ) -> Sequence[RateOption]:
        """Options for shipping these packages of ``order`` (``subtotal`` after discounts)."""
        ...

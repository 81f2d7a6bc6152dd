"""The seam pricing asks for tax rates through; :mod:`draftorders.tax.flat` is the first one."""

from __future__ import annotations

from typing import Protocol

from draftorders.customers import Address
from draftorders.tax.rate import TaxRate

__all__ = ["TaxCalculator"]


class TaxCalculator(Protocol):
    """Says which rates apply; pricing does the arithmetic and the rounding.

    Rates are returned in the order they are charged (it matters for compound rates). An empty
    tuple means no tax. ``destination`` is where the goods go (None when unknown).
    """

    def line_rates(self, tax_category: str, destination: Address | None) -> tuple[TaxRate, ...]:
        """Rates for a taxable line of this tax category."""
        ...

    def shipping_rates(self, destination: Address | None) -> tuple[TaxRate, ...]:
        """Rates for the shipping charge."""
        ...

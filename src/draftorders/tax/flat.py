"""One flat rate for every taxable line, and optionally for shipping."""

from __future__ import annotations

import attrs

from draftorders._validate import check_type
from draftorders.customers import Address
from draftorders.tax.rate import TaxRate

__all__ = ["FlatRateTax"]


@attrs.frozen
class FlatRateTax:
    """The same rate everywhere: ``FlatRateTax(TaxRate.percent("8.25", "Sales tax"))``."""

    rate: TaxRate = attrs.field(validator=check_type(TaxRate))
    taxes_shipping: bool = attrs.field(default=False, validator=check_type(bool))

    def line_rates(self, tax_category: str, destination: Address | None) -> tuple[TaxRate, ...]:
        """The flat rate, whatever the category and destination."""
        return (self.rate,)

    def shipping_rates(self, destination: Address | None) -> tuple[TaxRate, ...]:
        """The flat rate if shipping is taxed, else none."""
        return (self.rate,) if self.taxes_shipping else ()

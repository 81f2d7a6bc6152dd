"""A tax rate as data: a name, an exact fraction, and whether it compounds."""

from __future__ import annotations

from decimal import Decimal

import attrs

from draftorders._validate import check_type, non_empty_text
from draftorders.errors import ValidationError
from draftorders.money import to_decimal

__all__ = ["TaxRate"]

_HUNDRED = Decimal(100)


def _fraction(value: object) -> Decimal:
    number = to_decimal(value, "tax_rate")
    if not 0 <= number <= 1:
        raise ValidationError(
            "tax_rate", f"{number} is not a fraction from 0 to 1; for 8.25% use TaxRate.percent"
        )
    return number


@attrs.frozen
class TaxRate:
    """A named rate. ``fraction`` is 0.0825 for 8.25%; build it with :meth:`percent`.

    A ``compound`` rate is charged on the base plus the rates listed before it.
    """

    name: str = attrs.field(validator=non_empty_text)
    fraction: Decimal = attrs.field(converter=_fraction)
    compound: bool = attrs.field(default=False, validator=check_type(bool))

    @classmethod
    def percent(cls, value: object, name: str | None = None, *, compound: bool = False) -> TaxRate:
        """A rate from a percentage: ``TaxRate.percent("8.25", "Sales tax")``."""
        pct = to_decimal(value, "tax_rate")
        return cls(name or f"Tax {pct}%", pct / _HUNDRED, compound)

    @property
    def percentage(self) -> Decimal:
        """The rate as a percentage, e.g. ``Decimal("8.25")``."""
        percent = self.fraction * _HUNDRED
        return (
            percent.quantize(1) if percent == percent.to_integral_value() else percent.normalize()
        )

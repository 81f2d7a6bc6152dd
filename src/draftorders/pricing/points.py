"""Loyalty points: earned by lines, redeemed as a credit at a fixed value per point."""

from __future__ import annotations

from decimal import Decimal

import attrs

from draftorders._validate import money_amount
from draftorders.errors import ValidationError
from draftorders.money import MinorUnits, Money, to_decimal

__all__ = ["PointsProgram"]


def _rate(value: object) -> Decimal:
    rate = to_decimal(value, "earn_rate")
    if rate < 0:
        raise ValidationError("earn_rate", f"{rate} must not be negative")
    return rate


def _positive_value(_: object, attribute: attrs.Attribute[Money], value: Money) -> None:
    if value.amount <= 0:
        raise ValidationError(attribute.name, f"a point must be worth more than 0, not {value!r}")


@attrs.frozen
class PointsProgram:
    """``earn_rate`` points per whole currency unit of a line's net (rounded down), and
    ``point_value`` of credit per point redeemed: ``PointsProgram("1", Money("0.01", "USD"))``
    earns 1 point per 1.00 and redeems 100 points for 1.00."""

    earn_rate: Decimal = attrs.field(converter=_rate)
    point_value: Money = attrs.field(validator=[money_amount, _positive_value])

    def earned(self, net: int, scale: MinorUnits) -> int:
        """Points earned by a line whose net is ``net`` minor units."""
        numerator, denominator = self.earn_rate.as_integer_ratio()
        return (net * numerator) // (denominator * int(10**scale.places))

    def redeem(self, points: int, due: int, scale: MinorUnits) -> tuple[int, int]:
        """(points used, credit) for offering ``points`` against ``due`` minor units.

        Only the points needed to cover what is due are used (rounded up to a whole point);
        the credit never exceeds what is due, and the rest of the points stay unspent.
        """
        value = scale.units(self.point_value.amount)
        room = max(due, 0)
        used = min(points, -(-room // value))
        return used, min(used * value, room)

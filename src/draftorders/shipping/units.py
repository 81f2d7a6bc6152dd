"""Exact unit conversions for shipping: weights to kilograms, lengths to centimetres.

Factors are the exact legal definitions (1 lb = 0.45359237 kg, 1 in = 2.54 cm); everything is
Decimal, nothing is rounded here.
"""

from __future__ import annotations

from decimal import Decimal

from draftorders.catalog import Dimensions, LengthUnit, Weight, WeightUnit

__all__ = ["CM_PER", "KG_PER", "dimensions_cm", "kilograms", "plain", "volume_cm3"]

_POUND = Decimal("0.45359237")

KG_PER = {
    WeightUnit.G: Decimal("0.001"),
    WeightUnit.KG: Decimal(1),
    WeightUnit.LB: _POUND,
    WeightUnit.OZ: _POUND / 16,
}
"""Kilograms in one of each weight unit."""

CM_PER = {LengthUnit.MM: Decimal("0.1"), LengthUnit.CM: Decimal(1), LengthUnit.IN: Decimal("2.54")}
"""Centimetres in one of each length unit."""


def plain(number: Decimal) -> Decimal:
    """``number`` without trailing zeros and never in exponent form (``10.0`` -> ``10``)."""
    normal = number.normalize()
    return normal.quantize(Decimal(1)) if normal == normal.to_integral_value() else normal


def kilograms(weight: Weight) -> Decimal:
    """The weight in kilograms, exactly."""
    return weight.value * KG_PER[weight.unit]


def dimensions_cm(dimensions: Dimensions) -> tuple[Decimal, Decimal, Decimal]:
    """Length, width and height in centimetres, largest first (so boxes compare by sorting)."""
    factor = CM_PER[dimensions.unit]
    sides = sorted(
        (dimensions.length * factor, dimensions.width * factor, dimensions.height * factor),
        reverse=True,
    )
    return sides[0], sides[1], sides[2]


def volume_cm3(dimensions: Dimensions) -> Decimal:
    """The volume in cubic centimetres."""
    length, width, height = dimensions_cm(dimensions)
    return length * width * height

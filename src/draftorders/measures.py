"""Physical measures of products: weight and package dimensions, as exact Decimals."""

from __future__ import annotations

import enum
from decimal import Decimal

import attrs

from draftorders.validate import check_type, exact_decimal, positive

__all__ = ["Dimensions", "LengthUnit", "Weight", "WeightUnit"]


class WeightUnit(enum.Enum):
    """Units a weight can be given in."""

    G = "g"
    KG = "kg"
    OZ = "oz"
    LB = "lb"


class LengthUnit(enum.Enum):
    """Units a package dimension can be given in."""

    MM = "mm"
    CM = "cm"
    IN = "in"


@attrs.frozen
class Weight:
    """A positive weight, e.g. ``Weight("0.35", WeightUnit.KG)``."""

    value: Decimal = attrs.field(converter=exact_decimal, validator=positive)
    unit: WeightUnit = attrs.field(validator=check_type(WeightUnit))


@attrs.frozen
class Dimensions:
    """Package length x width x height, all positive, in one unit."""

    length: Decimal = attrs.field(converter=exact_decimal, validator=positive)
    width: Decimal = attrs.field(converter=exact_decimal, validator=positive)
    height: Decimal = attrs.field(converter=exact_decimal, validator=positive)
    unit: LengthUnit = attrs.field(validator=check_type(LengthUnit))

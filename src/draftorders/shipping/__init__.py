"""Shipping: zones, rate tables, packages and dimensional weight, and finding rates."""

from draftorders.shipping.finder import RateOption, RateSearch, find_rates
from draftorders.shipping.packages import Box, Package, PackingError, pack
from draftorders.shipping.provider import RateProvider
from draftorders.shipping.rates import (
    BasePlusPerKg,
    Flat,
    PerItem,
    PriceBrackets,
    ShippingRate,
    WeightBrackets,
)
from draftorders.shipping.zones import ShippingZone, find_zone

__all__ = [
    "BasePlusPerKg",
    "Box",
    "Flat",
    "Package",
    "PackingError",
    "PerItem",
    "PriceBrackets",
    "RateOption",
    "RateProvider",
    "RateSearch",
    "ShippingRate",
    "ShippingZone",
    "WeightBrackets",
    "find_rates",
    "find_zone",
    "pack",
]

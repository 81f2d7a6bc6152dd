"""Shipping zones: where rates apply, matched like tax jurisdictions (most specific wins)."""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from draftorders._validate import non_empty_text
from draftorders.customers import Address
from draftorders.errors import ValidationError
from draftorders.places import Area, most_specific, normal_country
from draftorders.shipping.rates import ShippingRate

__all__ = ["ShippingZone", "find_zone"]


def _countries(value: Iterable[str]) -> frozenset[str]:
    if isinstance(value, str):
        raise ValidationError("countries", f"expected a collection of codes, got {value!r}")
    return frozenset(normal_country(code) for code in value)


def _regions(value: Iterable[str]) -> frozenset[str]:
    if isinstance(value, str):
        raise ValidationError("regions", f"expected a collection of codes, got {value!r}")
    return frozenset(code.upper() for code in value)


def _rates(value: Iterable[ShippingRate]) -> tuple[ShippingRate, ...]:
    rates = tuple(value)
    for rate in rates:
        if not isinstance(rate, ShippingRate):
            raise ValidationError("rates", f"expected ShippingRate, got {rate!r}")
    if len({rate.method for rate in rates}) != len(rates):
        raise ValidationError("rates", "two rates of one zone have the same method")
    return rates


@attrs.frozen
class ShippingZone:
    """Countries, optionally narrowed to regions and postal codes, and the rates there."""

    name: str = attrs.field(validator=non_empty_text)
    countries: frozenset[str] = attrs.field(converter=_countries)
    rates: tuple[ShippingRate, ...] = attrs.field(converter=_rates)
    regions: frozenset[str] = attrs.field(default=frozenset(), converter=_regions)
    postal_codes: tuple[str, ...] = attrs.field(default=(), converter=tuple)

    @property
    def area(self) -> Area:
        """Where the zone applies."""
        return Area(self.countries, self.regions, self.postal_codes)


def find_zone(zones: Iterable[ShippingZone], address: Address) -> ShippingZone | None:
    """The most specific zone the address lies in (the first listed on a tie), or None."""
    return most_specific(zones, address)

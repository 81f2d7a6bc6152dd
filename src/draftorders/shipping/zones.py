"""Shipping zones: where rates apply, matched like tax jurisdictions (most specific wins)."""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from draftorders.customers import Address, normal_country, postal_code_matches
from draftorders.errors import ValidationError
from draftorders.shipping.rates import ShippingRate
from draftorders.validate import non_empty_text

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
    def specificity(self) -> int:
        """2 with postal codes, 1 with regions, 0 for whole countries."""
        return 2 if self.postal_codes else 1 if self.regions else 0

    def matches(self, address: Address) -> bool:
        """True if the address lies in the zone."""
        if address.country not in self.countries:
            return False
        if self.regions and (address.region or "").upper() not in self.regions:
            return False
        if self.postal_codes:
            code = address.postal_code
            return code is not None and any(postal_code_matches(p, code) for p in self.postal_codes)
        return True


def find_zone(zones: Iterable[ShippingZone], address: Address) -> ShippingZone | None:
    """The most specific zone the address lies in (the first listed on a tie), or None."""
    best: ShippingZone | None = None
    for zone in zones:
        if zone.matches(address) and (best is None or zone.specificity > best.specificity):
            best = zone
    return best

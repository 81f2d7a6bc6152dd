"""Tax tables: jurisdictions by country, region and postal code, with rates per category.

A :class:`TaxTable` holds :class:`Jurisdiction` entries; an address matches the most specific
one (a postal-code match beats a region match beats a country match; on a tie the first
listed wins). Each jurisdiction has its standard rates, in the order they are charged (which
matters for compound rates), overrides per tax category (``"books": (gst,)``, ``"zero": ()``),
and the category shipping is taxed at (None: shipping is not taxed there).

:class:`TableTax` is the :class:`~draftorders.tax.calculator.TaxCalculator` over a table. It
taxes at the destination (the address pricing passes: shipping, else billing), else at the
shop's ``origin``; a jurisdiction marked ``origin_based`` taxes sales from an origin in the
same region at the origin's rates.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import attrs

from draftorders._frozendict import FrozenDict
from draftorders._validate import check_type, non_empty_text
from draftorders.customers import Address
from draftorders.errors import ValidationError
from draftorders.places import Area, most_specific, normal_country
from draftorders.tax.rate import TaxRate

__all__ = ["Jurisdiction", "TableTax", "TaxTable"]

Rates = tuple[TaxRate, ...]


def _rates(value: Iterable[TaxRate]) -> Rates:
    rates = tuple(value)
    for rate in rates:
        if not isinstance(rate, TaxRate):
            raise ValidationError("rates", f"expected TaxRate, got {rate!r}")
    return rates


def _categories(value: Mapping[str, Iterable[TaxRate]]) -> Mapping[str, Rates]:
    return FrozenDict({name: _rates(rates) for name, rates in value.items()})


def _postal_codes(value: Iterable[str]) -> tuple[str, ...]:
    codes = tuple(value)
    for code in codes:
        if not isinstance(code, str) or not code.strip():
            raise ValidationError("postal_codes", f"expected a pattern or range, got {code!r}")
    return codes


@attrs.frozen
class Jurisdiction:
    """A place that charges tax, and its rates."""

    id: str = attrs.field(validator=non_empty_text)
    country: str = attrs.field(converter=normal_country)
    rates: Rates = attrs.field(converter=_rates)
    region: str | None = None
    postal_codes: tuple[str, ...] = attrs.field(default=(), converter=_postal_codes)
    categories: Mapping[str, Rates] = attrs.field(factory=dict, converter=_categories)
    shipping_category: str | None = "standard"
    origin_based: bool = attrs.field(default=False, validator=check_type(bool))

    @property
    def area(self) -> Area:
        """Where the jurisdiction applies."""
        regions = frozenset({self.region.upper()}) if self.region else frozenset()
        return Area(frozenset({self.country}), regions, self.postal_codes)

    def rates_for(self, category: str) -> Rates:
        """The rates of a tax category: its override, else the standard rates."""
        return self.categories.get(category, self.rates)

    @property
    def shipping_rates(self) -> Rates:
        """The rates shipping is taxed at here (none if shipping is not taxed)."""
        return () if self.shipping_category is None else self.rates_for(self.shipping_category)


def _jurisdictions(value: Iterable[Jurisdiction]) -> tuple[Jurisdiction, ...]:
    found = tuple(value)
    for jurisdiction in found:
        if not isinstance(jurisdiction, Jurisdiction):
            raise ValidationError("jurisdictions", f"expected Jurisdiction, got {jurisdiction!r}")
    if len({j.id for j in found}) != len(found):
        raise ValidationError("jurisdictions", "two jurisdictions have the same id")
    return found


@attrs.frozen
class TaxTable:
    """Jurisdictions to look addresses up in."""

    jurisdictions: tuple[Jurisdiction, ...] = attrs.field(converter=_jurisdictions)

    def find(self, address: Address) -> Jurisdiction | None:
        """The most specific jurisdiction the address lies in (first listed on a tie), or None."""
        return most_specific(self.jurisdictions, address)


@attrs.frozen
class TableTax:
    """Rates from a :class:`TaxTable`, at the destination, else at the shop's ``origin``."""

    table: TaxTable = attrs.field(validator=check_type(TaxTable))
    origin: Address | None = attrs.field(
        default=None, validator=attrs.validators.optional(check_type(Address))
    )

    def where(self, destination: Address | None) -> Jurisdiction | None:
        """The jurisdiction whose rates apply to a sale to ``destination``."""
        place = destination if destination is not None else self.origin
        if place is None:
            return None
        found = self.table.find(place)
        origin = self.origin
        if found is not None and found.origin_based and origin is not None:
            same_region = (
                origin.country == place.country
                and (origin.region or "").upper() == (place.region or "").upper()
            )
            home = self.table.find(origin) if same_region else None
            if home is not None:
                return home
        return found

    def line_rates(self, tax_category: str, destination: Address | None) -> Rates:
        """The rates of the category where the sale is taxed (none outside every jurisdiction)."""
        found = self.where(destination)
        return found.rates_for(tax_category) if found is not None else ()

    def shipping_rates(self, destination: Address | None) -> Rates:
        """The shipping rates where the sale is taxed."""
        found = self.where(destination)
        return found.shipping_rates if found is not None else ()

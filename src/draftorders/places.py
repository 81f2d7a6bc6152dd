"""Places: postal addresses, and the areas (countries, regions, postal codes) that tax
jurisdictions and shipping zones apply to, with ISO 3166 country codes from CLDR."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable
from functools import cache
from typing import Protocol, TypeVar

import attrs
from babel.core import get_global

from draftorders._validate import optional_text
from draftorders.errors import InvalidAddress

__all__ = [
    "Address",
    "Area",
    "Placed",
    "country_codes",
    "most_specific",
    "normal_country",
    "postal_code_matches",
]

_NOT_COUNTRIES = frozenset({"EU", "ZZ"})
"""CLDR regions with a currency that are not countries: the European Union and 'unknown'."""


class Placed(Protocol):
    """Anything with an :class:`Area` (jurisdictions, shipping zones)."""

    @property
    def area(self) -> Area:
        """Where it applies."""
        ...


_Placed = TypeVar("_Placed", bound=Placed)

_POSTAL_RANGE = re.compile(r"(\d+)-(\d+)")


@cache
def country_codes() -> frozenset[str]:
    """ISO 3166-1 alpha-2 codes known to CLDR (through babel) as countries or territories."""
    regions = get_global("territory_currencies")
    return frozenset(code for code in regions if len(code) == 2 and code.isalpha()) - _NOT_COUNTRIES


def normal_country(value: object) -> str:
    """An ISO 3166 alpha-2 code, upper-cased; :class:`InvalidAddress` if CLDR does not know it."""
    if not isinstance(value, str) or value.upper() not in country_codes():
        raise InvalidAddress("country", f"{value!r} is not an ISO 3166 country code like 'US'")
    return value.upper()


def postal_code_matches(pattern: str, postal_code: str) -> bool:
    """A glob (``"H2*"``, case-insensitive) or an inclusive numeric range (``"10000-14999"``)."""
    found = _POSTAL_RANGE.fullmatch(pattern)
    if found:
        digits = postal_code.replace(" ", "")
        if not digits.isdigit() or len(digits) != len(found.group(1)):
            return False
        return int(found.group(1)) <= int(digits) <= int(found.group(2))
    return fnmatch.fnmatchcase(postal_code.upper().replace(" ", ""), pattern.upper())


@attrs.frozen
class Area:
    """Countries, optionally narrowed to regions and postal codes (globs or ranges): where a
    tax jurisdiction or a shipping zone applies."""

    countries: frozenset[str]
    regions: frozenset[str] = frozenset()
    postal_codes: tuple[str, ...] = ()

    @property
    def specificity(self) -> int:
        """2 with postal codes, 1 with regions, 0 for whole countries."""
        return 2 if self.postal_codes else 1 if self.regions else 0

    def contains(self, address: Address) -> bool:
        """True if the address lies in the area (regions compare case-insensitively)."""
        if address.country not in self.countries:
            return False
        if self.regions and (address.region or "").upper() not in self.regions:
            return False
        if self.postal_codes:
            code = address.postal_code
            return code is not None and any(postal_code_matches(p, code) for p in self.postal_codes)
        return True


def most_specific(places: Iterable[_Placed], address: Address) -> _Placed | None:
    """The place with the most specific area containing ``address`` (first listed on a tie)."""
    best: _Placed | None = None
    for place in places:
        if place.area.contains(address) and (
            best is None or place.area.specificity > best.area.specificity
        ):
            best = place
    return best


@attrs.frozen
class Address:
    """A postal address; only the country is required, so a partial address can be kept."""

    country: str = attrs.field(converter=normal_country)
    name: str | None = attrs.field(default=None, converter=optional_text)
    company: str | None = attrs.field(default=None, converter=optional_text)
    line1: str | None = attrs.field(default=None, converter=optional_text)
    line2: str | None = attrs.field(default=None, converter=optional_text)
    city: str | None = attrs.field(default=None, converter=optional_text)
    region: str | None = attrs.field(default=None, converter=optional_text)
    """State or province code, e.g. ``"CA"`` or ``"QC"``."""
    postal_code: str | None = attrs.field(default=None, converter=optional_text)
    phone: str | None = attrs.field(default=None, converter=optional_text)

"""Money at the boundary: exact parsing that refuses floats, and currency minor units.

Minor units come from CLDR (through babel): JPY has 0 decimals, USD 2, KWD 3. Nothing here
rounds; rounding lives in :mod:`draftorders.rounding`.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache

import attrs
from babel.numbers import get_currency_precision, list_currencies
from moneyed import Currency, CurrencyDoesNotExist, Money, get_currency

from draftorders._compat import renamed
from draftorders.errors import CurrencyMismatch, FloatAmountError, InvalidAmount, ValidationError

__all__ = [
    "MinorUnits",
    "Money",
    "currency",
    "minor_units",
    "percent_ratio",
    "quantum",
    "to_decimal",
    "to_money",
]

DecimalLike = Decimal | int | str
"""What callers may pass for an exact number: never a float."""


def to_decimal(value: object, field: str) -> Decimal:
    """Parse ``value`` into a finite Decimal, refusing floats and anything inexact."""
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, bool):
        raise ValidationError(field, f"expected a number, got the bool {value!r}")
    elif isinstance(value, float):
        raise FloatAmountError(field, value)
    elif isinstance(value, int | str):
        try:
            result = Decimal(value)
        except InvalidOperation:
            raise ValidationError(field, f"{value!r} is not a decimal number") from None
    else:
        raise ValidationError(
            field, f"expected Decimal, int or str, got {type(value).__name__} {value!r}"
        )
    if not result.is_finite():
        raise ValidationError(field, f"{value!r} is not a finite number")
    return result


@cache
def currency(code: str) -> Currency:
    """The py-moneyed currency for an ISO 4217 code that CLDR (through babel) knows."""
    if not isinstance(code, str) or len(code) != 3 or not code.isalpha() or not code.isupper():
        raise ValidationError("currency", f"{code!r} is not an ISO 4217 code like 'USD'")
    if code not in _cldr_currencies():
        raise ValidationError("currency", f"unknown currency {code!r}")
    try:
        return get_currency(code)
    except CurrencyDoesNotExist:
        raise ValidationError("currency", f"currency {code!r} has no py-moneyed data") from None


@cache
def _cldr_currencies() -> frozenset[str]:
    return frozenset(list_currencies())


@cache
def minor_units(code: str) -> int:
    """Number of decimals of a currency's minor unit, from CLDR (JPY 0, USD 2, KWD 3)."""
    currency(code)
    return get_currency_precision(code)


@cache
def quantum(code: str) -> Decimal:
    """The smallest amount of a currency as a Decimal exponent (``Decimal('0.01')`` for USD)."""
    return Decimal(1).scaleb(-minor_units(code))


def to_money(value: object, currency_code: str, field: str) -> Money:
    """An exact, non-negative amount in ``currency_code``, at most to its minor unit.

    ``value`` may be a :class:`Money` (its currency must match), a Decimal, an int or a
    numeric string. Floats are refused with :class:`FloatAmountError`.
    """
    if isinstance(value, Money):
        if value.currency.code != currency_code:
            raise CurrencyMismatch(field, currency_code, value.currency.code)
        amount = to_decimal(value.amount, field)
    else:
        amount = to_decimal(value, field)
    if amount < 0:
        raise InvalidAmount(field, f"{amount} is negative; amounts must be zero or more")
    exact = amount.quantize(quantum(currency_code))
    if exact != amount:
        raise InvalidAmount(
            field,
            f"{amount} has more decimals than {currency_code} allows "
            f"({minor_units(currency_code)}); round it first",
        )
    return Money(exact, currency(currency_code))


@lru_cache(maxsize=1024)
def percent_ratio(percent: Decimal) -> tuple[int, int]:
    """A percentage as the exact integer fraction (numerator, denominator) of an amount it
    takes: ``12.5`` is ``(1, 8)``. Cached: pricing asks for the same few percentages on every
    line."""
    numerator, denominator = percent.as_integer_ratio()
    return numerator, denominator * 100


@attrs.frozen
class MinorUnits:
    """A currency's minor units (USD: cents, 2 places; JPY: yen, 0 places): turns integer
    amounts of them into Decimal and Money, and back."""

    currency: Currency
    places: int
    quantum: Decimal

    @staticmethod
    @cache
    def of(currency_code: str) -> MinorUnits:
        """The minor units of an ISO currency code (USD: 2 places, quantum 0.01); made once per
        code."""
        return MinorUnits(
            currency(currency_code), minor_units(currency_code), quantum(currency_code)
        )

    def decimal(self, units: int) -> Decimal:
        """``units`` minor units as an exact Decimal amount (``3897 -> Decimal("38.97")``)."""
        return Decimal(units) * self.quantum

    def exact(self, numerator: int, denominator: int) -> Decimal:
        """An unrounded quotient of minor units as a Decimal amount, for explanations."""
        return (Decimal(numerator) / Decimal(denominator)).scaleb(-self.places)

    def money(self, units: int) -> Money:
        """``units`` minor units as Money."""
        return Money(Decimal(units) * self.quantum, self.currency)

    def units(self, amount: Decimal) -> int:
        """An amount already at the minor unit, as an integer number of minor units."""
        return int(amount.scaleb(self.places))


__getattr__ = renamed(__name__, globals())

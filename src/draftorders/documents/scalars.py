"""Hooks for the leaves of a document: text, numbers, money, dates, times and bytes.

Writing is exact: a Decimal is written as Python writes it (``"0.0825"``, ``"12.990"``,
``"5E+3"``), so reading it back gives the same digits and exponent. Reading is strict: JSON's
``"5"`` is not an int, ``1`` is not a bool, and a float is never money.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs

from draftorders.documents.errors import DocumentError, Refused
from draftorders.money import Money, currency, to_decimal

__all__ = [
    "MoneyData",
    "money_data",
    "money_from",
    "shown",
    "structure_bool",
    "structure_bytes",
    "structure_date",
    "structure_datetime",
    "structure_decimal",
    "structure_int",
    "structure_str",
    "unstructure_bytes",
    "unstructure_date",
    "unstructure_datetime",
    "unstructure_decimal",
]


def shown(value: object) -> str:
    """A JSON value named for an error message: ``the float 12.99``, ``a list``."""
    if value is None:
        return "null"
    if isinstance(value, bool | int | float | str):
        return f"the {_JSON_NAMES[type(value)]} {value!r}"
    return f"{'an' if isinstance(value, dict) else 'a'} {_JSON_NAMES.get(type(value), 'value')}"


_JSON_NAMES: dict[type, str] = {
    bool: "boolean",
    int: "number",
    float: "float",
    str: "string",
    dict: "object",
    list: "list",
}


def structure_str(value: object, _: Any) -> str:
    """A JSON string, as is."""
    if not isinstance(value, str):
        raise Refused(f"expected a string, got {shown(value)}")
    return value


def structure_int(value: object, _: Any) -> int:
    """A JSON whole number (not a boolean, not a float, not a string of digits)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise Refused(f"expected a whole number, got {shown(value)}")
    return value


def structure_bool(value: object, _: Any) -> bool:
    """JSON true or false."""
    if not isinstance(value, bool):
        raise Refused(f"expected true or false, got {shown(value)}")
    return value


def unstructure_decimal(value: Decimal) -> str:
    """A Decimal as its exact string (digits and exponent kept)."""
    return str(value)


def structure_decimal(value: object, _: Any) -> Decimal:
    """A Decimal from its string; a float is refused, as it cannot hold the exact value."""
    if isinstance(value, float):
        raise Refused(
            f"got the float {value!r}; floats cannot hold money exactly, "
            f'write the string "{value}" instead'
        )
    if not isinstance(value, str):
        raise Refused(f'expected a decimal string like "12.99", got {shown(value)}')
    try:
        return to_decimal(value, "amount")
    except ValueError:
        raise Refused(f"{value!r} is not a finite decimal number") from None


@attrs.frozen
class MoneyData:
    """Money as it is read: an exact amount and an ISO 4217 code (checked against CLDR)."""

    amount: Decimal
    currency: str


def money_data(value: Money) -> dict[str, str]:
    """Money as ``{"amount": "12.99", "currency": "USD"}``."""
    return {"amount": str(value.amount), "currency": str(value.currency.code)}


def money_from(data: MoneyData) -> Money:
    """The Money read; an unknown currency code is refused."""
    try:
        code = currency(data.currency)
    except ValueError as error:
        raise Refused(f"currency: {error}") from None
    return Money(data.amount, code)


def unstructure_date(value: dt.date) -> str:
    """A calendar date as ``2026-11-26``."""
    if isinstance(value, dt.datetime):
        raise DocumentError("date", f"expected a date, got the datetime {value!r}")
    return value.isoformat()


def structure_date(value: object, _: Any) -> dt.date:
    """A date from ``YYYY-MM-DD`` (the only spelling read)."""
    if not isinstance(value, str):
        raise Refused(f'expected a date like "2026-11-26", got {shown(value)}')
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        day = None
    if day is None or day.isoformat() != value:
        raise Refused(f'{value!r} is not a date like "2026-11-26"')
    return day


def unstructure_datetime(value: dt.datetime) -> str:
    """An aware moment in ISO 8601 with its UTC offset (``2026-11-26T09:30:00+00:00``); in an
    IANA zone, the zone's name follows in brackets, as RFC 9557 writes it
    (``2026-11-01T01:30:00-04:00[America/New_York]``)."""
    if value.utcoffset() is None:
        raise DocumentError(
            "datetime", f"{value!r} has no time zone; documents keep only aware datetimes"
        )
    zone = value.tzinfo
    if isinstance(zone, ZoneInfo) and zone.key:
        return f"{value.isoformat()}[{zone.key}]"
    return value.isoformat()


def structure_datetime(value: object, _: Any) -> dt.datetime:
    """An aware moment from ISO 8601 (with an RFC 9557 zone name, if any); one without a UTC
    offset is refused. In a zone, the wall time, the zone and the fold (which of a repeated
    hour) come back as written; if the zone's rules changed since, the moment is kept."""
    if not isinstance(value, str):
        raise Refused(
            f'expected a date and time like "2026-11-26T09:30:00+00:00", got {shown(value)}'
        )
    text, bracket, zone_key = value.partition("[")
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise Refused(f"{value!r} is not an ISO 8601 date and time") from None
    offset = moment.utcoffset()
    if offset is None:
        raise Refused(f"{value!r} has no UTC offset; add one, e.g. +00:00")
    if not bracket:
        return moment
    zone = _zone(zone_key, value)
    for fold in (0, 1):
        local = moment.replace(tzinfo=zone, fold=fold)
        if local.utcoffset() == offset:
            return local
    return moment.astimezone(zone)


def _zone(key: str, value: str) -> ZoneInfo:
    if not key.endswith("]"):
        raise Refused(f"{value!r}: a time zone name goes in brackets at the end")
    try:
        return ZoneInfo(key[:-1])
    except (ZoneInfoNotFoundError, ValueError):
        raise Refused(f"{value!r}: no time zone {key[:-1]!r} is known here") from None


def unstructure_bytes(value: bytes) -> str:
    """Bytes as standard base64 (with padding)."""
    return base64.b64encode(value).decode("ascii")


def structure_bytes(value: object, _: Any) -> bytes:
    """Bytes from standard base64."""
    if not isinstance(value, str):
        raise Refused(f"expected base64 text, got {shown(value)}")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise Refused("not valid base64 text") from None

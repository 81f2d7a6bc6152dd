"""Small attrs validators and converters that raise the library's own typed errors.

Validators name the field they check (attrs passes the attribute); converters are plain named
functions, so type checkers can follow them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any, TypeVar

import attrs

from draftorders.errors import (
    FloatAmountError,
    InvalidPercentage,
    InvalidQuantity,
    ValidationError,
)
from draftorders.money import Money, to_decimal, to_money

__all__ = [
    "aware_datetime",
    "calendar_date",
    "check_money",
    "check_type",
    "email",
    "exact_decimal",
    "instances",
    "loyalty_points",
    "money_amount",
    "non_empty_text",
    "optional_aware_datetime",
    "optional_key",
    "optional_text",
    "percent_range",
    "plain_text",
    "positive",
    "positive_quantity",
    "rows",
    "sequence",
    "text_field",
    "text_set",
    "whole_number",
]

Validator = Callable[[Any, "attrs.Attribute[Any]", Any], None]
T = TypeVar("T")


def check_type(*types: type) -> Validator:
    """A validator: the value is an instance of one of ``types``."""
    names = " or ".join(t.__name__ for t in types)

    def validate(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if not isinstance(value, types):
            raise ValidationError(
                attribute.name, f"expected {names}, got {type(value).__name__} {value!r}"
            )

    return validate


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
"""Control characters other than tab, line feed and carriage return: no text needs them, and
they make an invoice's HTML unreadable as XML."""
_SURROGATE = re.compile(r"[\ud800-\udfff]")
"""Lone surrogates: not characters at all; they cannot be encoded as UTF-8, so a database or
an email would refuse them later, after something else was written."""


def plain_text(value: str, field: str) -> str:
    """``value`` if it holds no control characters other than tab and line breaks, and no lone
    surrogates."""
    found = _CONTROL.search(value)
    if found:
        raise ValidationError(field, f"{value!r} holds the control character {found.group()!r}")
    if _SURROGATE.search(value):
        raise ValidationError(field, f"{value!r} holds a lone surrogate, which is not text")
    return value


def text_field(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """A validator: text (possibly empty) with no control characters or lone surrogates."""
    if not isinstance(value, str):
        raise ValidationError(attribute.name, f"expected text, got {type(value).__name__}")
    plain_text(value, attribute.name)


def optional_key(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """A validator: None, or a non-empty one-line string (a reference, key or label)."""
    if value is None:
        return
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(attribute.name, f"expected a non-empty string or None, got {value!r}")
    plain_text(value, attribute.name)
    if "\n" in value or "\r" in value or len(value) > 255:
        raise ValidationError(attribute.name, "expected one line of at most 255 characters")


def non_empty_text(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """A validator: a string with something in it besides blanks, and no control characters."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(attribute.name, f"expected a non-empty string, got {value!r}")
    plain_text(value, attribute.name)


def money_amount(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """A validator: a non-negative :class:`Money`, at most to its currency's minor unit."""
    check_money(value, attribute.name)


def whole_number(
    value: object,
    field: str,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    error: type[ValidationError] = ValidationError,
    message: str | None = None,
) -> int:
    """``value`` if it is a whole number (an ``int``, never a bool or a float) within
    ``minimum`` and ``maximum`` (both included, when given); ``error`` otherwise, with
    ``message`` (``{value!r}`` filled in) or a standard one."""
    if isinstance(value, float):
        raise FloatAmountError(field, value)
    bounds = (
        f" {minimum}-{maximum}"
        if minimum is not None and maximum is not None
        else f" >= {minimum}"
        if minimum is not None
        else f" <= {maximum}"
        if maximum is not None
        else ""
    )
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or (minimum is not None and value < minimum)
        or (maximum is not None and value > maximum)
    ):
        text = message.format(value=value) if message else f"expected a whole number{bounds}"
        raise error(field, text if message else f"{text}, got {value!r}")
    return value


def sequence(value: object, field: str) -> tuple[Any, ...]:
    """The items of a list, tuple or other iterable as a tuple; a lone string, bytes or a
    non-iterable is refused (``"abc"`` is not three items)."""
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise ValidationError(field, f"expected a sequence, got {value!r}")
    return tuple(value)


def instances(value: object, kind: type[T], field: str) -> tuple[T, ...]:
    """The items of ``value`` (see :func:`sequence`), each a ``kind``."""
    items = sequence(value, field)
    for item in items:
        if not isinstance(item, kind):
            raise ValidationError(field, f"expected {kind.__name__}, got {item!r}")
    return items


def rows(value: object, field: str, width: int, shape: str) -> tuple[tuple[Any, ...], ...]:
    """The items of ``value`` (see :func:`sequence`), each a tuple of ``width`` items, which
    ``shape`` describes in the error (``"(up to, price)"``)."""
    items = sequence(value, field)
    for item in items:
        if not isinstance(item, tuple) or len(item) != width:
            raise ValidationError(field, f"expected {shape}, got {item!r}")
    return items


_EMAIL = re.compile(r"[^@\s<>(),;:\"\[\]]+@[^@\s<>(),;:\"\[\]]+\.[^@\s<>(),;:\"\[\].]+")


def email(value: object, field: str = "email") -> str:
    """``value`` if it is one email address, ``user@domain.tld`` (surrounding blanks
    removed): the one rule for customers' emails and email headers alike."""
    if not isinstance(value, str):
        raise ValidationError(field, f"expected an email address, got {value!r}")
    address = value.strip()
    if len(address) > 254 or not _EMAIL.fullmatch(address):
        raise ValidationError(field, f"{value!r} is not an email address")
    return plain_text(address, field)


def check_money(value: object, field: str) -> Money:
    """``value`` if it is a non-negative :class:`Money` at most to its minor unit."""
    if isinstance(value, float):
        raise FloatAmountError(field, value)
    if not isinstance(value, Money):
        raise ValidationError(
            field, f"expected Money, e.g. Money(Decimal('9.99'), 'USD'), got {value!r}"
        )
    return to_money(value, value.currency.code, field)


def positive_quantity(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """A validator: a whole number of units, at least 1 (never a float or a bool)."""
    whole_number(value, attribute.name, error=InvalidQuantity)
    if value < 1:
        raise InvalidQuantity(attribute.name, f"{value} is not a positive quantity; use 1 or more")


def loyalty_points(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """A validator: loyalty points, a whole number >= 0 (None passes)."""
    if value is not None:
        whole_number(value, attribute.name, minimum=0, error=InvalidQuantity)


def positive(_: Any, attribute: attrs.Attribute[Any], value: Decimal) -> None:
    """A validator: a number greater than zero."""
    if value <= 0:
        raise ValidationError(attribute.name, f"{value} must be greater than zero")


def percent_range(_: Any, attribute: attrs.Attribute[Any], value: Decimal | None) -> None:
    """A validator: a percentage from 0 to 100 inclusive (None passes)."""
    if value is not None and not 0 <= value <= 100:
        raise InvalidPercentage(attribute.name, f"{value} is outside 0..100")


def exact_decimal(value: object) -> Decimal:
    """A converter: an exact Decimal from a Decimal, int or numeric string (never a float)."""
    return to_decimal(value, "value")


def optional_text(value: object) -> str | None:
    """A converter: text with surrounding blanks removed; None or blank text becomes None."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError("text", f"expected text or None, got {value!r}")
    return plain_text(value, "text").strip() or None


def text_set(value: object) -> frozenset[str]:
    """A converter: an iterable of non-empty strings (not a lone string) as a frozenset."""
    items = frozenset(sequence(value, "tags"))
    if not all(isinstance(item, str) and item for item in items):
        raise ValidationError("tags", f"every entry must be a non-empty string: {value!r}")
    return items


def calendar_date(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """A validator: a date, not a datetime (a datetime would carry a time nobody asked for)."""
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise ValidationError(attribute.name, f"expected a date, got {value!r}")


def aware_datetime(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """A validator: a datetime with a time zone (a naive one is ambiguous once stored)."""
    if not isinstance(value, dt.datetime) or value.tzinfo is None:
        raise ValidationError(
            attribute.name, f"expected a datetime with a time zone, got {value!r}"
        )


def optional_aware_datetime(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """A validator: None, or a datetime with a time zone."""
    if value is not None:
        aware_datetime(instance, attribute, value)

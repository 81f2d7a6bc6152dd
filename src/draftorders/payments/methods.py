"""Stored payment methods: a gateway's token for a customer's card or account, never the card.

A raw card number must never reach the library (or its store): anything that looks like one
(13 to 19 digits passing the Luhn check) is refused where a token is expected.
"""

from __future__ import annotations

import enum
import re

import attrs

from draftorders._validate import non_empty_text, optional_text
from draftorders.errors import ValidationError

__all__ = ["ManualMethod", "PaymentMethod", "check_token", "looks_like_card_number"]

_DIGITS = re.compile(r"\d[\d -]{11,}\d")


class ManualMethod(enum.Enum):
    """How a payment recorded by hand was made."""

    CASH = "cash"
    CHECK = "check"
    BANK_TRANSFER = "bank_transfer"
    OTHER = "other"


def _luhn(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def looks_like_card_number(text: str) -> bool:
    """True if ``text`` holds a run of 13-19 digits (spaces or dashes allowed) passing Luhn."""
    for run in _DIGITS.findall(text):
        digits = re.sub(r"[ -]", "", run)
        if 13 <= len(digits) <= 19 and _luhn(digits):
            return True
    return False


def check_token(value: object) -> str:
    """``value`` if it is a gateway token; a card number is refused without being repeated."""
    if isinstance(value, str) and looks_like_card_number(value):
        raise ValidationError(
            "token", "that looks like a card number: use the token your payment gateway gave for it"
        )
    if not isinstance(value, str) or not value.strip() or any(c.isspace() for c in value):
        raise ValidationError("token", f"{value!r} is not a payment token")
    return value


def _last4(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}", value):
        raise ValidationError("last4", f"expected the last four digits, got {value!r}")
    return value


@attrs.frozen
class PaymentMethod:
    """A customer's stored method: the gateway ``token`` and what to show ("Visa •••• 4242")."""

    id: str = attrs.field(validator=non_empty_text)
    customer_id: str = attrs.field(validator=non_empty_text)
    token: str = attrs.field(converter=check_token, repr=False)
    brand: str = attrs.field(default="card", validator=non_empty_text)
    last4: str | None = attrs.field(default=None, converter=_last4)
    expires: str | None = attrs.field(default=None, converter=optional_text)
    """Month and year as shown, e.g. ``"12/2029"``."""

    @property
    def label(self) -> str:
        """How the method is shown: ``"Visa •••• 4242"``."""
        return f"{self.brand} •••• {self.last4}" if self.last4 else self.brand

"""Customers: who an order is for, with their contact details, group and tags, tax status,
locale and saved addresses (:class:`~draftorders.places.Address`)."""

from __future__ import annotations

import attrs
from babel.core import Locale, UnknownLocaleError

from draftorders._validate import (
    check_type,
    email,
    instances,
    non_empty_text,
    optional_text,
    text_set,
)
from draftorders.errors import ValidationError
from draftorders.places import Address

__all__ = ["Address", "Customer"]


def _email(value: object) -> str | None:
    return email(value) if value is not None else None


def _locale(value: object) -> str | None:
    if value is None:
        return None
    try:
        return str(Locale.parse(str(value).replace("-", "_")))
    except (UnknownLocaleError, ValueError, TypeError) as error:
        raise ValidationError("locale", f"{value!r} is not a known locale, e.g. 'en_US'") from error


def _addresses(value: object) -> tuple[Address, ...]:
    return instances(value, Address, "addresses")


@attrs.frozen
class Customer:
    """Who an order is for: contact details, group and tags, tax status, saved addresses."""

    id: str = attrs.field(validator=non_empty_text)
    name: str = attrs.field(validator=non_empty_text)
    email: str | None = attrs.field(default=None, converter=_email)
    group: str | None = attrs.field(default=None, converter=optional_text)
    """Customer group, e.g. ``"wholesale"``; pricing rules and promotions can target it."""
    tags: frozenset[str] = attrs.field(default=frozenset(), converter=text_set)
    tax_exempt: bool = attrs.field(default=False, validator=check_type(bool))
    tax_exemption_id: str | None = attrs.field(default=None, converter=optional_text)
    """The certificate or registration that makes the customer exempt, shown with the order."""
    tax_id: str | None = attrs.field(default=None, converter=optional_text)
    """The customer's own tax number (VAT id, EIN), printed on invoices."""
    locale: str | None = attrs.field(default=None, converter=_locale)
    """The language and region invoices are written for, e.g. ``"de_DE"``."""
    addresses: tuple[Address, ...] = attrs.field(default=(), converter=_addresses)

    def with_address(self, address: Address) -> Customer:
        """This customer with one more saved address."""
        return attrs.evolve(self, addresses=(*self.addresses, address))

"""What the stores' ``find`` calls ask for: filter values shared by every store, so that they all
answer a query the same way."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import attrs

from draftorders.customers import Customer
from draftorders.errors import ValidationError
from draftorders.order import DraftOrder, Status

__all__ = ["CustomerQuery", "OrderQuery", "normal_email"]


def _statuses(value: Iterable[Status]) -> frozenset[Status]:
    if isinstance(value, Status):
        return frozenset({value})
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ValidationError("statuses", f"expected Status values, got {value!r}")
    statuses = frozenset(value)
    for status in statuses:
        if not isinstance(status, Status):
            raise ValidationError("statuses", f"expected a Status, got {status!r}")
    return statuses


def _day(_: object, attribute: attrs.Attribute[dt.date | None], value: object) -> None:
    if value is not None and (not isinstance(value, dt.date) or isinstance(value, dt.datetime)):
        raise ValidationError(attribute.name, f"expected a date (not a datetime), got {value!r}")


def _text(_: object, attribute: attrs.Attribute[str | None], value: object) -> None:
    if value is not None and (not isinstance(value, str) or not value):
        raise ValidationError(attribute.name, f"expected a non-empty string, got {value!r}")


@attrs.frozen
class OrderQuery:
    """Orders with any of ``statuses`` (any status when empty), of customer ``customer_id``,
    dated from ``date_from`` to ``date_to`` (both inclusive, on the order date), whose id
    contains ``order_id_contains`` (case-sensitive). None leaves a criterion out."""

    statuses: frozenset[Status] = attrs.field(default=frozenset(), converter=_statuses)
    customer_id: str | None = attrs.field(default=None, validator=_text)
    date_from: dt.date | None = attrs.field(default=None, validator=_day)
    date_to: dt.date | None = attrs.field(default=None, validator=_day)
    order_id_contains: str | None = attrs.field(default=None, validator=_text)

    def matches(self, order: DraftOrder) -> bool:
        """True if ``order`` meets every criterion."""
        customer = order.customer.id if order.customer is not None else None
        return (
            (not self.statuses or order.status in self.statuses)
            and (self.customer_id is None or customer == self.customer_id)
            and (self.date_from is None or order.order_date >= self.date_from)
            and (self.date_to is None or order.order_date <= self.date_to)
            and (self.order_id_contains is None or self.order_id_contains in order.id)
        )


def normal_email(email: str) -> str:
    """How emails are compared in the directory: case-insensitively (``casefold``)."""
    return email.strip().casefold()


@attrs.frozen
class CustomerQuery:
    """Customers whose email is ``email`` (case-insensitive) and whose name contains
    ``name_contains`` (case-insensitive); None leaves a criterion out."""

    email: str | None = attrs.field(default=None, validator=_text)
    name_contains: str | None = attrs.field(default=None, validator=_text)

    def matches(self, customer: Customer) -> bool:
        """True if ``customer`` meets every criterion."""
        return (
            self.email is None
            or (
                customer.email is not None
                and normal_email(customer.email) == normal_email(self.email)
            )
        ) and (
            self.name_contains is None or self.name_contains.casefold() in customer.name.casefold()
        )

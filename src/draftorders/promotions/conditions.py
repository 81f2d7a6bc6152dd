"""Conditions a promotion needs met: when, for whom, and how much is in the order.

Each condition is a small frozen value with ``check(facts) -> str | None``: None when met,
otherwise the reason in stable words with the numbers (``"spend 12.34 more (subtotal 87.66 of
100.00)"``). :attr:`Condition.shortfall` says how much more money would meet it.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

import attrs
from dateutil.rrule import rrule, rrulestr

from draftorders._compat import renamed
from draftorders._validate import (
    calendar_date,
    money_amount,
    non_empty_text,
    positive_quantity,
    text_set,
)
from draftorders.customers import Customer
from draftorders.errors import ValidationError
from draftorders.money import MinorUnits, Money

__all__ = [
    "Condition",
    "CustomerGroup",
    "CustomerTags",
    "MinQuantity",
    "MinSubtotal",
    "OrderContains",
    "OrderFacts",
    "Period",
    "Recurring",
]


@attrs.frozen
class OrderFacts:
    """What conditions look at: the day, the customer, the order, and the targeted lines.

    ``quantity`` and ``subtotal`` are of the lines the promotion targets (the whole order for
    order-wide promotions), ``subtotal`` in minor units after the discounts applied before it.
    """

    today: dt.date
    customer: Customer | None
    skus: frozenset[str]
    tags: frozenset[str]
    quantity: int
    subtotal: int
    scale: MinorUnits


class Condition(Protocol):
    """A condition of a promotion."""

    def check(self, facts: OrderFacts) -> str | None:
        """None when met; else why not, with the numbers."""
        ...

    def shortfall(self, facts: OrderFacts) -> Money | None:
        """How much more spending would meet the condition, when that is the question."""
        ...


class _NoShortfall:
    def shortfall(self, facts: OrderFacts) -> Money | None:
        """Spending more does not meet this condition."""
        return None


@attrs.frozen
class Period(_NoShortfall):
    """Valid from ``start`` to ``end`` inclusive; either may be open."""

    start: dt.date | None = attrs.field(
        default=None, validator=attrs.validators.optional(calendar_date)
    )
    end: dt.date | None = attrs.field(
        default=None, validator=attrs.validators.optional(calendar_date)
    )

    def __attrs_post_init__(self) -> None:
        if self.start is not None and self.end is not None and self.start > self.end:
            raise ValidationError("end", f"the period ends ({self.end}) before it starts")

    def check(self, facts: OrderFacts) -> str | None:
        """Met on days within the period."""
        if self.start is not None and facts.today < self.start:
            return f"starts on {self.start.isoformat()}"
        if self.end is not None and facts.today > self.end:
            return f"ended on {self.end.isoformat()}"
        return None


_ANCHOR = dt.datetime(2000, 1, 1)


def _parse_rule(text: str) -> rrule:
    try:
        parsed = rrulestr(text, dtstart=_ANCHOR)
    except (ValueError, TypeError) as error:
        raise ValidationError("rule", f"{text!r} is not an RFC 5545 RRULE: {error}") from error
    if not isinstance(parsed, rrule):
        raise ValidationError("rule", f"{text!r} must be one RRULE, not a set")
    return parsed


@attrs.frozen
class Recurring(_NoShortfall):
    """Valid on the days of a recurrence rule, e.g. ``Recurring("FREQ=WEEKLY;BYDAY=FR",
    "every Friday")``. Days are counted from the rule's own anchor, never from the last one."""

    rule: str = attrs.field(validator=non_empty_text)
    label: str = attrs.field(validator=non_empty_text)
    _parsed: rrule = attrs.field(init=False, eq=False, repr=False)

    @_parsed.default
    def _parse(self) -> rrule:
        return _parse_rule(self.rule)

    def check(self, facts: OrderFacts) -> str | None:
        """Met on a day the rule produces."""
        start = dt.datetime.combine(facts.today, dt.time())
        hit = self._parsed.after(start, inc=True)
        if hit is not None and hit.date() == facts.today:
            return None
        return f"valid {self.label}; {facts.today.isoformat()} is not one of those days"


@attrs.frozen
class MinQuantity(_NoShortfall):
    """At least ``quantity`` units of the targeted products (of the order, for order-wide)."""

    quantity: int = attrs.field(validator=positive_quantity)

    def check(self, facts: OrderFacts) -> str | None:
        """Met with enough units."""
        if facts.quantity >= self.quantity:
            return None
        return f"needs {self.quantity} units, has {facts.quantity}"


@attrs.frozen
class MinSubtotal:
    """At least ``amount`` spent on the targeted lines, after the discounts before it."""

    amount: Money = attrs.field(validator=money_amount)

    def check(self, facts: OrderFacts) -> str | None:
        """Met when the subtotal reaches the amount."""
        needed = facts.scale.units(self.amount.amount)
        if facts.subtotal >= needed:
            return None
        have, more = (
            facts.scale.decimal(facts.subtotal),
            facts.scale.decimal(needed - facts.subtotal),
        )
        return f"spend {more} more (subtotal {have} of {self.amount.amount})"

    def shortfall(self, facts: OrderFacts) -> Money | None:
        """The amount still to spend."""
        needed = facts.scale.units(self.amount.amount)
        return facts.scale.money(needed - facts.subtotal) if facts.subtotal < needed else None


@attrs.frozen
class CustomerGroup(_NoShortfall):
    """Only for customers in one of ``groups`` (e.g. ``"wholesale"``)."""

    groups: frozenset[str] = attrs.field(converter=text_set)

    def check(self, facts: OrderFacts) -> str | None:
        """Met when the order's customer is in one of the groups."""
        wanted = " or ".join(sorted(self.groups))
        customer = facts.customer
        if customer is None:
            return f"needs a customer in group {wanted}; the order has no customer"
        if customer.group in self.groups:
            return None
        return f"customer {customer.id} is not in group {wanted} (group: {customer.group})"


@attrs.frozen
class CustomerTags(_NoShortfall):
    """Only for customers with at least one of ``tags`` (e.g. ``"vip"``)."""

    tags: frozenset[str] = attrs.field(converter=text_set)

    def check(self, facts: OrderFacts) -> str | None:
        """Met when the customer has one of the tags."""
        wanted = ", ".join(sorted(self.tags))
        customer = facts.customer
        if customer is None:
            return f"needs a customer tagged {wanted}; the order has no customer"
        if customer.tags & self.tags:
            return None
        return f"customer {customer.id} has none of the tags {wanted}"


@attrs.frozen
class OrderContains(_NoShortfall):
    """Only when the order holds one of ``skus`` or a product with one of ``tags``."""

    skus: frozenset[str] = attrs.field(default=frozenset(), converter=text_set)
    tags: frozenset[str] = attrs.field(default=frozenset(), converter=text_set)

    def check(self, facts: OrderFacts) -> str | None:
        """Met when any wanted product is in the order."""
        if facts.skus & self.skus or facts.tags & self.tags:
            return None
        wanted = ", ".join(sorted(self.skus | {f"tag {t}" for t in self.tags}))
        return f"the order holds none of {wanted}"


__getattr__ = renamed(__name__, globals())

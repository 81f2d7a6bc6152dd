"""Billing plans: how often a recurring line is invoiced, and for how many cycles.

Every invoice date is computed from the anchor (the first invoice's date), never from the
previous date: the k-th date is ``anchor + k * every`` units with python-dateutil's
``relativedelta``, which clamps to the end of a shorter month. Monthly from 31 January gives
31 Jan, 28 Feb (29 in a leap year), 31 Mar, 30 Apr, 31 May: the schedule never drifts to the
28th. Yearly from 29 February gives 28 February in common years and 29 February again in the
next leap year.
"""

from __future__ import annotations

import datetime as dt
import enum

import attrs
from dateutil.relativedelta import relativedelta

from draftorders._validate import whole_number
from draftorders.errors import ValidationError

__all__ = ["UPCOMING", "BillingInterval", "BillingPlan"]

UPCOMING = 12
"""How many dates :meth:`BillingPlan.dates` gives for an open-ended plan unless told."""


class BillingInterval(enum.Enum):
    """The calendar unit a plan counts in."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"


def _every(value: object) -> int:
    return whole_number(value, "every", minimum=1)


def _cycles(value: object) -> int | None:
    return None if value is None else whole_number(value, "cycles", minimum=1)


def _interval(_: object, __: attrs.Attribute[BillingInterval], value: object) -> None:
    if not isinstance(value, BillingInterval):
        raise ValidationError(
            "interval", f"expected a BillingInterval (e.g. BillingInterval.MONTH), got {value!r}"
        )


@attrs.frozen(kw_only=True)
class BillingPlan:
    """Invoice every ``every`` ``interval`` s, ``cycles`` times in all (None: until cancelled).

    ``BillingPlan(interval=BillingInterval.MONTH, cycles=12)`` is twelve monthly invoices, the
    first of them on the anchor date. Plans are values: two equal plans bill together.
    """

    every: int = attrs.field(default=1, converter=_every)
    interval: BillingInterval = attrs.field(validator=_interval)
    cycles: int | None = attrs.field(default=None, converter=_cycles)

    @property
    def is_open_ended(self) -> bool:
        """True if the plan runs until cancelled."""
        return self.cycles is None

    def dates(self, anchor: dt.date, count: int | None = None) -> list[dt.date]:
        """The invoice dates from ``anchor`` (the first of them), each computed from it.

        An open-ended plan gives the next ``count`` dates (:data:`UPCOMING` unless told); a
        finite plan gives all ``cycles`` dates, or the first ``count`` of them.
        """
        if not isinstance(anchor, dt.date) or isinstance(anchor, dt.datetime):
            raise ValidationError("anchor", f"expected a date, got {anchor!r}")
        wanted = UPCOMING if count is None else whole_number(count, "count", minimum=0)
        if self.cycles is not None:
            wanted = self.cycles if count is None else min(wanted, self.cycles)
        try:
            return [anchor + self._step(k) for k in range(wanted)]
        except (OverflowError, ValueError) as error:
            raise ValidationError(
                "anchor", f"the schedule from {anchor.isoformat()} runs past the year 9999"
            ) from error

    def describe(self) -> str:
        """Stable words for logs and explanations: ``every month, 12 cycles``,
        ``every 2 weeks, until cancelled``; labels for people are the renderer's job."""
        unit = self.interval.value
        every = f"every {unit}" if self.every == 1 else f"every {self.every} {unit}s"
        if self.cycles is None:
            return f"{every}, until cancelled"
        return f"{every}, {self.cycles} cycle{'' if self.cycles == 1 else 's'}"

    def _step(self, k: int) -> relativedelta:
        n = k * self.every
        if self.interval is BillingInterval.DAY:
            return relativedelta(days=n)
        if self.interval is BillingInterval.WEEK:
            return relativedelta(weeks=n)
        if self.interval is BillingInterval.MONTH:
            return relativedelta(months=n)
        return relativedelta(years=n)

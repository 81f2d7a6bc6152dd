"""Payment terms: when an invoice issued on a given day falls due.

Calendar arithmetic is python-dateutil's ``relativedelta``, which clamps to the end of a
shorter month: issued 2026-01-31, "end of next month" is 2026-02-28, and net 30 is 2026-03-02.
"""

from __future__ import annotations

import datetime as dt
import enum

import attrs
from dateutil.relativedelta import relativedelta

from draftorders._validate import whole_number
from draftorders.errors import ValidationError

__all__ = ["PaymentTerms", "TermsKind"]


class TermsKind(enum.Enum):
    """The kinds of payment terms an order can carry."""

    DUE_ON_RECEIPT = "due_on_receipt"
    NET_DAYS = "net_days"
    END_OF_NEXT_MONTH = "end_of_next_month"
    FIXED_DATE = "fixed_date"


def _days(value: object) -> int | None:
    if value is None:
        return None
    message = "net terms need a whole number of days 1-3650, got {value!r}"
    return whole_number(value, "days", minimum=1, maximum=3650, message=message)


@attrs.frozen
class PaymentTerms:
    """When payment is due. Build with :meth:`due_on_receipt`, :meth:`net`,
    :meth:`end_of_next_month` or :meth:`fixed`."""

    kind: TermsKind
    days: int | None = attrs.field(default=None, converter=_days)
    date: dt.date | None = None

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.kind, TermsKind):
            raise ValidationError("kind", f"expected TermsKind, got {self.kind!r}")
        if (self.kind is TermsKind.NET_DAYS) != (self.days is not None):
            raise ValidationError("days", "days are given with net terms, and only with them")
        if (self.kind is TermsKind.FIXED_DATE) != (self.date is not None):
            raise ValidationError("date", "a date is given with fixed-date terms, and only then")
        if self.date is not None and (
            not isinstance(self.date, dt.date) or isinstance(self.date, dt.datetime)
        ):
            raise ValidationError("date", f"expected a date, got {self.date!r}")

    @classmethod
    def due_on_receipt(cls) -> PaymentTerms:
        """Due the day the invoice is issued."""
        return cls(TermsKind.DUE_ON_RECEIPT)

    @classmethod
    def net(cls, days: int) -> PaymentTerms:
        """Due ``days`` calendar days after the issue date (net 30: 2026-01-31 -> 2026-03-02)."""
        return cls(TermsKind.NET_DAYS, days=days)

    @classmethod
    def end_of_next_month(cls) -> PaymentTerms:
        """Due on the last day of the month after the issue date."""
        return cls(TermsKind.END_OF_NEXT_MONTH)

    @classmethod
    def fixed(cls, date: dt.date) -> PaymentTerms:
        """Due on ``date``, whenever the invoice is issued."""
        return cls(TermsKind.FIXED_DATE, date=date)

    def due_date(self, issued: dt.date) -> dt.date:
        """The day payment is due for an invoice issued on ``issued``."""
        if self.kind is TermsKind.NET_DAYS:
            assert self.days is not None
            return issued + relativedelta(days=self.days)
        if self.kind is TermsKind.END_OF_NEXT_MONTH:
            return issued + relativedelta(months=1, day=31)
        if self.kind is TermsKind.FIXED_DATE:
            assert self.date is not None
            return self.date
        return issued

    @property
    def code(self) -> str:
        """A stable short name: ``due_on_receipt``, ``net_30``, ``end_of_next_month``,
        ``fixed_2026-03-01``; labels for people are the invoice renderer's job."""
        if self.kind is TermsKind.NET_DAYS:
            return f"net_{self.days}"
        if self.kind is TermsKind.FIXED_DATE:
            assert self.date is not None
            return f"fixed_{self.date.isoformat()}"
        return str(self.kind.value)

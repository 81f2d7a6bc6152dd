"""Time is injected: the service asks a :class:`Clock`; the pure core never reads the time."""

from __future__ import annotations

import datetime as dt
from typing import Protocol

import attrs

from draftorders.errors import ValidationError

__all__ = ["Clock", "FixedClock", "SystemClock"]


class Clock(Protocol):
    """Where the application layer gets "now" and "today" from."""

    def now(self) -> dt.datetime:
        """The current moment, timezone-aware."""
        ...

    def today(self) -> dt.date:
        """The shop's current calendar date."""
        ...


@attrs.frozen
class SystemClock:
    """The real clock, in the shop's time zone (UTC unless given)."""

    tz: dt.tzinfo = dt.UTC

    def now(self) -> dt.datetime:
        """The current moment in the shop's time zone."""
        return dt.datetime.now(self.tz)

    def today(self) -> dt.date:
        """Today's date in the shop's time zone."""
        return self.now().date()


@attrs.frozen
class FixedClock:
    """A clock stopped at one aware moment: for tests, notebooks and reproducible runs."""

    at: dt.datetime = attrs.field()

    @at.validator
    def _aware(self, _: attrs.Attribute[dt.datetime], value: dt.datetime) -> None:
        if value.tzinfo is None:
            raise ValidationError("at", "FixedClock needs an aware datetime (give it a tzinfo)")

    def now(self) -> dt.datetime:
        """The fixed moment."""
        return self.at

    def today(self) -> dt.date:
        """The fixed moment's date."""
        return self.at.date()

"""Credits and debits on the whole order (entries): goodwill, store credit, handling fees,
surcharges."""

from __future__ import annotations

import enum

import attrs

from draftorders._compat import renamed
from draftorders._validate import check_type, money_amount, non_empty_text
from draftorders.money import Money

__all__ = ["EntryKind", "OrderEntry"]


class EntryKind(enum.Enum):
    """Which way an entry moves the total."""

    CREDIT = "credit"
    """Lowers what the customer pays (goodwill, store credit)."""
    DEBIT = "debit"
    """Raises what the customer pays (handling fee, surcharge)."""


@attrs.frozen
class OrderEntry:
    """A credit or debit entry on the whole order.

    A ``taxable`` credit lowers the tax base (it is split over the lines like an order
    discount); a non-taxable credit lowers the amount due after tax. A ``taxable`` debit is
    taxed at the rates of ``tax_category``; a non-taxable one is added after tax.
    """

    id: str = attrs.field(validator=non_empty_text)
    kind: EntryKind = attrs.field(validator=check_type(EntryKind))
    title: str = attrs.field(validator=non_empty_text)
    amount: Money = attrs.field(validator=money_amount)
    taxable: bool = attrs.field(default=False, validator=check_type(bool))
    tax_category: str = attrs.field(default="standard", validator=non_empty_text)

    @property
    def source(self) -> str:
        """Stable name in explanations: ``"credit:goodwill"``, ``"debit:handling"``."""
        return f"{self.kind.value}:{self.id}"


__getattr__ = renamed(__name__, globals())

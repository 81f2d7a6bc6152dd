"""Manual discounts a merchant types in: on a line, or on the whole order."""

from __future__ import annotations

import enum
from decimal import Decimal

import attrs

from draftorders._validate import check_type, money_amount, optional_text, percent_range
from draftorders.errors import ValidationError
from draftorders.money import Money, percent_ratio, to_decimal

__all__ = ["DiscountKind", "ManualDiscount"]


class DiscountKind(enum.Enum):
    """How a manual discount's value is read."""

    PERCENTAGE = "percentage"
    """A percentage of what it discounts (the line's amount, or the order's)."""
    AMOUNT = "amount"
    """A fixed amount off the whole line, or off the whole order."""
    AMOUNT_PER_UNIT = "amount_per_unit"
    """A fixed amount off each unit of a line (lines only)."""


def _ratio(discount: ManualDiscount) -> tuple[int, int]:
    return percent_ratio(discount.percentage) if discount.percentage is not None else (0, 1)


@attrs.frozen
class ManualDiscount:
    """A discount entered by hand. Build it with :meth:`percent`, :meth:`fixed` or :meth:`per_unit`.

    ``title`` is the merchant's own words ("loyal customer"), shown in explanations.
    """

    kind: DiscountKind = attrs.field(validator=check_type(DiscountKind))
    percentage: Decimal | None = attrs.field(default=None, validator=percent_range)
    amount: Money | None = attrs.field(
        default=None, validator=attrs.validators.optional(money_amount)
    )
    title: str | None = attrs.field(default=None, converter=optional_text)
    ratio: tuple[int, int] = attrs.field(
        init=False, eq=False, repr=False, default=attrs.Factory(_ratio, takes_self=True)
    )
    """The percentage as an exact fraction ``(numerator, denominator)`` of one, for pricing."""

    def __attrs_post_init__(self) -> None:
        if (self.kind is DiscountKind.PERCENTAGE) != (self.percentage is not None) or (
            self.kind is not DiscountKind.PERCENTAGE
        ) != (self.amount is not None):
            raise ValidationError(
                "discount", "use ManualDiscount.percent(), .fixed() or .per_unit() to build one"
            )

    @classmethod
    def percent(cls, value: object, title: str | None = None) -> ManualDiscount:
        """``value`` percent off, 0 to 100 (``ManualDiscount.percent("10")``)."""
        return cls(DiscountKind.PERCENTAGE, percentage=to_decimal(value, "percentage"), title=title)

    @classmethod
    def fixed(cls, amount: Money, title: str | None = None) -> ManualDiscount:
        """A fixed amount off the whole line or order."""
        return cls(DiscountKind.AMOUNT, amount=amount, title=title)

    @classmethod
    def per_unit(cls, amount: Money, title: str | None = None) -> ManualDiscount:
        """A fixed amount off each unit of a line."""
        return cls(DiscountKind.AMOUNT_PER_UNIT, amount=amount, title=title)

    @property
    def label(self) -> str:
        """Stable words naming the discount, e.g. ``"10% off"`` or ``"USD 5.00 off"``."""
        if self.percentage is not None:
            text = f"{self.percentage}% off"
        else:
            assert self.amount is not None
            each = " each" if self.kind is DiscountKind.AMOUNT_PER_UNIT else ""
            text = f"{self.amount.currency.code} {self.amount.amount} off{each}"
        return f"{text} ({self.title})" if self.title else text

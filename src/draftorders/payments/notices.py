"""What a gateway tells the shop later, by webhook: a pending payment settled or failed, a
payment refunded or disputed outside the shop. A notice names the payment by the gateway's
reference; the cashier applies each notice once, however often it is delivered."""

from __future__ import annotations

import datetime as dt
import enum

import attrs

from draftorders._validate import (
    check_money,
    check_type,
    non_empty_text,
    optional_aware_datetime,
    optional_key,
)
from draftorders.money import Money

__all__ = ["GatewayNotice", "NoticeEvent"]


class NoticeEvent(enum.Enum):
    """What the gateway reports."""

    SETTLED = "settled"
    """A pending payment went through."""
    FAILED = "failed"
    """A pending payment did not go through."""
    REFUNDED = "refunded"
    """Money was given back at the gateway (its dashboard, say)."""
    DISPUTED = "disputed"
    """The customer's bank took money back (a chargeback)."""


def _optional_money(_: object, attribute: attrs.Attribute[Money | None], value: object) -> None:
    if value is not None:
        check_money(value, attribute.name)


@attrs.frozen
class GatewayNotice:
    """One asynchronous notice: which gateway, which event, which payment (the gateway's
    ``reference``), and the gateway's own id of the notice (deliveries of one notice share it).
    ``amount`` is needed for refunds and disputes."""

    gateway: str = attrs.field(validator=non_empty_text)
    event: NoticeEvent = attrs.field(validator=check_type(NoticeEvent))
    reference: str = attrs.field(validator=non_empty_text)
    notice_id: str = attrs.field(validator=non_empty_text)
    amount: Money | None = attrs.field(default=None, validator=_optional_money)
    occurred_at: dt.datetime | None = attrs.field(default=None, validator=optional_aware_datetime)
    message: str | None = attrs.field(default=None, validator=optional_key)

    @property
    def key(self) -> str:
        """What identifies the notice across deliveries: gateway and notice id."""
        return f"{self.gateway}:{self.notice_id}"

"""Finding shipping rates for an order: its zone, its packages, and each rate's price.

:func:`find_rates` needs the order's shipping address (the shipping section of an order with no
shipping address is hidden) and the order amount after discounts (free-from thresholds are on
that amount; the service prices the order to get it). It returns the options sorted by price,
each saying how it was worked out, or no options and the reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

import attrs

from draftorders.errors import ShippingAddressRequired, ValidationError
from draftorders.money import Money
from draftorders.order import DraftOrder
from draftorders.shipping.packages import Box, Package, pack
from draftorders.shipping.rates import ShippingRate
from draftorders.shipping.units import plain
from draftorders.shipping.zones import ShippingZone, find_zone

__all__ = ["RateOption", "RateSearch", "find_rates"]


@attrs.frozen
class RateOption:
    """A priced shipping option: the method, its price, and how the price was worked out."""

    method: str
    carrier: str | None
    service: str | None
    amount: Money
    billable_kg: Decimal
    reason: str


@attrs.frozen
class RateSearch:
    """The zone found, the packages rated, the options by price, and why there are none."""

    zone: str | None
    packages: tuple[Package, ...]
    options: tuple[RateOption, ...]
    reasons: tuple[str, ...]

    def option(self, method: str) -> RateOption:
        """The option of this method."""
        for option in self.options:
            if option.method == method:
                return option
        raise ValidationError("method", f"no {method!r} rate for this order")


def _rate(
    rate: ShippingRate, packages: Sequence[Package], subtotal: Money, items: int
) -> RateOption | str:
    billable = sum((p.billable_kg(rate.dim_divisor) for p in packages), Decimal(0))
    billable = plain(billable)
    if rate.min_kg is not None and billable < rate.min_kg:
        return f"{rate.method}: {billable} kg is under its minimum of {rate.min_kg} kg"
    if rate.max_kg is not None and billable > rate.max_kg:
        return f"{rate.method}: {billable} kg is over its maximum of {rate.max_kg} kg"
    charged = rate.pricing.charge(billable, subtotal, items)
    if charged is None:
        return f"{rate.method}: no bracket for {billable} kg / order {subtotal.amount}"
    amount, how = charged
    if amount.currency != subtotal.currency:
        return f"{rate.method}: priced in {amount.currency.code}, the order in {subtotal.currency}"
    if rate.free_from is not None and subtotal.amount >= rate.free_from.amount:
        amount = Money(Decimal(0).quantize(amount.amount), amount.currency)
        how = f"free: order {subtotal.amount} is at least {rate.free_from.amount}"
    divisor = f", dimensional divisor {rate.dim_divisor}" if rate.dim_divisor else ""
    reason = f"billable {billable} kg{divisor}; {how}"
    return RateOption(rate.method, rate.carrier, rate.service, amount, billable, reason)


def find_rates(
    order: DraftOrder,
    zones: Iterable[ShippingZone],
    subtotal: Money,
    *,
    boxes: Sequence[Box] = (),
    packages: Sequence[Package] | None = None,
) -> RateSearch:
    """The shipping options for ``order`` (packed by :func:`pack` unless ``packages`` are
    given), sorted by price then method; ``subtotal`` is the order amount after discounts."""
    address = order.shipping_address
    if address is None:
        raise ShippingAddressRequired("shipping", "add a shipping address to find rates")
    zone = find_zone(zones, address)
    parcels = tuple(packages) if packages is not None else pack(order.lines, boxes)
    if zone is None:
        return RateSearch(None, parcels, (), (f"no shipping zone covers {address.country}",))
    items = sum(line.quantity for line in order.lines if line.requires_shipping)
    options, reasons = [], []
    for rate in zone.rates:
        priced = _rate(rate, parcels, subtotal, items)
        if isinstance(priced, str):
            reasons.append(priced)
        else:
            options.append(priced)
    options.sort(key=lambda option: (option.amount.amount, option.method))
    return RateSearch(zone.name, parcels, tuple(options), tuple(reasons))

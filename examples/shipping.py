"""Shipping rates for an order on the phone: zone, packages, dimensional weight, free shipping.

Zone "Domestic" (US): "Standard" by weight (up to 1 kg 5.00, over 1 up to 5 kg 9.00, over 5 up
to 20 kg 18.00), free at 75.00 or more, dimensional divisor 5000 cm3/kg; "Express" flat 15.00.
A lamp (59.00, 1.5 kg) ships in its own 40 x 30 x 20 cm box; a shade (20.00, 0.3 kg) has no
box of its own and no box catalog is set up, so it counts by its actual weight.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from draftorders import (
    Address,
    Catalog,
    Dimensions,
    DraftOrder,
    LengthUnit,
    Money,
    Product,
    ShippingAddressRequired,
    Weight,
    WeightUnit,
    price,
)
from draftorders.shipping import (
    Flat,
    RateSearch,
    ShippingRate,
    ShippingZone,
    WeightBrackets,
    find_rates,
)


def usd(amount: str) -> Money:
    """``usd("9.99")`` is USD 9.99."""
    return Money(Decimal(amount), "USD")


ZONES = [
    ShippingZone(
        "Domestic",
        countries={"US"},
        rates=[
            ShippingRate(
                "Standard",
                WeightBrackets(((1, usd("5.00")), (5, usd("9.00")), (20, usd("18.00")))),
                free_from=usd("75.00"),
                dim_divisor=Decimal(5000),
            ),
            ShippingRate("Express", Flat(usd("15.00"))),
        ],
    )
]

CATALOG = Catalog.of(
    Product(
        sku="LAMP",
        title="Lamp",
        price=usd("59.00"),
        weight=Weight("1.5", WeightUnit.KG),
        dimensions=Dimensions(40, 30, 20, LengthUnit.CM),
        ships_alone=True,
    ),
    Product(sku="SHADE", title="Shade", price=usd("20.00"), weight=Weight("0.3", WeightUnit.KG)),
)

NEW_YORK = Address(country="US", region="NY", city="New York", postal_code="10001")


def search(order: DraftOrder) -> RateSearch:
    """The rates for the order, on its amount after discounts."""
    return find_rates(order, ZONES, price(order).net_subtotal)


def describe(label: str, found: RateSearch) -> list[str]:
    """One line per option, or the reasons there are none."""
    lines = [f"{label}: zone {found.zone}"]
    if found.options:
        lines.append(f"  billable weight {found.options[0].billable_kg} kg")
    lines += [f"  {o.method} {o.amount.amount} ({o.reason})" for o in found.options]
    lines += [f"  no rates: {reason}" for reason in found.reasons if not found.options]
    return lines


def report() -> str:
    """Every figure of the example."""
    lamp = DraftOrder.new("S1", "USD", dt.date(2026, 11, 26)).set_shipping_address(NEW_YORK)
    lamp = lamp.add_product(CATALOG, "LAMP", 1)
    both = lamp.add_product(CATALOG, "SHADE", 1)
    abroad = both.set_shipping_address(Address(country="FR", city="Paris"))
    out = describe("Lamp to New York", search(lamp))
    out += describe(f"Lamp and shade ({price(both).net_subtotal.amount})", search(both))
    out += describe("Lamp and shade to Paris", search(abroad))
    try:
        search(both.set_shipping_address(None))
    except ShippingAddressRequired as error:
        out.append(f"No shipping address: {type(error).__name__}: {error}")
    return "\n".join(out)


if __name__ == "__main__":
    print(report())

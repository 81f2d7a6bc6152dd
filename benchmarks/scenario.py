"""The benchmark's order: the same arithmetic for the engine, the kernel and the naive version.

A random order of ``size`` catalog lines (quantities 1-9), each with a manual line discount
of one of four kinds (none, percentage, fixed per line, per unit); a 10% product promotion on
the lines tagged ``sale``; a 5% order promotion once the subtotal reaches 50.00, split over
the lines by largest remainder; a 2.5% manual order discount, split the same way; shipping
9.95; and two tax rates (6.25% state, 2.5% county) on every line and on shipping, each
rounded per line, half-up. The engine also builds the explanation trail; the other two do not.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import attrs

from draftorders import (
    Address,
    Catalog,
    DraftOrder,
    Jurisdiction,
    ManualDiscount,
    Money,
    PricedOrder,
    PricingContext,
    Product,
    TableTax,
    TaxRate,
    TaxTable,
)
from draftorders.order import ShippingLine
from draftorders.order.lines import LineItem
from draftorders.promotions import (
    MinSubtotal,
    OrderPercentOff,
    PercentOff,
    Promotion,
    PromotionBook,
    Target,
)

__all__ = ["SPEC", "KernelLine", "Order", "Result", "Spec", "build", "context", "read"]

KernelLine = tuple[str, Decimal, int, str, Decimal, bool]
"""(line id, unit price, quantity, discount kind: "" | "pct" | "amount" | "unit", value,
tagged ``sale``)."""

Result = tuple[list[tuple[str, Decimal, Decimal]], Decimal, Decimal]
"""Per line (id, net, tax over both rates), the tax total and the order total."""


@attrs.frozen
class Spec:
    """The order-level figures every implementation is given."""

    sale_pct: Decimal = Decimal(10)
    order_pct: Decimal = Decimal(5)
    order_min: Decimal = Decimal("50.00")
    manual_pct: Decimal = Decimal("2.5")
    shipping: Decimal = Decimal("9.95")
    rates: tuple[Decimal, ...] = (Decimal("0.0625"), Decimal("0.025"))
    quantum: Decimal = Decimal("0.01")


SPEC = Spec()
Order = tuple[DraftOrder, list[KernelLine]]


def _usd(amount: Decimal) -> Money:
    return Money(amount, "USD")


def _catalog(rng: random.Random) -> list[Product]:
    return [
        Product(
            sku=f"P{n}",
            title=f"Product {n}",
            price=_usd(Decimal(rng.randint(100, 20000)) / 100),
            tags={"sale"} if n % 3 == 0 else set(),
            collections={f"col{n % 5}"},
        )
        for n in range(60)
    ]


_PRODUCTS = _catalog(random.Random(1))
CATALOG = Catalog.of(*_PRODUCTS)


def context() -> PricingContext:
    """The shop: the two promotions and a two-rate jurisdiction that taxes shipping."""
    state = TaxRate.percent("6.25", "State")
    county = TaxRate.percent("2.5", "County")
    table = TaxTable((Jurisdiction("US-XX", "US", (state, county), region="XX"),))
    book = PromotionBook(
        [
            Promotion(
                "SALE", "10% off sale", PercentOff(SPEC.sale_pct), target=Target(tags={"sale"})
            ),
            Promotion(
                "ORDER5",
                "5% off from 50",
                OrderPercentOff(SPEC.order_pct),
                conditions=[MinSubtotal(_usd(SPEC.order_min))],
            ),
        ]
    )
    return PricingContext(tax=TableTax(table), promotions=book)


def build(size: int, seed: int = 7, order_id: str = "BENCH") -> Order:
    """A random order of ``size`` lines, and the same order as kernel input."""
    rng = random.Random(seed)
    items: list[LineItem] = []
    kernel: list[KernelLine] = []
    for n in range(1, size + 1):
        product = rng.choice(_PRODUCTS)
        qty = rng.randint(1, 9)
        unit = product.price.amount
        item = LineItem.from_product(f"L{n}", product, qty)
        kind, value = rng.choice(["", "pct", "amount", "unit"]), Decimal(0)
        discount = None
        if kind == "pct":
            value = Decimal(rng.randint(1, 50))
            discount = ManualDiscount.percent(value)
        elif kind == "amount":
            value = (unit * qty / 3).quantize(SPEC.quantum)
            discount = ManualDiscount.fixed(_usd(value))
        elif kind == "unit":
            value = (unit / 4).quantize(SPEC.quantum)
            discount = ManualDiscount.per_unit(_usd(value))
        if discount is not None:
            item = attrs.evolve(item, discount=discount)
        items.append(item)
        kernel.append((item.id, unit, qty, kind, value, "sale" in product.tags))
    order = DraftOrder(
        id=order_id,
        currency="USD",
        order_date=dt.date(2026, 1, 1),
        shipping_address=Address(country="US", region="XX"),
        lines=tuple(items),
        lines_added=size,
        order_discount=ManualDiscount.percent(SPEC.manual_pct),
        shipping=ShippingLine("Ground", _usd(SPEC.shipping)),
    )
    return order, kernel


def read(priced: PricedOrder) -> Result:
    """What the kernel returns, read from the breakdown (the engine's timed work includes it)."""
    return (
        [(p.line_id, p.net.amount, p.tax.amount) for p in priced.lines],
        priced.tax_total.amount,
        priced.total.amount,
    )

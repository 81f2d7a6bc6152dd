"""Time ``draftorders.price`` against the hand-written Decimal kernel, and check they agree.

Run with ``make bench``. Prints, for orders of 10, 100 and 1,000 lines, the median time of
each and the median ratio pipeline / kernel over rounds that alternate the two, so that both see
the same machine load. Not part of the test suite: it prints, never asserts a time.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
from decimal import Decimal
from pathlib import Path
from statistics import median

sys.path.insert(0, str(Path(__file__).parent))

from draftorders import (
    Address,
    DraftOrder,
    FlatRateTax,
    ManualDiscount,
    Money,
    PricedOrder,
    PricingContext,
    TaxRate,
    price,
)
from kernel import KernelLine, price_kernel
from timing import timed

ROUNDS = 25
RATE = TaxRate.percent("8.25", "Sales tax")
CONTEXT = PricingContext(tax=FlatRateTax(RATE))


def build(size: int, seed: int = 7) -> tuple[DraftOrder, list[KernelLine]]:
    """A random order of ``size`` lines, and the same order as kernel input."""
    rng = random.Random(seed)
    order = DraftOrder.new("BENCH", "USD", dt.date(2026, 1, 1))
    order = order.set_shipping_address(Address(country="US"))
    kernel: list[KernelLine] = []
    for n in range(1, size + 1):
        unit = Decimal(rng.randint(100, 20000)) / 100
        qty = rng.randint(1, 9)
        order = order.add_custom_item(f"Item {n}", unit, qty)
        kind, value = rng.choice(["", "pct", "amount", "unit"]), Decimal(0)
        if kind == "pct":
            value = Decimal(rng.randint(1, 50))
            order = order.set_line_discount(f"L{n}", ManualDiscount.percent(value))
        elif kind == "amount":
            value = (unit * qty / 3).quantize(Decimal("0.01"))
            order = order.set_line_discount(f"L{n}", ManualDiscount.fixed(Money(value, "USD")))
        elif kind == "unit":
            value = (unit / 4).quantize(Decimal("0.01"))
            order = order.set_line_discount(f"L{n}", ManualDiscount.per_unit(Money(value, "USD")))
        kernel.append((f"L{n}", unit, qty, kind, value))
    order = order.set_order_discount(ManualDiscount.percent("7.5"))
    order = order.set_shipping("Ground", Decimal("9.95"))
    return order, kernel


def run_kernel(
    kernel: list[KernelLine],
) -> tuple[list[tuple[str, Decimal, Decimal]], Decimal, Decimal]:
    return price_kernel(
        kernel, Decimal("7.5"), None, Decimal("9.95"), RATE.fraction, Decimal("0.01")
    )


def check_equal(order: DraftOrder, kernel: list[KernelLine]) -> None:
    """The pipeline and the kernel must agree on every line's net and tax, and the totals."""
    priced = price(order, CONTEXT)
    lines, tax_total, total = run_kernel(kernel)
    ours = [(p.line_id, p.net.amount, p.tax.amount) for p in priced.lines]
    if ours != lines or priced.tax_total.amount != tax_total or priced.total.amount != total:
        raise SystemExit("pipeline and kernel disagree: the benchmark is void")


def read(priced: PricedOrder) -> tuple[list[tuple[str, Money, Money]], Money, Money]:
    """What the kernel returns, read from the breakdown: the timed work includes reading it."""
    return [(p.line_id, p.net, p.tax) for p in priced.lines], priced.tax_total, priced.total


def main() -> None:
    """Alternate pipeline and kernel runs, so both see the same machine, and take medians."""
    print(
        f"{'lines':>6} {'pipeline':>12} {'kernel':>12} {'ratio':>7}   (medians of {ROUNDS} rounds)"
    )
    for size in (10, 100, 1000):
        order, kernel = build(size)
        check_equal(order, kernel)
        number = max(1, 1000 // size)
        ours, theirs, ratios = [], [], []
        for _ in range(ROUNDS):
            ours.append(timed(lambda o=order: read(price(o, CONTEXT)), number))
            theirs.append(timed(lambda k=kernel: run_kernel(k), number))
            ratios.append(ours[-1] / theirs[-1])
        print(
            f"{size:>6} {median(ours) * 1e3:>10.3f}ms {median(theirs) * 1e3:>10.3f}ms "
            f"{median(ratios):>6.2f}x"
        )


if __name__ == "__main__":
    main()

"""Time pricing a 100-line order against 10 and against 10,000 active promotions.

Run with ``make bench``. The two books hold the same 10 promotions that concern the order;
the large one adds 9,990 that do not (other SKUs, tags and collections, and coupon codes the
order has not entered), as a shop with a big catalog has. The index should make the large
book cost about what the small one does. Prints medians of alternating rounds and the ratio;
never asserts a time.
"""

from __future__ import annotations

import datetime as dt
import sys
from decimal import Decimal
from pathlib import Path
from statistics import median

sys.path.insert(0, str(Path(__file__).parent))

from draftorders import (
    Catalog,
    Customer,
    DraftOrder,
    FlatRateTax,
    Money,
    PricingContext,
    Product,
    TaxRate,
    price,
)
from draftorders.promotions import (
    AmountOff,
    BuyXGetY,
    CustomerGroup,
    MinSubtotal,
    OrderPercentOff,
    PercentOff,
    Promotion,
    PromotionBook,
    SpendTiers,
    Target,
)
from timing import timed

ROUNDS = 25
LINES = 100


def usd(amount: str) -> Money:
    """``usd("9.99")`` is USD 9.99."""
    return Money(Decimal(amount), "USD")


def build_order() -> DraftOrder:
    """100 lines of products P0..P99, tagged by tens, in collections by fives."""
    catalog = Catalog.of(
        *(
            Product(
                sku=f"P{n}",
                title=f"Product {n}",
                price=usd(f"{5 + n % 40}.99"),
                tags={f"tag{n % 10}"},
                collections={f"col{n % 5}"},
            )
            for n in range(LINES)
        )
    )
    order = DraftOrder.new(
        "BENCH", "USD", dt.date(2026, 11, 26), customer=Customer(id="C1", name="Ada")
    )
    for n in range(LINES):
        order = order.add_product(catalog, f"P{n}", 1 + n % 4)
    return order


def relevant() -> list[Promotion]:
    """The 10 promotions that concern the order."""
    return [
        Promotion("SKU-P1", "10% off P1", PercentOff("10"), target=Target(skus={"P1"})),
        Promotion("SKU-P2", "1.00 off P2", AmountOff(usd("1.00")), target=Target(skus={"P2"})),
        Promotion("TAG3", "5% off tag3", PercentOff("5"), target=Target(tags={"tag3"})),
        Promotion("B2G1", "b2g1 on P7", BuyXGetY(2, 1), target=Target(skus={"P7"})),
        Promotion("COL4", "3% off col4", PercentOff("3"), target=Target(collections={"col4"})),
        Promotion("ORDER5", "5% off", OrderPercentOff("5"), conditions=[MinSubtotal(usd("50"))]),
        Promotion(
            "TIERS",
            "spend tiers",
            SpendTiers(((usd("100"), usd("5")), (usd("500"), usd("30")))),
            combines_with={"product", "shipping"},
        ),
        Promotion(
            "VIP",
            "vip 20%",
            OrderPercentOff("20"),
            conditions=[CustomerGroup({"vip"})],
            exclusive=True,
        ),
        Promotion("TAG9", "2% off tag9", PercentOff("2"), target=Target(tags={"tag9"})),
        Promotion("P50", "4% off P50", PercentOff("4"), target=Target(skus={"P50"})),
    ]


def unrelated(count: int) -> list[Promotion]:
    """``count`` promotions that concern other products, tags, collections or codes."""
    promotions = []
    for n in range(count):
        kind = n % 4
        if kind == 0:
            target = Target(skus={f"OTHER{n}"})
        elif kind == 1:
            target = Target(tags={f"othertag{n}"})
        elif kind == 2:
            target = Target(collections={f"othercol{n}"})
        else:
            promotions.append(
                Promotion(f"CODE{n}", f"code {n}", OrderPercentOff("5"), code=f"CODE{n}")
            )
            continue
        promotions.append(Promotion(f"U{n}", f"unrelated {n}", PercentOff("5"), target=target))
    return promotions


def context(book: PromotionBook) -> PricingContext:
    """The shop's context with this promotion book."""
    return PricingContext(tax=FlatRateTax(TaxRate.percent("8.25", "Sales tax")), promotions=book)


def measure(rounds: int = ROUNDS) -> tuple[float, float, float]:
    """Seconds per pricing with the 10- and the 10,000-promotion book, and the median ratio
    large / small over alternating rounds; verified to price the order identically first."""
    order = build_order()
    small = context(PromotionBook(relevant()))
    large = context(PromotionBook([*relevant(), *unrelated(9_990)]))
    if price(order, small) != price(order, large):
        raise SystemExit("the two books price the order differently: the benchmark is void")
    number = 10
    ours, theirs, ratios = [], [], []
    for _ in range(rounds):
        ours.append(timed(lambda: price(order, small), number))
        theirs.append(timed(lambda: price(order, large), number))
        ratios.append(theirs[-1] / ours[-1])
    return median(ours), median(theirs), median(ratios)


def main() -> None:
    """Print the medians and the ratio of the 10,000-promotion book to the 10-promotion one."""
    small, large, ratio = measure()
    print(f"100-line order, medians of {ROUNDS} alternating rounds")
    print(f"  10 promotions:     {small * 1e3:8.3f} ms")
    print(f"  10,000 promotions: {large * 1e3:8.3f} ms")
    print(f"  ratio:             {ratio:8.2f}x (target: at most 1.5x)")


if __name__ == "__main__":
    main()

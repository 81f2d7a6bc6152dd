# %% [markdown]
# # What if: two promotion plans against none
#
# Ten thousand generated USD orders (seeded, 1-6 lines each, half of them shipped), priced
# three ways: no promotion; "10% off orders of 100 or more"; "tea: buy 2, get the 3rd half
# price". The comparison reads the orders once and adds up, per scenario, revenue, what each
# promotion gave away, tax, shipping and margin (all products have a cost but gift cards), and
# which orders' totals moved. Run it with plain Python, or cell by cell in an editor that reads
# percent-format cells; ``--orders N`` prices fewer orders.

# %%
from __future__ import annotations

import argparse
import datetime as dt
import random
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

from draftorders import (
    Address,
    Catalog,
    DraftOrder,
    FlatRateTax,
    MissingExtra,
    Money,
    PricingContext,
    Product,
    TaxRate,
)
from draftorders.analysis import Comparison, Scenario, compare
from draftorders.promotions import BuyXGetY, MinSubtotal, OrderPercentOff, Promotion, Target

OUT = Path("build/what_if")


def usd(amount: str) -> Money:
    """``usd("7.50")`` is USD 7.50."""
    return Money(Decimal(amount), "USD")


CATALOG = Catalog.of(
    Product(sku="TEA", title="Black tea", price=usd("7.50"), cost=usd("3.10"), tags={"tea"}),
    Product(sku="GREEN", title="Green tea", price=usd("9.00"), cost=usd("4.00"), tags={"tea"}),
    Product(sku="MUG", title="Mug", price=usd("14.00"), cost=usd("5.20")),
    Product(sku="POT", title="Teapot", price=usd("39.00"), cost=usd("17.00")),
    Product(sku="CARD", title="Gift card", price=usd("25.00"), taxable=False),
)

# %% [markdown]
# ## The orders
#
# A pool of distinct baskets is built with the ordinary order edits, then each order is a
# duplicate of a randomly drawn basket under its own id: the orders are generated lazily, so
# the comparison streams them and never holds ten thousand at once.

# %%


def baskets(rng: random.Random, count: int = 500) -> list[DraftOrder]:
    """``count`` random baskets: 1-6 lines of 1-4 units, half of them with shipping."""
    skus = [product.sku for product in CATALOG]
    pool = []
    for _ in range(count):
        basket = DraftOrder.new("BASKET", "USD", dt.date(2026, 5, 1))
        basket = basket.set_shipping_address(Address(country="US"))
        for _ in range(rng.randint(1, 6)):
            basket = basket.add_product(CATALOG, rng.choice(skus), rng.randint(1, 4))
        if rng.random() < 0.5:
            basket = basket.set_shipping("Standard", Decimal("5.90"))
        pool.append(basket)
    return pool


def orders(count: int, seed: int = 2026) -> Iterator[DraftOrder]:
    """``count`` orders D00001, D00002 ..., each a copy of a randomly drawn basket."""
    rng = random.Random(seed)
    pool = baskets(rng)
    for number in range(1, count + 1):
        yield rng.choice(pool).duplicate(f"D{number:05d}", dt.date(2026, 5, 1))


# %% [markdown]
# ## The scenarios

# %%
NO_PROMOTION = Scenario(
    "no promotion", PricingContext(tax=FlatRateTax(TaxRate.percent("8", "Sales tax")))
)
ORDER_10 = NO_PROMOTION.with_promotions(
    Promotion(
        "ORDER-10",
        "10% off orders of 100 or more",
        OrderPercentOff("10"),
        conditions=[MinSubtotal(usd("100.00"))],
    ),
    name="10% over 100",
)
TEA_3RD_HALF = NO_PROMOTION.with_promotions(
    Promotion(
        "TEA-B2G1-HALF",
        "Tea: buy 2, get the 3rd half price",
        BuyXGetY(buy=2, get=1, percent="50"),
        target=Target(tags={"tea"}),
    ),
    name="tea 3rd half price",
)

# %% [markdown]
# ## Compare, print, plot


# %%
def main(count: int = 10_000, out: Path | None = OUT) -> Comparison:
    """Compare the plans over ``count`` orders, print the table, and save the plots to
    ``out`` (when matplotlib is installed and ``out`` is not None)."""
    started = time.perf_counter()
    comparison = compare(orders(count), NO_PROMOTION, ORDER_10, TEA_3RD_HALF)
    elapsed = time.perf_counter() - started
    print(comparison.table())
    print(f"\n{count} orders x 3 scenarios priced and compared in {elapsed:.1f} s")
    if out is not None:
        try:
            discounts, changes = comparison.plot_discounts(), comparison.plot_changes()
        except MissingExtra:
            print("matplotlib is not installed: no plots (pip install 'draftorders[notebook]')")
        else:
            out.mkdir(parents=True, exist_ok=True)
            discounts.savefig(out / "discounts.png")
            changes.savefig(out / "changes.png")
            print(f"plots: {out / 'discounts.png'}, {out / 'changes.png'}")
    return comparison


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Compare two promotion plans.")
    parser.add_argument("--orders", type=int, default=10_000, help="how many orders to price")
    main(parser.parse_args().orders)

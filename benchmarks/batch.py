"""Batch pricing: many small orders on one process, and over a pool of processes.

Uses ``draftorders.analysis.price_batch`` when the library has it; otherwise the pool here:
a ``ProcessPoolExecutor`` over chunks of orders, each worker pricing its chunk with the
shop's context and sending back each order's total.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from decimal import Decimal

from draftorders import DraftOrder, PricingContext, price

__all__ = ["CHUNK", "batch_pricer"]

CHUNK = 1_000


def price_chunk(orders: Sequence[DraftOrder], context: PricingContext) -> list[Decimal]:
    """Each order's total, priced under ``context``."""
    return [price(order, context).total.amount for order in orders]


def price_pool(
    orders: Sequence[DraftOrder], context: PricingContext, processes: int
) -> list[Decimal]:
    """Each order's total, the orders priced by ``processes`` worker processes in chunks."""
    if processes == 1:
        return price_chunk(orders, context)
    chunks = [orders[i : i + CHUNK] for i in range(0, len(orders), CHUNK)]
    with ProcessPoolExecutor(processes) as pool:
        parts = pool.map(price_chunk, chunks, [context] * len(chunks))
        return [total for part in parts for total in part]


def batch_pricer() -> tuple[
    str, Callable[[Sequence[DraftOrder], PricingContext, int], list[Decimal]]
]:
    """(where it comes from, a function pricing orders to their totals on N processes)."""
    try:
        analysis = importlib.import_module("draftorders.analysis")
        library = analysis.price_batch
    except (ImportError, AttributeError):
        return "benchmarks/batch.py ProcessPoolExecutor", price_pool

    def run(orders: Sequence[DraftOrder], context: PricingContext, processes: int) -> list[Decimal]:
        return [p.total.amount for p in library(list(orders), context, processes=processes)]

    return "draftorders.analysis.price_batch", run

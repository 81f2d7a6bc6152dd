"""Batch pricing: many small orders on one process and on two, and the same orders through the
reference kernel on one process, as the machine's yardstick.

Two ways to two processes: ``price_batch`` sends the orders to the workers (pickled), and
``price_partitions`` lets each worker load its own orders (here from a pickle file per
partition, standing in for a file or a query). Both send back each order's total only
(``result=attrgetter("total")``).
"""

from __future__ import annotations

import pickle
from collections.abc import Sequence
from decimal import Decimal
from functools import partial
from operator import attrgetter
from pathlib import Path

from draftorders import DraftOrder, PricingContext
from draftorders.analysis import Partition, price_batch, price_partitions
from kernel import price_kernel
from scenario import SPEC, KernelLine

__all__ = ["kernel_totals", "partition_files", "partitioned_totals", "totals"]

_TOTAL = attrgetter("total")


def totals(orders: Sequence[DraftOrder], context: PricingContext, processes: int) -> list[Decimal]:
    """Each order's total, the orders priced by ``processes`` processes."""
    return [t.amount for t in price_batch(orders, context, processes=processes, result=_TOTAL)]


def load(path: Path) -> list[DraftOrder]:
    """A partition's orders, from its file."""
    with path.open("rb") as file:
        orders: list[DraftOrder] = pickle.load(file)
    return orders


def partition_files(orders: Sequence[DraftOrder], size: int, directory: Path) -> list[Partition]:
    """``orders`` written ``size`` to a file, and a partition that loads each file."""
    partitions: list[Partition] = []
    for number, start in enumerate(range(0, len(orders), size)):
        path = directory / f"partition-{number:04d}.pickle"
        path.write_bytes(pickle.dumps(list(orders[start : start + size]), pickle.HIGHEST_PROTOCOL))
        partitions.append(partial(load, path))
    return partitions


def partitioned_totals(
    partitions: Sequence[Partition], context: PricingContext, processes: int
) -> list[Decimal]:
    """Each order's total, each partition loaded and priced by one of ``processes``."""
    found = price_partitions(partitions, context, processes=processes, result=_TOTAL)
    return [total.amount for total in found]


def kernel_totals(orders: Sequence[list[KernelLine]]) -> list[Decimal]:
    """Each order's total through the reference kernel, on this process."""
    return [price_kernel(lines, SPEC)[2] for lines in orders]

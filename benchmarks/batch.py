"""Batch pricing: many small orders on one process and over a pool of processes, and the
same orders through the reference kernel on one process, as the machine's yardstick.

Uses ``draftorders.analysis.price_batch`` with ``result=attrgetter("total")``, so workers send
back each order's total rather than its whole breakdown.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from operator import attrgetter

from draftorders import DraftOrder, PricingContext
from draftorders.analysis import price_batch
from kernel import price_kernel
from scenario import SPEC, KernelLine

__all__ = ["kernel_totals", "totals"]

_TOTAL = attrgetter("total")


def totals(orders: Sequence[DraftOrder], context: PricingContext, processes: int) -> list[Decimal]:
    """Each order's total, the orders priced by ``processes`` processes."""
    return [t.amount for t in price_batch(orders, context, processes=processes, result=_TOTAL)]


def kernel_totals(orders: Sequence[list[KernelLine]]) -> list[Decimal]:
    """Each order's total through the reference kernel, on this process."""
    return [price_kernel(lines, SPEC)[2] for lines in orders]

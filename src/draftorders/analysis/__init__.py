"""What-if analysis: price many orders (batch, streaming, in parallel), compare scenarios."""

from draftorders.analysis.batch import Partition, price_batch, price_partitions
from draftorders.analysis.comparison import Change, Comparison, Outcome, compare
from draftorders.analysis.scenario import Scenario

__all__ = [
    "Change",
    "Comparison",
    "Outcome",
    "Partition",
    "Scenario",
    "compare",
    "price_batch",
    "price_partitions",
]

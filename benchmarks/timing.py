"""The one timing helper the benchmarks share."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable


def timed(fn: Callable[[], object], number: int) -> float:
    """Seconds per call of ``fn``, over ``number`` calls.

    Collects garbage first, so that what the previous measurement left behind is not billed
    to this one; the collector stays on while ``fn`` runs, so its own garbage is.
    """
    gc.collect()
    start = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - start) / number

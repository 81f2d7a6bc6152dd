"""The one timing helper the benchmarks share."""

from __future__ import annotations

import time
from collections.abc import Callable


def timed(fn: Callable[[], object], number: int) -> float:
    """Seconds per call of ``fn``, over ``number`` calls."""
    start = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - start) / number

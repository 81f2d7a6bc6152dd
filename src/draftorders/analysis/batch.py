"""Price many orders as a stream: one by one, or in chunks over worker processes.

:func:`price_batch` reads its input lazily and keeps only a bounded number of orders in hand
(one in-process; a few chunks per worker otherwise), so it prices millions of orders in constant
memory. Results come back in input order.

Worker processes receive orders and contexts, and send priced orders back, as pickles made by
:func:`dumps`: plain :mod:`pickle` cannot write the read-only mappings inside a context
(promotion usage, rule books, tax tables) nor a priced line, so :func:`dumps` adds reducers for
those two, on its own pickler only (nothing global changes). Plain :func:`pickle.loads` reads
the result.
"""

from __future__ import annotations

import copyreg
import io
import itertools
import pickle
import types
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from draftorders.errors import ValidationError
from draftorders.order import DraftOrder
from draftorders.pricing import PricedLine, PricedOrder, PricingContext, price

__all__ = ["dumps", "price_batch"]

Pair = tuple[DraftOrder, PricingContext]

_IN_FLIGHT_PER_PROCESS = 2
"""Chunks submitted ahead per worker: enough to keep workers busy, few enough to stay small."""


def _read_only_mapping(table: dict[Any, Any]) -> Mapping[Any, Any]:
    return types.MappingProxyType(table)


def _reduce_mapping_proxy(proxy: Mapping[Any, Any]) -> tuple[Any, tuple[dict[Any, Any]]]:
    return _read_only_mapping, (dict(proxy),)


def _reduce_priced_line(line: PricedLine) -> tuple[Any, tuple[Any, ...]]:
    return PricedLine, (line._row, line._scale, line._inclusive)


_DISPATCH: dict[type, Any] = {
    **copyreg.dispatch_table,
    types.MappingProxyType: _reduce_mapping_proxy,
    PricedLine: _reduce_priced_line,
}


def dumps(value: object) -> bytes:
    """Pickle ``value`` (an order, a context, a priced order, or containers of them), also where
    plain :func:`pickle.dumps` cannot; :func:`pickle.loads` reads it back."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _DISPATCH
    pickler.dump(value)
    return buffer.getvalue()


def _pairs(items: Iterable[Pair | DraftOrder], context: PricingContext | None) -> Iterator[Pair]:
    for item in items:
        if isinstance(item, DraftOrder):
            if context is None:
                raise ValidationError(
                    "context",
                    f"order {item.id!r} came without a context: pass context=, "
                    "or (order, context) pairs",
                )
            yield item, context
        else:
            order, own = item
            if not isinstance(order, DraftOrder) or not isinstance(own, PricingContext):
                raise ValidationError(
                    "orders", f"expected a DraftOrder or an (order, context) pair, got {item!r}"
                )
            yield order, own


def _price_chunk(payload: bytes) -> bytes | None:
    """In a worker: price a pickled chunk of pairs; None if any order fails (the caller then
    prices the chunk itself, to raise the error with its own traceback)."""
    try:
        pairs: list[Pair] = pickle.loads(payload)
        return dumps([price(order, context) for order, context in pairs])
    except Exception:
        return None


def _positive(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError(name, f"expected a whole number >= 1, got {value!r}")
    return value


def price_batch(
    items: Iterable[Pair] | Iterable[DraftOrder],
    context: PricingContext | None = None,
    *,
    processes: int = 1,
    chunk_size: int = 1000,
) -> Iterator[PricedOrder]:
    """Price each order, lazily, in input order: ``items`` are orders priced in ``context``, or
    ``(order, context)`` pairs. ``processes > 1`` prices chunks of ``chunk_size`` orders in
    worker processes; it pays off when pricing an order costs more than sending it there and its
    breakdown back (large orders, big promotion books), and not for small ones.
    """
    _positive("processes", processes)
    _positive("chunk_size", chunk_size)
    pairs = _pairs(items, context)
    if processes == 1:
        for order, own in pairs:
            yield price(order, own)
        return
    chunks = iter(lambda: list(itertools.islice(pairs, chunk_size)), [])
    pending: deque[tuple[list[Pair], Future[bytes | None]]] = deque()
    executor = ProcessPoolExecutor(max_workers=processes)
    try:
        for chunk in chunks:
            pending.append((chunk, executor.submit(_price_chunk, dumps(chunk))))
            if len(pending) >= processes * _IN_FLIGHT_PER_PROCESS:
                yield from _results(*pending.popleft())
        while pending:
            yield from _results(*pending.popleft())
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


def _results(chunk: list[Pair], future: Future[bytes | None]) -> Iterator[PricedOrder]:
    payload = future.result()
    if payload is None:
        for order, context in chunk:
            yield price(order, context)
        return
    priced: list[PricedOrder] = pickle.loads(payload)
    yield from priced

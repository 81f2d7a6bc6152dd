"""Price many orders as a stream: one by one, or in chunks over worker processes.

:func:`price_batch` reads its input lazily and keeps only a bounded number of orders in hand
(one in-process; a few chunks per worker otherwise), so it prices millions of orders in constant
memory. Results come back in input order.

Orders, contexts and priced orders pickle with plain :mod:`pickle`, so worker processes (and
other engines that map a function over partitions, such as Dask) can receive and return them.
``result=`` picks what comes back from each priced order (its total, say); with processes, it
runs in the worker, so that only what it returns is sent back.
"""

from __future__ import annotations

import itertools
import pickle
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, TypeVar, overload

from draftorders.errors import ValidationError
from draftorders.order import DraftOrder
from draftorders.pricing import PricedOrder, PricingContext, price

__all__ = ["price_batch"]

T = TypeVar("T")
Pair = tuple[DraftOrder, PricingContext]

_IN_FLIGHT_PER_PROCESS = 2
"""Chunks submitted ahead per worker: enough to keep workers busy, few enough to stay small."""


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
    """In a worker: price a pickled chunk of pairs and apply ``result`` to each; None if any
    order fails (the caller then prices the chunk itself, to raise the error with its own
    traceback)."""
    try:
        pairs, result = pickle.loads(payload)
        priced = [price(order, context) for order, context in pairs]
        return pickle.dumps(
            priced if result is None else [result(p) for p in priced], pickle.HIGHEST_PROTOCOL
        )
    except Exception:
        return None


def _positive(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError(name, f"expected a whole number >= 1, got {value!r}")
    return value


@overload
def price_batch(
    items: Iterable[Pair] | Iterable[DraftOrder],
    context: PricingContext | None = None,
    *,
    processes: int = 1,
    chunk_size: int = 1000,
    result: None = None,
) -> Iterator[PricedOrder]: ...


@overload
def price_batch(
    items: Iterable[Pair] | Iterable[DraftOrder],
    context: PricingContext | None = None,
    *,
    processes: int = 1,
    chunk_size: int = 1000,
    result: Callable[[PricedOrder], T],
) -> Iterator[T]: ...


def price_batch(
    items: Iterable[Pair] | Iterable[DraftOrder],
    context: PricingContext | None = None,
    *,
    processes: int = 1,
    chunk_size: int = 1000,
    result: Callable[[PricedOrder], Any] | None = None,
) -> Iterator[Any]:
    """Price each order, lazily, in input order: ``items`` are orders priced in ``context``, or
    ``(order, context)`` pairs.

    ``result``, if given, is applied to each priced order and its value is yielded instead
    (``operator.attrgetter("total")``, say). ``processes > 1`` prices chunks of ``chunk_size``
    orders in worker processes, which apply ``result`` there, so it must pickle (a module-level
    function, an ``attrgetter``, a ``functools.partial`` of either). Workers pay off when
    pricing an order costs more than sending it there and what ``result`` keeps back.
    """
    _positive("processes", processes)
    _positive("chunk_size", chunk_size)
    if result is not None and not callable(result):
        raise ValidationError("result", f"expected a function of a PricedOrder, got {result!r}")
    pairs = _pairs(items, context)
    if processes == 1:
        for order, own in pairs:
            priced = price(order, own)
            yield priced if result is None else result(priced)
        return
    chunks = iter(lambda: list(itertools.islice(pairs, chunk_size)), [])
    pending: deque[tuple[list[Pair], Future[bytes | None]]] = deque()
    executor = ProcessPoolExecutor(max_workers=processes)
    try:
        for chunk in chunks:
            payload = pickle.dumps((chunk, result), pickle.HIGHEST_PROTOCOL)
            pending.append((chunk, executor.submit(_price_chunk, payload)))
            if len(pending) >= processes * _IN_FLIGHT_PER_PROCESS:
                yield from _results(*pending.popleft(), result)
        while pending:
            yield from _results(*pending.popleft(), result)
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


def _results(
    chunk: list[Pair], future: Future[bytes | None], result: Callable[[PricedOrder], Any] | None
) -> Iterator[Any]:
    payload = future.result()
    if payload is None:
        for order, context in chunk:
            priced = price(order, context)
            yield priced if result is None else result(priced)
        return
    yield from pickle.loads(payload)

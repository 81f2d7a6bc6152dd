"""Price many orders as a stream: one by one, or over worker processes.

:func:`price_batch` reads its input lazily and keeps only a bounded number of orders in hand
(one in-process; a few chunks per worker otherwise), so it prices millions of orders in constant
memory. :func:`price_partitions` lets each worker load its own orders (a file, a query), so the
orders never cross between processes. Results come back in input order either way.

Orders, contexts, priced orders and errors pickle with plain :mod:`pickle`, so worker
processes (and other engines that map a function over partitions, such as Dask) can receive
and return them. ``result=`` picks what comes back from each priced order (its total, say);
with processes, it runs in the worker, so that only what it returns is sent back.
"""

from __future__ import annotations

import itertools
import pickle
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, TypeVar, cast, overload

from draftorders._validate import whole_number
from draftorders.errors import ValidationError
from draftorders.order import DraftOrder
from draftorders.pricing import PricedOrder, PricingContext, price

__all__ = ["Partition", "price_batch", "price_partitions"]

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


Result = Callable[[PricedOrder], Any] | None
Partition = Callable[[], Iterable[DraftOrder]]
"""A function of no arguments that loads its own orders: reads a file, queries a database."""


def _keep(priced: PricedOrder, result: Result) -> Any:
    return priced if result is None else result(priced)


def _price_pairs(pairs: list[Pair], result: Result) -> list[Any]:
    return [_keep(price(order, context), result) for order, context in pairs]


def _price_partition(partition: Partition, context: PricingContext, result: Result) -> list[Any]:
    return [_keep(price(order, context), result) for order in _loaded(partition)]


def _loaded(partition: object) -> Iterable[DraftOrder]:
    if not callable(partition):
        raise ValidationError(
            "partitions", f"expected a function that loads orders, got {partition!r}"
        )
    return cast("Iterable[DraftOrder]", partition())


Task = tuple[Callable[..., list[Any]], tuple[Any, ...]]
"""A module-level function and its arguments, run in a worker process."""


def _work(payload: bytes) -> bytes | None:
    """In a worker: run a pickled task and pickle what it returns; None if it fails (the caller
    then runs the task itself, to raise the error with its own traceback)."""
    try:
        function, args = pickle.loads(payload)
        return pickle.dumps(function(*args), pickle.HIGHEST_PROTOCOL)
    except Exception:
        return None


def _in_workers(tasks: Iterator[Task], processes: int) -> Iterator[list[Any]]:
    """What each of ``tasks`` returns, run in ``processes`` worker processes a few at a time
    ahead, in order; a task that fails in its worker is run here instead, to raise its error."""
    pending: deque[tuple[Task, Future[bytes | None]]] = deque()
    executor = ProcessPoolExecutor(max_workers=processes)
    try:
        for task in tasks:
            payload = pickle.dumps(task, pickle.HIGHEST_PROTOCOL)
            pending.append((task, executor.submit(_work, payload)))
            if len(pending) >= processes * _IN_FLIGHT_PER_PROCESS:
                yield _finished(*pending.popleft())
        while pending:
            yield _finished(*pending.popleft())
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


def _finished(task: Task, future: Future[bytes | None]) -> list[Any]:
    payload = future.result()
    if payload is None:
        function, args = task
        return function(*args)
    return cast("list[Any]", pickle.loads(payload))


def _checked(processes: object, result: object) -> None:
    _positive("processes", processes)
    if result is not None and not callable(result):
        raise ValidationError("result", f"expected a function of a PricedOrder, got {result!r}")


def _positive(name: str, value: object) -> int:
    return whole_number(value, name, minimum=1)


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
    result: Result = None,
) -> Iterator[Any]:
    """Price each order, lazily, in input order: ``items`` are orders priced in ``context``, or
    ``(order, context)`` pairs.

    ``result``, if given, is applied to each priced order and its value is yielded instead
    (``operator.attrgetter("total")``, say). ``processes > 1`` sends chunks of ``chunk_size``
    orders to worker processes, which apply ``result`` there, so it must pickle (a module-level
    function, an ``attrgetter``, a ``functools.partial`` of either). Sending an order to a
    worker costs about as much as pricing it, so this pays off only for costly orders; for
    many small ones, let the workers load their own orders with :func:`price_partitions`.
    """
    _checked(processes, result)
    _positive("chunk_size", chunk_size)
    pairs = _pairs(items, context)
    if processes == 1:
        for order, own in pairs:
            yield _keep(price(order, own), result)
        return
    chunks = iter(lambda: list(itertools.islice(pairs, chunk_size)), [])
    for part in _in_workers(((_price_pairs, (chunk, result)) for chunk in chunks), processes):
        yield from part


@overload
def price_partitions(
    partitions: Iterable[Partition],
    context: PricingContext,
    *,
    processes: int = 1,
    result: None = None,
) -> Iterator[PricedOrder]: ...


@overload
def price_partitions(
    partitions: Iterable[Partition],
    context: PricingContext,
    *,
    processes: int = 1,
    result: Callable[[PricedOrder], T],
) -> Iterator[T]: ...


def price_partitions(
    partitions: Iterable[Partition],
    context: PricingContext,
    *,
    processes: int = 1,
    result: Result = None,
) -> Iterator[Any]:
    """Price the orders each partition loads, partition after partition, each in its order.

    A partition is a function of no arguments that returns its orders (reads its file, queries
    its rows, generates them). With ``processes > 1`` the workers call the partitions
    themselves, so only the partitions, the context and what ``result`` keeps cross between
    processes, never the orders: this is what makes processes pay off for many small orders.
    Partitions and ``result`` must then pickle (``functools.partial`` of a module-level
    function, say). The same function, :func:`draftorders.price`, can be mapped over
    partitions by any engine that runs Python workers (Dask, Spark).
    """
    _checked(processes, result)
    if not isinstance(context, PricingContext):
        raise ValidationError("context", f"expected a PricingContext, got {context!r}")
    if processes == 1:
        for partition in partitions:
            for order in _loaded(partition):
                yield _keep(price(order, context), result)
        return
    tasks = ((_price_partition, (p, context, result)) for p in partitions)
    for part in _in_workers(tasks, processes):
        yield from part

"""The root of the tree: every error pickles with the arguments it was made with, and writes
amounts the same way in every locale."""

from __future__ import annotations

from typing import Any, Self

__all__ = ["DraftOrdersError", "amount_text"]


def amount_text(value: object) -> str:
    """How an error writes an amount: ``USD 12.99`` whatever the process's locale (``str`` of
    a py-moneyed ``Money`` follows the locale: ``€ 1234.50`` or ``1.234,50 €``); anything
    else as ``str``."""
    currency = getattr(getattr(value, "currency", None), "code", None)
    amount = getattr(value, "amount", None)
    if isinstance(currency, str) and amount is not None:
        return f"{currency} {amount}"
    return str(value)


class DraftOrdersError(Exception):
    """Base of every error this library raises on purpose.

    Every one pickles, with its fields, so an error raised in a worker process (a process
    pool, Dask) reaches the caller as itself. Most take other arguments than their message, so
    each remembers the arguments it was made with, and is made again from them when read back.
    """

    _made_with: tuple[tuple[Any, ...], dict[str, Any]]

    def __new__(cls, *args: Any, **kwargs: Any) -> Self:
        error = super().__new__(cls, *args, **kwargs)
        error._made_with = (args, kwargs)
        return error

    def __reduce__(self) -> tuple[Any, ...]:
        args, kwargs = self._made_with
        return _remake, (type(self), args, kwargs)


def _remake(kind: type[DraftOrdersError], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    return kind(*args, **kwargs)

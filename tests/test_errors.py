"""The exception tree: every error pickles with its fields, so it crosses process boundaries."""

from __future__ import annotations

import inspect
import pickle
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import pytest

from draftorders import errors
from draftorders.errors import CurrencyMismatch, DraftOrdersError, ValidationError

SAMPLES: dict[str, Any] = {
    "str": "sample",
    "int": 3,
    "int | None": 2,
    "float": 0.1,
    "object": "12.50",
    "BaseException": ImportError("no module named 'weasyprint'"),
    "tuple[str, ...]": ("send", "complete"),
    "str | None": None,
}


def made(kind: type[DraftOrdersError]) -> DraftOrdersError:
    """An instance of ``kind`` made from sample arguments of the types its constructor takes."""
    parameters = list(inspect.signature(kind.__init__).parameters.values())[1:]
    args = [SAMPLES[str(p.annotation)] for p in parameters if p.kind is p.POSITIONAL_OR_KEYWORD]
    return kind(*args)


def comparable(value: object) -> object:
    """``value`` with exceptions (equal only to themselves) as their type and arguments."""
    if isinstance(value, BaseException):
        return type(value), value.args
    if isinstance(value, tuple | list):
        return tuple(comparable(item) for item in value)
    if isinstance(value, dict):
        return {key: comparable(item) for key, item in value.items()}
    return value


KINDS = [getattr(errors, name) for name in errors.__all__]


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.__name__)
def test_every_error_pickles_with_its_message_and_fields(kind: type[DraftOrdersError]) -> None:
    error = made(kind)

    back = pickle.loads(pickle.dumps(error))

    assert type(back) is kind
    assert str(back) == str(error)
    assert back.args == error.args
    assert comparable(vars(back)) == comparable(vars(error))


def _refuse(field: str) -> None:
    raise CurrencyMismatch(field, "USD", "EUR")


def test_an_error_raised_in_a_worker_process_reaches_the_caller_as_itself() -> None:
    with ProcessPoolExecutor(1) as pool, pytest.raises(CurrencyMismatch) as raised:
        pool.submit(_refuse, "lines[L1].price").result()

    assert raised.value.field == "lines[L1].price"
    assert (raised.value.expected, raised.value.got) == ("USD", "EUR")
    assert isinstance(raised.value, ValidationError)

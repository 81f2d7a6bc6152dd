"""How cattrs' nested validation errors become one :class:`~draftorders.errors.DocumentError`
(the one error documents raise) with every problem on a line.

cattrs collects every problem it meets while structuring into a tree of exception groups,
noting at each level the attribute, list index or mapping key it was working on. The tree is
walked here into ``(path, message)`` pairs, paths written as in JSONPath (``$.data.lines[0]``).
"""

from __future__ import annotations

from collections.abc import Iterator

import attrs
from cattrs.errors import (
    AttributeValidationNote,
    BaseValidationError,
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
    IterableValidationNote,
)

from draftorders.errors import DocumentError, DraftOrdersError

__all__ = ["DocumentError", "Refused", "problems"]


class Refused(ValueError):
    """Raised by a hook for a value of the wrong JSON shape; the walk adds where it was."""


def problems(error: BaseException, path: str) -> Iterator[tuple[str, str]]:
    """Every leaf problem of a cattrs validation error, with its path under ``path``."""
    if isinstance(error, ClassValidationError):
        noted, plain = error.group_exceptions()
        for inner, note in noted:
            yield from problems(inner, f"{path}.{_key_of(error.cl, note)}")
    elif isinstance(error, IterableValidationError):
        indexed, plain = error.group_exceptions()
        for inner, index in indexed:
            yield from problems(inner, f"{path}[{_index_of(index)}]")
    elif isinstance(error, BaseValidationError):
        plain = list(error.exceptions)
    else:
        yield path, _message(error)
        return
    for inner in plain:
        yield from problems(inner, path)


def _key_of(cl: type, note: AttributeValidationNote) -> str:
    """The document key of an attribute: its alias (``products`` for ``_products``)."""
    if attrs.has(cl):
        for field in attrs.fields(cl):
            if field.name == note.name:
                return str(field.alias)
    return note.name


def _index_of(note: IterableValidationNote) -> str:
    return repr(note.index) if isinstance(note.index, str) else str(note.index)


def _message(error: BaseException) -> str:
    if isinstance(error, Refused):
        return str(error)
    if isinstance(error, ForbiddenExtraKeysError):
        extra = ", ".join(repr(key) for key in sorted(error.extra_fields))
        return f"unknown field(s) {extra}"
    if isinstance(error, KeyError):
        return f"the field {error.args[0]!r} is missing"
    if isinstance(error, DraftOrdersError):
        return str(error)
    return f"{type(error).__name__}: {error}"

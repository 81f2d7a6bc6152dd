"""Documents: a value of the library as JSON data in an envelope, and back.

``{"schema": 2, "type": "DraftOrder", "data": {...}}``: ``schema`` is the version of the
format, ``type`` names what ``data`` holds. Reading upgrades an older document first.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, TypeVar, overload

from draftorders.documents.converter import CONVERTER
from draftorders.documents.errors import DocumentError, problems
from draftorders.documents.registry import DOCUMENT_TYPES, NAMES
from draftorders.documents.upgrades import SCHEMA_VERSION, upgrade

__all__ = ["dumps", "from_document", "loads", "to_document"]

T = TypeVar("T")

_WRITE = {cls: CONVERTER.get_unstructure_hook(cls) for cls in DOCUMENT_TYPES.values()}
_READ = {cls: CONVERTER.get_structure_hook(cls) for cls in DOCUMENT_TYPES.values()}
"""Each document type's hooks, made once at import (not at first use, from any thread)."""


def to_document(obj: object) -> dict[str, Any]:
    """``obj`` as a document of JSON data only (dicts, lists, strings, ints, bools, None)."""
    name = NAMES.get(type(obj))
    if name is None:
        raise DocumentError(
            "type",
            f"a {type(obj).__name__} cannot be written as a document; documents hold "
            f"{', '.join(DOCUMENT_TYPES)}",
        )
    return {"schema": SCHEMA_VERSION, "type": name, "data": _WRITE[type(obj)](obj)}


@overload
def from_document(document: Mapping[str, Any], expected: type[T]) -> T: ...


@overload
def from_document(document: Mapping[str, Any], expected: None = None) -> Any: ...


def from_document(document: Mapping[str, Any], expected: type[Any] | None = None) -> Any:
    """The value a document holds, after upgrading it to the current schema.

    With ``expected``, a document of another type is refused. Anything wrong (an unknown type,
    a newer schema, a malformed field) raises :class:`DocumentError` naming where.
    """
    current = upgrade(document)
    cls = DOCUMENT_TYPES[current["type"]]
    if expected is not None and cls is not expected:
        wanted = NAMES.get(expected, expected.__name__)
        raise DocumentError("$.type", f"expected a {wanted} document, got a {current['type']}")
    try:
        return _READ[cls](current["data"], cls)
    except Exception as error:  # cattrs gathers every kind of error; report them all
        found = list(problems(error, "$.data")) or [("$.data", str(error))]
        path, message = found[0]
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        every = tuple(f"{where}: {what}" for where, what in found)
        raise DocumentError(path, message + more, every) from error


def dumps(obj: object) -> str:
    """``obj``'s document as JSON text, keys sorted; amounts are strings, never floats."""
    return json.dumps(to_document(obj), sort_keys=True, allow_nan=False)


@overload
def loads(text: str, expected: type[T]) -> T: ...


@overload
def loads(text: str, expected: None = None) -> Any: ...


def loads(text: str, expected: type[Any] | None = None) -> Any:
    """The value held by a document in JSON text (see :func:`from_document`)."""
    try:
        document = json.loads(text)
    except (ValueError, TypeError, RecursionError) as error:  # ValueError: JSONDecodeError too
        raise DocumentError("$", f"not JSON text: {error}") from error
    return from_document(document, expected)

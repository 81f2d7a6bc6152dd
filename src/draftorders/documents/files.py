"""Order files: an order (or several) with its pricing context, as JSON or TOML, for the CLI.

An order file is an object whose entries are documents as :func:`draftorders.documents.to_document`
writes them, envelope included (so an older file is upgraded when read)::

    {"order": <DraftOrder document>, "context": <PricingContext document>,
     "catalog": <Catalog document>, "seller": {"name": "Shop"}, "issue_date": "2026-11-26"}

Only ``order`` is required (``orders``, a list, for a comparison). The format is chosen by the
file's extension, ``.json`` or ``.toml``; TOML has no null, so leave a field out to take its
default, and its dates and datetimes are read as ISO strings. Every problem raises
:class:`OrderFileError`, one line naming the file and where in it.
"""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import attrs

from draftorders.catalog import Catalog
from draftorders.customers import Address
from draftorders.documents import DocumentError, from_document
from draftorders.errors import OrderFileError, UnknownSku, ValidationError
from draftorders.invoice import Party
from draftorders.order import DraftOrder
from draftorders.pricing import PricingContext

__all__ = [
    "OrderFile",
    "OrderFileError",
    "OrdersFile",
    "ScenarioFile",
    "read_data",
    "read_order_file",
    "read_orders_file",
    "read_scenario_file",
]

T = TypeVar("T")

_PARTY_FIELDS = ("name", "company", "email", "phone", "tax_id")
_ADDRESS_FIELDS = (
    "country",
    "name",
    "company",
    "line1",
    "line2",
    "city",
    "region",
    "postal_code",
    "phone",
)


@attrs.frozen
class OrderFile:
    """One order to price or invoice, with its context and the invoice's optional details."""

    order: DraftOrder
    context: PricingContext
    seller: Party | None = None
    issue_date: dt.date | None = None


@attrs.frozen
class OrdersFile:
    """Orders priced together under one context (the base scenario of a comparison)."""

    orders: tuple[DraftOrder, ...]
    context: PricingContext


@attrs.frozen
class ScenarioFile:
    """A named pricing context to compare against the base."""

    name: str
    context: PricingContext


def read_data(path: Path) -> dict[str, Any]:
    """The object a ``.json`` or ``.toml`` file holds; TOML dates become ISO strings."""
    suffix = path.suffix.lower()
    if suffix not in (".json", ".toml"):
        raise OrderFileError(str(path), "expected a .json or .toml file")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as error:
        raise OrderFileError(str(path), f"cannot read the file: {error.strerror}") from error
    except UnicodeDecodeError as error:
        raise OrderFileError(str(path), f"not UTF-8 text ({error.reason})") from error
    if suffix == ".toml":
        try:
            data: object = _iso_dates(tomllib.loads(text))
        except tomllib.TOMLDecodeError as error:
            raise OrderFileError(str(path), f"not valid TOML: {error}") from error
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            where = f"line {error.lineno}, column {error.colno}"
            raise OrderFileError(str(path), f"not valid JSON: {error.msg} ({where})") from error
        except RecursionError as error:
            raise OrderFileError(str(path), "not valid JSON: nested too deeply") from error
    if not isinstance(data, dict):
        raise OrderFileError(str(path), f"expected an object, got {type(data).__name__}")
    return data


def read_order_file(path: Path) -> OrderFile:
    """The order, context (default ``PricingContext()``), seller and issue date of a file."""
    data = _entries(
        path, read_data(path), {"order"}, {"context", "catalog", "seller", "issue_date"}
    )
    order = _document(path, data["order"], "$.order", DraftOrder)
    _check_skus(path, data, ((order, "$.order"),))
    return OrderFile(
        order=order,
        context=_context(path, data),
        seller=_seller(path, data["seller"]) if "seller" in data else None,
        issue_date=_date(path, data["issue_date"]) if "issue_date" in data else None,
    )


def read_orders_file(path: Path) -> OrdersFile:
    """The orders (``orders``, a list) and context of a file."""
    data = _entries(path, read_data(path), {"orders"}, {"context", "catalog"})
    documents = data["orders"]
    if not isinstance(documents, list) or not documents:
        raise OrderFileError(str(path), "$.orders: expected a non-empty list of order documents")
    orders = tuple(
        _document(path, document, f"$.orders[{index}]", DraftOrder)
        for index, document in enumerate(documents)
    )
    _check_skus(path, data, ((order, f"$.orders[{i}]") for i, order in enumerate(orders)))
    return OrdersFile(orders, _context(path, data))


def read_scenario_file(path: Path) -> ScenarioFile:
    """A scenario's name and context."""
    data = _entries(path, read_data(path), {"name", "context"}, set())
    name = data["name"]
    if not isinstance(name, str) or not name.strip():
        raise OrderFileError(str(path), f"$.name: expected a scenario name, got {name!r}")
    return ScenarioFile(name.strip(), _context(path, data))


def _entries(
    path: Path, data: dict[str, Any], required: set[str], optional: set[str]
) -> dict[str, Any]:
    missing = sorted(required - data.keys())
    if missing:
        raise OrderFileError(str(path), f"$: the entry {missing[0]!r} is missing")
    unknown = sorted(data.keys() - required - optional)
    if unknown:
        known = ", ".join(repr(key) for key in sorted(required | optional))
        raise OrderFileError(str(path), f"$: unknown entry {unknown[0]!r}; known: {known}")
    return data


def _document(path: Path, document: object, where: str, cls: type[T]) -> T:
    """The value of the document at ``where`` in the file; its errors say where in the file."""
    if not isinstance(document, Mapping):
        raise OrderFileError(str(path), f"{where}: expected a document, got {document!r:.40}")
    try:
        return from_document(document, cls)
    except DocumentError as error:
        inner = error.field if error.field.startswith("$") else f"$.{error.field}"
        message = str(error).removeprefix(f"{error.field}: ")
        raise OrderFileError(str(path), f"{where}{inner[1:]}: {message}") from error


def _context(path: Path, data: Mapping[str, Any]) -> PricingContext:
    if "context" not in data:
        return PricingContext()
    return _document(path, data["context"], "$.context", PricingContext)


def _check_skus(
    path: Path, data: Mapping[str, Any], orders: Iterable[tuple[DraftOrder, str]]
) -> None:
    """With a ``catalog`` entry, every product line's SKU must be one of its products."""
    if "catalog" not in data:
        return
    catalog = _document(path, data["catalog"], "$.catalog", Catalog)
    for order, where in orders:
        for index, line in enumerate(order.lines):
            if line.sku is not None and line.sku not in catalog:
                refused = UnknownSku(line.sku)
                raise OrderFileError(
                    str(path), f"{where}.data.lines[{index}].sku: {refused}"
                ) from refused


def _seller(path: Path, raw: object) -> Party:
    fields = _strings(path, raw, "$.seller", (*_PARTY_FIELDS, "address"))
    address = raw.get("address") if isinstance(raw, dict) else None
    try:
        return Party(
            name=fields.get("name", ""),
            company=fields.get("company"),
            email=fields.get("email"),
            phone=fields.get("phone"),
            tax_id=fields.get("tax_id"),
            address=None if address is None else _address(path, address),
        )
    except ValidationError as error:
        raise OrderFileError(str(path), f"$.seller.{error}") from error


def _address(path: Path, raw: object) -> Address:
    fields = _strings(path, raw, "$.seller.address", _ADDRESS_FIELDS)
    try:
        return Address(
            country=fields.get("country", ""),
            name=fields.get("name"),
            company=fields.get("company"),
            line1=fields.get("line1"),
            line2=fields.get("line2"),
            city=fields.get("city"),
            region=fields.get("region"),
            postal_code=fields.get("postal_code"),
            phone=fields.get("phone"),
        )
    except ValidationError as error:
        raise OrderFileError(str(path), f"$.seller.address.{error}") from error


def _strings(path: Path, raw: object, where: str, known: tuple[str, ...]) -> dict[str, str]:
    """The text fields of an object (``address`` is left to its own reader)."""
    if not isinstance(raw, dict):
        raise OrderFileError(str(path), f"{where}: expected an object, got {type(raw).__name__}")
    for key, value in raw.items():
        if key not in known:
            raise OrderFileError(str(path), f"{where}: unknown field {key!r}")
        if key != "address" and value is not None and not isinstance(value, str):
            raise OrderFileError(str(path), f"{where}.{key}: expected text, got {value!r}")
    return {key: value for key, value in raw.items() if isinstance(value, str)}


def _date(path: Path, raw: object) -> dt.date:
    try:
        if not isinstance(raw, str):
            raise ValueError
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise OrderFileError(
            str(path), f"$.issue_date: expected a date like '2026-11-26', got {raw!r}"
        ) from None


def _iso_dates(value: object) -> object:
    """TOML's own dates, times and datetimes as the ISO strings documents hold."""
    if isinstance(value, dict):
        return {key: _iso_dates(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_iso_dates(item) for item in value]
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return value

"""Schema versions, and the steps that bring an older document to the current one.

Each step in :data:`UPGRADES` takes a whole document of version N (its envelope and data, as
JSON data) to version N + 1. A step writes its new fields as literal JSON, never through
today's classes: a step must give the same result once later versions change those classes.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

from draftorders.documents.errors import DocumentError
from draftorders.documents.registry import DOCUMENT_TYPES

__all__ = ["SCHEMA_VERSION", "UPGRADES", "Upgrade", "upgrade"]

SCHEMA_VERSION = 3
"""The version of the document format this library writes (and the newest it reads)."""

Upgrade = Callable[[dict[str, Any]], dict[str, Any]]
"""One step: a document of version N in, the same document at version N + 1 out."""

_NEW_IN_2 = frozenset({"Invoice", "SentInvoice", "Transaction", "PaymentMethod"})
"""Document types that version 1 did not have."""


def _customer_1_to_2(customer: dict[str, Any]) -> dict[str, Any]:
    return {"locale": None, "tax_id": None, **customer}


def _order_1_to_2(order: dict[str, Any]) -> dict[str, Any]:
    customer = order.get("customer")
    return {
        "terms": "",
        "po_number": None,
        "payment_terms": {"kind": "due_on_receipt", "days": None, "date": None},
        "consent": False,
        "payment_method_id": None,
        "completed_total": None,
        **order,
        "customer": _customer_1_to_2(customer) if isinstance(customer, dict) else customer,
    }


def _1_to_2(document: dict[str, Any]) -> dict[str, Any]:
    """Version 2 added invoices and payments: an order's terms, PO number, payment terms,
    consent, payment method and completed total, and a customer's locale and tax id."""
    kind, data = document["type"], document["data"]
    if kind in _NEW_IN_2 or kind in _NEW_IN_3:
        raise DocumentError("$.type", f"schema 1 had no {kind} documents; this one is malformed")
    if kind == "DraftOrder":
        data = _order_1_to_2(data)
    elif kind == "Customer":
        data = _customer_1_to_2(data)
    return {**document, "schema": 2, "data": data}


_NEW_IN_3 = frozenset(
    {"PaymentClaim", "OutboxMessage", "StockLevel", "Reservation", "Taken", "InventoryChange"}
)
"""Document types that version 2 did not have: the shop's state, now kept by stores."""


def _entries(data: dict[str, Any]) -> dict[str, Any]:
    """An order's or invoice's credits and debits were called ``charges``."""
    if "charges" not in data:
        return data
    renamed = {k: v for k, v in data.items() if k != "charges"}
    return {**renamed, "entries": data["charges"]}


def _sent_invoice_2_to_3(sent: dict[str, Any]) -> dict[str, Any]:
    """A sent invoice keeps its message bytes and loses its separate renderings (they are
    parts of the message); it gets an id (from its number and time) and a delivery time."""
    kept = {k: v for k, v in sent.items() if k not in ("html", "text", "pdf")}
    if isinstance(kept.get("invoice"), dict):
        kept["invoice"] = _entries(kept["invoice"])
    number = (
        sent.get("invoice", {}).get("number") if isinstance(sent.get("invoice"), dict) else None
    )
    return {
        "id": f"{number}@{sent.get('sent_at')}",
        "attach_pdf": None,
        "resent": False,
        "delivered_at": sent.get("sent_at") if sent.get("message") is not None else None,
        **kept,
    }


def _2_to_3(document: dict[str, Any]) -> dict[str, Any]:
    """Version 3 moved the shop's state into stores: sent invoices changed shape, and claims,
    outbox messages and stock records became documents. Credits and debits became
    ``entries`` (they were ``charges``)."""
    kind, data = document["type"], document["data"]
    if kind in _NEW_IN_3:
        raise DocumentError("$.type", f"schema 2 had no {kind} documents; this one is malformed")
    if kind == "SentInvoice":
        data = _sent_invoice_2_to_3(data)
    elif kind in ("DraftOrder", "Invoice"):
        data = _entries(data)
    return {**document, "schema": 3, "data": data}


UPGRADES: dict[int, Upgrade] = {1: _1_to_2, 2: _2_to_3}
"""The step from each older version to the next."""


def upgrade(document: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``document`` brought to :data:`SCHEMA_VERSION`, step by step.

    The envelope is checked first: a document of a newer schema, of an unknown type, or that
    is not ``{"schema": int, "type": str, "data": {...}}`` raises :class:`DocumentError`.
    """
    current = _checked(document)
    while current["schema"] < SCHEMA_VERSION:
        current = UPGRADES[current["schema"]](current)
    return current


def _checked(document: object) -> dict[str, Any]:
    if not isinstance(document, Mapping):
        raise DocumentError("$", f"a document is a JSON object, not {type(document).__name__}")
    keys = set(document)
    if keys != {"schema", "type", "data"}:
        raise DocumentError(
            "$",
            "a document has exactly the fields 'schema', 'type' and 'data'; "
            f"got {', '.join(sorted(map(repr, keys))) or 'none'}",
        )
    schema, kind, data = document["schema"], document["type"], document["data"]
    if isinstance(schema, bool) or not isinstance(schema, int) or schema < 1:
        raise DocumentError("$.schema", f"expected a schema version 1 or more, got {schema!r}")
    if schema > SCHEMA_VERSION:
        raise DocumentError(
            "$.schema",
            f"the document is schema {schema}, newer than the {SCHEMA_VERSION} this version "
            "of draftorders reads; upgrade draftorders to read it",
        )
    if not isinstance(kind, str) or kind not in DOCUMENT_TYPES:
        raise DocumentError(
            "$.type", f"unknown document type {kind!r}; known: {', '.join(DOCUMENT_TYPES)}"
        )
    if not isinstance(data, dict):
        raise DocumentError("$.data", f"expected an object, got {type(data).__name__}")
    try:
        copied = copy.deepcopy(data)
    except RecursionError:
        raise DocumentError("$.data", "nested too deeply to be a document") from None
    return {"schema": schema, "type": kind, "data": copied}

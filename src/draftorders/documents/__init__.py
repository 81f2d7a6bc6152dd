"""Documents: the library's values as versioned JSON, to store, send and read back exactly.

``dumps(order)`` writes ``{"schema": 3, "type": "DraftOrder", "data": {...}}`` with amounts as
strings; ``loads(text, DraftOrder)`` reads it back (upgrading an older schema first) to an
equal value. See ``docs/documents.md`` for the format.
"""

from draftorders.documents.envelope import dumps, from_document, loads, to_document
from draftorders.documents.errors import DocumentError
from draftorders.documents.registry import DOCUMENT_TYPES
from draftorders.documents.upgrades import SCHEMA_VERSION, UPGRADES, upgrade

__all__ = [
    "DOCUMENT_TYPES",
    "SCHEMA_VERSION",
    "UPGRADES",
    "DocumentError",
    "dumps",
    "from_document",
    "loads",
    "to_document",
    "upgrade",
]

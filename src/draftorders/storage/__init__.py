"""Storage: the :class:`Store` port, its in-memory default, and the query every store answers.

The SQL adapter (the ``sql`` extra) is imported from its module, so that the core needs no
database driver: ``from draftorders.storage.sql import SqlStore``.
"""

from draftorders.storage.memory import InMemoryStore
from draftorders.storage.query import OrderQuery
from draftorders.storage.store import Store

__all__ = ["InMemoryStore", "OrderQuery", "Store"]

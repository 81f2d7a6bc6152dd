"""Storage: the :class:`Store` port and its in-memory default."""

from draftorders.storage.memory import InMemoryStore
from draftorders.storage.store import Store

__all__ = ["InMemoryStore", "Store"]

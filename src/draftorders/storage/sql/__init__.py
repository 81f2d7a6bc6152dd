"""The SQL adapters (the ``sql`` extra): :class:`SqlStore`, a shop's whole state in SQLite or
PostgreSQL with Alembic migrations, and :class:`SqlGatewayLedger`, where a fake gateway shared
by several processes keeps what it knows.

    pip install 'draftorders[sql]'
    from draftorders.storage.sql import SqlStore
"""

from draftorders.errors import MissingExtra

try:
    import alembic  # noqa: F401
    import sqlalchemy  # noqa: F401
except ImportError as error:  # pragma: no cover - the extra is installed in tests
    raise MissingExtra("sql", "the SQL store", error) from error

from draftorders.storage.sql.base import connect_engine, write_transaction
from draftorders.storage.sql.ledger import SqlGatewayLedger
from draftorders.storage.sql.migrate import HEAD, revision
from draftorders.storage.sql.schema import METADATA
from draftorders.storage.sql.store import SqlStore, upgrade

__all__ = [
    "HEAD",
    "METADATA",
    "SqlGatewayLedger",
    "SqlStore",
    "connect_engine",
    "revision",
    "upgrade",
    "write_transaction",
]

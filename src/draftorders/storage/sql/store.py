"""The SQL store (the ``sql`` extra): a shop's whole state in SQLite (a file) or PostgreSQL.

    pip install 'draftorders[sql]'
    store = SqlStore("sqlite:///shop.db")                  # or an Engine
    store = SqlStore("postgresql+psycopg://user@host/shop")  # "postgresql://" means psycopg

Each unit is one database transaction, committed at its end or rolled back if anything raises.
Rows are locked with ``SELECT ... FOR UPDATE`` on PostgreSQL (read committed); on SQLite a
writing unit begins with ``BEGIN IMMEDIATE``, which takes the database's write lock before its
first read, so writers run one at a time. Unique constraints back up every rule that keeps
records single: an order id, an idempotency key, one open claim per order, one first send per
invoice number, an applied notice. See ``docs/storage.md``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from draftorders.clock import Clock, SystemClock
from draftorders.errors import StoreSchemaError
from draftorders.storage.sql import schema as t
from draftorders.storage.sql.base import WRITE_OPTION, Records, connect_engine, write_transaction
from draftorders.storage.sql.migrate import HEAD, revision, upgrade_connection
from draftorders.storage.sql.orders import SqlCustomers, SqlOrders
from draftorders.storage.sql.payments import SqlPayments, SqlUsage
from draftorders.storage.sql.records import SqlInvoices, SqlOutbox, SqlStock

__all__ = ["SqlStore", "upgrade"]


def upgrade(url_or_engine: str | sa.URL | sa.Engine) -> str:
    """Bring the database to this release's schema, e.g. from a deploy script before the
    workers start; the revision it was at (``"empty"`` for a new database)."""
    engine = connect_engine(url_or_engine)
    try:
        with write_transaction(engine) as connection:
            return upgrade_connection(connection)
    finally:
        if not isinstance(url_or_engine, sa.Engine):
            engine.dispose()


class SqlStore:
    """A :class:`~draftorders.storage.Store` in a SQL database (SQLite or PostgreSQL).

    ``url_or_engine`` is a SQLAlchemy URL (``"sqlite:///shop.db"``,
    ``"postgresql+psycopg://user:password@host/db"``) or an :class:`sqlalchemy.Engine`. With
    ``migrate`` (the default) the schema is created or upgraded to this release's; without, a
    database that is behind raises :class:`StoreSchemaError`. Safe to share between threads,
    and between processes using the same database.
    """

    def __init__(
        self,
        url_or_engine: str | sa.URL | sa.Engine,
        *,
        clock: Clock | None = None,
        migrate: bool = True,
        busy_timeout: float = 30.0,
    ) -> None:
        self._owns_engine = not isinstance(url_or_engine, sa.Engine)
        self.engine = connect_engine(url_or_engine, busy_timeout)
        self.clock: Clock = clock if clock is not None else SystemClock()
        """Stamps ``updated_at`` on each saved order."""
        self.dialect = self.engine.dialect.name
        if migrate:
            self.upgrade()
        else:
            with self.engine.connect() as connection:
                found = revision(connection)
            if found != HEAD:
                raise StoreSchemaError(
                    found,
                    HEAD,
                    f"the database is at schema {found!r}, this release needs {HEAD!r}; run "
                    "draftorders.storage.sql.upgrade(url) or open the store with migrate=True",
                )

    def upgrade(self) -> str:
        """Bring the database to this release's schema (a no-op when it is there); the
        revision it was at."""
        return upgrade(self.engine)

    def __repr__(self) -> str:
        return f"SqlStore({self.engine.url.render_as_string(hide_password=True)!r})"

    def close(self) -> None:
        """Close the database connections, if this store made the engine (from a URL)."""
        if self._owns_engine:
            self.engine.dispose()

    def __enter__(self) -> SqlStore:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @contextlib.contextmanager
    def unit(self, *, write: bool = True) -> Iterator[_SqlUnit]:
        """One database transaction: committed when the block ends, rolled back if it
        raises."""
        with self.engine.connect() as connection:
            connection.execution_options(**{WRITE_OPTION: write})
            with connection.begin():
                yield _SqlUnit(connection, write, self.clock)


class _SqlUnit:
    """One database transaction and the record sets that work in it."""

    def __init__(self, connection: sa.Connection, write: bool, clock: Clock) -> None:
        self.orders = SqlOrders(connection, write, clock)
        self.customers = SqlCustomers(connection, write, clock)
        self.payments = SqlPayments(connection, write, clock)
        self.invoices = SqlInvoices(connection, write, clock)
        self.stock = SqlStock(connection, write, clock)
        self.usage = SqlUsage(connection, write, clock)
        self.outbox = SqlOutbox(connection, write, clock)
        self._sequences = _Sequences(connection, write, clock)

    def next_number(self, sequence: str) -> int:
        """The next number of ``sequence``, its row locked until the unit ends."""
        return self._sequences.next(sequence)


class _Sequences(Records):
    def next(self, name: str) -> int:
        self._writing()
        dialect = postgresql if self._pg else sqlite
        self._c.execute(
            dialect.insert(t.SEQUENCES).values(name=name, last=0).on_conflict_do_nothing()
        )
        number: int = self._c.execute(
            sa.update(t.SEQUENCES)
            .where(t.SEQUENCES.c.name == name)
            .values(last=t.SEQUENCES.c.last + 1)
            .returning(t.SEQUENCES.c.last)
        ).scalar_one()
        return number

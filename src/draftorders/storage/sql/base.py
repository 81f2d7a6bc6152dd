"""What the SQL store's parts share: the engine (with SQLite's transaction hooks), writing
transactions, and the base of every record set: its connection, row locks, inserts that map a
unique constraint to the library's error, and upserts."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from draftorders.clock import Clock
from draftorders.documents import loads
from draftorders.errors import ValidationError

__all__ = ["WRITE_OPTION", "Records", "connect_engine", "natural", "write_transaction"]

WRITE_OPTION = "draftorders_write"
"""An execution option marking a connection whose transaction writes (SQLite: BEGIN IMMEDIATE)."""
T = TypeVar("T")


def _sqlite_connect(dbapi_connection: Any, _: Any) -> None:
    """Take BEGIN away from the sqlite3 driver (SQLAlchemy emits it, see ``_sqlite_begin``),
    and enforce foreign keys."""
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


def _sqlite_begin(connection: sa.Connection) -> None:
    """Begin every transaction explicitly: a writing one with BEGIN IMMEDIATE, which takes the
    write lock before its first read, so that two writers (threads or processes) never
    interleave between a check and a write."""
    writing = connection.get_execution_options().get(WRITE_OPTION, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")


def connect_engine(
    url_or_engine: str | sa.URL | sa.Engine, busy_timeout: float = 30.0
) -> sa.Engine:
    """An engine for the store: from a URL (``postgresql://`` taken to mean psycopg 3; SQLite
    waiting up to ``busy_timeout`` seconds for the write lock), or the engine given, with the
    SQLite transaction hooks installed."""
    if isinstance(url_or_engine, sa.Engine):
        engine = url_or_engine
    else:
        url = sa.make_url(url_or_engine)
        if url.drivername == "postgresql":  # the sql extra installs psycopg 3
            url = url.set(drivername="postgresql+psycopg")
        options: dict[str, Any] = {}
        if url.get_backend_name() == "sqlite":
            options["connect_args"] = {"timeout": busy_timeout}
        engine = sa.create_engine(url, **options)
    if engine.dialect.name not in ("sqlite", "postgresql"):
        raise ValidationError(
            "url", f"the SQL store runs on SQLite or PostgreSQL, not {engine.dialect.name}"
        )
    if engine.dialect.name == "sqlite":
        if not sa.event.contains(engine, "connect", _sqlite_connect):
            sa.event.listen(engine, "connect", _sqlite_connect)
        if not sa.event.contains(engine, "begin", _sqlite_begin):
            sa.event.listen(engine, "begin", _sqlite_begin)
    return engine


@contextlib.contextmanager
def write_transaction(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A connection in a writing transaction (on SQLite: ``BEGIN IMMEDIATE``), committed at
    the end of the block, rolled back if it raises."""
    with engine.connect() as connection:
        connection.execution_options(**{WRITE_OPTION: True})
        with connection.begin():
            yield connection


class Records:
    """A record set of one unit: its connection, and whether the unit writes."""

    def __init__(self, connection: sa.Connection, write: bool, clock: Clock) -> None:
        self._c = connection
        self._write = write
        self._clock = clock
        self._pg = connection.dialect.name == "postgresql"

    def _writing(self) -> None:
        if not self._write:
            raise ValidationError("unit", "this unit only reads; open one with write=True")

    def _select(self, select: sa.Select[Any], lock: bool) -> sa.Select[Any]:
        return select.with_for_update() if lock and self._write else select

    def _insert(
        self, table: sa.Table, values: Mapping[str, Any], conflict: Callable[[], Exception]
    ) -> None:
        """Insert a row; a unique constraint that refuses it raises ``conflict()`` (inside a
        savepoint, so the unit can still be used or rolled back cleanly)."""
        self._writing()
        try:
            with self._c.begin_nested():
                self._c.execute(sa.insert(table).values(**values))
        except sa.exc.IntegrityError:
            raise conflict() from None

    def _upsert(self, table: sa.Table, values: Mapping[str, Any], keys: list[str]) -> None:
        self._writing()
        dialect = postgresql if self._pg else sqlite
        insert = dialect.insert(table).values(**values)
        self._c.execute(
            insert.on_conflict_do_update(
                index_elements=keys, set_={k: v for k, v in values.items() if k not in keys}
            )
        )

    def _load(self, document: str | None, kind: type[T]) -> T:
        assert document is not None
        return loads(document, expected=kind)


def natural(column: sa.ColumnElement[str]) -> tuple[sa.ColumnElement[Any], ...]:
    """Order ids like ``S2`` before ``S10``: by length, then text."""
    return (sa.func.length(column), column)

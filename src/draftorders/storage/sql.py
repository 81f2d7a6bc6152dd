"""The SQL store (the ``sql`` extra): orders in a relational database through SQLAlchemy 2, on
SQLite (a file) or PostgreSQL (the psycopg 3 driver).

    pip install 'draftorders[sql]'
    store = SqlStore("sqlite:///orders.db")                  # or an Engine
    store = SqlStore("postgresql+psycopg://user@host/shop")  # "postgresql://" means psycopg

Each order is one row of ``orders`` (its JSON document, plus the columns queries filter on);
its transactions are rows of ``transactions`` numbered by position; ``promotion_usage`` counts
uses. Every write is one database transaction: the version check is a conditional ``UPDATE
... WHERE id = :id AND version = :expected``, and the transaction count is read with the order
row locked (``SELECT ... FOR UPDATE`` on PostgreSQL; on SQLite, write transactions begin with
``BEGIN IMMEDIATE``, which takes the database's write lock first). See ``docs/storage.md``.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from draftorders.errors import (
    ConcurrencyConflict,
    DuplicateOrderId,
    MissingExtra,
    OrderNotFound,
    ValidationError,
)

try:
    import sqlalchemy as sa
    from sqlalchemy.dialects import postgresql, sqlite
except ImportError as error:  # pragma: no cover - the extra is installed in tests
    raise MissingExtra("sql", "the SQL store", error) from error

from draftorders.clock import Clock, SystemClock
from draftorders.documents import dumps, loads
from draftorders.order import DraftOrder, Status
from draftorders.payments import Transaction
from draftorders.promotions import PromotionUsage
from draftorders.storage.query import OrderQuery
from draftorders.storage.rules import (
    check_count,
    check_deletable,
    check_order,
    check_promotion_ids,
    check_transactions,
)

__all__ = ["METADATA", "ORDERS", "PROMOTION_USAGE", "TRANSACTIONS", "SqlStore"]

METADATA = sa.MetaData()
"""The store's tables; ``SqlStore`` creates them when missing."""

ORDERS = sa.Table(
    "orders",
    METADATA,
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("status", sa.String, nullable=False, index=True),
    sa.Column("customer_id", sa.String, nullable=True, index=True),
    sa.Column("order_date", sa.Date, nullable=False, index=True),
    sa.Column("document", sa.Text, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)
"""One row per order: the order as a document (``draftorders.documents.dumps``), and copies of
the fields queries filter on."""

TRANSACTIONS = sa.Table(
    "transactions",
    METADATA,
    sa.Column("order_id", sa.String, sa.ForeignKey("orders.id"), primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("document", sa.Text, nullable=False),
)
"""An order's transactions, numbered 0, 1, 2... in the order they were recorded."""

PROMOTION_USAGE = sa.Table(
    "promotion_usage",
    METADATA,
    sa.Column("promotion_id", sa.String, primary_key=True),
    sa.Column("customer_id", sa.String, primary_key=True),
    sa.Column("uses", sa.Integer, nullable=False),
)
"""Uses of each promotion: by everyone (``customer_id`` empty) and by each customer."""

_EVERYONE = ""
_WRITE = "draftorders_write"
"""An execution option marking a connection whose transaction writes (SQLite: BEGIN IMMEDIATE)."""
_SCHEMA_LOCK = 0x6472616674  # a PostgreSQL advisory lock key, held while creating the schema


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
    writing = connection.get_execution_options().get(_WRITE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")


def _prepare_sqlite(engine: sa.Engine) -> None:
    """Install the transaction hooks the SQLAlchemy documentation gives for the sqlite3 driver
    (once per engine)."""
    if not sa.event.contains(engine, "connect", _sqlite_connect):
        sa.event.listen(engine, "connect", _sqlite_connect)
    if not sa.event.contains(engine, "begin", _sqlite_begin):
        sa.event.listen(engine, "begin", _sqlite_begin)


class SqlStore:
    """A :class:`~draftorders.storage.Store` in a SQL database (SQLite or PostgreSQL).

    ``url_or_engine`` is a SQLAlchemy URL (``"sqlite:///orders.db"``,
    ``"postgresql+psycopg://user:password@host/db"``) or an :class:`sqlalchemy.Engine`. The
    tables are created if missing. Safe to share between threads, and between processes using
    the same database. On PostgreSQL, use the default isolation level (read committed).
    """

    def __init__(self, url_or_engine: str | sa.URL | sa.Engine, *, clock: Clock | None = None):
        if isinstance(url_or_engine, sa.Engine):
            self.engine = url_or_engine
            self._owns_engine = False
        else:
            url = sa.make_url(url_or_engine)
            if url.drivername == "postgresql":  # the sql extra installs psycopg 3
                url = url.set(drivername="postgresql+psycopg")
            self.engine = sa.create_engine(url)
            self._owns_engine = True
        self.clock: Clock = clock if clock is not None else SystemClock()
        """Stamps ``updated_at`` on each saved order."""
        self._dialect = self.engine.dialect.name
        if self._dialect == "sqlite":
            _prepare_sqlite(self.engine)
        self._create_schema()

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

    # -- writing ---------------------------------------------------------------------------------

    def save(
        self,
        order: DraftOrder,
        expected_version: int | None = None,
        transactions: Sequence[Transaction] = (),
        expected_transactions: int | None = None,
    ) -> None:
        """Add a new order, or replace the stored one if it is at ``expected_version``, with
        its new transactions: one database transaction, all or nothing."""
        row = self._row(check_order(order))
        added = [dumps(t) for t in check_transactions(order.id, transactions)]
        with self._writing() as connection:
            if expected_version is None:
                try:
                    connection.execute(sa.insert(ORDERS).values(row))
                except sa.exc.IntegrityError:
                    raise DuplicateOrderId(order.id) from None
            else:
                updated = connection.execute(
                    sa.update(ORDERS)
                    .where(ORDERS.c.id == order.id, ORDERS.c.version == expected_version)
                    .values({k: v for k, v in row.items() if k != "id"})
                )
                if updated.rowcount != 1:  # the UPDATE holds the row's lock from here on
                    stored = self._version(connection, order.id)
                    if stored is None:
                        raise OrderNotFound(order.id)
                    raise ConcurrencyConflict(order.id, expected_version, stored)
            count = self._count(connection, order.id)
            check_count(order.id, expected_version, count, expected_transactions)
            self._append(connection, order.id, count, added)

    def add_transactions(
        self, order_id: str, transactions: Sequence[Transaction], expected_transactions: int
    ) -> None:
        """Append transactions if the order has ``expected_transactions`` of them (the order
        row is locked while they are counted and added)."""
        added = [dumps(t) for t in check_transactions(order_id, transactions)]
        with self._writing() as connection:
            version = self._version(connection, order_id, lock=True)
            if version is None:
                raise OrderNotFound(order_id)
            count = self._count(connection, order_id)
            check_count(order_id, version, count, expected_transactions)
            self._append(connection, order_id, count, added)

    def delete(self, order_id: str, expected_version: int) -> None:
        """Delete a draft or sent order at ``expected_version``, with its transactions."""
        with self._writing() as connection:
            row = connection.execute(
                sa.select(ORDERS.c.version, ORDERS.c.status)
                .where(ORDERS.c.id == order_id)
                .with_for_update()
            ).first()
            if row is None:
                raise OrderNotFound(order_id)
            check_deletable(order_id, row.version, Status(row.status), expected_version)
            connection.execute(sa.delete(TRANSACTIONS).where(TRANSACTIONS.c.order_id == order_id))
            deleted = connection.execute(
                sa.delete(ORDERS).where(
                    ORDERS.c.id == order_id, ORDERS.c.version == expected_version
                )
            )
            if deleted.rowcount != 1:  # pragma: no cover - the row is locked
                raise ConcurrencyConflict(order_id, expected_version, row.version)

    def record_usage(self, promotion_ids: Iterable[str], customer_id: str | None) -> None:
        """Count one use of each promotion (by the customer, when known): increments made by
        the database, so concurrent completions never lose a count."""
        uses = Counter(check_promotion_ids(promotion_ids, customer_id))
        rows = [
            {"promotion_id": promotion_id, "customer_id": who, "uses": n}
            for promotion_id, n in sorted(uses.items())
            for who in (_EVERYONE, *([customer_id] if customer_id is not None else []))
        ]
        if not rows:
            return
        with self._writing() as connection:
            if self._dialect in ("postgresql", "sqlite"):
                insert = (postgresql if self._dialect == "postgresql" else sqlite).insert(
                    PROMOTION_USAGE
                )
                connection.execute(
                    insert.on_conflict_do_update(
                        index_elements=[
                            PROMOTION_USAGE.c.promotion_id,
                            PROMOTION_USAGE.c.customer_id,
                        ],
                        set_={"uses": PROMOTION_USAGE.c.uses + insert.excluded.uses},
                    ),
                    rows,
                )
                return
            for row in rows:  # other databases: update, else insert
                key = (
                    PROMOTION_USAGE.c.promotion_id == row["promotion_id"],
                    PROMOTION_USAGE.c.customer_id == row["customer_id"],
                )
                updated = connection.execute(
                    sa.update(PROMOTION_USAGE)
                    .where(*key)
                    .values(uses=PROMOTION_USAGE.c.uses + row["uses"])
                )
                if updated.rowcount == 0:
                    connection.execute(sa.insert(PROMOTION_USAGE).values(row))

    # -- reading ---------------------------------------------------------------------------------

    def get(self, order_id: str) -> DraftOrder:
        """The stored order; :class:`OrderNotFound` if there is none."""
        with self.engine.connect() as connection:
            document = connection.execute(
                sa.select(ORDERS.c.document).where(ORDERS.c.id == order_id)
            ).scalar_one_or_none()
        if document is None:
            raise OrderNotFound(order_id)
        return loads(document, expected=DraftOrder)

    def transactions(self, order_id: str) -> list[Transaction]:
        """The order's transactions, oldest first."""
        with self.engine.connect() as connection:
            if self._version(connection, order_id) is None:
                raise OrderNotFound(order_id)
            documents = connection.execute(
                sa.select(TRANSACTIONS.c.document)
                .where(TRANSACTIONS.c.order_id == order_id)
                .order_by(TRANSACTIONS.c.position)
            ).scalars()
            return [loads(document, expected=Transaction) for document in documents]

    def __contains__(self, order_id: object) -> bool:
        if not isinstance(order_id, str):
            return False
        with self.engine.connect() as connection:
            return self._version(connection, order_id) is not None

    def ids(self) -> Iterable[str]:
        """Every stored order id, sorted."""
        with self.engine.connect() as connection:
            return sorted(connection.execute(sa.select(ORDERS.c.id)).scalars())

    def find(
        self,
        *,
        statuses: Iterable[Status] = (),
        customer_id: str | None = None,
        date_from: dt.date | None = None,
        date_to: dt.date | None = None,
        order_id_contains: str | None = None,
    ) -> list[DraftOrder]:
        """Stored orders that meet every criterion given, sorted by id (see
        :class:`~draftorders.storage.OrderQuery`). The database selects the rows; each order
        loaded is checked against the query too, so every store answers alike (SQLite's LIKE
        ignores case, for one)."""
        query = OrderQuery(statuses, customer_id, date_from, date_to, order_id_contains)
        select = sa.select(ORDERS.c.document)
        if query.statuses:
            select = select.where(ORDERS.c.status.in_(sorted(s.value for s in query.statuses)))
        if query.customer_id is not None:
            select = select.where(ORDERS.c.customer_id == query.customer_id)
        if query.date_from is not None:
            select = select.where(ORDERS.c.order_date >= query.date_from)
        if query.date_to is not None:
            select = select.where(ORDERS.c.order_date <= query.date_to)
        if query.order_id_contains is not None:
            select = select.where(ORDERS.c.id.contains(query.order_id_contains, autoescape=True))
        with self.engine.connect() as connection:
            documents = list(connection.execute(select).scalars())
        orders = (loads(document, expected=DraftOrder) for document in documents)
        return sorted((o for o in orders if query.matches(o)), key=lambda o: o.id)

    def list(self, *statuses: Status) -> list[DraftOrder]:
        """Stored orders with any of ``statuses`` (all when none given), sorted by id."""
        return self.find(statuses=statuses)

    def promotion_usage(self) -> PromotionUsage:
        """How often each promotion was used on completed orders."""
        with self.engine.connect() as connection:
            rows = connection.execute(sa.select(PROMOTION_USAGE)).all()
        total = {r.promotion_id: r.uses for r in rows if r.customer_id == _EVERYONE}
        per_customer = {
            (r.promotion_id, r.customer_id): r.uses for r in rows if r.customer_id != _EVERYONE
        }
        return PromotionUsage(total, per_customer)

    # -- the workings ----------------------------------------------------------------------------

    def _create_schema(self) -> None:
        with self._writing() as connection:
            if self._dialect == "postgresql":  # two processes starting at once: one creates
                connection.execute(sa.select(sa.func.pg_advisory_xact_lock(_SCHEMA_LOCK)))
            METADATA.create_all(connection)

    @contextmanager
    def _writing(self) -> Iterator[sa.Connection]:
        """A connection in a writing transaction, committed at the end unless an error is
        raised (then rolled back: nothing written)."""
        with self.engine.connect() as connection:
            connection.execution_options(**{_WRITE: True})
            with connection.begin():
                yield connection

    def _row(self, order: DraftOrder) -> dict[str, object]:
        if not isinstance(order.version, int) or isinstance(order.version, bool):
            raise ValidationError("version", f"expected a whole number, got {order.version!r}")
        return {
            "id": order.id,
            "version": order.version,
            "status": order.status.value,
            "customer_id": order.customer.id if order.customer is not None else None,
            "order_date": order.order_date,
            "document": dumps(order),
            "updated_at": self.clock.now(),
        }

    @staticmethod
    def _version(connection: sa.Connection, order_id: str, *, lock: bool = False) -> int | None:
        select = sa.select(ORDERS.c.version).where(ORDERS.c.id == order_id)
        version: int | None = connection.execute(
            select.with_for_update() if lock else select
        ).scalar_one_or_none()
        return version

    @staticmethod
    def _count(connection: sa.Connection, order_id: str) -> int:
        count: int = connection.execute(
            sa.select(sa.func.count())
            .select_from(TRANSACTIONS)
            .where(TRANSACTIONS.c.order_id == order_id)
        ).scalar_one()
        return count

    @staticmethod
    def _append(
        connection: sa.Connection, order_id: str, count: int, documents: Sequence[str]
    ) -> None:
        if documents:
            connection.execute(
                sa.insert(TRANSACTIONS),
                [
                    {"order_id": order_id, "position": count + n, "document": document}
                    for n, document in enumerate(documents)
                ],
            )

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
import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from draftorders.clock import Clock, SystemClock
from draftorders.customers import Customer
from draftorders.documents import dumps, loads
from draftorders.errors import (
    CustomerNotFound,
    DuplicateCustomer,
    DuplicateOrderId,
    IdempotencyConflict,
    NotFound,
    OrderDeleted,
    OrderNotFound,
    PaymentInFlight,
    StoreSchemaError,
    ValidationError,
)
from draftorders.inventory import (
    InventoryChange,
    InventoryPolicy,
    Reservation,
    StockKey,
    StockLevel,
    Taken,
)
from draftorders.invoice import SentInvoice
from draftorders.notifications import MessageStatus, OutboxMessage
from draftorders.order import DraftOrder
from draftorders.payments import ClaimState, PaymentClaim, PaymentMethod, Transaction
from draftorders.promotions import PromotionUsage
from draftorders.storage.query import CustomerQuery, OrderQuery, normal_email
from draftorders.storage.records import Tombstone
from draftorders.storage.rules import (
    check_deletable,
    check_instance,
    check_promotion_ids,
    check_usage,
    check_version,
)
from draftorders.storage.sql import schema as t
from draftorders.storage.sql.migrate import HEAD, revision, upgrade_connection
from draftorders.storage.store import UsageLimits

__all__ = ["SqlStore", "connect_engine", "upgrade", "write_transaction"]

_WRITE = "draftorders_write"
"""An execution option marking a connection whose transaction writes (SQLite: BEGIN IMMEDIATE)."""
_EVERYONE = ""
_HERE = ""
"""The unnamed stock location, as stored (a key column cannot be NULL)."""
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
    writing = connection.get_execution_options().get(_WRITE, False)
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
        connection.execution_options(**{_WRITE: True})
        with connection.begin():
            yield connection


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
            connection.execution_options(**{_WRITE: write})
            with connection.begin():
                yield _SqlUnit(self, connection, write)


class _Base:
    """What every record set of a unit shares: its connection and the writing check."""

    def __init__(self, store: SqlStore, connection: sa.Connection, write: bool) -> None:
        self._store = store
        self._c = connection
        self._write = write
        self._pg = store.dialect == "postgresql"

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


class _SqlUnit:
    def __init__(self, store: SqlStore, connection: sa.Connection, write: bool) -> None:
        self.orders = _Orders(store, connection, write)
        self.customers = _Customers(store, connection, write)
        self.payments = _Payments(store, connection, write)
        self.invoices = _Invoices(store, connection, write)
        self.stock = _Stock(store, connection, write)
        self.usage = _Usage(store, connection, write)
        self.outbox = _Outbox(store, connection, write)
        self._sequences = _Sequences(store, connection, write)

    def next_number(self, sequence: str) -> int:
        """The next number of ``sequence``, its row locked until the unit ends."""
        return self._sequences.next(sequence)


class _Sequences(_Base):
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


class _Orders(_Base):
    def get(self, order_id: str, *, lock: bool = False) -> DraftOrder:
        row = self._c.execute(
            self._select(
                sa.select(t.ORDERS.c.document, t.ORDERS.c.deleted_at).where(
                    t.ORDERS.c.id == order_id
                ),
                lock,
            )
        ).first()
        if row is None:
            raise OrderNotFound(order_id)
        if row.deleted_at is not None:
            raise OrderDeleted(order_id, row.deleted_at)
        return self._load(row.document, DraftOrder)

    def add(self, order: DraftOrder) -> None:
        check_instance(order, DraftOrder, "order")
        self._insert(t.ORDERS, self._row(order), lambda: DuplicateOrderId(order.id))

    def replace(self, order: DraftOrder, expected_version: int) -> None:
        check_instance(order, DraftOrder, "order")
        self._writing()
        row = self._row(order)
        del row["id"]
        updated = self._c.execute(
            sa.update(t.ORDERS)
            .where(
                t.ORDERS.c.id == order.id,
                t.ORDERS.c.version == expected_version,
                t.ORDERS.c.deleted_at.is_(None),
            )
            .values(**row)
        )
        if updated.rowcount != 1:
            check_version(order, self.get(order.id).version, expected_version)

    def delete(self, order_id: str, expected_version: int, at: dt.datetime) -> Tombstone:
        self._writing()
        stored = self.get(order_id, lock=True)
        check_deletable(order_id, stored.version, stored.status, expected_version)
        self._c.execute(sa.update(t.ORDERS).where(t.ORDERS.c.id == order_id).values(deleted_at=at))
        return Tombstone(order_id, stored.version, at)

    def tombstone(self, order_id: str) -> Tombstone | None:
        row = self._c.execute(
            sa.select(t.ORDERS.c.version, t.ORDERS.c.deleted_at).where(
                t.ORDERS.c.id == order_id, t.ORDERS.c.deleted_at.is_not(None)
            )
        ).first()
        return Tombstone(order_id, row.version, _aware(row.deleted_at)) if row else None

    def used(self, order_id: str) -> bool:
        return (
            self._c.execute(sa.select(t.ORDERS.c.id).where(t.ORDERS.c.id == order_id)).first()
            is not None
        )

    def find(self, query: OrderQuery) -> list[DraftOrder]:
        check_instance(query, OrderQuery, "query")
        o = t.ORDERS.c
        select = sa.select(o.document).where(o.deleted_at.is_(None))
        if query.statuses:
            select = select.where(o.status.in_(sorted(s.value for s in query.statuses)))
        if query.customer_id is not None:
            select = select.where(o.customer_id == query.customer_id)
        if query.date_from is not None:
            select = select.where(o.order_date >= query.date_from)
        if query.date_to is not None:
            select = select.where(o.order_date <= query.date_to)
        if query.order_id_contains is not None:
            select = select.where(o.id.contains(query.order_id_contains, autoescape=True))
        orders = (self._load(d, DraftOrder) for d in self._c.execute(select).scalars())
        # the database selects; each order is checked against the query too, so every store
        # answers alike (SQLite's LIKE ignores case, for one)
        return sorted((order for order in orders if query.matches(order)), key=lambda o: o.id)

    def _row(self, order: DraftOrder) -> dict[str, Any]:
        if not isinstance(order.version, int) or isinstance(order.version, bool):
            raise ValidationError("version", f"expected a whole number, got {order.version!r}")
        return {
            "id": order.id,
            "version": order.version,
            "status": order.status.value,
            "customer_id": order.customer.id if order.customer is not None else None,
            "order_date": order.order_date,
            "document": dumps(order),
            "updated_at": self._store.clock.now(),
        }


class _Customers(_Base):
    def get(self, customer_id: str, *, lock: bool = False) -> Customer:
        document = self._c.execute(
            self._select(
                sa.select(t.CUSTOMERS.c.document).where(t.CUSTOMERS.c.id == customer_id), lock
            )
        ).scalar_one_or_none()
        if document is None:
            raise CustomerNotFound(customer_id)
        return self._load(document, Customer)

    def add(self, customer: Customer) -> None:
        check_instance(customer, Customer, "customer")
        self._insert(t.CUSTOMERS, self._row(customer), lambda: self._duplicate(customer))

    def replace(self, customer: Customer) -> None:
        check_instance(customer, Customer, "customer")
        self.get(customer.id, lock=True)
        row = self._row(customer)
        try:
            with self._c.begin_nested():
                self._c.execute(
                    sa.update(t.CUSTOMERS).where(t.CUSTOMERS.c.id == customer.id).values(**row)
                )
        except sa.exc.IntegrityError:
            raise DuplicateCustomer("email", customer.email or "") from None

    def find(self, query: CustomerQuery) -> list[Customer]:
        check_instance(query, CustomerQuery, "query")
        c = t.CUSTOMERS.c
        select = sa.select(c.document)
        if query.email is not None:
            select = select.where(c.email_key == normal_email(query.email))
        if query.name_contains is not None:
            select = select.where(
                sa.func.lower(c.name).contains(query.name_contains.lower(), autoescape=True)
            )
        found = (self._load(d, Customer) for d in self._c.execute(select).scalars())
        return sorted((x for x in found if query.matches(x)), key=lambda x: (x.name, x.id))

    def add_method(self, method: PaymentMethod) -> None:
        check_instance(method, PaymentMethod, "method")
        self.get(method.customer_id, lock=True)
        count = self._c.execute(
            sa.select(sa.func.count()).where(t.PAYMENT_METHODS.c.customer_id == method.customer_id)
        ).scalar_one()
        self._insert(
            t.PAYMENT_METHODS,
            {
                "id": method.id,
                "customer_id": method.customer_id,
                "position": count,
                "document": dumps(method),
            },
            lambda: ValidationError("id", f"payment method {method.id!r} is already saved"),
        )

    def method(self, method_id: str) -> PaymentMethod:
        document = self._c.execute(
            sa.select(t.PAYMENT_METHODS.c.document).where(t.PAYMENT_METHODS.c.id == method_id)
        ).scalar_one_or_none()
        if document is None:
            raise NotFound(method_id, f"no payment method {method_id!r}")
        return self._load(document, PaymentMethod)

    def methods(self, customer_id: str) -> list[PaymentMethod]:
        m = t.PAYMENT_METHODS.c
        documents = self._c.execute(
            sa.select(m.document).where(m.customer_id == customer_id).order_by(m.position)
        ).scalars()
        return [self._load(d, PaymentMethod) for d in documents]

    def _row(self, customer: Customer) -> dict[str, Any]:
        return {
            "id": customer.id,
            "email_key": normal_email(customer.email) if customer.email is not None else None,
            "name": customer.name,
            "document": dumps(customer),
        }

    def _duplicate(self, customer: Customer) -> Exception:
        taken = self._c.execute(
            sa.select(t.CUSTOMERS.c.id).where(t.CUSTOMERS.c.id == customer.id)
        ).first()
        if taken is not None:
            return DuplicateCustomer("id", customer.id)
        return DuplicateCustomer("email", customer.email or "")


def _natural(column: sa.ColumnElement[str]) -> tuple[sa.ColumnElement[Any], ...]:
    """Order ids like ``S2`` before ``S10``: by length, then text."""
    return (sa.func.length(column), column)


class _Payments(_Base):
    def transactions(self, order_id: str) -> list[Transaction]:
        x = t.TRANSACTIONS.c
        documents = self._c.execute(
            sa.select(x.document).where(x.order_id == order_id).order_by(x.position)
        ).scalars()
        return [self._load(d, Transaction) for d in documents]

    def append(self, transaction: Transaction) -> None:
        check_instance(transaction, Transaction, "transaction")
        count = self._c.execute(
            sa.select(sa.func.count()).where(t.TRANSACTIONS.c.order_id == transaction.order_id)
        ).scalar_one()
        key = transaction.idempotency_key

        def conflict() -> Exception:
            if key is not None and self.by_key(key) is not None:
                return IdempotencyConflict(key, "a transaction is already recorded under it")
            return ValidationError("id", f"transaction {transaction.id!r} is already recorded")

        self._insert(
            t.TRANSACTIONS,
            {
                "order_id": transaction.order_id,
                "position": count,
                "document": dumps(transaction),
                "id": transaction.id,
                "gateway": transaction.gateway,
                "reference": transaction.reference,
                "idempotency_key": key,
            },
            conflict,
        )

    def by_reference(self, gateway: str, reference: str) -> list[Transaction]:
        x = t.TRANSACTIONS.c
        documents = self._c.execute(
            sa.select(x.document)
            .where(x.gateway == gateway, x.reference == reference)
            .order_by(x.order_id, x.position)
        ).scalars()
        return [self._load(d, Transaction) for d in documents]

    def by_key(self, idempotency_key: str) -> Transaction | None:
        document = self._c.execute(
            sa.select(t.TRANSACTIONS.c.document).where(
                t.TRANSACTIONS.c.idempotency_key == idempotency_key
            )
        ).scalar_one_or_none()
        return self._load(document, Transaction) if document is not None else None

    def add_claim(self, claim: PaymentClaim) -> None:
        check_instance(claim, PaymentClaim, "claim")

        def conflict() -> Exception:
            if self.claim_by_key(claim.idempotency_key) is not None:
                return IdempotencyConflict(claim.idempotency_key, "a claim was made under it")
            for other in self.claims(claim.order_id):
                if other.is_open:
                    return PaymentInFlight(claim.order_id, other.id, other.created_at)
            return ValidationError("id", f"claim {claim.id!r} already exists")

        self._insert(t.CLAIMS, self._claim_row(claim), conflict)

    def replace_claim(self, claim: PaymentClaim) -> None:
        check_instance(claim, PaymentClaim, "claim")
        self._writing()
        row = self._claim_row(claim)
        updated = self._c.execute(
            sa.update(t.CLAIMS).where(t.CLAIMS.c.id == claim.id).values(**row)
        )
        if updated.rowcount != 1:
            raise NotFound(claim.id, f"no payment claim {claim.id!r}")

    def claim(self, claim_id: str, *, lock: bool = False) -> PaymentClaim:
        document = self._c.execute(
            self._select(sa.select(t.CLAIMS.c.document).where(t.CLAIMS.c.id == claim_id), lock)
        ).scalar_one_or_none()
        if document is None:
            raise NotFound(claim_id, f"no payment claim {claim_id!r}")
        return self._load(document, PaymentClaim)

    def claim_by_key(self, idempotency_key: str) -> PaymentClaim | None:
        document = self._c.execute(
            sa.select(t.CLAIMS.c.document).where(t.CLAIMS.c.idempotency_key == idempotency_key)
        ).scalar_one_or_none()
        return self._load(document, PaymentClaim) if document is not None else None

    def claims(self, order_id: str) -> list[PaymentClaim]:
        c = t.CLAIMS.c
        documents = self._c.execute(
            sa.select(c.document).where(c.order_id == order_id).order_by(*_natural(c.id))
        ).scalars()
        return [self._load(d, PaymentClaim) for d in documents]

    def open_claims(self, *, created_before: dt.datetime | None = None) -> list[PaymentClaim]:
        c = t.CLAIMS.c
        select = sa.select(c.document).where(c.state == ClaimState.OPEN.value)
        if created_before is not None:
            select = select.where(c.created_at < created_before)
        documents = self._c.execute(select.order_by(c.created_at, *_natural(c.id))).scalars()
        return [self._load(d, PaymentClaim) for d in documents]

    def notice(self, key: str) -> str | None:
        found: str | None = self._c.execute(
            sa.select(t.NOTICES.c.transaction_id).where(t.NOTICES.c.key == key)
        ).scalar_one_or_none()
        return found

    def add_notice(self, key: str, transaction_id: str, at: dt.datetime) -> None:
        self._insert(
            t.NOTICES,
            {"key": key, "transaction_id": transaction_id, "applied_at": at},
            lambda: ValidationError("notice", f"notice {key!r} was applied already"),
        )

    @staticmethod
    def _claim_row(claim: PaymentClaim) -> dict[str, Any]:
        return {
            "id": claim.id,
            "order_id": claim.order_id,
            "idempotency_key": claim.idempotency_key,
            "state": claim.state.value,
            "created_at": claim.created_at,
            "document": dumps(claim),
        }


class _Invoices(_Base):
    def add(self, sent: SentInvoice) -> None:
        check_instance(sent, SentInvoice, "sent")
        self._insert(
            t.SENT_INVOICES,
            self._row(sent),
            lambda: ValidationError(
                "sent", f"sent invoice {sent.id!r} or number {sent.number!r} already exists"
            ),
        )

    def replace(self, sent: SentInvoice) -> None:
        check_instance(sent, SentInvoice, "sent")
        self._writing()
        updated = self._c.execute(
            sa.update(t.SENT_INVOICES)
            .where(t.SENT_INVOICES.c.id == sent.id)
            .values(document=dumps(sent))
        )
        if updated.rowcount != 1:
            raise NotFound(sent.id, f"no sent invoice {sent.id!r}")

    def get(self, sent_id: str) -> SentInvoice:
        document = self._c.execute(
            sa.select(t.SENT_INVOICES.c.document).where(t.SENT_INVOICES.c.id == sent_id)
        ).scalar_one_or_none()
        if document is None:
            raise NotFound(sent_id, f"no sent invoice {sent_id!r}")
        return self._load(document, SentInvoice)

    def of(self, order_id: str) -> list[SentInvoice]:
        return self._where(t.SENT_INVOICES.c.order_id == order_id)

    def by_number(self, number: str) -> list[SentInvoice]:
        return self._where(t.SENT_INVOICES.c.number == number)

    def _where(self, condition: sa.ColumnElement[bool]) -> list[SentInvoice]:
        s = t.SENT_INVOICES.c
        documents = self._c.execute(
            sa.select(s.document).where(condition).order_by(*_natural(s.id))
        ).scalars()
        return [self._load(d, SentInvoice) for d in documents]

    @staticmethod
    def _row(sent: SentInvoice) -> dict[str, Any]:
        return {
            "id": sent.id,
            "order_id": sent.order_id,
            "number": sent.number,
            "resent": sent.resent,
            "sent_at": sent.sent_at,
            "document": dumps(sent),
        }


class _Stock(_Base):
    def level(self, key: StockKey, *, lock: bool = False) -> StockLevel | None:
        s = t.STOCK_LEVELS.c
        row = self._c.execute(
            self._select(
                sa.select(t.STOCK_LEVELS).where(s.sku == key[0], s.location == (key[1] or _HERE)),
                lock,
            )
        ).first()
        return _level(row) if row is not None else None

    def levels(self) -> list[StockLevel]:
        s = t.STOCK_LEVELS.c
        rows = self._c.execute(sa.select(t.STOCK_LEVELS).order_by(s.sku, s.location)).all()
        return [_level(row) for row in rows]

    def put_level(self, level: StockLevel) -> None:
        check_instance(level, StockLevel, "level")
        self._upsert(
            t.STOCK_LEVELS,
            {
                "sku": level.sku,
                "location": level.location or _HERE,
                "on_hand": level.on_hand,
                "reserved": level.reserved,
                "policy": level.policy.value,
            },
            ["sku", "location"],
        )

    def reservation(self, order_id: str) -> Reservation | None:
        document = self._c.execute(
            sa.select(t.STOCK_RESERVATIONS.c.document).where(
                t.STOCK_RESERVATIONS.c.order_id == order_id
            )
        ).scalar_one_or_none()
        return self._load(document, Reservation) if document is not None else None

    def put_reservation(self, reservation: Reservation) -> None:
        check_instance(reservation, Reservation, "reservation")
        self._upsert(
            t.STOCK_RESERVATIONS,
            {
                "order_id": reservation.order_id,
                "until": reservation.until,
                "document": dumps(reservation),
            },
            ["order_id"],
        )

    def drop_reservation(self, order_id: str) -> None:
        self._writing()
        self._c.execute(
            sa.delete(t.STOCK_RESERVATIONS).where(t.STOCK_RESERVATIONS.c.order_id == order_id)
        )

    def reservations_due(self, now: dt.datetime) -> list[Reservation]:
        r = t.STOCK_RESERVATIONS.c
        documents = self._c.execute(
            sa.select(r.document).where(r.until <= now).order_by(r.order_id)
        ).scalars()
        return [self._load(d, Reservation) for d in documents]

    def taken(self, order_id: str) -> Taken | None:
        document = self._c.execute(
            sa.select(t.STOCK_TAKEN.c.document).where(t.STOCK_TAKEN.c.order_id == order_id)
        ).scalar_one_or_none()
        return self._load(document, Taken) if document is not None else None

    def put_taken(self, taken: Taken) -> None:
        check_instance(taken, Taken, "taken")
        self._upsert(
            t.STOCK_TAKEN, {"order_id": taken.order_id, "document": dumps(taken)}, ["order_id"]
        )

    def record(self, change: InventoryChange) -> None:
        check_instance(change, InventoryChange, "change")
        self._writing()
        self._c.execute(
            sa.insert(t.STOCK_HISTORY).values(
                order_id=change.order_id, sku=change.sku, document=dumps(change)
            )
        )

    def history(
        self, *, order_id: str | None = None, sku: str | None = None
    ) -> list[InventoryChange]:
        h = t.STOCK_HISTORY.c
        select = sa.select(h.document).order_by(h.id)
        if order_id is not None:
            select = select.where(h.order_id == order_id)
        if sku is not None:
            select = select.where(h.sku == sku)
        return [self._load(d, InventoryChange) for d in self._c.execute(select).scalars()]


def _level(row: Any) -> StockLevel:
    return StockLevel(
        row.sku, row.location or None, row.on_hand, row.reserved, InventoryPolicy(row.policy)
    )


class _Usage(_Base):
    def usage(self) -> PromotionUsage:
        rows = self._c.execute(sa.select(t.PROMOTION_USAGE)).all()
        return _usage(rows)

    def count(
        self,
        promotion_ids: Iterable[str],
        customer_id: str | None,
        *,
        limits: UsageLimits | None = None,
        by: int = 1,
    ) -> None:
        ids = check_promotion_ids(promotion_ids, customer_id)
        if not ids:
            return
        self._writing()
        whose = [_EVERYONE, *([customer_id] if customer_id is not None else [])]
        keys = sorted({(pid, who) for pid in ids for who in whose})
        u = t.PROMOTION_USAGE.c
        dialect = postgresql if self._pg else sqlite
        self._c.execute(
            dialect.insert(t.PROMOTION_USAGE).on_conflict_do_nothing(),
            [{"promotion_id": pid, "customer_id": who, "uses": 0} for pid, who in keys],
        )
        locked = self._c.execute(
            self._select(
                sa.select(t.PROMOTION_USAGE)
                .where(u.promotion_id.in_(sorted(set(ids))), u.customer_id.in_(whose))
                .order_by(u.promotion_id, u.customer_id),
                lock=True,
            )
        ).all()
        if limits is not None and by > 0:
            check_usage(_usage(locked), ids * by, customer_id, limits)
        for (pid, who), n in sorted(Counter((pid, who) for pid in ids for who in whose).items()):
            self._c.execute(
                sa.update(t.PROMOTION_USAGE)
                .where(u.promotion_id == pid, u.customer_id == who)
                .values(uses=u.uses + n * by)
            )


def _usage(rows: Iterable[Any]) -> PromotionUsage:
    rows = list(rows)
    return PromotionUsage(
        {r.promotion_id: r.uses for r in rows if r.customer_id == _EVERYONE},
        {(r.promotion_id, r.customer_id): r.uses for r in rows if r.customer_id != _EVERYONE},
    )


class _Outbox(_Base):
    def add(self, message: OutboxMessage) -> None:
        check_instance(message, OutboxMessage, "message")
        self._insert(
            t.OUTBOX,
            self._row(message),
            lambda: ValidationError("id", f"message {message.id!r} already exists"),
        )

    def get(self, message_id: str, *, lock: bool = False) -> OutboxMessage:
        document = self._c.execute(
            self._select(sa.select(t.OUTBOX.c.document).where(t.OUTBOX.c.id == message_id), lock)
        ).scalar_one_or_none()
        if document is None:
            raise NotFound(message_id, f"no outbox message {message_id!r}")
        return self._load(document, OutboxMessage)

    def replace(self, message: OutboxMessage) -> None:
        check_instance(message, OutboxMessage, "message")
        self._writing()
        row = self._row(message)
        del row["id"]
        updated = self._c.execute(
            sa.update(t.OUTBOX).where(t.OUTBOX.c.id == message.id).values(**row)
        )
        if updated.rowcount != 1:
            raise NotFound(message.id, f"no outbox message {message.id!r}")

    def due(self, now: dt.datetime, limit: int) -> list[OutboxMessage]:
        o = t.OUTBOX.c
        select = (
            sa.select(o.document)
            .where(
                o.status.in_([MessageStatus.PENDING.value, MessageStatus.SENDING.value]),
                o.due_at <= now,
            )
            .order_by(o.due_at, *_natural(o.id))
            .limit(limit)
        )
        if self._pg and self._write:
            select = select.with_for_update(skip_locked=True)
        found = [self._load(d, OutboxMessage) for d in self._c.execute(select).scalars()]
        return [message for message in found if message.is_due(now)]

    def find(
        self, *, status: MessageStatus | None = None, order_id: str | None = None
    ) -> list[OutboxMessage]:
        o = t.OUTBOX.c
        select = sa.select(o.document).order_by(o.created_at, *_natural(o.id))
        if status is not None:
            select = select.where(o.status == status.value)
        if order_id is not None:
            select = select.where(o.order_id == order_id)
        return [self._load(d, OutboxMessage) for d in self._c.execute(select).scalars()]

    @staticmethod
    def _row(message: OutboxMessage) -> dict[str, Any]:
        due: dt.datetime | None
        if message.status is MessageStatus.PENDING:
            due = message.next_attempt_at or message.created_at
        elif message.status is MessageStatus.SENDING:
            due = message.lease_until
        else:
            due = None
        return {
            "id": message.id,
            "order_id": message.order_id,
            "status": message.status.value,
            "due_at": due,
            "created_at": message.created_at,
            "document": dumps(message),
        }


def _aware(moment: dt.datetime) -> dt.datetime:
    """A moment read back from a database that keeps no time zone (SQLite) is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)

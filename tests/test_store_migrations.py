"""Schema migrations of the SQL store: a database written by release 0.1.0 is upgraded in place
with nothing lost; a database migrated to the head has exactly the schema the store declares
(``METADATA``); a database that is newer than this release, or behind it when the store may
not migrate, is refused with ``StoreSchemaError``; and processes opening a new database at once
migrate it once.

The 0.1.0 database is ``data/legacy/store-0.1.0.sqlite`` (see its README). On PostgreSQL the
same rows are written into the tables 0.1.0 created, then upgraded the same way.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import multiprocessing
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from builders import catalog, money
from draftorders import (
    DraftOrder,
    FixedClock,
    ManualMethod,
    Ports,
    Shop,
    ShopApp,
    Status,
    Transaction,
)
from draftorders.documents import loads
from draftorders.errors import StoreSchemaError
from draftorders.payments import TransactionKind, TransactionStatus
from draftorders.storage import OrderQuery
from draftorders.storage.sql import HEAD, METADATA, SqlStore, connect_engine, upgrade
from postgres import postgres_url, server  # noqa: F401

LEGACY = Path(__file__).parent / "data" / "legacy" / "store-0.1.0.sqlite"
NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


# -- databases --------------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a new, empty database: a SQLite file, or a PostgreSQL database of its own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'shop.db'}"
        return
    request.getfixturevalue("postgres_url")
    with server().fresh_database("migrations") as url:
        yield url


_LEGACY_METADATA = sa.MetaData()
_LEGACY_TABLES = [
    sa.Table(
        "orders",
        _LEGACY_METADATA,
        sa.Column("id", sa.String, primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("status", sa.String, nullable=False, index=True),
        sa.Column("customer_id", sa.String, nullable=True, index=True),
        sa.Column("order_date", sa.Date, nullable=False, index=True),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ),
    sa.Table(
        "transactions",
        _LEGACY_METADATA,
        sa.Column("order_id", sa.String, sa.ForeignKey("orders.id"), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("document", sa.Text, nullable=False),
    ),
    sa.Table(
        "promotion_usage",
        _LEGACY_METADATA,
        sa.Column("promotion_id", sa.String, primary_key=True),
        sa.Column("customer_id", sa.String, primary_key=True),
        sa.Column("uses", sa.Integer, nullable=False),
    ),
]
"""The tables as release 0.1.0 created them (``SqlStore`` called ``create_all``)."""


def copy_legacy_to(url: str) -> None:
    """Write the rows of the 0.1.0 SQLite database into the tables 0.1.0 made at ``url``."""
    source = sa.create_engine(f"sqlite:///{LEGACY}")
    target = sa.create_engine(url)
    try:
        with source.connect() as reading, target.begin() as writing:
            _LEGACY_METADATA.create_all(writing)
            for table in _LEGACY_TABLES:
                rows = [dict(row) for row in reading.execute(sa.select(table)).mappings()]
                for row in rows:
                    if row.get("updated_at") is not None:
                        row["updated_at"] = row["updated_at"].replace(tzinfo=dt.UTC)
                writing.execute(sa.insert(table), rows)
    finally:
        source.dispose()
        target.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def legacy_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database as release 0.1.0 left it: a copy of the SQLite file, or the same rows in a
    PostgreSQL database of its own."""
    if request.param == "sqlite":
        copy = tmp_path / "shop.db"
        shutil.copyfile(LEGACY, copy)
        yield f"sqlite:///{copy}"
        return
    request.getfixturevalue("postgres_url")
    with server().fresh_database("migrations") as url:
        copy_legacy_to(url)
        yield url


def version_rows(url: str) -> list[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return list(
                connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalars()
            )
    finally:
        engine.dispose()


# -- what 0.1.0 wrote -------------------------------------------------------------------------


def legacy_rows() -> tuple[dict[str, DraftOrder], dict[str, list[Transaction]], list[Any]]:
    """The orders, each order's transactions (by position) and the usage rows in the 0.1.0
    file, read with sqlite3 and the document loader, without the store."""
    with contextlib.closing(sqlite3.connect(f"file:{LEGACY}?mode=ro", uri=True)) as connection:
        orders = {
            order_id: loads(document, expected=DraftOrder)
            for order_id, document in connection.execute("SELECT id, document FROM orders")
        }
        transactions: dict[str, list[Transaction]] = {order_id: [] for order_id in orders}
        for order_id, document in connection.execute(
            "SELECT order_id, document FROM transactions ORDER BY order_id, position"
        ):
            transactions[order_id].append(loads(document, expected=Transaction))
        usage = sorted(connection.execute("SELECT * FROM promotion_usage").fetchall())
    return orders, transactions, usage


def test_the_legacy_file_holds_what_its_readme_says() -> None:
    orders, transactions, usage = legacy_rows()
    assert {i: (o.version, o.status) for i, o in orders.items()} == {
        "D1001": (3, Status.DRAFT),
        "D1002": (4, Status.INVOICE_SENT),
        "D1003": (4, Status.COMPLETED),
        "D1004": (3, Status.COMPLETED),
        "D1005": (2, Status.DRAFT),
        "D1006": (3, Status.COMPLETED),
    }
    assert {i: [(t.kind, t.status) for t in ts] for i, ts in transactions.items()} == {
        "D1001": [],
        "D1002": [(TransactionKind.MANUAL, TransactionStatus.SUCCESS)],
        "D1003": [
            (TransactionKind.SALE, TransactionStatus.SUCCESS),
            (TransactionKind.REFUND, TransactionStatus.SUCCESS),
        ],
        "D1004": [
            (TransactionKind.SALE, TransactionStatus.FAILURE),
            (TransactionKind.AUTHORIZATION, TransactionStatus.SUCCESS),
            (TransactionKind.CAPTURE, TransactionStatus.SUCCESS),
        ],
        "D1005": [(TransactionKind.SALE, TransactionStatus.PENDING)],
        "D1006": [],
    }
    assert usage == [("SPRING10", "", 2), ("SPRING10", "C1", 1)]


def test_the_legacy_transactions_load_with_every_field_as_written() -> None:
    # given each transaction's document as 0.1.0 wrote it
    with contextlib.closing(sqlite3.connect(f"file:{LEGACY}?mode=ro", uri=True)) as connection:
        documents = [d for (d,) in connection.execute("SELECT document FROM transactions")]
    # then the loaded transaction holds exactly those fields
    assert len(documents) == 7
    for document in documents:
        data = json.loads(document)["data"]
        loaded = loads(document, expected=Transaction)
        assert loaded.amount == money(data["amount"]["amount"], data["amount"]["currency"])
        assert loaded.created_at == dt.datetime.fromisoformat(data["created_at"])
        assert (loaded.kind.value, loaded.status.value) == (data["kind"], data["status"])
        assert [list(pair) for pair in loaded.restock] == data["restock"]
        for field in (
            "id",
            "order_id",
            "gateway",
            "reference",
            "idempotency_key",
            "parent_id",
            "method",
            "reason",
            "code",
            "message",
        ):
            assert getattr(loaded, field) == data[field], field


# -- upgrading a 0.1.0 database ---------------------------------------------------------------


def test_a_0_1_0_database_is_upgraded_in_place_with_nothing_lost(legacy_url: str) -> None:
    # given what 0.1.0 wrote
    orders, transactions, _ = legacy_rows()
    # when the store opens the database
    with SqlStore(legacy_url) as store, store.unit(write=False) as unit:
        found = unit.orders.find(OrderQuery())
        got = {order.id: unit.orders.get(order.id) for order in found}
        recorded = {order_id: unit.payments.transactions(order_id) for order_id in orders}
        usage = unit.usage.usage()
        by_key = {
            t.idempotency_key: unit.payments.by_key(t.idempotency_key or "")
            for ts in transactions.values()
            for t in ts
        }
        refund_reference = unit.payments.by_reference("fake", "fake_000001")
        completed = unit.orders.find(OrderQuery(statuses=[Status.COMPLETED], customer_id="C1"))
    # then every order, every transaction (in order, every field) and the usage are there
    assert [o.id for o in found] == ["D1001", "D1002", "D1003", "D1004", "D1005", "D1006"]
    assert got == orders
    assert recorded == transactions
    assert dict(usage.total) == {"SPRING10": 2}
    assert dict(usage.per_customer) == {("SPRING10", "C1"): 1}
    # and the columns the new schema indexes were filled from each transaction
    assert by_key == {t.idempotency_key: t for ts in transactions.values() for t in ts}
    assert refund_reference == transactions["D1003"]
    assert [o.id for o in completed] == ["D1003"]
    assert version_rows(legacy_url) == [HEAD]


def test_an_upgraded_0_1_0_database_takes_new_orders_and_payments(legacy_url: str) -> None:
    # given the upgraded database behind a shop
    with SqlStore(legacy_url, clock=FixedClock(NOW)) as store:
        app = ShopApp(Shop(catalog()), Ports(store=store, clock=FixedClock(NOW)))
        deposit = app.cashier.transactions("D1002")
        # when a draft is created and a payment is recorded on the sent order
        draft = app.drafts.create()
        payment = app.cashier.record_payment("D1002", money("5.00"), method=ManualMethod.CASH)
        again = app.drafts.create()
        # then the new draft takes the next free id, and the payment follows the deposit
        assert (draft.id, again.id) == ("D1007", "D1008")
        assert app.cashier.transactions("D1002") == [*deposit, payment.transaction]
        assert [t.amount for t in app.cashier.transactions("D1002")] == [
            money("10.00"),
            money("5.00"),
        ]
        assert app.cashier.summary("D1002").due == money("25.45")
    # and the rows 0.1.0 wrote are still there beside the new ones
    with SqlStore(legacy_url) as store, store.unit(write=False) as unit:
        assert len(unit.orders.find(OrderQuery())) == 8
        assert unit.payments.transactions("D1002")[0].reference == "CHK-101"
        assert unit.payments.transactions("D1002")[1].amount == money("5.00")


def test_a_0_1_0_database_is_behind_until_upgraded_when_the_store_may_not_migrate(
    legacy_url: str,
) -> None:
    # when / then
    with pytest.raises(StoreSchemaError) as caught:
        SqlStore(legacy_url, migrate=False)
    assert (caught.value.found, caught.value.expected) == ("0001", HEAD)
    # and nothing was changed by the refusal
    engine = sa.create_engine(legacy_url)
    tables = set(sa.inspect(engine).get_table_names())
    engine.dispose()
    assert tables == {"orders", "transactions", "promotion_usage"}
    # when a deploy upgrades it
    assert upgrade(legacy_url) == "0001"
    # then the store opens it without migrating, with the orders in it
    with SqlStore(legacy_url, migrate=False) as store, store.unit(write=False) as unit:
        assert unit.orders.get("D1003").status is Status.COMPLETED
    assert upgrade(legacy_url) == HEAD


# -- the schema -------------------------------------------------------------------------------


def schema_differences(url: str) -> list[Any]:
    """What autogenerate would change to bring the database to ``METADATA``."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return list(compare_metadata(MigrationContext.configure(connection), METADATA))
    finally:
        engine.dispose()


def test_a_new_database_migrated_to_the_head_has_exactly_the_declared_schema(
    empty_url: str,
) -> None:
    # when
    assert upgrade(empty_url) == "empty"
    # then
    assert schema_differences(empty_url) == []
    assert version_rows(empty_url) == [HEAD]
    engine = sa.create_engine(empty_url)
    tables = set(sa.inspect(engine).get_table_names())
    engine.dispose()
    assert tables == {*METADATA.tables, "alembic_version"}


def test_an_upgraded_0_1_0_database_has_exactly_the_declared_schema(legacy_url: str) -> None:
    upgrade(legacy_url)
    assert schema_differences(legacy_url) == []


def test_the_schema_comparison_sees_a_difference(empty_url: str) -> None:
    # given a migrated database missing an index the store declares
    upgrade(empty_url)
    engine = sa.create_engine(empty_url)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP INDEX ix_outbox_due"))
    engine.dispose()
    # then
    differences = schema_differences(empty_url)
    assert [(d[0], d[1].name) for d in differences] == [("add_index", "ix_outbox_due")]


# -- databases the store refuses --------------------------------------------------------------


def test_a_database_of_a_newer_release_is_refused(empty_url: str) -> None:
    # given a database stamped with a revision this release does not know
    upgrade(empty_url)
    engine = sa.create_engine(empty_url)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    # when / then
    for opening in (
        lambda: SqlStore(empty_url),
        lambda: SqlStore(empty_url, migrate=False),
        lambda: upgrade(empty_url),
    ):
        with pytest.raises(StoreSchemaError) as caught:
            opening()
        assert (caught.value.found, caught.value.expected) == ("9999", HEAD)
    assert version_rows(empty_url) == ["9999"]


def test_an_empty_database_is_behind_until_upgraded_when_the_store_may_not_migrate(
    empty_url: str,
) -> None:
    # when / then
    with pytest.raises(StoreSchemaError) as caught:
        SqlStore(empty_url, migrate=False)
    assert (caught.value.found, caught.value.expected) == (None, HEAD)
    assert upgrade(empty_url) == "empty"
    with SqlStore(empty_url, migrate=False) as store, store.unit(write=False) as unit:
        assert unit.orders.find(OrderQuery()) == []


def test_a_database_with_tables_of_its_own_is_refused(empty_url: str) -> None:
    # given a database some other application keeps its orders in
    engine = sa.create_engine(empty_url)
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE orders (id VARCHAR PRIMARY KEY, total INTEGER)"))
    engine.dispose()
    # when / then
    with pytest.raises(StoreSchemaError):
        SqlStore(empty_url)
    engine = sa.create_engine(empty_url)
    tables = set(sa.inspect(engine).get_table_names())
    engine.dispose()
    assert tables == {"orders"}


# -- processes opening a new database at once -------------------------------------------------


def open_at_once(url: str, start: Any, results: Any) -> None:
    """A process opening the store on ``url`` when the other is ready too; it reports how many
    tables it created (0 if it found the schema migrated)."""
    engine = connect_engine(url)
    created: list[str] = []

    @sa.event.listens_for(engine, "before_cursor_execute")
    def watch(_c: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("CREATE TABLE"):
            created.append(statement)

    start.wait(timeout=60)
    store = SqlStore(engine)
    with store.unit() as unit:
        number = unit.next_number("started")
    store.close()
    engine.dispose()
    results.put((len(created), number))


def test_processes_opening_a_new_database_at_once_migrate_it_once(empty_url: str) -> None:
    # given two processes ready to open the same new database
    context = multiprocessing.get_context("spawn")
    start, results = context.Barrier(2), context.Queue()
    processes = [
        context.Process(target=open_at_once, args=(empty_url, start, results)) for _ in range(2)
    ]
    # when they open it at once
    for process in processes:
        process.start()
    reports = sorted(results.get(timeout=120) for _ in processes)
    for process in processes:
        process.join(timeout=60)
    # then both opened it, one of them migrated it, and it is at the head once
    assert [process.exitcode for process in processes] == [0, 0]
    assert reports[0][0] == 0
    assert reports[1][0] >= len(METADATA.tables)
    assert sorted(number for _, number in reports) == [1, 2]
    assert version_rows(empty_url) == [HEAD]
    assert schema_differences(empty_url) == []

"""A writer killed mid-way leaves only whole orders behind.

A child process (this file, run as a script) writes orders to a SQLite file or to PostgreSQL in
a loop: each order is saved new with its first transactions, then edited and saved again with
one more, each save one database transaction. It prints each id and stage once committed. The
test kills it with SIGKILL once enough orders are written, at a random moment, then opens the
store again and checks that every stored order is exactly one of the two states the writer
saved (rebuilt from the same seed), with exactly that state's transactions, and that every
save the writer saw committed is there.
"""

from __future__ import annotations

import datetime as dt
import random
import selectors
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import attrs
import pytest
import sqlalchemy as sa

from draftorders import Address, Catalog, Customer, DraftOrder, Money, Product, Transaction
from draftorders.payments import TransactionKind, TransactionStatus
from draftorders.storage.sql import SqlStore
from postgres import postgres_url  # noqa: F401

ENOUGH = 25
"""Orders the writer has committed before it may be killed."""
PATIENCE = 60.0
"""Seconds to wait for the writer to get there."""
CATALOG = Catalog.of(
    Product(sku="MUG", title="Mug", price=Money(Decimal("12.99"), "USD")),
    Product(sku="TEA", title="Tea", price=Money(Decimal("7.49"), "USD")),
    Product(sku="POT", title="Teapot", price=Money(Decimal("34.50"), "USD")),
)


@attrs.frozen
class Written:
    """What the writer saves for order ``n``: the new order and its transactions, then the
    edited order and one more transaction."""

    first: DraftOrder
    first_transactions: tuple[Transaction, ...]
    second: DraftOrder
    second_transactions: tuple[Transaction, ...]


def written(seed: int, n: int) -> Written:
    """Order ``n`` of the writer seeded with ``seed``: the same every time."""
    rng = random.Random(f"{seed}:{n}")
    order_id = f"K{n:05d}"
    customer = Customer(id=f"C{rng.randrange(5)}", name="Customer", email="c@example.com")
    order = DraftOrder.new(order_id, "USD", _date(rng), customer=customer)
    for _ in range(rng.randint(1, 4)):
        if rng.random() < 0.7:
            order = order.add_product(CATALOG, rng.choice(["MUG", "TEA", "POT"]), rng.randint(1, 9))
        else:
            order = order.add_custom_item(f"Item {rng.randrange(100)}", f"{rng.randint(1, 99)}.50")
    order = order.set_shipping_address(Address(country="US")).set_notes(f"note {rng.random()}")
    first = tuple(_transaction(order_id, k, rng) for k in range(rng.randint(1, 3)))
    edited = order.add_custom_item("Gift wrap", "3.00").set_notes("wrapped")
    second = (_transaction(order_id, len(first), rng),)
    return Written(order, first, edited, second)


def _date(rng: random.Random) -> dt.date:
    return dt.date(2026, rng.randint(1, 12), rng.randint(1, 28))


def _transaction(order_id: str, k: int, rng: random.Random) -> Transaction:
    return Transaction(
        id=f"{order_id}-T{k + 1}",
        order_id=order_id,
        kind=TransactionKind.MANUAL,
        status=TransactionStatus.SUCCESS,
        amount=Money(Decimal(rng.randint(1, 5000)) / 100, "USD"),
        created_at=dt.datetime(2026, 11, 26, 9, k, tzinfo=dt.UTC),
        gateway="manual",
        reference=f"ref {rng.random()}",
        idempotency_key=f"{order_id}/{k}",
    )


def write(url: str, seed: int, start: int, park_after: int | None) -> None:
    """The writer: saves orders ``start``, ``start + 1``... (new, then edited), printing each
    committed save. With ``park_after``, once that many orders are written it stops for good
    right after a random SQL statement of the next saves, inside their database transaction,
    and says so: the test then kills it mid-transaction for certain."""
    store = SqlStore(url)
    statements = 0
    park_at = random.Random(seed).randint(1, 10)

    def count(*_: object) -> None:
        nonlocal statements
        statements += 1
        if statements == park_at:
            print("parked", flush=True)
            time.sleep(PATIENCE)

    for n in range(start, start + 1_000_000):
        if n - start == park_after:
            sa.event.listen(store.engine, "after_cursor_execute", count)
        w = written(seed, n)
        store.save(w.first, transactions=w.first_transactions)
        print(f"{w.first.id} 1", flush=True)
        store.save(
            w.second,
            expected_version=w.first.version,
            transactions=w.second_transactions,
            expected_transactions=len(w.first_transactions),
        )
        print(f"{w.first.id} 2", flush=True)


# -- the test ---------------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database with the store's tables."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'orders.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    with SqlStore(url) as store, store.engine.begin() as connection:
        for table in ("transactions", "orders", "promotion_usage"):
            connection.execute(sa.text(f"DELETE FROM {table}"))
    return url


def run_and_kill(url: str, seed: int, start: int, *, parked: bool) -> list[tuple[str, int]]:
    """Start the writer at order ``start``; once it has committed ENOUGH orders, kill it with
    SIGKILL: a random moment later, or (``parked``) when it has stopped inside a database
    transaction. The saves it reported committed."""
    command = [sys.executable, __file__, url, str(seed), str(start)]
    child = subprocess.Popen(
        [*command, str(ENOUGH)] if parked else command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    try:
        assert child.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(child.stdout, selectors.EVENT_READ)
            deadline = time.monotonic() + PATIENCE
            while (lines[-1:] != ["parked"]) if parked else (len(lines) < 2 * ENOUGH):
                if not selector.select(timeout=max(deadline - time.monotonic(), 0)):
                    pytest.fail(f"the writer did not write {ENOUGH} orders in {PATIENCE} s")
                line = child.stdout.readline()
                if not line:
                    _, errors = child.communicate()
                    pytest.fail(f"the writer stopped by itself:\n{errors}")
                lines.append(line.strip())
        if not parked:
            time.sleep(random.Random(seed).uniform(0, 0.05))
    finally:
        child.send_signal(signal.SIGKILL)
        rest, _ = child.communicate(timeout=30)
    assert child.returncode == -signal.SIGKILL
    lines.extend(rest.splitlines())
    saves = [line.split() for line in lines if line != "parked"]
    return [(order_id, int(stage)) for order_id, stage in saves]


def check_whole(store: SqlStore, seed: int, reported: list[tuple[str, int]]) -> int:
    """Every stored order is one of the writer's two states with that state's transactions,
    and every save reported committed is there; how many orders are stored."""
    ids = sorted(store.ids())
    assert ids == [f"K{n:05d}" for n in range(len(ids))], f"seed {seed}"
    for n, order_id in enumerate(ids):
        w = written(seed, n)
        stored, transactions = store.get(order_id), tuple(store.transactions(order_id))
        whole = [
            (w.first, w.first_transactions),
            (w.second, w.first_transactions + w.second_transactions),
        ]
        assert (stored, transactions) in whole, f"seed {seed}, order {order_id}"
    for order_id, stage in reported:
        assert order_id in ids, f"seed {seed}: committed {order_id} is missing"
        if stage == 2:
            assert store.get(order_id) == written(seed, int(order_id[1:])).second, f"seed {seed}"
    assert len(ids) - len({i for i, _ in reported}) in (0, 1)  # at most one was in flight
    if store.engine.dialect.name == "sqlite":
        with store.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    return len(ids)


def test_a_writer_killed_mid_way_leaves_only_whole_orders(url: str) -> None:
    seed = random.randrange(1_000_000)
    # given a writer killed at a random moment while it writes
    reported = run_and_kill(url, seed, 0, parked=False)
    # when the store is opened again, then it holds whole orders only
    with SqlStore(url) as store:
        stored = check_whole(store, seed, reported)
    # given a second writer that goes on, killed inside a database transaction
    reported += run_and_kill(url, seed, stored, parked=True)
    # when the store is opened again, then it holds whole orders only, and takes new ones
    with SqlStore(url) as store:
        stored = check_whole(store, seed, reported)
        w = written(seed, stored)
        store.save(w.first, transactions=w.first_transactions)
        assert store.transactions(w.first.id) == list(w.first_transactions)


if __name__ == "__main__":
    park_after = int(sys.argv[4]) if len(sys.argv) > 4 else None
    write(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), park_after)

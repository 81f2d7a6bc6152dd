"""A writer killed mid-way leaves only whole units behind.

A child process (this file, run as a script) writes orders to a SQLite file or to PostgreSQL in
a loop, two units per order: the first adds the order with its first transactions and takes
the order's number from a sequence; the second locks the order row, replaces the order with
its edit, appends one more transaction and counts a promotion use. It prints each id and stage
once committed. The test kills it with SIGKILL once enough orders are written, at a random
moment, then opens the store again and checks that every stored order is exactly one of the
two states the writer saved (rebuilt from the same seed), with exactly that state's
transactions; that the sequence and the promotion count moved with the units that committed,
no more; and that every unit the writer saw committed is there.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import attrs
import pytest
import sqlalchemy as sa

from draftorders import Address, Catalog, Customer, DraftOrder, Money, Product, Transaction
from draftorders.payments import TransactionKind, TransactionStatus
from draftorders.storage import OrderQuery
from draftorders.storage.sql import SqlStore
from postgres import postgres_url, server  # noqa: F401

ENOUGH = 25
"""Orders the writer has committed before it may be killed."""
PATIENCE = 60.0
"""Seconds to wait for the writer to get there."""
SEQUENCE = "crash"
"""The sequence each order's first unit takes a number from."""
PROMOTION = "CRASH10"
"""The promotion each order's second unit counts a use of."""
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


class Rollback(Exception):
    """Raised to end a unit that must change nothing."""


def write(url: str, seed: int, start: int, park_after: int | None) -> None:
    """The writer: writes orders ``start``, ``start + 1``... (new, then edited), printing each
    committed unit. With ``park_after``, once that many orders are written it stops for good
    right after a random SQL statement of the next units, inside their database transaction,
    and says so: the test then kills it mid-transaction for certain."""
    store = SqlStore(url)
    statements = 0
    park_at = random.Random(seed).randint(1, 14)

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
        with store.unit() as unit:
            unit.orders.add(w.first)
            for transaction in w.first_transactions:
                unit.payments.append(transaction)
            assert unit.next_number(SEQUENCE) == n + 1
        print(f"{w.first.id} 1", flush=True)
        with store.unit() as unit:
            unit.orders.get(w.first.id, lock=True)
            unit.orders.replace(w.second, w.first.version)
            for transaction in w.second_transactions:
                unit.payments.append(transaction)
            unit.usage.count([PROMOTION], w.second.customer.id if w.second.customer else None)
        print(f"{w.first.id} 2", flush=True)


# -- the test ---------------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new database with the store's tables: a SQLite file, or a PostgreSQL database of this
    test's own (dropped afterwards)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'shop.db'}"
        SqlStore(url).close()
        yield url
        return
    request.getfixturevalue("postgres_url")
    with server().fresh_database("crash") as url:
        SqlStore(url).close()
        yield url


def run_and_kill(url: str, seed: int, start: int, *, parked: bool) -> list[tuple[str, int]]:
    """Start the writer at order ``start``; once it has committed ENOUGH orders, kill it with
    SIGKILL: a random moment later, or (``parked``) when it has stopped inside a database
    transaction. The units it reported committed."""
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


def next_number(store: SqlStore) -> int:
    """The number the sequence would give next, read in a unit that changes nothing."""
    taken: list[int] = []
    with contextlib.suppress(Rollback), store.unit() as unit:
        taken.append(unit.next_number(SEQUENCE))
        raise Rollback
    return taken[0]


def check_whole(store: SqlStore, seed: int, reported: list[tuple[str, int]]) -> int:
    """Every stored order is one of the writer's two states with that state's transactions,
    the sequence and the promotion count moved with the units that committed, and every unit
    reported committed is there; how many orders are stored."""
    with store.unit(write=False) as unit:
        stored = {o.id: o for o in unit.orders.find(OrderQuery())}
        transactions = {i: tuple(unit.payments.transactions(i)) for i in stored}
        uses = unit.usage.usage().count(PROMOTION)
    ids = sorted(stored)
    assert ids == [f"K{n:05d}" for n in range(len(ids))], f"seed {seed}"
    edited = 0
    for n, order_id in enumerate(ids):
        w = written(seed, n)
        whole = [
            (w.first, w.first_transactions),
            (w.second, w.first_transactions + w.second_transactions),
        ]
        assert (stored[order_id], transactions[order_id]) in whole, f"seed {seed}, {order_id}"
        edited += stored[order_id] == w.second
    assert next_number(store) == len(ids) + 1, f"seed {seed}"
    assert uses == edited, f"seed {seed}"
    for order_id, stage in reported:
        assert order_id in stored, f"seed {seed}: committed {order_id} is missing"
        if stage == 2:
            assert stored[order_id] == written(seed, int(order_id[1:])).second, f"seed {seed}"
    assert len(ids) - len({i for i, _ in reported}) in (0, 1)  # at most one was in flight
    if store.engine.dialect.name == "sqlite":
        with store.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    return len(ids)


def test_a_writer_killed_mid_way_leaves_only_whole_units(url: str) -> None:
    seed = random.randrange(1_000_000)
    # given a writer killed at a random moment while it writes
    reported = run_and_kill(url, seed, 0, parked=False)
    # when the store is opened again, then it holds whole units only
    with SqlStore(url) as store:
        stored = check_whole(store, seed, reported)
    # given a second writer that goes on, killed inside a database transaction
    reported += run_and_kill(url, seed, stored, parked=True)
    # when the store is opened again, then it holds whole units only, and takes new ones
    with SqlStore(url) as store:
        stored = check_whole(store, seed, reported)
        w = written(seed, stored)
        with store.unit() as unit:
            unit.orders.add(w.first)
            for transaction in w.first_transactions:
                unit.payments.append(transaction)
            assert unit.next_number(SEQUENCE) == stored + 1
        with store.unit(write=False) as unit:
            assert unit.payments.transactions(w.first.id) == list(w.first_transactions)


if __name__ == "__main__":
    park_after = int(sys.argv[4]) if len(sys.argv) > 4 else None
    write(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), park_after)

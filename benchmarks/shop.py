"""``make bench-shop``: a shop as it runs, several worker processes on one database.

Prints two tables and writes the figures to ``build/bench-shop.json``:

- **races**, each run on a fresh database with eight real processes (``spawn``) meeting at a
  barrier (the scenarios of ``tests/shop_races.py``, which the test suite asserts with fewer
  runs): paying one order with eight idempotency keys, sending one invoice eight times, eight
  orders with one single-use promotion, create/delete/create, and a worker killed with SIGKILL
  after the gateway charged (then ``reconcile``). For each: runs x processes, charges at the
  gateway against transactions recorded, emails per send, duplicate invoice numbers, uses over
  the promotion's limit, records lost. Losses must all be 0.
- **throughput**: N processes each creating, editing (two lines), sending the invoice and
  paying their own orders for a fixed number of orders, on PostgreSQL and on a SQLite file;
  orders per second with 1 and with 8 processes, and their ratio, measured in one run.

The PostgreSQL server is started in a temporary directory as the tests start theirs
(``tests/postgres.py``). Not part of the test suite: it prints, never asserts a time.

    python benchmarks/shop.py [--runs 20] [--orders 40]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import sys
import tempfile
import time
import uuid
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent / "tests"))

import shop_races as races
from draftorders import CheckoutLinkRefused, FakeGateway, InMemoryMailer, Status
from draftorders.shop import Ports, ShopApp
from draftorders.storage.sql import SqlGatewayLedger, SqlStore
from postgres import PostgresServer, find_bindir

_CONTEXT = multiprocessing.get_context("spawn")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="races of each kind per database")
    parser.add_argument("--orders", type=int, default=40, help="orders per throughput process")
    options = parser.parse_args()
    bindir = find_bindir()
    if bindir is None:
        sys.exit("PostgreSQL server binaries not found (Debian package 'postgresql')")
    server = PostgresServer(bindir)
    server.start()
    results: dict[str, Any] = {"races": [], "throughput": []}
    try:
        with tempfile.TemporaryDirectory() as folder:
            places = _Places(server, Path(folder))
            with (
                ProcessPoolExecutor(races.PROCESSES, mp_context=_CONTEXT) as pool,
                _CONTEXT.Manager() as manager,
            ):
                for backend in ("postgresql", "sqlite"):
                    for row in _races(pool, manager, places, backend, options.runs):
                        results["races"].append(row)
                        _print_race(row)
            print()
            for backend in ("postgresql", "sqlite"):
                row = _throughput(places, backend, options.orders)
                results["throughput"].append(row)
                _print_throughput(row)
    finally:
        server.stop()
    out = Path("build")
    out.mkdir(exist_ok=True)
    (out / "bench-shop.json").write_text(json.dumps(results, indent=2))


class _Places:
    """Fresh databases: a new PostgreSQL database or SQLite file for each race."""

    def __init__(self, server: PostgresServer, folder: Path) -> None:
        self.server = server
        self.folder = folder

    def new(self, backend: str) -> races.Place:
        name = f"bench_{uuid.uuid4().hex[:12]}"
        url = (
            self.server.create_database(name)
            if backend == "postgresql"
            else f"sqlite:///{self.folder / (name + '.db')}"
        )
        mail = self.folder / f"{name}-mail"
        mail.mkdir()
        return races.Place(url, str(mail))


def _races(
    pool: ProcessPoolExecutor, manager: Any, places: _Places, backend: str, runs: int
) -> list[dict[str, Any]]:
    n = races.PROCESSES
    rows = []

    # paying one order: every charge at the gateway is a recorded transaction
    charges = records = lost = 0
    for _ in range(runs):
        place = places.new(backend)
        app = races.open_app(place)
        order_id = races.order_to_pay(app)
        barrier = manager.Barrier(n)
        races.race(pool, races.pay, [(place, barrier, order_id, k) for k in range(n)])
        money = races.money_of(app, [order_id], _gateway(app))
        charges, records = charges + money.charges, records + money.records
        lost += abs(money.charges - money.records) + money.open_claims
    rows.append(_row("pay one order, 8 keys", backend, runs, charges, records, lost=lost))

    # sending one invoice: one number and one email per send, numbers never repeated
    place = places.new(backend)
    app = races.open_app(place)
    numbers: list[str] = []
    emails_before = 0
    per_send = []
    for _ in range(runs):
        order_id = races.order_to_pay(app)
        barrier = manager.Barrier(n)
        races.race(pool, races.send, [(place, barrier, order_id, k) for k in range(n)])
        numbers += [s.number for s in app.invoicing.sent(order_id)]
        emails = races.FolderMailer(Path(place.mail)).count()
        per_send.append(emails - emails_before)
        emails_before = emails
    duplicates = sum(c - 1 for c in Counter(numbers).values())
    rows.append(
        _row(
            "send one invoice",
            backend,
            runs,
            emails_per_send=sorted(set(per_send)),
            duplicate_numbers=duplicates,
            lost=runs - len(set(numbers)),
        )
    )

    # a single-use promotion on eight orders paid at once
    over = charges = records = lost = 0
    for _ in range(runs):
        place = places.new(backend)
        app = races.open_app(place, with_promotion=True)
        orders = [races.order_to_pay(app) for _ in range(n)]
        barrier = manager.Barrier(n)
        races.race(
            pool, races.pay_with_promotion, [(place, barrier, o, k) for k, o in enumerate(orders)]
        )
        over += max(0, app.quotes.usage().count("ONCE") - 1)
        money = races.money_of(app, orders, _gateway(app))
        charges, records = charges + money.charges, records + money.records
        lost += abs(money.charges - money.records) + money.open_claims
    rows.append(
        _row("single-use promotion, 8 orders", backend, runs, charges, records, over, lost=lost)
    )

    # create/delete/create: ids handed out twice, deleted orders whose link still opens
    place = places.new(backend)
    app = races.open_app(place)
    barrier = manager.Barrier(n)
    made = races.race(pool, races.churn, [(place, barrier, runs, k) for k in range(n)])
    ids = [i for worker in made for first, _, second in worker for i in (first, second)]
    opened = 0
    for worker in made:
        for _, link, _ in worker:
            try:
                app.checkout.open(link)
                opened += 1
            except CheckoutLinkRefused:
                pass
    rows.append(
        _row(
            "create/delete/create",
            backend,
            runs,
            reused_ids=len(ids) - len(set(ids)),
            old_links_opened=opened,
        )
    )

    # a worker killed after the gateway charged; reconcile settles the claim
    charges = records = lost = 0
    for _ in range(runs):
        place = places.new(backend)
        app = races.open_app(place)
        order_id = races.order_to_pay(app)
        worker = _CONTEXT.Process(target=races.pay_and_die, args=(place, order_id, True))
        worker.start()
        worker.join(120)
        app.cashier.reconcile(older_than=dt.timedelta(0))
        money = races.money_of(app, [order_id], _gateway(app))
        charges, records = charges + money.charges, records + money.records
        lost += abs(money.charges - money.records) + money.open_claims
    rows.append(
        _row(
            "SIGKILL after charging, reconcile",
            backend,
            runs,
            charges,
            records,
            lost=lost,
            processes=1,
        )
    )
    return rows


def _row(
    name: str,
    backend: str,
    runs: int,
    charges: int | None = None,
    records: int | None = None,
    over_limit: int | None = None,
    *,
    processes: int = races.PROCESSES,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "race": name,
        "backend": backend,
        "runs": runs,
        "processes": processes,
        "charges": charges,
        "records": records,
        "uses_over_limit": over_limit,
        **extra,
    }


def _print_race(row: dict[str, Any]) -> None:
    shown = ", ".join(
        f"{k}={v}"
        for k, v in row.items()
        if k not in ("race", "backend", "runs", "processes") and v is not None
    )
    print(f"{row['race']:<36} {row['backend']:<10} {row['runs']:>3} x {row['processes']}  {shown}")


def _gateway(app: ShopApp) -> FakeGateway:
    return FakeGateway(ledger=SqlGatewayLedger(app.ports.store.engine))


def _flow(url: str, orders: int, start: float) -> tuple[float, float, int]:
    """Create, edit, send and pay ``orders`` orders; (first start, last end, completed)."""
    store = SqlStore(url)
    app = ShopApp(races.shop(), Ports(store=store, gateway=FakeGateway(), mailer=InMemoryMailer()))
    while time.time() < start:
        time.sleep(0.001)
    began = time.perf_counter()
    done = 0
    for _ in range(orders):
        order_id = races.order_to_pay(app)
        app.invoicing.send(order_id)
        if app.cashier.charge(order_id, "tok_visa").order.status is Status.COMPLETED:
            done += 1
    return began, time.perf_counter(), done


def _throughput(places: _Places, backend: str, orders: int) -> dict[str, Any]:
    """Orders per second with one process and with eight, each on a fresh database."""
    rates = {}
    for processes in (1, races.PROCESSES):
        place = places.new(backend)
        SqlStore(place.url).close()  # migrate before the clock starts
        with ProcessPoolExecutor(processes, mp_context=_CONTEXT) as pool:
            start = time.time() + 3.0  # every process imported and connected by then
            futures = [pool.submit(_flow, place.url, orders, start) for _ in range(processes)]
            spans = [future.result(timeout=600) for future in futures]
        elapsed = max(end for _, end, _ in spans) - min(began for began, _, _ in spans)
        completed = sum(done for _, _, done in spans)
        assert completed == processes * orders
        rates[processes] = completed / elapsed
    one, many = rates[1], rates[races.PROCESSES]
    return {
        "backend": backend,
        "orders_per_process": orders,
        "one_process_per_s": round(one, 1),
        "eight_processes_per_s": round(many, 1),
        "ratio": round(many / one, 2),
    }


def _print_throughput(row: dict[str, Any]) -> None:
    print(
        f"throughput {row['backend']:<10} create+edit+send+pay: 1 process "
        f"{row['one_process_per_s']:.1f} orders/s, 8 processes {row['eight_processes_per_s']:.1f}"
        f" orders/s ({row['ratio']:.2f}x)"
    )


if __name__ == "__main__":
    main()

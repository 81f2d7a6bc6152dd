"""Persistence: a shop on a SQLite file (SqlStore, the ``sql`` extra) that restarts intact.

A shop creates customers, drafts two orders, tracks stock, sends an invoice (INV-00001, which
reserves the stock) and takes a deposit by card. Then it "restarts": everything is closed, and
a new SqlStore and ShopApp are opened on the same file, as a new process would. The
customers, the orders, the sent invoice with the exact bytes emailed, the stock levels,
reservations and history, and the transactions are all there; the next invoice is INV-00002,
and the balance is charged by the new process.

The fake gateway keeps what it knows in the same file (SqlGatewayLedger), as a real payment
provider would keep it on its side, so the new process can take the balance.

    pip install 'draftorders[sql]'
    python examples/persistence.py
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import attrs

from draftorders import (
    Address,
    Catalog,
    Customer,
    DraftOrder,
    FakeGateway,
    FixedClock,
    InventoryChange,
    Money,
    Party,
    PaymentStatus,
    Ports,
    Product,
    SentInvoice,
    Shop,
    ShopApp,
    Status,
    StockLevel,
    Transaction,
)
from draftorders.storage.sql import SqlGatewayLedger, SqlStore

CATALOG = Catalog.of(
    Product(sku="MUG", title="Mug", price=Money(Decimal("12.99"), "USD")),
    Product(sku="TEA", title="Tea", price=Money(Decimal("7.49"), "USD")),
)
SHOP = Shop(
    CATALOG,
    seller=Party(name="Tea & Mugs Co.", email="billing@teamugs.example"),
    attach_pdf=False,
)
CLOCK = FixedClock(dt.datetime(2026, 11, 26, 9, 30, tzinfo=dt.UTC))
HOME = Address(country="US", name="Ada Lovelace", line1="1 Engine Way", city="Boston", region="MA")


def usd(amount: str) -> Money:
    return Money(Decimal(amount), "USD")


@contextmanager
def open_shop(url: str) -> Iterator[ShopApp]:
    """A shop process on the database at ``url``: its own store, gateway and (empty) mailer;
    everything is closed when the block ends."""
    store = SqlStore(url, clock=CLOCK)
    ledger = SqlGatewayLedger(url)
    try:
        yield ShopApp(SHOP, Ports(store=store, clock=CLOCK, gateway=FakeGateway(ledger=ledger)))
    finally:
        ledger.close()
        store.close()


@attrs.frozen
class Snapshot:
    """What the shop knows, read through its public calls."""

    customers: tuple[Customer, ...]
    orders: tuple[DraftOrder, ...]
    sent: tuple[SentInvoice, ...]
    levels: tuple[StockLevel, ...]
    reserved_until: dt.datetime | None
    history: tuple[InventoryChange, ...]
    transactions: tuple[Transaction, ...]

    @classmethod
    def of(cls, app: ShopApp) -> Snapshot:
        orders = app.drafts.find()
        return cls(
            customers=tuple(app.customers.find()),
            orders=tuple(orders),
            sent=tuple(s for order in orders for s in app.invoicing.sent(order.id)),
            levels=tuple(app.stock.levels()),
            reserved_until=app.stock.reserved_until("D1001"),
            history=tuple(app.stock.history()),
            transactions=tuple(t for o in orders for t in app.cashier.transactions(o.id)),
        )


def first_run(url: str) -> Snapshot:
    """Customers, drafts, stock, an invoice sent and a deposit taken."""
    print("First run")
    with open_shop(url) as app:
        ada = app.customers.create("Ada Lovelace", email="ada@example.com", addresses=[HOME])
        grace = app.customers.create("Grace Hopper", email="grace@example.com")
        app.stock.track("MUG", 10)
        app.stock.track("TEA", 20)

        first = app.drafts.create(customer=ada.id)
        app.drafts.edit(
            first.id,
            lambda o: o.add_product(CATALOG, "MUG", 3),
            lambda o: o.add_product(CATALOG, "TEA", 2),
        )
        app.drafts.select_address(first.id, 0)
        second = app.drafts.create(customer=grace.id)
        app.drafts.edit(second.id, lambda o: o.add_product(CATALOG, "TEA", 6))
        print(f"  customers {ada.id}, {grace.id}; drafts {first.id}, {second.id}")

        delivery = app.invoicing.send(first.id)
        sent = delivery.sent
        total = sent.invoice.total.amount
        print(f"  sent {sent.number} for {first.id} to {sent.recipient}: {total} USD")
        assert sent.number == "INV-00001"
        assert delivery.delivered
        assert len(app.ports.mailer) == 1

        deposit = app.cashier.charge(first.id, "tok_visa", usd("10.00"))
        print(f"  deposit {deposit.transaction.id}: {deposit.transaction.amount.amount} by card")
        assert deposit.succeeded
        assert deposit.summary.status is PaymentStatus.PARTIALLY_PAID

        mug = app.stock.level("MUG")
        print(f"  MUG: {mug.on_hand} on hand, {mug.reserved} reserved for {first.id}")
        assert (mug.on_hand, mug.reserved) == (10, 3)
        return Snapshot.of(app)


def after_restart(url: str, before: Snapshot) -> None:
    """A new store and app on the same file: everything is there, and the shop carries on."""
    print("After a restart")
    with open_shop(url) as app:
        now = Snapshot.of(app)
        assert now == before
        print(f"  customers: {[c.name for c in now.customers]}")
        for order in now.orders:
            print(f"  {order.id} v{order.version} {order.status.value} for {order.customer.id}")
        assert [o.status for o in now.orders] == [Status.INVOICE_SENT, Status.DRAFT]

        (sent,) = app.invoicing.sent("D1001")
        assert len(app.ports.mailer) == 0  # this process has sent nothing ...
        assert sent.message == before.sent[0].message  # ... yet the bytes emailed are kept
        assert "INV-00001" in sent.text
        print(f"  {sent.number}: {len(sent.message)} bytes as emailed at {sent.delivered_at}")

        mug = app.stock.level("MUG")
        print(
            f"  MUG: {mug.on_hand} on hand, {mug.reserved} reserved until "
            f"{app.stock.reserved_until('D1001'):%Y-%m-%d}; {len(now.history)} moves in history"
        )
        assert [(c.sku, c.change, c.reason.value) for c in now.history] == [
            ("MUG", -3, "reserved"),
            ("TEA", -2, "reserved"),
        ]
        paid = app.cashier.summary("D1001")
        print(f"  D1001: {paid.paid.amount} paid, {paid.due.amount} due")
        assert [t.amount for t in app.cashier.transactions("D1001")] == [usd("10.00")]

        second = app.invoicing.send("D1002")
        print(f"  the next invoice: {second.sent.number} for D1002")
        assert second.sent.number == "INV-00002"

        balance = app.cashier.charge("D1001", "tok_visa")
        mug = app.stock.level("MUG")
        print(
            f"  balance {balance.transaction.amount.amount} charged: D1001 "
            f"{balance.order.status.value}; MUG {mug.on_hand} on hand, {mug.reserved} reserved"
        )
        assert balance.order.status is Status.COMPLETED
        assert balance.summary.status is PaymentStatus.PAID
        assert (mug.on_hand, mug.reserved) == (7, 0)


def main(folder: Path) -> None:
    url = f"sqlite:///{folder / 'shop.db'}"
    before = first_run(url)
    after_restart(url, before)


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as folder:
        main(Path(folder))

"""Persistence: keep orders in a SQLite file with SqlStore (the ``sql`` extra).

A shop saves drafts to the file; a second opening of the file (another process, say) reads
them back. An edit based on an order's old version is refused with ConcurrencyConflict, and
nothing is written. ``find`` filters by status, customer, order date and id.

    pip install 'draftorders[sql]'
    python examples/persistence.py
"""

from __future__ import annotations

import datetime as dt
import tempfile
from decimal import Decimal
from pathlib import Path

from draftorders import (
    Catalog,
    ConcurrencyConflict,
    Customer,
    DraftOrderService,
    FixedClock,
    Money,
    Product,
    Status,
)
from draftorders.storage.sql import SqlStore

CATALOG = Catalog.of(
    Product(sku="MUG", title="Mug", price=Money(Decimal("12.99"), "USD")),
    Product(sku="TEA", title="Tea", price=Money(Decimal("7.49"), "USD")),
)
CLOCK = FixedClock(dt.datetime(2026, 11, 26, 9, 30, tzinfo=dt.UTC))
ADA = Customer(id="C1", name="Ada Lovelace", email="ada@example.com")
GRACE = Customer(id="C2", name="Grace Hopper", email="grace@example.com")


def main(folder: Path) -> None:
    url = f"sqlite:///{folder / 'orders.db'}"

    # A shop whose orders live in the file.
    with SqlStore(url) as store:
        shop = DraftOrderService(CATALOG, store=store, clock=CLOCK)
        first = shop.create(customer=ADA, order_date=dt.date(2026, 11, 2))
        shop.edit(first.id, lambda o: o.add_product(CATALOG, "MUG", 2))
        second = shop.create(customer=GRACE, order_date=dt.date(2026, 11, 20))
        shop.edit(second.id, lambda o: o.add_product(CATALOG, "TEA", 6))
        third = shop.create(customer=ADA, order_date=dt.date(2026, 11, 25))
        print(f"saved {first.id}, {second.id} and {third.id} to orders.db")

    # Another opening of the file reads them back, as they were saved.
    with SqlStore(url) as again:
        for order in again.list(Status.DRAFT):
            skus = ", ".join(f"{line.quantity} x {line.sku}" for line in order.lines) or "empty"
            print(f"  {order.id} v{order.version} for {order.customer.id}: {skus}")

        # Two people edit D1001; the second edit is based on the version the first replaced.
        seen = again.get("D1001")
        again.save(seen.set_notes("deliver after 5 pm"), expected_version=seen.version)
        try:
            again.save(seen.set_po_number("PO-77"), expected_version=seen.version)
        except ConcurrencyConflict as conflict:
            print(f"stale edit refused: expected v{conflict.expected}, stored v{conflict.stored}")
        kept = again.get("D1001")
        assert (kept.notes, kept.po_number) == ("deliver after 5 pm", None)

        # Queries: by customer, by order date (both ends included), by part of the id.
        adas = [o.id for o in again.find(customer_id="C1")]
        dated = again.find(date_from=dt.date(2026, 11, 20), date_to=dt.date(2026, 11, 25))
        late = [o.id for o in dated]
        print(f"Ada's orders: {adas}; dated 20-25 November: {late}")
        assert adas == ["D1001", "D1003"]
        assert late == ["D1002", "D1003"]

        # An empty draft can go; a completed order could not.
        again.delete("D1003", again.get("D1003").version)
        print(f"after deleting D1003: {sorted(again.ids())}")


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as folder:
        main(Path(folder))

"""The Store contract, checked on every store: the in-memory one, SqlStore on a SQLite file and
SqlStore on PostgreSQL (a server the tests start, see ``postgres.py``; each test gets a database
of its own).

A store opens units of work; each record protocol a unit reaches (orders and tombstones,
customers and payment methods, transactions, claims and notices, sent invoices, stock,
promotion usage, the outbox) and its sequences are checked for: all-or-nothing units (a unit
that raises changed nothing, numbers included), read-only units that refuse writes, the
errors each call raises and their fields, ordering, queries, and writers racing each other,
each thread on its own opening of the store as separate processes would be.

A check that fails on some store because of a known defect of that store is marked there as
an expected failure (strict), with the defect in its reason. To check an adapter of your own,
add it to the ``kind`` and ``opener`` fixtures (see docs/storage.md).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import attrs
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builders import catalog, editable_order, empty_order, flat_tax, money
from draftorders import (
    Address,
    ConcurrencyConflict,
    Customer,
    CustomerNotFound,
    DraftOrder,
    DuplicateCustomer,
    DuplicateOrderId,
    FixedClock,
    IdempotencyConflict,
    InMemoryStore,
    InvalidTransition,
    InventoryChange,
    InventoryPolicy,
    MessageStatus,
    NotFound,
    OrderDeleted,
    OrderDetails,
    OrderNotFound,
    OutboxMessage,
    Party,
    PaymentClaim,
    PaymentInFlight,
    PaymentMethod,
    PaymentTerms,
    Ports,
    PricingContext,
    SentInvoice,
    Shop,
    ShopApp,
    Status,
    Store,
    Tombstone,
    Transaction,
    Unit,
    UsageLimitReached,
    ValidationError,
    build_invoice,
    price,
)
from draftorders.inventory import Reason, Reservation, StockLevel, Taken
from draftorders.payments import ManualMethod, TransactionKind, TransactionStatus
from draftorders.promotions import OrderAmountOff, Promotion, PromotionBook
from draftorders.storage import CustomerQuery, OrderQuery
from draftorders.storage.sql import METADATA, SqlStore
from postgres import postgres_url, server  # noqa: F401

NOW = dt.datetime(2026, 11, 26, 9, 30, tzinfo=dt.UTC)
PARIS = ZoneInfo("Europe/Paris")
ADA = Customer(id="C1", name="Ada Lovelace", email="ada@example.com")
GRACE = Customer(id="C2", name="Grace Hopper", email="grace@example.com")
SELLER = Party(name="Tea & Mugs Co.", email="billing@teamugs.example")
SQL = ("sqlite", "postgresql")
T = TypeVar("T")

Opener = Callable[[], Store]
"""Opens the store under test again, as another process would (the same one, in memory)."""


# -- the stores -------------------------------------------------------------------------------


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def kind(request: pytest.FixtureRequest) -> str:
    """Which store is under test."""
    return str(request.param)


@pytest.fixture
def opener(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Opener]:
    """Opens the store under test, on a database of this test's own; every store it opened is
    closed after the test."""
    if kind == "memory":
        memory = InMemoryStore()
        yield lambda: memory
        return
    opened: list[SqlStore] = []
    with contextlib.ExitStack() as stack:
        if kind == "sqlite":
            url = f"sqlite:///{tmp_path / 'shop.db'}"
        else:
            request.getfixturevalue("postgres_url")
            url = stack.enter_context(server().fresh_database("contract"))

        def open_store() -> SqlStore:
            store = SqlStore(url, clock=FixedClock(NOW))
            opened.append(store)
            return store

        try:
            yield open_store
        finally:
            for store in opened:
                store.close()


@pytest.fixture
def store(opener: Opener) -> Store:
    return opener()


def write(store: Store, action: Callable[[Unit], T]) -> T:
    """``action`` in a writing unit of its own."""
    with store.unit() as unit:
        return action(unit)


def read(store: Store, action: Callable[[Unit], T]) -> T:
    """``action`` in a read-only unit of its own."""
    with store.unit(write=False) as unit:
        return action(unit)


# -- records ----------------------------------------------------------------------------------


def minutes(n: float) -> dt.datetime:
    return NOW + dt.timedelta(minutes=n)


def rich_order(order_id: str = "D1001") -> DraftOrder:
    """A draft with a bit of everything an order can hold."""
    return (
        editable_order()
        .set_customer(ADA)
        .set_billing_address(Address(country="GB"))
        .set_notes("call before delivery")
        .set_po_number("PO-4471")
        .set_payment_terms(PaymentTerms.net(30))
        .set_details(OrderDetails.json('{"gift": true}'))
        .add_custom_item("Engraving", "5.00")
        .add_credit("Goodwill", "1.50")
        .set_discount_percentage("L1", "10")
        .duplicate(order_id, dt.date(2026, 11, 20))
    )


def sent(order: DraftOrder) -> DraftOrder:
    """``order`` as locked by sending its invoice."""
    return attrs.evolve(order, status=Status.INVOICE_SENT, version=order.version + 1)


def completed(order: DraftOrder) -> DraftOrder:
    """``order`` as completed at 10.00."""
    return attrs.evolve(
        order, status=Status.COMPLETED, version=order.version + 1, completed_total=money("10.00")
    )


def cancelled(order: DraftOrder) -> DraftOrder:
    return attrs.evolve(order, status=Status.CANCELLED, version=order.version + 1)


def transaction(order_id: str, n: int, amount: str = "5.00", **fields: Any) -> Transaction:
    """The ``n``-th transaction of an order: a successful sale of ``amount``."""
    values: dict[str, Any] = {
        "id": f"{order_id}-T{n}",
        "order_id": order_id,
        "kind": TransactionKind.SALE,
        "status": TransactionStatus.SUCCESS,
        "amount": money(amount),
        "created_at": minutes(n),
        "gateway": "fake",
        "reference": f"ref-{order_id}-{n}",
        "idempotency_key": f"{order_id}/{n}",
    }
    values.update(fields)
    return Transaction(**values)


def claim(order_id: str, n: int, **fields: Any) -> PaymentClaim:
    """The ``n``-th claim of an order, open: a sale of 5.00 with a test token."""
    values: dict[str, Any] = {
        "id": f"{order_id}-C{n}",
        "order_id": order_id,
        "kind": TransactionKind.SALE,
        "amount": money("5.00"),
        "idempotency_key": f"{order_id}/claim/{n}",
        "created_at": minutes(n),
        "gateway": "fake",
        "token": "tok_visa",
    }
    values.update(fields)
    return PaymentClaim(**values)


def sent_invoice(
    order_id: str, sent_id: str, number: str = "INV-0001", at: dt.datetime = NOW, **fields: Any
) -> SentInvoice:
    """A sent invoice of ``order_id``, numbered ``number``, not delivered yet."""
    order = empty_order(order_id).add_product(catalog(), "MUG", 1)
    invoice = build_invoice(
        order, price(order, PricingContext()), seller=SELLER, issue_date=at.date(), number=number
    )
    values: dict[str, Any] = {"recipient": "ada@example.com", "subject": None, "locale": "en_US"}
    values.update(fields)
    return SentInvoice(id=sent_id, invoice=invoice, sent_at=at, **values)


def message(message_id: str, created_at: dt.datetime = NOW, **fields: Any) -> OutboxMessage:
    """An invoice email waiting in the outbox (of D1001 unless ``order_id`` says otherwise)."""
    values: dict[str, Any] = {"order_id": "D1001", "subject_id": "S1"}
    values.update(fields)
    return OutboxMessage(message_id, "invoice_email", created_at=created_at, **values)


def level(
    sku: str, location: str | None = None, on_hand: int = 10, reserved: int = 0
) -> StockLevel:
    return StockLevel(sku, location, on_hand, reserved, InventoryPolicy.DENY)


def change(
    order_id: str | None, sku: str, n: int, reason: Reason = Reason.RESERVED
) -> InventoryChange:
    return InventoryChange(order_id, sku, None, -n, reason, NOW, on_hand=10, available=10 - n)


# -- units: all or nothing --------------------------------------------------------------------


def furnish(unit: Unit) -> None:
    """The state the unit checks start from: two drafts, a customer with a saved method, a
    payment and an open claim, a sent invoice, stock with a reservation, usage and a message."""
    unit.orders.add(rich_order("D1001"))
    unit.orders.add(empty_order("D1002"))
    unit.customers.add(ADA)
    unit.customers.add_method(PaymentMethod("pm_1", "C1", "tok_visa"))
    unit.payments.append(transaction("D1001", 1))
    unit.payments.add_claim(claim("D1002", 1))
    unit.invoices.add(sent_invoice("D1001", "S1"))
    unit.stock.put_level(level("MUG"))
    unit.stock.put_reservation(Reservation("D1001", minutes(60), [("MUG", None, 2)]))
    unit.stock.record(change("D1001", "MUG", 2))
    unit.usage.count(["SPRING10"], "C1")
    unit.outbox.add(message("M1"))


@pytest.fixture
def furnished(store: Store) -> Store:
    write(store, furnish)
    return store


def _replace_order(unit: Unit) -> None:
    stored = unit.orders.get("D1001", lock=True)
    unit.orders.replace(stored.set_notes("changed"), stored.version)


def _deliver_invoice(unit: Unit) -> None:
    delivered = attrs.evolve(
        unit.invoices.get("S1"), message=b"Subject: x\r\n\r\nx", delivered_at=NOW
    )
    unit.invoices.replace(delivered)


def _lease_message(unit: Unit) -> None:
    unit.outbox.replace(unit.outbox.get("M1", lock=True).leased(NOW, dt.timedelta(minutes=5)))


WRITES: dict[str, Callable[[Unit], object]] = {
    "orders.replace": _replace_order,
    "orders.delete": lambda u: u.orders.delete("D1002", 1, NOW),
    "orders.add": lambda u: u.orders.add(empty_order("D1003")),
    "customers.add": lambda u: u.customers.add(GRACE),
    "customers.replace": lambda u: u.customers.replace(attrs.evolve(ADA, name="Ada King")),
    "customers.add_method": lambda u: u.customers.add_method(PaymentMethod("pm_2", "C1", "tok_mc")),
    "payments.append": lambda u: u.payments.append(transaction("D1001", 2)),
    "payments.replace_claim": lambda u: u.payments.replace_claim(
        claim("D1002", 1).recorded("D1002-T1", NOW)
    ),
    "payments.add_claim": lambda u: u.payments.add_claim(claim("D1001", 1)),
    "payments.add_notice": lambda u: u.payments.add_notice("fake:evt_1", "D1001-T2", NOW),
    "invoices.add": lambda u: u.invoices.add(sent_invoice("D1001", "S2", resent=True)),
    "invoices.replace": _deliver_invoice,
    "stock.put_level": lambda u: u.stock.put_level(level("MUG", on_hand=8)),
    "stock.add_level": lambda u: u.stock.add_level(level("TEA")),
    "stock.put_reservation": lambda u: u.stock.put_reservation(
        Reservation("D1003", None, [("TEA", None, 1)])
    ),
    "stock.drop_reservation": lambda u: u.stock.drop_reservation("D1001"),
    "stock.put_taken": lambda u: u.stock.put_taken(Taken("D1001", [("MUG", None, 2)])),
    "stock.record": lambda u: u.stock.record(change("D1001", "MUG", 2, Reason.COMMITTED)),
    "usage.count": lambda u: u.usage.count(["SPRING10", "FREESHIP"], "C1"),
    "outbox.add": lambda u: u.outbox.add(message("M2", order_id="D1003")),
    "outbox.replace": _lease_message,
    "next_number": lambda u: u.next_number("invoice"),
}
"""One of every write a unit can make, in an order that works on the furnished state."""

IDS = ("D1001", "D1002", "D1003")


def snapshot(store: Store) -> dict[str, object]:
    """Everything the store holds about the furnished records, read in one unit."""
    with store.unit(write=False) as unit:
        return {
            "orders": unit.orders.find(OrderQuery()),
            "tombstones": [unit.orders.tombstone(i) for i in IDS],
            "customers": unit.customers.find(CustomerQuery()),
            "methods": unit.customers.methods("C1"),
            "transactions": [unit.payments.transactions(i) for i in IDS],
            "claims": [unit.payments.claims(i) for i in IDS],
            "open claims": unit.payments.open_claims(),
            "notices": unit.payments.notice("fake:evt_1"),
            "invoices": [unit.invoices.of(i) for i in IDS],
            "levels": unit.stock.levels(),
            "reservations": [unit.stock.reservation(i) for i in IDS],
            "taken": [unit.stock.taken(i) for i in IDS],
            "history": unit.stock.history(),
            "usage": unit.usage.usage(),
            "outbox": unit.outbox.find(),
        }


class Boom(Exception):
    """What the caller's code raised inside a unit."""


def unit_that_raises(store: Store, action: Callable[[Unit], object]) -> None:
    """``action`` in a writing unit, which then raises :class:`Boom`."""
    with store.unit() as unit:
        action(unit)
        raise Boom


def test_a_unit_that_raises_changes_nothing_of_any_kind(furnished: Store) -> None:
    # given
    before = snapshot(furnished)
    # when every kind of write is made in one unit that then raises
    with pytest.raises(Boom):
        unit_that_raises(furnished, lambda u: [action(u) for action in WRITES.values()])
    # then nothing changed; and the same writes, committed, change every part of it
    assert snapshot(furnished) == before
    write(furnished, lambda u: [action(u) for action in WRITES.values()])
    after = snapshot(furnished)
    assert [part for part in before if after[part] == before[part]] == []


def test_a_unit_commits_its_writes_for_every_other_opening_to_see(opener: Opener) -> None:
    # given
    first, second = opener(), opener()
    # when
    write(first, furnish)
    # then
    assert snapshot(second) == snapshot(first)
    assert read(second, lambda u: u.orders.get("D1001")) == rich_order("D1001")


def test_a_number_taken_in_a_unit_that_raises_is_taken_again_by_the_next_unit(
    store: Store,
) -> None:
    # given
    assert write(store, lambda u: u.next_number("invoice")) == 1
    # when
    taken: list[int] = []
    with pytest.raises(Boom):
        unit_that_raises(store, lambda u: taken.append(u.next_number("invoice")))
    assert taken == [2]
    # then
    assert write(store, lambda u: u.next_number("invoice")) == 2


def test_sequences_count_from_one_each_on_its_own(opener: Opener) -> None:
    # when
    taken = write(opener(), lambda u: [u.next_number(s) for s in ("invoice", "order:D", "invoice")])
    # then
    assert taken == [1, 1, 2]
    assert write(opener(), lambda u: u.next_number("invoice")) == 3


def test_a_write_refused_inside_a_unit_leaves_the_unit_usable(furnished: Store) -> None:
    # when refusals are caught inside one unit that then goes on and ends
    with furnished.unit() as unit:
        with pytest.raises(DuplicateOrderId):
            unit.orders.add(empty_order("D1001"))
        with pytest.raises(IdempotencyConflict):
            unit.payments.append(transaction("D1001", 9, idempotency_key="D1001/1"))
        with pytest.raises(DuplicateCustomer):
            unit.customers.add(attrs.evolve(GRACE, email="ADA@example.com"))
        with pytest.raises(PaymentInFlight):
            unit.payments.add_claim(claim("D1002", 2))
        unit.orders.add(empty_order("D1003"))
    # then what came after the refusals is kept, and the refusals wrote nothing
    orders = read(furnished, lambda u: u.orders.find(OrderQuery()))
    assert [o.id for o in orders] == ["D1001", "D1002", "D1003"]
    assert orders[0] == rich_order("D1001")
    assert read(furnished, lambda u: u.payments.transactions("D1001")) == [transaction("D1001", 1)]
    assert read(furnished, lambda u: u.customers.find(CustomerQuery())) == [ADA]
    assert read(furnished, lambda u: u.payments.claims("D1002")) == [claim("D1002", 1)]


@pytest.mark.parametrize("name", list(WRITES))
def test_a_read_only_unit_refuses_every_write_and_changes_nothing(
    furnished: Store, name: str
) -> None:
    # given
    before = snapshot(furnished)
    # when
    with pytest.raises(ValidationError) as caught, furnished.unit(write=False) as unit:
        WRITES[name](unit)
    # then
    assert caught.value.field == "unit"
    assert snapshot(furnished) == before


def test_a_read_only_unit_reads_every_kind_of_record(furnished: Store) -> None:
    # when
    with furnished.unit(write=False) as unit:
        order = unit.orders.get("D1001", lock=True)
        customer = unit.customers.get("C1", lock=True)
        method = unit.customers.method("pm_1")
        found = unit.payments.claim("D1002-C1", lock=True)
        invoice = unit.invoices.get("S1")
        mug = unit.stock.level(("MUG", None), lock=True)
        queued = unit.outbox.get("M1", lock=True)
    # then
    assert order == rich_order("D1001")
    assert (customer, method.token, found) == (ADA, "tok_visa", claim("D1002", 1))
    assert (invoice.number, mug, queued) == ("INV-0001", level("MUG"), message("M1"))


@pytest.mark.parametrize(
    ("action", "field"),
    [
        (lambda u: u.orders.add("D1001"), "order"),
        (lambda u: u.orders.replace(ADA, 1), "order"),
        (lambda u: u.orders.find({"customer_id": "C1"}), "query"),
        (lambda u: u.customers.add(rich_order()), "customer"),
        (lambda u: u.customers.find("ada@example.com"), "query"),
        (lambda u: u.customers.add_method("tok_visa"), "method"),
        (lambda u: u.payments.append(claim("D1001", 1)), "transaction"),
        (lambda u: u.payments.add_claim(transaction("D1001", 1)), "claim"),
        (lambda u: u.invoices.add("INV-0001"), "sent"),
        (lambda u: u.stock.put_level(("MUG", None)), "level"),
        (lambda u: u.stock.add_level(("MUG", None)), "level"),
        (lambda u: u.stock.put_taken(Reservation("D1001", None, [])), "taken"),
        (lambda u: u.stock.record("MUG -1"), "change"),
        (lambda u: u.usage.count("SPRING10", None), "promotion_ids"),
        (lambda u: u.usage.count([""], None), "promotion_ids"),
        (lambda u: u.usage.count(["SPRING10"], ""), "customer_id"),
        (lambda u: u.outbox.add(transaction("D1001", 1)), "message"),
    ],
)
def test_values_of_the_wrong_kind_are_refused_and_nothing_is_written(
    furnished: Store, action: Callable[[Unit], object], field: str
) -> None:
    # given
    before = snapshot(furnished)
    # when
    with pytest.raises(ValidationError) as caught, furnished.unit() as unit:
        action(unit)
    # then
    assert caught.value.field == field
    assert snapshot(furnished) == before


# -- orders -----------------------------------------------------------------------------------


def test_an_added_order_is_got_back_equal_from_another_opening(opener: Opener) -> None:
    # given
    order = rich_order()
    # when
    write(opener(), lambda u: u.orders.add(order))
    # then
    again = opener()
    assert read(again, lambda u: u.orders.get("D1001")) == order
    assert write(again, lambda u: u.orders.get("D1001", lock=True)) == order
    assert read(again, lambda u: (u.orders.used("D1001"), u.orders.tombstone("D1001"))) == (
        True,
        None,
    )


def test_a_new_order_under_an_id_in_use_is_refused_and_the_first_is_kept(store: Store) -> None:
    # given
    first = rich_order()
    write(store, lambda u: u.orders.add(first))
    # when
    with pytest.raises(DuplicateOrderId) as caught:
        write(store, lambda u: u.orders.add(empty_order("D1001")))
    # then
    assert caught.value.order_id == "D1001"
    assert read(store, lambda u: u.orders.get("D1001")) == first


def test_the_id_of_a_deleted_order_is_never_used_again(store: Store) -> None:
    # given
    write(store, lambda u: u.orders.add(empty_order()))
    write(store, lambda u: u.orders.delete("D1001", 1, NOW))
    # when
    with pytest.raises(DuplicateOrderId) as caught:
        write(store, lambda u: u.orders.add(empty_order()))
    # then
    assert caught.value.order_id == "D1001"
    assert read(store, lambda u: u.orders.used("D1001"))
    assert read(store, lambda u: u.orders.find(OrderQuery())) == []


def test_a_replace_based_on_the_stored_version_stores_the_order(store: Store) -> None:
    # given
    order = rich_order()
    write(store, lambda u: u.orders.add(order))
    # when
    edited = order.set_notes("leave at the door")
    write(store, lambda u: u.orders.replace(edited, order.version))
    # then
    assert read(store, lambda u: u.orders.get("D1001")) == edited
    assert edited.version == order.version + 1


def test_a_replace_based_on_an_older_version_is_a_conflict_and_writes_nothing(
    store: Store,
) -> None:
    # given two edits of the same version, the first stored
    order = empty_order()
    write(store, lambda u: u.orders.add(order))
    first, second = order.set_notes("first"), order.set_notes("second")
    write(store, lambda u: u.orders.replace(first, order.version))
    # when
    with pytest.raises(ConcurrencyConflict) as caught:
        write(store, lambda u: u.orders.replace(second, order.version))
    # then
    assert (caught.value.order_id, caught.value.expected, caught.value.stored) == ("D1001", 1, 2)
    assert read(store, lambda u: u.orders.get("D1001")) == first


def test_a_replace_of_an_order_never_stored_raises_order_not_found(store: Store) -> None:
    with pytest.raises(OrderNotFound) as caught:
        write(store, lambda u: u.orders.replace(empty_order("D2002"), 1))
    assert (caught.value.order_id, caught.value.key) == ("D2002", "D2002")
    assert not read(store, lambda u: u.orders.used("D2002"))


def test_a_replace_of_a_deleted_order_raises_order_deleted(store: Store) -> None:
    # given
    write(store, lambda u: u.orders.add(empty_order()))
    write(store, lambda u: u.orders.delete("D1001", 1, NOW))
    # when / then
    with pytest.raises(OrderDeleted) as caught:
        write(store, lambda u: u.orders.replace(empty_order().set_notes("back"), 1))
    assert caught.value.order_id == "D1001"
    assert read(store, lambda u: u.orders.find(OrderQuery())) == []


def test_getting_an_order_never_stored_raises_order_not_found(store: Store) -> None:
    with pytest.raises(OrderNotFound) as caught:
        read(store, lambda u: u.orders.get("D9999"))
    assert not isinstance(caught.value, OrderDeleted)
    assert (caught.value.order_id, caught.value.key) == ("D9999", "D9999")
    assert read(store, lambda u: (u.orders.used("D9999"), u.orders.tombstone("D9999"))) == (
        False,
        None,
    )


def test_a_deleted_draft_leaves_its_tombstone(store: Store) -> None:
    # given
    order = rich_order()
    write(store, lambda u: u.orders.add(order))
    # when
    tombstone = write(store, lambda u: u.orders.delete("D1001", order.version, NOW))
    # then
    assert tombstone == Tombstone("D1001", order.version, NOW)
    assert read(store, lambda u: u.orders.tombstone("D1001")) == tombstone
    assert read(store, lambda u: u.orders.find(OrderQuery())) == []


def test_getting_a_deleted_order_raises_order_deleted_with_when(store: Store) -> None:
    # given
    write(store, lambda u: u.orders.add(empty_order()))
    write(store, lambda u: u.orders.delete("D1001", 1, NOW))
    # when
    with pytest.raises(OrderDeleted) as caught:
        read(store, lambda u: u.orders.get("D1001"))
    # then
    assert caught.value.order_id == "D1001"
    assert caught.value.deleted_at == NOW


def test_a_tombstone_keeps_the_moment_of_a_delete_made_in_any_time_zone(store: Store) -> None:
    # given
    write(store, lambda u: u.orders.add(empty_order()))
    at = NOW.astimezone(PARIS)
    # when
    write(store, lambda u: u.orders.delete("D1001", 1, at))
    # then
    tombstone = read(store, lambda u: u.orders.tombstone("D1001"))
    assert tombstone is not None
    assert tombstone.deleted_at == NOW


def test_a_sent_order_can_be_deleted(store: Store) -> None:
    order = sent(empty_order())
    write(store, lambda u: u.orders.add(order))
    write(store, lambda u: u.orders.delete("D1001", order.version, NOW))
    assert read(store, lambda u: u.orders.tombstone("D1001")) == Tombstone("D1001", 2, NOW)


@pytest.mark.parametrize("final", [completed, cancelled])
def test_a_completed_or_cancelled_order_is_final_and_cannot_be_deleted(
    store: Store, final: Callable[[DraftOrder], DraftOrder]
) -> None:
    # given
    order = final(empty_order())
    write(store, lambda u: u.orders.add(order))
    # when
    with pytest.raises(InvalidTransition) as caught:
        write(store, lambda u: u.orders.delete("D1001", order.version, NOW))
    # then
    assert (caught.value.order_id, caught.value.status, caught.value.action) == (
        "D1001",
        order.status.value,
        "delete",
    )
    assert read(store, lambda u: u.orders.get("D1001")) == order
    assert read(store, lambda u: u.orders.tombstone("D1001")) is None


def test_a_delete_based_on_a_stale_version_is_a_conflict(store: Store) -> None:
    # given
    order = empty_order()
    write(store, lambda u: u.orders.add(order))
    write(store, lambda u: u.orders.replace(order.set_notes("edited"), order.version))
    # when
    with pytest.raises(ConcurrencyConflict) as caught:
        write(store, lambda u: u.orders.delete("D1001", order.version, NOW))
    # then
    assert (caught.value.order_id, caught.value.expected, caught.value.stored) == ("D1001", 1, 2)
    assert read(store, lambda u: u.orders.tombstone("D1001")) is None


def test_deleting_an_order_never_stored_or_already_deleted_is_refused(store: Store) -> None:
    # given
    write(store, lambda u: u.orders.add(empty_order()))
    write(store, lambda u: u.orders.delete("D1001", 1, NOW))
    # when / then
    with pytest.raises(OrderNotFound) as never:
        write(store, lambda u: u.orders.delete("D9999", 1, NOW))
    with pytest.raises(OrderDeleted) as again:
        write(store, lambda u: u.orders.delete("D1001", 1, minutes(5)))
    assert (never.value.order_id, again.value.order_id) == ("D9999", "D1001")
    assert read(store, lambda u: u.orders.tombstone("D1001")) == Tombstone("D1001", 1, NOW)


# -- finding orders ---------------------------------------------------------------------------

SHELF = [
    ("D1001", ADA, 1, Status.DRAFT),
    ("D1002", GRACE, 2, Status.INVOICE_SENT),
    ("D1003", ADA, 3, Status.COMPLETED),
    ("WEB-7", None, 4, Status.DRAFT),
    ("web_8", ADA, 5, Status.DRAFT),
    ("D1_01", GRACE, 5, Status.COMPLETED),
    ("D1004", ADA, 6, Status.CANCELLED),
]


def shelf_orders() -> list[DraftOrder]:
    """Orders to find: for Ada, Grace or nobody, dated 1 to 6 December, in every status."""
    orders = []
    for order_id, customer, day, status in SHELF:
        order = empty_order(order_id).set_customer(customer).set_order_date(dt.date(2026, 12, day))
        orders.append(
            {
                Status.INVOICE_SENT: sent,
                Status.COMPLETED: completed,
                Status.CANCELLED: cancelled,
            }.get(status, lambda o: o)(order)
        )
    return orders


@pytest.fixture
def shelf(store: Store) -> Store:
    """The shelf's orders, and a deleted one (D0999) that no query finds."""

    def stock_it(unit: Unit) -> None:
        for order in shelf_orders():
            unit.orders.add(order)
        unit.orders.add(empty_order("D0999").set_customer(ADA))
        unit.orders.delete("D0999", 2, NOW)

    write(store, stock_it)
    return store


def found(store: Store, **query: Any) -> list[str]:
    return [order.id for order in read(store, lambda u: u.orders.find(OrderQuery(**query)))]


def test_find_without_criteria_gives_every_order_not_deleted_sorted_by_id(shelf: Store) -> None:
    assert found(shelf) == ["D1001", "D1002", "D1003", "D1004", "D1_01", "WEB-7", "web_8"]
    assert read(shelf, lambda u: u.orders.find(OrderQuery())) == sorted(
        shelf_orders(), key=lambda o: o.id
    )


def test_find_by_statuses(shelf: Store) -> None:
    assert found(shelf, statuses=[Status.COMPLETED]) == ["D1003", "D1_01"]
    assert found(shelf, statuses=Status.CANCELLED) == ["D1004"]
    assert found(shelf, statuses={Status.DRAFT, Status.INVOICE_SENT}) == [
        "D1001",
        "D1002",
        "WEB-7",
        "web_8",
    ]


def test_find_by_customer(shelf: Store) -> None:
    assert found(shelf, customer_id="C1") == ["D1001", "D1003", "D1004", "web_8"]
    assert found(shelf, customer_id="C9") == []


def test_find_by_order_date_includes_both_ends(shelf: Store) -> None:
    assert found(shelf, date_from=dt.date(2026, 12, 2), date_to=dt.date(2026, 12, 4)) == [
        "D1002",
        "D1003",
        "WEB-7",
    ]
    assert found(shelf, date_from=dt.date(2026, 12, 5)) == ["D1004", "D1_01", "web_8"]
    assert found(shelf, date_to=dt.date(2026, 12, 1)) == ["D1001"]
    assert found(shelf, date_from=dt.date(2026, 12, 4), date_to=dt.date(2026, 12, 3)) == []


def test_find_by_part_of_the_id_is_case_sensitive_and_takes_wildcards_literally(
    shelf: Store,
) -> None:
    assert found(shelf, order_id_contains="WEB") == ["WEB-7"]
    assert found(shelf, order_id_contains="web") == ["web_8"]
    assert found(shelf, order_id_contains="1_0") == ["D1_01"]
    assert found(shelf, order_id_contains="_") == ["D1_01", "web_8"]
    assert found(shelf, order_id_contains="%") == []
    assert found(shelf, order_id_contains="100") == ["D1001", "D1002", "D1003", "D1004"]


def test_find_with_several_criteria_gives_the_orders_that_meet_them_all(shelf: Store) -> None:
    query = {
        "statuses": [Status.DRAFT, Status.COMPLETED],
        "customer_id": "C1",
        "date_from": dt.date(2026, 12, 2),
        "order_id_contains": "D",
    }
    assert found(shelf, **query) == ["D1003"]


ORDER_QUERIES = st.builds(
    OrderQuery,
    statuses=st.frozensets(st.sampled_from(Status)),
    customer_id=st.none() | st.sampled_from(["C1", "C2", "C9"]),
    date_from=st.none() | st.dates(dt.date(2026, 11, 30), dt.date(2026, 12, 7)),
    date_to=st.none() | st.dates(dt.date(2026, 11, 30), dt.date(2026, 12, 7)),
    order_id_contains=st.none() | st.sampled_from(["D", "d", "1", "_", "1_0", "WEB", "web", "%"]),
)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=ORDER_QUERIES)
def test_find_answers_every_query_as_the_query_itself_matches(
    shelf: Store, query: OrderQuery
) -> None:
    expected = sorted((o for o in shelf_orders() if query.matches(o)), key=lambda o: o.id)
    assert read(shelf, lambda u: u.orders.find(query)) == expected


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"statuses": ["draft"]}, "statuses"),
        ({"statuses": "draft"}, "statuses"),
        ({"date_from": dt.datetime(2026, 12, 1, tzinfo=dt.UTC)}, "date_from"),
        ({"date_to": "2026-12-01"}, "date_to"),
        ({"customer_id": ""}, "customer_id"),
        ({"order_id_contains": 7}, "order_id_contains"),
    ],
)
def test_an_order_query_refuses_criteria_of_the_wrong_kind(
    query: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        OrderQuery(**query)
    assert caught.value.field == field


# -- customers and payment methods ------------------------------------------------------------


def test_an_added_customer_is_got_back_equal_from_another_opening(opener: Opener) -> None:
    # given
    ada = ADA.with_address(Address(country="US", city="New York"))
    # when
    write(opener(), lambda u: u.customers.add(ada))
    # then
    assert read(opener(), lambda u: u.customers.get("C1")) == ada
    assert write(opener(), lambda u: u.customers.get("C1", lock=True)) == ada


def test_getting_a_customer_not_in_the_directory_raises_customer_not_found(store: Store) -> None:
    with pytest.raises(CustomerNotFound) as caught:
        read(store, lambda u: u.customers.get("C9"))
    assert (caught.value.customer_id, caught.value.key) == ("C9", "C9")


def test_a_customer_under_an_id_in_use_is_refused(store: Store) -> None:
    # given
    write(store, lambda u: u.customers.add(ADA))
    # when
    with pytest.raises(DuplicateCustomer) as caught:
        write(store, lambda u: u.customers.add(attrs.evolve(GRACE, id="C1")))
    # then
    assert (caught.value.field, caught.value.value) == ("id", "C1")
    assert read(store, lambda u: u.customers.find(CustomerQuery())) == [ADA]


def test_a_customer_with_an_email_in_use_in_any_case_is_refused(store: Store) -> None:
    # given
    write(store, lambda u: u.customers.add(ADA))
    # when
    with pytest.raises(DuplicateCustomer) as caught:
        write(store, lambda u: u.customers.add(attrs.evolve(GRACE, email="Ada@Example.COM")))
    # then
    assert caught.value.field == "email"
    assert caught.value.value.casefold() == "ada@example.com"
    assert read(store, lambda u: u.customers.find(CustomerQuery())) == [ADA]


def test_any_number_of_customers_may_have_no_email(store: Store) -> None:
    walk_ins = [Customer(id=f"W{n}", name=f"Walk-in {n}") for n in range(3)]
    write(store, lambda u: [u.customers.add(c) for c in walk_ins])
    assert read(store, lambda u: u.customers.find(CustomerQuery())) == walk_ins


def test_a_replaced_customer_keeps_or_changes_its_own_email(store: Store) -> None:
    # given
    write(store, lambda u: [u.customers.add(c) for c in (ADA, GRACE)])
    renamed = attrs.evolve(ADA, name="Ada King")
    moved = attrs.evolve(GRACE, email="grace@navy.example")
    # when
    write(store, lambda u: u.customers.replace(renamed))
    write(store, lambda u: u.customers.replace(moved))
    write(
        store, lambda u: u.customers.add(Customer(id="C3", name="Ann", email="grace@example.com"))
    )
    # then
    assert read(store, lambda u: [u.customers.get(i) for i in ("C1", "C2")]) == [renamed, moved]


def test_a_replace_taking_another_customers_email_is_refused(store: Store) -> None:
    # given
    write(store, lambda u: [u.customers.add(c) for c in (ADA, GRACE)])
    # when
    with pytest.raises(DuplicateCustomer) as caught:
        write(store, lambda u: u.customers.replace(attrs.evolve(GRACE, email="ADA@example.com")))
    # then
    assert caught.value.field == "email"
    assert read(store, lambda u: u.customers.get("C2")) == GRACE


def test_a_replace_of_a_customer_not_in_the_directory_raises_customer_not_found(
    store: Store,
) -> None:
    with pytest.raises(CustomerNotFound) as caught:
        write(store, lambda u: u.customers.replace(ADA))
    assert caught.value.customer_id == "C1"
    assert read(store, lambda u: u.customers.find(CustomerQuery())) == []


@pytest.fixture
def directory(store: Store) -> Store:
    people = [
        ADA,
        GRACE,
        Customer(id="C3", name="Ada Byron", email="byron@example.com"),
        Customer(id="C0", name="Ada Byron"),
        Customer(id="C4", name="Alan 100%_Turing", email="Alan@Example.com"),
    ]
    write(store, lambda u: [u.customers.add(c) for c in people])
    return store


def customers(store: Store, **query: Any) -> list[str]:
    return [c.id for c in read(store, lambda u: u.customers.find(CustomerQuery(**query)))]


def test_find_customers_without_criteria_gives_all_sorted_by_name_then_id(directory: Store) -> None:
    assert customers(directory) == ["C0", "C3", "C1", "C4", "C2"]


def test_find_customers_by_email_ignores_case_and_surrounding_space(directory: Store) -> None:
    assert customers(directory, email="GRACE@example.com") == ["C2"]
    assert customers(directory, email=" alan@example.COM ") == ["C4"]
    assert customers(directory, email="nobody@example.com") == []


def test_find_customers_by_part_of_the_name_ignores_case(directory: Store) -> None:
    assert customers(directory, name_contains="ada") == ["C0", "C3", "C1"]
    assert customers(directory, name_contains="BYRON") == ["C0", "C3"]
    assert customers(directory, name_contains="100%_") == ["C4"]
    assert customers(directory, name_contains="%") == ["C4"]
    assert customers(directory, name_contains="ada", email="ADA@example.com") == ["C1"]


def test_find_customers_by_a_name_in_any_script_ignores_case(store: Store) -> None:
    # given
    people = [Customer(id="C7", name="ÉMILE ZOLA"), Customer(id="C8", name="Café Großstraße")]
    write(store, lambda u: [u.customers.add(c) for c in people])
    # then
    assert customers(store, name_contains="émile") == ["C7"]
    assert customers(store, name_contains="CAFÉ") == ["C8"]
    assert customers(store, name_contains="STRASSE") == ["C8"]
    assert customers(store, name_contains="e") == ["C8", "C7"]


def test_payment_methods_are_kept_per_customer_in_the_order_added(store: Store) -> None:
    # given
    methods = [
        PaymentMethod("pm_2", "C1", "tok_mastercard", brand="Mastercard", last4="4444"),
        PaymentMethod("pm_1", "C1", "tok_visa", brand="Visa", last4="4242", expires="12/2029"),
        PaymentMethod("pm_3", "C2", "tok_amex"),
    ]
    write(store, lambda u: [u.customers.add(c) for c in (ADA, GRACE)])
    # when
    write(store, lambda u: [u.customers.add_method(m) for m in methods])
    # then
    assert read(store, lambda u: u.customers.methods("C1")) == methods[:2]
    assert read(store, lambda u: u.customers.methods("C2")) == methods[2:]
    assert read(store, lambda u: u.customers.method("pm_1")) == methods[1]
    assert read(store, lambda u: u.customers.methods("C9")) == []


def test_a_payment_method_of_a_customer_not_in_the_directory_is_refused(store: Store) -> None:
    with pytest.raises(CustomerNotFound) as caught:
        write(store, lambda u: u.customers.add_method(PaymentMethod("pm_1", "C9", "tok_visa")))
    assert caught.value.customer_id == "C9"
    with pytest.raises(NotFound) as missing:
        read(store, lambda u: u.customers.method("pm_1"))
    assert missing.value.key == "pm_1"


def test_a_payment_method_under_an_id_in_use_is_refused(store: Store) -> None:
    # given
    first = PaymentMethod("pm_1", "C1", "tok_visa")
    write(store, lambda u: [u.customers.add(ADA), u.customers.add_method(first)])
    # when
    with pytest.raises(ValidationError) as caught:
        write(store, lambda u: u.customers.add_method(PaymentMethod("pm_1", "C1", "tok_amex")))
    # then
    assert caught.value.field == "id"
    assert read(store, lambda u: u.customers.methods("C1")) == [first]


# -- transactions -----------------------------------------------------------------------------


@pytest.fixture
def orders(store: Store) -> Store:
    """Two drafts, D1001 and D1002, to record money on."""
    write(store, lambda u: [u.orders.add(empty_order(i)) for i in ("D1001", "D1002")])
    return store


def test_transactions_are_kept_oldest_first_with_every_field(opener: Opener) -> None:
    # given transactions of every kind, recorded one unit at a time
    store = opener()
    write(store, lambda u: u.orders.add(empty_order()))
    recorded = [
        transaction("D1001", 1, kind=TransactionKind.AUTHORIZATION, reference="ref-a"),
        transaction(
            "D1001", 2, kind=TransactionKind.CAPTURE, parent_id="D1001-T1", reference="ref-a"
        ),
        transaction(
            "D1001",
            3,
            "2.00",
            kind=TransactionKind.REFUND,
            parent_id="D1001-T1",
            reference="ref-a",
            reason="chipped",
            restock=[("L1", 1)],
        ),
        transaction(
            "D1001",
            4,
            kind=TransactionKind.MANUAL,
            gateway="manual",
            method="check",
            reference="CHK-101",
            idempotency_key=None,
        ),
        transaction(
            "D1001",
            5,
            status=TransactionStatus.FAILURE,
            code="card_declined",
            message="Your card was declined.",
            reference=None,
        ),
    ]
    # when
    for t in recorded:
        write(store, lambda u, t=t: u.payments.append(t))
    # then
    assert read(opener(), lambda u: u.payments.transactions("D1001")) == recorded
    assert read(opener(), lambda u: u.payments.transactions("D1002")) == []


def test_a_transaction_under_an_idempotency_key_in_use_is_refused(orders: Store) -> None:
    # given
    first = transaction("D1001", 1)
    write(orders, lambda u: u.payments.append(first))
    # when
    again = transaction("D1002", 2, idempotency_key="D1001/1")
    with pytest.raises(IdempotencyConflict) as caught:
        write(orders, lambda u: u.payments.append(again))
    # then
    assert caught.value.key == "D1001/1"
    assert read(orders, lambda u: u.payments.transactions("D1002")) == []
    assert read(orders, lambda u: u.payments.by_key("D1001/1")) == first


def test_a_transaction_under_an_id_in_use_is_refused(orders: Store) -> None:
    write(orders, lambda u: u.payments.append(transaction("D1001", 1)))
    with pytest.raises(ValidationError) as caught:
        write(orders, lambda u: u.payments.append(transaction("D1001", 1, idempotency_key="new")))
    assert caught.value.field == "id"
    assert read(orders, lambda u: u.payments.transactions("D1001")) == [transaction("D1001", 1)]


def test_transactions_without_an_idempotency_key_are_all_kept(orders: Store) -> None:
    unkeyed = [transaction("D1001", n, idempotency_key=None) for n in (1, 2, 3)]
    for t in unkeyed:
        write(orders, lambda u, t=t: u.payments.append(t))
    assert read(orders, lambda u: u.payments.transactions("D1001")) == unkeyed


def test_transactions_are_found_by_idempotency_key_and_by_gateway_reference(
    orders: Store,
) -> None:
    # given
    sale = transaction("D1001", 1, reference="ch_1")
    refund = transaction(
        "D1001", 2, kind=TransactionKind.REFUND, parent_id="D1001-T1", reference="ch_1"
    )
    other = transaction("D1002", 1, reference="ch_2")
    elsewhere = transaction("D1002", 2, gateway="stripe", reference="ch_1")
    write(orders, lambda u: [u.payments.append(t) for t in (sale, other, refund, elsewhere)])
    # then
    found_by = read(orders, lambda u: u.payments.by_reference("fake", "ch_1"))
    assert found_by == [sale, refund]
    assert read(orders, lambda u: u.payments.by_reference("fake", "ch_9")) == []
    assert read(orders, lambda u: u.payments.by_key("D1002/1")) == other
    assert read(orders, lambda u: u.payments.by_key("nope")) is None


# -- payment claims and notices ---------------------------------------------------------------


def test_a_claim_is_kept_and_found_by_id_and_by_key(orders: Store) -> None:
    # given
    open_claim = claim("D1001", 1, promotions=("SPRING10",), customer_id="C1", holds_stock=True)
    # when
    write(orders, lambda u: u.payments.add_claim(open_claim))
    # then
    assert read(orders, lambda u: u.payments.claim("D1001-C1")) == open_claim
    assert read(orders, lambda u: u.payments.claim_by_key("D1001/claim/1")) == open_claim
    assert read(orders, lambda u: u.payments.claim_by_key("nope")) is None
    assert read(orders, lambda u: u.payments.claims("D1001")) == [open_claim]


def test_a_second_open_claim_on_an_order_raises_payment_in_flight(orders: Store) -> None:
    # given
    write(orders, lambda u: u.payments.add_claim(claim("D1001", 1)))
    # when
    with pytest.raises(PaymentInFlight) as caught:
        write(orders, lambda u: u.payments.add_claim(claim("D1001", 2)))
    # then
    assert (caught.value.order_id, caught.value.claim_id) == ("D1001", "D1001-C1")
    assert caught.value.since == minutes(1)
    assert read(orders, lambda u: u.payments.claims("D1001")) == [claim("D1001", 1)]
    write(orders, lambda u: u.payments.add_claim(claim("D1002", 2)))  # another order may


def test_once_its_claim_is_recorded_an_order_may_be_claimed_again(orders: Store) -> None:
    # given
    write(orders, lambda u: u.payments.add_claim(claim("D1001", 1)))
    done = claim("D1001", 1).recorded("D1001-T1", minutes(2))
    # when
    write(orders, lambda u: u.payments.replace_claim(done))
    write(orders, lambda u: u.payments.add_claim(claim("D1001", 2)))
    # then
    assert read(orders, lambda u: u.payments.claims("D1001")) == [done, claim("D1001", 2)]
    assert read(orders, lambda u: u.payments.open_claims()) == [claim("D1001", 2)]


def test_a_claim_under_an_idempotency_key_in_use_is_refused_even_once_recorded(
    orders: Store,
) -> None:
    # given
    done = claim("D1001", 1).recorded("D1001-T1", minutes(2))
    write(
        orders, lambda u: [u.payments.add_claim(claim("D1001", 1)), u.payments.replace_claim(done)]
    )
    # when / then
    for order_id in ("D1001", "D1002"):
        repeat = claim(order_id, 7, idempotency_key="D1001/claim/1")
        with pytest.raises(IdempotencyConflict) as caught:
            write(orders, lambda u, repeat=repeat: u.payments.add_claim(repeat))
        assert caught.value.key == "D1001/claim/1"
    assert read(orders, lambda u: u.payments.claims("D1002")) == []


def test_claims_of_an_order_are_listed_oldest_first(orders: Store) -> None:
    # given ten claims, each recorded before the next, with the shop's ids (C1 ... C10)
    for n in range(1, 11):

        def claim_and_record(unit: Unit, n: int = n) -> None:
            unit.payments.add_claim(claim("D1001", n))
            unit.payments.replace_claim(claim("D1001", n).recorded(f"D1001-T{n}", minutes(n)))

        write(orders, claim_and_record)
    # then
    listed = read(orders, lambda u: u.payments.claims("D1001"))
    assert [c.id for c in listed] == [f"D1001-C{n}" for n in range(1, 11)]


def test_claims_of_an_order_are_listed_oldest_first_whatever_their_ids(orders: Store) -> None:
    # given
    older = claim("D1001", 1, id="claim-b")
    newer = claim("D1001", 2, id="claim-a")
    write(orders, lambda u: u.payments.add_claim(older))
    write(orders, lambda u: u.payments.replace_claim(older.recorded("D1001-T1", minutes(1))))
    write(orders, lambda u: u.payments.add_claim(newer))
    # then
    assert [c.id for c in read(orders, lambda u: u.payments.claims("D1001"))] == [
        "claim-b",
        "claim-a",
    ]


def test_open_claims_are_listed_oldest_first_and_by_age(orders: Store) -> None:
    # given open claims on three orders (one recorded), made at minutes 3, 1 and 2
    write(orders, lambda u: u.orders.add(empty_order("D1003")))
    write(orders, lambda u: u.payments.add_claim(claim("D1001", 3)))
    write(orders, lambda u: u.payments.add_claim(claim("D1002", 1)))
    write(orders, lambda u: u.payments.add_claim(claim("D1003", 2)))
    write(orders, lambda u: u.payments.replace_claim(claim("D1003", 2).recorded("T", NOW)))
    # then
    assert [c.id for c in read(orders, lambda u: u.payments.open_claims())] == [
        "D1002-C1",
        "D1001-C3",
    ]
    before = read(orders, lambda u: u.payments.open_claims(created_before=minutes(3)))
    assert [c.id for c in before] == ["D1002-C1"]
    assert read(orders, lambda u: u.payments.open_claims(created_before=minutes(1))) == []


def test_open_claims_made_before_a_moment_in_another_time_zone(orders: Store) -> None:
    # given a claim made at 09:31 UTC, written down in Paris time (10:31)
    write(
        orders,
        lambda u: u.payments.add_claim(claim("D1001", 1, created_at=minutes(1).astimezone(PARIS))),
    )
    # then it was made before 10:00 UTC, and not before 09:00 UTC

    def ids(before: dt.datetime) -> list[str]:
        return [c.id for c in read(orders, lambda u: u.payments.open_claims(created_before=before))]

    assert ids(minutes(30)) == ["D1001-C1"]
    assert ids(minutes(-30)) == []


def test_a_claim_not_there_raises_not_found(orders: Store) -> None:
    with pytest.raises(NotFound) as missing:
        read(orders, lambda u: u.payments.claim("D1001-C1"))
    with pytest.raises(NotFound) as replaced:
        write(orders, lambda u: u.payments.replace_claim(claim("D1001", 1)))
    assert (missing.value.key, replaced.value.key) == ("D1001-C1", "D1001-C1")
    assert read(orders, lambda u: u.payments.claims("D1001")) == []


def test_a_gateway_notice_is_applied_once(store: Store) -> None:
    # given
    assert read(store, lambda u: u.payments.notice("fake:evt_1")) is None
    # when
    write(store, lambda u: u.payments.add_notice("fake:evt_1", "D1001-T2", NOW))
    write(store, lambda u: u.payments.add_notice("fake:evt_2", "", NOW))
    # then
    assert read(store, lambda u: u.payments.notice("fake:evt_1")) == "D1001-T2"
    assert read(store, lambda u: u.payments.notice("fake:evt_2")) == ""
    with pytest.raises(ValidationError) as caught:
        write(store, lambda u: u.payments.add_notice("fake:evt_1", "D1001-T3", NOW))
    assert caught.value.field == "notice"
    assert read(store, lambda u: u.payments.notice("fake:evt_1")) == "D1001-T2"


# -- sent invoices ----------------------------------------------------------------------------


def test_sent_invoices_are_kept_per_order_and_per_number(orders: Store) -> None:
    # given a first send of D1001 at minute 1, its re-send at minute 3, D1002 at minute 2
    first = sent_invoice("D1001", "S1", "INV-0001", minutes(1))
    other = sent_invoice("D1002", "S2", "INV-0002", minutes(2))
    again = sent_invoice("D1001", "S3", "INV-0001", minutes(3), resent=True, subject="Reminder")
    # when
    for record in (first, other, again):
        write(orders, lambda u, record=record: u.invoices.add(record))
    # then
    assert read(orders, lambda u: u.invoices.get("S1")) == first
    assert read(orders, lambda u: u.invoices.of("D1001")) == [first, again]
    assert read(orders, lambda u: u.invoices.by_number("INV-0001")) == [first, again]
    assert read(orders, lambda u: u.invoices.by_number("INV-0002")) == [other]
    assert read(orders, lambda u: (u.invoices.of("D9999"), u.invoices.by_number("X"))) == ([], [])


def test_a_delivered_invoice_is_kept_with_the_bytes_sent(opener: Opener) -> None:
    # given
    store = opener()
    write(store, lambda u: u.orders.add(empty_order()))
    first = sent_invoice("D1001", "S1")
    write(store, lambda u: u.invoices.add(first))
    # when
    delivered = attrs.evolve(first, message=b"Subject: Invoice\r\n\r\n\x00\xff", delivered_at=NOW)
    write(store, lambda u: u.invoices.replace(delivered))
    # then
    assert read(opener(), lambda u: u.invoices.get("S1")) == delivered
    assert (
        read(opener(), lambda u: u.invoices.get("S1")).message
        == b"Subject: Invoice\r\n\r\n\x00\xff"
    )


def _deliver_first_of_two_invoices(unit: Unit) -> list[str]:
    unit.invoices.add(sent_invoice("D1001", "S1", at=minutes(1)))
    unit.invoices.add(sent_invoice("D1001", "S2", at=minutes(2), resent=True))
    unit.invoices.replace(
        sent_invoice("D1001", "S1", at=minutes(1), message=b"x", delivered_at=NOW)
    )
    return [s.id for s in unit.invoices.of("D1001")] + [
        s.id for s in unit.invoices.by_number("INV-0001")
    ]


def _lease_first_of_two_messages(unit: Unit) -> list[str]:
    unit.outbox.add(message("M1", minutes(1)))
    unit.outbox.add(message("M2", minutes(2)))
    unit.outbox.replace(message("M1", minutes(1)).leased(NOW, LEASE))
    return [m.id for m in unit.outbox.find()] + [m.id for m in unit.outbox.find(order_id="D1001")]


def _interrupt_an_older_claim(unit: Unit) -> list[str]:
    done = claim("D1001", 1).recorded("D1001-T1", minutes(1))
    unit.payments.add_claim(claim("D1001", 1))
    unit.payments.replace_claim(done)
    unit.payments.add_claim(claim("D1001", 2))
    unit.payments.replace_claim(done.interrupt(TimeoutError("late answer")))
    return [c.id for c in unit.payments.claims("D1001")] * 2


@pytest.mark.parametrize(
    ("replace", "listed"),
    [
        (_deliver_first_of_two_invoices, ["S1", "S2"]),
        (_lease_first_of_two_messages, ["M1", "M2"]),
        (_interrupt_an_older_claim, ["D1001-C1", "D1001-C2"]),
    ],
    ids=["sent invoices", "outbox messages", "claims"],
)
def test_a_replaced_record_keeps_its_place_in_lists_oldest_first(
    orders: Store,
    replace: Callable[[Unit], list[str]],
    listed: list[str],
) -> None:
    assert write(orders, replace) == listed * 2


def test_sent_invoices_are_listed_oldest_first_whatever_their_ids(orders: Store) -> None:
    # given a send and its re-send, whose (random) ids sort the other way round
    first = sent_invoice("D1001", "S-f3a9", "INV-0001", minutes(1))
    again = sent_invoice("D1001", "S-08c2", "INV-0001", minutes(2), resent=True)
    write(orders, lambda u: u.invoices.add(first))
    write(orders, lambda u: u.invoices.add(again))
    # then
    assert read(orders, lambda u: u.invoices.of("D1001")) == [first, again]
    assert read(orders, lambda u: u.invoices.by_number("INV-0001")) == [first, again]


def test_a_sent_invoice_not_there_raises_not_found_and_an_id_in_use_is_refused(
    orders: Store,
) -> None:
    # given
    write(orders, lambda u: u.invoices.add(sent_invoice("D1001", "S1")))
    # when / then
    with pytest.raises(NotFound) as missing:
        read(orders, lambda u: u.invoices.get("S9"))
    with pytest.raises(NotFound) as replaced:
        write(orders, lambda u: u.invoices.replace(sent_invoice("D1001", "S9")))
    with pytest.raises(ValidationError):
        write(
            orders, lambda u: u.invoices.add(sent_invoice("D1001", "S1", "INV-0002", resent=True))
        )
    assert (missing.value.key, replaced.value.key) == ("S9", "S9")
    assert read(orders, lambda u: u.invoices.of("D1001")) == [sent_invoice("D1001", "S1")]


# -- stock ------------------------------------------------------------------------------------


def test_stock_levels_are_kept_per_sku_and_location_and_listed_in_that_order(
    opener: Opener,
) -> None:
    # given
    store = opener()
    levels = [
        level("TEA", "Leeds", 4),
        level("MUG", None, 10, 2),
        StockLevel("MUG", "Leeds", 0, 3, InventoryPolicy.BACKORDER),
        level("TEA", None, 7),
    ]
    # when
    write(store, lambda u: [u.stock.put_level(lv) for lv in levels])
    write(store, lambda u: u.stock.put_level(level("TEA", None, 6, 1)))
    # then
    again = opener()
    assert read(again, lambda u: u.stock.levels()) == [
        levels[1],
        levels[2],
        level("TEA", None, 6, 1),
        levels[0],
    ]
    assert read(again, lambda u: u.stock.level(("MUG", "Leeds"))) == levels[2]
    assert write(again, lambda u: u.stock.level(("MUG", None), lock=True)) == levels[1]
    assert read(again, lambda u: u.stock.level(("POT", None))) is None


def test_a_level_is_added_once_per_sku_and_location(store: Store) -> None:
    # given
    write(store, lambda u: u.stock.add_level(level("MUG", None, 10)))
    write(store, lambda u: u.stock.add_level(level("MUG", "Leeds", 3)))
    # when
    with pytest.raises(ValidationError) as caught:
        write(store, lambda u: u.stock.add_level(level("MUG", None, 99)))
    # then
    assert caught.value.field == "sku"
    assert read(store, lambda u: u.stock.levels()) == [
        level("MUG", None, 10),
        level("MUG", "Leeds", 3),
    ]


def test_reservations_are_kept_replaced_dropped_and_come_due_at_their_date(store: Store) -> None:
    # given
    reservations = [
        Reservation("D1003", minutes(10), [("MUG", None, 2), ("TEA", "Leeds", 1)]),
        Reservation("D1001", minutes(30), [("MUG", None, 1)]),
        Reservation("D1002", None, [("TEA", None, 5)]),
    ]
    write(store, lambda u: [u.stock.put_reservation(r) for r in reservations])
    # when
    longer = Reservation("D1001", minutes(60), [("MUG", None, 1)])
    write(store, lambda u: u.stock.put_reservation(longer))
    write(store, lambda u: [u.stock.drop_reservation(i) for i in ("D1002", "D9999")])
    # then
    assert read(store, lambda u: u.stock.reservation("D1001")) == longer
    assert read(store, lambda u: u.stock.reservation("D1002")) is None

    def due(now: dt.datetime) -> list[str]:
        return read(store, lambda u: [r.order_id for r in u.stock.reservations_due(now)])

    assert due(minutes(9)) == []
    assert due(minutes(10)) == ["D1003"]
    assert due(minutes(90)) == ["D1001", "D1003"]


def test_reservations_come_due_at_their_moment_in_any_time_zone(store: Store) -> None:
    # given a reservation until 09:40 UTC
    write(store, lambda u: u.stock.put_reservation(Reservation("D1001", minutes(10), [])))
    # then at 10:35 in Paris (09:35 UTC) it is not due yet, at 10:45 it is

    def due(now: dt.datetime) -> list[str]:
        return read(store, lambda u: [r.order_id for r in u.stock.reservations_due(now)])

    assert due(minutes(5).astimezone(PARIS)) == []
    assert due(minutes(15).astimezone(PARIS)) == ["D1001"]


def test_what_completed_orders_took_is_kept_per_order(store: Store) -> None:
    taken = Taken("D1001", [("MUG", None, 2), ("TEA", "Leeds", 1)])
    write(store, lambda u: u.stock.put_taken(taken))
    write(store, lambda u: u.stock.put_taken(Taken("D1002", [("MUG", None, 1)])))
    write(store, lambda u: u.stock.put_taken(Taken("D1002", [])))
    assert read(store, lambda u: u.stock.taken("D1001")) == taken
    assert read(store, lambda u: u.stock.taken("D1002")) == Taken("D1002", [])
    assert read(store, lambda u: u.stock.taken("D9999")) is None


def test_stock_history_is_kept_oldest_first_and_by_order_and_sku(store: Store) -> None:
    # given
    changes = [
        change("D1002", "TEA", 1),
        change("D1001", "MUG", 2),
        change(None, "MUG", -5, Reason.ADJUSTED),
        change("D1001", "TEA", 1, Reason.COMMITTED),
        change("D1001", "MUG", 2, Reason.COMMITTED),
    ]
    # when
    for c in changes:
        write(store, lambda u, c=c: u.stock.record(c))
    # then

    def history(**which: Any) -> list[InventoryChange]:
        return read(store, lambda u: u.stock.history(**which))

    assert history() == changes
    assert history(order_id="D1001") == [changes[1], changes[3], changes[4]]
    assert history(sku="MUG") == [changes[1], changes[2], changes[4]]
    assert history(order_id="D1001", sku="TEA") == [changes[3]]
    assert history(order_id="D9999") == []


# -- promotion usage --------------------------------------------------------------------------


def test_promotion_usage_counts_every_use_and_each_customers(store: Store) -> None:
    # given
    assert read(store, lambda u: u.usage.usage().total) == {}
    # when
    write(store, lambda u: u.usage.count(["SPRING10", "FREESHIP"], "C1"))
    write(store, lambda u: u.usage.count(["SPRING10"], "C2"))
    write(store, lambda u: u.usage.count(["SPRING10", "SPRING10"], None))
    write(store, lambda u: u.usage.count([], "C1"))
    write(store, lambda u: u.usage.count(["FREESHIP"], "C1", by=2))
    # then
    usage = read(store, lambda u: u.usage.usage())
    assert dict(usage.total) == {"SPRING10": 4, "FREESHIP": 3}
    assert dict(usage.per_customer) == {
        ("SPRING10", "C1"): 1,
        ("FREESHIP", "C1"): 3,
        ("SPRING10", "C2"): 1,
    }


def test_usage_counted_down_gives_uses_back(store: Store) -> None:
    # given
    write(store, lambda u: u.usage.count(["SPRING10"], "C1", by=3))
    # when
    write(store, lambda u: u.usage.count(["SPRING10"], "C1", by=-1))
    # then
    usage = read(store, lambda u: u.usage.usage())
    assert (usage.count("SPRING10"), usage.count_for("SPRING10", "C1")) == (2, 2)


def test_a_use_past_the_total_limit_is_refused_and_nothing_is_counted(store: Store) -> None:
    # given SPRING10 used twice of two
    write(store, lambda u: u.usage.count(["SPRING10"], "C1", by=2))
    limits = {"SPRING10": (2, None)}
    # when
    with pytest.raises(UsageLimitReached) as caught:
        write(store, lambda u: u.usage.count(["FREESHIP", "SPRING10"], "C2", limits=limits))
    # then
    error = caught.value
    assert (error.promotion_id, error.limit, error.used, error.customer_id) == (
        "SPRING10",
        2,
        2,
        None,
    )
    usage = read(store, lambda u: u.usage.usage())
    assert (usage.count("SPRING10"), usage.count("FREESHIP")) == (2, 0)
    assert (usage.count_for("SPRING10", "C2"), usage.count_for("FREESHIP", "C2")) == (0, 0)


def test_a_use_past_the_limit_per_customer_is_refused_for_that_customer_only(store: Store) -> None:
    # given
    limits = {"SPRING10": (None, 1)}
    write(store, lambda u: u.usage.count(["SPRING10"], "C1", limits=limits))
    # when
    with pytest.raises(UsageLimitReached) as caught:
        write(store, lambda u: u.usage.count(["SPRING10"], "C1", limits=limits))
    write(store, lambda u: u.usage.count(["SPRING10"], "C2", limits=limits))
    write(store, lambda u: u.usage.count(["SPRING10"], None, limits=limits))
    # then
    error = caught.value
    assert (error.promotion_id, error.limit, error.used, error.customer_id) == (
        "SPRING10",
        1,
        1,
        "C1",
    )
    usage = read(store, lambda u: u.usage.usage())
    assert usage.count("SPRING10") == 3
    assert (usage.count_for("SPRING10", "C1"), usage.count_for("SPRING10", "C2")) == (1, 1)


def test_uses_within_the_limits_are_counted_and_counting_down_ignores_them(store: Store) -> None:
    # given
    limits = {"SPRING10": (3, 2), "OTHER": (0, 0)}
    # when
    write(store, lambda u: u.usage.count(["SPRING10", "SPRING10"], "C1", limits=limits))
    write(store, lambda u: u.usage.count(["SPRING10"], "C1", limits=limits, by=-1))
    write(store, lambda u: u.usage.count(["FREESHIP"], "C1", limits=limits, by=5))
    # then
    usage = read(store, lambda u: u.usage.usage())
    assert (usage.count("SPRING10"), usage.count_for("SPRING10", "C1")) == (1, 1)
    assert usage.count("FREESHIP") == 5


def count(store: Store, ids: list[str], customer: str | None, limits: Any, by: int) -> None:
    """Count uses in a unit of their own."""
    write(store, lambda u: u.usage.count(ids, customer, limits=limits, by=by))


_examples = itertools.count()

USES = st.lists(
    st.tuples(
        st.lists(st.sampled_from("AB"), max_size=3),
        st.sampled_from([None, "C1", "C2"]),
        st.sampled_from([1, 1, 2, -1]),
        st.none()
        | st.fixed_dictionaries(
            {},
            optional={
                p: st.tuples(st.none() | st.integers(0, 4), st.none() | st.integers(0, 3))
                for p in "AB"
            },
        ),
    ),
    max_size=8,
)


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(uses=USES)
def test_usage_counts_match_a_tally_of_the_uses_counted_and_refused(
    store: Store, uses: list[tuple[list[str], str | None, int, dict[str, Any] | None]]
) -> None:
    # given promotions of their own for this example
    prefix = f"E{next(_examples)}-"
    total: dict[str, int] = {}
    mine: dict[tuple[str, str], int] = {}
    for letters, customer, by, limits in uses:
        ids = [prefix + letter for letter in letters]
        named = {prefix + p: v for p, v in limits.items()} if limits is not None else None
        # the tally: which promotion, if any, would pass its limit
        breaches: list[tuple[str, Any, int, str | None]] = []
        if named is not None and by > 0:
            for p in sorted(set(ids)):
                allowed, per_customer = named.get(p, (None, None))
                wanted = ids.count(p) * by
                if allowed is not None and total.get(p, 0) + wanted > allowed:
                    breaches.append((p, allowed, total.get(p, 0), None))
                if (
                    per_customer is not None
                    and customer is not None
                    and mine.get((p, customer), 0) + wanted > per_customer
                ):
                    breaches.append((p, per_customer, mine.get((p, customer), 0), customer))

        # then it is refused exactly when a limit is passed, naming one that is
        if breaches:
            with pytest.raises(UsageLimitReached) as caught:
                count(store, ids, customer, named, by)
            error = caught.value
            assert (error.promotion_id, error.limit, error.used, error.customer_id) in breaches
            continue
        count(store, ids, customer, named, by)
        for p in ids:
            total[p] = total.get(p, 0) + by
            if customer is not None:
                mine[(p, customer)] = mine.get((p, customer), 0) + by
    # then the store counts what the tally counts
    usage = read(store, lambda u: u.usage.usage())
    for p in (prefix + "A", prefix + "B"):
        assert usage.count(p) == total.get(p, 0)
        for customer in ("C1", "C2"):
            assert usage.count_for(p, customer) == mine.get((p, customer), 0)


# -- the outbox -------------------------------------------------------------------------------


def test_a_queued_message_is_kept_and_replaced(opener: Opener) -> None:
    # given
    store = opener()
    queued = message("M1")
    write(store, lambda u: u.outbox.add(queued))
    # when
    taken = queued.leased(minutes(1), dt.timedelta(minutes=5))
    write(store, lambda u: u.outbox.replace(taken))
    # then
    assert read(opener(), lambda u: u.outbox.get("M1")) == taken
    assert write(opener(), lambda u: u.outbox.get("M1", lock=True)) == taken


def test_a_message_not_there_raises_not_found_and_an_id_in_use_is_refused(store: Store) -> None:
    # given
    write(store, lambda u: u.outbox.add(message("M1")))
    # when / then
    with pytest.raises(NotFound) as missing:
        read(store, lambda u: u.outbox.get("M9"))
    with pytest.raises(NotFound) as replaced:
        write(store, lambda u: u.outbox.replace(message("M9")))
    with pytest.raises(ValidationError) as again:
        write(store, lambda u: u.outbox.add(message("M1", subject_id="S2")))
    assert (missing.value.key, replaced.value.key, again.value.field) == ("M9", "M9", "id")
    assert read(store, lambda u: u.outbox.find()) == [message("M1")]


LEASE = dt.timedelta(minutes=5)
"""How long a dispatcher holds a message it took."""


@pytest.mark.parametrize(
    ("queued", "due"),
    [
        (message("M1"), True),
        (message("M1", next_attempt_at=minutes(10)), False),
        (message("M1", next_attempt_at=minutes(0)), True),
        (message("M1").leased(minutes(-4), LEASE), False),
        (message("M1").leased(minutes(-5), LEASE), True),
        (message("M1").leased(minutes(-6), LEASE).delivered(minutes(-5)), False),
        (
            attrs.evolve(message("M1"), status=MessageStatus.FAILED, attempts=10, last_error="x"),
            False,
        ),
    ],
    ids=[
        "pending",
        "pending, retried later",
        "pending, retry due now",
        "sending, leased",
        "sending, lease ran out",
        "sent",
        "failed",
    ],
)
def test_a_message_is_due_when_pending_and_its_time_came_or_when_its_lease_ran_out(
    store: Store, queued: OutboxMessage, due: bool
) -> None:
    # given
    write(store, lambda u: u.outbox.add(queued))
    # when
    taken = write(store, lambda u: u.outbox.due(NOW, 10))
    # then
    assert taken == ([queued] if due else [])
    assert queued.is_due(NOW) is due


def test_due_messages_come_oldest_first_up_to_the_limit(store: Store) -> None:
    # given messages made at minutes -3, -2 and -1 (ids sorting the other way), one not due
    made = [message(f"M{9 - n}", minutes(n - 3)) for n in range(3)]
    later = message("M0", minutes(-4), next_attempt_at=minutes(1))
    write(store, lambda u: [u.outbox.add(m) for m in (later, *made)])
    # then
    assert write(store, lambda u: u.outbox.due(NOW, 10)) == made
    assert write(store, lambda u: u.outbox.due(NOW, 2)) == made[:2]
    everything = write(store, lambda u: u.outbox.due(minutes(1), 10))
    assert sorted(m.id for m in everything) == ["M0", "M7", "M8", "M9"]


def test_due_messages_in_another_time_zone_come_due_at_their_moment(store: Store) -> None:
    # given a retry due at 09:40 UTC, written down in Paris time (10:40)
    retry = message("M1", minutes(-10), next_attempt_at=minutes(10).astimezone(PARIS))
    write(store, lambda u: u.outbox.add(retry))
    # then it is not due at 09:35 UTC, and due at 09:45 UTC
    assert write(store, lambda u: u.outbox.due(minutes(5), 10)) == []
    assert write(store, lambda u: u.outbox.due(minutes(15), 10)) == [retry]


def test_messages_are_found_by_status_and_order_oldest_first(store: Store) -> None:
    # given messages made at minutes 0 to 3, ids sorting the other way
    first = message("M9", minutes(0))
    second = message("M8", minutes(1), order_id="D1002").leased(NOW, LEASE)
    third = message("M7", minutes(2)).leased(NOW, LEASE).delivered(NOW)
    fourth = message("M6", minutes(3), order_id=None)
    write(store, lambda u: [u.outbox.add(m) for m in (first, second, third, fourth)])
    # then

    def find(**which: Any) -> list[OutboxMessage]:
        return read(store, lambda u: u.outbox.find(**which))

    assert find() == [first, second, third, fourth]
    assert find(order_id="D1001") == [first, third]
    assert find(status=MessageStatus.PENDING) == [first, fourth]
    assert find(status=MessageStatus.SENT, order_id="D1001") == [third]
    assert find(status=MessageStatus.FAILED) == []


@pytest.mark.parametrize("kind", ["postgresql"])
def test_due_skips_messages_another_unit_has_taken_instead_of_waiting(opener: Opener) -> None:
    # given two due messages, and a dispatcher holding the first in an open unit
    store = opener()
    write(store, lambda u: [u.outbox.add(message(f"M{n}", minutes(n - 5))) for n in (1, 2)])
    holding, done = threading.Event(), threading.Event()
    held: list[str] = []

    def dispatcher() -> None:
        with opener().unit() as unit:
            held.extend(m.id for m in unit.outbox.due(NOW, 1))
            holding.set()
            done.wait(timeout=30)

    thread = threading.Thread(target=dispatcher)
    thread.start()
    try:
        assert holding.wait(timeout=30)
        # when another dispatcher asks meanwhile
        other = write(store, lambda u: [m.id for m in u.outbox.due(NOW, 10)])
    finally:
        done.set()
        thread.join()
    # then it gets the other message at once
    assert (held, other) == (["M1"], ["M2"])


# -- writers racing ---------------------------------------------------------------------------

RACERS = 6


def race(opener: Opener, work: Callable[[Store, int], T], racers: int = RACERS) -> list[Any]:
    """Run ``work(store, n)`` for n in 0..racers-1 at once, each on its own opening of the
    store (as separate processes would); what each returned, or the exception it raised."""
    stores = [opener() for _ in range(racers)]
    start = threading.Barrier(racers)

    def run(n: int) -> Any:
        start.wait()
        try:
            return work(stores[n], n)
        except Exception as error:
            return error

    with ThreadPoolExecutor(racers) as pool:
        return list(pool.map(run, range(racers)))


def winners(outcomes: list[Any]) -> list[int]:
    return [n for n, outcome in enumerate(outcomes) if not isinstance(outcome, Exception)]


def test_of_new_orders_added_under_one_id_at_once_exactly_one_is_kept(opener: Opener) -> None:
    # when
    outcomes = race(
        opener,
        lambda s, n: write(s, lambda u: u.orders.add(empty_order().set_notes(f"writer {n}"))),
    )
    # then
    won = winners(outcomes)
    assert len(won) == 1
    assert all(isinstance(e, DuplicateOrderId) for e in outcomes if e is not None)
    assert read(opener(), lambda u: u.orders.get("D1001")).notes == f"writer {won[0]}"


def test_of_replaces_based_on_the_same_version_exactly_one_wins(opener: Opener) -> None:
    # given
    order = empty_order()
    write(opener(), lambda u: u.orders.add(order))
    # when
    outcomes = race(
        opener, lambda s, n: write(s, lambda u: u.orders.replace(order.set_notes(f"writer {n}"), 1))
    )
    # then
    won = winners(outcomes)
    assert len(won) == 1
    conflicts = [e for e in outcomes if e is not None]
    assert all(isinstance(e, ConcurrencyConflict) for e in conflicts)
    assert {(e.expected, e.stored) for e in conflicts} == {(1, 2)}
    assert read(opener(), lambda u: u.orders.get("D1001")).notes == f"writer {won[0]}"


def test_writers_holding_the_order_row_record_every_payment_in_turn(opener: Opener) -> None:
    # given
    write(opener(), lambda u: u.orders.add(empty_order()))

    def pay(store: Store, n: int) -> None:
        with store.unit() as unit:
            unit.orders.get("D1001", lock=True)
            count = len(unit.payments.transactions("D1001"))
            unit.payments.append(transaction("D1001", count + 1, reference=f"writer {n}"))

    # when
    outcomes = race(opener, pay)
    # then
    assert outcomes == [None] * RACERS
    recorded = read(opener(), lambda u: u.payments.transactions("D1001"))
    assert [t.id for t in recorded] == [f"D1001-T{n}" for n in range(1, RACERS + 1)]
    assert sorted(t.reference or "" for t in recorded) == [f"writer {n}" for n in range(RACERS)]


def test_of_levels_added_for_one_sku_at_once_exactly_one_is_kept(opener: Opener) -> None:
    # when
    outcomes = race(
        opener, lambda s, n: write(s, lambda u: u.stock.add_level(level("MUG", None, n)))
    )
    # then
    won = winners(outcomes)
    assert len(won) == 1
    refused = [e for e in outcomes if e is not None]
    assert all(isinstance(e, ValidationError) and e.field == "sku" for e in refused)
    assert read(opener(), lambda u: u.stock.levels()) == [level("MUG", None, won[0])]


def test_numbers_taken_at_once_are_all_different_with_no_gaps(opener: Opener) -> None:
    # given
    each = 25

    def take(store: Store, _: int) -> list[int]:
        return [write(store, lambda u: u.next_number("invoice")) for _ in range(each)]

    # when
    outcomes = race(opener, take, racers=4)
    # then
    numbers = [n for taken in outcomes for n in taken]
    assert sorted(numbers) == list(range(1, 4 * each + 1))
    assert all(taken == sorted(taken) for taken in outcomes)
    assert write(opener(), lambda u: u.next_number("invoice")) == 4 * each + 1


def test_uses_counted_at_once_are_all_kept(opener: Opener) -> None:
    # when
    race(
        opener,
        lambda s, n: [
            write(s, lambda u: u.usage.count(["SPRING10"], f"C{n % 2}")) for _ in range(5)
        ],
    )
    # then
    usage = read(opener(), lambda u: u.usage.usage())
    assert usage.count("SPRING10") == RACERS * 5
    assert usage.count_for("SPRING10", "C0") == usage.count_for("SPRING10", "C1") == 15


def test_uses_counted_at_once_against_a_limit_never_pass_it(opener: Opener) -> None:
    # given
    limit = 10
    limits = {"SPRING10": (limit, None)}

    def use(store: Store, n: int) -> list[Exception | None]:
        outcomes: list[Exception | None] = []
        for _ in range(4):
            try:
                write(store, lambda u: u.usage.count(["SPRING10"], f"C{n}", limits=limits))
                outcomes.append(None)
            except UsageLimitReached as error:
                outcomes.append(error)
        return outcomes

    # when
    outcomes = [o for each in race(opener, use) for o in each]
    # then
    refused = [o for o in outcomes if o is not None]
    assert len(outcomes) - len(refused) == limit
    assert {(e.promotion_id, e.limit, e.used) for e in refused} == {("SPRING10", limit, limit)}
    assert read(opener(), lambda u: u.usage.usage().count("SPRING10")) == limit


def test_claims_made_at_once_on_one_order_leave_one_open(opener: Opener) -> None:
    # given
    write(opener(), lambda u: u.orders.add(empty_order()))
    for attempt in range(3):
        # when every racer claims the order
        outcomes = race(
            opener,
            lambda s, n, a=attempt: write(
                s,
                lambda u: u.payments.add_claim(
                    claim("D1001", 1, id=f"D1001-C{a}-{n}", idempotency_key=f"{a}/{n}")
                ),
            ),
        )
        # then one claim is made, the others see it in flight
        won = winners(outcomes)
        assert len(won) == 1
        winner = f"D1001-C{attempt}-{won[0]}"
        assert {e.claim_id for e in outcomes if isinstance(e, PaymentInFlight)} == {winner}
        assert len([e for e in outcomes if isinstance(e, PaymentInFlight)]) == RACERS - 1
        assert [c.id for c in read(opener(), lambda u: u.payments.open_claims())] == [winner]
        # and once it is recorded the order may be claimed again
        done = read(opener(), lambda u, w=winner: u.payments.claim(w)).recorded("T", NOW)
        write(opener(), lambda u, d=done: u.payments.replace_claim(d))
    assert len(read(opener(), lambda u: u.payments.claims("D1001"))) == 3


# -- a shop over the store --------------------------------------------------------------------


def test_a_shop_creates_edits_invoices_and_takes_payment_over_the_store(opener: Opener) -> None:
    # given a shop with a coupon
    book = PromotionBook(
        [Promotion("FIVE", "5.00 off", OrderAmountOff(money("5.00")), code="FIVE")]
    )
    shop = Shop(
        catalog(),
        context=attrs.evolve(flat_tax(), promotions=book),
        seller=SELLER,
        attach_pdf=False,
    )
    app = ShopApp(shop, Ports(store=opener(), clock=FixedClock(NOW)))
    # when the order is built, edited, invoiced, paid in part by hand and then by card
    order = app.drafts.create(customer=ADA)
    app.drafts.edit(order.id, lambda o: o.add_product(shop.catalog, "MUG", 2))
    app.drafts.apply_code(order.id, "five")
    delivery = app.invoicing.send(order.id)
    deposit = app.cashier.record_payment(
        order.id, money("10.00"), method=ManualMethod.BANK_TRANSFER
    )
    rest = app.cashier.charge(order.id, "tok_visa")
    # then another opening of the store sees the completed order, its payments, the invoice,
    # the email sent, the customer and the use of the coupon
    again = opener()
    with again.unit(write=False) as unit:
        stored = unit.orders.get(order.id)
        transactions = unit.payments.transactions(order.id)
        invoices = unit.invoices.of(order.id)
        messages = unit.outbox.find(order_id=order.id)
        usage = unit.usage.usage()
        customer = unit.customers.get("C1")
        claims = unit.payments.claims(order.id)
    assert delivery.order.status is Status.INVOICE_SENT
    assert stored.status is Status.COMPLETED
    assert stored == rest.order
    assert stored.completed_total == delivery.sent.invoice.total
    assert transactions == [deposit.transaction, rest.transaction]
    assert [t.amount for t in transactions] == [
        money("10.00"),
        delivery.sent.invoice.total - money("10.00"),
    ]
    assert [(i.number, i.delivered) for i in invoices] == [(delivery.sent.number, True)]
    assert [m.status for m in messages] == [MessageStatus.SENT]
    assert usage.count_for("FIVE", "C1") == 1
    assert customer == ADA
    assert [c.is_open for c in claims] == [False, False]
    assert [o.id for o in app.drafts.orders()] == [order.id]
    assert app.drafts.drafts() == []
    assert app.cashier.summary(order.id).due == money("0.00")


def test_a_shop_generates_ids_duplicates_and_lists_drafts_over_the_store(opener: Opener) -> None:
    # given
    app = ShopApp(Shop(catalog()), Ports(store=opener(), clock=FixedClock(NOW)))
    first = app.drafts.create(customer=GRACE)
    app.drafts.edit(first.id, lambda o: o.add_product(app.shop.catalog, "TEA", 3))
    # when
    copy = app.drafts.duplicate(first.id)
    # then
    assert (first.id, copy.id) == ("D1001", "D1002")
    assert [o.id for o in app.drafts.drafts()] == ["D1001", "D1002"]
    again = opener()
    assert read(again, lambda u: u.orders.get("D1002")).lines == app.drafts.get("D1001").lines
    found_for_grace = read(again, lambda u: u.orders.find(OrderQuery(customer_id="C2")))
    assert [o.id for o in found_for_grace] == ["D1001", "D1002"]


def test_shops_sharing_a_store_never_hand_out_the_same_id(opener: Opener) -> None:
    # when four shops, each on its own opening, create ten drafts each at once
    def create_ten(store: Store, _: int) -> list[str]:
        app = ShopApp(Shop(catalog()), Ports(store=store, clock=FixedClock(NOW)))
        return [app.drafts.create().id for _ in range(10)]

    created = [i for ids in race(opener, create_ten, racers=4) for i in ids]
    # then
    assert len(set(created)) == 40
    assert sorted(created) == [f"D{n}" for n in range(1001, 1041)]
    stored = read(opener(), lambda u: u.orders.find(OrderQuery()))
    assert sorted(o.id for o in stored) == sorted(created)


# -- the SQL store itself ---------------------------------------------------------------------


def test_opening_a_sql_store_again_keeps_its_schema_and_rows(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    with SqlStore(url) as first:
        write(first, lambda u: u.orders.add(empty_order()))
    with SqlStore(url) as second:
        assert [o.id for o in read(second, lambda u: u.orders.find(OrderQuery()))] == ["D1001"]
        tables = set(sa.inspect(second.engine).get_table_names())
    assert tables == {*METADATA.tables, "alembic_version"}


def test_a_sql_store_keeps_the_columns_queries_filter_on(tmp_path: Path) -> None:
    # given
    with SqlStore(f"sqlite:///{tmp_path / 'shop.db'}", clock=FixedClock(NOW)) as store:
        order = completed(rich_order())
        write(store, lambda u: [u.orders.add(order), u.payments.append(transaction("D1001", 1))])
        # when
        with store.engine.connect() as connection:
            row = connection.execute(sa.text("SELECT * FROM orders")).mappings().one()
            paid = connection.execute(sa.text("SELECT * FROM transactions")).mappings().one()
    # then
    assert (row["id"], row["status"], row["customer_id"], row["order_date"]) == (
        "D1001",
        "completed",
        "C1",
        "2026-11-20",
    )
    assert (row["version"], row["deleted_at"]) == (order.version, None)
    assert row["updated_at"].startswith("2026-11-26 09:30")
    assert row["document"].startswith("{")
    assert (paid["position"], paid["id"], paid["gateway"], paid["reference"]) == (
        0,
        "D1001-T1",
        "fake",
        "ref-D1001-1",
    )
    assert paid["idempotency_key"] == "D1001/1"


def test_a_sql_store_takes_an_engine_and_leaves_it_open(tmp_path: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'shop.db'}")
    with SqlStore(engine) as store:
        write(store, lambda u: u.orders.add(empty_order()))
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT id FROM orders")).scalar() == "D1001"
    assert "sqlite" in repr(store)
    engine.dispose()

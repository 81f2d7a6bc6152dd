"""The Store contract, checked on every store: the in-memory one, SqlStore on a SQLite file and
SqlStore on PostgreSQL (a server the tests start, see ``postgres.py``).

Saves with optimistic concurrency (a stale version is a conflict and writes nothing), new
transactions appended with the order all or nothing, the transaction count check, reads,
lists and queries, deletes, promotion usage, writers racing each other, and a shop taking an
order from draft to paid over each store.

To check an adapter of your own, add it to the ``opener`` fixture (see docs/storage.md).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import attrs
import pytest
import sqlalchemy as sa

from builders import catalog, editable_order, empty_order, flat_tax, money
from draftorders import (
    Address,
    Cashier,
    ConcurrencyConflict,
    Customer,
    DraftOrder,
    DraftOrderService,
    DuplicateOrderId,
    FixedClock,
    InMemoryStore,
    InvalidTransition,
    OrderDetails,
    OrderNotFound,
    Party,
    PaymentTerms,
    Status,
    Store,
    Transaction,
    ValidationError,
)
from draftorders.payments import ManualMethod, TransactionKind, TransactionStatus
from draftorders.promotions import OrderAmountOff, Promotion, PromotionBook
from draftorders.storage.sql import SqlStore
from postgres import postgres_url  # noqa: F401

NOW = dt.datetime(2026, 11, 26, 9, 30, tzinfo=dt.UTC)
ADA = Customer(id="C1", name="Ada Lovelace", email="ada@example.com")
GRACE = Customer(id="C2", name="Grace Hopper", email="grace@example.com")

Opener = Callable[[], Store]
"""Opens the store under test again, as another process would (the same one, in memory)."""


# -- the stores -------------------------------------------------------------------------------


def _empty(store: SqlStore) -> None:
    """Remove every row (the PostgreSQL database is shared by the tests of a session)."""
    with store.engine.begin() as connection:
        connection.exec_driver_sql("TRUNCATE transactions, orders, promotion_usage")


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def opener(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Opener]:
    """Opens the store under test; every store it opened is closed after the test."""
    opened: list[SqlStore] = []
    if request.param == "memory":
        memory = InMemoryStore()
        yield lambda: memory
        return
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'orders.db'}"
    else:
        url = request.getfixturevalue("postgres_url")

    def open_store() -> SqlStore:
        store = SqlStore(url, clock=FixedClock(NOW))
        opened.append(store)
        return store

    if request.param == "postgresql":
        _empty(open_store())
    yield open_store
    for store in opened:
        store.close()


@pytest.fixture
def store(opener: Opener) -> Store:
    return opener()


def transaction(order_id: str, n: int, amount: str = "5.00", **fields: Any) -> Transaction:
    """The ``n``-th transaction of an order: a successful sale of ``amount``."""
    values: dict[str, Any] = {
        "id": f"{order_id}-T{n}",
        "order_id": order_id,
        "kind": TransactionKind.SALE,
        "status": TransactionStatus.SUCCESS,
        "amount": money(amount),
        "created_at": NOW + dt.timedelta(minutes=n),
        "gateway": "fake",
        "reference": f"ref-{n}",
        "idempotency_key": f"{order_id}/{n}",
    }
    values.update(fields)
    return Transaction(**values)


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
        order,
        status=Status.COMPLETED,
        version=order.version + 1,
        completed_total=money("10.00"),
    )


# -- saving and getting -----------------------------------------------------------------------


def test_a_saved_order_is_got_back_equal_to_what_was_saved(store: Store) -> None:
    # given
    order = rich_order()
    # when
    store.save(order)
    # then
    assert store.get("D1001") == order
    assert "D1001" in store
    assert list(store.ids()) == ["D1001"]


def test_a_new_order_under_an_id_already_used_is_refused_and_the_first_is_kept(
    store: Store,
) -> None:
    # given
    first = rich_order()
    store.save(first)
    # when
    with pytest.raises(DuplicateOrderId) as caught:
        store.save(empty_order("D1001"), transactions=[transaction("D1001", 1)])
    # then
    assert caught.value.order_id == "D1001"
    assert store.get("D1001") == first
    assert store.transactions("D1001") == []


def test_a_save_based_on_the_stored_version_replaces_the_order(store: Store) -> None:
    # given
    order = rich_order()
    store.save(order)
    # when
    edited = order.set_notes("leave at the door")
    store.save(edited, expected_version=order.version)
    # then
    assert store.get("D1001") == edited
    assert store.get("D1001").version == order.version + 1


def test_a_save_based_on_an_older_version_is_a_conflict_and_writes_nothing(store: Store) -> None:
    # given two edits of the same version, the first saved
    order = empty_order()
    store.save(order)
    first = order.set_notes("first")
    second = order.set_notes("second")
    store.save(first, expected_version=order.version)
    # when
    with pytest.raises(ConcurrencyConflict) as caught:
        store.save(second, expected_version=order.version, transactions=[transaction("D1001", 1)])
    # then
    assert (caught.value.order_id, caught.value.expected, caught.value.stored) == ("D1001", 1, 2)
    assert store.get("D1001") == first
    assert store.transactions("D1001") == []


def test_a_save_based_on_a_version_of_an_order_never_saved_is_refused(store: Store) -> None:
    with pytest.raises(OrderNotFound) as caught:
        store.save(empty_order("D2002"), expected_version=1)
    assert caught.value.key == "D2002"
    assert "D2002" not in store


def test_getting_an_order_never_saved_raises_order_not_found(store: Store) -> None:
    with pytest.raises(OrderNotFound) as caught:
        store.get("D9999")
    assert caught.value.key == "D9999"
    assert "D9999" not in store
    assert 1001 not in store  # type: ignore[operator]


def test_saving_something_else_than_an_order_is_refused(store: Store) -> None:
    with pytest.raises(ValidationError) as caught:
        store.save("D1001")  # type: ignore[arg-type]
    assert caught.value.field == "order"


def test_list_gives_the_orders_with_any_of_the_statuses_sorted_by_id(store: Store) -> None:
    # given orders saved out of order, ids that sort differently by locale and by code point
    for order_id in ("D3", "a2", "D1", "B-9", "D1/2"):
        store.save(empty_order(order_id))
    store.save(sent(empty_order("S1")))
    store.save(completed(empty_order("C1")))
    # when
    everything = [o.id for o in store.list()]
    drafts = [o.id for o in store.list(Status.DRAFT)]
    open_orders = [o.id for o in store.list(Status.DRAFT, Status.INVOICE_SENT)]
    # then
    assert everything == sorted(["D3", "a2", "D1", "B-9", "D1/2", "S1", "C1"])
    assert drafts == ["B-9", "D1", "D1/2", "D3", "a2"]
    assert open_orders == ["B-9", "D1", "D1/2", "D3", "S1", "a2"]
    assert [o.id for o in store.list(Status.COMPLETED)] == ["C1"]
    assert sorted(store.ids()) == everything


def test_another_opening_of_the_store_sees_what_was_saved(opener: Opener) -> None:
    # given
    opener().save(rich_order(), transactions=[transaction("D1001", 1)])
    # when
    again = opener()
    # then
    assert again.get("D1001") == rich_order()
    assert again.transactions("D1001") == [transaction("D1001", 1)]


# -- transactions -----------------------------------------------------------------------------


def test_transactions_saved_with_a_new_order_come_back_oldest_first(store: Store) -> None:
    # given
    refund = transaction(
        "D1001",
        3,
        "2.00",
        kind=TransactionKind.REFUND,
        parent_id="D1001-T1",
        reason="broken mug",
        restock=(("L1", 1),),
    )
    declined = transaction(
        "D1001", 2, status=TransactionStatus.FAILURE, code="card_declined", message="Declined"
    )
    saved = [transaction("D1001", 1), declined, refund]
    # when
    store.save(rich_order(), transactions=saved)
    # then
    assert store.transactions("D1001") == saved


def test_a_save_with_the_expected_transaction_count_appends_its_transactions(
    store: Store,
) -> None:
    # given
    order = rich_order()
    store.save(order, transactions=[transaction("D1001", 1)])
    # when
    edited = order.set_notes("paid in part")
    store.save(edited, order.version, [transaction("D1001", 2)], expected_transactions=1)
    # then
    assert store.get("D1001") == edited
    assert store.transactions("D1001") == [transaction("D1001", 1), transaction("D1001", 2)]


def test_a_save_with_a_stale_transaction_count_writes_neither_the_order_nor_its_transactions(
    store: Store,
) -> None:
    # given an order that got a transaction the saver did not see
    order = rich_order()
    store.save(order)
    store.add_transactions("D1001", [transaction("D1001", 1)], 0)
    # when
    with pytest.raises(ConcurrencyConflict) as caught:
        store.save(
            order.set_notes("stale"),
            order.version,
            [transaction("D1001", 2)],
            expected_transactions=0,
        )
    # then
    assert (caught.value.expected, caught.value.stored) == (order.version, order.version)
    assert "1 transactions, not 0" in str(caught.value)
    assert store.get("D1001") == order
    assert store.transactions("D1001") == [transaction("D1001", 1)]


def test_a_new_order_saved_expecting_transactions_it_cannot_have_is_not_written(
    store: Store,
) -> None:
    with pytest.raises(ConcurrencyConflict):
        store.save(empty_order(), transactions=[transaction("D1001", 2)], expected_transactions=1)
    assert "D1001" not in store
    assert list(store.ids()) == []


def test_add_transactions_appends_when_the_count_holds_even_if_the_order_changed(
    store: Store,
) -> None:
    # given a payment counted from an order that was edited meanwhile
    order = empty_order()
    store.save(order)
    store.save(order.set_notes("edited"), expected_version=order.version)
    # when
    store.add_transactions("D1001", [transaction("D1001", 1), transaction("D1001", 2)], 0)
    # then
    assert store.transactions("D1001") == [transaction("D1001", 1), transaction("D1001", 2)]
    assert store.get("D1001").notes == "edited"


def test_add_transactions_with_a_stale_count_is_a_conflict_and_adds_nothing(store: Store) -> None:
    # given
    store.save(empty_order(), transactions=[transaction("D1001", 1)])
    # when
    with pytest.raises(ConcurrencyConflict) as caught:
        store.add_transactions("D1001", [transaction("D1001", 2)], 0)
    # then
    assert (caught.value.order_id, caught.value.expected, caught.value.stored) == ("D1001", 1, 1)
    assert store.transactions("D1001") == [transaction("D1001", 1)]


def test_transactions_of_an_order_never_saved_are_refused(store: Store) -> None:
    with pytest.raises(OrderNotFound):
        store.add_transactions("D9999", [transaction("D9999", 1)], 0)
    with pytest.raises(OrderNotFound):
        store.transactions("D9999")


def test_a_transaction_of_another_order_is_refused_and_nothing_is_written(store: Store) -> None:
    # given
    store.save(empty_order("D1001"))
    # when / then
    with pytest.raises(ValidationError) as caught:
        store.add_transactions("D1001", [transaction("D1001", 1), transaction("D2002", 2)], 0)
    assert caught.value.field == "transactions"
    with pytest.raises(ValidationError):
        store.save(empty_order("D2002"), transactions=[transaction("D1001", 1)])
    assert store.transactions("D1001") == []
    assert "D2002" not in store


# -- deleting ---------------------------------------------------------------------------------


def test_a_draft_is_deleted_with_its_transactions_and_its_id_is_free_again(store: Store) -> None:
    # given
    order = rich_order()
    store.save(order, transactions=[transaction("D1001", 1)])
    # when
    store.delete("D1001", order.version)
    # then
    assert "D1001" not in store
    with pytest.raises(OrderNotFound):
        store.get("D1001")
    with pytest.raises(OrderNotFound):
        store.transactions("D1001")
    store.save(empty_order("D1001"))
    assert store.transactions("D1001") == []


def test_a_sent_order_can_be_deleted(store: Store) -> None:
    # given
    order = sent(empty_order())
    store.save(order)
    # when
    store.delete("D1001", order.version)
    # then
    assert list(store.ids()) == []


def test_a_completed_order_cannot_be_deleted(store: Store) -> None:
    # given
    order = completed(empty_order())
    store.save(order, transactions=[transaction("D1001", 1)])
    # when
    with pytest.raises(InvalidTransition) as caught:
        store.delete("D1001", order.version)
    # then
    assert (caught.value.order_id, caught.value.status, caught.value.action) == (
        "D1001",
        "completed",
        "delete",
    )
    assert store.get("D1001") == order
    assert store.transactions("D1001") == [transaction("D1001", 1)]


def test_a_delete_based_on_a_stale_version_is_a_conflict(store: Store) -> None:
    # given
    order = empty_order()
    store.save(order)
    store.save(order.set_notes("edited"), expected_version=order.version)
    # when
    with pytest.raises(ConcurrencyConflict) as caught:
        store.delete("D1001", order.version)
    # then
    assert (caught.value.expected, caught.value.stored) == (1, 2)
    assert "D1001" in store


def test_deleting_an_order_never_saved_raises_order_not_found(store: Store) -> None:
    with pytest.raises(OrderNotFound):
        store.delete("D9999", 1)


# -- finding ----------------------------------------------------------------------------------


@pytest.fixture
def shelf(store: Store) -> Store:
    """Orders to find: for Ada, Grace or nobody, dated 1 to 5 December, in every status."""
    dated = [
        ("D1001", ADA, 1, Status.DRAFT),
        ("D1002", GRACE, 2, Status.INVOICE_SENT),
        ("D1003", ADA, 3, Status.COMPLETED),
        ("WEB-7", None, 4, Status.DRAFT),
        ("web_8", ADA, 5, Status.DRAFT),
        ("D1_01", GRACE, 5, Status.COMPLETED),
    ]
    for order_id, customer, day, status in dated:
        order = empty_order(order_id).set_customer(customer).set_order_date(dt.date(2026, 12, day))
        if status is Status.INVOICE_SENT:
            order = sent(order)
        elif status is Status.COMPLETED:
            order = completed(order)
        store.save(order)
    return store


def found(store: Store, **query: Any) -> list[str]:
    return [order.id for order in store.find(**query)]


def test_find_without_criteria_gives_every_order_sorted_by_id(shelf: Store) -> None:
    assert found(shelf) == ["D1001", "D1002", "D1003", "D1_01", "WEB-7", "web_8"]


def test_find_by_statuses(shelf: Store) -> None:
    assert found(shelf, statuses=[Status.COMPLETED]) == ["D1003", "D1_01"]
    assert found(shelf, statuses={Status.DRAFT, Status.INVOICE_SENT}) == [
        "D1001",
        "D1002",
        "WEB-7",
        "web_8",
    ]


def test_find_by_customer(shelf: Store) -> None:
    assert found(shelf, customer_id="C1") == ["D1001", "D1003", "web_8"]
    assert found(shelf, customer_id="C9") == []


def test_find_by_order_date_includes_both_ends(shelf: Store) -> None:
    assert found(shelf, date_from=dt.date(2026, 12, 2), date_to=dt.date(2026, 12, 4)) == [
        "D1002",
        "D1003",
        "WEB-7",
    ]
    assert found(shelf, date_from=dt.date(2026, 12, 5)) == ["D1_01", "web_8"]
    assert found(shelf, date_to=dt.date(2026, 12, 1)) == ["D1001"]
    assert found(shelf, date_from=dt.date(2026, 12, 4), date_to=dt.date(2026, 12, 3)) == []


def test_find_by_part_of_the_id_is_case_sensitive_and_takes_wildcards_literally(
    shelf: Store,
) -> None:
    assert found(shelf, order_id_contains="WEB") == ["WEB-7"]
    assert found(shelf, order_id_contains="web") == ["web_8"]
    assert found(shelf, order_id_contains="1_0") == ["D1_01"]
    assert found(shelf, order_id_contains="_") == ["D1_01", "web_8"]
    assert found(shelf, order_id_contains="100") == ["D1001", "D1002", "D1003"]


def test_find_with_several_criteria_gives_the_orders_that_meet_them_all(shelf: Store) -> None:
    query = {
        "statuses": [Status.DRAFT, Status.COMPLETED],
        "customer_id": "C1",
        "date_from": dt.date(2026, 12, 2),
        "order_id_contains": "D",
    }
    assert found(shelf, **query) == ["D1003"]


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
def test_find_refuses_criteria_of_the_wrong_kind(
    store: Store, query: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        store.find(**query)
    assert caught.value.field == field


# -- promotion usage --------------------------------------------------------------------------


def test_promotion_usage_counts_every_use_and_each_customers(store: Store) -> None:
    # given
    assert store.promotion_usage().total == {}
    # when
    store.record_usage(["SPRING10", "FREESHIP"], "C1")
    store.record_usage(["SPRING10"], "C2")
    store.record_usage(["SPRING10", "SPRING10"], None)
    store.record_usage([], "C1")
    # then
    usage = store.promotion_usage()
    assert dict(usage.total) == {"SPRING10": 4, "FREESHIP": 1}
    assert dict(usage.per_customer) == {
        ("SPRING10", "C1"): 1,
        ("FREESHIP", "C1"): 1,
        ("SPRING10", "C2"): 1,
    }


def test_usage_with_an_empty_customer_id_is_refused(store: Store) -> None:
    with pytest.raises(ValidationError) as caught:
        store.record_usage(["SPRING10"], "")
    assert caught.value.field == "customer_id"
    assert store.promotion_usage().total == {}


# -- writers racing ---------------------------------------------------------------------------

RACERS = 6


def race(opener: Opener, write: Callable[[Store, int], None]) -> list[BaseException | None]:
    """Run ``write(store, n)`` for n in 0..RACERS-1 at once, each on its own opening of the
    store (as separate processes would); what each raised, or None."""
    stores = [opener() for _ in range(RACERS)]
    start = threading.Barrier(RACERS)

    def run(n: int) -> BaseException | None:
        start.wait()
        try:
            write(stores[n], n)
        except Exception as error:
            return error
        return None

    with ThreadPoolExecutor(RACERS) as pool:
        return list(pool.map(run, range(RACERS)))


def test_of_saves_based_on_the_same_version_exactly_one_wins(opener: Opener) -> None:
    # given
    store = opener()
    order = empty_order()
    store.save(order)
    # when
    outcomes = race(opener, lambda s, n: s.save(order.set_notes(f"writer {n}"), expected_version=1))
    # then
    winners = [n for n, error in enumerate(outcomes) if error is None]
    assert len(winners) == 1
    assert all(isinstance(e, ConcurrencyConflict) for e in outcomes if e is not None)
    assert store.get("D1001").notes == f"writer {winners[0]}"


def test_of_payments_counted_from_the_same_state_exactly_one_is_recorded(opener: Opener) -> None:
    # given an order with one transaction, and payments all counted from it
    store = opener()
    store.save(empty_order(), transactions=[transaction("D1001", 1)])

    def pay(s: Store, n: int) -> None:
        if n % 2:
            s.add_transactions("D1001", [transaction("D1001", 2, reference=f"r{n}")], 1)
        else:
            edited = empty_order().set_notes(f"paid by {n}")
            s.save(edited, 1, [transaction("D1001", 2, reference=f"r{n}")], 1)

    # when
    outcomes = race(opener, pay)
    # then
    winners = [n for n, error in enumerate(outcomes) if error is None]
    assert len(winners) == 1
    assert all(isinstance(e, ConcurrencyConflict) for e in outcomes if e is not None)
    recorded = store.transactions("D1001")
    assert [t.reference for t in recorded] == ["ref-1", f"r{winners[0]}"]


def test_concurrent_usage_counts_are_all_kept(opener: Opener) -> None:
    # when
    race(opener, lambda s, n: [s.record_usage(["SPRING10"], f"C{n % 2}") for _ in range(5)])
    # then
    usage = opener().promotion_usage()
    assert usage.count("SPRING10") == RACERS * 5
    assert usage.count_for("SPRING10", "C0") == usage.count_for("SPRING10", "C1") == 15


def test_of_new_orders_saved_under_one_id_at_once_exactly_one_is_kept(opener: Opener) -> None:
    outcomes = race(opener, lambda s, n: s.save(empty_order().set_notes(f"writer {n}")))
    winners = [n for n, error in enumerate(outcomes) if error is None]
    assert len(winners) == 1
    assert all(isinstance(e, DuplicateOrderId) for e in outcomes if e is not None)
    assert opener().get("D1001").notes == f"writer {winners[0]}"


# -- a shop over the store --------------------------------------------------------------------


def test_a_shop_creates_edits_invoices_and_takes_payment_over_the_store(opener: Opener) -> None:
    # given a shop with a coupon, and its cashier
    book = PromotionBook(
        [Promotion("FIVE", "5.00 off", OrderAmountOff(money("5.00")), code="FIVE")]
    )
    shop = DraftOrderService(
        catalog(),
        context=attrs.evolve(flat_tax(), promotions=book),
        store=opener(),
        clock=FixedClock(NOW),
        seller=Party(name="Tea & Mugs Co.", email="billing@teamugs.example"),
        attach_pdf=False,
    )
    cashier = Cashier(shop)
    # when the order is built, edited, invoiced, paid in part by hand and then by card
    order = shop.create(customer=ADA)
    shop.edit(order.id, lambda o: o.add_product(shop.catalog, "MUG", 2))
    shop.apply_code(order.id, "five")
    delivery = shop.send_invoice(order.id)
    deposit = cashier.record_payment(order.id, money("10.00"), method=ManualMethod.BANK_TRANSFER)
    rest = cashier.charge(order.id, "tok_visa")
    # then another opening of the store sees the completed order, its payments and the use
    again = opener()
    stored = again.get(order.id)
    assert delivery.order.status is Status.INVOICE_SENT
    assert stored.status is Status.COMPLETED
    assert stored == rest.order
    assert stored.completed_total == delivery.sent.invoice.total
    assert [t.amount for t in again.transactions(order.id)] == [
        money("10.00"),
        delivery.sent.invoice.total - money("10.00"),
    ]
    assert again.transactions(order.id) == [deposit.transaction, rest.transaction]
    assert again.promotion_usage().count_for("FIVE", "C1") == 1
    assert [o.id for o in shop.orders()] == [order.id]
    assert shop.drafts() == []
    assert cashier.summary(order.id).due == money("0.00")


def test_a_shop_generates_ids_duplicates_and_lists_drafts_over_the_store(opener: Opener) -> None:
    # given
    shop = DraftOrderService(catalog(), store=opener(), clock=FixedClock(NOW))
    first = shop.create(customer=GRACE)
    shop.edit(first.id, lambda o: o.add_product(shop.catalog, "TEA", 3))
    # when
    copy = shop.duplicate(first.id)
    # then
    assert (first.id, copy.id) == ("D1001", "D1002")
    assert [o.id for o in shop.drafts()] == ["D1001", "D1002"]
    assert opener().get("D1002").lines == shop.get("D1001").lines
    assert [o.id for o in opener().find(customer_id="C2")] == ["D1001", "D1002"]


# -- the SQL store itself ---------------------------------------------------------------------


def test_opening_a_sql_store_again_keeps_its_schema_and_rows(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'orders.db'}"
    with SqlStore(url) as first:
        first.save(empty_order())
    with SqlStore(url) as second:
        assert list(second.ids()) == ["D1001"]
        tables = set(sa.inspect(second.engine).get_table_names())
    assert tables == {"orders", "transactions", "promotion_usage"}


def test_a_sql_store_keeps_the_columns_queries_filter_on(tmp_path: Path) -> None:
    # given
    with SqlStore(f"sqlite:///{tmp_path / 'orders.db'}", clock=FixedClock(NOW)) as store:
        store.save(completed(rich_order()), transactions=[transaction("D1001", 1)])
        # when
        with store.engine.connect() as connection:
            row = connection.execute(sa.text("SELECT * FROM orders")).mappings().one()
            position = connection.execute(sa.text("SELECT position FROM transactions")).scalar()
    # then
    assert (row["id"], row["status"], row["customer_id"], row["order_date"]) == (
        "D1001",
        "completed",
        "C1",
        "2026-11-20",
    )
    assert row["version"] == completed(rich_order()).version
    assert row["document"].startswith("{")
    assert position == 0


def test_a_sql_store_takes_an_engine_and_leaves_it_open(tmp_path: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'orders.db'}")
    with SqlStore(engine) as store:
        store.save(empty_order())
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT id FROM orders")).scalar() == "D1001"
    assert "sqlite" in repr(store)
    engine.dispose()


def test_services_sharing_a_sql_store_never_hand_out_the_same_id(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    stores = [SqlStore(url) for _ in range(4)]
    shops = [DraftOrderService(catalog(), store=store, clock=FixedClock(NOW)) for store in stores]
    barrier = threading.Barrier(len(shops))
    created: list[str] = []

    def create_ten(shop: DraftOrderService) -> None:
        barrier.wait()
        created.extend(shop.create().id for _ in range(10))

    threads = [threading.Thread(target=create_ten, args=(shop,)) for shop in shops]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(created) == len(set(created)) == 40
    assert sorted(stores[0].ids()) == sorted(created)
    for store in stores:
        store.close()

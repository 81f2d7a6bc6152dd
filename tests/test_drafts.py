"""The drafts of a shop (``ShopApp.drafts``): ids from the store's sequence (never handed out
twice, not even after a delete), edits with optimistic concurrency and the payment lock, lists,
duplicates, the lifecycle (send, revert, cancel, complete with payment to come, delete and its
tombstone), promotion usage, and the command line."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from builders import catalog, flat_tax, money
from draftorders import (
    BelowPaid,
    ConcurrencyConflict,
    Customer,
    DraftOrder,
    DuplicateOrderId,
    FakeGateway,
    FixedClock,
    GatewayFailed,
    InMemoryStore,
    InvalidQuantity,
    InvalidTransition,
    InvoiceOutdated,
    InvoiceSent,
    MoneyOnOrder,
    OrderCancelled,
    OrderCompleted,
    OrderDeleted,
    OrderLocked,
    OrderNotFound,
    Party,
    PaymentInFlight,
    PricingContext,
    RevertedToDraft,
    Shop,
    ShopApp,
    Status,
    Store,
    Tombstone,
    UnknownCode,
    UsageLimitReached,
    ValidationError,
    price,
)
from draftorders.cli import main
from draftorders.ids import next_order_id
from draftorders.lifecycle import complete
from draftorders.promotions import OrderAmountOff, Promotion, PromotionBook
from draftorders.shop import Ports
from draftorders.storage.sql import SqlStore
from draftorders.tax import TaxProvider, TaxQuote, TaxRequest

NOW = dt.datetime(2026, 11, 26, 9, 30, tzinfo=dt.UTC)
CLOCK = FixedClock(NOW)
SELLER = Party(name="Tea & Mugs Co.", email="billing@teamugs.example")
ADA = Customer(id="C1", name="Ada Lovelace", email="ada@example.com")
GRACE = Customer(id="C2", name="Grace Hopper", email="grace@example.com")
ONCE = Promotion("ONCE", "5.00 off once", OrderAmountOff(money("5.00")), usage_limit=1)
"""A promotion every order gets, usable once in all."""


def make_app(
    *,
    context: PricingContext | None = None,
    store: Store | None = None,
    gateway: FakeGateway | None = None,
    tax_provider: TaxProvider | None = None,
) -> ShopApp:
    """A shop with 8.25% tax that emails its invoices (without PDFs, to stay fast) to an
    in-memory mailer, on a fixed clock."""
    shop = Shop(catalog(), context=context or flat_tax(), seller=SELLER, attach_pdf=False)
    ports = Ports(
        store=store if store is not None else InMemoryStore(),
        clock=CLOCK,
        gateway=gateway if gateway is not None else FakeGateway(),
        tax_provider=tax_provider,
    )
    return ShopApp(shop, ports)


def order_with_mugs(app: ShopApp, quantity: int = 2) -> DraftOrder:
    """A saved draft for Ada (who has an email, so its invoice can be sent) with mugs: two
    mugs total 28.12 (25.98 + 2.14 tax), one 14.06, three 42.19."""
    return app.drafts.edit(
        app.drafts.create(customer=ADA).id,
        lambda o: o.add_product(app.shop.catalog, "MUG", quantity),
    )


def with_promotion(*promotions: Promotion) -> PricingContext:
    """A context with these promotions and no tax (two mugs: 25.98, less 5.00 with ONCE)."""
    return PricingContext(promotions=PromotionBook(list(promotions)))


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """The in-memory store and SqlStore on a SQLite file: deletes and tombstones must behave
    the same on both."""
    if request.param == "memory":
        yield InMemoryStore()
        return
    sql = SqlStore(f"sqlite:///{tmp_path / 'shop.db'}", clock=CLOCK)
    yield sql
    sql.close()


# -- ids --------------------------------------------------------------------------------------


def test_create_generates_order_ids_d1001_d1002_in_sequence() -> None:
    # given
    app = make_app()
    # when
    ids = [app.drafts.create().id for _ in range(3)]
    # then
    assert ids == ["D1001", "D1002", "D1003"]


def test_create_skips_ids_already_used() -> None:
    # given
    app = make_app()
    app.drafts.create(order_id="D1001")
    app.drafts.create(order_id="D1002")
    # when
    order = app.drafts.create()
    # then
    assert order.id == "D1003"


def test_create_honours_an_order_id_override() -> None:
    # given
    app = make_app()
    # when
    order = app.drafts.create(order_id="WEB-2026/7")
    # then
    assert order.id == "WEB-2026/7"
    assert app.drafts.get("WEB-2026/7") == order


def test_a_generated_id_comes_from_the_sequence_and_steps_over_ids_given_by_hand() -> None:
    # given an id given by hand far ahead of the sequence
    app = make_app()
    app.drafts.create(order_id="D1041")
    # when
    ids = [app.drafts.create().id for _ in range(41)]
    # then the sequence goes on from where it was, and skips the id taken by hand
    assert ids[:2] == ["D1001", "D1002"]
    assert ids[-2:] == ["D1040", "D1042"]
    assert "D1041" not in ids


def test_next_order_id_ignores_ids_with_another_prefix_or_no_number() -> None:
    # given
    existing = ["D1001", "D1007", "X5000", "Dabc", "D"]
    # when
    new_id = next_order_id(existing)
    # then
    assert new_id == "D1008"


def test_next_order_id_starts_at_1001_in_an_empty_store() -> None:
    # given
    existing: list[str] = []
    # when
    new_id = next_order_id(existing)
    # then
    assert new_id == "D1001"


def test_create_uses_the_shop_currency_clock_and_prefix() -> None:
    # given
    shop = Shop(catalog("EUR"), currency="EUR", order_prefix="Q")
    app = ShopApp(shop, Ports(clock=CLOCK))
    # when
    order = app.drafts.create()
    # then
    assert (order.id, order.currency, order.order_date) == ("Q1001", "EUR", dt.date(2026, 11, 26))
    assert (order.status, order.version) == (Status.DRAFT, 1)


def test_a_created_order_is_saved() -> None:
    # given
    app = make_app()
    # when
    order = app.drafts.create()
    # then
    assert app.drafts.get(order.id) == order
    assert [o.id for o in app.drafts.find()] == [order.id]


def test_getting_an_unknown_order_is_refused() -> None:
    # given
    app = make_app()
    # when
    with pytest.raises(OrderNotFound) as caught:
        app.drafts.get("D9999")
    # then
    assert caught.value.key == "D9999"
    assert not isinstance(caught.value, OrderDeleted)
    assert app.drafts.tombstone("D9999") is None


_STEPS = st.lists(
    st.one_of(
        st.just(("create", 0)),
        st.tuples(st.just("give"), st.integers(min_value=1001, max_value=1012)),
        st.just(("delete", 0)),
    ),
    max_size=25,
)


@given(_STEPS)
def test_an_order_id_is_never_handed_out_twice(steps: list[tuple[str, int]]) -> None:
    # given a shop where orders are created (with generated or given ids) and deleted
    app = make_app()
    handed_out: list[str] = []
    # when
    for step, number in steps:
        if step == "create":
            handed_out.append(app.drafts.create().id)
        elif step == "give":
            wanted = f"D{number}"
            if wanted in handed_out:
                with pytest.raises(DuplicateOrderId):
                    app.drafts.create(order_id=wanted)
            else:
                handed_out.append(app.drafts.create(order_id=wanted).id)
        elif live := app.drafts.find():
            app.drafts.delete(live[0].id)
    # then every id was handed out once, and is either stored or a tombstone
    assert len(set(handed_out)) == len(handed_out)
    live_ids = {o.id for o in app.drafts.find()}
    deleted = {oid for oid in handed_out if app.drafts.tombstone(oid) is not None}
    assert live_ids | deleted == set(handed_out)
    assert not live_ids & deleted


# -- delete and tombstones --------------------------------------------------------------------


def test_deleting_a_draft_leaves_a_tombstone_and_its_id_is_never_handed_out_again(
    store: Store,
) -> None:
    # given
    app = make_app(store=store)
    first, second = app.drafts.create(), app.drafts.create()
    # when
    tombstone = app.drafts.delete(second.id)
    third = app.drafts.create()
    # then
    assert tombstone == Tombstone(second.id, second.version, NOW)
    assert app.drafts.tombstone(second.id) == tombstone
    assert third.id == "D1003"
    assert [o.id for o in app.drafts.find()] == [first.id, third.id]


def test_an_order_cannot_be_created_under_the_id_of_a_deleted_one(store: Store) -> None:
    # given
    app = make_app(store=store)
    deleted = app.drafts.create()
    app.drafts.delete(deleted.id)
    # when
    with pytest.raises(DuplicateOrderId) as caught:
        app.drafts.create(order_id=deleted.id)
    # then
    assert caught.value.order_id == deleted.id
    assert app.drafts.find() == []


@pytest.mark.parametrize("store", ["memory", "sqlite"], indirect=True)
def test_getting_a_deleted_order_says_it_was_deleted_and_when(store: Store) -> None:
    # given
    app = make_app(store=store)
    order = app.drafts.create()
    tombstone = app.drafts.delete(order.id)
    # when
    with pytest.raises(OrderDeleted) as caught:
        app.drafts.get(order.id)
    # then
    assert isinstance(caught.value, OrderNotFound)
    assert caught.value.key == order.id
    assert caught.value.deleted_at == tombstone.deleted_at == NOW


@pytest.mark.parametrize(
    "call",
    [
        lambda app, oid: app.drafts.edit(oid, lambda o: o.set_notes("x")),
        lambda app, oid: app.drafts.delete(oid),
        lambda app, oid: app.drafts.duplicate(oid),
        lambda app, oid: app.drafts.cancel(oid),
    ],
    ids=["edit", "delete", "duplicate", "cancel"],
)
def test_a_deleted_order_cannot_be_edited_deleted_duplicated_or_cancelled(
    store: Store, call: Callable[[ShopApp, str], object]
) -> None:
    # given
    app = make_app(store=store)
    order = app.drafts.create()
    tombstone = app.drafts.delete(order.id)
    # when
    with pytest.raises(OrderDeleted):
        call(app, order.id)
    # then
    assert app.drafts.tombstone(order.id) == tombstone
    assert app.drafts.find() == []


def test_deleting_a_sent_order_releases_its_stock(store: Store) -> None:
    # given two mugs reserved by a sent invoice
    app = make_app(store=store)
    app.stock.track("MUG", 10)
    order_id = order_with_mugs(app).id
    app.invoicing.send(order_id)
    assert app.stock.level("MUG").reserved == 2
    # when
    app.drafts.delete(order_id)
    # then
    level = app.stock.level("MUG")
    assert (level.on_hand, level.reserved) == (10, 0)
    assert not app.stock.is_reserved(order_id)


def test_an_order_with_a_deposit_is_not_deleted_and_nothing_changes(store: Store) -> None:
    # given
    app = make_app(store=store)
    order = order_with_mugs(app)
    app.cashier.record_payment(order.id, money("10.00"))
    before = app.drafts.get(order.id)
    # when
    with pytest.raises(MoneyOnOrder) as caught:
        app.drafts.delete(order.id)
    # then
    error = caught.value
    assert (error.order_id, error.transactions, error.net_paid) == (order.id, 1, money("10.00"))
    assert app.drafts.get(order.id) == before
    assert app.drafts.tombstone(order.id) is None
    assert len(app.cashier.transactions(order.id)) == 1


def test_an_order_with_only_a_declined_payment_is_not_deleted_either(store: Store) -> None:
    # given
    app = make_app(store=store)
    order = order_with_mugs(app)
    declined = app.cashier.charge(order.id, "tok_chargeDeclined")
    assert not declined.succeeded
    before = app.drafts.get(order.id)
    # when
    with pytest.raises(MoneyOnOrder) as caught:
        app.drafts.delete(order.id)
    # then
    assert (caught.value.transactions, caught.value.net_paid) == (1, money("0.00"))
    assert app.drafts.get(order.id) == before
    assert app.drafts.tombstone(order.id) is None


def test_a_completed_order_cannot_be_deleted(store: Store) -> None:
    # given
    app = make_app(store=store)
    completed = app.drafts.complete_unpaid(order_with_mugs(app).id).order
    # when
    with pytest.raises(InvalidTransition) as caught:
        app.drafts.delete(completed.id)
    # then
    assert (caught.value.status, caught.value.action) == ("completed", "delete")
    assert app.drafts.get(completed.id) == completed


# -- cancel -----------------------------------------------------------------------------------


def test_cancelling_a_draft_keeps_it_off_both_lists_with_its_reason() -> None:
    # given
    app = make_app()
    order = order_with_mugs(app)
    # when
    transition = app.drafts.cancel(order.id, "the customer changed their mind")
    # then
    cancelled = transition.order
    assert (cancelled.status, cancelled.version) == (Status.CANCELLED, order.version + 1)
    assert transition.events == (
        OrderCancelled(order.id, cancelled.version, "the customer changed their mind"),
    )
    assert app.drafts.get(order.id) == cancelled
    assert app.drafts.drafts() == []
    assert app.drafts.orders() == []
    assert app.drafts.find(statuses=(Status.CANCELLED,)) == [cancelled]


def test_cancelling_a_sent_order_releases_its_stock_and_keeps_its_invoice() -> None:
    # given two mugs reserved by a sent invoice
    app = make_app()
    app.stock.track("MUG", 10)
    order_id = order_with_mugs(app).id
    app.invoicing.send(order_id)
    # when
    cancelled = app.drafts.cancel(order_id).order
    # then
    assert cancelled.status is Status.CANCELLED
    assert app.stock.level("MUG").reserved == 0
    assert not app.stock.is_reserved(order_id)
    assert len(app.invoicing.sent(order_id)) == 1


def test_cancelling_an_order_with_a_deposit_keeps_its_money_to_refund() -> None:
    # given
    app = make_app()
    order_id = order_with_mugs(app).id
    deposit = app.cashier.record_payment(order_id, money("10.00")).transaction
    # when
    app.drafts.cancel(order_id)
    refund = app.cashier.refund(order_id, deposit.id, reason="order cancelled")
    # then
    assert refund.succeeded
    assert [t.id for t in app.cashier.transactions(order_id)] == [
        deposit.id,
        refund.transaction.id,
    ]
    assert app.cashier.summary(order_id).net_paid == money("0.00")
    assert app.drafts.get(order_id).status is Status.CANCELLED


REFUSED_WHEN_CANCELLED: dict[str, tuple[Callable[[ShopApp, str], object], type[Exception]]] = {
    "delete": (lambda app, oid: app.drafts.delete(oid), InvalidTransition),
    "edit": (
        lambda app, oid: app.drafts.edit(oid, lambda o: o.set_quantity("L1", 3)),
        OrderLocked,
    ),
    "charge": (lambda app, oid: app.cashier.charge(oid, "tok_visa"), InvalidTransition),
    "record_payment": (lambda app, oid: app.cashier.record_payment(oid), InvalidTransition),
    "complete_unpaid": (lambda app, oid: app.drafts.complete_unpaid(oid), InvalidTransition),
    "send": (lambda app, oid: app.invoicing.send(oid), InvalidTransition),
    "revert_to_draft": (lambda app, oid: app.drafts.revert_to_draft(oid), InvalidTransition),
    "cancel": (lambda app, oid: app.drafts.cancel(oid), InvalidTransition),
}


@pytest.mark.parametrize("action", sorted(REFUSED_WHEN_CANCELLED))
def test_a_cancelled_order_cannot_be_deleted_edited_paid_or_moved_and_nothing_changes(
    action: str,
) -> None:
    # given
    gateway = FakeGateway()
    app = make_app(gateway=gateway)
    order_id = order_with_mugs(app).id
    cancelled = app.drafts.cancel(order_id).order
    call, error = REFUSED_WHEN_CANCELLED[action]
    # when
    with pytest.raises(error) as caught:
        call(app, order_id)
    # then
    assert caught.value.status == "cancelled"  # type: ignore[attr-defined]
    assert app.drafts.get(order_id) == cancelled
    assert app.drafts.tombstone(order_id) is None
    assert app.cashier.transactions(order_id) == []
    assert app.invoicing.sent(order_id) == []
    assert gateway.calls == 0


def test_a_completed_order_cannot_be_cancelled() -> None:
    # given
    app = make_app()
    completed = app.drafts.complete_unpaid(order_with_mugs(app).id).order
    # when
    with pytest.raises(InvalidTransition) as caught:
        app.drafts.cancel(completed.id)
    # then
    assert (caught.value.status, caught.value.action, caught.value.allowed) == (
        "completed",
        "cancel",
        (),
    )
    assert app.drafts.get(completed.id) == completed


# -- edits and optimistic concurrency ---------------------------------------------------------


def test_edit_applies_the_edits_in_order_and_saves_the_result() -> None:
    # given
    app = make_app()
    created = app.drafts.create()
    # when
    edited = app.drafts.edit(
        created.id,
        lambda o: o.add_product(app.shop.catalog, "MUG", 2),
        lambda o: o.set_quantity("L1", 3),
        lambda o: o.set_notes("rush"),
    )
    # then
    assert app.drafts.get(created.id) == edited
    assert edited.version == created.version + 3
    assert (edited.line("L1").quantity, edited.notes) == (3, "rush")


def test_a_save_based_on_a_stale_version_is_refused_and_writes_nothing() -> None:
    # given
    store = InMemoryStore()
    original = DraftOrder.new("D1001", "USD", CLOCK.today())
    with store.unit() as unit:
        unit.orders.add(original)
    first = original.set_notes("first writer")
    second = original.set_notes("second writer")
    with store.unit() as unit:
        unit.orders.replace(first, original.version)
    # when
    with pytest.raises(ConcurrencyConflict) as caught, store.unit() as unit:
        unit.orders.replace(second, original.version)
    # then
    assert (caught.value.order_id, caught.value.expected, caught.value.stored) == (
        "D1001",
        original.version,
        first.version,
    )
    with store.unit(write=False) as unit:
        assert unit.orders.get("D1001") == first


def test_an_edit_loses_to_a_save_made_after_it_loaded_the_order() -> None:
    # given
    app = make_app()
    order_id = order_with_mugs(app).id

    def concurrent_writer_then_mine(order: DraftOrder) -> DraftOrder:
        app.drafts.edit(order_id, lambda o: o.set_notes("other writer"))
        return order.set_notes("mine")

    # when
    with pytest.raises(ConcurrencyConflict):
        app.drafts.edit(order_id, concurrent_writer_then_mine)
    # then
    assert app.drafts.get(order_id).notes == "other writer"


def test_a_draft_built_by_hand_is_saved_under_its_own_id() -> None:
    # given
    app = make_app()
    built = DraftOrder.new("PHONE-7", "USD", CLOCK.today()).add_product(catalog(), "TEA")
    # when
    added = app.drafts.add(built)
    # then
    assert added == built
    assert app.drafts.get("PHONE-7") == built


def test_adding_a_draft_under_a_used_id_is_refused_and_writes_nothing() -> None:
    # given
    app = make_app()
    loaded = order_with_mugs(app)
    app.drafts.edit(loaded.id, lambda o: o.set_quantity("L1", 5))
    after_first_save = copy.deepcopy(app.drafts.get(loaded.id))
    # when
    with pytest.raises(DuplicateOrderId):
        app.drafts.add(loaded.set_notes("stale"))
    # then
    assert app.drafts.get(loaded.id) == after_first_save


def test_adding_an_order_that_is_not_a_draft_is_refused_and_writes_nothing() -> None:
    # given an order completed outside the shop
    app = make_app()
    built = DraftOrder.new("PHONE-8", "USD", CLOCK.today()).add_product(catalog(), "TEA")
    completed = complete(built, price(built, flat_tax())).order
    # when
    with pytest.raises(ValidationError) as caught:
        app.drafts.add(completed)
    # then
    assert caught.value.field == "order"
    assert app.drafts.find() == []


def test_a_failing_edit_in_the_middle_saves_nothing() -> None:
    # given
    app = make_app()
    order = order_with_mugs(app)
    before = copy.deepcopy(order)
    # when
    with pytest.raises(InvalidQuantity):
        app.drafts.edit(
            order.id,
            lambda o: o.set_notes("first edit"),
            lambda o: o.set_quantity("L1", 0),
            lambda o: o.add_product(app.shop.catalog, "TEA"),
        )
    # then
    stored = app.drafts.get(order.id)
    assert stored == before
    assert stored.version == before.version


def test_an_edit_that_returns_another_order_is_refused_and_saves_nothing() -> None:
    # given
    app = make_app()
    order = order_with_mugs(app)
    # when
    with pytest.raises(ValidationError) as caught:
        app.drafts.edit(order.id, lambda o: o.duplicate("D2001", CLOCK.today()))
    # then
    assert caught.value.field == "edits"
    assert app.drafts.get(order.id) == order
    assert [o.id for o in app.drafts.find()] == [order.id]


def test_editing_a_sent_order_is_refused_and_saves_nothing() -> None:
    # given
    app = make_app()
    order_id = order_with_mugs(app).id
    sent = app.invoicing.send(order_id).order
    # when
    with pytest.raises(OrderLocked):
        app.drafts.edit(order_id, lambda o: o.set_quantity("L1", 3))
    # then
    assert app.drafts.get(order_id) == sent


def test_an_edit_that_brings_the_total_below_the_deposit_is_refused_naming_the_overpayment() -> (
    None
):
    # given two mugs (28.12) with a deposit of 20.00
    app = make_app()
    order_id = order_with_mugs(app).id
    app.cashier.record_payment(order_id, money("20.00"))
    before = app.drafts.get(order_id)
    # when one mug is taken off (14.06)
    with pytest.raises(BelowPaid) as caught:
        app.drafts.edit(order_id, lambda o: o.set_quantity("L1", 1))
    # then
    error = caught.value
    assert (error.order_id, error.total, error.paid, error.overpayment) == (
        order_id,
        money("14.06"),
        money("20.00"),
        money("5.94"),
    )
    assert app.drafts.get(order_id) == before


@pytest.mark.parametrize("deposit", ["10.00", "14.06"])
def test_an_edit_that_keeps_the_total_at_or_above_the_deposit_is_saved(deposit: str) -> None:
    # given two mugs (28.12) with a deposit
    app = make_app()
    order_id = order_with_mugs(app).id
    app.cashier.record_payment(order_id, money(deposit))
    # when one mug is taken off (14.06)
    edited = app.drafts.edit(order_id, lambda o: o.set_quantity("L1", 1))
    # then
    assert app.drafts.get(order_id) == edited
    assert app.drafts.price(order_id).total == money("14.06")
    assert app.cashier.summary(order_id).due == money("14.06") - money(deposit)


def _payment_in_flight(app: ShopApp, gateway: FakeGateway) -> str:
    """A draft of two mugs whose deposit charge failed at the gateway: its claim stays open."""
    order_id = order_with_mugs(app).id
    gateway.fail_next()
    with pytest.raises(GatewayFailed):
        app.cashier.charge(order_id, "tok_visa", money("5.00"))
    return order_id


WHILE_IN_FLIGHT: dict[str, Callable[[ShopApp, str], object]] = {
    "edit": lambda app, oid: app.drafts.edit(oid, lambda o: o.set_quantity("L1", 3)),
    "select_customer": lambda app, oid: app.drafts.select_customer(oid, GRACE),
    "cancel": lambda app, oid: app.drafts.cancel(oid),
    "complete_unpaid": lambda app, oid: app.drafts.complete_unpaid(oid),
    "delete": lambda app, oid: app.drafts.delete(oid),
}


@pytest.mark.parametrize("action", sorted(WHILE_IN_FLIGHT))
def test_changes_are_refused_while_a_payment_is_in_flight_and_nothing_changes(
    action: str,
) -> None:
    # given a payment whose gateway call failed: whether money moved is unknown
    gateway = FakeGateway()
    app = make_app(gateway=gateway)
    order_id = _payment_in_flight(app, gateway)
    (claim,) = app.cashier.claims(order_id)
    before = app.drafts.get(order_id)
    # when
    with pytest.raises(PaymentInFlight) as caught:
        WHILE_IN_FLIGHT[action](app, order_id)
    # then
    assert (caught.value.order_id, caught.value.claim_id) == (order_id, claim.id)
    assert app.drafts.get(order_id) == before
    assert app.drafts.tombstone(order_id) is None
    assert [c.is_open for c in app.cashier.claims(order_id)] == [True]


def test_once_the_payment_in_flight_is_reconciled_the_order_can_be_edited_again() -> None:
    # given
    gateway = FakeGateway()
    app = make_app(gateway=gateway)
    order_id = _payment_in_flight(app, gateway)
    # when
    report = app.cashier.reconcile()
    edited = app.drafts.edit(order_id, lambda o: o.set_quantity("L1", 3))
    # then
    assert [p.transaction.amount for p in report.recorded] == [money("5.00")]
    assert app.drafts.get(order_id) == edited
    assert app.cashier.summary(order_id).paid == money("5.00")


# -- coupon codes -----------------------------------------------------------------------------


def test_apply_code_saves_a_known_code_upper_cased() -> None:
    # given
    coded = Promotion("SPRING", "5.00 off", OrderAmountOff(money("5.00")), code="spring5")
    app = make_app(context=with_promotion(coded))
    order = order_with_mugs(app)
    # when
    saved = app.drafts.apply_code(order.id, "Spring5")
    # then
    assert saved.coupon_codes == ("SPRING5",)
    assert app.drafts.get(order.id) == saved
    assert app.drafts.price(order.id).applied_promotions == ("SPRING",)


def test_apply_code_refuses_an_unknown_code_and_saves_nothing() -> None:
    # given
    app = make_app()
    order = order_with_mugs(app)
    # when
    with pytest.raises(UnknownCode) as caught:
        app.drafts.apply_code(order.id, "nope")
    # then
    assert caught.value.code == "NOPE"
    assert app.drafts.get(order.id) == order


# -- lists ------------------------------------------------------------------------------------


def test_drafts_lists_draft_and_invoice_sent_orders() -> None:
    # given
    app = make_app()
    draft, sent, paid, cancelled = (order_with_mugs(app).id for _ in range(4))
    app.invoicing.send(sent)
    app.drafts.complete_unpaid(paid)
    app.drafts.cancel(cancelled)
    # when
    drafts = app.drafts.drafts()
    # then
    assert [(o.id, o.status) for o in drafts] == [
        (draft, Status.DRAFT),
        (sent, Status.INVOICE_SENT),
    ]


def test_orders_lists_only_completed_orders() -> None:
    # given
    app = make_app()
    draft, sent, paid, cancelled = (order_with_mugs(app).id for _ in range(4))
    app.invoicing.send(sent)
    app.drafts.complete_unpaid(paid)
    app.drafts.cancel(cancelled)
    # when
    orders = app.drafts.orders()
    # then
    assert [(o.id, o.status) for o in orders] == [(paid, Status.COMPLETED)]
    assert not {draft, sent, cancelled} & {o.id for o in orders}


def test_a_completed_order_moves_from_the_drafts_to_the_orders_list() -> None:
    # given
    app = make_app()
    order_id = order_with_mugs(app).id
    # when
    app.drafts.complete_unpaid(order_id)
    # then
    assert [o.id for o in app.drafts.drafts()] == []
    assert [o.id for o in app.drafts.orders()] == [order_id]


def test_find_filters_by_customer_date_and_part_of_the_id() -> None:
    # given
    app = make_app()
    ada = app.drafts.create(customer=ADA, order_date=dt.date(2026, 11, 1))
    grace = app.drafts.create(customer=GRACE, order_date=dt.date(2026, 11, 20))
    web = app.drafts.create(order_id="WEB-7", order_date=dt.date(2026, 12, 1))
    # when
    by_customer = app.drafts.find(customer_id="C2")
    by_date = app.drafts.find(date_from=dt.date(2026, 11, 15), date_to=dt.date(2026, 11, 30))
    by_id = app.drafts.find(order_id_contains="WEB")
    # then
    assert [o.id for o in by_customer] == [grace.id]
    assert [o.id for o in by_date] == [grace.id]
    assert [o.id for o in by_id] == [web.id]
    assert [o.id for o in app.drafts.find(customer_id="C1")] == [ada.id]


# -- duplicate --------------------------------------------------------------------------------


def test_duplicate_saves_a_new_draft_with_a_new_id_and_the_same_lines() -> None:
    # given
    app = make_app()
    source = order_with_mugs(app)
    app.drafts.complete_unpaid(source.id)
    # when
    copied = app.drafts.duplicate(source.id)
    # then
    assert (copied.id, copied.version, copied.status) == ("D1002", 1, Status.DRAFT)
    assert copied.lines == source.lines
    assert app.drafts.get("D1002") == copied
    assert app.drafts.get(source.id).status is Status.COMPLETED


def test_duplicate_honours_a_new_id_and_dates_the_copy_today() -> None:
    # given
    app = make_app()
    source = app.drafts.create(order_date=dt.date(2025, 1, 1))
    # when
    copied = app.drafts.duplicate(source.id, new_id="REDO-1")
    # then
    assert (copied.id, copied.order_date) == ("REDO-1", dt.date(2026, 11, 26))


# -- the lifecycle ----------------------------------------------------------------------------


def test_the_full_walk_returns_its_events_in_order() -> None:
    # given
    app = make_app()
    order_id = order_with_mugs(app).id
    # when
    first = app.invoicing.send(order_id)
    reverted = app.drafts.revert_to_draft(order_id)
    edited = app.drafts.edit(order_id, lambda o: o.set_quantity("L1", 3))
    resent = app.invoicing.send(order_id)
    completed = app.drafts.complete_unpaid(order_id)
    # then
    events = [*first.events, *reverted.events, *resent.events, *completed.events]
    assert events == [
        InvoiceSent(order_id, first.order.version, money("28.12")),
        RevertedToDraft(
            order_id, stale_version=first.order.version, version=reverted.order.version
        ),
        InvoiceSent(order_id, resent.order.version, money("42.19")),
        OrderCompleted(order_id, completed.order.version, money("42.19"), customer_id=ADA.id),
    ]
    assert edited.version == reverted.order.version + 1
    assert app.drafts.get(order_id) == completed.order
    assert completed.order.status is Status.COMPLETED


def test_the_full_walk_leaves_the_order_with_one_version_per_step() -> None:
    # given
    app = make_app()
    start = order_with_mugs(app)
    # when
    app.invoicing.send(start.id)
    app.drafts.revert_to_draft(start.id)
    app.drafts.edit(start.id, lambda o: o.set_quantity("L1", 3))
    app.invoicing.send(start.id)
    app.drafts.complete_unpaid(start.id)
    # then
    assert app.drafts.get(start.id).version == start.version + 5


def test_a_refused_send_records_nothing_and_saves_nothing() -> None:
    # given
    app = make_app()
    empty = app.drafts.create(customer=ADA)
    # when
    with pytest.raises(ValidationError):
        app.invoicing.send(empty.id)
    # then
    assert app.drafts.get(empty.id) == empty
    assert app.invoicing.sent(empty.id) == []
    assert app.outbox.messages() == []


def test_reverting_a_draft_is_refused_and_nothing_changes() -> None:
    # given
    app = make_app()
    order = order_with_mugs(app)
    # when
    with pytest.raises(InvalidTransition) as caught:
        app.drafts.revert_to_draft(order.id)
    # then
    assert (caught.value.status, caught.value.action) == ("draft", "revert_to_draft")
    assert app.drafts.get(order.id) == order


def test_the_shop_prices_the_stored_order_with_its_context() -> None:
    # given
    app = make_app()
    order = order_with_mugs(app)
    # when
    priced = app.drafts.price(order.id)
    # then
    assert (priced.order_id, priced.version) == (order.id, order.version)
    assert (priced.tax_total, priced.total) == (money("2.14"), money("28.12"))


# -- completing with payment to come ----------------------------------------------------------


def test_completing_unpaid_fixes_the_total_and_leaves_it_all_due() -> None:
    # given
    app = make_app()
    order_id = order_with_mugs(app).id
    # when
    transition = app.drafts.complete_unpaid(order_id)
    # then
    completed = transition.order
    assert (completed.status, completed.completed_total) == (Status.COMPLETED, money("28.12"))
    assert transition.events == (
        OrderCompleted(order_id, completed.version, money("28.12"), customer_id="C1"),
    )
    summary = app.cashier.summary(order_id)
    assert (summary.paid, summary.due) == (money("0.00"), money("28.12"))


def test_completing_unpaid_takes_the_stock_of_the_order() -> None:
    # given
    app = make_app()
    app.stock.track("MUG", 10)
    order_id = order_with_mugs(app).id
    # when
    app.drafts.complete_unpaid(order_id)
    # then
    level = app.stock.level("MUG")
    assert (level.on_hand, level.reserved) == (8, 0)


def test_completing_unpaid_counts_the_promotions_it_used() -> None:
    # given a promotion usable once, and an order that gets it
    app = make_app(context=with_promotion(ONCE))
    first = order_with_mugs(app)
    assert app.drafts.price(first.id).applied_promotions == ("ONCE",)
    # when
    completed = app.drafts.complete_unpaid(first.id)
    # then the use is counted, and the next order no longer gets it
    assert completed.events[0] == OrderCompleted(
        first.id, completed.order.version, money("20.98"), ("ONCE",), "C1"
    )
    assert app.quotes.usage().count("ONCE") == 1
    second = order_with_mugs(app)
    priced = app.drafts.price(second.id)
    assert priced.applied_promotions == ()
    assert priced.total == money("25.98")


def test_paying_an_invoice_whose_promotion_was_used_up_meanwhile_is_refused() -> None:
    # given a once-only 5.00 promotion, order A invoiced with it, then order B completed with it
    app = make_app(context=with_promotion(ONCE))
    first = order_with_mugs(app)
    app.invoicing.send(first.id, to="ada@example.com")
    second = order_with_mugs(app)
    app.drafts.complete_unpaid(second.id)
    # when
    with pytest.raises(InvoiceOutdated) as caught:
        app.drafts.complete_unpaid(first.id)
    # then
    assert caught.value.invoiced == money("20.98")
    assert caught.value.now == money("25.98")
    assert app.drafts.get(first.id).status is Status.INVOICE_SENT
    assert app.quotes.usage().count("ONCE") == 1


class AnotherTill:
    """A tax engine that charges no tax; while it is asked about an order, another till
    completes ``other`` (once): the promotion is used up between pricing and completing."""

    def __init__(self) -> None:
        self.app: ShopApp | None = None
        self.other: str | None = None

    def quote(self, request: TaxRequest) -> TaxQuote:
        other, self.other = self.other, None
        if other is not None and self.app is not None:
            self.app.drafts.complete_unpaid(other)
        return TaxQuote({})


def test_completing_unpaid_with_a_promotion_used_up_meanwhile_is_refused_and_nothing_changes() -> (
    None
):
    # given two drafts that both get a once-only promotion
    till = AnotherTill()
    app = make_app(context=with_promotion(ONCE), tax_provider=till)
    till.app = app
    first, second = order_with_mugs(app), order_with_mugs(app)
    # when the second is completed by another till while the first is priced
    till.other = second.id
    with pytest.raises(UsageLimitReached) as caught:
        app.drafts.complete_unpaid(first.id)
    # then the first is refused, as it was, and the promotion was used once
    error = caught.value
    assert (error.promotion_id, error.limit, error.used) == ("ONCE", 1, 1)
    assert app.drafts.get(first.id) == first
    assert [o.id for o in app.drafts.orders()] == [second.id]
    assert app.quotes.usage().count("ONCE") == 1
    assert app.drafts.price(first.id).total == money("25.98")


# -- the command line -------------------------------------------------------------------------


def test_the_demo_command_exits_0_and_walks_an_order_to_completed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # given
    argv = ["demo"]
    # when
    code = main(argv)
    # then
    out = capsys.readouterr().out
    assert code == 0
    assert "Total USD" in out
    assert "completed" in out


def test_the_command_line_refuses_an_unknown_command(capsys: pytest.CaptureFixture[str]) -> None:
    # given
    argv = ["frobnicate"]
    # when
    with pytest.raises(SystemExit) as caught:
        main(argv)
    # then
    assert caught.value.code == 2
    assert "invalid choice" in capsys.readouterr().err

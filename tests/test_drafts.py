"""The service facade: ids, saves with optimistic concurrency, lists, lifecycle, and the CLI."""

from __future__ import annotations

import copy
import datetime as dt

import pytest

from builders import catalog, flat_tax, money
from draftorders import (
    ConcurrencyConflict,
    Customer,
    DraftOrder,
    DraftOrderService,
    FixedClock,
    InMemoryStore,
    InvalidQuantity,
    InvoiceOutdated,
    InvoiceSent,
    OrderCompleted,
    OrderLocked,
    OrderNotFound,
    Party,
    PricingContext,
    RevertedToDraft,
    Status,
    ValidationError,
)
from draftorders.cli import main
from draftorders.ids import next_order_id
from draftorders.promotions import OrderAmountOff, Promotion, PromotionBook

CLOCK = FixedClock(dt.datetime(2026, 11, 26, 9, 30, tzinfo=dt.UTC))
SELLER = Party(name="Tea & Mugs Co.", email="billing@teamugs.example")
ADA = Customer(id="C1", name="Ada Lovelace", email="ada@example.com")


def make_service() -> DraftOrderService:
    """A shop that emails its invoices (without PDFs, to stay fast) to an in-memory outbox."""
    return DraftOrderService(
        catalog(),
        context=flat_tax(),
        store=InMemoryStore(),
        clock=CLOCK,
        seller=SELLER,
        attach_pdf=False,
    )


def order_with_mugs(service: DraftOrderService, quantity: int = 2) -> DraftOrder:
    """A saved draft for Ada (who has an email, so its invoice can be sent) with mugs."""
    return service.edit(
        service.create(customer=ADA).id, lambda o: o.add_product(service.catalog, "MUG", quantity)
    )


# -- ids --------------------------------------------------------------------------------------


def test_create_generates_order_ids_d1001_d1002_in_sequence() -> None:
    # given
    service = make_service()
    # when
    ids = [service.create().id for _ in range(3)]
    # then
    assert ids == ["D1001", "D1002", "D1003"]


def test_create_skips_ids_already_used() -> None:
    # given
    service = make_service()
    service.create(order_id="D1001")
    service.create(order_id="D1002")
    # when
    order = service.create()
    # then
    assert order.id == "D1003"


def test_create_honours_an_order_id_override() -> None:
    # given
    service = make_service()
    # when
    order = service.create(order_id="WEB-2026/7")
    # then
    assert order.id == "WEB-2026/7"
    assert service.get("WEB-2026/7") == order


def test_a_generated_id_follows_the_highest_used_one() -> None:
    # given
    service = make_service()
    service.create(order_id="D1041")
    # when
    order = service.create()
    # then
    assert order.id == "D1042"


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


def test_create_uses_the_service_currency_clock_and_prefix() -> None:
    # given
    service = DraftOrderService(
        catalog("EUR"), currency="EUR", clock=CLOCK, id_prefix="Q", store=InMemoryStore()
    )
    # when
    order = service.create()
    # then
    assert (order.id, order.currency, order.order_date) == ("Q1001", "EUR", dt.date(2026, 11, 26))
    assert (order.status, order.version) == (Status.DRAFT, 1)


def test_a_created_order_is_saved() -> None:
    # given
    service = make_service()
    # when
    order = service.create()
    # then
    assert service.get(order.id) == order
    assert order.id in service.store


def test_getting_an_unknown_order_is_refused() -> None:
    # given
    service = make_service()
    # when
    with pytest.raises(OrderNotFound) as caught:
        service.get("D9999")
    # then
    assert caught.value.key == "D9999"


# -- edits and optimistic concurrency ---------------------------------------------------------


def test_edit_applies_the_edits_in_order_and_saves_the_result() -> None:
    # given
    service = make_service()
    created = service.create()
    # when
    edited = service.edit(
        created.id,
        lambda o: o.add_product(service.catalog, "MUG", 2),
        lambda o: o.set_quantity("L1", 3),
        lambda o: o.set_notes("rush"),
    )
    # then
    assert service.get(created.id) == edited
    assert edited.version == created.version + 3
    assert (edited.line("L1").quantity, edited.notes) == (3, "rush")


def test_a_save_based_on_a_stale_version_is_refused_and_writes_nothing() -> None:
    # given
    store = InMemoryStore()
    original = DraftOrder.new("D1001", "USD", CLOCK.today())
    store.save(original)
    first = original.set_notes("first writer")
    second = original.set_notes("second writer")
    store.save(first, expected_version=original.version)
    # when
    with pytest.raises(ConcurrencyConflict) as caught:
        store.save(second, expected_version=original.version)
    # then
    assert (caught.value.order_id, caught.value.expected, caught.value.stored) == (
        "D1001",
        original.version,
        first.version,
    )
    assert store.get("D1001") == first


def test_an_edit_loses_to_a_save_made_after_it_loaded_the_order() -> None:
    # given
    service = make_service()
    order_id = order_with_mugs(service).id

    def concurrent_writer_then_mine(order: DraftOrder) -> DraftOrder:
        service.store.save(order.set_notes("other writer"), expected_version=order.version)
        return order.set_notes("mine")

    # when
    with pytest.raises(ConcurrencyConflict):
        service.edit(order_id, concurrent_writer_then_mine)
    # then
    assert service.get(order_id).notes == "other writer"


def test_a_save_through_the_service_with_a_stale_version_is_refused() -> None:
    # given
    service = make_service()
    loaded = order_with_mugs(service)
    service.edit(loaded.id, lambda o: o.set_quantity("L1", 5))
    after_first_save = copy.deepcopy(service.get(loaded.id))
    # when
    with pytest.raises(ConcurrencyConflict):
        service.save(loaded.set_notes("stale"), expected_version=loaded.version)
    # then
    assert service.get(loaded.id) == after_first_save


def test_a_failing_edit_in_the_middle_saves_nothing() -> None:
    # given
    service = make_service()
    order = order_with_mugs(service)
    before = copy.deepcopy(order)
    # when
    with pytest.raises(InvalidQuantity):
        service.edit(
            order.id,
            lambda o: o.set_notes("first edit"),
            lambda o: o.set_quantity("L1", 0),
            lambda o: o.add_product(service.catalog, "TEA"),
        )
    # then
    stored = service.get(order.id)
    assert stored == before
    assert stored.version == before.version


def test_editing_a_sent_order_through_the_service_is_refused_and_saves_nothing() -> None:
    # given
    service = make_service()
    order_id = order_with_mugs(service).id
    sent = service.send_invoice(order_id).order
    # when
    with pytest.raises(OrderLocked):
        service.edit(order_id, lambda o: o.set_quantity("L1", 3))
    # then
    assert service.get(order_id) == sent


# -- lists ------------------------------------------------------------------------------------


def test_drafts_lists_draft_and_invoice_sent_orders() -> None:
    # given
    service = make_service()
    draft, sent, paid = (order_with_mugs(service).id for _ in range(3))
    service.send_invoice(sent)
    service.accept_payment(paid)
    # when
    drafts = service.drafts()
    # then
    assert [(o.id, o.status) for o in drafts] == [
        (draft, Status.DRAFT),
        (sent, Status.INVOICE_SENT),
    ]


def test_orders_lists_only_completed_orders() -> None:
    # given
    service = make_service()
    draft, sent, paid = (order_with_mugs(service).id for _ in range(3))
    service.send_invoice(sent)
    service.accept_payment(paid)
    # when
    orders = service.orders()
    # then
    assert [(o.id, o.status) for o in orders] == [(paid, Status.COMPLETED)]
    assert draft not in {o.id for o in orders}


def test_a_paid_order_moves_from_the_drafts_to_the_orders_list() -> None:
    # given
    service = make_service()
    order_id = order_with_mugs(service).id
    # when
    service.accept_payment(order_id)
    # then
    assert [o.id for o in service.drafts()] == []
    assert [o.id for o in service.orders()] == [order_id]


# -- duplicate --------------------------------------------------------------------------------


def test_duplicate_saves_a_new_draft_with_a_new_id_and_the_same_lines() -> None:
    # given
    service = make_service()
    source = order_with_mugs(service)
    service.accept_payment(source.id)
    # when
    copied = service.duplicate(source.id)
    # then
    assert (copied.id, copied.version, copied.status) == ("D1002", 1, Status.DRAFT)
    assert copied.lines == source.lines
    assert service.get("D1002") == copied
    assert service.get(source.id).status is Status.COMPLETED


def test_duplicate_honours_a_new_id_and_dates_the_copy_today() -> None:
    # given
    service = make_service()
    source = service.create(order_date=dt.date(2025, 1, 1))
    # when
    copied = service.duplicate(source.id, new_id="REDO-1")
    # then
    assert (copied.id, copied.order_date) == ("REDO-1", dt.date(2026, 11, 26))


# -- lifecycle through the service ------------------------------------------------------------


def test_the_full_walk_records_its_events_in_order() -> None:
    # given
    service = make_service()
    order_id = order_with_mugs(service).id
    # when
    first = service.send_invoice(order_id).order
    reverted = service.revert_to_draft(order_id).order
    edited = service.edit(order_id, lambda o: o.set_quantity("L1", 3))
    resent = service.send_invoice(order_id).order
    paid = service.accept_payment(order_id).order
    # then
    assert service.events == [
        InvoiceSent(order_id, first.version, money("28.12")),
        RevertedToDraft(order_id, stale_version=first.version, version=reverted.version),
        InvoiceSent(order_id, resent.version, money("42.19")),
        OrderCompleted(order_id, paid.version, money("42.19"), customer_id=ADA.id),
    ]
    assert edited.version == reverted.version + 1
    assert service.get(order_id) == paid
    assert paid.status is Status.COMPLETED


def test_the_full_walk_leaves_the_order_with_one_version_per_step() -> None:
    # given
    service = make_service()
    start = order_with_mugs(service)
    # when
    service.send_invoice(start.id)
    service.revert_to_draft(start.id)
    service.edit(start.id, lambda o: o.set_quantity("L1", 3))
    service.send_invoice(start.id)
    service.accept_payment(start.id)
    # then
    assert service.get(start.id).version == start.version + 5


def test_a_refused_transition_records_no_event_and_saves_nothing() -> None:
    # given
    service = make_service()
    empty = service.create()
    # when
    with pytest.raises(ValidationError):
        service.send_invoice(empty.id)
    # then
    assert service.events == []
    assert service.get(empty.id) == empty


def test_the_service_prices_the_stored_order_with_its_context() -> None:
    # given
    service = make_service()
    order = order_with_mugs(service)
    # when
    priced = service.price(order.id)
    # then
    assert (priced.order_id, priced.version) == (order.id, order.version)
    assert (priced.tax_total, priced.total) == (money("2.14"), money("28.12"))


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


def test_paying_an_invoice_whose_promotion_was_used_up_meanwhile_is_refused() -> None:
    # given a once-only 5.00 promotion, order A invoiced with it, then order B paid with it
    book = PromotionBook(
        [Promotion("ONCE", "5.00 off once", OrderAmountOff(money("5.00")), usage_limit=1)]
    )
    shop = DraftOrderService(
        catalog(),
        context=PricingContext(promotions=book),
        clock=FixedClock(dt.datetime(2026, 11, 26, tzinfo=dt.UTC)),
        seller=SELLER,
        attach_pdf=False,
    )
    first = shop.create()
    shop.edit(first.id, lambda o: o.add_product(catalog(), "MUG", 2))
    shop.send_invoice(first.id, to="ada@example.com")
    second = shop.create()
    shop.edit(second.id, lambda o: o.add_product(catalog(), "MUG", 2))
    shop.accept_payment(second.id)
    # when
    with pytest.raises(InvoiceOutdated) as caught:
        shop.accept_payment(first.id)
    # then
    assert caught.value.invoiced == money("20.98")
    assert caught.value.now == money("25.98")
    assert shop.get(first.id).status is Status.INVOICE_SENT
    assert shop.store.promotion_usage().count("ONCE") == 1

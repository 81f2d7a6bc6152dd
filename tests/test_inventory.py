"""Inventory, in two layers.

The pure moves (``draftorders.inventory.moves``): given the levels read from the store, each of
``reserve``, ``release``, ``commit``, ``restock`` and ``adjust`` returns the levels after it and
one change record per SKU moved, and ``wanted`` / ``check`` say what an order wants and whether
it can have it. They are tested directly, with properties over random levels and orders.

The shop's stock (``app.stock``, kept in the store) and the flows that move it: tracking,
reading and adjusting; reservations when an invoice is sent (until now + ``Shop.reserve_for``),
released on revert, cancel and delete and when they expire; commits on completion (a payment
that leaves nothing due, or ``drafts.complete_unpaid``); restocks on refunds; back-orders;
``InsufficientStock`` with nothing changed; locations; the history of every move; a restart on
the same database; and a property over random sequences of all of these. Each shop-level test
runs on the in-memory store and on ``SqlStore`` over a SQLite file.

The shop is Ada's two mugs at 8.25% tax: 25.98 + 2.14 = 28.12. MUG is tracked (5 on hand, DENY
unless a test says otherwise); TEA is not, unless a test tracks it.
"""

from __future__ import annotations

import datetime as dt
import shutil
import threading
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builders import catalog, empty_order, flat_tax, money
from draftorders import (
    Customer,
    DraftOrder,
    FakeGateway,
    GatewayFailed,
    GatewayResult,
    InMemoryMailer,
    InMemoryStore,
    InsufficientStock,
    InvalidTransition,
    InventoryChange,
    InventoryPolicy,
    ManualMethod,
    MessageStatus,
    Money,
    Outcome,
    Party,
    Ports,
    Shop,
    ShopApp,
    Status,
    StockLevel,
    Store,
    ValidationError,
)
from draftorders.inventory import Moves, Reason, Reservation, StockKey, Taken
from draftorders.inventory import moves as inventory
from draftorders.payments import TransactionStatus
from draftorders.storage.sql import SqlStore

NOW = dt.datetime(2026, 11, 26, 9, 30, tzinfo=dt.UTC)
TWO_WEEKS = dt.timedelta(days=14)
SELLER = Party(name="Tea & Mugs Co.", email="billing@teamugs.example")
ADA = Customer(id="C1", name="Ada Lovelace", email="ada@example.com")
GRACE = Customer(id="C2", name="Grace Hopper", email="grace@example.com")
DENY = InventoryPolicy.DENY
BACKORDER = InventoryPolicy.BACKORDER
MUG: StockKey = ("MUG", None)
TEA: StockKey = ("TEA", None)
MUG_WH2: StockKey = ("MUG", "WH2")


# == the pure moves ===========================================================================


def levels_of(*levels: StockLevel) -> dict[StockKey, StockLevel]:
    """Levels as the store hands them to a move: by (SKU, location)."""
    return {level.key: level for level in levels}


def an_order(order_id: str = "A", *lines: tuple[str, int]) -> DraftOrder:
    """A draft with the given (sku, quantity) lines; two mugs by default."""
    order = empty_order(order_id)
    for sku, quantity in lines or (("MUG", 2),):
        order = order.add_product(catalog(), sku, quantity)
    return order


def applied(levels: Mapping[StockKey, StockLevel], moves: Moves) -> dict[StockKey, StockLevel]:
    """The levels once a move's levels are written."""
    return {**levels, **{level.key: level for level in moves.levels}}


def test_wanted_adds_up_the_lines_of_each_tracked_sku_at_the_location() -> None:
    # given an order of mugs on two lines, tea, and a custom item; mugs tracked in two places
    order = an_order("A", ("MUG", 2), ("TEA", 4), ("MUG", 1)).add_custom_item("Engraving", "5", 3)
    levels = levels_of(StockLevel("MUG", None, 5, 0, DENY), StockLevel("MUG", "WH2", 1, 0, DENY))
    # then only the tracked SKU counts, at the location asked for, lines of it together
    assert inventory.wanted(order, levels, None) == {MUG: 3}
    assert inventory.wanted(order, levels, "WH2") == {MUG_WH2: 3}
    assert inventory.wanted(order, levels, "WH3") == {}
    assert inventory.wanted(order, {}, None) == {}
    # and the keys a store locks are every SKU of the order, sorted, custom items left out
    assert inventory.stock_keys(order, None) == [MUG, TEA]
    assert inventory.stock_keys(order, "WH2") == [MUG_WH2, ("TEA", "WH2")]


def test_check_refuses_a_deny_sku_short_of_units_and_names_the_shortfall() -> None:
    # given one mug available of five, four reserved for other orders
    levels = levels_of(StockLevel("MUG", None, 5, 4, DENY))
    # when an order wants two
    with pytest.raises(InsufficientStock) as caught:
        inventory.check({MUG: 2}, levels, None)
    # then
    error = caught.value
    assert (error.sku, error.requested, error.available, error.shortfall) == ("MUG", 2, 1, 1)
    assert str(error) == "MUG: 2 wanted, 1 available, 1 short"
    # and the order's own reservation counts as available to it
    inventory.check({MUG: 2}, levels, Reservation("A", None, (("MUG", None, 1),)))
    inventory.check({MUG: 1}, levels, None)


def test_check_never_refuses_a_backorder_sku_and_names_the_first_sku_short() -> None:
    backorder = levels_of(StockLevel("MUG", None, 0, 3, BACKORDER))
    inventory.check({MUG: 100}, backorder, None)
    # two SKUs short: the first in SKU order is named
    both = levels_of(StockLevel("MUG", None, 1, 0, DENY), StockLevel("TEA", None, 0, 0, DENY))
    with pytest.raises(InsufficientStock) as caught:
        inventory.check({TEA: 1, MUG: 2}, both, None)
    assert caught.value.sku == "MUG"


def test_reserve_sets_the_units_aside_with_one_change_per_sku() -> None:
    # given five mugs and ten teas, and an order for three mugs (two lines) and a tea
    levels = levels_of(StockLevel("MUG", None, 5, 0, DENY), StockLevel("TEA", None, 10, 0, DENY))
    order = an_order("A", ("MUG", 2), ("TEA", 1), ("MUG", 1))
    until = NOW + TWO_WEEKS
    # when
    moves, reservation = inventory.reserve(order, levels, None, location=None, at=NOW, until=until)
    # then
    assert moves.levels == (
        StockLevel("MUG", None, 5, 3, DENY),
        StockLevel("TEA", None, 10, 1, DENY),
    )
    assert moves.changes == (
        InventoryChange("A", "MUG", None, -3, Reason.RESERVED, NOW, 5, 2, 0),
        InventoryChange("A", "TEA", None, -1, Reason.RESERVED, NOW, 10, 9, 0),
    )
    assert reservation == Reservation("A", until, (("MUG", None, 3), ("TEA", None, 1)))
    assert reservation.units() == {MUG: 3, TEA: 1}
    # and the levels read are left as they were (the move only returns what to write)
    assert levels[MUG] == StockLevel("MUG", None, 5, 0, DENY)


def test_reserving_an_order_with_nothing_tracked_moves_nothing() -> None:
    levels = levels_of(StockLevel("MUG", None, 5, 0, DENY))
    order = an_order("A", ("TEA", 4)).add_custom_item("Engraving", "5.00")
    moves, reservation = inventory.reserve(order, levels, None, location=None, at=NOW, until=None)
    assert (moves, reservation) == (Moves(), None)


def test_reserve_back_orders_only_the_units_a_backorder_sku_lacks() -> None:
    # given one kettle-like mug on hand, taken on back-order
    levels = levels_of(StockLevel("MUG", None, 1, 0, BACKORDER))
    # when one order wants three, then another two
    first, _ = inventory.reserve(
        an_order("A", ("MUG", 3)), levels, None, location=None, at=NOW, until=None
    )
    levels = applied(levels, first)
    second, _ = inventory.reserve(
        an_order("B", ("MUG", 2)), levels, None, location=None, at=NOW, until=None
    )
    # then the first found one and lacks two; the second found nothing
    assert [(c.change, c.available, c.backordered) for c in first.changes + second.changes] == [
        (-3, -2, 2),
        (-2, -4, 2),
    ]
    assert second.levels == (StockLevel("MUG", None, 1, 5, BACKORDER),)


def test_a_new_reservation_replaces_the_orders_earlier_one() -> None:
    # given five mugs: order A holds two, another order three
    own = Reservation("A", None, (("MUG", None, 2),))
    levels = levels_of(StockLevel("MUG", None, 5, 5, DENY))
    # when A asks for four: its own two count, and two are missing
    with pytest.raises(InsufficientStock) as caught:
        inventory.reserve(an_order("A", ("MUG", 4)), levels, own, location=None, at=NOW, until=None)
    assert (caught.value.available, caught.value.shortfall) == (2, 2)
    # when A asks for one instead
    moves, reservation = inventory.reserve(
        an_order("A", ("MUG", 1)), levels, own, location=None, at=NOW, until=None
    )
    # then its two are released and one is reserved
    assert [(c.reason, c.change, c.available) for c in moves.changes] == [
        (Reason.RELEASED, 2, 2),
        (Reason.RESERVED, -1, 1),
    ]
    assert moves.levels == (StockLevel("MUG", None, 5, 4, DENY),)
    assert reservation == Reservation("A", None, (("MUG", None, 1),))


def test_a_new_reservation_that_wants_nothing_tracked_releases_the_earlier_one() -> None:
    own = Reservation("A", None, (("MUG", None, 2),))
    levels = levels_of(StockLevel("MUG", None, 5, 2, DENY))
    moves, reservation = inventory.reserve(
        an_order("A", ("TEA", 1)), levels, own, location=None, at=NOW, until=None
    )
    assert reservation is None
    assert moves.levels == (StockLevel("MUG", None, 5, 0, DENY),)
    assert [(c.reason, c.change) for c in moves.changes] == [(Reason.RELEASED, 2)]


def test_release_returns_a_reservations_units_for_the_reason_given() -> None:
    levels = levels_of(StockLevel("MUG", None, 5, 3, DENY), StockLevel("TEA", None, 9, 1, DENY))
    reservation = Reservation("A", NOW, (("MUG", None, 2), ("TEA", None, 1)))
    released = inventory.release(reservation, levels, at=NOW)
    expired = inventory.release(reservation, levels, at=NOW, reason=Reason.EXPIRED)
    assert released.levels == (
        StockLevel("MUG", None, 5, 1, DENY),
        StockLevel("TEA", None, 9, 0, DENY),
    )
    assert released.changes == (
        InventoryChange("A", "MUG", None, 2, Reason.RELEASED, NOW, 5, 4),
        InventoryChange("A", "TEA", None, 1, Reason.RELEASED, NOW, 9, 9),
    )
    assert expired.levels == released.levels
    assert {c.reason for c in expired.changes} == {Reason.EXPIRED}


def test_commit_takes_the_units_out_of_stock_and_ends_the_reservation() -> None:
    # given two of five mugs reserved for the order
    own = Reservation("A", None, (("MUG", None, 2),))
    levels = levels_of(StockLevel("MUG", None, 5, 2, DENY))
    # when
    moves, taken = inventory.commit(an_order("A"), levels, own, location=None, at=NOW)
    # then
    assert moves.levels == (StockLevel("MUG", None, 3, 0, DENY),)
    assert moves.changes == (InventoryChange("A", "MUG", None, -2, Reason.COMMITTED, NOW, 3, 3),)
    assert taken == Taken("A", (("MUG", None, 2),))
    # and an order that reserved nothing takes from what is available
    unreserved, _ = inventory.commit(
        an_order("A"), levels_of(StockLevel("MUG", None, 5, 0, DENY)), None, location=None, at=NOW
    )
    assert unreserved.levels == (StockLevel("MUG", None, 3, 0, DENY),)


def test_commit_releases_what_was_reserved_and_is_no_longer_wanted() -> None:
    own = Reservation("A", None, (("MUG", None, 2), ("TEA", None, 1)))
    levels = levels_of(StockLevel("MUG", None, 5, 2, DENY), StockLevel("TEA", None, 4, 1, DENY))
    moves, taken = inventory.commit(an_order("A", ("MUG", 2)), levels, own, location=None, at=NOW)
    assert [(c.sku, c.reason, c.change) for c in moves.changes] == [
        ("MUG", Reason.COMMITTED, -2),
        ("TEA", Reason.RELEASED, 1),
    ]
    assert applied(levels, moves)[TEA] == StockLevel("TEA", None, 4, 0, DENY)
    assert taken.units() == {MUG: 2}


def test_commit_refuses_a_deny_order_whose_stock_is_gone() -> None:
    levels = levels_of(StockLevel("MUG", None, 5, 5, DENY))
    with pytest.raises(InsufficientStock) as caught:
        inventory.commit(an_order("A"), levels, None, location=None, at=NOW)
    assert (caught.value.available, caught.value.shortfall) == (0, 2)


def test_commit_back_orders_only_what_was_neither_reserved_nor_available() -> None:
    # given one mug on hand of a back-ordered SKU, and an order of three
    levels = levels_of(StockLevel("MUG", None, 1, 0, BACKORDER))
    order = an_order("A", ("MUG", 3))
    # when it commits without a reservation: two are short
    straight, _ = inventory.commit(order, levels, None, location=None, at=NOW)
    assert [(c.change, c.backordered) for c in straight.changes] == [(-3, 2)]
    # when it reserved first: the reservation recorded the two short, the commit none
    reserved, own = inventory.reserve(order, levels, None, location=None, at=NOW, until=None)
    after, _ = inventory.commit(order, applied(levels, reserved), own, location=None, at=NOW)
    assert [c.backordered for c in reserved.changes + after.changes] == [2, 0]
    # and both end at the same level
    assert after.levels == straight.levels == (StockLevel("MUG", None, -2, 0, BACKORDER),)


def test_restock_returns_units_by_line_never_more_than_the_order_took() -> None:
    # given an order of two mugs (L1), a tea (L2, not tracked) and a custom item (L3) completed
    order = an_order("A", ("MUG", 2), ("TEA", 1)).add_custom_item("Engraving", "5.00")
    levels = levels_of(StockLevel("MUG", None, 3, 0, DENY))
    taken = Taken("A", (("MUG", None, 2),))
    # when one mug comes back
    moves, still = inventory.restock(order, [("L1", 1)], levels, taken, location=None, at=NOW)
    # then
    assert moves.levels == (StockLevel("MUG", None, 4, 0, DENY),)
    assert moves.changes == (InventoryChange("A", "MUG", None, 1, Reason.RESTOCKED, NOW, 4, 4),)
    assert still == Taken("A", (("MUG", None, 1),))
    # when five more are asked back: only the one left comes back
    rest, none_left = inventory.restock(
        order, [("L1", 5)], applied(levels, moves), still, location=None, at=NOW
    )
    assert [c.change for c in rest.changes] == [1]
    assert none_left == Taken("A", (("MUG", None, 0),))
    # and lines that are not tracked, or an order that took nothing, move nothing
    untracked, same = inventory.restock(
        order, [("L2", 1), ("L3", 1)], levels, taken, location=None, at=NOW
    )
    assert (untracked, same) == (Moves(), taken)
    assert inventory.restock(order, [("L1", 1)], levels, None, location=None, at=NOW) == (
        Moves(),
        None,
    )


def test_restock_refuses_a_quantity_that_is_not_whole_units() -> None:
    levels = levels_of(StockLevel("MUG", None, 3, 0, DENY))
    with pytest.raises(ValidationError) as caught:
        inventory.restock(
            an_order("A"),
            [("L1", 1.0)],  # type: ignore[list-item]
            levels,
            Taken("A", (("MUG", None, 2),)),
            location=None,
            at=NOW,
        )
    assert caught.value.field == "quantity"


def test_adjust_counts_stock_in_and_out_by_hand() -> None:
    level = StockLevel("MUG", None, 5, 0, DENY)
    delivered = inventory.adjust(level, 10, at=NOW)
    assert delivered == Moves(
        (StockLevel("MUG", None, 15, 0, DENY),),
        (InventoryChange(None, "MUG", None, 10, Reason.ADJUSTED, NOW, 15, 15),),
    )
    counted = inventory.adjust(delivered.levels[0], -15, at=NOW)
    assert counted.levels == (StockLevel("MUG", None, 0, 0, DENY),)


@pytest.mark.parametrize(
    ("level", "change", "available"),
    [
        (StockLevel("MUG", None, 5, 0, DENY), -6, 5),  # more than on hand
        (StockLevel("MUG", None, 3, 2, DENY), -2, 1),  # units promised to orders
        (StockLevel("MUG", None, 3, 2, BACKORDER), -4, 3),  # back-orders may, but not past zero
        (StockLevel("MUG", None, -2, 0, BACKORDER), -1, -2),  # nothing on hand to count out
    ],
)
def test_adjust_refuses_to_count_out_units_that_are_not_there(
    level: StockLevel, change: int, available: int
) -> None:
    with pytest.raises(InsufficientStock) as caught:
        inventory.adjust(level, change, at=NOW)
    assert (caught.value.sku, caught.value.requested, caught.value.available) == (
        "MUG",
        -change,
        available,
    )


def test_a_backorder_sku_may_count_out_units_reserved_for_orders() -> None:
    moves = inventory.adjust(StockLevel("MUG", None, 3, 2, BACKORDER), -3, at=NOW)
    assert moves.levels == (StockLevel("MUG", None, 0, 2, BACKORDER),)


@pytest.mark.parametrize("change", [0, True, False, 1.0, Decimal(2), "2", None])
def test_adjust_refuses_changes_that_are_not_whole_units_or_are_zero(change: object) -> None:
    with pytest.raises(ValidationError) as caught:
        inventory.adjust(StockLevel("MUG", None, 5, 0, DENY), change, at=NOW)  # type: ignore[arg-type]
    assert caught.value.field == "change"


def test_moves_take_the_levels_of_a_sku_tracked_at_several_locations() -> None:
    # given the levels of every location, as a caller reading all of them would pass them
    levels = levels_of(StockLevel("MUG", None, 5, 0, DENY), StockLevel("MUG", "WH2", 3, 0, DENY))
    # when an order filled from the unnamed location reserves
    moves, _ = inventory.reserve(an_order("A"), levels, None, location=None, at=NOW, until=None)
    # then only that location moves
    assert moves.levels == (StockLevel("MUG", None, 5, 2, DENY),)


# -- properties of the pure moves ------------------------------------------------------------

KEYS: tuple[StockKey, ...] = (MUG, TEA, MUG_WH2)
locations = st.sampled_from([None, "WH2"])


@st.composite
def stock_level(draw: st.DrawFn, key: StockKey) -> StockLevel:
    """A level a shop can be at: a DENY SKU never has more reserved than on hand."""
    policy = draw(st.sampled_from(InventoryPolicy))
    if policy is DENY:
        on_hand = draw(st.integers(0, 8))
        reserved = draw(st.integers(0, on_hand))
    else:
        on_hand = draw(st.integers(-4, 8))
        reserved = draw(st.integers(0, 8))
    return StockLevel(key[0], key[1], on_hand, reserved, policy)


@st.composite
def stock_here(draw: st.DrawFn) -> tuple[str | None, dict[StockKey, StockLevel]]:
    """A location orders are filled from, and some of MUG and TEA tracked there at random
    levels: the levels a shop reads for an order (those at its fulfilment location)."""
    location = draw(locations)
    tracked = draw(st.lists(st.sampled_from(["MUG", "TEA"]), unique=True))
    return location, {(sku, location): draw(stock_level((sku, location))) for sku in tracked}


def here(levels: Mapping[StockKey, StockLevel], location: str | None) -> dict[StockKey, StockLevel]:
    """The levels at ``location``: what the shop reads for an order filled from there."""
    return {key: level for key, level in levels.items() if key[1] == location}


@st.composite
def orders(draw: st.DrawFn, order_id: str = "A") -> DraftOrder:
    """An order of one to four lines of MUG, TEA or a custom item."""
    order = empty_order(order_id)
    for kind, quantity in draw(
        st.lists(
            st.tuples(st.sampled_from(["MUG", "TEA", "custom"]), st.integers(1, 4)),
            min_size=1,
            max_size=4,
        )
    ):
        if kind == "custom":
            order = order.add_custom_item("Engraving", "5.00", quantity)
        else:
            order = order.add_product(catalog(), kind, quantity)
    return order


@st.composite
def unreserved_level(draw: st.DrawFn, key: StockKey) -> StockLevel:
    """A level before any order reserved from it (a back-ordered SKU may be below zero)."""
    policy = draw(st.sampled_from(InventoryPolicy))
    on_hand = draw(st.integers(0, 8) if policy is DENY else st.integers(-4, 8))
    return StockLevel(key[0], key[1], on_hand, 0, policy)


def check_moves(before: Mapping[StockKey, StockLevel], moves: Moves) -> dict[StockKey, int]:
    """What every move keeps: each level it writes has a change record, and the last change of
    each (SKU, location) carries the levels after the move, with available = on hand - reserved.
    The number of changes per (SKU, location)."""
    after = applied(before, moves)
    counts: dict[StockKey, int] = {}
    last: dict[StockKey, InventoryChange] = {}
    for change in moves.changes:
        key = (change.sku, change.location)
        counts[key] = counts.get(key, 0) + 1
        last[key] = change
    assert {level.key for level in moves.levels} <= set(last)
    for key, change in last.items():
        level = after[key]
        assert (change.on_hand, change.available) == (level.on_hand, level.available)
        assert change.available == level.on_hand - level.reserved
        if key not in {lv.key for lv in moves.levels}:
            assert level == before[key]  # moved and moved back: nothing to write
    for level in moves.levels:
        assert level.available == level.on_hand - level.reserved
        assert level != before[level.key]
    return counts


def deny_short(want: Mapping[StockKey, int], levels: Mapping[StockKey, StockLevel]) -> bool:
    """True if a DENY SKU has fewer units available than wanted."""
    return any(
        levels[key].policy is DENY and quantity > levels[key].available
        for key, quantity in want.items()
    )


@given(stock=stock_here(), order=orders())
def test_a_released_reservation_restores_the_levels_exactly(
    stock: tuple[str | None, dict[StockKey, StockLevel]], order: DraftOrder
) -> None:
    location, levels = stock
    want = inventory.wanted(order, levels, location)
    if deny_short(want, levels):  # refused, naming a DENY SKU that lacks units
        with pytest.raises(InsufficientStock) as caught:
            inventory.reserve(order, levels, None, location=location, at=NOW, until=None)
        level = levels[(caught.value.sku, location)]
        assert level.policy is DENY
        assert want[level.key] > level.available
        return
    reserved, reservation = inventory.reserve(
        order, levels, None, location=location, at=NOW, until=None
    )
    assert check_moves(levels, reserved) == dict.fromkeys(want, 1)
    if reservation is None:
        assert want == {}
        return
    assert reservation.units() == want
    during = applied(levels, reserved)
    for key, quantity in want.items():
        assert during[key].reserved == levels[key].reserved + quantity
        assert during[key].on_hand == levels[key].on_hand
    released = inventory.release(reservation, during, at=NOW)
    assert check_moves(during, released) == dict.fromkeys(want, 1)
    assert applied(during, released) == levels


@given(stock=stock_here(), order=orders())
def test_reserving_before_committing_ends_where_committing_straight_away_does(
    stock: tuple[str | None, dict[StockKey, StockLevel]], order: DraftOrder
) -> None:
    location, levels = stock
    want = inventory.wanted(order, levels, location)
    if deny_short(want, levels):
        with pytest.raises(InsufficientStock):
            inventory.commit(order, levels, None, location=location, at=NOW)
        return
    straight, taken = inventory.commit(order, levels, None, location=location, at=NOW)
    reserved, own = inventory.reserve(order, levels, None, location=location, at=NOW, until=None)
    later, taken_later = inventory.commit(
        order, applied(levels, reserved), own, location=location, at=NOW
    )
    assert check_moves(levels, straight) == dict.fromkeys(want, 1)
    assert applied(applied(levels, reserved), later) == applied(levels, straight)
    assert taken == taken_later
    assert taken.units() == want
    # the units short are counted once, whichever way
    assert sum(c.backordered for c in reserved.changes + later.changes) == sum(
        c.backordered for c in straight.changes
    )
    for key, quantity in want.items():
        assert applied(levels, straight)[key].on_hand == levels[key].on_hand - quantity


ORDER_IDS = ("A", "B", "C")

pure_steps = st.lists(
    st.one_of(
        st.tuples(st.just("reserve"), st.sampled_from(ORDER_IDS)),
        st.tuples(st.just("release"), st.sampled_from(ORDER_IDS)),
        st.tuples(st.just("expire"), st.sampled_from(ORDER_IDS)),
        st.tuples(st.just("commit"), st.sampled_from(ORDER_IDS)),
        st.tuples(st.just("restock"), st.sampled_from(ORDER_IDS), st.integers(0, 5)),
        st.tuples(st.just("adjust"), st.sampled_from(KEYS), st.integers(-5, 5)),
    ),
    min_size=1,
    max_size=20,
)


@given(
    start=st.fixed_dictionaries({key: unreserved_level(key) for key in KEYS}),
    order_list=st.tuples(orders("A"), orders("B"), orders("C")),
    location=locations,
    steps=pure_steps,
)
def test_every_move_keeps_the_levels_whole(
    start: dict[StockKey, StockLevel],
    order_list: tuple[DraftOrder, ...],
    location: str | None,
    steps: list[tuple[Any, ...]],
) -> None:
    """Random sequences of moves, applied as the shop applies them: DENY SKUs never go below
    zero, reserved is what the reservations hold, on hand moves only by commits, restocks and
    adjustments, and every move writes one change per SKU with the levels after it."""
    by_id = {order.id: order for order in order_list}
    levels = dict(start)
    reservations: dict[str, Reservation] = {}
    taken: dict[str, Taken] = {}
    moved_on_hand = dict.fromkeys(KEYS, 0)
    for step in steps:
        name = step[0]
        moves = Moves()
        if name == "adjust":
            key, change = step[1], step[2]
            level = levels[key]
            limit = (
                level.on_hand if level.policy is BACKORDER else min(level.on_hand, level.available)
            )
            if change == 0:
                with pytest.raises(ValidationError):
                    inventory.adjust(level, change, at=NOW)
                continue
            if change < 0 and -change > limit:
                with pytest.raises(InsufficientStock):
                    inventory.adjust(level, change, at=NOW)
                continue
            moves = inventory.adjust(level, change, at=NOW)
            assert check_moves(levels, moves) == {key: 1}
            moved_on_hand[key] += change
        else:
            order = by_id[step[1]]
            own = reservations.get(order.id)
            read = here(levels, location)  # what the shop reads: the fulfilment location's
            if name in ("reserve", "commit") and order.id not in taken:
                want = inventory.wanted(order, read, location)
                held = own.units() if own is not None else {}
                short = any(
                    levels[key].policy is DENY
                    and quantity > levels[key].available + held.get(key, 0)
                    for key, quantity in want.items()
                )
                if short:
                    move = inventory.reserve if name == "reserve" else inventory.commit
                    extra = {"until": None} if name == "reserve" else {}
                    with pytest.raises(InsufficientStock):
                        move(order, read, own, location=location, at=NOW, **extra)
                    continue
                if name == "reserve":
                    moves, reservation = inventory.reserve(
                        order, read, own, location=location, at=NOW, until=None
                    )
                    counts = check_moves(levels, moves)
                    assert all(counts[key] == 1 + (key in held) for key in want)
                    reservations.pop(order.id, None)
                    if reservation is not None:
                        reservations[order.id] = reservation
                else:
                    moves, took = inventory.commit(order, read, own, location=location, at=NOW)
                    assert check_moves(levels, moves) == dict.fromkeys({*want, *held}, 1)
                    reservations.pop(order.id, None)
                    taken[order.id] = took
                    for key, quantity in want.items():
                        moved_on_hand[key] -= quantity
            elif name in ("release", "expire") and own is not None:
                reason = Reason.RELEASED if name == "release" else Reason.EXPIRED
                moves = inventory.release(own, read, at=NOW, reason=reason)
                assert check_moves(levels, moves) == dict.fromkeys(own.units(), 1)
                del reservations[order.id]
            elif name == "restock" and order.id in taken:
                line = order.lines[0]
                before = taken[order.id].units()
                moves, still = inventory.restock(
                    order, [(line.id, step[2])], read, taken[order.id], location=location, at=NOW
                )
                assert still is not None
                counts = check_moves(levels, moves)
                assert all(count == 1 for count in counts.values())
                for change in moves.changes:
                    key = (change.sku, change.location)
                    assert change.change <= before[key]  # never more than it took
                    assert still.units()[key] == before[key] - change.change
                    moved_on_hand[key] += change.change
                taken[order.id] = still
        levels = applied(levels, moves)
        for key, level in levels.items():
            promised = sum(r.units().get(key, 0) for r in reservations.values())
            assert level.reserved == promised >= 0
            assert level.on_hand == start[key].on_hand + moved_on_hand[key]
            assert level.available == level.on_hand - level.reserved
            if level.policy is DENY:
                assert level.on_hand >= 0
                assert level.available >= 0
                assert all(c.backordered == 0 for c in moves.changes if (c.sku, c.location) == key)


# == the shop's stock =========================================================================


class MovableClock:
    """A clock the test moves; shared by every ShopApp of a test, as the real one would be."""

    def __init__(self, at: dt.datetime) -> None:
        self.at = at

    def now(self) -> dt.datetime:
        return self.at

    def today(self) -> dt.date:
        return self.at.date()


class SwitchableMailer(InMemoryMailer):
    """An in-memory mailer whose server can be taken down."""

    def __init__(self) -> None:
        super().__init__()
        self.down = False

    def send(self, message: EmailMessage) -> None:
        if self.down:
            raise ConnectionRefusedError("smtp.example.com:587")
        super().send(message)


@attrs.define
class Stores:
    """Opens stores of one kind: fresh ones, and the same one again as a restarted process
    would (a new ``SqlStore`` on the same SQLite file; the same in-memory store)."""

    kind: str
    directory: Path
    template: Path | None = None
    count: int = 0

    def fresh(self) -> Store:
        if self.kind == "memory":
            return InMemoryStore()
        assert self.template is not None
        self.count += 1
        path = self.directory / f"shop-{self.count}.db"
        shutil.copyfile(self.template, path)  # a migrated, empty database
        return SqlStore(f"sqlite:///{path}")

    def reopen(self, store: Store) -> Store:
        if isinstance(store, SqlStore):
            return SqlStore(store.engine.url)
        return store


@pytest.fixture(scope="module", params=["memory", "sqlite"])
def stores(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Stores:
    directory = tmp_path_factory.mktemp(f"stock-{request.param}")
    if request.param == "memory":
        return Stores("memory", directory)
    template = directory / "template.db"
    SqlStore(f"sqlite:///{template}").close()
    return Stores("sqlite", directory, template)


@attrs.define
class Till:
    """A shop at work on one store: its app, the clock, the mailer and the gateway."""

    app: ShopApp
    clock: MovableClock
    mailer: SwitchableMailer
    gateway: FakeGateway
    kind: str

    def at(self, moment: dt.datetime) -> None:
        """Move the shop's clock to ``moment``."""
        self.clock.at = moment

    def level(self, sku: str = "MUG", location: str | None = None) -> StockLevel:
        return self.app.stock.level(sku, location)

    def stock(self, sku: str = "MUG", location: str | None = None) -> tuple[int, int, int]:
        """(on hand, reserved, available) of ``sku``."""
        level = self.level(sku, location)
        return level.on_hand, level.reserved, level.available

    def history(self, **which: str) -> list[InventoryChange]:
        return self.app.stock.history(**which)

    def order(self, *lines: tuple[str, int], customer: Customer = ADA) -> str:
        """A saved draft with the given (sku, quantity) lines; two mugs by default."""
        created = self.app.drafts.create(customer=customer)
        edits = [
            (lambda o, sku=sku, quantity=quantity: o.add_product(catalog(), sku, quantity))
            for sku, quantity in (lines or (("MUG", 2),))
        ]
        return self.app.drafts.edit(created.id, *edits).id

    def status(self, order_id: str) -> Status:
        return self.app.drafts.get(order_id).status

    def everything(self, order_id: str) -> tuple[object, ...]:
        """What a refused call must leave as it was."""
        return (
            self.app.stock.levels(),
            self.history(),
            self.app.drafts.get(order_id),
            self.app.cashier.transactions(order_id),
            self.app.cashier.claims(order_id),
            self.app.invoicing.sent(order_id),
            self.app.outbox.messages(),
        )


MakeTill = Callable[..., Till]


@pytest.fixture
def make_till(stores: Stores) -> Iterator[MakeTill]:
    """Opens a shop tracking ``mugs`` mugs (none tracked when None) on a fresh store."""
    opened: list[Store] = []

    def make(
        *,
        mugs: int | None = 5,
        policy: InventoryPolicy = DENY,
        reserve_for: dt.timedelta | None = TWO_WEEKS,
        gateway: FakeGateway | None = None,
        fulfil_from: str | None = None,
        store: Store | None = None,
        clock: MovableClock | None = None,
    ) -> Till:
        if store is None:
            store = stores.fresh()
            opened.append(store)
        clock = clock if clock is not None else MovableClock(NOW)
        mailer = SwitchableMailer()
        gateway = gateway if gateway is not None else FakeGateway()
        shop = Shop(
            catalog(),
            context=flat_tax(),
            seller=SELLER,
            attach_pdf=False,
            reserve_for=reserve_for,
            fulfil_from=fulfil_from,
        )
        app = ShopApp(shop, Ports(store=store, clock=clock, mailer=mailer, gateway=gateway))
        if mugs is not None:
            app.stock.track("MUG", mugs, policy=policy)
        return Till(app, clock, mailer, gateway, stores.kind)

    yield make
    for store in opened:
        store.close()


@pytest.fixture
def till(make_till: MakeTill) -> Till:
    return make_till()


def reasons(changes: list[InventoryChange]) -> list[tuple[str | None, str, int, Reason]]:
    """The history in short: (order, sku, change, reason) of each move."""
    return [(c.order_id, c.sku, c.change, c.reason) for c in changes]


# -- tracking, reading and adjusting ---------------------------------------------------------


def test_track_starts_a_sku_with_its_stock_on_hand_and_nothing_reserved(
    make_till: MakeTill,
) -> None:
    # given
    till = make_till(mugs=None)
    # when
    level = till.app.stock.track("MUG", 5)
    # then
    assert level == StockLevel("MUG", None, 5, 0, DENY)
    assert level.available == 5
    assert till.level() == level
    assert till.app.stock.levels() == [level]
    assert till.app.stock.tracks("MUG")
    assert not till.app.stock.tracks("TEA")
    assert not till.app.stock.tracks("MUG", "WH2")
    assert till.history() == []  # tracking is not a move


def test_a_sku_may_be_tracked_with_nothing_on_hand_and_a_backorder_policy(till: Till) -> None:
    level = till.app.stock.track("PREORDER", 0, policy=BACKORDER, location="WH2")
    assert (level.on_hand, level.available, level.policy, level.location) == (
        0,
        0,
        BACKORDER,
        "WH2",
    )
    assert till.level("PREORDER", "WH2") == level
    assert [lv.sku for lv in till.app.stock.levels()] == ["MUG", "PREORDER"]


@pytest.mark.parametrize(
    ("sku", "on_hand", "policy", "field"),
    [
        ("CUP", -1, DENY, "on_hand"),
        ("CUP", True, DENY, "on_hand"),
        ("CUP", False, DENY, "on_hand"),
        ("CUP", 1.0, DENY, "on_hand"),
        ("CUP", Decimal(3), DENY, "on_hand"),
        ("CUP", "3", DENY, "on_hand"),
        ("CUP", None, DENY, "on_hand"),
        ("", 3, DENY, "sku"),
        ("   ", 3, DENY, "sku"),
        (None, 3, DENY, "sku"),
        ("CUP", 3, "deny", "policy"),
    ],
)
def test_track_refuses_bad_skus_quantities_and_policies(
    till: Till, sku: object, on_hand: object, policy: object, field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        till.app.stock.track(sku, on_hand, policy=policy)  # type: ignore[arg-type]
    assert caught.value.field == field
    assert [level.sku for level in till.app.stock.levels()] == ["MUG"]


def test_a_sku_is_tracked_once_per_location(till: Till) -> None:
    # when MUG is tracked again
    with pytest.raises(ValidationError) as caught:
        till.app.stock.track("MUG", 9)
    # then
    assert caught.value.field == "sku"
    assert "already tracked" in str(caught.value)
    assert till.level().on_hand == 5  # the first one stands
    # and another location is another stock
    till.app.stock.track("MUG", 9, location="WH2")
    assert (till.level().on_hand, till.level("MUG", "WH2").on_hand) == (5, 9)


def test_the_level_of_an_untracked_sku_is_refused(till: Till) -> None:
    for sku, location in (("TEA", None), ("MUG", "WH2")):
        with pytest.raises(ValidationError) as caught:
            till.app.stock.level(sku, location)
        assert caught.value.field == "sku"
        assert "not tracked" in str(caught.value)


def test_adjust_counts_stock_in_and_out_and_records_each_move(till: Till) -> None:
    later = NOW + dt.timedelta(hours=1)
    # when a delivery comes in, then a stock-take finds three broken
    delivered = till.app.stock.adjust("MUG", 10)
    till.at(later)
    counted = till.app.stock.adjust("MUG", -3)
    # then
    assert (delivered.on_hand, counted.on_hand, counted.reserved) == (15, 12, 0)
    assert till.level() == counted
    assert till.history() == [
        InventoryChange(None, "MUG", None, 10, Reason.ADJUSTED, NOW, 15, 15),
        InventoryChange(None, "MUG", None, -3, Reason.ADJUSTED, later, 12, 12),
    ]


def test_adjust_refuses_to_take_more_than_is_on_hand_and_changes_nothing(till: Till) -> None:
    # when
    with pytest.raises(InsufficientStock) as caught:
        till.app.stock.adjust("MUG", -6)
    # then
    error = caught.value
    assert (error.sku, error.requested, error.available, error.shortfall) == ("MUG", 6, 5, 1)
    assert "1 short" in str(error)
    assert till.level().on_hand == 5
    assert till.history() == []
    # and taking all of it is fine
    assert till.app.stock.adjust("MUG", -5).on_hand == 0


@pytest.mark.parametrize("change", [0, True, False, 1.0, Decimal(2), "2", None])
def test_adjust_refuses_changes_that_are_zero_or_not_whole_numbers(
    till: Till, change: object
) -> None:
    with pytest.raises(ValidationError) as caught:
        till.app.stock.adjust("MUG", change)  # type: ignore[arg-type]
    assert caught.value.field == "change"
    assert till.level().on_hand == 5
    assert till.history() == []


def test_adjust_refuses_an_untracked_sku(till: Till) -> None:
    with pytest.raises(ValidationError) as caught:
        till.app.stock.adjust("TEA", 3)
    assert caught.value.field == "sku"
    with pytest.raises(ValidationError):
        till.app.stock.adjust("MUG", 3, location="WH2")
    assert till.history() == []


def test_adjust_of_a_deny_sku_cannot_take_units_reserved_for_orders(make_till: MakeTill) -> None:
    # given two of three mugs reserved for a sent invoice
    till = make_till(mugs=3)
    till.app.invoicing.send(till.order())
    before = (till.stock(), till.history())
    # when a stock-take counts two out: only one is not promised to the order
    with pytest.raises(InsufficientStock) as caught:
        till.app.stock.adjust("MUG", -2)
    # then
    assert (caught.value.sku, caught.value.shortfall) == ("MUG", 1)
    assert (till.stock(), till.history()) == before


def test_a_delivery_to_a_back_ordered_sku_is_counted_in(make_till: MakeTill) -> None:
    # given three mugs sold on back-order from none
    till = make_till(mugs=0, policy=BACKORDER)
    till.app.drafts.complete_unpaid(till.order(("MUG", 3)))
    assert till.stock() == (-3, 0, -3)
    # when the first mug of a delivery arrives
    level = till.app.stock.adjust("MUG", 1)
    # then it is counted in
    assert (level.on_hand, level.available) == (-2, -2)


# -- reserving when the invoice is sent ------------------------------------------------------


def test_sending_the_invoice_reserves_the_tracked_lines_until_the_reservation_period_ends(
    till: Till,
) -> None:
    # given
    order_id = till.order()
    # when
    till.app.invoicing.send(order_id)
    # then
    assert till.stock() == (5, 2, 3)
    assert till.history() == [
        InventoryChange(order_id, "MUG", None, -2, Reason.RESERVED, NOW, 5, 3, 0)
    ]
    assert till.app.stock.is_reserved(order_id)
    assert till.app.stock.reserved_until(order_id) == NOW + TWO_WEEKS
    assert till.status(order_id) is Status.INVOICE_SENT


def test_two_lines_of_one_sku_are_reserved_together(till: Till) -> None:
    order_id = till.order(("MUG", 2), ("MUG", 1))
    till.app.invoicing.send(order_id)
    assert till.stock() == (5, 3, 2)
    assert reasons(till.history()) == [(order_id, "MUG", -3, Reason.RESERVED)]


def test_re_sending_the_invoice_does_not_reserve_again(till: Till) -> None:
    # given
    order_id = till.order()
    till.app.invoicing.send(order_id)
    history = till.history()
    # when it is re-sent
    till.app.invoicing.resend(order_id)
    # then a second email went, and the stock did not move
    assert len(till.mailer) == 2
    assert till.stock() == (5, 2, 3)
    assert till.history() == history
    # and sending a sent order is refused, with nothing changed
    before = till.everything(order_id)
    with pytest.raises(InvalidTransition):
        till.app.invoicing.send(order_id)
    assert till.everything(order_id) == before


def test_two_orders_reserve_from_the_same_stock(till: Till) -> None:
    # given
    first = till.order()
    second = till.order(("MUG", 3), customer=GRACE)
    # when
    till.app.invoicing.send(first)
    till.app.invoicing.send(second)
    # then
    assert till.stock() == (5, 5, 0)
    assert [(c.order_id, c.on_hand, c.available) for c in till.history()] == [
        (first, 5, 3),
        (second, 5, 0),
    ]


def test_not_enough_stock_refuses_the_send_and_changes_nothing(make_till: MakeTill) -> None:
    # given one mug left, tea plenty, and an order for some tea and two mugs
    till = make_till(mugs=1)
    till.app.stock.track("TEA", 10)
    order_id = till.order(("TEA", 3), ("MUG", 2))
    before = till.everything(order_id)
    # when
    with pytest.raises(InsufficientStock) as caught:
        till.app.invoicing.send(order_id)
    # then the error names the SKU and what is missing
    error = caught.value
    assert (error.sku, error.requested, error.available, error.shortfall) == ("MUG", 2, 1, 1)
    assert str(error) == "MUG: 2 wanted, 1 available, 1 short"
    # and nothing changed: no line was reserved, not even the tea there is enough of; the order
    # is still a draft, no invoice was kept and no email queued or sent
    assert till.everything(order_id) == before
    assert till.stock() == (1, 0, 1)
    assert till.stock("TEA") == (10, 0, 10)
    assert not till.app.stock.is_reserved(order_id)
    assert till.status(order_id) is Status.DRAFT
    assert len(till.mailer) == 0
    # and the invoice number was not used up: the next send that works gets the first one
    till.app.stock.adjust("MUG", 1)
    assert till.app.invoicing.send(order_id).sent.number == "INV-00001"
    assert till.stock() == (2, 2, 0)


def test_an_order_wanting_the_last_units_exactly_gets_them(make_till: MakeTill) -> None:
    till = make_till(mugs=2)
    till.app.invoicing.send(till.order())
    assert till.stock() == (2, 2, 0)
    with pytest.raises(InsufficientStock) as caught:
        till.app.invoicing.send(till.order(("MUG", 1), customer=GRACE))
    assert (caught.value.available, caught.value.shortfall) == (0, 1)


def test_backorder_lets_stock_go_below_zero_and_records_the_units_backordered(
    make_till: MakeTill,
) -> None:
    # given one mug left of a SKU taken on pre-order
    till = make_till(mugs=1, policy=BACKORDER)
    order_id = till.order(("MUG", 3))
    # when
    till.app.invoicing.send(order_id)
    # then
    assert till.stock() == (1, 3, -2)
    (reserved,) = till.history()
    assert (reserved.change, reserved.available, reserved.backordered) == (-3, -2, 2)
    # and when it is paid, the units short are not back-ordered a second time
    assert till.app.cashier.charge(order_id, "tok_visa").order.status is Status.COMPLETED
    assert till.stock() == (-2, 0, -2)
    committed = till.history()[-1]
    assert (committed.reason, committed.change, committed.on_hand, committed.backordered) == (
        Reason.COMMITTED,
        -3,
        -2,
        0,
    )
    assert sum(c.backordered for c in till.history(order_id=order_id)) == 2


def test_backorder_counts_only_the_units_not_available(make_till: MakeTill) -> None:
    till = make_till(mugs=1, policy=BACKORDER)
    first = till.order(("MUG", 3))
    second = till.order(("MUG", 2), customer=GRACE)
    till.app.invoicing.send(first)
    till.app.invoicing.send(second)
    # the second order found nothing available: both its units are back-ordered
    assert [c.backordered for c in till.history()] == [2, 2]
    assert till.stock() == (1, 5, -4)


def test_a_completion_without_a_reservation_back_orders_what_is_short(make_till: MakeTill) -> None:
    till = make_till(mugs=1, policy=BACKORDER)
    order_id = till.order(("MUG", 3))
    till.app.drafts.complete_unpaid(order_id)  # never sent, so nothing was reserved
    assert till.stock() == (-2, 0, -2)
    (committed,) = till.history()
    assert (committed.reason, committed.change, committed.backordered) == (
        Reason.COMMITTED,
        -3,
        2,
    )


def test_a_failed_email_does_not_undo_the_send_or_its_reservation(till: Till) -> None:
    # given a mail server that cannot be reached
    order_id = till.order()
    till.mailer.down = True
    # when
    delivery = till.app.invoicing.send(order_id)
    # then the invoice is sent and its stock reserved; the email waits in the outbox
    assert not delivery.delivered
    assert delivery.message.status is MessageStatus.PENDING
    assert till.status(order_id) is Status.INVOICE_SENT
    assert till.stock() == (5, 2, 3)
    assert reasons(till.history()) == [(order_id, "MUG", -2, Reason.RESERVED)]
    assert till.app.stock.is_reserved(order_id)
    assert delivery.sent.number == "INV-00001"
    # when the server is back and the dispatcher runs after the backoff
    till.mailer.down = False
    till.at(NOW + dt.timedelta(minutes=5))
    (message,) = till.app.outbox.deliver_due()
    # then the email goes, and the stock does not move again
    assert message.status is MessageStatus.SENT
    assert len(till.mailer) == 1
    assert till.stock() == (5, 2, 3)
    assert len(till.history()) == 1


def test_concurrent_sends_never_reserve_more_than_is_on_hand(till: Till) -> None:
    # given eight orders of one mug each, and five mugs
    order_ids = [till.order(("MUG", 1)) for _ in range(8)]
    refused: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(order_ids))

    def send(order_id: str) -> None:
        barrier.wait()
        try:
            till.app.invoicing.send(order_id)
        except InsufficientStock:
            refused.append(order_id)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    # when
    threads = [threading.Thread(target=send, args=(oid,)) for oid in order_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then
    assert errors == []
    assert len(refused) == 3
    assert till.stock() == (5, 5, 0)
    assert len(till.mailer) == 5
    reserved = {c.order_id for c in till.history() if c.reason is Reason.RESERVED}
    assert reserved == set(order_ids) - set(refused)
    assert all(till.status(oid) is Status.DRAFT for oid in refused)


# -- releasing: revert, cancel, delete and expiry ---------------------------------------------


def test_reverting_to_draft_releases_the_reservation(till: Till) -> None:
    # given
    order_id = till.order()
    till.app.invoicing.send(order_id)
    later = NOW + dt.timedelta(days=1)
    till.at(later)
    # when
    till.app.drafts.revert_to_draft(order_id)
    # then
    assert till.stock() == (5, 0, 5)
    assert till.history(order_id=order_id)[-1] == InventoryChange(
        order_id, "MUG", None, 2, Reason.RELEASED, later, 5, 5
    )
    assert not till.app.stock.is_reserved(order_id)
    assert till.app.stock.reserved_until(order_id) is None
    # and the draft may be edited and sent again, reserving what it now wants, for two weeks
    till.app.drafts.edit(order_id, lambda o: o.set_quantity("L1", 4))
    till.app.invoicing.send(order_id)
    assert till.stock() == (5, 4, 1)
    assert till.app.stock.reserved_until(order_id) == later + TWO_WEEKS


def test_cancelling_a_sent_order_releases_its_reservation(till: Till) -> None:
    # given
    order_id = till.order()
    till.app.invoicing.send(order_id)
    # when
    cancelled = till.app.drafts.cancel(order_id, "the customer changed their mind")
    # then
    assert cancelled.order.status is Status.CANCELLED
    assert till.stock() == (5, 0, 5)
    assert reasons(till.history(order_id=order_id)) == [
        (order_id, "MUG", -2, Reason.RESERVED),
        (order_id, "MUG", 2, Reason.RELEASED),
    ]
    assert not till.app.stock.is_reserved(order_id)


def test_cancelling_a_draft_moves_no_stock(till: Till) -> None:
    order_id = till.order()
    till.app.drafts.cancel(order_id)
    assert till.stock() == (5, 0, 5)
    assert till.history() == []


def test_deleting_a_sent_order_releases_its_stock(till: Till) -> None:
    # given
    order_id = till.order()
    till.app.invoicing.send(order_id)
    assert till.app.stock.is_reserved(order_id)
    # when
    tombstone = till.app.drafts.delete(order_id)
    # then
    assert tombstone.order_id == order_id
    assert till.app.drafts.tombstone(order_id) == tombstone
    assert not till.app.stock.is_reserved(order_id)
    assert till.stock() == (5, 0, 5)
    assert till.history(order_id=order_id)[-1].reason is Reason.RELEASED


def test_reservations_expire_once_their_date_has_passed(till: Till) -> None:
    # given one invoice sent now, another a week later
    first = till.order()
    second = till.order(("MUG", 1), customer=GRACE)
    till.app.invoicing.send(first)
    till.at(NOW + dt.timedelta(days=7))
    till.app.invoicing.send(second)
    assert till.app.stock.reserved_until(second) == NOW + dt.timedelta(days=21)
    # when the first is not yet past its date
    till.at(NOW + TWO_WEEKS - dt.timedelta(seconds=1))
    assert till.app.stock.expire_reservations() == []
    assert till.stock() == (5, 3, 2)
    # when it is
    due = NOW + TWO_WEEKS
    till.at(due)
    assert till.app.stock.expire_reservations() == [first]
    # then only its stock is back
    assert till.stock() == (5, 1, 4)
    assert till.history(order_id=first)[-1] == InventoryChange(
        first, "MUG", None, 2, Reason.EXPIRED, due, 5, 4
    )
    assert not till.app.stock.is_reserved(first)
    assert till.app.stock.is_reserved(second)
    assert till.status(first) is Status.INVOICE_SENT  # the invoice still stands
    # and expiring again finds nothing more
    assert till.app.stock.expire_reservations() == []
    assert len(till.history()) == 3
    # until the second is past its date too
    till.at(NOW + dt.timedelta(days=30))
    assert till.app.stock.expire_reservations() == [second]
    assert till.stock() == (5, 0, 5)


def test_a_reservation_expires_at_its_instant_whatever_the_time_zone_of_the_clock(
    till: Till,
) -> None:
    # given an invoice sent at 09:30 UTC: its stock is held until 09:30 UTC two weeks later
    order_id = till.order()
    till.app.invoicing.send(order_id)
    until = NOW + TWO_WEEKS
    tokyo, new_york = dt.timezone(dt.timedelta(hours=9)), dt.timezone(dt.timedelta(hours=-5))
    # when a worker whose clock reads Tokyo time (18:29 there) expires reservations a minute early
    till.at((until - dt.timedelta(minutes=1)).astimezone(tokyo))
    early = till.app.stock.expire_reservations()
    # and one reading New York time (04:31 there) a minute late
    till.at((until + dt.timedelta(minutes=1)).astimezone(new_york))
    late = till.app.stock.expire_reservations()
    # then the reservation held until its instant, and ended after it
    assert (early, late) == ([], [order_id])


def test_without_a_reservation_period_stock_is_held_until_revert_or_completion(
    make_till: MakeTill,
) -> None:
    till = make_till(reserve_for=None)
    order_id = till.order()
    till.app.invoicing.send(order_id)
    till.at(NOW + dt.timedelta(days=3650))
    assert till.app.stock.expire_reservations() == []
    assert till.app.stock.is_reserved(order_id)
    assert till.app.stock.reserved_until(order_id) is None
    assert till.stock() == (5, 2, 3)


def test_a_shop_tracking_nothing_expires_nothing(make_till: MakeTill) -> None:
    till = make_till(mugs=None)
    till.app.invoicing.send(till.order())
    till.at(NOW + dt.timedelta(days=365))
    assert till.app.stock.expire_reservations() == []
    assert till.app.stock.levels() == []


def test_an_order_whose_reservation_expired_still_completes_from_what_is_available(
    till: Till,
) -> None:
    # given
    order_id = till.order()
    till.app.invoicing.send(order_id)
    till.at(NOW + TWO_WEEKS)
    till.app.stock.expire_reservations()
    # when
    till.app.drafts.complete_unpaid(order_id)
    # then
    assert till.stock() == (3, 0, 3)
    assert reasons(till.history(order_id=order_id)) == [
        (order_id, "MUG", -2, Reason.RESERVED),
        (order_id, "MUG", 2, Reason.EXPIRED),
        (order_id, "MUG", -2, Reason.COMMITTED),
    ]


def test_a_payment_on_an_expired_reservation_holds_the_stock_while_it_is_taken(
    till: Till,
) -> None:
    # given an invoice whose reservation expired
    order_id = till.order()
    till.app.invoicing.send(order_id)
    till.at(NOW + TWO_WEEKS)
    till.app.stock.expire_reservations()
    # when it is paid
    till.app.cashier.charge(order_id, "tok_visa")
    # then the stock was held for the payment, then committed
    assert till.stock() == (3, 0, 3)
    assert [c.reason for c in till.history(order_id=order_id)] == [
        Reason.RESERVED,
        Reason.EXPIRED,
        Reason.RESERVED,
        Reason.COMMITTED,
    ]
    assert not till.app.stock.is_reserved(order_id)


# -- committing on completion ------------------------------------------------------------------


def test_completing_unpaid_commits_the_stock_exactly_once(till: Till) -> None:
    # given
    order_id = till.order()
    till.app.invoicing.send(order_id)
    # when
    completed = till.app.drafts.complete_unpaid(order_id).order
    # then
    assert till.stock() == (3, 0, 3)
    assert till.history(order_id=order_id)[-1] == InventoryChange(
        order_id, "MUG", None, -2, Reason.COMMITTED, NOW, 3, 3
    )
    assert not till.app.stock.is_reserved(order_id)
    # and committing it again changes nothing: not the step itself, not another completion,
    # not the payment that comes later
    history = till.history()
    with till.app.ports.store.unit() as unit:
        till.app.stock.commit(unit, completed, at=NOW)
    with pytest.raises(InvalidTransition):
        till.app.drafts.complete_unpaid(order_id)
    assert till.app.cashier.record_payment(order_id).succeeded
    assert till.history() == history
    assert till.stock() == (3, 0, 3)


def test_a_draft_completed_without_an_invoice_commits_its_stock(till: Till) -> None:
    order_id = till.order()
    till.app.drafts.complete_unpaid(order_id)
    assert till.stock() == (3, 0, 3)
    assert reasons(till.history()) == [(order_id, "MUG", -2, Reason.COMMITTED)]


def test_a_payment_that_completes_the_order_commits_the_stock_once(till: Till) -> None:
    # given
    order_id = till.order()
    till.app.invoicing.send(order_id)
    # when
    paid = till.app.cashier.charge(order_id, "tok_visa", idempotency_key="pay-1")
    # then
    assert paid.order.status is Status.COMPLETED
    assert till.stock() == (3, 0, 3)
    assert reasons(till.history(order_id=order_id)) == [
        (order_id, "MUG", -2, Reason.RESERVED),
        (order_id, "MUG", -2, Reason.COMMITTED),
    ]
    # and the retry of the same payment neither charges nor commits again
    history = till.history()
    till.app.cashier.charge(order_id, "tok_visa", idempotency_key="pay-1")
    assert till.history() == history
    assert till.gateway.captured_total("USD") == money("28.12")


def test_a_deposit_does_not_commit_the_stock_the_last_payment_does(till: Till) -> None:
    # given
    order_id = till.order()
    till.app.invoicing.send(order_id)
    # when a deposit is paid
    till.app.cashier.charge(order_id, "tok_visa", money("10.00"))
    # then the stock stays reserved, not taken
    assert till.stock() == (5, 2, 3)
    assert till.app.stock.is_reserved(order_id)
    assert [c.reason for c in till.history()] == [Reason.RESERVED]
    # when the rest is paid by hand
    till.app.cashier.record_payment(order_id, money("18.12"), method=ManualMethod.BANK_TRANSFER)
    # then
    assert till.status(order_id) is Status.COMPLETED
    assert till.stock() == (3, 0, 3)
    assert [c.reason for c in till.history()] == [Reason.RESERVED, Reason.COMMITTED]


def test_a_declined_payment_commits_nothing(till: Till) -> None:
    order_id = till.order()
    till.app.invoicing.send(order_id)
    declined = till.app.cashier.charge(order_id, "tok_chargeDeclined")
    assert not declined.succeeded
    assert till.stock() == (5, 2, 3)
    assert [c.reason for c in till.history()] == [Reason.RESERVED]
    assert till.app.stock.is_reserved(order_id)


def test_a_declined_payment_on_an_unsent_draft_gives_back_the_stock_it_held(till: Till) -> None:
    order_id = till.order()
    declined = till.app.cashier.charge(order_id, "tok_chargeDeclined")
    assert not declined.succeeded
    assert till.stock() == (5, 0, 5)
    assert [(c.reason, c.change) for c in till.history()] == [
        (Reason.RESERVED, -2),
        (Reason.RELEASED, 2),
    ]
    assert not till.app.stock.is_reserved(order_id)


def test_a_payment_interrupted_at_the_gateway_holds_the_stock_until_it_is_reconciled(
    till: Till,
) -> None:
    # given a draft paid in full while the gateway drops the connection
    order_id = till.order()
    till.gateway.fail_next()
    with pytest.raises(GatewayFailed):
        till.app.cashier.charge(order_id, "tok_visa")
    # then the claim stays open, and the stock is held for it (no end date) so no other order
    # takes it meanwhile
    (claim,) = till.app.cashier.claims(order_id)
    assert claim.is_open
    assert till.app.stock.is_reserved(order_id)
    assert till.app.stock.reserved_until(order_id) is None
    assert till.stock() == (5, 2, 3)
    with pytest.raises(InsufficientStock):
        till.app.invoicing.send(till.order(("MUG", 4), customer=GRACE))
    # when the claim is reconciled: the gateway is asked again and takes the money
    report = till.app.cashier.reconcile()
    # then the order completes and the stock is committed
    assert [p.order.status for p in report.recorded] == [Status.COMPLETED]
    assert till.stock() == (3, 0, 3)
    assert [c.reason for c in till.history(order_id=order_id)] == [
        Reason.RESERVED,
        Reason.COMMITTED,
    ]


def test_completing_with_payment_to_come_commits_and_later_payments_do_not(till: Till) -> None:
    order_id = till.order()
    till.app.invoicing.send(order_id)
    till.app.drafts.complete_unpaid(order_id)
    assert till.stock() == (3, 0, 3)
    till.app.cashier.record_payment(order_id)
    assert [c.reason for c in till.history()] == [Reason.RESERVED, Reason.COMMITTED]
    assert till.stock() == (3, 0, 3)


def expired_then_taken(till: Till) -> tuple[str, str]:
    """Ada's invoice for two mugs expires, then Grace's takes all five: Ada's stock is gone."""
    ada = till.order()
    till.app.invoicing.send(ada)
    till.at(NOW + TWO_WEEKS)
    assert till.app.stock.expire_reservations() == [ada]
    grace = till.order(("MUG", 5), customer=GRACE)
    till.app.invoicing.send(grace)
    assert till.stock() == (5, 5, 0)
    return ada, grace


def test_completing_an_order_whose_stock_is_gone_is_refused_and_changes_nothing(
    till: Till,
) -> None:
    # given
    ada, _ = expired_then_taken(till)
    before = till.everything(ada)
    # when
    with pytest.raises(InsufficientStock) as caught:
        till.app.drafts.complete_unpaid(ada)
    # then
    assert (caught.value.sku, caught.value.available, caught.value.shortfall) == ("MUG", 0, 2)
    assert till.everything(ada) == before
    assert till.status(ada) is Status.INVOICE_SENT
    assert till.stock() == (5, 5, 0)


def test_a_payment_that_would_complete_an_order_whose_stock_is_gone_moves_no_money(
    till: Till,
) -> None:
    # given
    ada, _ = expired_then_taken(till)
    before = till.everything(ada)
    calls = till.gateway.calls
    # when
    with pytest.raises(InsufficientStock) as caught:
        till.app.cashier.charge(ada, "tok_visa")
    # then the gateway was never asked, and nothing was claimed or recorded
    assert (caught.value.sku, caught.value.shortfall) == ("MUG", 2)
    assert till.gateway.calls == calls
    assert till.gateway.movements == []
    assert till.everything(ada) == before
    # the same for a payment by hand
    with pytest.raises(InsufficientStock):
        till.app.cashier.record_payment(ada)
    assert till.everything(ada) == before


def test_a_deposit_on_an_order_whose_stock_is_gone_is_still_taken(till: Till) -> None:
    # a deposit does not complete the order, so it does not need the stock yet
    ada, _ = expired_then_taken(till)
    deposit = till.app.cashier.charge(ada, "tok_visa", money("10.00"))
    assert deposit.succeeded
    assert till.stock() == (5, 5, 0)


def test_a_payment_that_completes_an_unsent_draft_checks_the_stock_first(
    make_till: MakeTill,
) -> None:
    till = make_till(mugs=1)
    order_id = till.order()
    before = till.everything(order_id)
    calls = till.gateway.calls
    with pytest.raises(InsufficientStock):
        till.app.cashier.charge(order_id, "tok_visa")
    assert till.gateway.calls == calls
    assert till.everything(order_id) == before
    assert till.status(order_id) is Status.DRAFT


# -- refunds with restock --------------------------------------------------------------------


def paid(till: Till, quantity: int = 2) -> tuple[str, str]:
    """An order for ``quantity`` mugs, sent and paid in full (so committed): (order, sale)."""
    order_id = till.order(("MUG", quantity))
    till.app.invoicing.send(order_id)
    sale = till.app.cashier.charge(order_id, "tok_visa")
    assert sale.order.status is Status.COMPLETED
    return order_id, sale.transaction.id


def test_a_refund_with_restock_returns_the_units_to_stock(till: Till) -> None:
    # given
    order_id, sale_id = paid(till)
    assert till.stock() == (3, 0, 3)
    later = NOW + dt.timedelta(days=3)
    till.at(later)
    # when one mug comes back
    refund = till.app.cashier.refund(order_id, sale_id, money("12.99"), restock=[("L1", 1)])
    # then
    assert refund.succeeded
    assert till.stock() == (4, 0, 4)
    assert till.history()[-1] == InventoryChange(
        order_id, "MUG", None, 1, Reason.RESTOCKED, later, 4, 4
    )
    # and the other one later
    till.app.cashier.refund(order_id, sale_id, money("1.00"), restock=[("L1", 1)])
    assert till.stock() == (5, 0, 5)
    # and no more than the line sold
    with pytest.raises(ValidationError) as caught:
        till.app.cashier.refund(order_id, sale_id, money("1.00"), restock=[("L1", 1)])
    assert caught.value.field == "restock"
    assert till.stock() == (5, 0, 5)


def test_a_refund_without_restock_leaves_the_stock_alone(till: Till) -> None:
    order_id, sale_id = paid(till)
    history = till.history()
    till.app.cashier.refund(order_id, sale_id, money("5.00"), reason="goodwill")
    assert till.stock() == (3, 0, 3)
    assert till.history() == history


def test_a_declined_refund_returns_nothing_to_stock_and_its_retry_does(
    make_till: MakeTill,
) -> None:
    class RefusesFirstRefund(FakeGateway):
        declined = False

        def refund(self, reference: str, amount: Money, *, idempotency_key: str) -> GatewayResult:
            if not self.declined:
                self.declined = True
                return GatewayResult(Outcome.DECLINED, amount, reference, "refund_failed")
            return super().refund(reference, amount, idempotency_key=idempotency_key)

    # given
    till = make_till(gateway=RefusesFirstRefund())
    order_id, sale_id = paid(till)
    # when
    declined = till.app.cashier.refund(order_id, sale_id, money("25.98"), restock=[("L1", 2)])
    # then
    assert declined.transaction.status is TransactionStatus.FAILURE
    assert till.stock() == (3, 0, 3)
    assert Reason.RESTOCKED not in [c.reason for c in till.history()]
    # when tried again
    till.app.cashier.refund(order_id, sale_id, money("25.98"), restock=[("L1", 2)])
    # then
    assert till.stock() == (5, 0, 5)


def test_a_refund_that_fails_at_the_gateway_restocks_once_it_is_reconciled(till: Till) -> None:
    # given
    order_id, sale_id = paid(till)
    till.gateway.fail_next()
    # when
    with pytest.raises(GatewayFailed):
        till.app.cashier.refund(order_id, sale_id, restock=[("L1", 2)])
    # then nothing came back yet: the refund may not have happened
    assert till.stock() == (3, 0, 3)
    # when the open refund is reconciled and the gateway makes it
    till.app.cashier.reconcile()
    # then the mugs are back, once
    assert till.stock() == (5, 0, 5)
    assert [c.reason for c in till.history(order_id=order_id)].count(Reason.RESTOCKED) == 1


def test_refunding_a_deposit_with_restock_is_refused_as_no_stock_left(till: Till) -> None:
    # given a sent invoice with a deposit: the mugs are reserved, not taken
    order_id = till.order()
    till.app.invoicing.send(order_id)
    deposit = till.app.cashier.charge(order_id, "tok_visa", money("10.00")).transaction
    before = till.everything(order_id)
    # when the deposit is refunded with "restock" lines
    with pytest.raises(ValidationError) as caught:
        till.app.cashier.refund(order_id, deposit.id, restock=[("L1", 2)])
    # then it is refused and nothing changed: there are still five mugs, two reserved
    assert caught.value.field == "restock"
    assert till.everything(order_id) == before
    assert till.stock() == (5, 2, 3)


def test_a_pending_refund_with_restock_returns_the_units_when_it_settles(
    make_till: MakeTill,
) -> None:
    class PendingRefunds(FakeGateway):
        def refund(self, reference: str, amount: Money, *, idempotency_key: str) -> GatewayResult:
            super().refund(reference, amount, idempotency_key=idempotency_key)
            return GatewayResult(Outcome.PENDING, amount, reference)

    # given a paid order, and a refund with restock the gateway has not settled yet
    till = make_till(gateway=PendingRefunds())
    order_id, sale_id = paid(till)
    pending = till.app.cashier.refund(order_id, sale_id, restock=[("L1", 2)]).transaction
    assert pending.status is TransactionStatus.PENDING
    assert till.stock() == (3, 0, 3)  # not yet: the refund may still fail
    # when it settles
    settled = till.app.cashier.settle(order_id, pending.id, approved=True)
    # then the mugs are back
    assert settled.succeeded
    assert till.stock() == (5, 0, 5)


# -- what is not counted -----------------------------------------------------------------------


def test_untracked_skus_and_custom_items_are_not_counted(till: Till) -> None:
    # given an order of mugs (tracked), lots of tea (not tracked) and a custom item
    created = till.app.drafts.create(customer=ADA)
    order_id = till.app.drafts.edit(
        created.id,
        lambda o: o.add_product(catalog(), "MUG", 2),
        lambda o: o.add_product(catalog(), "TEA", 1000),
        lambda o: o.add_custom_item("Engraving", "5.00", 3),
    ).id
    # when it goes through its whole life
    till.app.invoicing.send(order_id)
    sale = till.app.cashier.charge(order_id, "tok_visa").transaction
    till.app.cashier.refund(order_id, sale.id, money("1.00"), restock=[("L2", 10), ("L3", 1)])
    # then only the mugs moved
    assert {c.sku for c in till.history()} == {"MUG"}
    assert till.stock() == (3, 0, 3)
    assert not till.app.stock.tracks("TEA")


def test_an_order_with_nothing_tracked_holds_no_reservation(till: Till) -> None:
    order_id = till.order(("TEA", 4))
    till.app.invoicing.send(order_id)
    assert not till.app.stock.is_reserved(order_id)
    assert till.history() == []


def test_a_shop_tracking_nothing_sells_anything(make_till: MakeTill) -> None:
    till = make_till(mugs=None)
    order_id = till.order(("MUG", 500))
    till.app.invoicing.send(order_id)
    till.app.cashier.charge(order_id, "tok_visa")
    assert till.status(order_id) is Status.COMPLETED
    assert till.history() == []
    assert till.app.stock.levels() == []


# -- locations ---------------------------------------------------------------------------------


def test_orders_draw_from_the_fulfilment_location_only(make_till: MakeTill) -> None:
    # given ten mugs at the unnamed location, three at WH2, and a shop fulfilling from WH2
    till = make_till(mugs=10, fulfil_from="WH2")
    till.app.stock.track("MUG", 3, location="WH2")
    # when an order wants more than WH2 has
    with pytest.raises(InsufficientStock) as caught:
        till.app.invoicing.send(till.order(("MUG", 4)))
    # then it is refused, whatever the other location has
    assert (caught.value.available, caught.value.shortfall) == (3, 1)
    # when an order fits
    order_id = till.order(("MUG", 2), customer=GRACE)
    till.app.invoicing.send(order_id)
    sale = till.app.cashier.charge(order_id, "tok_visa").transaction
    till.app.cashier.refund(order_id, sale.id, money("1.00"), restock=[("L1", 1)])
    # then only WH2 moved, and the history says where
    assert till.stock("MUG") == (10, 0, 10)
    assert till.level("MUG", "WH2").on_hand == 2
    assert [(c.location, c.reason, c.change) for c in till.history()] == [
        ("WH2", Reason.RESERVED, -2),
        ("WH2", Reason.COMMITTED, -2),
        ("WH2", Reason.RESTOCKED, 1),
    ]


def test_a_sku_not_tracked_at_the_fulfilment_location_is_not_counted(make_till: MakeTill) -> None:
    till = make_till(mugs=1, fulfil_from="WH2")  # at the unnamed location only
    order_id = till.order(("MUG", 5))
    till.app.invoicing.send(order_id)
    till.app.drafts.complete_unpaid(order_id)
    assert till.history() == []
    assert till.stock() == (1, 0, 1)


def test_an_order_reserved_before_the_fulfilment_location_moved_can_still_be_paid(
    till: Till, make_till: MakeTill
) -> None:
    # given an invoice sent while orders were filled from the unnamed location
    till.app.stock.track("MUG", 3, location="WH2")
    order_id = till.order()
    till.app.invoicing.send(order_id)
    # when the shop now fills orders from WH2, and the invoice is paid
    moved = make_till(
        mugs=None,
        store=till.app.ports.store,
        clock=till.clock,
        gateway=till.gateway,
        fulfil_from="WH2",
    )
    paid = moved.app.cashier.charge(order_id, "tok_visa")
    # then the order completes: its units come from WH2, and its old reservation ends
    assert paid.order.status is Status.COMPLETED
    assert (till.stock(), till.stock("MUG", "WH2")) == ((5, 0, 5), (1, 0, 1))


# -- history -----------------------------------------------------------------------------------


def test_history_filters_by_order_and_by_sku(till: Till) -> None:
    # given moves of two orders on two SKUs, and a delivery
    till.app.stock.track("TEA", 10)
    ada = till.order(("MUG", 2), ("TEA", 1))
    grace = till.order(("TEA", 3), customer=GRACE)
    till.app.invoicing.send(ada)
    till.app.invoicing.send(grace)
    till.app.stock.adjust("MUG", 4)
    till.app.drafts.revert_to_draft(grace)
    # then
    everything = till.history()
    assert reasons(everything) == [
        (ada, "MUG", -2, Reason.RESERVED),
        (ada, "TEA", -1, Reason.RESERVED),
        (grace, "TEA", -3, Reason.RESERVED),
        (None, "MUG", 4, Reason.ADJUSTED),
        (grace, "TEA", 3, Reason.RELEASED),
    ]
    assert till.history(order_id=ada) == everything[:2]
    assert till.history(order_id=grace) == [everything[2], everything[4]]
    assert till.history(sku="MUG") == [everything[0], everything[3]]
    assert till.history(order_id=grace, sku="MUG") == []
    assert till.history(order_id="D9999") == []
    # and a history read is a copy
    everything.clear()
    assert len(till.history()) == 5


# -- a restart ---------------------------------------------------------------------------------


def test_a_restarted_shop_sees_the_same_levels_reservations_and_history(
    stores: Stores, make_till: MakeTill
) -> None:
    # given a shop that tracked stock, reserved, committed, restocked and released
    till = make_till()
    till.app.stock.track("KETTLE", 0, policy=BACKORDER, location="WH2")
    till.app.stock.adjust("MUG", 3)
    held = till.order(("MUG", 1))
    till.app.invoicing.send(held)
    order_id, sale_id = paid(till)
    till.app.cashier.refund(order_id, sale_id, money("1.00"), restock=[("L1", 1)])
    reverted = till.order(("MUG", 2), customer=GRACE)
    till.app.invoicing.send(reverted)
    till.app.drafts.revert_to_draft(reverted)
    ids = (held, order_id, reverted)
    seen = (
        till.app.stock.levels(),
        till.history(),
        [(till.app.stock.is_reserved(i), till.app.stock.reserved_until(i)) for i in ids],
    )
    assert seen[2] == [(True, NOW + TWO_WEEKS), (False, None), (False, None)]
    # when the process stops and another opens the same database
    store = till.app.ports.store
    store.close()
    again = make_till(mugs=None, store=stores.reopen(store), clock=till.clock, gateway=till.gateway)
    try:
        # then it sees the same stock
        assert (
            again.app.stock.levels(),
            again.history(),
            [(again.app.stock.is_reserved(i), again.app.stock.reserved_until(i)) for i in ids],
        ) == seen
        # and carries on from it: the reservation made before the restart expires, and what
        # the completed order took can still come back
        again.at(NOW + TWO_WEEKS)
        assert again.app.stock.expire_reservations() == [held]
        again.app.cashier.refund(order_id, sale_id, money("1.00"), restock=[("L1", 1)])
        assert again.stock() == (8, 0, 8)
    finally:
        again.app.ports.store.close()


# -- a property over random sequences --------------------------------------------------------

ORDERS = 3
STOCK_MOVES = (Reason.ADJUSTED, Reason.COMMITTED, Reason.RESTOCKED)

actions = st.one_of(
    st.tuples(st.just("send"), st.integers(0, ORDERS - 1)),
    st.tuples(st.just("revert"), st.integers(0, ORDERS - 1)),
    st.tuples(st.just("cancel"), st.integers(0, ORDERS - 1)),
    st.tuples(st.just("complete"), st.integers(0, ORDERS - 1), st.sampled_from(["pay", "hand"])),
    st.tuples(st.just("refund"), st.integers(0, ORDERS - 1), st.integers(1, 3)),
    st.tuples(st.just("adjust"), st.sampled_from(["MUG", "TEA"]), st.integers(-4, 6)),
    st.tuples(st.just("wait"), st.integers(1, 20)),
)


def outstanding(changes: list[InventoryChange]) -> int:
    """What the history says one order holds reserved of one SKU."""
    held = 0
    for change in changes:
        if change.reason in (Reason.RESERVED, Reason.RELEASED, Reason.EXPIRED):
            held -= change.change  # a reservation is -q, its release +q
        elif change.reason is Reason.COMMITTED:
            held = 0
    return held


def check_invariants(till: Till, initial: dict[str, int], order_ids: list[str]) -> None:
    stock = till.app.stock
    for sku, start in initial.items():
        level = stock.level(sku)
        changes = stock.history(sku=sku)
        # on hand is where it started plus every move of stock in or out
        assert level.on_hand == start + sum(c.change for c in changes if c.reason in STOCK_MOVES)
        # reserved is what the orders' reservations add up to
        orders = {c.order_id for c in changes if c.order_id is not None}
        held = {oid: outstanding(stock.history(order_id=oid, sku=sku)) for oid in orders}
        assert level.reserved == sum(held.values())
        assert level.reserved >= 0
        assert all(h >= 0 for h in held.values())
        # each change wrote the levels after it
        if changes:
            assert (changes[-1].on_hand, changes[-1].available) == (level.on_hand, level.available)
        if level.policy is DENY:
            assert level.available >= 0
            assert level.on_hand >= 0
            assert all(c.backordered == 0 for c in changes)
        for oid in orders:
            mine = stock.history(order_id=oid, sku=sku)
            committed = [c for c in mine if c.reason is Reason.COMMITTED]
            assert len(committed) <= 1  # committed once
            restocked = sum(c.change for c in mine if c.reason is Reason.RESTOCKED)
            assert restocked <= -sum(c.change for c in committed)  # never more than was taken
    for oid in order_ids:
        # only a sent invoice holds stock once every call has returned
        if stock.is_reserved(oid):
            assert till.status(oid) is Status.INVOICE_SENT


HISTORIES = {
    "mugs": st.integers(0, 6),
    "teas": st.integers(0, 6),
    "mug_policy": st.sampled_from(InventoryPolicy),
    "tea_policy": st.sampled_from(InventoryPolicy),
    "quantities": st.lists(
        st.tuples(st.integers(0, 3), st.integers(0, 3)).filter(any),
        min_size=ORDERS,
        max_size=ORDERS,
    ),
    "steps": st.lists(actions, min_size=1, max_size=16),
}
"""Random shops and the moves made on them."""
SLOW = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture]


@pytest.mark.parametrize("stores", ["memory"], indirect=True)
@settings(suppress_health_check=SLOW)
@given(**HISTORIES)
def test_the_levels_always_agree_with_the_history(
    make_till: MakeTill,
    mugs: int,
    teas: int,
    mug_policy: InventoryPolicy,
    tea_policy: InventoryPolicy,
    quantities: list[tuple[int, int]],
    steps: list[tuple[Any, ...]],
) -> None:
    till = make_till(mugs=mugs, policy=mug_policy)
    run_steps(till, teas, tea_policy, quantities, steps, {"MUG": mugs, "TEA": teas})


@pytest.mark.parametrize("stores", ["sqlite"], indirect=True)
@settings(suppress_health_check=SLOW, max_examples=40)  # each example commits to a file
@given(**HISTORIES)
def test_the_levels_always_agree_with_the_history_in_a_sql_store(
    make_till: MakeTill,
    mugs: int,
    teas: int,
    mug_policy: InventoryPolicy,
    tea_policy: InventoryPolicy,
    quantities: list[tuple[int, int]],
    steps: list[tuple[Any, ...]],
) -> None:
    till = make_till(mugs=mugs, policy=mug_policy)
    try:
        run_steps(till, teas, tea_policy, quantities, steps, {"MUG": mugs, "TEA": teas})
    finally:
        till.app.ports.store.close()


def run_steps(
    till: Till,
    teas: int,
    tea_policy: InventoryPolicy,
    quantities: list[tuple[int, int]],
    steps: list[tuple[Any, ...]],
    initial: dict[str, int],
) -> None:
    stock = till.app.stock
    stock.track("TEA", teas, policy=tea_policy)
    order_ids = [
        till.order(*[(sku, q) for sku, q in zip(("MUG", "TEA"), pair, strict=True) if q])
        for pair in quantities
    ]
    sales: dict[str, str] = {}  # order -> the transaction that paid it
    now = NOW
    for step in steps:
        name = step[0]
        before = (till.stock("MUG"), till.stock("TEA"), stock.history())
        if name == "wait":
            now += dt.timedelta(days=step[1])
            till.at(now)
            expired = stock.expire_reservations()
            new = stock.history()[len(before[2]) :]
            assert all(c.reason is Reason.EXPIRED for c in new)
            assert {c.order_id for c in new} == set(expired)
        elif name == "adjust":
            sku, change = step[1], step[2]
            level = till.level(sku)
            limit = level.on_hand
            if level.policy is DENY:
                limit = min(limit, level.available)
            if change == 0:
                with pytest.raises(ValidationError):
                    stock.adjust(sku, change)
            elif change < 0 and -change > limit:
                with pytest.raises(InsufficientStock):
                    stock.adjust(sku, change)
                assert stock.history() == before[2]
            else:
                assert stock.adjust(sku, change).on_hand == level.on_hand + change
        else:
            # the step acts on one of the orders it applies to (if any), picked by its number
            status_of = {oid: till.status(oid) for oid in order_ids}
            open_ = (Status.DRAFT, Status.INVOICE_SENT)
            eligible = {
                "send": [o for o in order_ids if status_of[o] is Status.DRAFT],
                "revert": [o for o in order_ids if status_of[o] is Status.INVOICE_SENT],
                "cancel": [o for o in order_ids if status_of[o] in open_],
                "complete": [o for o in order_ids if status_of[o] in open_],
                "refund": [o for o in order_ids if o in sales],
            }[name]
            if not eligible:
                continue
            oid = eligible[step[1] % len(eligible)]
            status = status_of[oid]
            if name == "send":
                try:
                    till.app.invoicing.send(oid)
                except InsufficientStock:
                    assert till.status(oid) is Status.DRAFT
                    assert (till.stock("MUG"), till.stock("TEA")) == before[:2]
                    assert stock.history() == before[2]
            elif name == "revert":
                till.app.drafts.revert_to_draft(oid)
                assert not stock.is_reserved(oid)
            elif name == "cancel":
                till.app.drafts.cancel(oid)
                assert not stock.is_reserved(oid)
            elif name == "complete":
                calls = till.gateway.calls
                try:
                    if step[2] == "pay":
                        sales[oid] = till.app.cashier.charge(oid, "tok_visa").transaction.id
                    else:
                        till.app.drafts.complete_unpaid(oid)
                        sales[oid] = till.app.cashier.record_payment(oid).transaction.id
                except InsufficientStock:
                    assert till.gateway.calls == calls
                    assert till.app.cashier.transactions(oid) == []
                    assert till.status(oid) is status
                    assert stock.history() == before[2]
                else:
                    assert till.status(oid) is Status.COMPLETED
                    assert not stock.is_reserved(oid)
            elif name == "refund":
                line = till.app.drafts.get(oid).lines[0]
                returned = sum(
                    q
                    for t in till.app.cashier.transactions(oid)
                    if t.succeeded
                    for line_id, q in t.restock
                    if line_id == line.id
                )
                quantity = min(step[2], line.quantity - returned)
                if quantity > 0:
                    till.app.cashier.refund(
                        oid, sales[oid], money("0.01"), restock=[(line.id, quantity)]
                    )
        check_invariants(till, initial, order_ids)

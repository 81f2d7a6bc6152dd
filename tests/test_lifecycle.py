"""The lifecycle draft -> invoice_sent -> completed (or cancelled), and the lock on orders that
left draft."""

from __future__ import annotations

import copy
from collections.abc import Callable

import attrs
import pytest

from builders import EDITS, TODAY, catalog, editable_order, empty_order, flat_tax, money
from draftorders import (
    Action,
    Customer,
    DraftOrder,
    InvalidTransition,
    InvoiceOutdated,
    InvoiceSent,
    OrderCancelled,
    OrderCompleted,
    OrderLocked,
    PricingContext,
    RevertedToDraft,
    Status,
    ValidationError,
    lifecycle,
    price,
)
from draftorders.lifecycle import (
    allowed_actions,
    cancel,
    complete,
    resend_invoice,
    revert_to_draft,
    send_invoice,
)
from draftorders.promotions import OrderAmountOff, Promotion, PromotionBook

CONTEXT = flat_tax()

TABLE = [
    ("draft", "send_invoice", "invoice_sent"),
    ("draft", "complete", "completed"),
    ("draft", "cancel", "cancelled"),
    ("invoice_sent", "resend_invoice", "invoice_sent"),
    ("invoice_sent", "revert_to_draft", "draft"),
    ("invoice_sent", "complete", "completed"),
    ("invoice_sent", "cancel", "cancelled"),
]
"""The transition table, as the lifecycle module docstring states it."""

KEEPS_THE_VERSION = {"resend_invoice"}
"""Actions that leave the order as it is: a re-sent invoice is the same invoice."""


NOT_EDITS = {"new", "line", "duplicate", "remove_charge"}
"""Not edits of their own: constructors, readers, and deprecated names of edits."""


def ready_order() -> DraftOrder:
    """A draft every edit applies to: a line L1 (two mugs), shipping, a code and a debit."""
    return editable_order()


def sent_order() -> DraftOrder:
    order = ready_order()
    return send_invoice(order, price(order, CONTEXT)).order


def completed_order() -> DraftOrder:
    order = ready_order()
    return complete(order, price(order, CONTEXT)).order


def cancelled_order() -> DraftOrder:
    return cancel(ready_order()).order


def perform(order: DraftOrder, action: str) -> lifecycle.Transition:
    if action == "send_invoice":
        return send_invoice(order, price(order, CONTEXT))
    if action == "resend_invoice":
        return resend_invoice(order, price(order, CONTEXT))
    if action == "complete":
        return complete(order, price(order, CONTEXT))
    if action == "cancel":
        return cancel(order)
    return revert_to_draft(order)


def order_in(status: str) -> DraftOrder:
    return {
        "draft": ready_order,
        "invoice_sent": sent_order,
        "completed": completed_order,
        "cancelled": cancelled_order,
    }[status]()


# -- the lock ---------------------------------------------------------------------------------


def test_the_edit_table_covers_every_public_edit_of_a_draft_order() -> None:
    # given
    public = {
        name
        for name in dir(DraftOrder)
        if not name.startswith("_") and callable(getattr(DraftOrder, name))
    }
    # when
    edits = public - NOT_EDITS
    # then
    assert edits == set(EDITS)


@pytest.mark.parametrize("name", sorted(EDITS))
def test_every_edit_in_the_table_is_accepted_on_a_draft(name: str) -> None:
    # given
    order = ready_order()
    # when
    edited = EDITS[name](order)
    # then
    assert edited.version == order.version + 1
    assert edited != order


@pytest.mark.parametrize("name", sorted(EDITS))
def test_any_edit_of_a_sent_order_is_refused_and_leaves_it_unchanged(name: str) -> None:
    # given
    order = sent_order()
    before = copy.deepcopy(order)
    # when
    with pytest.raises(OrderLocked) as caught:
        EDITS[name](order)
    # then
    assert caught.value.status == "invoice_sent"
    assert order == before
    assert order.version == before.version


@pytest.mark.parametrize("name", sorted(EDITS))
def test_any_edit_of_a_completed_order_is_refused_and_leaves_it_unchanged(name: str) -> None:
    # given
    order = completed_order()
    before = copy.deepcopy(order)
    # when
    with pytest.raises(OrderLocked) as caught:
        EDITS[name](order)
    # then
    assert caught.value.status == "completed"
    assert order == before
    assert order.version == before.version


@pytest.mark.parametrize("name", sorted(EDITS))
def test_any_edit_of_a_cancelled_order_is_refused_and_leaves_it_unchanged(name: str) -> None:
    # given
    order = cancelled_order()
    before = copy.deepcopy(order)
    # when
    with pytest.raises(OrderLocked) as caught:
        EDITS[name](order)
    # then
    assert caught.value.status == "cancelled"
    assert order == before
    assert order.version == before.version


def test_order_locked_carries_the_status_the_order_id_and_the_edit() -> None:
    # given
    order = sent_order()
    # when
    with pytest.raises(OrderLocked) as caught:
        order.set_notes("too late")
    # then
    error = caught.value
    assert (error.status, error.order_id, error.edit) == ("invoice_sent", order.id, "set notes")


@pytest.mark.parametrize("status", ["invoice_sent", "completed", "cancelled"])
def test_an_order_that_left_draft_reports_itself_locked(status: str) -> None:
    # given
    order = order_in(status)
    # when
    locked = order.is_locked
    # then
    assert locked is True


def test_a_draft_is_not_locked() -> None:
    # given
    order = ready_order()
    # when
    locked = order.is_locked
    # then
    assert locked is False


# -- revert to draft --------------------------------------------------------------------------


def test_reverting_a_sent_order_unlocks_it_for_editing() -> None:
    # given
    order = sent_order()
    # when
    reverted = revert_to_draft(order).order
    # then
    assert reverted.status is Status.DRAFT
    assert reverted.set_notes("fixed").notes == "fixed"


def test_reverting_a_sent_order_bumps_its_version() -> None:
    # given
    order = sent_order()
    # when
    reverted = revert_to_draft(order).order
    # then
    assert reverted.version == order.version + 1


def test_reverting_emits_reverted_to_draft_naming_the_stale_version() -> None:
    # given
    draft = ready_order()
    sent = send_invoice(draft, price(draft, CONTEXT))
    # when
    reverted = revert_to_draft(sent.order)
    # then
    (invoice,) = sent.events
    assert reverted.events == (
        RevertedToDraft(
            order_id=draft.id, stale_version=sent.order.version, version=sent.order.version + 1
        ),
    )
    assert isinstance(invoice, InvoiceSent)
    assert reverted.events[0].stale_version == invoice.version


def test_a_completed_order_cannot_be_reverted_and_nothing_is_allowed() -> None:
    # given
    order = completed_order()
    # when
    with pytest.raises(InvalidTransition) as caught:
        revert_to_draft(order)
    # then
    error = caught.value
    assert (error.status, error.action, error.allowed) == ("completed", "revert_to_draft", ())
    assert error.order_id == order.id


def test_a_draft_cannot_be_reverted_to_draft() -> None:
    # given
    order = ready_order()
    # when
    with pytest.raises(InvalidTransition) as caught:
        revert_to_draft(order)
    # then
    assert caught.value.status == "draft"
    assert set(caught.value.allowed) == {"send_invoice", "complete", "cancel"}


# -- other refused transitions ----------------------------------------------------------------


def test_sending_an_invoice_twice_is_refused_listing_the_allowed_actions() -> None:
    # given
    order = sent_order()
    # when
    with pytest.raises(InvalidTransition) as caught:
        send_invoice(order, price(order, CONTEXT))
    # then
    error = caught.value
    assert (error.order_id, error.status, error.action) == (
        order.id,
        "invoice_sent",
        "send_invoice",
    )
    assert set(error.allowed) == {"resend_invoice", "revert_to_draft", "complete", "cancel"}


def test_completing_a_completed_order_again_is_refused() -> None:
    # given
    order = completed_order()
    # when
    with pytest.raises(InvalidTransition) as caught:
        complete(order, price(order, CONTEXT))
    # then
    assert caught.value.allowed == ()


@pytest.mark.parametrize("status", ["completed", "cancelled"])
def test_a_final_order_cannot_be_cancelled_and_nothing_is_allowed(status: str) -> None:
    # given
    order = order_in(status)
    before = copy.deepcopy(order)
    # when
    with pytest.raises(InvalidTransition) as caught:
        cancel(order, "too late")
    # then
    error = caught.value
    assert (error.order_id, error.status, error.action, error.allowed) == (
        order.id,
        status,
        "cancel",
        (),
    )
    assert order == before


def test_the_invoice_of_a_cancelled_order_is_no_longer_payable() -> None:
    # given
    sent = sent_order()
    cancelled = cancel(sent).order
    # when
    with pytest.raises(InvalidTransition) as caught:
        complete(cancelled, price(cancelled, CONTEXT))
    # then
    assert (caught.value.status, caught.value.action) == ("cancelled", "complete")
    assert cancelled.invoiced_total == sent.invoiced_total


@pytest.mark.parametrize("action", [send_invoice, complete], ids=["send", "complete"])
def test_an_order_with_no_lines_cannot_be_sent_or_completed(
    action: Callable[..., lifecycle.Transition],
) -> None:
    # given
    order = empty_order()
    # when
    with pytest.raises(ValidationError) as caught:
        action(order, price(order, CONTEXT))
    # then
    assert caught.value.field == "lines"


def test_an_order_whose_lines_were_all_removed_cannot_be_sent() -> None:
    # given
    order = ready_order().remove_line("L1")
    # when
    with pytest.raises(ValidationError) as caught:
        send_invoice(order, price(order, CONTEXT))
    # then
    assert caught.value.field == "lines"


@pytest.mark.parametrize("action", [send_invoice, complete], ids=["send", "complete"])
def test_a_breakdown_of_another_version_is_refused(
    action: Callable[..., lifecycle.Transition],
) -> None:
    # given
    order = ready_order()
    stale = price(order, CONTEXT)
    edited = order.set_quantity("L1", 5)
    # when
    with pytest.raises(ValidationError) as caught:
        action(edited, stale)
    # then
    assert caught.value.field == "priced"


def test_a_breakdown_of_another_order_is_refused() -> None:
    # given
    order = ready_order()
    other = order.duplicate("D2002", order.order_date)
    # when
    with pytest.raises(ValidationError) as caught:
        send_invoice(order, price(other, CONTEXT))
    # then
    assert caught.value.field == "priced"


# -- the table --------------------------------------------------------------------------------


def test_the_module_docstring_states_the_transition_table() -> None:
    # given
    doc = lifecycle.__doc__ or ""
    # when
    rows = [
        tuple(line.split())
        for line in doc.splitlines()
        if len(line.split()) == 3 and not line.startswith("=") and line.split()[0] != "from"
    ]
    # then
    assert rows == TABLE


@pytest.mark.parametrize("status", list(Status), ids=lambda s: s.value)
def test_allowed_actions_match_the_transition_table(status: Status) -> None:
    # given
    expected = {action for source, action, _ in TABLE if source == status.value}
    # when
    allowed = allowed_actions(status)
    # then
    assert all(isinstance(action, Action) for action in allowed)
    assert {action.value for action in allowed} == expected


@pytest.mark.parametrize(("source", "action", "target"), TABLE)
def test_each_transition_in_the_table_moves_to_its_target_and_bumps_the_version_unless_a_resend(
    source: str, action: str, target: str
) -> None:
    # given
    order = order_in(source)
    # when
    moved = perform(order, action).order
    # then
    assert moved.status.value == target
    bump = 0 if action in KEEPS_THE_VERSION else 1
    assert moved.version == order.version + bump


@pytest.mark.parametrize(
    ("source", "action"),
    [
        (status.value, action.value)
        for status in Status
        for action in Action
        if (status.value, action.value) not in {(s, a) for s, a, _ in TABLE}
    ],
)
def test_every_transition_not_in_the_table_is_refused(source: str, action: str) -> None:
    # given
    order = order_in(source)
    # when
    with pytest.raises(InvalidTransition) as caught:
        perform(order, action)
    # then
    assert (caught.value.status, caught.value.action) == (source, action)


# -- events -----------------------------------------------------------------------------------


def test_sending_an_invoice_emits_invoice_sent_with_the_total() -> None:
    # given
    order = ready_order()
    priced = price(order, CONTEXT)
    # when
    transition = send_invoice(order, priced)
    # then
    assert transition.events == (
        InvoiceSent(order_id=order.id, version=transition.order.version, total=priced.total),
    )
    assert priced.total == money("35.62")  # 2 x 12.99 + tax 2.14 + shipping 5.00 + handling 2.50


def test_completing_emits_order_completed_with_the_total_and_fixes_it() -> None:
    # given
    order = sent_order()
    priced = price(order, CONTEXT)
    # when
    transition = complete(order, priced)
    # then
    assert transition.events == (
        OrderCompleted(order_id=order.id, version=transition.order.version, total=priced.total),
    )
    assert transition.order.status is Status.COMPLETED
    assert transition.order.completed_total == priced.total


def test_completing_names_the_customer_and_the_promotions_used() -> None:
    # given
    order = ready_order().set_customer(Customer(id="C1", name="Ada"))
    spring = Promotion("SPRING", "1.00 off", OrderAmountOff(money("1.00")))
    priced = price(order, attrs.evolve(CONTEXT, promotions=PromotionBook([spring])))
    # when
    transition = complete(order, priced)
    # then
    (event,) = transition.events
    assert event == OrderCompleted(
        order.id, transition.order.version, priced.total, ("SPRING",), "C1"
    )
    assert priced.applied_promotions == ("SPRING",)


@pytest.mark.parametrize("source", ["draft", "invoice_sent"])
def test_cancelling_emits_order_cancelled_with_the_reason(source: str) -> None:
    # given
    order = order_in(source)
    # when
    transition = cancel(order, "customer changed their mind")
    # then
    assert transition.events == (
        OrderCancelled(order.id, order.version + 1, "customer changed their mind"),
    )
    assert transition.order.status is Status.CANCELLED


def test_a_cancel_needs_no_reason() -> None:
    # when
    (event,) = cancel(ready_order()).events
    # then
    assert isinstance(event, OrderCancelled)
    assert event.reason is None


@pytest.mark.parametrize(
    "bad_edit",
    [
        lambda o: o.add_product(catalog(), "NOPE"),
        lambda o: o.add_custom_item("X", 9.95),
        lambda o: o.set_shipping("Ground", 9.95),
        lambda o: o.set_unit_price("NOPE", money("1.00")),
        lambda o: o.remove_line("NOPE"),
        lambda o: o.set_discount_percentage("L1", "150"),
    ],
    ids=["unknown-sku", "float-price", "float-shipping", "unknown-line", "remove", "percent"],
)
def test_a_locked_order_says_it_is_locked_before_judging_the_edit_arguments(
    bad_edit: Callable[[DraftOrder], DraftOrder],
) -> None:
    sent = sent_order()
    with pytest.raises(OrderLocked):
        bad_edit(sent)


def test_sending_records_the_invoiced_total_and_reverting_clears_it() -> None:
    # given
    order = ready_order()
    priced = price(order, CONTEXT)
    # when
    sent = send_invoice(order, priced).order
    reverted = revert_to_draft(sent).order
    # then
    assert sent.invoiced_total == priced.total
    assert reverted.invoiced_total is None
    assert sent.duplicate("D2002", TODAY).invoiced_total is None


def test_a_sent_invoice_is_not_paid_at_another_total_and_nothing_changes() -> None:
    # given an order invoiced with 8.25% tax, now priced with none
    sent = sent_order()
    before = copy.deepcopy(sent)
    repriced = price(sent, PricingContext())
    # when
    with pytest.raises(InvoiceOutdated) as caught:
        complete(sent, repriced)
    # then
    assert caught.value.invoiced == sent.invoiced_total
    assert caught.value.now == repriced.total
    assert sent == before


# -- resend -----------------------------------------------------------------------------------


def test_resending_leaves_the_order_as_it_is_at_the_same_version() -> None:
    # given
    order = sent_order()
    before = copy.deepcopy(order)
    # when
    transition = resend_invoice(order, price(order, CONTEXT))
    # then
    assert transition.order == before
    assert transition.order.version == before.version
    assert transition.order.status is Status.INVOICE_SENT


def test_resending_emits_invoice_sent_marked_resent_with_the_invoiced_total() -> None:
    # given
    order = sent_order()
    priced = price(order, CONTEXT)
    # when
    transition = resend_invoice(order, priced)
    # then
    assert transition.events == (
        InvoiceSent(order_id=order.id, version=order.version, total=priced.total, resent=True),
    )
    assert priced.total == order.invoiced_total


def test_a_first_send_is_not_marked_resent() -> None:
    # given
    order = ready_order()
    # when
    (event,) = send_invoice(order, price(order, CONTEXT)).events
    # then
    assert isinstance(event, InvoiceSent)
    assert event.resent is False


def test_resending_an_invoice_whose_total_changed_is_refused_and_nothing_changes() -> None:
    # given an order invoiced with 8.25% tax, now priced with none
    sent = sent_order()
    before = copy.deepcopy(sent)
    repriced = price(sent, PricingContext())
    # when
    with pytest.raises(InvoiceOutdated) as caught:
        resend_invoice(sent, repriced)
    # then
    assert (caught.value.order_id, caught.value.invoiced, caught.value.now) == (
        sent.id,
        sent.invoiced_total,
        repriced.total,
    )
    assert repriced.total != sent.invoiced_total
    assert sent == before


@pytest.mark.parametrize("status", ["draft", "completed", "cancelled"])
def test_only_a_sent_invoice_can_be_resent(status: str) -> None:
    # given
    order = order_in(status)
    before = copy.deepcopy(order)
    # when
    with pytest.raises(InvalidTransition) as caught:
        resend_invoice(order, price(order, CONTEXT))
    # then
    error = caught.value
    assert (error.order_id, error.status, error.action) == (order.id, status, "resend_invoice")
    assert "resend_invoice" not in error.allowed
    assert order == before


def test_resending_with_a_breakdown_of_another_order_is_refused() -> None:
    # given
    order = sent_order()
    other = ready_order().duplicate("D2002", TODAY)
    # when
    with pytest.raises(ValidationError) as caught:
        resend_invoice(order, price(other, CONTEXT))
    # then
    assert caught.value.field == "priced"

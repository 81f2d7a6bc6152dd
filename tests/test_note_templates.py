"""Note and terms templates: placeholders checked when the text is set, filled at render time;
the template book; and the order edits that set notes, terms, PO number and payment terms."""

from __future__ import annotations

import datetime as dt
import re
import string

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from builders import catalog, empty_order, flat_tax
from draftorders import DraftOrder, price
from draftorders.errors import OrderLocked, ValidationError
from draftorders.lifecycle import cancel, complete, revert_to_draft, send_invoice
from draftorders.order import Status
from draftorders.order.notes import (
    PLACEHOLDERS,
    STANDARD_TEMPLATES,
    NoteTemplate,
    TemplateBook,
    check_placeholders,
    fill,
)
from draftorders.order.terms import PaymentTerms

KNOWN = "{amount_due}, {customer_name}, {due_date}, {invoice_number}, {order_id}, {shop_name}"
"""The known placeholders, as an error message lists them (sorted)."""

VALUES = {
    "customer_name": "Ada",
    "order_id": "D1001",
    "invoice_number": "INV-00042",
    "due_date": "March 2, 2026",
    "amount_due": "$64.13",
    "shop_name": "Teashop",
}


def order_with_a_line() -> DraftOrder:
    return empty_order().add_product(catalog(), "MUG", 2)


def sent(order: DraftOrder) -> DraftOrder:
    return send_invoice(order, price(order, flat_tax())).order


def completed(order: DraftOrder) -> DraftOrder:
    return complete(order, price(order, flat_tax())).order


def cancelled(order: DraftOrder) -> DraftOrder:
    return cancel(order).order


# -- check_placeholders --------------------------------------------------------------------------


def test_the_placeholders_are_the_six_documented_names() -> None:
    assert (
        frozenset(
            {"customer_name", "order_id", "invoice_number", "due_date", "amount_due", "shop_name"}
        )
        == PLACEHOLDERS
    )


def test_text_with_only_known_placeholders_is_returned_as_it_is() -> None:
    text = "Dear {customer_name}, pay {amount_due} for {order_id} ({invoice_number}) by {due_date}."
    assert check_placeholders(text) == text
    assert check_placeholders("") == ""
    assert check_placeholders("no placeholders at all") == "no placeholders at all"


def test_an_unknown_placeholder_is_refused_naming_it_and_listing_the_known_ones() -> None:
    with pytest.raises(ValidationError) as caught:
        check_placeholders("Hello {customer}!", "notes")
    # then
    assert caught.value.field == "notes"
    message = str(caught.value)
    assert "unknown placeholder(s) {customer};" in message
    assert f"use {KNOWN}" in message


def test_every_unknown_placeholder_is_named_once_in_sorted_order() -> None:
    with pytest.raises(ValidationError) as caught:
        check_placeholders("{zeta} {alpha} {customer_name} {zeta}")
    assert "unknown placeholder(s) {alpha}, {zeta};" in str(caught.value)
    assert caught.value.field == "text"


@pytest.mark.parametrize("text", ["{Customer_Name}", "{customer_name_}", "{_x}", "{due_date2}"])
def test_placeholders_are_matched_exactly_and_case_sensitively(text: str) -> None:
    with pytest.raises(ValidationError, match=re.escape(text)):
        check_placeholders(text)


@pytest.mark.parametrize(
    "text",
    [
        "{ x }",
        "{",
        "}",
        "{}",
        "{0}",
        "{1st}",
        "a { b",
        "{customer name}",
        "{x!r}",
        "{x:>5}",
        "{x.y}",
        "{x",
        "x}",
        "function() { return 1; }",
        "set {1, 2} is not a placeholder",
    ],
)
def test_stray_braces_are_plain_text(text: str) -> None:
    assert check_placeholders(text) == text
    assert fill(text, VALUES) == text


@pytest.mark.parametrize("text", [None, 42, b"{customer_name}", ["notes"]])
def test_only_text_is_accepted(text: object) -> None:
    with pytest.raises(ValidationError) as caught:
        check_placeholders(text, "terms")  # type: ignore[arg-type]
    assert caught.value.field == "terms"


# -- fill ----------------------------------------------------------------------------------------


def test_fill_replaces_every_known_placeholder_with_its_value() -> None:
    text = (
        "{shop_name}: dear {customer_name}, please pay {amount_due} for order {order_id} "
        "(invoice {invoice_number}) by {due_date}. Thanks, {shop_name}"
    )
    assert fill(text, VALUES) == (
        "Teashop: dear Ada, please pay $64.13 for order D1001 (invoice INV-00042) by "
        "March 2, 2026. Thanks, Teashop"
    )


def test_fill_leaves_other_braces_and_unknown_names_alone() -> None:
    assert fill("{ x } {customer_name} {unknown} {", VALUES) == "{ x } Ada {unknown} {"


def test_fill_gives_an_empty_string_for_a_known_placeholder_without_a_value() -> None:
    assert fill("Invoice [{invoice_number}] for {customer_name}", {}) == "Invoice [] for "


def test_fill_does_not_fill_placeholders_inside_values() -> None:
    # given a customer whose name looks like a placeholder
    values = {**VALUES, "customer_name": "{amount_due}"}
    # then the value is printed as it is, not filled in turn
    assert fill("Dear {customer_name}, pay {amount_due}", values) == (
        "Dear {amount_due}, pay $64.13"
    )


def test_fill_keeps_doubled_braces_around_a_placeholder_as_single_braces_around_the_value() -> None:
    assert fill("{{customer_name}}", VALUES) == "{Ada}"


@given(
    text=st.lists(
        st.sampled_from(sorted(PLACEHOLDERS)).map(lambda name: "{" + name + "}")
        | st.text(
            alphabet=st.characters(blacklist_characters="{}", blacklist_categories=["Cc", "Cs"]),
            max_size=8,
        ),
        max_size=8,
    ).map("".join)
)
def test_fill_agrees_with_str_format_on_text_made_of_placeholders_and_plain_words(
    text: str,
) -> None:
    # given text without stray braces, str.format is an independent filler
    assert check_placeholders(text) == text
    assert fill(text, VALUES) == string.Formatter().vformat(text, (), VALUES)


@pytest.mark.parametrize("text", ["Thanks \ud800", "\udfff{customer_name}", "Due\x00 now"])
def test_text_with_a_lone_surrogate_or_a_control_character_is_refused(text: str) -> None:
    # when
    with pytest.raises(ValidationError) as caught:
        check_placeholders(text, "notes")
    # then
    assert caught.value.field == "notes"


# -- NoteTemplate and TemplateBook ---------------------------------------------------------------


def test_a_template_has_a_name_and_a_checked_text() -> None:
    template = NoteTemplate("thanks", "Thank you, {customer_name}!")
    assert (template.name, template.text) == ("thanks", "Thank you, {customer_name}!")


def test_a_template_with_an_unknown_placeholder_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"\{total\}") as caught:
        NoteTemplate("bad", "Pay {total} now")
    assert caught.value.field == "text"


@pytest.mark.parametrize("name", ["", "   ", None, 3])
def test_a_template_needs_a_name(name: object) -> None:
    with pytest.raises(ValidationError) as caught:
        NoteTemplate(name, "text")  # type: ignore[arg-type]
    assert caught.value.field == "name"


def test_the_book_finds_notes_and_terms_templates_by_name() -> None:
    thanks = NoteTemplate("thanks", "Thanks!")
    net = NoteTemplate("net", "Due by {due_date}.")
    book = TemplateBook(notes=(thanks,), terms=(net,))
    # then
    assert book.note("thanks") is thanks
    assert book.term("net") is net
    assert list(book) == [thanks, net]


def test_notes_and_terms_are_looked_up_separately() -> None:
    book = TemplateBook(notes=(NoteTemplate("only-a-note", "x"),))
    with pytest.raises(ValidationError, match="no terms template 'only-a-note'; known: none"):
        book.term("only-a-note")


def test_an_unknown_name_is_refused_listing_the_known_names() -> None:
    book = TemplateBook(notes=(NoteTemplate("thanks", "a"), NoteTemplate("reminder", "b")))
    with pytest.raises(ValidationError) as caught:
        book.note("thank-you")
    assert caught.value.field == "template"
    assert "no notes template 'thank-you'; known: thanks, reminder" in str(caught.value)


def test_an_empty_book_says_it_knows_none() -> None:
    with pytest.raises(ValidationError, match="known: none"):
        TemplateBook().note("anything")


@pytest.mark.parametrize("kind", ["notes", "terms"])
def test_two_templates_of_a_kind_with_the_same_name_are_refused(kind: str) -> None:
    twins = (NoteTemplate("same", "one"), NoteTemplate("same", "two"))
    with pytest.raises(ValidationError) as caught:
        TemplateBook(**{kind: twins})  # type: ignore[arg-type]
    assert caught.value.field == kind


def test_a_note_and_a_terms_template_may_share_a_name() -> None:
    book = TemplateBook(
        notes=(NoteTemplate("same", "note"),), terms=(NoteTemplate("same", "term"),)
    )
    assert (book.note("same").text, book.term("same").text) == ("note", "term")


def test_the_standard_templates_are_all_valid_and_uniquely_named() -> None:
    names = {
        "notes": [t.name for t in STANDARD_TEMPLATES.notes],
        "terms": [t.name for t in STANDARD_TEMPLATES.terms],
    }
    assert names == {
        "notes": ["thank-you", "payment-request"],
        "terms": ["due-on-receipt", "net-terms", "no-returns"],
    }
    for template in STANDARD_TEMPLATES:
        assert check_placeholders(template.text) == template.text
        used = set(re.findall(r"\{(\w+)\}", template.text))
        assert used <= PLACEHOLDERS
        # filled with every value, no known placeholder is left
        filled = fill(template.text, VALUES)
        assert not any("{" + name + "}" in filled for name in PLACEHOLDERS)


def test_the_standard_payment_request_fills_in_words() -> None:
    text = STANDARD_TEMPLATES.note("payment-request").text
    assert fill(text, VALUES) == ("Dear Ada, please pay $64.13 for order D1001 by March 2, 2026.")


# -- DraftOrder.set_notes / set_terms ------------------------------------------------------------


@pytest.mark.parametrize("edit", ["set_notes", "set_terms"])
def test_text_with_placeholders_is_kept_as_typed(edit: str) -> None:
    order = empty_order()
    text = "Hi {customer_name}, { braces } stay; pay {amount_due}"
    # when
    edited = getattr(order, edit)(text)
    # then
    assert getattr(edited, edit.removeprefix("set_")) == text
    assert edited.version == order.version + 1


@pytest.mark.parametrize("edit", ["set_notes", "set_terms"])
def test_a_template_is_copied_onto_the_order_and_can_then_be_edited(edit: str) -> None:
    field = edit.removeprefix("set_")
    template = STANDARD_TEMPLATES.term("net-terms")
    # when
    picked = getattr(empty_order(), edit)(template)
    # then the order holds the template's text, not the template
    assert getattr(picked, field) == template.text
    assert isinstance(getattr(picked, field), str)
    # and the text can be edited like any other
    edited = getattr(picked, edit)(getattr(picked, field) + " Thank you, {customer_name}.")
    assert getattr(edited, field) == template.text + " Thank you, {customer_name}."
    assert template.text == STANDARD_TEMPLATES.term("net-terms").text
    assert edited.version == picked.version + 1


@pytest.mark.parametrize("edit", ["set_notes", "set_terms"])
def test_an_unknown_placeholder_is_refused_and_the_order_is_unchanged(edit: str) -> None:
    field = edit.removeprefix("set_")
    order = getattr(empty_order(), edit)("Kept {order_id}")
    before = attrs.asdict(order, recurse=False)
    # when
    with pytest.raises(ValidationError, match=r"\{total\}") as caught:
        getattr(order, edit)("Pay {total} please")
    # then
    assert caught.value.field == field
    assert attrs.asdict(order, recurse=False) == before
    assert getattr(order, field) == "Kept {order_id}"


@pytest.mark.parametrize("edit", ["set_notes", "set_terms"])
@pytest.mark.parametrize("value", [None, 42, ["text"]])
def test_notes_and_terms_must_be_text_or_a_template(edit: str, value: object) -> None:
    with pytest.raises(ValidationError) as caught:
        getattr(empty_order(), edit)(value)
    assert caught.value.field == edit.removeprefix("set_")


def test_notes_and_terms_are_independent() -> None:
    order = empty_order().set_notes("a note").set_terms("some terms")
    assert (order.notes, order.terms) == ("a note", "some terms")
    assert order.set_notes("").terms == "some terms"


def test_a_new_order_has_empty_notes_and_terms_no_po_and_is_due_on_receipt() -> None:
    order = empty_order()
    assert (order.notes, order.terms, order.po_number) == ("", "", None)
    assert order.payment_terms == PaymentTerms.due_on_receipt()


# -- set_po_number -------------------------------------------------------------------------------


def test_a_po_number_is_kept_without_surrounding_blanks() -> None:
    order = empty_order()
    edited = order.set_po_number("  PO-2026/77 & co  ")
    assert edited.po_number == "PO-2026/77 & co"
    assert edited.version == order.version + 1


def test_a_po_number_of_64_characters_is_accepted_and_none_clears_it() -> None:
    order = empty_order().set_po_number("P" * 64)
    assert order.po_number == "P" * 64
    assert order.set_po_number(None).po_number is None


@pytest.mark.parametrize(
    "po_number", ["", "   ", "P" * 65, "PO\n1", "PO\r1", "PO\t1", "PO\x00", 1234, b"PO-1"]
)
def test_a_bad_po_number_is_refused_and_the_order_is_unchanged(po_number: object) -> None:
    order = empty_order().set_po_number("PO-1")
    with pytest.raises(ValidationError) as caught:
        order.set_po_number(po_number)  # type: ignore[arg-type]
    assert caught.value.field == "po_number"
    assert (order.po_number, order.version) == ("PO-1", 2)


# -- set_payment_terms ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "terms",
    [
        PaymentTerms.net(30),
        PaymentTerms.end_of_next_month(),
        PaymentTerms.fixed(dt.date(2027, 1, 15)),
        PaymentTerms.due_on_receipt(),
    ],
)
def test_payment_terms_are_set_on_the_order(terms: PaymentTerms) -> None:
    order = empty_order()
    edited = order.set_payment_terms(terms)
    assert edited.payment_terms == terms
    assert edited.version == order.version + 1
    assert order.payment_terms == PaymentTerms.due_on_receipt()


@pytest.mark.parametrize("terms", ["net_30", 30, None, TemplateBook()])
def test_payment_terms_must_be_payment_terms(terms: object) -> None:
    order = empty_order()
    with pytest.raises(ValidationError) as caught:
        order.set_payment_terms(terms)  # type: ignore[arg-type]
    assert caught.value.field == "payment_terms"


def test_a_duplicated_order_keeps_its_notes_terms_po_and_payment_terms() -> None:
    order = (
        order_with_a_line()
        .set_notes("{customer_name}")
        .set_terms("terms")
        .set_po_number("PO-1")
        .set_payment_terms(PaymentTerms.net(14))
    )
    copy = order.duplicate("D2002", dt.date(2026, 12, 1))
    assert (copy.notes, copy.terms, copy.po_number, copy.payment_terms) == (
        "{customer_name}",
        "terms",
        "PO-1",
        PaymentTerms.net(14),
    )
    assert copy.version == 1


# -- locked orders -------------------------------------------------------------------------------

EDITS = {
    "set_notes": ("thanks",),
    "set_terms": (STANDARD_TEMPLATES.term("no-returns"),),
    "set_po_number": ("PO-9",),
    "set_payment_terms": (PaymentTerms.net(30),),
}


@pytest.mark.parametrize(
    "lock", [sent, completed, cancelled], ids=["invoice_sent", "completed", "cancelled"]
)
@pytest.mark.parametrize("edit", sorted(EDITS))
def test_a_locked_order_refuses_the_edit_and_is_unchanged(lock: object, edit: str) -> None:
    order = lock(order_with_a_line())  # type: ignore[operator]
    before = attrs.asdict(order, recurse=False)
    # when
    with pytest.raises(OrderLocked) as caught:
        getattr(order, edit)(*EDITS[edit])
    # then
    assert caught.value.order_id == order.id
    assert caught.value.status == order.status.value
    assert attrs.asdict(order, recurse=False) == before


def test_a_locked_order_refuses_before_checking_the_text() -> None:
    # given a sent order and text with an unknown placeholder
    order = sent(order_with_a_line())
    # then the lock is reported, not the placeholder
    with pytest.raises(OrderLocked):
        order.set_notes("{nope}")


def test_an_order_reverted_to_draft_can_be_edited_again() -> None:
    order = revert_to_draft(sent(order_with_a_line())).order
    assert order.status is Status.DRAFT
    edited = order.set_notes("again").set_payment_terms(PaymentTerms.net(7))
    assert (edited.notes, edited.payment_terms.code) == ("again", "net_7")
    assert edited.version == order.version + 2

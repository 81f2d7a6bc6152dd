"""The foundations every module stands on: old import paths that keep working for a release,
amounts written the same way in every error, one rule for what an email address is, read-only
lookup tables, and typed errors for bad settings."""

from __future__ import annotations

import datetime as dt
import importlib
import sys
import warnings
from decimal import Decimal

import pytest

from draftorders import (
    Customer,
    DraftOrder,
    Money,
    PricingContext,
    RoundingPolicy,
    ValidationError,
    price,
)
from draftorders._compat import MOVED
from draftorders._frozendict import FrozenDict
from draftorders._validate import email, instances, rows, sequence, whole_number
from draftorders.errors import AmountExceedsDue, BelowPaid, MoneyOnOrder
from draftorders.notifications import email_address


@pytest.mark.parametrize(("old", "new"), sorted(MOVED.items()))
def test_an_old_module_path_still_imports_with_a_warning_naming_the_new_one(
    old: str, new: str
) -> None:
    # given the old path not imported yet in this process
    sys.modules.pop(old, None)
    # when
    with pytest.warns(DeprecationWarning, match=new.replace(".", r"\.")):
        module = importlib.import_module(old)
    # then every public name is the very object of the new module
    target = importlib.import_module(new)
    names = getattr(target, "__all__", [])
    assert names
    assert all(getattr(module, name) is getattr(target, name) for name in names)


def test_the_new_paths_import_without_a_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        for new in sorted(set(MOVED.values())):
            importlib.import_module(new)


def test_errors_write_amounts_with_the_currency_code_whatever_the_locale() -> None:
    # given amounts that py-moneyed would write as "€ 1234.50" or "1.234,50 €"
    euros, more = Money(Decimal("1234.50"), "EUR"), Money(Decimal("2000.00"), "EUR")
    # when errors are made with them
    messages = [
        str(AmountExceedsDue("refund", more, euros)),
        str(MoneyOnOrder("D1", 1, euros)),
        str(BelowPaid("D1", euros, more, Money(Decimal("765.50"), "EUR"))),
    ]
    # then
    assert "EUR 2000.00 asked, at most EUR 1234.50" in messages[0]
    assert "(EUR 1234.50 held)" in messages[1]
    assert "refund EUR 765.50 first" in messages[2]
    assert not any("€" in message for message in messages)


@pytest.mark.parametrize(
    "text",
    ["ada@example.com", "ada.lovelace+orders@mail.example.co.uk", "  ada@example.com "],
)
def test_an_email_a_customer_may_have_is_one_an_invoice_can_be_sent_to(text: str) -> None:
    customer = Customer(id="C1", name="Ada", email=text)
    assert customer.email == text.strip()
    assert email_address("to", customer.email).addr_spec == customer.email


@pytest.mark.parametrize(
    "text", ["ada", "ada@example", "ada@exa mple.com", "a,b@example.com", "ada@@example.com"]
)
def test_what_is_not_an_email_is_refused_by_the_directory_and_by_email_headers(text: str) -> None:
    with pytest.raises(ValidationError):
        Customer(id="C1", name="Ada", email=text)
    with pytest.raises(ValidationError):
        email_address("to", text)
    with pytest.raises(ValidationError):
        email(text)


def test_a_frozen_dict_cannot_be_filled_again_by_calling_init() -> None:
    table = FrozenDict({"MUG": 1})
    table.__init__({"TEA": 2})  # type: ignore[misc]
    assert table == {"MUG": 1}
    with pytest.raises(TypeError):
        table["TEA"] = 2


@pytest.mark.parametrize(
    "settings", [{"mode": "half"}, {"tax_level": 3}, {"remainder": None}, {"discount_mode": 1}]
)
def test_a_rounding_policy_with_a_setting_of_the_wrong_kind_is_a_validation_error(
    settings: dict[str, object],
) -> None:
    with pytest.raises(ValidationError) as caught:
        RoundingPolicy(**settings)  # type: ignore[arg-type]
    assert caught.value.field == next(iter(settings))


@pytest.mark.parametrize(
    ("value", "bounds", "refused"),
    [
        (3, {}, False),
        (True, {}, True),
        (3.0, {}, True),
        ("3", {}, True),
        (0, {"minimum": 1}, True),
        (11, {"minimum": 1, "maximum": 10}, True),
        (10, {"minimum": 1, "maximum": 10}, False),
    ],
)
def test_a_whole_number_is_an_int_within_its_bounds(
    value: object, bounds: dict[str, int], refused: bool
) -> None:
    if refused:
        with pytest.raises(ValidationError) as caught:
            whole_number(value, "count", **bounds)
        assert caught.value.field == "count"
    else:
        assert whole_number(value, "count", **bounds) == value


def test_sequences_refuse_a_lone_string_and_check_what_they_hold() -> None:
    assert sequence(["a", "b"], "tags") == ("a", "b")
    assert instances([1, 2], int, "counts") == (1, 2)
    assert rows([(1, "a")], "pairs", 2, "(n, x)") == ((1, "a"),)
    for bad in ("ab", 12, None):
        with pytest.raises(ValidationError):
            sequence(bad, "tags")
    with pytest.raises(ValidationError, match="expected int"):
        instances([1, "2"], int, "counts")
    with pytest.raises(ValidationError, match=r"expected \(n, x\)"):
        rows([(1, "a", "b")], "pairs", 2, "(n, x)")


@pytest.mark.parametrize(
    ("module", "old", "new"),
    [
        ("draftorders", "TaxCharge", "TaxLine"),
        ("draftorders.order", "OrderCharge", "OrderEntry"),
        ("draftorders.order", "ChargeKind", "EntryKind"),
        ("draftorders.pricing", "PricedCharge", "PricedEntry"),
        ("draftorders.invoice", "InvoiceCharge", "InvoiceEntry"),
    ],
)
def test_an_old_name_is_the_new_one_with_a_warning(module: str, old: str, new: str) -> None:
    namespace = importlib.import_module(module)
    with pytest.warns(DeprecationWarning, match=f"{old} is now .*{new}"):
        found = getattr(namespace, old)
    assert found is getattr(namespace, new)


def test_an_unknown_name_is_still_an_attribute_error() -> None:
    import draftorders

    with pytest.raises(AttributeError, match="Nonsense"):
        draftorders.Nonsense  # noqa: B018


def test_the_old_names_of_an_orders_credits_and_debits_still_read_with_a_warning() -> None:
    order = DraftOrder.new("D1", "USD", dt.date(2026, 11, 26))
    order = order.add_custom_item("Mug", "10.00").add_credit("Goodwill", "1.00", entry_id="g")
    priced = price(order, PricingContext())
    with pytest.warns(DeprecationWarning, match="DraftOrder.entries"):
        assert order.charges == order.entries
    with pytest.warns(DeprecationWarning, match="PricedOrder.entries"):
        assert priced.charges == priced.entries
    with pytest.warns(DeprecationWarning, match="PricedOrder.tax_lines"):
        assert priced.tax_charges == priced.tax_lines
    with pytest.warns(DeprecationWarning, match="remove_entry"):
        assert order.remove_charge("g").entries == ()


def test_the_old_name_of_minor_units_still_reads_with_a_warning() -> None:
    from draftorders import money

    with pytest.warns(DeprecationWarning, match="MinorUnits"):
        assert money.Scale is money.MinorUnits


@pytest.mark.parametrize(
    ("old", "new"), [("Situation", "PromotionContext"), ("Facts", "OrderFacts")]
)
def test_the_old_names_of_what_promotions_look_at_still_read_with_a_warning(
    old: str, new: str
) -> None:
    from draftorders import promotions

    with pytest.warns(DeprecationWarning, match=new):
        assert getattr(promotions, old) is getattr(promotions, new)

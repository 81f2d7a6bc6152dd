"""Payment terms: when an invoice issued on a given day falls due, and what terms are refused.

Calendar arithmetic clamps to the end of a shorter month: issued 2026-01-31, net 30 is
2026-03-02 and "end of next month" is 2026-02-28.
"""

from __future__ import annotations

import calendar
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from draftorders.errors import ValidationError
from draftorders.order.terms import PaymentTerms, TermsKind

JAN_31 = dt.date(2026, 1, 31)

ISSUE_DATES = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2200, 12, 31))
"""Far enough from date.max that 3650 days of net terms cannot overflow."""
NET_DAYS = st.integers(min_value=1, max_value=3650)


def last_day_of_next_month(day: dt.date) -> dt.date:
    """Worked out with the calendar module, independently of dateutil."""
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return dt.date(year, month, calendar.monthrange(year, month)[1])


# -- due dates -----------------------------------------------------------------------------------


def test_due_on_receipt_is_due_the_day_it_is_issued() -> None:
    assert PaymentTerms.due_on_receipt().due_date(JAN_31) == JAN_31


def test_net_30_issued_on_january_31_is_due_on_march_2() -> None:
    # given 30 days from 2026-01-31: 28 days of February, then 2 of March
    terms = PaymentTerms.net(30)
    # then
    assert terms.due_date(JAN_31) == dt.date(2026, 3, 2)


@pytest.mark.parametrize(
    ("days", "issued", "due"),
    [
        (1, dt.date(2026, 12, 31), dt.date(2027, 1, 1)),
        (14, dt.date(2028, 2, 20), dt.date(2028, 3, 5)),  # 2028 is a leap year: Feb has 29 days
        (60, dt.date(2026, 11, 26), dt.date(2027, 1, 25)),
        (3650, dt.date(2026, 1, 1), dt.date(2035, 12, 30)),  # two leap days in between
    ],
)
def test_net_terms_count_calendar_days(days: int, issued: dt.date, due: dt.date) -> None:
    assert PaymentTerms.net(days).due_date(issued) == due


@pytest.mark.parametrize(
    ("issued", "due"),
    [
        (dt.date(2026, 1, 31), dt.date(2026, 2, 28)),  # clamped to a short February
        (dt.date(2028, 1, 31), dt.date(2028, 2, 29)),  # leap year
        (dt.date(2026, 12, 15), dt.date(2027, 1, 31)),  # into the next year
        (dt.date(2026, 1, 1), dt.date(2026, 2, 28)),
        (dt.date(2026, 3, 31), dt.date(2026, 4, 30)),
        (dt.date(2026, 4, 30), dt.date(2026, 5, 31)),
    ],
)
def test_end_of_next_month_is_the_last_day_of_the_following_month(
    issued: dt.date, due: dt.date
) -> None:
    assert PaymentTerms.end_of_next_month().due_date(issued) == due


def test_fixed_terms_are_due_on_their_date_whenever_the_invoice_is_issued() -> None:
    # given
    terms = PaymentTerms.fixed(dt.date(2026, 3, 1))
    # then
    assert terms.due_date(JAN_31) == dt.date(2026, 3, 1)
    assert terms.due_date(dt.date(2026, 2, 27)) == dt.date(2026, 3, 1)


# -- code ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("terms", "code"),
    [
        (PaymentTerms.due_on_receipt(), "due_on_receipt"),
        (PaymentTerms.net(30), "net_30"),
        (PaymentTerms.net(7), "net_7"),
        (PaymentTerms.end_of_next_month(), "end_of_next_month"),
        (PaymentTerms.fixed(dt.date(2026, 3, 1)), "fixed_2026-03-01"),
    ],
)
def test_each_kind_of_terms_has_a_stable_code(terms: PaymentTerms, code: str) -> None:
    assert terms.code == code


def test_the_constructors_build_the_kind_they_are_named_after() -> None:
    assert PaymentTerms.due_on_receipt() == PaymentTerms(TermsKind.DUE_ON_RECEIPT)
    assert PaymentTerms.net(30) == PaymentTerms(TermsKind.NET_DAYS, days=30)
    assert PaymentTerms.end_of_next_month() == PaymentTerms(TermsKind.END_OF_NEXT_MONTH)
    fixed = PaymentTerms.fixed(dt.date(2026, 3, 1))
    assert (fixed.kind, fixed.days, fixed.date) == (TermsKind.FIXED_DATE, None, dt.date(2026, 3, 1))


def test_terms_are_values_equal_by_content_and_hashable() -> None:
    assert PaymentTerms.net(30) == PaymentTerms.net(30)
    assert PaymentTerms.net(30) != PaymentTerms.net(31)
    assert len({PaymentTerms.net(30), PaymentTerms.net(30), PaymentTerms.due_on_receipt()}) == 2


# -- validation ----------------------------------------------------------------------------------


@pytest.mark.parametrize("days", [0, -1, 3651, True, False, 1.5, 30.0, "30", None])
def test_net_terms_need_a_whole_number_of_days_from_1_to_3650(days: object) -> None:
    with pytest.raises(ValidationError) as caught:
        PaymentTerms.net(days)  # type: ignore[arg-type]
    assert caught.value.field == "days"


@pytest.mark.parametrize("days", [1, 3650])
def test_net_terms_accept_the_ends_of_the_range(days: int) -> None:
    assert PaymentTerms.net(days).days == days


@pytest.mark.parametrize(
    "kind", [TermsKind.DUE_ON_RECEIPT, TermsKind.END_OF_NEXT_MONTH, TermsKind.FIXED_DATE]
)
def test_days_given_with_terms_other_than_net_are_refused(kind: TermsKind) -> None:
    date = dt.date(2026, 3, 1) if kind is TermsKind.FIXED_DATE else None
    with pytest.raises(ValidationError) as caught:
        PaymentTerms(kind, days=30, date=date)
    assert caught.value.field == "days"


def test_net_terms_without_days_are_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        PaymentTerms(TermsKind.NET_DAYS)
    assert caught.value.field == "days"


@pytest.mark.parametrize(
    "kind", [TermsKind.DUE_ON_RECEIPT, TermsKind.END_OF_NEXT_MONTH, TermsKind.NET_DAYS]
)
def test_a_date_given_with_terms_other_than_fixed_is_refused(kind: TermsKind) -> None:
    days = 30 if kind is TermsKind.NET_DAYS else None
    with pytest.raises(ValidationError) as caught:
        PaymentTerms(kind, days=days, date=dt.date(2026, 3, 1))
    assert caught.value.field == "date"


@pytest.mark.parametrize("date", [dt.datetime(2026, 3, 1, 12, 0), "2026-03-01", 20260301, None])
def test_fixed_terms_need_a_plain_date(date: object) -> None:
    with pytest.raises(ValidationError) as caught:
        PaymentTerms.fixed(date)  # type: ignore[arg-type]
    assert caught.value.field == "date"


@pytest.mark.parametrize("kind", ["net_days", "due_on_receipt", None, 1])
def test_the_kind_must_be_a_terms_kind(kind: object) -> None:
    with pytest.raises(ValidationError) as caught:
        PaymentTerms(kind)  # type: ignore[arg-type]
    assert caught.value.field == "kind"


def test_a_validation_error_is_also_a_value_error_naming_the_bad_value() -> None:
    with pytest.raises(ValueError, match=r"1-3650, got -1"):
        PaymentTerms.net(-1)


# -- properties ----------------------------------------------------------------------------------


@given(issued=ISSUE_DATES, days=NET_DAYS)
def test_net_n_is_due_exactly_n_days_after_the_issue_date(issued: dt.date, days: int) -> None:
    assert (PaymentTerms.net(days).due_date(issued) - issued).days == days


@given(issued=ISSUE_DATES)
def test_end_of_next_month_is_always_the_last_day_of_the_following_month(issued: dt.date) -> None:
    due = PaymentTerms.end_of_next_month().due_date(issued)
    assert due == last_day_of_next_month(issued)
    assert (due + dt.timedelta(days=1)).day == 1


@given(
    issued=ISSUE_DATES,
    terms=st.one_of(
        st.just(PaymentTerms.due_on_receipt()),
        st.just(PaymentTerms.end_of_next_month()),
        NET_DAYS.map(PaymentTerms.net),
    ),
)
def test_terms_counted_from_the_issue_date_are_never_due_before_it(
    issued: dt.date, terms: PaymentTerms
) -> None:
    due = terms.due_date(issued)
    assert type(due) is dt.date
    assert due >= issued


@given(issued=ISSUE_DATES, fixed=ISSUE_DATES)
def test_fixed_terms_ignore_the_issue_date(issued: dt.date, fixed: dt.date) -> None:
    assert PaymentTerms.fixed(fixed).due_date(issued) == fixed


@given(days=NET_DAYS)
def test_the_net_code_names_the_days(days: int) -> None:
    assert PaymentTerms.net(days).code == f"net_{days}"

"""Billing plans: invoice schedules computed from the anchor, plans on products and lines, and the
priced order's billing view (amount per cycle, grouped by plan), which changes no total."""

from __future__ import annotations

import calendar
import datetime as dt
import itertools

import attrs
import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given
from hypothesis import strategies as st

from builders import TODAY, catalog, empty_order, flat_tax, money
from draftorders import (
    Address,
    Catalog,
    DraftOrder,
    ManualDiscount,
    Money,
    OrderLocked,
    PricedOrder,
    Product,
    ValidationError,
    price,
)
from draftorders.billing import UPCOMING, BillingInterval, BillingPlan
from draftorders.lifecycle import send_invoice
from test_pricing_properties import Case, cases

DAY, WEEK, MONTH, YEAR = BillingInterval
MONTHLY_12 = BillingPlan(interval=MONTH, cycles=12)
FORTNIGHTLY = BillingPlan(every=2, interval=WEEK)

ANCHORS = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2200, 12, 31))
PLANS = st.builds(
    BillingPlan,
    every=st.integers(min_value=1, max_value=12),
    interval=st.sampled_from(BillingInterval),
    cycles=st.none() | st.integers(min_value=1, max_value=40),
)


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def days_in(year: int, month: int) -> int:
    """Worked out with the calendar module, independently of dateutil."""
    return calendar.monthrange(year, month)[1]


def subscription_catalog() -> Catalog:
    """TEA 7.49 billed monthly for 12 cycles, COFFEE 9.99 on the same plan, MUG 12.99 once."""
    return Catalog.of(
        Product(sku="TEA", title="Tea", price=money("7.49"), billing_plan=MONTHLY_12),
        Product(sku="COFFEE", title="Coffee", price=money("9.99"), billing_plan=MONTHLY_12),
        Product(sku="MUG", title="Mug", price=money("12.99")),
    )


# -- schedules -------------------------------------------------------------------------------------


def test_monthly_from_january_31_clamps_to_each_month_end_without_drifting() -> None:
    # given
    plan = BillingPlan(interval=MONTH)
    # when
    dates = plan.dates(d("2026-01-31"), count=5)
    # then
    assert dates == [
        d("2026-01-31"),
        d("2026-02-28"),
        d("2026-03-31"),
        d("2026-04-30"),
        d("2026-05-31"),
    ]


def test_monthly_from_january_31_gives_february_28_then_29_in_a_leap_year() -> None:
    # given
    plan = BillingPlan(interval=MONTH)
    # when
    dates = plan.dates(d("2027-01-31"), count=14)
    # then
    assert dates[1] == d("2027-02-28")
    assert dates[13] == d("2028-02-29")
    assert dates[12] == d("2028-01-31")


def test_yearly_from_february_29_falls_on_february_28_then_29_again_in_2032() -> None:
    # given
    plan = BillingPlan(interval=YEAR, cycles=5)
    # when
    dates = plan.dates(d("2028-02-29"))
    # then: computed from the anchor, so 2029's clamped 28th does not stick
    assert dates == [
        d("2028-02-29"),
        d("2029-02-28"),
        d("2030-02-28"),
        d("2031-02-28"),
        d("2032-02-29"),
    ]


@pytest.mark.parametrize(
    ("plan", "anchor", "expected"),
    [
        (
            BillingPlan(interval=WEEK),
            "2026-12-24",
            ["2026-12-24", "2026-12-31", "2027-01-07", "2027-01-14"],
        ),
        (FORTNIGHTLY, "2028-02-15", ["2028-02-15", "2028-02-29", "2028-03-14", "2028-03-28"]),
        (
            BillingPlan(interval=DAY),
            "2028-02-28",
            ["2028-02-28", "2028-02-29", "2028-03-01", "2028-03-02"],
        ),
        (
            BillingPlan(every=3, interval=MONTH),
            "2026-11-30",
            ["2026-11-30", "2027-02-28", "2027-05-30", "2027-08-30"],
        ),
    ],
    ids=["weekly", "every 2 weeks", "daily", "every 3 months from 30 Nov"],
)
def test_schedules_count_calendar_units_from_the_anchor(
    plan: BillingPlan, anchor: str, expected: list[str]
) -> None:
    assert plan.dates(d(anchor), count=4) == [d(text) for text in expected]


def test_a_finite_plan_gives_all_its_cycles_and_count_only_limits_them() -> None:
    # given
    plan = BillingPlan(interval=MONTH, cycles=3)
    # then
    assert plan.dates(TODAY) == [d("2026-11-26"), d("2026-12-26"), d("2027-01-26")]
    assert plan.dates(TODAY, count=2) == [d("2026-11-26"), d("2026-12-26")]
    assert plan.dates(TODAY, count=50) == plan.dates(TODAY)
    assert plan.dates(TODAY, count=0) == []


def test_an_open_ended_plan_gives_the_upcoming_dates_asked_for() -> None:
    # given
    plan = BillingPlan(interval=WEEK)
    # then
    assert plan.is_open_ended
    assert len(plan.dates(TODAY)) == UPCOMING
    assert len(plan.dates(TODAY, count=40)) == 40


@pytest.mark.parametrize(
    ("plan", "words"),
    [
        (MONTHLY_12, "every month, 12 cycles"),
        (FORTNIGHTLY, "every 2 weeks, until cancelled"),
        (BillingPlan(interval=YEAR, cycles=1), "every year, 1 cycle"),
        (BillingPlan(every=3, interval=DAY, cycles=2), "every 3 days, 2 cycles"),
    ],
)
def test_a_plan_describes_itself_in_stable_words(plan: BillingPlan, words: str) -> None:
    assert plan.describe() == words


# -- validation ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"every": 0}, "every"),
        ({"every": -1}, "every"),
        ({"every": True}, "every"),
        ({"every": "2"}, "every"),
        ({"every": 1.0}, "every"),
        ({"cycles": 0}, "cycles"),
        ({"cycles": -3}, "cycles"),
        ({"cycles": False}, "cycles"),
        ({"interval": "month"}, "interval"),
    ],
)
def test_a_plan_with_a_bad_field_is_refused(changes: dict[str, object], field: str) -> None:
    arguments: dict[str, object] = {"interval": MONTH, **changes}
    with pytest.raises(ValidationError) as caught:
        BillingPlan(**arguments)  # type: ignore[arg-type]
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("anchor", "count", "field"),
    [
        (dt.datetime(2026, 1, 31, 9, 30), None, "anchor"),
        ("2026-01-31", None, "anchor"),
        (TODAY, -1, "count"),
        (TODAY, 2.0, "count"),
        (dt.date(9999, 6, 1), None, "anchor"),  # runs past the last date there is
    ],
)
def test_schedules_refuse_a_bad_anchor_or_count(anchor: object, count: object, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        MONTHLY_12.dates(anchor, count)  # type: ignore[arg-type]
    assert caught.value.field == field


# -- properties ------------------------------------------------------------------------------------


@given(plan=PLANS, anchor=ANCHORS, count=st.integers(min_value=0, max_value=40))
def test_dates_start_at_the_anchor_and_strictly_increase(
    plan: BillingPlan, anchor: dt.date, count: int
) -> None:
    dates = plan.dates(anchor, count)
    assert len(dates) == (count if plan.cycles is None else min(count, plan.cycles))
    assert dates[:1] == ([anchor] if count else [])
    assert all(earlier < later for earlier, later in itertools.pairwise(dates))


@given(anchor=ANCHORS, every=st.integers(min_value=1, max_value=12))
def test_monthly_dates_never_drift_from_the_anchor_day(anchor: dt.date, every: int) -> None:
    # when
    dates = BillingPlan(every=every, interval=MONTH).dates(anchor, count=30)
    # then: the day is the anchor's, or the month's last day if the month is shorter
    for date in dates:
        assert date.day == min(anchor.day, days_in(date.year, date.month))


@given(plan=PLANS, anchor=ANCHORS, k=st.integers(min_value=0, max_value=39))
def test_the_kth_date_is_the_anchor_plus_k_steps(
    plan: BillingPlan, anchor: dt.date, k: int
) -> None:
    # given
    units = {DAY: "days", WEEK: "weeks", MONTH: "months", YEAR: "years"}[plan.interval]
    # when
    dates = plan.dates(anchor, count=k + 1)
    # then
    if plan.cycles is not None and k >= plan.cycles:
        assert len(dates) == plan.cycles
    else:
        assert dates[k] == anchor + relativedelta(**{units: k * plan.every})


# -- plans on products, lines and orders -----------------------------------------------------------


def test_a_product_has_no_plan_unless_given_one() -> None:
    assert Product(sku="MUG", title="Mug", price=money("12.99")).billing_plan is None


def test_a_product_refuses_a_plan_that_is_not_a_billing_plan() -> None:
    with pytest.raises(ValidationError) as caught:
        Product(sku="TEA", title="Tea", price=money("7.49"), billing_plan="monthly")  # type: ignore[arg-type]
    assert caught.value.field == "billing_plan"


def test_adding_a_product_copies_its_default_plan_to_the_line() -> None:
    # when
    order = (
        empty_order()
        .add_product(subscription_catalog(), "TEA")
        .add_product(subscription_catalog(), "MUG")
    )
    # then
    assert order.line("L1").billing_plan == MONTHLY_12
    assert order.line("L2").billing_plan is None


def test_the_order_can_override_a_lines_plan_without_touching_the_product() -> None:
    # given
    shop = subscription_catalog()
    order = empty_order().add_product(shop, "TEA")
    # when
    edited = order.set_billing_plan("L1", FORTNIGHTLY)
    # then
    assert edited.line("L1").billing_plan == FORTNIGHTLY
    assert edited.version == order.version + 1
    assert order.line("L1").billing_plan == MONTHLY_12
    assert shop.product("TEA").billing_plan == MONTHLY_12


def test_a_plan_can_be_cleared_to_bill_the_line_once_or_set_on_a_one_off_line() -> None:
    # given
    order = empty_order().add_product(subscription_catalog(), "TEA").add_product(catalog(), "MUG")
    # when
    edited = order.set_billing_plan("L1", None).set_billing_plan("L2", MONTHLY_12)
    # then
    assert edited.line("L1").billing_plan is None
    assert edited.line("L2").billing_plan == MONTHLY_12


def test_a_custom_item_can_recur() -> None:
    # when
    order = empty_order().add_custom_item("Support", "20.00", billing_plan=MONTHLY_12)
    # then
    assert order.line("L1").billing_plan == MONTHLY_12


def test_setting_a_plan_that_is_not_a_billing_plan_is_refused() -> None:
    order = empty_order().add_product(catalog(), "MUG")
    with pytest.raises(ValidationError) as caught:
        order.set_billing_plan("L1", "monthly")  # type: ignore[arg-type]
    assert caught.value.field == "billing_plan"


def test_setting_the_plan_of_a_sent_order_is_refused_and_changes_nothing() -> None:
    # given
    draft = empty_order().add_product(subscription_catalog(), "TEA")
    sent = send_invoice(draft, price(draft, flat_tax())).order
    # when
    with pytest.raises(OrderLocked) as caught:
        sent.set_billing_plan("L1", None)
    # then
    assert caught.value.status == "invoice_sent"
    assert sent.line("L1").billing_plan == MONTHLY_12


# -- the priced order's billing --------------------------------------------------------------------


def subscription_order() -> DraftOrder:
    """Tea x2 and coffee (monthly, 12 cycles), a mug once, a fortnightly custom service; 10% off
    the tea, 5% off the order, and shipping."""
    shop = subscription_catalog()
    return (
        DraftOrder.new("D1001", "USD", d("2026-01-31"))
        .add_product(shop, "TEA", 2)
        .add_product(shop, "MUG")
        .add_product(shop, "COFFEE")
        .add_custom_item("Cleaning", "15.00", billing_plan=FORTNIGHTLY)
        .set_discount_percentage("L1", "10")
        .set_order_discount(ManualDiscount.percent("5"))
        .set_shipping_address(Address(country="US"))
        .set_shipping("Ground", "4.95")
    )


def test_lines_on_equal_plans_bill_together_and_one_off_lines_apart() -> None:
    # given
    priced = price(subscription_order(), flat_tax())
    # when
    billing = priced.billing
    # then
    assert [(group.plan, group.line_ids) for group in billing.recurring] == [
        (MONTHLY_12, ("L1", "L3")),
        (FORTNIGHTLY, ("L4",)),
    ]
    assert [line.line_id for line in billing.one_off] == ["L2"]
    assert billing.is_recurring


def test_the_amount_per_cycle_is_the_sum_of_the_recurring_lines_totals_as_priced() -> None:
    # given
    priced = price(subscription_order(), flat_tax())
    # when
    monthly, fortnightly = priced.billing.recurring
    # then: discounts and tax included, as the lines were priced
    assert monthly.amount == priced.line("L1").total + priced.line("L3").total
    assert fortnightly.amount == priced.line("L4").total
    assert priced.billing.one_off_amount == priced.line("L2").total
    assert priced.line("L1").discount.amount > 0


def test_the_first_invoice_is_due_now_and_charges_everything() -> None:
    # given
    priced = price(subscription_order(), flat_tax())
    # when
    billing = priced.billing
    # then: the lines, plus shipping charged once
    assert billing.due_now == priced.total
    lines = billing.one_off_amount + sum(
        (group.amount for group in billing.recurring), start=money("0")
    )
    assert billing.due_now == lines + priced.shipping_total


def test_a_group_schedules_from_the_anchor_given() -> None:
    # given
    monthly, fortnightly = price(subscription_order(), flat_tax()).billing.recurring
    # then
    assert monthly.schedule(d("2026-01-31"))[:3] == [
        d("2026-01-31"),
        d("2026-02-28"),
        d("2026-03-31"),
    ]
    assert len(monthly.schedule(d("2026-01-31"))) == 12
    assert fortnightly.schedule(d("2026-01-31"), count=2) == [d("2026-01-31"), d("2026-02-14")]


def test_a_group_schedules_from_the_order_date_when_the_priced_order_knows_it() -> None:
    # given
    priced = price(subscription_order(), flat_tax())
    dated = attrs.evolve(priced, order_date=d("2026-01-31"))
    # then
    assert dated.billing.recurring[0].schedule(count=2) == [d("2026-01-31"), d("2026-02-28")]


def test_a_group_with_no_anchor_and_no_order_date_says_what_to_pass() -> None:
    # given
    priced = attrs.evolve(price(subscription_order(), flat_tax()), order_date=None)
    # then
    with pytest.raises(ValidationError, match=r"anchor=order\.order_date"):
        priced.billing.recurring[0].schedule()


def test_an_order_without_plans_has_everything_one_off() -> None:
    # given
    order = empty_order().add_product(catalog(), "MUG").add_product(catalog(), "TEA")
    priced = price(order, flat_tax())
    # when
    billing = priced.billing
    # then
    assert not billing.is_recurring
    assert billing.one_off == priced.lines
    assert billing.one_off_amount == billing.due_now == priced.total
    assert "Billing" not in priced.explain()


def test_the_explanation_shows_each_plan_and_its_amount_per_cycle() -> None:
    # given
    priced = price(subscription_order(), flat_tax())
    monthly = priced.billing.recurring[0]
    # when
    text = priced.explain()
    # then
    assert f"every month, 12 cycles: L1, L3, {monthly.amount.amount} per cycle" in text
    assert "every 2 weeks, until cancelled: L4" in text
    assert "once: L2" in text


def amounts(priced: PricedOrder) -> tuple[object, ...]:
    """Every total and every line's amounts."""
    return (
        priced.subtotal,
        priced.discount_total,
        priced.net_subtotal,
        priced.shipping_total,
        priced.debit_total,
        priced.credit_total,
        priced.tax_total,
        priced.total,
        tuple(
            (line.line_id, line.base, line.discount, line.net, line.tax, line.total)
            for line in priced.lines
        ),
        priced.adjustments,
        priced.tax_lines,
    )


@given(case=cases(), plans=st.lists(st.none() | PLANS, min_size=15, max_size=15))
def test_adding_plans_changes_no_amount_of_the_order(
    case: Case, plans: list[BillingPlan | None]
) -> None:
    # given
    order = case.order
    for line, plan in zip(order.lines, plans, strict=False):
        order = order.set_billing_plan(line.id, plan)
    # when
    before, after = price(case.order, case.context), price(order, case.context)
    # then
    assert amounts(after) == amounts(before)
    billing = after.billing
    assert billing.due_now == before.total
    per_line = {line.line_id: line.total for line in after.lines}
    for group in billing.recurring:
        zero = Money(0, case.currency)
        assert group.amount == sum((per_line[i] for i in group.line_ids), start=zero)
        assert all(after.line(i).billing_plan == group.plan for i in group.line_ids)
    grouped = [i for group in billing.recurring for i in group.line_ids]
    one_off = [line.line_id for line in billing.one_off]
    assert sorted(grouped + one_off) == sorted(per_line)

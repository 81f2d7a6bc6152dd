"""Batch pricing, scenarios and comparisons (``draftorders.analysis``), and notebook views.

The comparison figures are checked against sums worked out by hand on three small orders; batch
pricing against pricing one order at a time, in one process and in two.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import pickle
import sys
from collections.abc import Iterator
from decimal import Decimal
from functools import partial
from operator import attrgetter
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from matplotlib.figure import Figure

from builders import TODAY, money
from draftorders import (
    Address,
    Catalog,
    DraftOrder,
    FlatRateTax,
    MissingExtra,
    PricingContext,
    Product,
    TaxRate,
    ValidationError,
    price,
)
from draftorders.analysis import Scenario, compare, price_batch, price_partitions
from draftorders.invoice import Party, build_invoice
from draftorders.promotions import BuyXGetY, FreeShipping, Promotion, PromotionBook, Target

EXAMPLE = Path(__file__).parent.parent / "examples" / "what_if.py"

CATALOG = Catalog.of(
    Product(sku="TEA", title="Tea", price=money("10.00"), cost=money("4.00"), tags={"tea"}),
    Product(sku="MUG", title="Mug", price=money("20.00")),
)
TEA_3_FOR_2 = Promotion(
    "TEA-3-FOR-2", "Tea: 3 for 2", BuyXGetY(buy=2, get=1), target=Target(tags={"tea"})
)
FREE_SHIPPING = Promotion("FREESHIP", "Free shipping", FreeShipping())
BASE = Scenario("base", PricingContext(tax=FlatRateTax(TaxRate.percent("10", "Tax"))))
PROMOS = BASE.with_promotions(TEA_3_FOR_2, FREE_SHIPPING, name="promos")


def small_orders() -> list[DraftOrder]:
    """A: 3 tea, 1 mug, shipping 5.00. B: 1 mug. C: 1 tea. All USD, 10% tax, shipping untaxed."""
    a = (
        DraftOrder.new("A", "USD", TODAY)
        .set_shipping_address(Address(country="US"))
        .add_product(CATALOG, "TEA", 3)
        .add_product(CATALOG, "MUG", 1)
        .set_shipping("Post", Decimal("5.00"))
    )
    b = DraftOrder.new("B", "USD", TODAY).add_product(CATALOG, "MUG", 1)
    c = DraftOrder.new("C", "USD", TODAY).add_product(CATALOG, "TEA", 1)
    return [a, b, c]


def load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("what_if_example", EXAMPLE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


WHAT_IF = load_example()


def generated(count: int) -> list[DraftOrder]:
    return list(WHAT_IF.orders(count, seed=7))


# -- batch pricing ------------------------------------------------------------------------------


@pytest.mark.parametrize("processes", [1, 2])
def test_a_batch_prices_each_order_as_pricing_it_alone_would_in_input_order(processes: int):
    orders = generated(60)
    context = WHAT_IF.ORDER_10.context

    batch = list(price_batch(orders, context, processes=processes, chunk_size=7))

    assert batch == [price(order, context) for order in orders]
    assert [priced.order_id for priced in batch] == [order.id for order in orders]


@pytest.mark.parametrize("processes", [1, 2])
def test_pairs_are_priced_each_in_its_own_context(processes: int):
    orders = generated(10)
    contexts = [BASE.context, PROMOS.context] * 5

    batch = price_batch(zip(orders, contexts, strict=True), processes=processes, chunk_size=3)

    assert list(batch) == [price(o, c) for o, c in zip(orders, contexts, strict=True)]


@pytest.mark.parametrize(("processes", "most_read"), [(1, 1), (2, 2 * 2 * 5)])
def test_a_batch_reads_its_input_lazily(processes: int, most_read: int):
    orders = generated(100)
    read = 0

    def stream() -> Iterator[DraftOrder]:
        nonlocal read
        for order in orders:
            read += 1
            yield order

    batch = price_batch(stream(), BASE.context, processes=processes, chunk_size=5)
    first = next(batch)
    batch.close()

    assert first == price(orders[0], BASE.context)
    assert 1 <= read <= most_read < len(orders)


def test_an_order_without_a_context_is_refused():
    with pytest.raises(ValidationError, match="context"):
        list(price_batch(small_orders()))


@pytest.mark.parametrize("value", [0, -1, True, 1.5])
def test_processes_and_chunk_size_are_positive_whole_numbers(value: object):
    with pytest.raises(ValidationError):
        list(price_batch(small_orders(), BASE.context, processes=value))  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        list(price_batch(small_orders(), BASE.context, chunk_size=value))  # type: ignore[arg-type]


def slice_of_generated(start: int, count: int) -> list[DraftOrder]:
    """A partition's loader: orders ``start`` to ``start + count`` of the generated ones."""
    return generated(start + count)[start:]


def failing_partition() -> list[DraftOrder]:
    raise RuntimeError("the partition's file is missing")


@pytest.mark.parametrize("processes", [1, 2])
def test_partitions_load_their_own_orders_and_come_back_in_order(processes: int):
    partitions = [partial(slice_of_generated, start, 8) for start in range(0, 40, 8)]
    context = WHAT_IF.ORDER_10.context

    priced = list(price_partitions(partitions, context, processes=processes))
    totals = list(
        price_partitions(partitions, context, processes=processes, result=attrgetter("total"))
    )

    expected = [price(order, context) for order in generated(40)]
    assert priced == expected
    assert totals == [p.total for p in expected]


@pytest.mark.parametrize(("processes", "most_loaded"), [(1, 1), (2, 2 * 2 + 1)])
def test_partitions_are_taken_lazily(processes: int, most_loaded: int):
    taken = 0

    def partitions() -> Iterator[Any]:
        nonlocal taken
        for start in range(0, 60, 3):
            taken += 1
            yield partial(slice_of_generated, start, 3)

    results = price_partitions(partitions(), BASE.context, processes=processes)
    first = next(results)
    results.close()

    assert first.order_id == generated(1)[0].id
    assert 1 <= taken <= most_loaded < 20


@pytest.mark.parametrize("processes", [1, 2])
def test_a_failing_partition_raises_its_own_error_in_the_caller(processes: int):
    partitions = [partial(slice_of_generated, 0, 2), failing_partition]

    with pytest.raises(RuntimeError, match="file is missing"):
        list(price_partitions(partitions, BASE.context, processes=processes))


def test_a_partition_that_is_not_a_function_or_a_bad_context_is_refused():
    with pytest.raises(ValidationError, match="partitions"):
        list(price_partitions([generated(2)], BASE.context))  # type: ignore[list-item]
    with pytest.raises(ValidationError, match="context"):
        list(price_partitions([], None))  # type: ignore[arg-type]


def test_a_promotion_book_pickles_and_rebuilds_its_index():
    book = PROMOS.context.promotions

    loaded = pickle.loads(pickle.dumps(book))

    assert loaded == book
    assert [p.id for p in loaded.candidates(small_orders()[0].lines, ())] == [
        "TEA-3-FOR-2",  # in the order they are tried: the product promotion first
        "FREESHIP",
    ]


@pytest.mark.parametrize(
    "context",
    [BASE.context, PROMOS.context, WHAT_IF.ORDER_10.context, WHAT_IF.TEA_3RD_HALF.context],
)
def test_contexts_and_priced_orders_round_trip_through_plain_pickle(context: PricingContext):
    loaded = pickle.loads(pickle.dumps(context))

    assert loaded == context
    for order in small_orders():
        priced = price(order, context)
        assert price(order, loaded) == priced
        for protocol in range(2, pickle.HIGHEST_PROTOCOL + 1):
            back = pickle.loads(pickle.dumps(priced, protocol))
            assert back == priced
            assert back.explain() == priced.explain()
            assert [line.adjustments for line in back.lines] == [
                line.adjustments for line in priced.lines
            ]


def test_a_comparison_pickles():
    comparison = compare(small_orders(), BASE, PROMOS)

    back = pickle.loads(pickle.dumps(comparison))

    assert back == comparison
    assert back.outcome("promos").promotion_discounts == (
        comparison.outcome("promos").promotion_discounts
    )


@pytest.mark.parametrize("processes", [1, 2])
def test_result_picks_what_comes_back_for_each_order(processes: int):
    orders = generated(40)
    context = WHAT_IF.ORDER_10.context

    totals = list(
        price_batch(orders, context, processes=processes, chunk_size=6, result=attrgetter("total"))
    )

    assert totals == [price(order, context).total for order in orders]


def test_a_result_that_is_not_a_function_is_refused():
    with pytest.raises(ValidationError, match="result"):
        list(price_batch(small_orders(), BASE.context, result="total"))  # type: ignore[call-overload]


# -- scenarios ----------------------------------------------------------------------------------


def test_scenario_helpers_return_new_scenarios():
    assert PROMOS.name == "promos"
    assert [p.id for p in PROMOS.context.promotions] == ["TEA-3-FOR-2", "FREESHIP"]
    assert BASE.context.promotions == PromotionBook()

    fewer = PROMOS.without_promotions("FREESHIP")
    assert fewer.name == "promos"
    assert [p.id for p in fewer.context.promotions] == ["TEA-3-FOR-2"]

    gross = BASE.with_context(prices_include_tax=True, name="gross")
    assert gross.name == "gross"
    assert gross.context.prices_include_tax
    assert gross.context.tax == BASE.context.tax
    assert BASE.named("other").context is BASE.context


def test_removing_a_promotion_the_book_lacks_is_refused():
    with pytest.raises(ValidationError, match="NOPE"):
        BASE.without_promotions("NOPE")


# -- comparisons --------------------------------------------------------------------------------


def test_compare_adds_up_each_scenario_as_worked_out_by_hand():
    comparison = compare(small_orders(), BASE, PROMOS)
    base, promos = comparison.outcomes

    # A: tea 30 + mug 20 = 50, tax 5, shipping 5: 60. B: 20 + 2 = 22. C: 10 + 1 = 11.
    assert base.orders == promos.orders == 3
    assert base.revenue == money("93.00")
    assert base.net_sales == money("80.00")
    assert base.discounts == money("0.00")
    assert dict(base.promotion_discounts) == {}
    assert base.tax == money("8.00")
    assert base.shipping == money("5.00")
    # Tea lines have a cost (4.00), mugs do not: A 30 - 12 and C 10 - 4.
    assert base.margin == money("24.00")
    assert (base.costed_lines, base.uncosted_lines) == (2, 2)
    assert base.changes == ()

    # A: one tea free (10.00) and shipping free (5.00): 20 + 20 + tax 4 = 44.
    assert promos.revenue == money("77.00")
    assert promos.net_sales == money("70.00")
    assert promos.discounts == money("15.00")
    assert dict(promos.promotion_discounts) == {
        "FREESHIP": money("5.00"),
        "TEA-3-FOR-2": money("10.00"),
    }
    assert dict(promos.promotion_orders) == {"FREESHIP": 1, "TEA-3-FOR-2": 1}
    assert promos.promotion_total == money("15.00")
    assert promos.tax == money("7.00")
    assert promos.shipping == money("0.00")
    assert promos.margin == money("14.00")
    assert [(c.order_id, c.base, c.total, c.change) for c in promos.changes] == [
        ("A", money("60.00"), money("44.00"), money("-16.00"))
    ]
    summary = promos.change_summary()
    assert (summary["changed"], summary["up"], summary["down"]) == (1, 0, 1)
    assert summary["median"] == summary["mean"] == Decimal("-16.00")


def test_margin_with_prices_including_tax_is_taken_before_tax():
    gross = BASE.with_context(prices_include_tax=True, name="gross")
    (order,) = [o for o in small_orders() if o.id == "C"]

    outcome = compare([order], BASE, gross).outcome("gross")

    # 10.00 includes 10% tax: 0.91 of tax, 9.09 net of tax, less the cost 4.00.
    assert outcome.tax == money("0.91")
    assert outcome.margin == money("5.09")
    assert outcome.changes[0].change == money("-1.00")


def test_compare_reads_the_orders_once():
    reads = 0

    def stream() -> Iterator[DraftOrder]:
        nonlocal reads
        reads += 1
        yield from small_orders()

    compare(stream(), BASE, PROMOS, PROMOS.named("again"))

    assert reads == 1


def test_compare_refuses_duplicate_names_mixed_currencies_and_no_orders():
    with pytest.raises(ValidationError, match="names"):
        compare(small_orders(), BASE, PROMOS.named("base"))
    euro = DraftOrder.new("E", "EUR", TODAY)
    with pytest.raises(ValidationError, match="EUR"):
        compare([*small_orders(), euro], BASE)
    with pytest.raises(ValidationError, match="no orders"):
        compare([], BASE)


def test_the_table_dict_and_dataframe_carry_the_figures():
    comparison = compare(small_orders(), BASE, PROMOS)

    table = comparison.table()
    assert "base" in table
    assert "promos" in table
    assert "93.00" in table
    assert "77.00" in table
    assert "TEA-3-FOR-2" in table

    data = json.loads(json.dumps(comparison.to_dict()))
    promos = data["scenarios"][1]
    assert promos["revenue"] == "77.00"
    assert promos["promotions"]["FREESHIP"] == {"discount": "5.00", "orders": 1}
    assert promos["changes"] == [
        {"order_id": "A", "base": "60.00", "total": "44.00", "change": "-16.00"}
    ]
    assert data["scenarios"][0]["change_summary"]["mean"] is None

    frame = comparison.to_dataframe()
    assert list(frame.index) == ["base", "promos"]
    assert frame.loc["promos", "revenue"] == Decimal("77.00")
    assert frame.loc["base", "promotion:TEA-3-FOR-2"] == Decimal(0)
    assert frame.loc["promos", "orders_changed"] == 1


def test_plots_are_figures_that_save(tmp_path: Path):
    comparison = compare(small_orders(), BASE, PROMOS)

    for name, figure in [
        ("discounts", comparison.plot_discounts()),
        ("changes", comparison.plot_changes()),
        ("nothing", compare(small_orders(), BASE).plot_changes()),
    ]:
        assert isinstance(figure, Figure)
        figure.savefig(tmp_path / f"{name}.png")
        assert (tmp_path / f"{name}.png").stat().st_size > 0


@pytest.mark.parametrize(
    ("module", "call"),
    [
        ("pandas", lambda c: c.to_dataframe()),
        ("matplotlib.figure", lambda c: c.plot_discounts()),
        ("matplotlib.figure", lambda c: c.plot_changes()),
    ],
)
def test_without_the_notebook_extra_tables_and_plots_say_what_to_install(
    monkeypatch: pytest.MonkeyPatch, module: str, call
):
    comparison = compare(small_orders(), BASE)
    monkeypatch.setitem(sys.modules, module, None)

    with pytest.raises(MissingExtra, match=r"draftorders\[notebook\]"):
        call(comparison)


# -- notebook views -----------------------------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"


def test_a_priced_order_shows_as_an_escaped_html_table():
    order = small_orders()[0].add_custom_item(SCRIPT, Decimal("1.00"))
    priced = price(order, PROMOS.context)

    shown = priced._repr_html_()

    assert shown.startswith("<table>")
    assert SCRIPT not in shown
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown
    assert "promotion:TEA-3-FOR-2" in shown
    assert "promotion:FREESHIP" in shown
    assert str(priced.total.amount) in shown


def test_a_comparison_shows_as_an_escaped_html_table():
    shown = compare(small_orders(), BASE, PROMOS.named(SCRIPT))._repr_html_()

    assert SCRIPT not in shown
    assert "&lt;script&gt;" in shown
    assert "77.00" in shown


def test_an_invoice_shows_its_page_in_a_frame_with_everything_escaped():
    order = small_orders()[0].add_custom_item(SCRIPT, Decimal("1.00"))
    priced = price(order, BASE.context)
    invoice = build_invoice(
        order, priced, seller=Party(name="Tea & Co"), issue_date=dt.date(2026, 11, 26)
    )

    shown = invoice._repr_html_()

    assert shown.startswith("<iframe srcdoc=")
    assert SCRIPT not in shown
    assert "&amp;lt;script&amp;gt;" in shown  # escaped in the page, then in the attribute


# -- the example --------------------------------------------------------------------------------


def test_the_what_if_example_prints_the_table_and_saves_plots(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    comparison = WHAT_IF.main(300, tmp_path)

    printed = capsys.readouterr().out
    assert "10% over 100" in printed
    assert "tea 3rd half price" in printed
    assert comparison.base.orders == 300
    assert comparison.outcome("10% over 100").promotion_discounts["ORDER-10"].amount > 0
    assert (tmp_path / "discounts.png").exists()
    assert (tmp_path / "changes.png").exists()

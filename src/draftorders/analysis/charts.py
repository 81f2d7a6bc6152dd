"""A comparison as a pandas DataFrame and as matplotlib figures (the ``notebook`` extra).

Figures are made without pyplot, so no window opens and no global figure is kept: they render
with Agg when saved (``figure.savefig("discounts.png")``) and show inline when a notebook
displays them. Amounts become floats only here, to be drawn.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from draftorders.errors import MissingExtra

if TYPE_CHECKING:
    import pandas
    from matplotlib.figure import Figure

    from draftorders.analysis.comparison import Comparison

__all__ = ["change_figure", "dataframe", "discount_figure"]


def _pandas() -> Any:
    try:
        import pandas
    except ImportError as error:
        raise MissingExtra("notebook", "Comparison.to_dataframe()", error) from error
    return pandas


def _figure(feature: str) -> Figure:
    try:
        from matplotlib.figure import Figure
    except ImportError as error:
        raise MissingExtra("notebook", feature, error) from error
    return Figure(figsize=(8, 4.5), layout="constrained")


def dataframe(comparison: Comparison) -> pandas.DataFrame:
    """One row per scenario (indexed by name): orders, amounts as Decimal, counts, and a
    ``promotion:<id>`` column per promotion with what it gave."""
    pd = _pandas()
    zero = Decimal(0)
    records = []
    for o in comparison.outcomes:
        summary = o.change_summary()
        record: dict[str, object] = {
            "scenario": o.scenario,
            "orders": o.orders,
            "revenue": o.revenue.amount,
            "net_sales": o.net_sales.amount,
            "discounts": o.discounts.amount,
            "tax": o.tax.amount,
            "shipping": o.shipping.amount,
            "margin": o.margin.amount,
            "costed_lines": o.costed_lines,
            "uncosted_lines": o.uncosted_lines,
            "orders_changed": summary["changed"],
            "change_sum": summary["sum"],
        }
        for key in comparison.promotion_ids:
            given = o.promotion_discounts.get(key)
            record[f"promotion:{key}"] = given.amount if given is not None else zero
        records.append(record)
    frame: pandas.DataFrame = pd.DataFrame.from_records(records, index="scenario")
    return frame


def discount_figure(comparison: Comparison) -> Figure:
    """Grouped bars: what each promotion gave, one bar per scenario."""
    figure = _figure("Comparison.plot_discounts()")
    axes = figure.add_subplot()
    keys = comparison.promotion_ids
    outcomes = comparison.outcomes
    width = 0.8 / max(len(outcomes), 1)
    for index, outcome in enumerate(outcomes):
        heights = [
            float(outcome.promotion_discounts[k].amount)
            if k in outcome.promotion_discounts
            else 0.0
            for k in keys
        ]
        positions = [k + index * width for k in range(len(keys))]
        axes.bar(positions, heights, width, label=outcome.scenario)
    axes.set_xticks([k + 0.4 - width / 2 for k in range(len(keys))], list(keys))
    axes.set_ylabel(f"discount given ({comparison.currency})")
    axes.set_title("Discount cost per promotion")
    if not keys:
        axes.text(0.5, 0.5, "no promotion gave anything", ha="center", transform=axes.transAxes)
    axes.legend()
    return figure


def change_figure(comparison: Comparison) -> Figure:
    """Histograms of how much each changed order's total moved against the base scenario."""
    figure = _figure("Comparison.plot_changes()")
    axes = figure.add_subplot()
    series = [
        (outcome.scenario, [float(change.change.amount) for change in outcome.changes])
        for outcome in comparison.others
    ]
    values = [value for _, changes in series for value in changes]
    drawn = bool(values)
    if drawn:
        low, high = min(values), max(values)
        step = (high - low) / 40 or 1.0
        bins = [low + step * k for k in range(41)] if high > low else [low - 0.5, low + 0.5]
        for name, changes in series:
            if changes:
                axes.hist(changes, bins=bins, alpha=0.6, label=f"{name} ({len(changes)})")
    axes.set_xlabel(f"total change per order vs {comparison.base.scenario} ({comparison.currency})")
    axes.set_ylabel("orders")
    axes.set_title("Orders whose total changed")
    if drawn:
        axes.legend()
    else:
        axes.text(0.5, 0.5, "no order total changed", ha="center", transform=axes.transAxes)
    return figure

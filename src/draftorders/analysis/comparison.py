"""Compare scenarios: price the same orders under each, and add up what changes.

:func:`compare` reads the orders once, prices each order in every scenario and keeps running
sums only (plus the orders whose total moved), so its memory does not grow with the number of
orders. Amounts are summed exactly, as Decimal, and reported as :class:`Money`.
"""

from __future__ import annotations

import html
import statistics
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs

from draftorders._frozendict import FrozenDict
from draftorders.analysis import charts
from draftorders.analysis.scenario import Scenario
from draftorders.errors import CurrencyMismatch, ValidationError
from draftorders.money import MinorUnits, Money
from draftorders.order import DraftOrder
from draftorders.pricing import PricedOrder, price

if TYPE_CHECKING:
    import pandas
    from matplotlib.figure import Figure

__all__ = ["Change", "Comparison", "Outcome", "compare"]

_PROMOTION = "promotion:"
_ZERO = Decimal(0)


@attrs.frozen
class Change:
    """An order whose total differs from its total in the base scenario."""

    order_id: str
    base: Money
    total: Money

    @property
    def change(self) -> Money:
        """``total - base``: negative when the scenario charges less."""
        return self.total - self.base


@attrs.frozen
class Outcome:
    """One scenario's sums over the compared orders.

    ``discounts`` is every discount: on lines (manual, promotions, taxable credits) and on
    shipping. ``promotion_discounts`` is what each promotion gave, by id (line and shipping
    adjustments whose source is ``promotion:<id>``), ``promotion_orders`` on how many orders.
    ``margin`` is the net before tax less cost x quantity, over the ``costed_lines`` whose cost
    is known; the ``uncosted_lines`` are left out of it. ``changes`` lists the orders whose
    total differs from the base scenario's (none for the base itself), in input order.
    """

    scenario: str
    orders: int
    revenue: Money
    net_sales: Money
    discounts: Money
    promotion_discounts: Mapping[str, Money]
    promotion_orders: Mapping[str, int]
    tax: Money
    shipping: Money
    margin: Money
    costed_lines: int
    uncosted_lines: int
    changes: tuple[Change, ...] = attrs.field(repr=False)

    @property
    def promotion_total(self) -> Money:
        """What all promotions gave together."""
        return sum(self.promotion_discounts.values(), self.revenue * 0)

    def change_summary(self) -> dict[str, Any]:
        """The distribution of the changes: how many orders changed, went up, went down; the
        sum, mean, smallest, median and largest change (Decimal, the mean and median rounded half
        to even at the minor unit; None when nothing changed)."""
        amounts = [change.change.amount for change in self.changes]
        if not amounts:
            return {"changed": 0, "up": 0, "down": 0, "sum": _ZERO} | dict.fromkeys(
                ("mean", "min", "median", "max")
            )
        total = sum(amounts, _ZERO)
        quantum = MinorUnits.of(self.revenue.currency.code).quantum
        return {
            "changed": len(amounts),
            "up": sum(amount > 0 for amount in amounts),
            "down": sum(amount < 0 for amount in amounts),
            "sum": total,
            "mean": (total / len(amounts)).quantize(quantum),
            "min": min(amounts),
            "median": statistics.median(amounts).quantize(quantum),
            "max": max(amounts),
        }


class _Tally:
    """Running sums for one scenario."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.orders = self.costed = self.uncosted = 0
        self.revenue = self.net = self.discounts = self.tax = self.shipping = self.margin = _ZERO
        self.promotions: dict[str, Decimal] = {}
        self.promotion_orders: dict[str, int] = {}
        self.changes: list[Change] = []

    def add(self, order: DraftOrder, priced: PricedOrder) -> None:
        self.orders += 1
        self.revenue += priced.total.amount
        self.net += priced.net_subtotal.amount
        self.discounts += priced.discount_total.amount
        self.tax += priced.tax_total.amount
        self.shipping += priced.shipping_total.amount
        if priced.shipping is not None:
            self.discounts += priced.shipping.discount.amount
        if priced.applied_promotions:
            self._add_promotions(priced)
        self._add_margin(order, priced)

    def _add_promotions(self, priced: PricedOrder) -> None:
        given: dict[str, Decimal] = {}
        adjustments = list(priced.adjustments)
        if priced.shipping is not None:
            adjustments += priced.shipping.adjustments
        for adjustment in adjustments:
            if adjustment.source.startswith(_PROMOTION):
                key = adjustment.source[len(_PROMOTION) :]
                given[key] = given.get(key, _ZERO) - adjustment.amount.amount
        for key, amount in given.items():
            self.promotions[key] = self.promotions.get(key, _ZERO) + amount
            self.promotion_orders[key] = self.promotion_orders.get(key, 0) + 1

    def _add_margin(self, order: DraftOrder, priced: PricedOrder) -> None:
        costs = {item.id: item.cost for item in order.lines}
        known = sum(cost is not None for cost in costs.values())
        self.costed += known
        self.uncosted += len(costs) - known
        if known == len(costs) and not priced.prices_include_tax:
            # Every line has a cost: the order's net subtotal is the sum of the line nets.
            cost = sum((c.amount * i.quantity for i in order.lines if (c := i.cost)), _ZERO)
            self.margin += priced.net_subtotal.amount - cost
            return
        for line in priced.lines:
            unit_cost = costs[line.line_id]
            if unit_cost is None:
                continue
            net = line.net.amount
            if priced.prices_include_tax:
                net -= line.tax.amount
            self.margin += net - unit_cost.amount * line.quantity

    def outcome(self, currency: str) -> Outcome:
        def money(amount: Decimal) -> Money:
            return Money(amount, currency)

        ids = sorted(self.promotions)
        return Outcome(
            scenario=self.scenario.name,
            orders=self.orders,
            revenue=money(self.revenue),
            net_sales=money(self.net),
            discounts=money(self.discounts),
            promotion_discounts=FrozenDict({k: money(self.promotions[k]) for k in ids}),
            promotion_orders=FrozenDict({k: self.promotion_orders[k] for k in ids}),
            tax=money(self.tax),
            shipping=money(self.shipping),
            margin=money(self.margin),
            costed_lines=self.costed,
            uncosted_lines=self.uncosted,
            changes=tuple(self.changes),
        )


def compare(orders: Iterable[DraftOrder], base: Scenario, *others: Scenario) -> Comparison:
    """Price every order in ``base`` and each of ``others``, reading ``orders`` once, and sum
    up each scenario (see :class:`Outcome`). The orders must share one currency; scenario names
    must differ."""
    scenarios = (base, *others)
    for scenario in scenarios:
        if not isinstance(scenario, Scenario):
            raise ValidationError("scenarios", f"expected a Scenario, got {scenario!r}")
    names = [scenario.name for scenario in scenarios]
    if len(set(names)) != len(names):
        raise ValidationError("scenarios", f"scenario names must differ, got {names!r}")
    tallies = [_Tally(scenario) for scenario in scenarios]
    currency: str | None = None
    for order in orders:
        if currency is None:
            currency = order.currency
        elif order.currency != currency:
            raise CurrencyMismatch(f"orders[{order.id}]", currency, order.currency)
        base_priced = price(order, base.context)
        tallies[0].add(order, base_priced)
        base_total = base_priced.total
        for tally in tallies[1:]:
            priced = price(order, tally.scenario.context)
            tally.add(order, priced)
            if priced.total != base_total:
                tally.changes.append(Change(order.id, base_total, priced.total))
    if currency is None:
        raise ValidationError("orders", "there are no orders to compare")
    return Comparison(currency, tuple(tally.outcome(currency) for tally in tallies))


def _text(value: object) -> str:
    if isinstance(value, Money):
        return str(value.amount)
    return "" if value is None else str(value)


@attrs.frozen
class Comparison:
    """The outcome of each scenario over the same orders, the base scenario first."""

    currency: str
    outcomes: tuple[Outcome, ...]

    @property
    def base(self) -> Outcome:
        """The base scenario's outcome."""
        return self.outcomes[0]

    @property
    def others(self) -> tuple[Outcome, ...]:
        """The other scenarios' outcomes, in the order given."""
        return self.outcomes[1:]

    def outcome(self, scenario: str) -> Outcome:
        """The outcome of the scenario with this name."""
        for outcome in self.outcomes:
            if outcome.scenario == scenario:
                return outcome
        raise ValidationError("scenario", f"no scenario {scenario!r} in this comparison")

    @property
    def promotion_ids(self) -> tuple[str, ...]:
        """Every promotion that gave something in some scenario, sorted."""
        return tuple(sorted({key for o in self.outcomes for key in o.promotion_discounts}))

    def rows(self) -> list[tuple[str, list[object]]]:
        """The table's rows: a label, then one value per scenario (Money, Decimal, int)."""
        outcomes = self.outcomes
        zero = MinorUnits.of(self.currency).money(0)
        rows: list[tuple[str, list[object]]] = [
            ("orders", [o.orders for o in outcomes]),
            ("revenue", [o.revenue for o in outcomes]),
            ("revenue vs base", [o.revenue - self.base.revenue for o in outcomes]),
            ("net sales", [o.net_sales for o in outcomes]),
            ("discounts", [o.discounts for o in outcomes]),
        ]
        for key in self.promotion_ids:
            rows.append(
                (f"  promotion {key}", [o.promotion_discounts.get(key, zero) for o in outcomes])
            )
            rows.append(
                (f"  orders with {key}", [o.promotion_orders.get(key, 0) for o in outcomes])
            )
        rows += [
            ("tax", [o.tax for o in outcomes]),
            ("shipping", [o.shipping for o in outcomes]),
            ("margin (costed lines)", [o.margin for o in outcomes]),
            ("lines without cost", [o.uncosted_lines for o in outcomes]),
        ]
        summaries = [o.change_summary() for o in outcomes]
        for key, label in (
            ("changed", "orders changed"),
            ("up", "  total up"),
            ("down", "  total down"),
            ("mean", "  mean change"),
            ("min", "  smallest change"),
            ("median", "  median change"),
            ("max", "  largest change"),
        ):
            rows.append((label, [summary[key] for summary in summaries]))
        return rows

    def table(self) -> str:
        """The comparison as a plain-text table: one column per scenario, amounts exact."""
        head = [f"({self.currency})", *(o.scenario for o in self.outcomes)]
        body = [[label, *(_text(value) for value in values)] for label, values in self.rows()]
        widths = [max(len(row[i]) for row in [head, *body]) for i in range(len(head))]

        def line(cells: list[str]) -> str:
            first, *rest = cells
            parts = [first.ljust(widths[0])]
            parts += [cell.rjust(widths[i + 1]) for i, cell in enumerate(rest)]
            return "  ".join(parts).rstrip()

        rule = "-" * len(line(head))
        return "\n".join([line(head), rule, *(line(row) for row in body)])

    def to_dict(self) -> dict[str, Any]:
        """The comparison as JSON-ready data: amounts as strings, changes listed per order."""

        def amount(value: Money | Decimal | None) -> str | None:
            if value is None:
                return None
            return str(value.amount if isinstance(value, Money) else value)

        scenarios = []
        for o in self.outcomes:
            summary = o.change_summary()
            scenarios.append(
                {
                    "name": o.scenario,
                    "orders": o.orders,
                    "revenue": amount(o.revenue),
                    "net_sales": amount(o.net_sales),
                    "discounts": amount(o.discounts),
                    "promotions": {
                        key: {"discount": amount(value), "orders": o.promotion_orders[key]}
                        for key, value in o.promotion_discounts.items()
                    },
                    "tax": amount(o.tax),
                    "shipping": amount(o.shipping),
                    "margin": amount(o.margin),
                    "costed_lines": o.costed_lines,
                    "uncosted_lines": o.uncosted_lines,
                    "change_summary": {
                        key: value if isinstance(value, int) else amount(value)
                        for key, value in summary.items()
                    },
                    "changes": [
                        {
                            "order_id": change.order_id,
                            "base": amount(change.base),
                            "total": amount(change.total),
                            "change": amount(change.change),
                        }
                        for change in o.changes
                    ],
                }
            )
        return {"currency": self.currency, "scenarios": scenarios}

    def to_dataframe(self) -> pandas.DataFrame:
        """One row per scenario, one column per figure (amounts as Decimal); needs the
        ``notebook`` extra (pandas)."""
        return charts.dataframe(self)

    def plot_discounts(self) -> Figure:
        """A bar chart of what each promotion gave, per scenario; needs the ``notebook`` extra."""
        return charts.discount_figure(self)

    def plot_changes(self) -> Figure:
        """A histogram of order total changes against the base, per scenario; needs the
        ``notebook`` extra."""
        return charts.change_figure(self)

    def _repr_html_(self) -> str:
        head = "".join(
            f"<th>{html.escape(text)}</th>"
            for text in [self.currency, *(o.scenario for o in self.outcomes)]
        )
        body = "".join(
            "<tr><th style='text-align:left'>"
            + html.escape(label.strip())
            + "</th>"
            + "".join(f"<td style='text-align:right'>{html.escape(_text(v))}</td>" for v in values)
            + "</tr>"
            for label, values in self.rows()
        )
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

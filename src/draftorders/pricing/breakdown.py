"""The immutable result of pricing: every amount, and where each one came from.

Pricing keeps its numbers as integer minor units in compact records (:class:`LineRow`); the
public views here wrap them into :class:`Money`, :class:`Adjustment` and :class:`TaxLine`
when read, and render each reason from its recorded inputs only when asked for. That keeps the
pricing hot path arithmetic while every amount stays explainable. The billing view
(:attr:`PricedOrder.billing`) is likewise only worked out when read.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, NamedTuple

import attrs

from draftorders._compat import deprecated, renamed
from draftorders.billing import BillingPlan
from draftorders.errors import UnknownLine, ValidationError
from draftorders.explain import SHIPPING, Adjustment, Rejection, Why, render
from draftorders.money import MinorUnits, Money
from draftorders.order.entries import EntryKind
from draftorders.order.lines import LineItem
from draftorders.pricing import display, report
from draftorders.pricing.records import Packed, amounts, unpack
from draftorders.tax import TaxRate

__all__ = [
    "BillingGroup",
    "PricedBilling",
    "PricedEntry",
    "PricedLine",
    "PricedOrder",
    "PricedShipping",
    "TaxLine",
    "TaxSummaryLine",
]

ShippingCharge = tuple[Any, ...]
"""A recorded shipping discount: ``(kind, source, amount off in minor units, *reason)``."""


class Totals(NamedTuple):
    """An order's totals in minor units (see :class:`PricedOrder` for what each holds)."""

    subtotal: int
    discount: int
    net: int
    shipping: int
    debit: int
    credit: int
    tax: int
    total: int


class LineRow:
    """Everything pricing computed for one line, in minor units of the order's currency.

    The engine fills one in during a pricing run and never touches it afterwards; the public
    :class:`PricedLine` only reads it. Compared and hashed by value.
    """

    __slots__ = (
        "adjustments",
        "base",
        "discount",
        "item",
        "net",
        "points",
        "rule",
        "tax",
        "taxes",
        "unit",
        "unit_why",
    )

    def __init__(self, item: LineItem, unit: int, unit_why: Why, rule: str | None) -> None:
        self.item = item
        self.unit = unit
        self.unit_why = unit_why
        self.rule = rule
        self.base = self.net = unit * item.quantity
        self.discount = self.tax = self.points = 0
        self.adjustments: list[Any] = []
        """The line's adjustments, packed (see :mod:`draftorders.pricing.records`)."""
        self.taxes: Packed = ()
        """The line's tax records, packed."""

    def _key(self) -> tuple[object, ...]:
        return (
            self.item,
            self.unit,
            self.rule,
            self.points,
            self.base,
            self.discount,
            self.net,
            self.tax,
            tuple(self.adjustments),
            tuple(self.taxes),
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LineRow) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())


@attrs.frozen
class TaxLine:
    """Tax at one rate on one line (or on shipping): ``amount`` is ``rate`` of ``base``, rounded.

    ``base`` is the taxable net: the line's net for net prices, the gross less the tax
    extracted from it for tax-inclusive prices.
    """

    target: str
    rate: TaxRate
    base: Money
    amount: Money
    reason: str


def tax_lines(target: str, taxes: Packed, scale: MinorUnits) -> tuple[TaxLine, ...]:
    """Public tax lines from packed tax records."""
    return tuple(
        TaxLine(
            target, record[0], scale.money(record[1]), scale.money(record[2]), render(record[3:])
        )
        for record in unpack(taxes)
    )


_set = object.__setattr__


class PricedLine:
    """One line, priced: ``base - discount = net``; ``net + tax = total`` for net prices.

    With tax-inclusive prices ``net`` is gross and ``total == net``; the tax inside it is
    ``tax``. ``adjustments`` are the discounts, line-level first, then order-level shares.

    A read-only view over the line's pricing record, compared by value. It is a plain slotted
    class rather than an attrs one because pricing makes one per line: this keeps it cheap.
    """

    __slots__ = ("_inclusive", "_row", "_scale")

    _row: LineRow
    _scale: MinorUnits
    _inclusive: bool

    def __init__(self, row: LineRow, scale: MinorUnits, inclusive: bool) -> None:
        _set(self, "_row", row)
        _set(self, "_scale", scale)
        _set(self, "_inclusive", inclusive)

    def __setattr__(self, name: str, value: object) -> None:
        raise attrs.exceptions.FrozenInstanceError

    def __delattr__(self, name: str) -> None:
        raise attrs.exceptions.FrozenInstanceError

    def __reduce__(self) -> tuple[type[PricedLine], tuple[LineRow, MinorUnits, bool]]:
        """Pickled as its constructor's arguments: it refuses the attribute-by-attribute
        restore pickle would do otherwise."""
        return PricedLine, (self._row, self._scale, self._inclusive)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PricedLine):
            return NotImplemented
        return (self._row, self._scale, self._inclusive) == (
            other._row,
            other._scale,
            other._inclusive,
        )

    def __hash__(self) -> int:
        return hash((self._row, self._scale, self._inclusive))

    @property
    def line_id(self) -> str:
        """The order line's id."""
        return self._row.item.id

    @property
    def title(self) -> str:
        """The line's title."""
        return self._row.item.title

    @property
    def quantity(self) -> int:
        """Units on the line."""
        return self._row.item.quantity

    @property
    def unit_price(self) -> Money:
        """The unit price the line was priced at (list, manual, rule or price list)."""
        return self._scale.money(self._row.unit)

    @property
    def unit_price_reason(self) -> str:
        """Where the unit price came from ("list price", "set by hand ...", "rule ...")."""
        return render(self._row.unit_why)

    @property
    def pricing_rule(self) -> str | None:
        """Id of the pricing rule or price list that set the unit price, if one did."""
        return self._row.rule

    @property
    def points(self) -> int:
        """Loyalty points the line earns."""
        return self._row.points

    @property
    def billing_plan(self) -> BillingPlan | None:
        """The plan the line recurs on; None for a one-off line."""
        return self._row.item.billing_plan

    @property
    def base(self) -> Money:
        """The line before any discount: unit price x quantity, except with graduated tiers,
        where it is the exact sum of the bands and ``unit_price`` their rounded average."""
        return self._scale.money(self._row.base)

    @property
    def discount(self) -> Money:
        """All discounts on the line (positive): its own, plus its share of order discounts."""
        return self._scale.money(self._row.discount)

    @property
    def net(self) -> Money:
        """``base - discount``: what the line costs before tax (gross, if prices include tax)."""
        return self._scale.money(self._row.net)

    @property
    def tax(self) -> Money:
        """Tax on the line, all rates."""
        return self._scale.money(self._row.tax)

    @property
    def total(self) -> Money:
        """What the customer pays for the line, tax included."""
        row = self._row
        return self._scale.money(row.net if self._inclusive else row.net + row.tax)

    @property
    def adjustments(self) -> tuple[Adjustment, ...]:
        """Each discount on the line, signed (negative), with source and reason."""
        line_id, money = self._row.item.id, self._scale.money
        return tuple(
            Adjustment(charge[0], charge[1], line_id, money(charge[2]), render(charge[3:]))
            for charge in unpack(self._row.adjustments)
        )

    @property
    def taxes(self) -> tuple[TaxLine, ...]:
        """Tax per rate on the line."""
        return tax_lines(self._row.item.id, self._row.taxes, self._scale)

    def __repr__(self) -> str:
        row, dec = self._row, self._scale.decimal
        return (
            f"PricedLine({row.item.id!r}, base={dec(row.base)}, discount={dec(row.discount)}, "
            f"net={dec(row.net)}, tax={dec(row.tax)}, total={self.total.amount}, "
            f"currency={self._scale.currency.code})"
        )


@attrs.frozen
class PricedShipping:
    """The shipping charge: its price, discounts (free-shipping promotions), and tax.

    ``amount = price - discount`` is what is charged and taxed.
    """

    title: str
    _price: int
    _discounts: tuple[ShippingCharge, ...]
    _taxes: tuple[Any, ...]
    """Packed tax records."""
    _scale: MinorUnits

    @property
    def price(self) -> Money:
        """The shipping line's price, before promotions."""
        return self._scale.money(self._price)

    @property
    def discount(self) -> Money:
        """All shipping promotions together (positive)."""
        return self._scale.money(sum(discount[2] for discount in self._discounts))

    @property
    def amount(self) -> Money:
        """What is charged for shipping, and taxed."""
        return self._scale.money(self._price - sum(discount[2] for discount in self._discounts))

    @property
    def adjustments(self) -> tuple[Adjustment, ...]:
        """Each shipping discount, signed (negative), with source and reason."""
        money = self._scale.money
        return tuple(
            Adjustment(charge[0], charge[1], SHIPPING, money(-charge[2]), render(charge[3:]))
            for charge in self._discounts
        )

    @property
    def taxes(self) -> tuple[TaxLine, ...]:
        """Tax per rate on shipping."""
        return tax_lines(SHIPPING, self._taxes, self._scale)

    @property
    def tax(self) -> Money:
        """Tax on shipping, all rates."""
        return self._scale.money(amounts(self._taxes))


@attrs.frozen
class TaxSummaryLine:
    """One rate on the invoice's tax summary: what was taxed at it, and the tax."""

    rate: TaxRate
    taxable: Money
    tax: Money


@attrs.frozen
class PricedEntry:
    """An order-level credit or debit as charged.

    A taxable credit is split over the lines (see their adjustments) and lowers the tax; a
    taxable debit carries its own ``taxes``. ``amount`` may be less than asked when a credit
    was capped at what was left to pay; ``reason`` says so.
    """

    id: str
    kind: EntryKind
    title: str
    taxable: bool
    amount: Money
    taxes: tuple[TaxLine, ...]
    tax: Money
    reason: str


@attrs.frozen
class BillingGroup:
    """Recurring lines that share one billing plan, and what one cycle of them costs.

    ``amount`` is the sum of the lines' ``total`` as priced now: their discounts (their share
    of order discounts and taxable credits too) and tax included. The first invoice charges it
    with the rest of the order; each later cycle repeats it at today's prices and discounts
    only as a forecast, since a later cycle is priced again when it is invoiced.
    """

    plan: BillingPlan
    lines: tuple[PricedLine, ...] = attrs.field(repr=False)
    amount: Money
    _order_date: dt.date | None = attrs.field(default=None, alias="order_date", repr=False)

    @property
    def line_ids(self) -> tuple[str, ...]:
        """The ids of the lines billed on this plan, in order."""
        return tuple(line.line_id for line in self.lines)

    def schedule(self, anchor: dt.date | None = None, count: int | None = None) -> list[dt.date]:
        """The plan's invoice dates from ``anchor`` (the order date unless given), each computed
        from it; the first is the anchor itself, the order's own invoice. ``count`` as in
        :meth:`BillingPlan.dates`."""
        if anchor is None:
            if self._order_date is None:
                raise ValidationError(
                    "anchor", "this priced order has no order date; pass anchor=order.order_date"
                )
            anchor = self._order_date
        return self.plan.dates(anchor, count)


@attrs.frozen
class PricedBilling:
    """What a priced order bills, and when; read it as :attr:`PricedOrder.billing`.

    The first invoice charges everything (``due_now``, the order's total): the one-off lines,
    the first cycle of each plan, shipping, debits and credits. ``one_off`` are the lines
    billed on that invoice only, ``one_off_amount`` their totals. ``recurring`` has one group
    per plan (lines with equal plans together, in the order the plans first appear) with the
    amount each later cycle repeats; shipping and order charges are not repeated.
    """

    due_now: Money
    one_off: tuple[PricedLine, ...] = attrs.field(repr=False)
    one_off_amount: Money
    recurring: tuple[BillingGroup, ...]

    @property
    def is_recurring(self) -> bool:
        """True if any line recurs."""
        return bool(self.recurring)


def _total_units(lines: list[PricedLine]) -> int:
    return sum(
        line._row.net if line._inclusive else line._row.net + line._row.tax for line in lines
    )


@attrs.frozen
class PricedOrder:
    """An order priced at one version: totals, lines, shipping and the explanation trail.

    ``subtotal`` is before discounts; ``net_subtotal = subtotal - discount_total``;
    ``total = net_subtotal + shipping_total + debit_total - credit_total + tax_total``
    (without ``tax_total`` when prices include tax). ``credit_total`` holds the credits
    taken after tax (non-taxable credits and redeemed points); taxable credits are line
    adjustments, inside ``discount_total``. ``applied_promotions`` lists the promotions that
    gave something; ``rejections`` every promotion, rule or code considered and not applied,
    with why. ``notes`` record decisions that are not amounts. ``billing`` says which lines
    recur on which plan; it changes no total.
    """

    order_id: str
    version: int
    currency: str
    prices_include_tax: bool
    lines: tuple[PricedLine, ...]
    shipping: PricedShipping | None
    entries: tuple[PricedEntry, ...]
    points_earned: int
    points_redeemed: int
    applied_promotions: tuple[str, ...]
    rejections: tuple[Rejection, ...]
    notes: tuple[str, ...]
    _sums: Totals
    _scale: MinorUnits
    order_date: dt.date | None = None
    """The order's date, the default anchor of billing schedules; None if not recorded."""

    @property
    def subtotal(self) -> Money:
        """The lines before any discount."""
        return self._scale.money(self._sums.subtotal)

    @property
    def discount_total(self) -> Money:
        """Every discount on the lines (manual, promotions, taxable credits)."""
        return self._scale.money(self._sums.discount)

    @property
    def net_subtotal(self) -> Money:
        """The lines after their discounts."""
        return self._scale.money(self._sums.net)

    @property
    def shipping_total(self) -> Money:
        """Shipping as charged, after shipping promotions."""
        return self._scale.money(self._sums.shipping)

    @property
    def debit_total(self) -> Money:
        """All debits (handling fees, surcharges), before their tax."""
        return self._scale.money(self._sums.debit)

    @property
    def credit_total(self) -> Money:
        """Credits taken off after tax: non-taxable credits and redeemed points."""
        return self._scale.money(self._sums.credit)

    @property
    def tax_total(self) -> Money:
        """All tax: lines, shipping and taxable debits."""
        return self._scale.money(self._sums.tax)

    @property
    def total(self) -> Money:
        """What the customer pays."""
        return self._scale.money(self._sums.total)

    def line(self, line_id: str) -> PricedLine:
        """The priced line with this id; :class:`UnknownLine` if there is none."""
        for priced in self.lines:
            if priced.line_id == line_id:
                return priced
        raise UnknownLine(line_id)

    def explain(self) -> str:
        """The whole calculation as text: each amount with its source and reason."""
        return report.explain(self)

    def table(self) -> str:
        """The lines and totals as a plain-text table."""
        return report.summary_table(self)

    def _repr_html_(self) -> str:
        """The lines, adjustments and totals as an HTML table, for notebooks."""
        return display.priced_order_html(self)

    @property
    def billing(self) -> PricedBilling:
        """One-off and recurring lines, grouped by billing plan with the amount per cycle;
        worked out from the priced lines when read."""
        groups: dict[BillingPlan, list[PricedLine]] = {}
        one_off: list[PricedLine] = []
        for line in self.lines:
            plan = line._row.item.billing_plan
            if plan is None:
                one_off.append(line)
            else:
                groups.setdefault(plan, []).append(line)
        money = self._scale.money
        return PricedBilling(
            due_now=self.total,
            one_off=tuple(one_off),
            one_off_amount=money(_total_units(one_off)),
            recurring=tuple(
                BillingGroup(plan, tuple(lines), money(_total_units(lines)), self.order_date)
                for plan, lines in groups.items()
            ),
        )

    @property
    def adjustments(self) -> tuple[Adjustment, ...]:
        """Every discount adjustment, line by line."""
        return tuple(adj for priced in self.lines for adj in priced.adjustments)

    @property
    def tax_summary(self) -> tuple[TaxSummaryLine, ...]:
        """Per rate, in the order rates first appear: taxable base and tax; the taxes add up
        to ``tax_total``."""
        totals: dict[TaxRate, tuple[Decimal, Decimal]] = {}
        for line in self.tax_lines:
            base, tax = totals.get(line.rate, (Decimal(0), Decimal(0)))
            totals[line.rate] = (base + line.base.amount, tax + line.amount.amount)
        money = self._scale.money
        units = self._scale.units
        return tuple(
            TaxSummaryLine(rate, money(units(base)), money(units(tax)))
            for rate, (base, tax) in totals.items()
        )

    @property
    def tax_lines(self) -> tuple[TaxLine, ...]:
        """Every tax line: the lines' in order, then shipping's, then taxable debits'."""
        shipping = self.shipping.taxes if self.shipping is not None else ()
        debits = tuple(tax for entry in self.entries for tax in entry.taxes)
        return (*(tax for priced in self.lines for tax in priced.taxes), *shipping, *debits)

    @property
    def tax_charges(self) -> tuple[TaxLine, ...]:
        """Deprecated name of :attr:`tax_lines` (goes in 0.3)."""
        deprecated("PricedOrder.tax_charges", "PricedOrder.tax_lines")
        return self.tax_lines

    @property
    def charges(self) -> tuple[PricedEntry, ...]:
        """Deprecated name of :attr:`entries` (goes in 0.3)."""
        deprecated("PricedOrder.charges", "PricedOrder.entries")
        return self.entries


__getattr__ = renamed(__name__, globals())

"""``price(order, context)``: the pricing pipeline, one pure function in named stages.

The pipeline computes in integer minor units of the order's currency (cents, yen, fils), so
its arithmetic is exact and fast; every rounding is a call of the context's
:meth:`~draftorders.rounding.RoundingPolicy.divide`. The stages, each rounding at most once
at its named rounding point:

1. **base**: unit price (manual override, else list price) x quantity. Exact.
2. **line adjustments**: the manual line discount. Rounding point: a percentage discount is
   rounded once per line.
3. **order adjustments**: the order-wide discount, computed on the lines' net amounts and
   split over them by largest remainder. Rounding point: a percentage order discount is
   rounded once on the order; the split is exact.
4. **shipping**: the shipping line's price. Exact.
5. **tax**: each rate on each taxable line's net (or extracted from the gross when prices
   include tax), and on shipping where the calculator says so. Rounding point: per line
   (and for shipping) per rate.
6. **totals**: sums of already-rounded parts. Exact.

Money objects and reason texts are made only when the breakdown is read.
"""

from __future__ import annotations

from fractions import Fraction
from functools import lru_cache

from draftorders.discounts import DiscountKind, ManualDiscount
from draftorders.explain import SHIPPING, AdjustmentKind, Why, render
from draftorders.money import Scale
from draftorders.order import DraftOrder
from draftorders.pricing.breakdown import (
    LineRow,
    PricedLine,
    PricedOrder,
    PricedShipping,
    TaxRecord,
    tax_charges,
)
from draftorders.pricing.context import PricingContext
from draftorders.rounding import allocate_units
from draftorders.tax import TaxRate

__all__ = ["price"]

_SHOWN = 8
"""Significant digits shown of an exact, unrounded value in an explanation."""
_LINE_DISCOUNT = "manual:line-discount"
_ORDER_DISCOUNT = "manual:order-discount"
_MANUAL = AdjustmentKind.MANUAL

RateFactors = tuple[tuple[TaxRate, int, int], ...]
"""Each rate with the exact fraction ``numerator / denominator`` of the amount it takes."""


# -- reasons, rendered only when an explanation is read -----------------------------------------


def _rounded(scale: Scale, numerator: int, denominator: int, result: int, mode: str) -> str:
    if numerator == result * denominator:
        return ""
    return f", rounded {mode} from {scale.exact(numerator, denominator):.{_SHOWN}g}"


def _why_percent(scale: Scale, discount: ManualDiscount, base: int, amount: int, mode: str) -> str:
    numerator, denominator = discount.ratio
    exactly = _rounded(scale, base * numerator, denominator, amount, mode)
    return f"{discount.label}: {discount.percentage}% of {scale.decimal(base)}{exactly}"


def _why_fixed(discount: ManualDiscount) -> str:
    return discount.label


def _why_capped(scale: Scale, why: Why, base: int) -> str:
    return f"{render(why)}, capped at {scale.decimal(base)} so the amount stays >= 0"


def _why_share(scale: Scale, amount: int, net: int, subtotal: int, share: int) -> str:
    exact = scale.exact(amount * net, subtotal)
    return (
        f"{scale.decimal(amount)} x {scale.decimal(net)} / {scale.decimal(subtotal)} = "
        f"{exact:.{_SHOWN}g}, {scale.decimal(share)} by largest remainder"
    )


def _why_tax(
    scale: Scale,
    rate: TaxRate,
    inclusive: bool,
    amount: int,
    numerator: int,
    denominator: int,
    tax: int,
    mode: str,
) -> str:
    compound = " (compound)" if rate.compound else ""
    basis = "included in" if inclusive else "of"
    exactly = _rounded(scale, amount * numerator, denominator, tax, mode)
    return f"{rate.name} {rate.percentage}%{compound} {basis} {scale.decimal(amount)}{exactly}"


# -- the pipeline -------------------------------------------------------------------------------


class _Run:
    """One pricing run: the order, the context and the working state of its stages."""

    def __init__(self, order: DraftOrder, context: PricingContext) -> None:
        self.order = order
        self.context = context
        self.scale = scale = Scale.of(order.currency)
        self.divide = context.rounding.divide
        self.mode = context.rounding.label
        self.inclusive = context.prices_include_tax
        self.lines = [
            LineRow(item, scale.units(item.unit_price.amount) * item.quantity)
            for item in order.lines
        ]
        shipping = order.shipping
        self.shipping = scale.units(shipping.price.amount) if shipping is not None else 0
        self.shipping_taxes: tuple[TaxRecord, ...] = ()
        self.notes: list[str] = []

    # -- stage 2: line adjustments ---------------------------------------------------------------

    def line_adjustments(self) -> None:
        for line in self.lines:
            discount = line.item.discount
            if discount is not None:
                amount, why = self.discount_amount(discount, line.base, line.item.quantity)
                line.net -= amount
                line.discount += amount
                line.charges.append((_MANUAL, _LINE_DISCOUNT, -amount, why))

    def discount_amount(
        self, discount: ManualDiscount, base: int, quantity: int
    ) -> tuple[int, Why]:
        """The amount of a manual discount on ``base``, capped at it, and its reason."""
        why: Why
        if discount.kind is DiscountKind.PERCENTAGE:
            numerator, denominator = discount.ratio
            amount = self.divide(base * numerator, denominator)
            why = (_why_percent, self.scale, discount, base, amount, self.mode)
        else:
            assert discount.amount is not None
            amount = self.scale.units(discount.amount.amount)
            if discount.kind is DiscountKind.AMOUNT_PER_UNIT:
                amount *= quantity
            why = (_why_fixed, discount)
        if amount > base:
            return base, (_why_capped, self.scale, why, base)
        return amount, why

    # -- stage 3: order adjustments --------------------------------------------------------------

    def order_adjustments(self) -> None:
        discount = self.order.order_discount
        if discount is None:
            return
        eligible = [line for line in self.lines if line.net > 0]
        if not eligible:
            self.notes.append(f"order discount {discount.label} not applied: nothing to discount")
            return
        weights = [line.net for line in eligible]
        subtotal = sum(weights)
        amount, why = self.discount_amount(discount, subtotal, 1)
        shares = allocate_units(amount, weights, [line.item.id for line in eligible])
        self.notes.append(
            f"order discount {self.scale.decimal(amount)} ({render(why)}) split over "
            f"{len(eligible)} line(s) in proportion to their net amounts, largest remainder"
        )
        scale = self.scale
        for line, share in zip(eligible, shares, strict=True):
            if share:
                why = (_why_share, scale, amount, line.net, subtotal, share)
                line.charges.append((_MANUAL, _ORDER_DISCOUNT, -share, why))
                line.net -= share
                line.discount += share

    # -- stage 5: tax ----------------------------------------------------------------------------

    def taxes(self) -> None:
        calculator = self.context.tax
        if calculator is None:
            return
        if not self.order.taxes_enabled:
            self.notes.append("taxes switched off for this order")
            return
        customer = self.order.customer
        if customer is not None and customer.tax_exempt:
            self.notes.append(f"customer {customer.id} is tax exempt: no tax charged")
            return
        destination = self.order.shipping_address or self.order.billing_address
        by_category: dict[str, RateFactors] = {}
        for line in self.lines:
            item = line.item
            if not item.taxable:
                continue
            factors = by_category.get(item.tax_category)
            if factors is None:
                rates = calculator.line_rates(item.tax_category, destination)
                factors = by_category[item.tax_category] = _factors(rates, self.inclusive)
            if factors:
                line.taxes = taxes = self.tax_at(factors, line.net)
                line.tax = taxes[0][2] if len(taxes) == 1 else sum(tax for _, _, tax, _ in taxes)
        if self.shipping:
            factors = _factors(calculator.shipping_rates(destination), self.inclusive)
            if factors:
                self.shipping_taxes = self.tax_at(factors, self.shipping)

    def tax_at(self, factors: RateFactors, amount: int) -> tuple[TaxRecord, ...]:
        """Tax per rate on ``amount`` (net), or included in it (gross); each rounded once."""
        divide, inclusive = self.divide, self.inclusive
        records: list[TaxRecord] = []
        for rate, numerator, denominator in factors:
            tax = divide(amount * numerator, denominator)
            why = (
                _why_tax,
                self.scale,
                rate,
                inclusive,
                amount,
                numerator,
                denominator,
                tax,
                self.mode,
            )
            records.append((rate, amount, tax, why))
        if inclusive:
            base = amount - sum(tax for _, _, tax, _ in records)
            return tuple((rate, base, tax, why) for rate, _, tax, why in records)
        return tuple(records)

    # -- stage 6: totals -------------------------------------------------------------------------

    def breakdown(self) -> PricedOrder:
        scale = self.scale
        inclusive = self.inclusive
        priced = []
        subtotal = discount_total = net_subtotal = tax_total = 0
        for line in self.lines:
            subtotal += line.base
            discount_total += line.discount
            net_subtotal += line.net
            tax_total += line.tax
            priced.append(PricedLine(line, scale, inclusive))
        shipping = None
        if self.order.shipping is not None:
            shipping_tax = sum(tax for _, _, tax, _ in self.shipping_taxes)
            tax_total += shipping_tax
            shipping = PricedShipping(
                title=self.order.shipping.title,
                amount=scale.money(self.shipping),
                taxes=tax_charges(SHIPPING, self.shipping_taxes, scale),
                tax=scale.money(shipping_tax),
            )
        total = net_subtotal + self.shipping + (0 if inclusive else tax_total)
        return PricedOrder(
            order_id=self.order.id,
            version=self.order.version,
            currency=self.order.currency,
            prices_include_tax=inclusive,
            lines=tuple(priced),
            shipping=shipping,
            subtotal=scale.money(subtotal),
            discount_total=scale.money(discount_total),
            net_subtotal=scale.money(net_subtotal),
            shipping_total=scale.money(self.shipping),
            tax_total=scale.money(tax_total),
            total=scale.money(total),
            notes=tuple(self.notes),
        )


@lru_cache(maxsize=1024)
def _factors(rates: tuple[TaxRate, ...], inclusive: bool) -> RateFactors:
    """The exact fraction of the amount each rate takes; pure, so cached per rate set.

    A simple rate takes ``r`` of the net; a compound one ``r x (1 + the fractions before
    it)``. With tax-inclusive prices the amount is gross, so each fraction is divided by
    ``1 + the sum of all fractions``.
    """
    fractions = []
    before = Fraction(0)
    for rate in rates:
        fraction = Fraction(rate.fraction)
        if rate.compound:
            fraction *= 1 + before
        fractions.append(fraction)
        before += fraction
    if inclusive:
        fractions = [fraction / (1 + before) for fraction in fractions]
    return tuple(
        (rate, fraction.numerator, fraction.denominator)
        for rate, fraction in zip(rates, fractions, strict=True)
    )


def price(order: DraftOrder, context: PricingContext | None = None) -> PricedOrder:
    """Price ``order`` under ``context``: a pure function, same input, same cents.

    Returns a :class:`PricedOrder` whose parts add up exactly to its totals, in which every
    discount and tax says where it came from and how it was computed.
    """
    run = _Run(order, context if context is not None else PricingContext())
    run.line_adjustments()
    run.order_adjustments()
    run.taxes()
    return run.breakdown()

"""``price(order, context)``: the pricing pipeline, one pure function in named stages.

The pipeline computes in integer minor units of the order's currency (cents, yen, fils), so
its arithmetic is exact and fast; every rounding is a call of the context's
:meth:`~draftorders.rounding.RoundingPolicy.divide`. The stages, each rounding at most once
per amount, at its named rounding point:

1. **base**: the unit price: typed in by hand, else the line's chosen pricing rule, else the
   customer group's price list, else the product's automatic rule, else the list price.
   Rounding point: a rule's unit price, once per unit. Base = unit price x quantity.
2. **line adjustments**: the manual line discount. Rounding point: a percentage, per line.
3. **promotions**: product promotions on lines, then order promotions on what is left (split
   over lines by largest remainder), then shipping promotions. Rounding point: each
   percentage, once per line (product) or per order (order).
4. **order adjustments**: the manual order discount, then taxable credits, both split over the
   lines by largest remainder. Rounding point: a percentage order discount, once.
5. **tax**: each rate on each taxable line's net, on shipping, and on taxable debits (or
   extracted from gross amounts when prices include tax). Rounding point: per line, per rate.
6. **totals**: sums of rounded parts; non-taxable debits added, non-taxable credits and
   redeemed points taken off after tax (capped at what is due). Loyalty points earned on the
   final nets, rounded down.

Money objects and reason texts are made only when the breakdown is read.
"""

from __future__ import annotations

from collections.abc import Callable

from draftorders.customers import Address
from draftorders.explain import SHIPPING, AdjustmentKind, Rejection, Why
from draftorders.money import MinorUnits
from draftorders.order import DraftOrder
from draftorders.order.discounts import DiscountKind, ManualDiscount
from draftorders.order.entries import EntryKind, OrderEntry
from draftorders.pricing import reasons
from draftorders.pricing.breakdown import (
    LineRow,
    PricedEntry,
    PricedLine,
    PricedOrder,
    PricedShipping,
    ShippingCharge,
    Totals,
    tax_lines,
)
from draftorders.pricing.context import PricingContext
from draftorders.pricing.records import pack
from draftorders.pricing.rules import PriceList, PricingRule
from draftorders.pricing.taxation import RateFactors, Taxed, TaxedItem, Taxer, rate_factors
from draftorders.promotions import PromotionClass, PromotionContext, plan_promotions
from draftorders.rounding import DiscountBasis, TaxLevel, allocate_units
from draftorders.tax import FlatRateTax, QuotedTax, TableTax, TaxCalculator, TaxQuote

__all__ = ["price"]

_MANUAL = AdjustmentKind.MANUAL
_UNTAXED: Taxed = ((), 0)
_LIST_PRICE: Why = (reasons.list_price,)


class _Run:
    """One pricing run: the order, the context and the working state of its stages."""

    def __init__(self, order: DraftOrder, context: PricingContext) -> None:
        self.order = order
        self.context = context
        self.scale = MinorUnits.of(order.currency)
        self.divide = context.rounding.divide
        self.discount_divide = context.rounding.discount_divide
        self.remainder = context.rounding.remainder
        self.mode = context.rounding.label
        self.inclusive = context.prices_include_tax
        self.rows: list[LineRow] = []
        shipping = order.shipping
        self.shipping = self.scale.units(shipping.price.amount) if shipping is not None else 0
        self.shipping_charged = self.shipping
        self.shipping_adjustments: list[ShippingCharge] = []
        self.before_order: list[int] = []
        """Line nets before order-level discounts (for the ORIGINAL discount basis)."""
        self.shipping_taxes: Taxed = _UNTAXED
        self.debit_taxes: dict[str, Taxed] = {}
        self.applied: tuple[str, ...] = ()
        self.rejections: list[Rejection] = []
        self.notes: list[str] = []

    # -- stage 1: base -------------------------------------------------------------------------

    def base(self) -> None:
        scale, divide = self.scale, self.divide
        rules = self.context.rules
        customer = self.order.customer
        price_list = rules.price_lists.get(customer.group) if customer and customer.group else None
        lines = self.order.lines
        if not rules.products and price_list is None and not any(i.pricing_rule for i in lines):
            places = scale.places
            self.rows = [
                LineRow(item, int(item.list_price.amount.scaleb(places)), _LIST_PRICE, None)
                if item.unit_price_override is None
                else LineRow(
                    item,
                    int(item.unit_price_override.amount.scaleb(places)),
                    (reasons.manual_price, item),
                    None,
                )
                for item in lines
            ]
            return
        for item in self.order.lines:
            if item.unit_price_override is not None:
                unit = scale.units(item.unit_price_override.amount)
                self.rows.append(LineRow(item, unit, (reasons.manual_price, item), None))
                continue
            product_rules = rules.rules_for(item.sku)
            chosen = [r for r in product_rules if r.id == item.pricing_rule]
            if item.pricing_rule is not None and not chosen:
                self.reject(
                    f"rule:{item.pricing_rule}",
                    item.pricing_rule,
                    f"line {item.id}: {item.sku} has no pricing rule {item.pricing_rule!r}",
                )
            options: list[PricingRule | PriceList] = [
                *chosen,
                *([price_list] if price_list and item.sku in price_list.prices else []),
                *(r for r in product_rules if r.automatic),
            ]
            for rule in options:
                priced = rule.price_line(item, scale, divide)
                if isinstance(priced, str):
                    self.reject(f"rule:{rule.id}", rule.id, f"line {item.id}: {priced}")
                    continue
                row = LineRow(item, priced[1], priced[2], rule.id)
                row.base = row.net = priced[0]
                self.rows.append(row)
                break
            else:
                self.rows.append(
                    LineRow(item, scale.units(item.list_price.amount), _LIST_PRICE, None)
                )

    def reject(self, source: str, title: str, reason: str) -> None:
        self.rejections.append(Rejection(source, title, reason))

    # -- stage 2: line adjustments ---------------------------------------------------------------

    def line_adjustments(self) -> None:
        discount_amount = self.discount_amount
        for row in self.rows:
            item = row.item
            if item.discount is not None:
                amount, why = discount_amount(item.discount, row.net, item.quantity)
                row.net -= amount
                row.discount += amount
                charges = row.adjustments  # packed: length, kind, source, amount, reason
                charges += (3 + len(why), _MANUAL, "manual:line-discount", -amount)
                charges += why

    def discount_amount(
        self, discount: ManualDiscount, base: int, quantity: int
    ) -> tuple[int, Why]:
        """The amount of a manual discount on ``base``, capped at it, and its reason."""
        why: Why
        if discount.kind is DiscountKind.PERCENTAGE:
            numerator, denominator = discount.ratio
            amount = self.discount_divide(base * numerator, denominator)
            why = (reasons.percent_discount, self.scale, discount, base, amount, self.mode)
        else:
            assert discount.amount is not None
            amount = self.scale.units(discount.amount.amount)
            if discount.kind is DiscountKind.AMOUNT_PER_UNIT:
                amount *= quantity
            why = (reasons.fixed_discount, discount)
        if amount > base:
            return base, (reasons.capped, self.scale, why, base)
        return amount, why

    # -- stage 3: promotions ---------------------------------------------------------------------

    def promotions(self) -> None:
        context, order, rows = self.context, self.order, self.rows
        self.before_order = [row.net for row in rows]
        if not context.promotions and not order.coupon_codes:
            return
        situation = PromotionContext(
            today=context.today or order.order_date,
            customer=order.customer,
            codes=order.coupon_codes,
            usage=context.usage,
            scale=self.scale,
            divide=self.discount_divide,
            remainder=self.remainder,
            basis=context.rounding.order_discount_basis,
            cover_shipping=context.rounding.order_discounts_cover_shipping,
        )
        before_order = self.before_order
        plan = plan_promotions(
            context.promotions,
            order.lines,  # the rows' items, in the same order
            [row.unit for row in rows],
            before_order,  # the nets; the plan works on its own copy
            self.shipping,
            situation,
        )
        kind, order_class = AdjustmentKind.PROMOTION, PromotionClass.ORDER
        for given in plan.line_discounts:
            source = given.promotion.source
            product_level = given.promotion.kind is not order_class
            for index, amount, why in zip(
                given.positions, given.amounts, given.reasons, strict=True
            ):
                row = rows[index]
                row.net -= amount
                row.discount += amount
                charges = row.adjustments  # packed: length, kind, source, amount, reason
                charges += (3 + len(why), kind, source, -amount)
                charges += why
                if product_level:
                    before_order[index] -= amount
        for promotion, amount, why in plan.shipping_discounts:
            self.shipping_charged -= amount
            kind = AdjustmentKind.PROMOTION
            self.shipping_adjustments.append((kind, promotion.source, amount, *why))
        self.applied = tuple(promotion.id for promotion in plan.applied)
        self.rejections.extend(plan.rejections)

    # -- stage 4: order adjustments --------------------------------------------------------------

    def order_adjustments(self) -> None:
        discount = self.order.order_discount
        if discount is not None:
            eligible = [row for row in self.rows if row.net > 0]
            if not eligible:
                self.notes.append(f"order discount {discount.label} not applied: nothing left")
            else:
                policy = self.context.rounding
                cover = policy.order_discounts_cover_shipping and self.shipping_charged > 0
                nets = [row.net for row in eligible]
                subtotal = sum(nets)
                basis = subtotal
                if policy.order_discount_basis is DiscountBasis.ORIGINAL:
                    positions = {id(row): i for i, row in enumerate(self.rows)}
                    basis = sum(self.before_order[positions[id(row)]] for row in eligible)
                shipping = self.shipping_charged if cover else 0
                amount, why = self.discount_amount(discount, basis + shipping, 1)
                amount = min(amount, subtotal + shipping)
                self.notes.append(
                    f"order discount {discount.label} split over {len(eligible)} line(s)"
                    f"{' and shipping' if cover else ''} in proportion to their amounts, "
                    "largest remainder"
                )
                what = (reasons.share_of, why)
                self.split(eligible, nets, amount, _MANUAL, "manual:order-discount", what, cover)
        for charge in self.order.entries:
            if charge.kind is EntryKind.CREDIT and charge.taxable:
                eligible = [row for row in self.rows if row.net > 0]
                nets = [row.net for row in eligible]
                amount = min(self.scale.units(charge.amount.amount), sum(nets))
                if amount:
                    self.split(
                        eligible,
                        nets,
                        amount,
                        AdjustmentKind.CREDIT,
                        charge.source,
                        (reasons.text, f"share of taxable credit {charge.title}: "),
                    )

    def split(
        self,
        rows: list[LineRow],
        nets: list[int],
        amount: int,
        kind: AdjustmentKind,
        source: str,
        what: Why,
        shipping: bool = False,
    ) -> None:
        """Take ``amount`` off ``rows`` (and shipping) in proportion to their ``nets``, by
        largest remainder."""
        weights = [*nets, self.shipping_charged] if shipping else nets
        keys = [row.item.id for row in rows]
        if shipping:
            keys.append(SHIPPING)
        subtotal = sum(weights)
        shares = allocate_units(amount, weights, keys, self.remainder)
        share, scale = reasons.share, self.scale
        for row, weight, part in zip(rows, weights, shares, strict=False):
            if part:
                row.net -= part
                row.discount += part
                row.adjustments += (  # packed: length, then its 10 fields
                    10,
                    kind,
                    source,
                    -part,
                    share,
                    scale,
                    what,
                    amount,
                    weight,
                    subtotal,
                    part,
                )
        if shipping and shares[-1]:
            part, weight = shares[-1], weights[-1]
            self.shipping_charged -= part
            self.shipping_adjustments.append(
                (kind, source, part, share, scale, what, amount, weight, subtotal, part)
            )

    # -- stage 5: tax ----------------------------------------------------------------------------

    def taxes(self) -> None:
        calculator, quote = self.context.tax, self.context.tax_quote
        if calculator is None and quote is None:
            return
        if not self.order.taxes_enabled:
            self.notes.append("taxes switched off for this order")
            return
        customer = self.order.customer
        if customer is not None and customer.tax_exempt:
            exemption = (
                f" (exemption {customer.tax_exemption_id})" if customer.tax_exemption_id else ""
            )
            self.notes.append(f"customer {customer.id} is tax exempt{exemption}: no tax charged")
            return
        if quote is not None:
            self.quoted(quote)
            return
        assert calculator is not None
        destination = self.order.shipping_address or self.order.billing_address
        by_category: dict[str, RateFactors] = {}
        inclusive = self.inclusive
        taxer = Taxer(self.scale, self.context.rounding, inclusive)
        tax = taxer.tax
        document = self.context.rounding.tax_level is TaxLevel.DOCUMENT
        kept: list[tuple[TaxedItem, Callable[[Taxed], None]]] = []

        known = _known_factors(calculator)

        def factors_for(category: str) -> RateFactors:
            factors = by_category.get(category)
            if factors is None:
                key = (category, destination, inclusive)
                factors = known.get(key) if known is not None else None
                if factors is None:
                    rates = calculator.line_rates(category, destination)
                    factors = rate_factors(rates, inclusive)
                    if known is not None:
                        _remember(known, key, factors)
                by_category[category] = factors
            return factors

        for row in self.rows:
            item = row.item
            if item.taxable:
                factors = by_category.get(item.tax_category) or factors_for(item.tax_category)
                if factors:
                    row.taxes, row.tax = tax(row.net, item.quantity, factors)
                    if document:
                        kept.append((TaxedItem(item.id, row.net, factors), _row_setter(row)))
        if self.shipping_charged:
            key = (None, destination, inclusive)
            found = known.get(key) if known is not None else None
            if found is None:
                found = rate_factors(calculator.shipping_rates(destination), inclusive)
                if known is not None:
                    _remember(known, key, found)
            factors = found
            if factors:
                self.shipping_taxes = tax(self.shipping_charged, 1, factors)
                if document:
                    kept.append(
                        (
                            TaxedItem(SHIPPING, self.shipping_charged, factors),
                            self._set_shipping_taxes,
                        )
                    )
        for charge in self.order.entries:
            if charge.kind is EntryKind.DEBIT and charge.taxable:
                factors = factors_for(charge.tax_category)
                if factors:
                    amount = self.scale.units(charge.amount.amount)
                    self.debit_taxes[charge.id] = tax(amount, 1, factors)
                    if document:
                        kept.append(
                            (
                                TaxedItem(charge.source, amount, factors),
                                self._debit_setter(charge.id),
                            )
                        )
        if kept:
            taxer.per_document([taxed for taxed, _ in kept])
            for taxed, put in kept:
                put(taxed.taxes)

    def quoted(self, quote: TaxQuote) -> None:
        """Taxes as an external engine quoted them, per line id and for shipping."""
        scale, inclusive = self.scale, self.inclusive

        def quoted_taxes(amount: int, taxes: tuple[QuotedTax, ...]) -> Taxed:
            charged = [(tax.rate, scale.units(tax.amount.amount)) for tax in taxes]
            total = sum(units for _, units in charged)
            base = amount - total if inclusive else amount
            why = reasons.quoted
            return pack(
                (rate, base, units, why, scale, rate, units) for rate, units in charged
            ), total

        for row in self.rows:
            taxes = quote.lines.get(row.item.id, ())
            if taxes and row.item.taxable:
                row.taxes, row.tax = quoted_taxes(row.net, taxes)
        if quote.shipping and self.shipping_charged:
            self.shipping_taxes = quoted_taxes(self.shipping_charged, quote.shipping)

    def _set_shipping_taxes(self, taxes: Taxed) -> None:
        self.shipping_taxes = taxes

    def _debit_setter(self, entry_id: str) -> Callable[[Taxed], None]:
        def put(taxes: Taxed) -> None:
            self.debit_taxes[entry_id] = taxes

        return put

    # -- stage 6: totals -------------------------------------------------------------------------

    def breakdown(self) -> PricedOrder:
        scale, inclusive = self.scale, self.inclusive
        points = self.context.points
        priced = []
        subtotal = discount_total = net_subtotal = tax_total = 0
        for row in self.rows:
            subtotal += row.base
            discount_total += row.discount
            net_subtotal += row.net
            tax_total += row.tax
            if row.item.points is not None:
                row.points = row.item.points
            elif points is not None:
                row.points = points.earned(row.net, scale)
            priced.append(PricedLine(row, scale, inclusive))
        shipping = None
        if self.order.shipping is not None:
            tax_total += self.shipping_taxes[1]
            shipping = PricedShipping(
                self.order.shipping.title,
                self.shipping,
                tuple(self.shipping_adjustments),
                self.shipping_taxes[0],
                scale,
            )
        debit_total = 0
        charges = []
        for charge in self.order.entries:
            if charge.kind is EntryKind.DEBIT:
                priced_charge, tax = self.debit(charge)
                debit_total += scale.units(charge.amount.amount)
                tax_total += tax
                charges.append(priced_charge)
        due = net_subtotal + self.shipping_charged + debit_total + (0 if inclusive else tax_total)
        credit_total = 0
        for charge in self.order.entries:
            if charge.kind is EntryKind.CREDIT:
                priced_charge, amount = self.credit(charge, due - credit_total)
                credit_total += amount
                charges.append(priced_charge)
        points_used, redeemed = self.redeem(due - credit_total)
        credit_total += redeemed
        return PricedOrder(
            order_id=self.order.id,
            version=self.order.version,
            currency=self.order.currency,
            prices_include_tax=inclusive,
            lines=tuple(priced),
            shipping=shipping,
            entries=tuple(charges),
            points_earned=sum(row.points for row in self.rows),
            points_redeemed=points_used,
            applied_promotions=self.applied,
            rejections=tuple(self.rejections),
            notes=tuple(self.notes),
            sums=Totals(
                subtotal,
                discount_total,
                net_subtotal,
                self.shipping_charged,
                debit_total,
                credit_total,
                tax_total,
                due - credit_total,
            ),
            scale=scale,
            order_date=self.order.order_date,
        )

    def debit(self, charge: OrderEntry) -> tuple[PricedEntry, int]:
        records, tax = self.debit_taxes.get(charge.id, _UNTAXED)
        basis = "taxable" if charge.taxable else "not taxable"
        priced = PricedEntry(
            id=charge.id,
            kind=charge.kind,
            title=charge.title,
            taxable=charge.taxable,
            amount=charge.amount,
            taxes=tax_lines(charge.source, records, self.scale),
            tax=self.scale.money(tax),
            reason=f"debit {charge.title}, {basis}",
        )
        return priced, tax

    def credit(self, charge: OrderEntry, due: int) -> tuple[PricedEntry, int]:
        """A credit as charged; a non-taxable one comes off after tax, capped at ``due``."""
        money = self.scale.money
        if charge.taxable:
            reason = f"credit {charge.title}, taxable: split over the lines before tax"
            priced = PricedEntry(
                charge.id, charge.kind, charge.title, True, charge.amount, (), money(0), reason
            )
            return priced, 0
        asked = self.scale.units(charge.amount.amount)
        amount = min(asked, max(due, 0))
        reason = f"credit {charge.title}, not taxable: taken off after tax"
        if amount < asked:
            reason += f", capped at {self.scale.decimal(amount)} left to pay"
        priced = PricedEntry(
            charge.id, charge.kind, charge.title, False, money(amount), (), money(0), reason
        )
        return priced, amount

    def redeem(self, due: int) -> tuple[int, int]:
        """(points used, credit) for the order's redeemed points, at most what is ``due``."""
        points = self.order.points_redeemed
        if not points:
            return 0, 0
        program = self.context.points
        if program is None:
            self.reject("points", "points", f"{points} points not redeemed: no points program")
            return 0, 0
        used, credit = program.redeem(points, due, self.scale)
        if used == points:
            self.notes.append(f"{points} points redeemed for {self.scale.decimal(credit)}")
        else:
            self.notes.append(
                f"{used} of {points} points redeemed for {self.scale.decimal(credit)}, all that "
                "was left to pay; the rest stay with the customer"
            )
        return used, credit


_FactorKey = tuple[str | None, Address | None, bool]
_PURE_CALCULATORS = (FlatRateTax, TableTax)
_FACTORS: dict[int, tuple[TaxCalculator, dict[_FactorKey, RateFactors]]] = {}
"""Rate factors per (category or None for shipping, destination, inclusive), kept per
calculator object for the library's own calculators, which are frozen data and so answer the
same every time: finding the jurisdiction and the rates' fractions was a fixed cost of every
pricing run. Each entry holds its calculator, so its id cannot be reused while it lives."""


def _known_factors(calculator: TaxCalculator) -> dict[_FactorKey, RateFactors] | None:
    """The factors already worked out for this calculator; None for a calculator of unknown
    type, which is asked every time."""
    if type(calculator) not in _PURE_CALCULATORS:
        return None
    entry = _FACTORS.get(id(calculator))
    if entry is None or entry[0] is not calculator:
        if len(_FACTORS) >= 64:
            _FACTORS.clear()
        entry = _FACTORS[id(calculator)] = (calculator, {})
    return entry[1]


def _remember(known: dict[_FactorKey, RateFactors], key: _FactorKey, factors: RateFactors) -> None:
    if len(known) >= 1024:
        known.clear()
    known[key] = factors


def _row_setter(row: LineRow) -> Callable[[Taxed], None]:
    def put(taxes: Taxed) -> None:
        row.taxes, row.tax = taxes

    return put


def price(order: DraftOrder, context: PricingContext | None = None) -> PricedOrder:
    """Price ``order`` under ``context``: a pure function, same input, same cents.

    Returns a :class:`PricedOrder` whose parts add up exactly to its totals, in which every
    amount says where it came from and how it was computed, and every promotion or rule that
    was considered and not applied says why not.
    """
    run = _Run(order, context if context is not None else PricingContext())
    run.base()
    run.line_adjustments()
    run.promotions()
    run.order_adjustments()
    run.taxes()
    return run.breakdown()

"""Deciding which promotions apply, in which order, for how much, and why the others do not.

:func:`plan_promotions` works on a copy of the lines' net amounts (integer minor units) and
returns a :class:`Plan`; it changes nothing, so the pricing engine can apply the plan, and
"best deal" can compare plans.

The rules, in order:

1. The book's index gives the candidates; they are tried by priority (lower first), then id,
   product promotions before order promotions before shipping promotions.
2. A candidate applies only if its currency is the order's, its code was entered, its usage
   limits are not reached, all its conditions are met on the amounts left by the promotions
   before it, and it stacks with every promotion already applied where they overlap (on a
   line for two product promotions, on the order otherwise).
3. Exclusive promotions apply alone. When there are any, each is planned on its own and
   compared with the plan of all the non-exclusive ones: the plan that saves the customer the
   most wins ("best deal"); on a tie the non-exclusive plan wins, then priority.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import cast

import attrs

from draftorders._compat import renamed
from draftorders.customers import Customer
from draftorders.explain import Rejection, Why, render
from draftorders.money import MinorUnits, Money
from draftorders.order.lines import LineItem
from draftorders.promotions.benefits import FreeGift, OrderPercentOff, PromotionClass, SpendTiers
from draftorders.promotions.book import PromotionBook
from draftorders.promotions.conditions import OrderFacts
from draftorders.promotions.promotion import Promotion
from draftorders.promotions.usage import PromotionUsage
from draftorders.rounding import DiscountBasis, Divider, Remainder, allocate_units

__all__ = ["LineDiscounts", "Plan", "PromotionContext", "plan_promotions"]


@attrs.frozen
class PromotionContext:
    """What promotions are planned with besides the order's lines: the day, the customer, the
    codes entered, usage so far, and the shop's discount rounding and stacking settings."""

    today: dt.date
    customer: Customer | None
    codes: tuple[str, ...]
    usage: PromotionUsage
    scale: MinorUnits
    divide: Divider
    """Rounds percentage discounts (the shop's discount rounding mode)."""
    remainder: Remainder = Remainder.LARGEST
    """Where the units left over by splitting an order promotion go."""
    basis: DiscountBasis = DiscountBasis.SEQUENTIAL
    """Whether order percentages compound or are all taken from the pre-order subtotal."""
    cover_shipping: bool = False
    """Whether whole-order discounts also reduce shipping."""


@attrs.frozen
class LineDiscounts:
    """What one promotion takes off the lines, in step: each line's position, the amount in
    minor units, and its reason.

    One value per promotion rather than one per line keeps a plan for a large order small.
    """

    promotion: Promotion
    positions: tuple[int, ...]
    amounts: tuple[int, ...]
    reasons: tuple[Why, ...]


ShippingDiscount = tuple[Promotion, int, Why]
"""(promotion, amount off shipping in minor units, reason)."""


@attrs.frozen
class Plan:
    """The promotions chosen for an order: discounts per line and on shipping, and the rest."""

    line_discounts: tuple[LineDiscounts, ...]
    """Per promotion that discounts lines; each of them is also in ``applied``."""
    shipping_discounts: tuple[ShippingDiscount, ...]
    applied: tuple[Promotion, ...]
    rejections: tuple[Rejection, ...]

    @property
    def total(self) -> int:
        """What the plan saves the customer, in minor units."""
        shipping = sum(amount for _, amount, _ in self.shipping_discounts)
        return sum(sum(given.amounts) for given in self.line_discounts) + shipping


_NOTHING = Plan((), (), (), ())


def _why_share(
    scale: MinorUnits, promotion_why: Why, total: int, net: int, subtotal: int, share: int
) -> str:
    exact = scale.exact(total * net, subtotal)
    return (
        f"{render(promotion_why)}; this line's share {scale.decimal(total)} x {scale.decimal(net)}"
        f" / {scale.decimal(subtotal)} = {exact:.8g}, {scale.decimal(share)} by largest remainder"
    )


class _Scenario:
    """One attempt: a set of promotions tried in order on a private copy of the nets."""

    def __init__(
        self,
        items: Sequence[LineItem],
        units: Sequence[int],
        nets: Sequence[int],
        shipping: int,
        situation: PromotionContext,
    ) -> None:
        self.items = items
        self.units = units
        self.nets = list(nets)
        self.shipping = shipping
        self.situation = situation
        self.scale = situation.scale
        self.on_line: dict[int, list[Promotion]] = {}
        self.applied: list[Promotion] = []
        self.discounts: list[LineDiscounts] = []
        self.shipping_discounts: list[ShippingDiscount] = []
        self.rejected: dict[str, Rejection] = {}
        self.order_base: list[int] | None = None
        self.skus_and_tags: tuple[frozenset[str], frozenset[str]] | None = None
        """The order's SKUs and tags, for conditions: worked out when one first asks."""

    def reject(self, promotion: Promotion, reason: str, shortfall: Money | None = None) -> None:
        self.rejected[promotion.id] = Rejection(
            promotion.source, promotion.title, reason, shortfall
        )

    def run(self, promotions: Sequence[Promotion]) -> Plan:
        """Try ``promotions``, given in the order :meth:`PromotionBook.candidates` returns."""
        for promotion in promotions:
            reason = self.gate(promotion)
            if reason is not None:
                self.reject(promotion, reason)
            elif promotion.kind is PromotionClass.PRODUCT:
                self.apply_product(promotion)
            elif promotion.kind is PromotionClass.ORDER:
                self.apply_order(promotion)
            else:
                self.apply_shipping(promotion)
        return Plan(
            tuple(self.discounts),
            tuple(self.shipping_discounts),
            tuple(self.applied),
            tuple(self.rejected.values()),
        )

    def gate(self, promotion: Promotion) -> str | None:
        """Why the promotion cannot apply whatever the amounts, or None."""
        situation = self.situation
        code = self.scale.currency.code
        currencies = _currencies_of(promotion)
        if currencies and (len(currencies) > 1 or code not in currencies):
            return f"its amounts are not in {code}, the order's currency"
        if promotion.code is not None and promotion.code not in situation.codes:
            return f"code {promotion.code} not entered"
        used = situation.usage.count(promotion.id)
        if promotion.usage_limit is not None and used >= promotion.usage_limit:
            return f"usage limit reached ({used} of {promotion.usage_limit})"
        limit = promotion.usage_limit_per_customer
        if limit is not None:
            customer = situation.customer
            if customer is None:
                return "limited per customer, and the order has no customer"
            mine = situation.usage.count_for(promotion.id, customer.id)
            if mine >= limit:
                return f"customer {customer.id} has used it {mine} of {limit} time(s)"
        return None

    def facts(self, indexes: Sequence[int], subtotal: int | None = None) -> OrderFacts:
        """What conditions see of the lines at ``indexes`` (their ``subtotal`` if known)."""
        items = self.items
        if self.skus_and_tags is None:
            self.skus_and_tags = (
                frozenset(item.sku for item in items if item.sku is not None),
                frozenset(tag for item in items for tag in item.tags),
            )
        skus, tags = self.skus_and_tags
        return OrderFacts(
            today=self.situation.today,
            customer=self.situation.customer,
            skus=skus,
            tags=tags,
            quantity=sum(items[i].quantity for i in indexes),
            subtotal=sum(map(self.nets.__getitem__, indexes)) if subtotal is None else subtotal,
            scale=self.scale,
        )

    def unmet(
        self, promotion: Promotion, indexes: Sequence[int], subtotal: int | None = None
    ) -> bool:
        """Reject the promotion if a condition on the lines at ``indexes`` is unmet; True if
        it was. The facts are gathered only for a promotion that has conditions."""
        if not promotion.conditions:
            return False
        facts = self.facts(indexes, subtotal)
        for condition in promotion.conditions:
            reason = condition.check(facts)
            if reason is not None:
                self.reject(promotion, reason, condition.shortfall(facts))
                return True
        return False

    def clashes(self, promotion: Promotion, others: Sequence[Promotion], where: str) -> bool:
        """Reject the promotion if it does not stack with one already applied; True if so."""
        for other in others:
            if not promotion.stacks_with(other):
                self.reject(
                    promotion,
                    f"does not combine with {other.source} ({other.kind.value}) already "
                    f"applied {where}",
                )
                return True
        return False

    def apply_product(self, promotion: Promotion) -> None:
        target = promotion.target
        assert target is not None
        indexes = target.positions(self.items)
        if not indexes:
            if self.unmet(promotion, range(len(self.items))):
                return
            if isinstance(promotion.benefit, FreeGift):
                self.reject(promotion, f"add the gift ({target.label}) to the order to get it")
            else:
                self.reject(promotion, f"no line is one of {target.label}")
            return
        if self.unmet(promotion, indexes):
            return
        order_level = [p for p in self.applied if p.kind is not PromotionClass.PRODUCT]
        if self.clashes(promotion, order_level, "to the order"):
            return
        line_discount = promotion.benefit.line_discount  # type: ignore[union-attr]
        items, units, nets, on_line = self.items, self.units, self.nets, self.on_line
        scale, divide = self.scale, self.situation.divide
        positions, amounts, reasons = [], [], []
        for i in indexes:
            mine = on_line.get(i)
            if mine is not None and any(not promotion.stacks_with(other) for other in mine):
                continue
            net = nets[i]
            amount, why = line_discount(items[i], units[i], net, scale, divide)
            if amount > net:
                amount = net
            if amount > 0:
                nets[i] = net - amount
                positions.append(i)
                amounts.append(amount)
                reasons.append(why)
                if mine is None:
                    on_line[i] = [promotion]
                else:
                    mine.append(promotion)
        if positions:
            given = LineDiscounts(promotion, tuple(positions), tuple(amounts), tuple(reasons))
            self.discounts.append(given)
            self.applied.append(promotion)
            return
        blocked = [
            p for i in indexes for p in self.on_line.get(i, ()) if not promotion.stacks_with(p)
        ]
        if blocked:
            self.reject(
                promotion, f"does not combine with {blocked[0].source} already on its lines"
            )
        else:
            label = promotion.benefit.label
            self.reject(promotion, f"{label}: nothing to discount on {target.label}")

    def apply_order(self, promotion: Promotion) -> None:
        if self.clashes(promotion, self.applied, "to this order"):
            return
        target, nets = promotion.target, self.nets
        if target is None:
            indexes = [i for i, net in enumerate(nets) if net > 0]
        else:
            indexes = [i for i in target.positions(self.items) if nets[i] > 0]
        weights = [nets[i] for i in indexes]
        subtotal = sum(weights)
        if self.unmet(promotion, indexes, subtotal):
            return
        benefit = promotion.benefit
        if isinstance(benefit, SpendTiers) and subtotal < benefit.threshold(self.scale):
            lowest = self.scale.money(benefit.threshold(self.scale) - subtotal)
            self.reject(
                promotion,
                f"spend {lowest.amount} more to reach the first tier "
                f"({benefit.tiers[0][0].amount}); subtotal {self.scale.decimal(subtotal)}",
                lowest,
            )
            return
        situation = self.situation
        if self.order_base is None:
            self.order_base = list(self.nets)
        cover = situation.cover_shipping and target is None and self.shipping > 0
        shipping = self.shipping if cover else 0
        basis = subtotal
        if situation.basis is DiscountBasis.ORIGINAL and isinstance(benefit, OrderPercentOff):
            basis = sum(self.order_base[i] for i in indexes)
        amount, why = benefit.order_discount(  # type: ignore[union-attr]
            basis + shipping, self.scale, situation.divide
        )
        whole = subtotal + shipping
        amount = min(amount, whole)
        if amount <= 0:
            self.reject(promotion, f"{benefit.label}: nothing to discount")
            return
        items = self.items
        keys = [items[i].id for i in indexes]
        if cover:
            weights.append(shipping)
            keys.append("shipping")
        shares = allocate_units(amount, weights, keys, situation.remainder)
        scale = self.scale
        positions, amounts, reasons = [], [], []
        for i, weight, share in zip(indexes, weights, shares, strict=False):
            if share:
                nets[i] -= share
                positions.append(i)
                amounts.append(share)
                reasons.append((_why_share, scale, why, amount, weight, whole, share))
        if positions:
            given = LineDiscounts(promotion, tuple(positions), tuple(amounts), tuple(reasons))
            self.discounts.append(given)
        if cover and shares[-1]:
            reason = (_why_share, self.scale, why, amount, shipping, whole, shares[-1])
            self.shipping -= shares[-1]
            self.shipping_discounts.append((promotion, shares[-1], reason))
        self.applied.append(promotion)

    def apply_shipping(self, promotion: Promotion) -> None:
        if self.shipping <= 0:
            self.reject(promotion, "the order has no shipping charge to discount")
            return
        if self.clashes(promotion, self.applied, "to this order"):
            return
        if self.unmet(promotion, range(len(self.items))):
            return
        amount, why = promotion.benefit.shipping_discount(  # type: ignore[union-attr]
            self.shipping, self.scale
        )
        amount = min(amount, self.shipping)
        if amount <= 0:
            self.reject(promotion, f"{promotion.benefit.label}: nothing to discount")
            return
        self.shipping -= amount
        self.shipping_discounts.append((promotion, amount, why))
        self.applied.append(promotion)


_SEEN: dict[int, tuple[Promotion, frozenset[str]]] = {}
"""Currencies per promotion object, by identity: hashing a promotion (its benefit, target and
conditions, field by field) cost more than the look-up saved. Each entry holds its promotion,
so its id cannot be reused while the entry lives."""


def _currencies_of(promotion: Promotion) -> frozenset[str]:
    """:func:`_currencies`, worked out once per promotion object."""
    seen = _SEEN.get(id(promotion))
    if seen is not None and seen[0] is promotion:
        return seen[1]
    if len(_SEEN) >= 4096:
        _SEEN.clear()
    found = _currencies(promotion)
    _SEEN[id(promotion)] = (promotion, found)
    return found


def _currencies(promotion: Promotion) -> frozenset[str]:
    """The currencies of every Money the promotion holds (benefit and conditions); pure, so
    worked out once per promotion."""
    found: list[Money] = []
    parts: list[object] = [promotion.benefit, *promotion.conditions]
    for part in parts:
        if not attrs.has(type(part)):
            continue
        for field in attrs.fields(cast("type[attrs.AttrsInstance]", type(part))):
            value = getattr(part, field.name)
            if isinstance(value, Money):
                found.append(value)
            elif isinstance(value, tuple):
                found.extend(
                    m
                    for pair in value
                    if isinstance(pair, tuple)
                    for m in pair
                    if isinstance(m, Money)
                )
    return frozenset(str(money.currency.code) for money in found)


def plan_promotions(
    book: PromotionBook,
    items: Sequence[LineItem],
    units: Sequence[int],
    nets: Sequence[int],
    shipping: int,
    situation: PromotionContext,
) -> Plan:
    """Choose and size the promotions for an order whose lines have these unit prices and
    nets (minor units, after manual line discounts), and whose shipping charges ``shipping``."""
    unknown = tuple(
        Rejection(f"code:{code}", code, "no promotion has this code")
        for code in situation.codes
        if not book.knows_code(code)
    )
    candidates = book.candidates(items, situation.codes)
    if not candidates:
        return Plan((), (), (), unknown) if unknown else _NOTHING
    exclusive = [p for p in candidates if p.exclusive]
    shared = [p for p in candidates if not p.exclusive]

    def plan(promotions: list[Promotion]) -> Plan:
        return _Scenario(items, units, nets, shipping, situation).run(promotions)

    best = plan(shared)
    if exclusive:
        plans: list[tuple[Plan, Promotion | None]] = [(best, None)]
        plans += [(plan([p]), p) for p in exclusive]
        best = _best_deal(plans, situation.scale)
    if not unknown:
        return best
    return Plan(
        best.line_discounts, best.shipping_discounts, best.applied, unknown + best.rejections
    )


def _best_deal(plans: list[tuple[Plan, Promotion | None]], scale: MinorUnits) -> Plan:
    """The plan that saves the most: the shared plan (first, owner None) or an exclusive one
    alone; a tie keeps the earlier plan. The others' promotions become rejections."""
    best, winner = plans[0]
    for plan, owner in plans[1:]:
        if plan.total > best.total:
            best, winner = plan, owner
    rejections = list(best.rejections)
    rejected = {r.source for r in rejections}
    saved = scale.decimal(best.total)
    for plan, promotion in plans:
        if plan is best:
            continue
        if promotion is None:
            for loser in plan.applied:
                rejections.append(
                    Rejection(
                        loser.source,
                        loser.title,
                        f"lost to exclusive {winner.source if winner else ''}, which saves "
                        f"{saved} against {scale.decimal(plan.total)} for the promotions it "
                        "excludes",
                    )
                )
            rejections.extend(r for r in plan.rejections if r.source not in rejected)
            continue
        if plan.applied:
            mine = scale.decimal(plan.total)
            verdict = "saves more" if best.total > plan.total else "saves as much and comes first"
            rejections.append(
                Rejection(
                    promotion.source,
                    promotion.title,
                    f"exclusive, and another deal {verdict} ({saved} against {mine})",
                )
            )
        else:
            rejections.extend(plan.rejections)
    return Plan(best.line_discounts, best.shipping_discounts, best.applied, tuple(rejections))


__getattr__ = renamed(__name__, globals())

"""The promotion book: every promotion of a shop, indexed so an order meets only its own.

Product promotions (and targeted order promotions) are indexed by the SKUs, tags and
collections they target; coded promotions by their code too, so an entered code always
meets its promotion (and its reason, when it does not apply); the rest (automatic
order-wide and shipping promotions) are always candidates, and so are free-gift promotions,
so that an order without the gift can be told to add it. Looking up an order costs a few
dictionary hits per line, however many promotions the book holds.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence

from draftorders.errors import ValidationError
from draftorders.order.lines import LineItem
from draftorders.promotions.benefits import FreeGift, PromotionClass
from draftorders.promotions.promotion import Promotion

__all__ = ["PromotionBook"]

Ranked = tuple[int, Promotion]
"""A promotion and its place in the order promotions are tried."""

_CLASS_ORDER = {PromotionClass.PRODUCT: 0, PromotionClass.ORDER: 1, PromotionClass.SHIPPING: 2}


class PromotionBook:
    """An immutable, indexed set of promotions; ids are unique.

    Each promotion gets a rank once, its place in the order promotions are tried (product,
    then order, then shipping promotions; then by priority, lower first; then by id), and the
    indexes hold ``(rank, promotion)`` pairs, so the candidates for an order come out in that
    order by sorting a few integers.
    """

    __slots__ = ("_all", "_by_code", "_by_collection", "_by_sku", "_by_tag", "_codes", "_open")

    def __init__(self, promotions: Iterable[Promotion] = ()) -> None:
        self._all: dict[str, Promotion] = {}
        for promotion in promotions:
            if not isinstance(promotion, Promotion):
                raise ValidationError("promotions", f"expected Promotion, got {promotion!r}")
            if promotion.id in self._all:
                raise ValidationError("promotions", f"two promotions have the id {promotion.id!r}")
            self._all[promotion.id] = promotion
        by_sku: defaultdict[str, list[Ranked]] = defaultdict(list)
        by_tag: defaultdict[str, list[Ranked]] = defaultdict(list)
        by_collection: defaultdict[str, list[Ranked]] = defaultdict(list)
        by_code: defaultdict[str, list[Ranked]] = defaultdict(list)
        always: list[Ranked] = []
        trial_order = sorted(
            self._all.values(), key=lambda p: (_CLASS_ORDER[p.kind], p.priority, p.id)
        )
        for ranked in enumerate(trial_order):
            promotion = ranked[1]
            target = promotion.target
            if isinstance(promotion.benefit, FreeGift):
                always.append(ranked)
            elif target is not None:
                for sku in target.skus:
                    by_sku[sku].append(ranked)
                for tag in target.tags:
                    by_tag[tag].append(ranked)
                for collection in target.collections:
                    by_collection[collection].append(ranked)
            elif promotion.code is None:
                always.append(ranked)
            if promotion.code is not None:
                by_code[promotion.code].append(ranked)
        self._by_sku = dict(by_sku)
        self._by_tag = dict(by_tag)
        self._by_collection = dict(by_collection)
        self._by_code = dict(by_code)
        self._open = dict(always)
        self._codes = frozenset(by_code)

    def __len__(self) -> int:
        return len(self._all)

    def __contains__(self, promotion_id: object) -> bool:
        return promotion_id in self._all

    def __iter__(self) -> Iterator[Promotion]:
        return iter(self._all.values())

    def __eq__(self, other: object) -> bool:
        """Books are equal when they hold the same promotions (their order does not price)."""
        if not isinstance(other, PromotionBook):
            return NotImplemented
        return self._all == other._all

    def __hash__(self) -> int:
        return hash(frozenset(self._all.items()))

    def __reduce__(self) -> tuple[type[PromotionBook], tuple[tuple[Promotion, ...]]]:
        """Pickled as its promotions; the indexes are rebuilt when it is read back."""
        return PromotionBook, (tuple(self._all.values()),)

    def get(self, promotion_id: str) -> Promotion:
        """The promotion with this id."""
        try:
            return self._all[promotion_id]
        except KeyError:
            raise ValidationError("promotion", f"no promotion {promotion_id!r}") from None

    def with_promotions(self, *promotions: Promotion) -> PromotionBook:
        """A new book with these promotions added."""
        return PromotionBook([*self._all.values(), *promotions])

    def knows_code(self, code: str) -> bool:
        """True if some promotion has this (normalised) code."""
        return code in self._codes

    def candidates(self, items: Sequence[LineItem], codes: Iterable[str]) -> list[Promotion]:
        """The promotions that can concern these lines and codes, in the order they are tried:
        product, order, then shipping promotions, each by priority then id."""
        found: dict[int, Promotion] = dict(self._open)
        by_sku, by_tag, by_collection = self._by_sku, self._by_tag, self._by_collection
        for item in items:
            if item.sku is not None and item.sku in by_sku:
                found.update(by_sku[item.sku])
            for tag in item.tags:
                if tag in by_tag:
                    found.update(by_tag[tag])
            for collection in item.collections:
                if collection in by_collection:
                    found.update(by_collection[collection])
        for code in codes:
            if code in self._by_code:
                found.update(self._by_code[code])
        return [found[rank] for rank in sorted(found)]

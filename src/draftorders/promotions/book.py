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
from draftorders.line_item import LineItem
from draftorders.promotions.benefits import FreeGift
from draftorders.promotions.promotion import Promotion

__all__ = ["PromotionBook"]


class PromotionBook:
    """An immutable, indexed set of promotions; ids are unique."""

    __slots__ = ("_all", "_by_code", "_by_collection", "_by_sku", "_by_tag", "_codes", "_open")

    def __init__(self, promotions: Iterable[Promotion] = ()) -> None:
        self._all: dict[str, Promotion] = {}
        by_sku: defaultdict[str, list[Promotion]] = defaultdict(list)
        by_tag: defaultdict[str, list[Promotion]] = defaultdict(list)
        by_collection: defaultdict[str, list[Promotion]] = defaultdict(list)
        by_code: defaultdict[str, list[Promotion]] = defaultdict(list)
        always: list[Promotion] = []
        for promotion in promotions:
            if not isinstance(promotion, Promotion):
                raise ValidationError("promotions", f"expected Promotion, got {promotion!r}")
            if promotion.id in self._all:
                raise ValidationError("promotions", f"two promotions have the id {promotion.id!r}")
            self._all[promotion.id] = promotion
            target = promotion.target
            if isinstance(promotion.benefit, FreeGift):
                always.append(promotion)
            elif target is not None:
                for sku in target.skus:
                    by_sku[sku].append(promotion)
                for tag in target.tags:
                    by_tag[tag].append(promotion)
                for collection in target.collections:
                    by_collection[collection].append(promotion)
            elif promotion.code is None:
                always.append(promotion)
            if promotion.code is not None:
                by_code[promotion.code].append(promotion)
        self._by_sku = dict(by_sku)
        self._by_tag = dict(by_tag)
        self._by_collection = dict(by_collection)
        self._by_code = dict(by_code)
        self._open = tuple(always)
        self._codes = frozenset(p.code for p in self._all.values() if p.code is not None)

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
        """The promotions that can concern these lines and codes, by priority then id."""
        found: dict[str, Promotion] = {p.id: p for p in self._open}
        by_sku, by_tag, by_collection = self._by_sku, self._by_tag, self._by_collection
        for item in items:
            if item.sku is not None and item.sku in by_sku:
                for promotion in by_sku[item.sku]:
                    found[promotion.id] = promotion
            for tag in item.tags:
                for promotion in by_tag.get(tag, ()):
                    found[promotion.id] = promotion
            for collection in item.collections:
                for promotion in by_collection.get(collection, ()):
                    found[promotion.id] = promotion
        for code in codes:
            for promotion in self._by_code.get(code, ()):
                found[promotion.id] = promotion
        return sorted(found.values(), key=lambda p: (p.priority, p.id))

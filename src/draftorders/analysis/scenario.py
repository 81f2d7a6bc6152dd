"""A scenario: a named pricing context, to price the same orders under a what-if."""

from __future__ import annotations

from typing import Any

import attrs

from draftorders._validate import check_type, non_empty_text
from draftorders.pricing import PricingContext
from draftorders.promotions import Promotion, PromotionBook

__all__ = ["Scenario"]


@attrs.frozen
class Scenario:
    """A name and the context orders are priced in under it.

    The helpers return new scenarios, keeping the name unless ``name=`` is given:
    ``base.with_promotions(spring, name="spring sale")``.
    """

    name: str = attrs.field(validator=non_empty_text)
    context: PricingContext = attrs.field(
        factory=PricingContext, validator=check_type(PricingContext)
    )

    def named(self, name: str) -> Scenario:
        """The same context under another name."""
        return attrs.evolve(self, name=name)

    def with_promotions(self, *promotions: Promotion, name: str | None = None) -> Scenario:
        """The scenario with these promotions added to its book (ids must be new)."""
        book = self.context.promotions.with_promotions(*promotions)
        return self._evolved(name, promotions=book)

    def without_promotions(self, *promotion_ids: str, name: str | None = None) -> Scenario:
        """The scenario without these promotions; an id the book does not hold is refused."""
        book = self.context.promotions
        for promotion_id in promotion_ids:
            book.get(promotion_id)
        removed = set(promotion_ids)
        kept = PromotionBook(p for p in book if p.id not in removed)
        return self._evolved(name, promotions=kept)

    def with_context(self, *, name: str | None = None, **changes: Any) -> Scenario:
        """The scenario with fields of its context changed (``tax=``, ``rules=``,
        ``prices_include_tax=``, ``promotions=`` ...), as :func:`attrs.evolve` does."""
        return self._evolved(name, **changes)

    def _evolved(self, name: str | None, **changes: Any) -> Scenario:
        context = attrs.evolve(self.context, **changes)
        return Scenario(self.name if name is None else name, context)

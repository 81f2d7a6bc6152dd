"""How often each promotion was used, in total and per customer: a snapshot pricing reads."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import attrs

from draftorders._frozendict import FrozenDict

__all__ = ["PromotionUsage"]


def _frozen_counts(value: Mapping[str, int]) -> Mapping[str, int]:
    return FrozenDict(dict(value))


def _frozen_pairs(value: Mapping[tuple[str, str], int]) -> Mapping[tuple[str, str], int]:
    return FrozenDict(dict(value))


@attrs.frozen
class PromotionUsage:
    """Uses of promotions on completed orders. The service reads it from the store.

    ``total[promotion_id]`` counts every use; ``per_customer[(promotion_id, customer_id)]``
    counts one customer's.
    """

    total: Mapping[str, int] = attrs.field(factory=dict, converter=_frozen_counts)
    per_customer: Mapping[tuple[str, str], int] = attrs.field(factory=dict, converter=_frozen_pairs)

    def count(self, promotion_id: str) -> int:
        """Uses of the promotion by anyone."""
        return self.total.get(promotion_id, 0)

    def count_for(self, promotion_id: str, customer_id: str) -> int:
        """Uses of the promotion by one customer."""
        return self.per_customer.get((promotion_id, customer_id), 0)

    def recorded(self, promotion_ids: Iterable[str], customer_id: str | None) -> PromotionUsage:
        """This usage with one more use of each promotion (by ``customer_id``, if known)."""
        total = dict(self.total)
        per_customer = dict(self.per_customer)
        for promotion_id in promotion_ids:
            total[promotion_id] = total.get(promotion_id, 0) + 1
            if customer_id is not None:
                key = (promotion_id, customer_id)
                per_customer[key] = per_customer.get(key, 0) + 1
        return PromotionUsage(total, per_customer)

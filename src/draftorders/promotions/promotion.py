"""A promotion: what it gives, to which lines, on what conditions, and how it stacks."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import attrs

from draftorders._validate import check_type, non_empty_text, text_set, whole_number
from draftorders.errors import ValidationError
from draftorders.order import normal_code
from draftorders.order.lines import LineItem
from draftorders.promotions.benefits import BENEFITS, Benefit, PromotionClass
from draftorders.promotions.conditions import Condition

__all__ = ["Promotion", "Target"]


@attrs.frozen
class Target:
    """Which lines a promotion is for: any of these SKUs, tags or collections."""

    skus: frozenset[str] = attrs.field(default=frozenset(), converter=text_set)
    tags: frozenset[str] = attrs.field(default=frozenset(), converter=text_set)
    collections: frozenset[str] = attrs.field(default=frozenset(), converter=text_set)

    def __attrs_post_init__(self) -> None:
        if not (self.skus or self.tags or self.collections):
            raise ValidationError("target", "name at least one SKU, tag or collection")

    def matches(self, item: LineItem) -> bool:
        """True if the line is one of the targeted products."""
        return bool(self.positions((item,)))

    def positions(self, items: Sequence[LineItem]) -> list[int]:
        """The positions of the targeted lines among ``items`` (a SKU, a tag or a collection
        in common), found in one pass over the order."""
        skus, tags, collections = self.skus, self.tags, self.collections
        return [
            i
            for i, item in enumerate(items)
            if item.sku in skus
            or not tags.isdisjoint(item.tags)
            or not collections.isdisjoint(item.collections)
        ]

    @property
    def label(self) -> str:
        """Stable words naming what is targeted."""
        parts = [*sorted(self.skus), *(f"tag {t}" for t in sorted(self.tags))]
        parts += [f"collection {c}" for c in sorted(self.collections)]
        return ", ".join(parts)


def _default_combines(promotion: Promotion) -> frozenset[PromotionClass]:
    return frozenset(PromotionClass) - {promotion.benefit.kind}


def _code(value: object) -> str | None:
    return None if value is None else normal_code(value)


def _conditions(value: Iterable[Condition]) -> tuple[Condition, ...]:
    conditions = tuple(value)
    for condition in conditions:
        if not callable(getattr(condition, "check", None)):
            raise ValidationError("conditions", f"{condition!r} has no check(facts) method")
    return conditions


def _limit(_: object, attribute: attrs.Attribute[int | None], value: object) -> None:
    if value is not None:
        whole_number(value, attribute.name, minimum=0)


def _classes(value: Iterable[PromotionClass | str]) -> frozenset[PromotionClass]:
    """Combination classes from members or their names ("product", "order", "shipping")."""
    if isinstance(value, str):
        raise ValidationError("combines_with", f"expected a set of classes, got {value!r}")
    try:
        return frozenset(PromotionClass(item) for item in value)
    except ValueError as error:
        raise ValidationError("combines_with", f"{error}; use product, order or shipping") from None


@attrs.frozen
class Promotion:
    """A promotion rule, as data.

    - ``benefit`` says what it gives and so its class: product, order or shipping.
    - ``target`` picks the lines: required for product promotions; for order promotions it
      narrows the subtotal (None: the whole order).
    - ``conditions`` must all be met; ``code`` (case-insensitive) must be entered on the order.
    - ``priority``: lower applies first. ``exclusive``: applies alone, when it is the best deal.
    - ``combines_with``: the classes it may stack with (default: the other two classes);
      two promotions stack only if each allows the other's class.
    - ``usage_limit`` / ``usage_limit_per_customer``: uses allowed on completed orders.
    """

    id: str = attrs.field(validator=non_empty_text)
    title: str = attrs.field(validator=non_empty_text)
    benefit: Benefit = attrs.field(validator=check_type(*BENEFITS))
    target: Target | None = attrs.field(
        default=None, validator=attrs.validators.optional(check_type(Target))
    )
    conditions: tuple[Condition, ...] = attrs.field(default=(), converter=_conditions)
    code: str | None = attrs.field(default=None, converter=_code)
    priority: int = attrs.field(default=0, validator=check_type(int))
    exclusive: bool = attrs.field(default=False, validator=check_type(bool))
    combines_with: frozenset[PromotionClass] = attrs.field(
        default=attrs.Factory(_default_combines, takes_self=True), converter=_classes
    )
    usage_limit: int | None = attrs.field(default=None, validator=_limit)
    usage_limit_per_customer: int | None = attrs.field(default=None, validator=_limit)

    def __attrs_post_init__(self) -> None:
        if self.kind is PromotionClass.PRODUCT and self.target is None:
            raise ValidationError(
                "target",
                f"product promotion {self.id!r} needs a target (SKUs, tags or collections)",
            )

    @property
    def kind(self) -> PromotionClass:
        """Product, order or shipping: what it discounts."""
        return self.benefit.kind

    @property
    def source(self) -> str:
        """How adjustments and rejections name it: ``"promotion:<id>"``."""
        return f"promotion:{self.id}"

    def stacks_with(self, other: Promotion) -> bool:
        """True if both allow each other's class."""
        return other.kind in self.combines_with and self.kind in other.combines_with

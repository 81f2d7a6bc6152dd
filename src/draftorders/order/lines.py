"""One line of a draft order: a catalog product or a custom item, with its manual edits."""

from __future__ import annotations

import enum

import attrs

from draftorders._validate import (
    check_type,
    loyalty_points,
    money_amount,
    non_empty_text,
    positive_quantity,
    text_set,
)
from draftorders.billing import BillingPlan
from draftorders.catalog import Dimensions, Product, Weight
from draftorders.errors import CurrencyMismatch, DiscountExceedsAmount
from draftorders.money import Money
from draftorders.order.discounts import DiscountKind, ManualDiscount

__all__ = ["LineItem", "LineKind"]


class LineKind(enum.Enum):
    """Where a line came from."""

    PRODUCT = "product"
    """A catalog product; its list price was copied from the catalog when it was added."""
    CUSTOM = "custom"
    """A custom item typed in by the merchant (extra costs, unlisted products)."""


@attrs.frozen
class LineItem:
    """A line of an order. Its id is stable for the life of the order.

    ``list_price`` is the unit price the line started with (catalog price for products);
    ``unit_price_override`` is a price typed in by hand, which wins over it when set.
    A fixed discount may never exceed what it discounts.
    """

    id: str = attrs.field(validator=non_empty_text)
    kind: LineKind = attrs.field(validator=check_type(LineKind))
    title: str = attrs.field(validator=non_empty_text)
    list_price: Money = attrs.field(validator=money_amount)
    quantity: int = attrs.field(validator=positive_quantity)
    sku: str | None = None
    unit_price_override: Money | None = attrs.field(
        default=None, validator=attrs.validators.optional(money_amount)
    )
    discount: ManualDiscount | None = attrs.field(
        default=None, validator=attrs.validators.optional(check_type(ManualDiscount))
    )
    taxable: bool = attrs.field(default=True, validator=check_type(bool))
    tax_category: str = attrs.field(default="standard", validator=non_empty_text)
    requires_shipping: bool = attrs.field(default=True, validator=check_type(bool))
    tags: frozenset[str] = attrs.field(default=frozenset(), converter=text_set)
    collections: frozenset[str] = attrs.field(default=frozenset(), converter=text_set)
    weight: Weight | None = None
    dimensions: Dimensions | None = None
    ships_alone: bool = False
    cost: Money | None = None
    """The product's cost when the line was added (cost-plus rules use it)."""
    pricing_rule: str | None = attrs.field(
        default=None, validator=attrs.validators.optional(non_empty_text)
    )
    """Id of the product pricing rule chosen for this line; None lets pricing pick."""
    points: int | None = attrs.field(default=None, validator=loyalty_points)
    """Loyalty points the line earns, set by hand; None lets the points program decide."""
    billing_plan: BillingPlan | None = attrs.field(
        default=None, validator=attrs.validators.optional(check_type(BillingPlan))
    )
    """How the line recurs (copied from the product, changed on the order); None: one-off.
    Pricing ignores it: a line costs the same whether or not it recurs."""

    def __attrs_post_init__(self) -> None:
        code = self.currency_code
        if self.unit_price_override is not None:
            _same_currency("unit_price", code, self.unit_price_override)
        discount = self.discount
        if discount is None or discount.amount is None:
            return
        _same_currency("discount", code, discount.amount)
        unit = self.unit_price.amount
        if discount.kind is DiscountKind.AMOUNT_PER_UNIT and discount.amount.amount > unit:
            raise DiscountExceedsAmount(
                f"lines[{self.id}].discount",
                f"{discount.amount.amount} off each unit is more than the unit price {unit}",
            )
        line_amount = unit * self.quantity
        if discount.kind is DiscountKind.AMOUNT and discount.amount.amount > line_amount:
            raise DiscountExceedsAmount(
                f"lines[{self.id}].discount",
                f"{discount.amount.amount} off is more than the line amount {line_amount}",
            )

    @classmethod
    def from_product(cls, line_id: str, product: Product, quantity: int) -> LineItem:
        """A line for ``quantity`` of a catalog product, at its list price."""
        return cls(
            id=line_id,
            kind=LineKind.PRODUCT,
            title=product.title,
            list_price=product.price,
            quantity=quantity,
            sku=product.sku,
            taxable=product.taxable,
            tax_category=product.tax_category,
            requires_shipping=product.requires_shipping,
            tags=product.tags,
            collections=product.collections,
            weight=product.weight,
            dimensions=product.dimensions,
            ships_alone=product.ships_alone,
            cost=product.cost,
            billing_plan=product.billing_plan,
        )

    @property
    def currency_code(self) -> str:
        """ISO code of the line's currency."""
        return str(self.list_price.currency.code)

    @property
    def unit_price(self) -> Money:
        """The unit price pricing starts from: the manual override if set, else the list price."""
        return self.unit_price_override if self.unit_price_override is not None else self.list_price


def _same_currency(field: str, expected: str, amount: Money) -> None:
    if amount.currency.code != expected:
        raise CurrencyMismatch(field, expected, amount.currency.code)

"""Products, the catalog they are looked up in, and their physical measures (weight and package
dimensions, as exact Decimals)."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal

import attrs

from draftorders._frozendict import FrozenDict
from draftorders._validate import (
    check_type,
    exact_decimal,
    money_amount,
    non_empty_text,
    positive,
    text_set,
)
from draftorders.billing import BillingPlan
from draftorders.errors import CurrencyMismatch, UnknownSku, ValidationError
from draftorders.money import Money

__all__ = [
    "Catalog",
    "Dimensions",
    "LengthUnit",
    "Product",
    "Weight",
    "WeightUnit",
]


class WeightUnit(enum.Enum):
    """Units a weight can be given in."""

    G = "g"
    KG = "kg"
    OZ = "oz"
    LB = "lb"


class LengthUnit(enum.Enum):
    """Units a package dimension can be given in."""

    MM = "mm"
    CM = "cm"
    IN = "in"


@attrs.frozen
class Weight:
    """A positive weight, e.g. ``Weight("0.35", WeightUnit.KG)``."""

    value: Decimal = attrs.field(converter=exact_decimal, validator=positive)
    unit: WeightUnit = attrs.field(validator=check_type(WeightUnit))


@attrs.frozen
class Dimensions:
    """Package length x width x height, all positive, in one unit."""

    length: Decimal = attrs.field(converter=exact_decimal, validator=positive)
    width: Decimal = attrs.field(converter=exact_decimal, validator=positive)
    height: Decimal = attrs.field(converter=exact_decimal, validator=positive)
    unit: LengthUnit = attrs.field(validator=check_type(LengthUnit))


@attrs.frozen
class Product:
    """A sellable product: its SKU, list price and what pricing, tax and shipping need."""

    sku: str = attrs.field(validator=non_empty_text)
    title: str = attrs.field(validator=non_empty_text)
    price: Money = attrs.field(validator=money_amount)
    tax_category: str = attrs.field(default="standard", validator=non_empty_text)
    taxable: bool = attrs.field(default=True, validator=check_type(bool))
    tags: frozenset[str] = attrs.field(default=frozenset(), converter=text_set)
    collections: frozenset[str] = attrs.field(default=frozenset(), converter=text_set)
    """Named groups of products (``"summer"``, ``"kitchen"``) that promotions can target."""
    cost: Money | None = attrs.field(
        default=None, validator=attrs.validators.optional(money_amount)
    )
    """What the product costs the shop; cost-plus pricing rules need it."""
    requires_shipping: bool = attrs.field(default=True, validator=check_type(bool))
    track_inventory: bool = attrs.field(default=False, validator=check_type(bool))
    weight: Weight | None = attrs.field(
        default=None, validator=attrs.validators.optional(check_type(Weight))
    )
    dimensions: Dimensions | None = attrs.field(
        default=None, validator=attrs.validators.optional(check_type(Dimensions))
    )
    """Package dimensions (the product's own box when it ships alone)."""
    ships_alone: bool = attrs.field(default=False, validator=check_type(bool))
    """True if each unit ships in its own package of ``dimensions``."""
    billing_plan: BillingPlan | None = attrs.field(
        default=None, validator=attrs.validators.optional(check_type(BillingPlan))
    )
    """How the product bills by default (a subscription); None: a one-off sale. Copied to each
    line added, where the order can change it."""

    def __attrs_post_init__(self) -> None:
        if self.cost is not None and self.cost.currency != self.price.currency:
            raise CurrencyMismatch("cost", self.currency_code, self.cost.currency.code)

    @property
    def currency_code(self) -> str:
        """ISO code of the list price's currency."""
        return str(self.price.currency.code)


def _read_only(table: Mapping[str, Product]) -> Mapping[str, Product]:
    return FrozenDict(dict(table))


@attrs.frozen
class Catalog:
    """An immutable set of products keyed by SKU; ``catalog.product("MUG")`` looks one up."""

    _products: Mapping[str, Product] = attrs.field(
        factory=dict, alias="products", converter=_read_only
    )

    @classmethod
    def of(cls, *products: Product) -> Catalog:
        """A catalog of these products; two products with one SKU are refused."""
        return cls().with_products(products)

    def with_products(self, products: Iterable[Product]) -> Catalog:
        """A new catalog with ``products`` added; an SKU already present is refused."""
        table = dict(self._products)
        for product in products:
            if not isinstance(product, Product):
                raise ValidationError("products", f"expected Product, got {product!r}")
            if product.sku in table:
                raise ValidationError("sku", f"the catalog already has SKU {product.sku!r}")
            table[product.sku] = product
        return Catalog(products=table)

    def product(self, sku: str) -> Product:
        """The product with this SKU; :class:`UnknownSku` if there is none."""
        try:
            return self._products[sku]
        except KeyError:
            raise UnknownSku(sku) from None

    def __contains__(self, sku: object) -> bool:
        return sku in self._products

    def __iter__(self) -> Iterator[Product]:
        return iter(self._products.values())

    def __len__(self) -> int:
        return len(self._products)
